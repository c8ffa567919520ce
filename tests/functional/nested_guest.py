# Nested KVM on pseries under TCG, for the fork's functional tests
#
# Three levels, all emulated: the L0 is the qemu-system-ppc64 under test
# (TCG, a Power11 CPU, the nested API of PowerVM or the older nested-HV
# API); the L1 is Debian's ppc64el kernel with an initramfs that loads
# kvm-hv and runs a ppc64le qemu-system-ppc64 with KVM, either Debian's
# own (unfixed upstream) or the fork cross-built; the L2 is the boot
# tests' guest (debian_guest.py).  scripts/fork/l1-assets.sh makes the L1
# initramfs and documents what its /init prints ("FORK-L1: key=value"
# lines, the L1 QEMU's output with the L2's "FORK-GUEST:" lines among it);
# nothing is downloaded from here.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import hashlib
import logging
import os
import re
import shlex
import time

from debian_guest import MARKER as L2_MARKER, fork_cache, load_assets

L1_MARKER = 'FORK-L1: '

# What the L0 needs for an L1 that runs KVM: these caps are what TCG
# cannot give a kvm-hv host (upstream's tests/functional/test_ppc64_hv.py
# uses the same).
L0_CAPS = 'cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off'

# Messages of the L0 (-d guest_errors,unimp) that say it did not handle
# what the L1 asked: an unknown guest state element, a value it refused,
# an hcall it does not implement.
L0_COMPLAINT = re.compile(r'unknown|unimplemented|element|h_guest',
                          re.IGNORECASE)
# ... except what the L1 kernel probes at boot, nested or not (a
# single-level boot of the same kernel logs it as well):
# H_GET_PERF_COUNTER_INFO (0xf080) for the hv-gpci PMU, with Linux 6.1
# H_QUERY_VAS_CAPABILITIES (0x398) for the VAS driver, and with Linux 7.3
# H_PIC (0xf8), which no L0 of QEMU implements.
L0_NOISE = re.compile(r'Unimplemented SPAPR hcall 0x0*(f080|398|f8)$')

# The fork's trace events of the nested PAPR API (-trace spapr_nested_*)
TRACE_GET_CAPS = re.compile(
    r'spapr_nested_get_capabilities L1 compat=(0x[0-9a-f]+) '
    r'offered=(0x[0-9a-f]+)')
TRACE_SET_CAPS = re.compile(r'spapr_nested_set_capabilities '
                            r'enabled=(0x[0-9a-f]+)')
TRACE_API_SELECT = re.compile(r'spapr_nested_api_select .*nested API (\d+)')
# spapr_nested_api_select's numbers of the nested APIs
API_V1 = 1      # nested-HV: H_SET_PARTITION_TABLE, H_ENTER_NESTED
API_V2 = 2      # PAPR: H_GUEST_*
# The bits of H_GUEST_{GET,SET}_CAPABILITIES
CAPS_P9 = 0x4000000000000000
CAPS_P10 = 0x2000000000000000
CAPS_P11 = 0x1000000000000000

# What the L1's kvm-hv says when the L0 refuses a guest-wide element
SET_STATE_ERROR = "KVM-NESTEDv2: couldn't set guest wide elements"
# ... and when the L0 has no PAPR API (v2), so that it uses v1
V1_FALLBACK = 'falling back to nestedv1'

RUN_TIMEOUT = 300   # one L0 boot to the L1's power-off: 10 to 20 s here


def load_l1_assets(test, variant, l1_suite=None):
    """(L1 initramfs, the boot tests' assets) for @variant, 'debian' or
    'fork', and for an L1 kernel other than the boot tests' one, that of
    Debian suite @l1_suite (then the assets' L1_KERNEL); skips @test when
    the cache lacks them or, for 'fork', when the cross build changed
    since its initramfs was made."""
    guest = dict(load_assets(test))
    path = os.path.join(os.environ.get('FORK_L1',
                                       os.path.join(fork_cache(), 'l1')),
                        'assets.env')
    option = f'--l1-kernel={l1_suite} ' if l1_suite else ''
    hint = (f'run scripts/fork/l1-assets.sh {option}debian, and for the '
            'fork\'s L1 QEMU scripts/fork/cross.sh then '
            f'scripts/fork/l1-assets.sh {option}fork (see '
            'scripts/fork/check.sh)')
    if not os.path.exists(path):
        test.skipTest(f'no L1 assets in {path}: {hint}')
    assets = {}
    with open(path, encoding='utf-8') as env:
        for line in env:
            key, sep, value = line.strip().partition('=')
            if sep and not key.startswith('#'):
                assets[key] = ' '.join(shlex.split(value))
    prefix = f'L1_{variant}' + (f'_{l1_suite}' if l1_suite else '')
    prefix = prefix.upper().replace('-', '_')
    initrd = assets.get(f'{prefix}_INITRD', '')
    if not os.path.exists(initrd):
        test.skipTest(f'{prefix}_INITRD of {path} is missing: {hint}')
    if l1_suite:
        guest['L1_KERNEL'] = assets.get(f'{prefix}_KERNEL', '')
        if not os.path.exists(guest['L1_KERNEL']):
            test.skipTest(f'{prefix}_KERNEL of {path} is missing: {hint}')
    if variant == 'fork':
        binary = assets.get(f'{prefix}_QEMU', '')
        if os.path.exists(binary):
            digest = hashlib.sha256()
            with open(binary, 'rb') as f:
                for chunk in iter(lambda: f.read(1 << 20), b''):
                    digest.update(chunk)
            if digest.hexdigest() != assets.get(f'{prefix}_QEMU_SHA256'):
                test.skipTest(f'{initrd} holds an older build than '
                              f'{binary}: run scripts/fork/l1-assets.sh '
                              f'{option}fork again')
    return initrd, guest


