#!/usr/bin/env python3
#
# Nested KVM in a compatibility mode, end to end under TCG: the failure
# that PowerVM shows and the fork's fix, with real Linux and real QEMU at
# each of the three levels (see nested_guest.py).
#
# The L0 is the QEMU under test: -M pseries (pseries-fork-*, so
# nested-papr-strict is on) with a Power11 CPU.  The L1 runs Debian 13's
# kernel (6.12), whose kvm-hv uses the PAPR nested API v2 when the L0
# offers it (cap-nested-papr) and enables only the Power9 and Power10
# modes in H_GUEST_SET_CAPABILITIES.  Its QEMU is either Debian's 10.0.13
# (upstream, unfixed) or the fork cross-built for ppc64le.  The L2 prints
# its CPU and cpu-version and powers off.
#
# Every test boots its own L0 (10 to 20 s each on 2 cores, see the test
# log for the time of each run); nothing is asserted about time.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import os

from qemu_test import QemuSystemTest
from debian_guest import main
from nested_guest import (boot_nested, load_l1_assets, NestedAssertions,
                          CAPS_P9, CAPS_P10, CAPS_P11, V1_FALLBACK)

HOST_MODES_P10 = ('info: KVM host runs compatibility modes power9, power10 '
                  '(from device tree): guests get at most power10')
HOST_MODES_P11 = ('info: KVM host runs compatibility modes power9, power10, '
                  'power11 (from device tree): guests get at most power11')


