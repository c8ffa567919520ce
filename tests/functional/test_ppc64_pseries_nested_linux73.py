#!/usr/bin/env python3
#
# Nested KVM with Linux 7.3 as the L1 kernel, under TCG: real Linux and
# real QEMU at each of the three levels (see nested_guest.py).
#
# Linux 7.3 is the first kernel with KVM_PPC_GET_COMPAT_CAPS: its KVM
# tells QEMU which compat modes the host (here the L1) can give a guest,
# from what the L0 answered to H_GUEST_GET/SET_CAPABILITIES.  The fork's
# L1 QEMU must take its modes from there, not from the device tree.  It
# is also the kernel whose L2s never booted under a TCG L0: it leaves the
# reference bit clear in its partition-scoped tables, and the L0 looped
# delivering the HDSI that asks the L1 to set it (patch 0017).
#
# The L0 is the QEMU under test, -M pseries with a Power11 CPU; the L1
# kernel is Debian's 7.3 from experimental with Debian 13's userland
# (scripts/fork/guest-assets.sh experimental, l1-assets.sh
# --l1-kernel=experimental); the L2 is the boot tests' guest.
#
# SPDX-License-Identifier: GPL-2.0-or-later

from qemu_test import QemuSystemTest
from debian_guest import main
from nested_guest import (boot_nested, load_l1_assets, NestedAssertions,
                          CAPS_P9, CAPS_P10, CAPS_P11, SET_STATE_ERROR,
                          V1_FALLBACK)

# Debian's suite of Linux 7.3, as in scripts/fork/pins.sh (GUEST_NEW_SUITE)
L1_SUITE = 'experimental'
KVM_RUN_EINVAL = 'error: kvm run failed Invalid argument'


def host_modes(names, newest):
    """What the fork's L1 QEMU says when KVM told it the host's modes"""
    return (f'info: KVM host runs compatibility modes {names} '
            f'(from KVM_PPC_GET_COMPAT_CAPS): guests get at most {newest}')


