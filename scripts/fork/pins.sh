# shellcheck shell=bash
# What the fork is built on and run with, pinned.  Change a pin here and
# nowhere else; the scripts verify what they fetch against these values.

# Upstream: a source package of QEMU from Debian.  The queue is kept on
# each of UPSTREAMS; FORK_UPSTREAM (./configure --upstream=NAME, written
# to config.mak) chooses one, by default the release Debian 13 ships.
# Each has its own queue (UPSTREAM_QUEUE, a folder of the repository) and
# its own build folder (lib.sh).  UPSTREAM_SOURCES are the apt lines its
# source package comes from; UPSTREAM_APT_EXPIRED=1 where that suite's
# Release file is past its Valid-Until on the mirror (sid's often is).
UPSTREAMS='10.0 10.2'
UPSTREAM_DEFAULT=10.0
FORK_UPSTREAM=${FORK_UPSTREAM:-$UPSTREAM_DEFAULT}
UPSTREAM_PACKAGE=qemu
case $FORK_UPSTREAM in
10.0)
    UPSTREAM_VERSION='1:10.0.13+ds-0+deb13u1'
    UPSTREAM_TARBALL='qemu_10.0.13+ds.orig.tar.xz'
    UPSTREAM_SHA256='6a0888e806c2ffc0c5f0733e974f9aea55491950d3c47c98669c8b236dde59ae'
    UPSTREAM_DIR='qemu-10.0.13'
    UPSTREAM_SOURCES='trixie trixie-updates'
    UPSTREAM_APT_EXPIRED=0
    UPSTREAM_QUEUE=patches
    FIRMWARE_VERSION=$UPSTREAM_VERSION
    FIRMWARE_ALIASES=''
    L1_DEBIAN_QEMU_VERSION=$UPSTREAM_VERSION ;;
10.2)
    # the newest Debian serves the sources of (sid; 11.1.x are listed but
    # not served yet)
    UPSTREAM_VERSION='1:10.2.2+ds-1'
    UPSTREAM_TARBALL='qemu_10.2.2+ds.orig.tar.xz'
    UPSTREAM_SHA256='be05230fe47a6937cd29f28f562932c8125f9c93c2a82c625198f7a4aa601dfb'
    UPSTREAM_DIR='qemu-10.2.2'
    UPSTREAM_SOURCES='sid'
    UPSTREAM_APT_EXPIRED=1
    UPSTREAM_QUEUE=patches-10.2
    # sid's binaries have moved on to 11.1: Debian 13's firmware (SLOF
    # and VOF have not changed in between)
    FIRMWARE_VERSION='1:10.0.13+ds-0+deb13u1'
    # NAME:FILE, firmware this upstream asks for by NAME that Debian 13
    # ships as FILE: 10.2's sam460ex boots that u-boot as well (its
    # boot-serial qtest passes)
    FIRMWARE_ALIASES='u-boot-sam460.bin:u-boot-sam460-20100605.bin'
    # Debian 13 has no 10.2 for ppc64el: the reference L1 stays its 10.0
    L1_DEBIAN_QEMU_VERSION='1:10.0.13+ds-0+deb13u1' ;;
*)
    echo "error: unknown upstream '$FORK_UPSTREAM' (one of: $UPSTREAMS)" >&2
    exit 1 ;;
esac

# Debian 12 has no meson >= 1.5 nor pycotap: taken from bookworm-backports,
# unpacked privately (arch-independent packages).
TOOLS_SUITE=bookworm-backports
TOOLS_PACKAGES='meson python3-pycotap'
MESON_MIN_VERSION=1.5.0

