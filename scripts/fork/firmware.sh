#!/usr/bin/env bash
# Fetch the firmware that pseries guests and the ppc64 qtests load: the
# +ds tarball has no binary firmware, and none is kept in the repository.
# slof.bin, vof.bin, skiboot.lid and the other machines' firmware (the
# qtests start them all) come from qemu-system-data of the pinned release;
# VGA BIOS (pseries has a VGA by default) from seabios; NIC option ROMs
# from ipxe-qemu.  Prints the firmware folder (for -L)
# on stdout.
. "$(dirname "$0")/lib.sh"

# package  version (empty: the suite's)  files, as globs in the package
firmware_sources=(
    "$FIRMWARE_PACKAGE|$FIRMWARE_VERSION|/usr/share/qemu/*"
    "seabios||/usr/share/seabios/vgabios*.bin"
    "ipxe-qemu||/usr/share/qemu/efi-*.rom /usr/share/qemu/pxe-*.rom"
)

# No epoch: the folder goes into colon-separated search paths.
dir=$FORK_CACHE/firmware/${FIRMWARE_VERSION#*:}
[ -f "$dir/manifest" ] && { echo "$dir"; exit 0; }

apt_private firmware "$(dpkg --print-architecture)" \
    "deb $FIRMWARE_SUITE main" "deb $FIRMWARE_SUITE-updates main" ||
    die "cannot fetch the pseries firmware; connect the machine to" \
        "Debian's archive and retry"
mkdir -p "$FORK_CACHE/firmware"
work=$(mktemp -d "$FORK_CACHE/firmware/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"
for entry in "${firmware_sources[@]}"; do
    IFS='|' read -r package version globs <<< "$entry"
    msg "fetching firmware from $package ${version:-(current $FIRMWARE_SUITE)}"
    if ! (cd "$work" && apt-get -q download \
            "$package${version:+=$version}") > "$work/log" 2>&1; then
        sed 's/^/    /' "$work/log" >&2
        die "cannot download $package ${version} from Debian (see above);" \
            "it provides firmware for pseries guests and tests"
    fi
    rm -rf "$work/root"
    dpkg -x "$work/$package"_*.deb "$work/root"
    for glob in $globs; do
        found=0
        for f in "$work/root"$glob; do
            [ -e "$f" ] || [ -L "$f" ] || continue
            [ -d "$f" ] && continue
            target=$(readlink -f "$f")
            # Absolute links inside a package point into the package.
            case $target in
            "$work/root"/*) ;;
            *) target=$work/root$(readlink "$f") ;;
            esac
            cp "$target" "$work/out/$(basename "$f")"
            found=1
        done
        [ "$found" = 1 ] || die "$package has no $glob"
    done
    (cd "$work" && sha256sum "$package"_*.deb) >> "$work/out/manifest.tmp"
done
mv "$work/out/manifest.tmp" "$work/out/manifest"
rm -rf "$dir"
mv "$work/out" "$dir"
echo "$dir"
