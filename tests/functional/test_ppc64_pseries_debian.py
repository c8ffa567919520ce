#!/usr/bin/env python3
#
# Boot Debian's ppc64el kernel on pseries under TCG, with the fork and
# with unpatched upstream built from the same tarball: the fork must boot
# what upstream boots, the same way.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import os

from qemu_test import QemuSystemTest
from debian_guest import load_assets, main, read_markers


class PseriesDebianBoot(QemuSystemTest):

    timeout = 120

    def boot(self, machine_opts, cpu):
        assets = load_assets(self)
        self.set_machine('pseries')
        self.vm.set_console()
        self.vm.add_args('-M', 'pseries' + machine_opts, '-cpu', cpu,
                         '-m', '1G', '-vga', 'none', '-no-reboot',
                         '-kernel', assets['KERNEL'],
                         '-initrd', assets['INITRD'],
                         '-append', 'console=hvc0 panic=-1')
        self.vm.launch()
        markers = read_markers(self, self.vm)
        self.vm.wait()
        return markers

    def assert_power10_architected(self, markers):
        self.assertIn('POWER10 (architected)', markers.get('cpu', ''))
        self.assertEqual(markers.get('cpu-version'), '0f000006')

    def test_power10_slof(self):
        self.assert_power10_architected(self.boot('', 'power10'))

    def test_power11_in_power10_mode_vof(self):
        markers = self.boot(',x-vof=on,max-cpu-compat=power10', 'power11')
        self.assert_power10_architected(markers)

    def test_power10_slof_baseline(self):
        baseline = os.environ.get('FORK_BASELINE_QEMU')
        if not baseline:
            self.skipTest('FORK_BASELINE_QEMU is not set: '
                          "'make check-functional' builds and sets it")
        self.qemu_bin = baseline
        self.assert_power10_architected(self.boot('', 'power10'))


if __name__ == '__main__':
    main()