class NestedRun:
    """What one L0 boot showed, from the L0's console and log."""

    def __init__(self, name):
        self.name = name
        self.l1 = {}            # FORK-L1: key=value
        self.l1_dmesg = []      # FORK-L1: dmesg: lines
        self.l1_qemu = []       # the L1 QEMU's own messages and errors
        self.l2 = {}            # FORK-GUEST: key=value of the L2
        self.l2_done = False
        self.l0_log = []        # -d guest_errors,unimp and trace lines
        self.seconds = 0.0

    def dmesg_has(self, text):
        return any(text in line for line in self.l1_dmesg)

    def l0_complaints(self):
        """L0 log lines saying that it did not handle a request"""
        return [line for line in self.l0_log
                if L0_COMPLAINT.search(line) and not L0_NOISE.search(line)]

    def caps(self):
        """(L1 compat PVR, offered, enabled) of the nested PAPR
        capabilities as the fork's L0 traced them, None where not seen"""
        compat = offered = enabled = None
        for line in self.l0_log:
            m = TRACE_GET_CAPS.search(line)
            if m:
                compat, offered = int(m[1], 16), int(m[2], 16)
            m = TRACE_SET_CAPS.search(line)
            if m:
                enabled = int(m[1], 16)
        return compat, offered, enabled

    def l2_entries(self):
        """How many times the fork's L0 entered an L2 (its
        spapr_nested_tlb_enter trace lines)"""
        return sum('spapr_nested_tlb_enter ' in line for line in self.l0_log)

    def apis_chosen(self):
        """The nested APIs (API_V1, API_V2) the L1 committed to, in order,
        as the fork's L0 traced them with both APIs on"""
        return [int(m[1]) for m in map(TRACE_API_SELECT.search, self.l0_log)
                if m]

    def summary(self):
        return (f'{self.name}: L1 {self.l1.get("cpu")!r} '
                f'{self.l1.get("cpu-version")}, L2 '
                f'{self.l2.get("cpu", "never started")!r} '
                f'{self.l2.get("cpu-version", "")}, '
                f'L1 QEMU exit {self.l1.get("qemu-exit")}, '
                f'{self.seconds:.0f} s')


def boot_nested(test, name, l1_initrd, guest, nested='papr',
                max_cpu_compat='power10', l1_qemu_args=(), l0_binary=None):
    """Boot the L1 @l1_initrd under an L0 (@l0_binary, or the QEMU under
    test) with the nested API @nested ('papr': v2, 'hv': v1, 'both': both
    on, the L1 chooses) and the L1 in @max_cpu_compat mode (None: raw
    Power11); the L1 kernel is @guest's L1_KERNEL if it has one, else its
    KERNEL; the L1 QEMU gets @l1_qemu_args.  Returns a NestedRun once the
    L1 has powered off."""
    run = NestedRun(name)
    l0_log = test.log_file(f'l0-{name}.log')
    caps = {'papr': 'cap-nested-papr=on', 'hv': 'cap-nested-hv=on',
            'both': 'cap-nested-hv=on,cap-nested-papr=on'}[nested]
    machine = f'pseries,{caps},{L0_CAPS}'
    if max_cpu_compat:
        machine += f',max-cpu-compat={max_cpu_compat}'
    append = 'console=hvc0 panic=-1'
    if l1_qemu_args:
        append += f' fork.l1_qemu_args="{" ".join(l1_qemu_args)}"'

    under_test = test.qemu_bin
    if l0_binary:
        test.qemu_bin = l0_binary
    try:
        vm = test.get_vm(name=name)
    finally:
        test.qemu_bin = under_test
    vm.set_console()
    vm.add_args('-M', machine, '-cpu', 'power11', '-smp', '2', '-m', '2G',
                '-accel', 'tcg,thread=multi', '-no-reboot',
                '-kernel', guest.get('L1_KERNEL', guest['KERNEL']),
                '-initrd', l1_initrd,
                '-append', append,
                '-d', 'guest_errors,unimp', '-D', l0_log)
    if not l0_binary:
        # the fork's trace events of H_GUEST_{GET,SET}_CAPABILITIES
        vm.add_args('-trace', 'spapr_nested_*')
    test.log.info('%s: %s', name, shlex.join([vm.binary] + vm.args))
    start = time.monotonic()
    vm.launch()
    read_console(test, vm, run, start + RUN_TIMEOUT)
    vm.wait(timeout=60)
    run.seconds = time.monotonic() - start
    with open(l0_log, encoding='utf-8', errors='replace') as log:
        run.l0_log = [line.rstrip('\n') for line in log]
    test.log.info('%s', run.summary())
    return run


