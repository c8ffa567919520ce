#!/usr/bin/env bash
# Install the fork's qemu-system-ppc64 with its firmware into PREFIX
# (bin/ and share/qemu/), where libvirt or a user can run it.  QEMU finds
# its firmware relative to the binary, so PREFIX may be anywhere.
# Usage: install.sh PREFIX
. "$(dirname "$0")/lib.sh"

prefix=${1:-}
[ -n "$prefix" ] || die "usage: install.sh PREFIX (e.g. make install PREFIX=/opt/qemu-power-fork)"
obj=$FORK_BUILD/fork/obj
[ -x "$obj/qemu-system-ppc64" ] || die "nothing built in $obj: run 'make' first"
mkdir -p "$prefix/bin" "$prefix/share/qemu"
install -m 755 "$obj/qemu-system-ppc64" "$prefix/bin/qemu-system-ppc64"
for f in "$obj"/qemu-bundle/usr/local/share/qemu/*; do
    [ -f "$f" ] && install -m 644 "$(readlink -f "$f")" "$prefix/share/qemu/${f##*/}"
done
# device trees, in dtb/ from 10.2 on
for f in "$obj"/qemu-bundle/usr/local/share/qemu/dtb/*.dtb; do
    [ -f "$f" ] || continue
    mkdir -p "$prefix/share/qemu/dtb"
    install -m 644 "$(readlink -f "$f")" "$prefix/share/qemu/dtb/${f##*/}"
done
msg "installed $prefix/bin/qemu-system-ppc64 and its firmware in $prefix/share/qemu"
