# shellcheck shell=bash
# What the fork is built on and run with, pinned.  Change a pin here and
# nowhere else; the scripts verify what they fetch against these values.

# Upstream: the source package of QEMU that Debian 13 ships.
UPSTREAM_PACKAGE=qemu
UPSTREAM_VERSION='1:10.0.13+ds-0+deb13u1'
UPSTREAM_TARBALL='qemu_10.0.13+ds.orig.tar.xz'
UPSTREAM_SHA256='6a0888e806c2ffc0c5f0733e974f9aea55491950d3c47c98669c8b236dde59ae'
UPSTREAM_DIR='qemu-10.0.13'
UPSTREAM_SUITE=trixie

# Debian 12 has no meson >= 1.5 nor pycotap: taken from bookworm-backports,
# unpacked privately (arch-independent packages).
TOOLS_SUITE=bookworm-backports
TOOLS_PACKAGES='meson python3-pycotap'
MESON_MIN_VERSION=1.5.0

# Firmware for pseries (slof.bin, vof.bin), from the same QEMU release.
FIRMWARE_PACKAGE=qemu-system-data
FIRMWARE_SUITE=trixie

DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

# Guest for the boot tests: Debian's ppc64el kernel and static busybox,
# the newest of the suite, its updates and its security suite.  The
# kernel's exact version is whatever the metapackage points at when the
# cache is filled, and is recorded there (guest/manifest): Debian keeps
# only the current one, so a version pinned here would soon be gone.
GUEST_SUITE=trixie
GUEST_ARCH=ppc64el
GUEST_KERNEL_META=linux-image-powerpc64le
GUEST_KERNEL_SERIES=6.12
GUEST_BUSYBOX=busybox-static
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