def read_console(test, vm, run, deadline):
    """Fill @run from the console up to "FORK-L1: done"."""
    console = logging.getLogger('console')
    last = []
    while True:
        vm.console_socket.settimeout(max(1, deadline - time.monotonic()))
        try:
            raw = vm.console_file.readline()
        except TimeoutError:
            test.fail(f'{run.name}: no "FORK-L1: done" within '
                      f'{RUN_TIMEOUT} s; last lines:\n' + '\n'.join(last))
        if not raw:
            test.fail(f'{run.name}: the L0 console closed before '
                      '"FORK-L1: done"; last lines:\n' + '\n'.join(last))
        line = raw.decode(errors='replace').replace('\r', '').rstrip()
        console.debug('%s: %s', run.name, line)
        last = (last + [line])[-20:]
        if line.startswith(L1_MARKER):
            key, _, value = line[len(L1_MARKER):].partition('=')
            if key == 'done':
                return
            if key.startswith('dmesg: '):
                run.l1_dmesg.append(line[len(L1_MARKER) + 7:])
            else:
                run.l1[key] = value
        elif line.startswith(L2_MARKER):
            key, _, value = line[len(L2_MARKER):].partition('=')
            if key == 'done':
                run.l2_done = True
            else:
                run.l2[key] = value
        elif line.startswith(('qemu-system-ppc64: ', 'error: ')):
            run.l1_qemu.append(line)


class NestedAssertions:
    """What the nested tests assert of a NestedRun (a mixin of a
    QemuSystemTest)."""

    def assert_l1(self, run, cpu, version):
        self.assertIn(cpu, run.l1.get('cpu', ''), run.summary())
        self.assertIn('pvr 0082 1200', run.l1.get('revision', ''))
        self.assertEqual(run.l1.get('cpu-version'), version)
        self.assertEqual(run.l1.get('kvm-hv'), 'loaded')
        self.assertEqual(run.l1.get('dev-kvm'), 'present')

    def assert_l2(self, run, cpu, version):
        self.assertTrue(run.l2_done, f'the L2 did not finish: '
                        f'{run.summary()}; L1 dmesg: {run.l1_dmesg}')
        self.assertIn(cpu, run.l2.get('cpu', ''), run.summary())
        self.assertEqual(run.l2.get('cpu-version'), version)
        self.assertEqual(run.l1.get('qemu-exit'), '0')

    def assert_set_state_refused(self, run):
        """The L1's kvm-hv fails at its first H_GUEST_SET_STATE, as under
        PowerVM: the L0 refuses the logical PVR (element 0x0003) of a
        mode the L1 did not enable; the L1 QEMU stops on the KVM error and
        the L2 never starts."""
        self.assertTrue(run.dmesg_has(SET_STATE_ERROR),
                        f'{run.summary()}; L1 dmesg: {run.l1_dmesg}')
        self.assertNotIn('booted', run.l2, run.summary())
        self.assertEqual(run.l1.get('qemu-killed'), 'kvm-error')
        self.assertTrue(any('Element ID:0003: value not supported' in line
                            for line in run.l0_log), run.l0_log)

    def assert_clean(self, run):
        """No L0 message about a request it did not handle, and no
        kvm-hv error in the L1."""
        self.assertEqual(run.l0_complaints(), [], run.summary())
        errors = [line for line in run.l1_dmesg
                  if 'KVM-NESTEDv2' in line or 'failed' in line]
        self.assertEqual(errors, [], run.summary())