# Firmware for pseries (slof.bin, vof.bin), from the same QEMU release
# (FIRMWARE_VERSION, above).
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
# The older guest ("guest-assets.sh bookworm"): Debian 12's kernel, whose
# kvm-hv knows only the nested-HV API (v1), as the L1 of the tests of both
# nested APIs on one L0.
GUEST_OLD_SUITE=bookworm
GUEST_OLD_KERNEL_SERIES=6.1
# The newest L1 kernel ("guest-assets.sh experimental"): Linux 7.3, the
# first with KVM_PPC_GET_COMPAT_CAPS, and whose kvm-hv checks the compat
# mode QEMU sets.  Only its kernel and modules are taken; the L1's
# userland and the L2 stay Debian 13's.  Debian packages it as
# linux-binary-ABI-FLAVOUR (the image, usr/lib/modules/ABI-FLAVOUR/vmlinuz)
# and linux-modules-ABI-FLAVOUR, of the same version.
GUEST_NEW_SUITE=experimental
GUEST_NEW_KERNEL_SERIES=7.3

# The fork built for ppc64le hosts (cross.sh): the QEMU that runs KVM in
# an L1 guest, and the only build that compiles target/ppc's KVM code.
# Debian 12's cross compiler, and bookworm's ppc64el libraries for what
# the host build links with (host-deps.sh), in a private sysroot.  Their
# dependencies are taken from the archive.  bookworm-security is left out:
# its ppc64el index does not download, so the libraries are those of the
# last point release.
CROSS_TRIPLET=powerpc64le-linux-gnu
CROSS_ARCH=ppc64el
CROSS_SUITE=bookworm
CROSS_HOST_PACKAGES='gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross file'
CROSS_DEV_PACKAGES='libglib2.0-dev libpixman-1-dev libfdt-dev libcapstone-dev zlib1g-dev libslirp-dev'

# L1 of the nested scenario (l1-assets.sh): a pseries guest that runs a
# qemu-system-ppc64 with KVM for its own L2 guest.  Debian's build of that
# QEMU is the reference the fork is compared with, so it is the release
# the fork is built on where Debian 13 has it (L1_DEBIAN_QEMU_VERSION,
# set per upstream above; empty: the suite's newest).  The library packages
# hold its shared-library closure (NEEDED, recursively, with ld64.so.2
# from libc6); l1-assets.sh fails when a library is missing from them.
# libgcc-s1 is not NEEDED: glibc loads it on pthread_exit/pthread_cancel,
# and aborts there without it.  Where the mirror does not serve one of
# them (a point release listed before its files arrive), its libraries
# come from the same glibc's cross package (L1_DEBIAN_LIBC_FALLBACK, arch
# all) and the cross build's sysroot.
L1_DEBIAN_LIBC_FALLBACK=libc6-ppc64el-cross
L1_DEBIAN_QEMU_PACKAGE=qemu-system-ppc
L1_DEBIAN_LIBRARY_PACKAGES='libaio1t64 libatomic1 libblkid1 libbpf1 libc6
    libcap2 libcapstone5 libelf1t64 libfdt1 libffi8 libfuse3-4 libgcc-s1
    libglib2.0-0t64 libgmp10 libgnutls30t64 libhogweed6t64 libibverbs1
    libidn2-0 libjpeg62-turbo libmount1 libnettle8t64 libnl-3-200
    libnl-route-3-200 libnuma1 libp11-kit0 libpcre2-8-0 libpixman-1-0
    libpng16-16t64 librdmacm1t64 libsasl2-2 libseccomp2 libselinux1
    libslirp0 libssl3t64 libtasn1-6 libudev1 libunistring5 liburing2
    libvdeplug2t64 libzstd1 zlib1g'

# The fuzz build (build.sh fuzz, make fuzz): Debian 12's clang, its
# libFuzzer and sanitizer runtimes, and llvm-cov / llvm-profdata.
FUZZ_CC=clang-14
FUZZ_CXX=clang++-14
FUZZ_LLVM_BIN=/usr/lib/llvm-14/bin
FUZZ_HOST_PACKAGES='clang-14 libclang-rt-14-dev libfuzzer-14-dev llvm-14'
