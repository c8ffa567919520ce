#!/usr/bin/env python3
#
# Both nested KVM APIs on one L0, chosen by the L1: real Linux and real
# QEMU at each of the three levels (see nested_guest.py), under TCG.
#
# The L0 is the QEMU under test with cap-nested-hv and cap-nested-papr
# both on (upstream refuses the pair), a Power11 CPU in Power10 mode.  The
# same L0 command line serves two L1 kernels: Debian 13's (6.12), whose
# kvm-hv probes the PAPR API (v2) and uses it when offered, and Debian 12's
# (6.1), whose kvm-hv knows only the nested-HV API (v1).  Each L1 runs the
# fork's QEMU, cross-built, with KVM for an L2 that prints its CPU and
# powers off.  The L0 traces which API the L1 committed to
# (spapr_nested_api_select).
#
# SPDX-License-Identifier: GPL-2.0-or-later

from qemu_test import QemuSystemTest
from debian_guest import main
from nested_guest import (boot_nested, load_l1_assets, API_V1, API_V2,
                          CAPS_P9, CAPS_P10, V1_FALLBACK)

# Debian 12's suite, as in scripts/fork/pins.sh (GUEST_OLD_SUITE)
OLD_L1_SUITE = 'bookworm'
HOST_MODES_P10 = ('info: KVM host runs compatibility modes power9, power10 '
                  '(from device tree): guests get at most power10')


class PseriesNestedApis(QemuSystemTest):

    def boot(self, name, l1_suite=None):
        initrd, guest = load_l1_assets(self, 'fork', l1_suite)
        self.set_machine('pseries')
        return boot_nested(self, name, initrd, guest, nested='both')

    def assert_l2_power10(self, run):
        """The L1 runs in Power10 mode with kvm-hv, its QEMU gives the
        L2 Power10 (what it learnt from the device tree), and the whole
        L2 lifecycle passes without a complaint of the L0 or kvm-hv."""
        self.assertIn('POWER10 (architected)', run.l1.get('cpu', ''),
                      run.summary())
        self.assertEqual(run.l1.get('cpu-version'), '0f000006')
        self.assertEqual(run.l1.get('kvm-hv'), 'loaded', run.l1_dmesg)
        self.assertEqual(run.l1.get('dev-kvm'), 'present')
        self.assertIn(HOST_MODES_P10, '\n'.join(run.l1_qemu))
        self.assertTrue(run.l2_done, f'the L2 did not finish: '
                        f'{run.summary()}; L1 dmesg: {run.l1_dmesg}')
        self.assertIn('POWER10 (architected)', run.l2.get('cpu', ''))
        self.assertEqual(run.l2.get('cpu-version'), '0f000006')
        self.assertEqual(run.l1.get('qemu-exit'), '0')
        self.assertEqual(run.l0_complaints(), [], run.summary())
        errors = [line for line in run.l1_dmesg
                  if 'KVM-NESTEDv2' in line or 'failed' in line]
        self.assertEqual(errors, [], run.summary())

    def test_debian13_l1_chooses_v2(self):
        """Linux 6.12 probes H_GUEST_GET_CAPABILITIES, which does not
        commit it, then enables Power9 and Power10 with
        H_GUEST_SET_CAPABILITIES, which selects the PAPR API: the L0
        traces one choice, v2, and the L1 never falls back to v1."""
        run = self.boot('both-debian13')
        self.assert_l2_power10(run)
        self.assertEqual(run.apis_chosen(), [API_V2], run.l0_log)
        self.assertFalse(run.dmesg_has(V1_FALLBACK), run.l1_dmesg)
        compat, offered, enabled = run.caps()
        self.assertEqual(compat, 0x0f000006)
        self.assertEqual(offered, CAPS_P9 | CAPS_P10)
        self.assertEqual(enabled, CAPS_P9 | CAPS_P10)

    def test_debian12_l1_chooses_v1(self):
        """Linux 6.1 knows only the nested-HV API: its first
        H_SET_PARTITION_TABLE selects v1, and the L0, with the PAPR API
        on as well, runs its L2 as with cap-nested-hv alone.  It makes
        no H_GUEST_* call, so the L0 traces no capability negotiation."""
        run = self.boot('both-debian12', OLD_L1_SUITE)
        self.assertIn('Linux version 6.1.', run.l1.get('kernel', ''),
                      run.summary())
        self.assert_l2_power10(run)
        self.assertEqual(run.apis_chosen(), [API_V1], run.l0_log)
        self.assertEqual(run.caps(), (None, None, None))


if __name__ == '__main__':
    main()