class PseriesNestedLinux73(NestedAssertions, QemuSystemTest):

    def boot(self, name, l1_qemu, **kwargs):
        """boot_nested() with a Linux 7.3 L1 whose QEMU is @l1_qemu
        ('debian' or 'fork')"""
        initrd, guest = load_l1_assets(self, l1_qemu, L1_SUITE)
        self.set_machine('pseries')
        run = boot_nested(self, name, initrd, guest, **kwargs)
        self.assertIn('Linux version 7.3', run.l1.get('kernel', ''),
                      run.summary())
        return run

    def assert_caps(self, run, compat, modes):
        """The L0 offered @modes to an L1 in mode @compat, and the L1's
        kvm-hv enabled all of them."""
        self.assertEqual(run.caps(), (compat, modes, modes), run.l0_log)

    def test_v2_power10_mode(self):
        """The L1 in Power10 mode on the PAPR API (v2): its KVM reports
        Power9 and Power10, what the L0 offered and kvm-hv enabled, the
        fork's L1 QEMU says it learnt them from KVM, and the L2 boots to
        its end as Power10 (architected), with nothing refused."""
        run = self.boot('v2-power10', 'fork')
        self.assert_l1(run, 'POWER10 (architected)', '0f000006')
        self.assertFalse(run.dmesg_has(V1_FALLBACK), run.l1_dmesg)
        self.assert_caps(run, 0x0f000006, CAPS_P9 | CAPS_P10)
        self.assertIn(host_modes('power9, power10', 'power10'),
                      '\n'.join(run.l1_qemu))
        self.assert_l2(run, 'POWER10 (architected)', '0f000006')
        self.assert_clean(run)

    def test_v1_power10_mode(self):
        """The same L1 on the nested-HV API (v1): kvm-hv falls back to
        it (the L0 has no H_GUEST_*), its KVM still reports Power9 and
        Power10, and the L2 boots to its end as Power10 (architected)."""
        run = self.boot('v1-power10', 'fork', nested='hv')
        self.assert_l1(run, 'POWER10 (architected)', '0f000006')
        self.assertTrue(run.dmesg_has(V1_FALLBACK), run.l1_dmesg)
        self.assertIn(host_modes('power9, power10', 'power10'),
                      '\n'.join(run.l1_qemu))
        self.assert_l2(run, 'POWER10 (architected)', '0f000006')

    def test_v2_raw_power11(self):
        """The L1 in raw Power11 mode: unlike Linux 6.12, whose kvm-hv
        enables Power9 and Power10 only, Linux 7.3 enables Power11 too;
        its KVM reports the three modes and the L2 runs as Power11
        (architected), the newest of them."""
        run = self.boot('v2-raw-power11', 'fork', max_cpu_compat=None)
        self.assert_l1(run, 'Power11 (architected)', '0f000007')
        self.assert_caps(run, 0x0f000007, CAPS_P9 | CAPS_P10 | CAPS_P11)
        self.assertIn(host_modes('power9, power10, power11', 'power11'),
                      '\n'.join(run.l1_qemu))
        self.assert_l2(run, 'Power11 (architected)', '0f000007')
        self.assert_clean(run)

    def test_v2_power9_mode(self):
        """The L1 in Power9 mode: its KVM reports Power9 alone, the fork's
        L1 QEMU limits its machine to Power9 before it sets its
        capabilities (no DAWR1, a Power10 feature), and the L2 runs as
        POWER9 (architected)."""
        run = self.boot('v2-power9', 'fork', max_cpu_compat='power9')
        self.assert_l1(run, 'POWER9 (architected)', '0f000005')
        self.assert_caps(run, 0x0f000005, CAPS_P9)
        self.assertIn(host_modes('power9', 'power9'),
                      '\n'.join(run.l1_qemu))
        self.assert_l2(run, 'POWER9 (architected)', '0f000005')
        self.assert_clean(run)

    def assert_stopped_after_cas(self, run):
        """The L2 ran its firmware and Linux's prom_init up to CAS, which
        asked for Power11; Linux 7.3 refused that mode when QEMU set it
        (it checks KVM_REG_PPC_ARCH_COMPAT against the host's modes) and
        then refused to run the vCPU on (EINVAL), so QEMU stopped there.
        Linux 6.12 instead took the mode and failed later, when the L0
        refused it in H_GUEST_SET_STATE: no such L1 or L0 message here.
        """
        self.assert_l1(run, 'POWER10 (architected)', '0f000006')
        self.assertIn(KVM_RUN_EINVAL, '\n'.join(run.l1_qemu), run.summary())
        self.assertEqual(run.l1.get('qemu-killed'), 'kvm-error')
        self.assertNotIn('booted', run.l2, run.summary())
        self.assertFalse(run.dmesg_has(SET_STATE_ERROR), run.l1_dmesg)
        self.assertFalse(any('Element ID' in line for line in run.l0_log),
                         run.l0_log)

    def test_v2_power10_mode_debian_qemu(self):
        """Debian's L1 QEMU (upstream 10.0.13) in the same Power10-mode
        L1, which knows nothing of the host's modes: when KVM refuses
        Power11 at CAS, upstream falls back to raw mode without a word,
        and the L2 stops at the next KVM_RUN (see
        assert_stopped_after_cas)."""
        run = self.boot('v2-power10-debian', 'debian')
        self.assert_stopped_after_cas(run)
        self.assertFalse(any('KVM host runs' in line or 'CAS' in line
                             for line in run.l1_qemu), run.l1_qemu)

    def test_v2_power10_mode_limit_off(self):
        """The fork's L1 QEMU with host-compat-limit=off, as a user whose
        host's modes were misdetected would run it: it says that it does
        not limit the guest, CAS asks for Power11 as upstream's does, and
        when KVM refuses it the fork fails CAS, saying why, instead of
        falling back to raw mode; the L2 then stops as under Debian's
        QEMU."""
        run = self.boot('v2-power10-limit-off', 'fork',
                        l1_qemu_args=['-M', 'host-compat-limit=off'])
        output = '\n'.join(run.l1_qemu)
        self.assertIn('info: KVM host runs compatibility modes power9, '
                      'power10 (from KVM_PPC_GET_COMPAT_CAPS): not limiting '
                      'guests to them (host-compat-limit=off)', output)
        self.assertIn('CAS: KVM refused compatibility mode power11 (logical '
                      'PVR 0x0f000007) for the CPU with PVR 0x00821200: '
                      'Unable to set CPU compatibility mode in KVM: Invalid '
                      'argument. The host runs only compatibility modes '
                      'power9, power10.', output)
        self.assert_stopped_after_cas(run)


if __name__ == '__main__':
    main()