class PseriesNested(NestedAssertions, QemuSystemTest):

    def boot(self, name, l1_qemu, **kwargs):
        """boot_nested() with the L1 initramfs of @l1_qemu ('debian' or
        'fork')"""
        initrd, guest = load_l1_assets(self, l1_qemu)
        self.set_machine('pseries')
        return boot_nested(self, name, initrd, guest, **kwargs)

    def test_l1_power10_mode_nested_v2(self):
        """1. The L1: a Power11 CPU in Power10 mode, kvm-hv on the v2 API.

        With max-cpu-compat=power10, CAS gives the L1 the Power10
        architected mode: its cpuinfo says "POWER10 (architected)" with
        the Power11 revision (pvr 0082 1200), its device tree cpu-version
        is the Power10 logical PVR 0x0f000006.  kvm-hv loads and uses the
        v2 API: it says nothing (with v1 it says that it falls back), and
        the L0 traces H_GUEST_GET_CAPABILITIES offering what the L1 runs
        (Power9 and Power10 modes: nested-papr-strict offers nothing
        newer than the L1's own mode) and H_GUEST_SET_CAPABILITIES
        enabling Power9 and Power10.  The L1 QEMU only prints its version
        here: no L2."""
        run = self.boot('l1', 'debian', l1_qemu_args=['-version'])
        self.assert_l1(run, 'POWER10 (architected)', '0f000006')
        self.assertEqual(run.l1.get('qemu-exit'), '0')
        self.assertFalse(run.dmesg_has(V1_FALLBACK), run.l1_dmesg)
        compat, offered, enabled = run.caps()
        self.assertEqual(compat, 0x0f000006)
        self.assertEqual(offered, CAPS_P9 | CAPS_P10)
        self.assertEqual(enabled, CAPS_P9 | CAPS_P10)
        self.assert_clean(run)

    def test_reproduction_debian_l1_qemu(self):
        """2. The failure: Debian's L1 QEMU under the fork's L0.

        Upstream QEMU in the L1 takes its CPU model from the raw PVR
        (-cpu host: Power11) and, not knowing that its host runs in
        Power10 mode, negotiates Power11 at the L2's CAS.  kvm-hv passes
        the Power11 logical PVR on in H_GUEST_SET_STATE; the fork's L0
        refuses it as PowerVM does (the L1 enabled only Power9 and
        Power10), so the L1 gets "KVM-NESTEDv2: couldn't set guest wide
        elements" and the L2 never starts."""
        run = self.boot('repro', 'debian')
        self.assert_l1(run, 'POWER10 (architected)', '0f000006')
        self.assert_set_state_refused(run)
        self.assertFalse(any('KVM host runs' in line for line in run.l1_qemu))

    def test_reproduction_baseline_l0(self):
        """2. The record: the same L1 under unpatched upstream as L0.

        Upstream's L0 accepts any logical PVR its CPU model can run, so
        the L2 of a Power10-mode L1 comes up as "Power11 (architected)",
        0x0f000007: a mode the L1 itself may not use, and that PowerVM
        refuses.  The TCG L0 thus hid the failure that L1s meet on real
        hosts; this is why the fork's L0 behaves as PowerVM.  (Upstream's
        L0 also lacks the L2 VPA element and H_TLB_INVALIDATE for the v2
        API, which the L1 reports in dmesg: recorded in the test log, not
        asserted.)"""
        baseline = os.environ.get('FORK_BASELINE_QEMU')
        if not baseline:
            self.skipTest('FORK_BASELINE_QEMU is not set: '
                          "'make check-functional' builds and sets it")
        run = self.boot('baseline', 'debian', l0_binary=baseline)
        self.assert_l1(run, 'POWER10 (architected)', '0f000006')
        self.assert_l2(run, 'Power11 (architected)', '0f000007')
        self.log.info('baseline L1 dmesg: %s', run.l1_dmesg)

    def test_fix_fork_l1_qemu(self):
        """3. The fix: the fork's L1 QEMU under the fork's L0.

        The fork's QEMU learns the host's modes from the device tree's
        cpu-version (this L1 kernel has no KVM_PPC_GET_COMPAT_CAPS
        ioctl), says so, and gives the L2 Power10 at CAS: the L2 runs as
        "POWER10 (architected)", 0x0f000006.  Nothing goes wrong on the
        way: no L0 message about an unknown element or an unimplemented
        hcall (the L2 VPA and H_TLB_INVALIDATE work), no KVM-NESTEDv2
        error in the L1."""
        run = self.boot('fix', 'fork')
        self.assert_l1(run, 'POWER10 (architected)', '0f000006')
        self.assertIn(HOST_MODES_P10, '\n'.join(run.l1_qemu))
        self.assert_l2(run, 'POWER10 (architected)', '0f000006')
        self.assert_clean(run)

    def test_nested_v1_fork_l1_qemu(self):
        """4. No regression for the nested-HV API (v1).

        With cap-nested-hv instead of cap-nested-papr, H_GUEST_* are not
        implemented, kvm-hv falls back to v1 (and says so), and the
        fork's L1 QEMU boots the L2 in Power10 mode as with v2."""
        run = self.boot('v1', 'fork', nested='hv')
        self.assert_l1(run, 'POWER10 (architected)', '0f000006')
        self.assertTrue(run.dmesg_has(V1_FALLBACK), run.l1_dmesg)
        self.assertIn(HOST_MODES_P10, '\n'.join(run.l1_qemu))
        self.assert_l2(run, 'POWER10 (architected)', '0f000006')

    def assert_idle_l2_vcpu_waits(self, run):
        """An idle L2 vCPU cedes and its L1 lets it wait: it is not run
        again and again.  The L1 gives its L2 the interrupts its QEMU
        raises with LPCR[MER]: an L0 that did not deliver them had the
        vCPU cede, come back to the interrupt still pending, and cede
        again, 1.8 million entries in a boot against some 13,000."""
        entries = run.l2_entries()
        self.log.info('%d L2 entries', entries)
        self.assertGreater(entries, 0)
        self.assertLess(entries, 200000, run.summary())

    def test_nested_v1_two_vcpus(self):
        """4b. Two vCPUs at every level, with the nested-HV API (v1).

        The L0 gives the L1 two vCPUs, and the L1's QEMU gives its L2
        two, which run on them at once.  kvm-hv's H_TLB_INVALIDATE calls
        make the L0 flush the other vCPU, maybe in the L2 then, on that
        vCPU's own thread; the L2 boots with both its CPUs online."""
        run = self.boot('v1-smp2', 'fork', nested='hv',
                        l1_qemu_args=('-smp', '2'))
        self.assert_l2(run, 'POWER10 (architected)', '0f000006')
        self.assertEqual(run.l2.get('cpus-online'), '0-1', run.summary())
        self.assert_idle_l2_vcpu_waits(run)
        invalidations = [line for line in run.l0_log
                         if 'spapr_nested_tlb_invalidate' in line]
        self.log.info('%d H_TLB_INVALIDATE', len(invalidations))
        self.assertGreater(len(invalidations), 0)
        # v1 is what kvm-hv falls back to, after probing v2 (0x460)
        self.assertTrue(run.dmesg_has(V1_FALLBACK), run.l1_dmesg)
        self.assertEqual([line for line in run.l0_complaints()
                          if 'hcall 0x0000000000000460' not in line], [],
                         run.summary())

    def test_nested_v2_two_vcpus(self):
        """4c. Two vCPUs at every level, with the PAPR API (v2)."""
        run = self.boot('v2-smp2', 'fork', l1_qemu_args=('-smp', '2'))
        self.assert_l2(run, 'POWER10 (architected)', '0f000006')
        self.assertEqual(run.l2.get('cpus-online'), '0-1', run.summary())
        self.assert_idle_l2_vcpu_waits(run)
        self.assert_clean(run)

    # 5. The L1 in raw Power11 mode (no max-cpu-compat on the L0).
    #
    # CAS gives the L1 the Power11 architected mode (0x0f000007), and the
    # L0 offers Power9, Power10 and Power11 in H_GUEST_GET_CAPABILITIES.
    # But Linux 6.12's kvm-hv enables only Power9 and Power10 in
    # H_GUEST_SET_CAPABILITIES: it predates Power11 support for nested
    # guests.  So the L1 may not give an L2 Power11, although it runs in
    # Power11 mode itself, and neither L1 QEMU can see this: Debian's
    # asks for Power11 as before, and the fork's, which reads the host's
    # modes from the device tree (power9 to power11), does too.  Both
    # fail as PowerVM would fail them.  A kernel with the compat-caps
    # ioctl (KVM_PPC_GET_COMPAT_CAPS) would tell the fork's QEMU what
    # kvm-hv enabled; with this kernel, max-cpu-compat=power10 on the L1
    # QEMU is the way, and it works.  When the L1 kernel is updated to
    # one that enables Power11, these tests must change: the L2 then
    # boots as Power11.

    def assert_raw_power11_l1(self, run):
        self.assert_l1(run, 'Power11 (architected)', '0f000007')
        compat, offered, enabled = run.caps()
        self.assertEqual(compat, 0x0f000007)
        self.assertEqual(offered, CAPS_P9 | CAPS_P10 | CAPS_P11)
        self.assertEqual(enabled, CAPS_P9 | CAPS_P10)

    def test_raw_power11_l1_debian_qemu(self):
        """5. Raw Power11 L1, Debian's L1 QEMU: refused (see above)."""
        run = self.boot('raw-debian', 'debian', max_cpu_compat=None)
        self.assert_raw_power11_l1(run)
        self.assert_set_state_refused(run)

    def test_raw_power11_l1_fork_qemu(self):
        """5. Raw Power11 L1, the fork's L1 QEMU: refused too, since the
        device tree says Power11 and kvm-hv enabled only up to Power10
        (see above)."""
        run = self.boot('raw-fork', 'fork', max_cpu_compat=None)
        self.assert_raw_power11_l1(run)
        self.assertIn(HOST_MODES_P11, '\n'.join(run.l1_qemu))
        self.assert_set_state_refused(run)

    def test_raw_power11_l1_fork_qemu_power10(self):
        """5. Raw Power11 L1, the fork's L1 QEMU with max-cpu-compat=power10:
        the L2 boots in Power10 mode (see above)."""
        run = self.boot('raw-fork-p10', 'fork', max_cpu_compat=None,
                        l1_qemu_args=['-M', 'max-cpu-compat=power10'])
        self.assert_raw_power11_l1(run)
        self.assert_l2(run, 'POWER10 (architected)', '0f000006')
        self.assert_clean(run)


if __name__ == '__main__':
    main()
