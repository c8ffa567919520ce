# Debian ppc64el guests for the fork's functional tests
#
# The kernel and initramfs images come from scripts/fork/guest-assets.sh,
# which fetches Debian's packages into the fork's cache; nothing is
# downloaded from here.  The initramfs /init prints "FORK-GUEST: key=value"
# lines and powers off.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import logging
import os
import shlex
import sys

from qemu_test import QemuSystemTest

MARKER = 'FORK-GUEST: '


def main():
    """QemuSystemTest.main() for a test that tree.sh links under another
    name (ppc64/test_NAME.py for the repository's test_ppc64_NAME.py on
    upstreams with a folder per target): Python puts the folder of the
    file linked to on sys.path, where the module upstream's runner imports
    by the link's name is not."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
    QemuSystemTest.main()


def fork_cache():
    cache = os.environ.get('XDG_CACHE_HOME',
                           os.path.expanduser('~/.cache'))
    return os.environ.get('FORK_CACHE',
                          os.path.join(cache, 'qemu-power-fork'))


def load_assets(test):
    """The assets.env of the cache as a dict; skips @test without it."""
    path = os.path.join(fork_cache(), 'guest', 'assets.env')
    if not os.path.exists(path):
        test.skipTest(f'no guest assets in {path}: '
                      'run scripts/fork/guest-assets.sh')
    assets = {}
    with open(path, encoding='utf-8') as env:
        for line in env:
            key, sep, value = line.strip().partition('=')
            if sep and not key.startswith('#'):
                assets[key] = ' '.join(shlex.split(value))
    for key in ('KERNEL', 'INITRD'):
        if not os.path.exists(assets.get(key, '')):
            test.skipTest(f'{key} of {path} is missing: '
                          'run scripts/fork/guest-assets.sh')
    return assets


def read_markers(test, vm):
    """Console lines up to "FORK-GUEST: done", as a dict of the markers."""
    console = logging.getLogger('console')
    markers = {}
    while True:
        raw = vm.console_file.readline()
        if not raw:
            test.fail('the console closed before "FORK-GUEST: done"')
        line = raw.decode(errors='replace').rstrip()
        console.debug(line)
        if 'Kernel panic' in line:
            test.fail(f'guest kernel panic: {line}')
        if line.startswith(MARKER):
            key, _, value = line[len(MARKER):].partition('=')
            if key == 'done':
                return markers
            markers[key] = value
