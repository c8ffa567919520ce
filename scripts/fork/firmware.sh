#!/usr/bin/env bash
# Fetch the pseries firmware (slof.bin, vof.bin) from Debian's
# qemu-system-data of the pinned release.  The +ds tarball has no binary
# firmware, and none is kept in the repository.  Prints the firmware
# folder (for --firmwarepath or -L) on stdout.
. "$(dirname "$0")/lib.sh"

# No epoch: the folder goes into colon-separated search paths.
dir=$FORK_CACHE/firmware/${UPSTREAM_VERSION#*:}
files="slof.bin vof.bin"
if [ ! -f "$dir/unpacked" ]; then
    apt_private firmware "$(dpkg --print-architecture)" \
        "deb $FIRMWARE_SUITE main" "deb $FIRMWARE_SUITE-updates main"
    msg "fetching $FIRMWARE_PACKAGE $UPSTREAM_VERSION (slof.bin, vof.bin)"
    mkdir -p "$FORK_CACHE/firmware"
    work=$(mktemp -d "$FORK_CACHE/firmware/fetch.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    if ! (cd "$work" && apt-get -q download \
            "$FIRMWARE_PACKAGE=$UPSTREAM_VERSION") > "$work/log" 2>&1; then
        sed 's/^/    /' "$work/log" >&2
        die "cannot download $FIRMWARE_PACKAGE $UPSTREAM_VERSION from" \
            "Debian (see above); it provides the pseries firmware"
    fi
    dpkg -x "$work"/*.deb "$work/root"
    mkdir -p "$work/out"
    for f in $files; do
        [ -f "$work/root/usr/share/qemu/$f" ] ||
            die "$FIRMWARE_PACKAGE $UPSTREAM_VERSION has no $f"
        cp "$work/root/usr/share/qemu/$f" "$work/out/"
    done
    (cd "$work" && sha256sum ./*.deb) > "$work/out/unpacked"
    rm -rf "$dir"
    mv "$work/out" "$dir"
fi
echo "$dir"
