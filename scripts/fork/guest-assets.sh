#!/usr/bin/env bash
# Prepare the guest of the pseries boot tests in $FORK_CACHE/guest:
# Debian's ppc64el kernel (image, config, modules) and a busybox
# initramfs whose /init prints "FORK-GUEST: ..." lines and powers off
# (with fork.hold on the kernel command line it waits instead, until the
# host asks the kernel to power off: libvirt's virsh shutdown).
# Writes the paths to $FORK_CACHE/guest/assets.env and prints them.
#
#   guest-assets.sh [SUITE]
#       SUITE: Debian 13 (GUEST_SUITE in pins.sh, the default), or the
#       older guest, Debian 12 (GUEST_OLD_SUITE), in
#       $FORK_CACHE/guest-SUITE; or the newest L1 kernel, Linux 7.3 from
#       experimental (GUEST_NEW_SUITE): its kernel and modules only, no
#       initramfs (INITRD and KERNEL_CONFIG are empty)
#
#   FORK_GUEST_OFFLINE=1  use the cache only; fail if it is incomplete
#   FORK_GUEST_UPDATE=1   take Debian's newest packages even though the
#                         cache is complete (by default a complete cache
#                         is kept, so the tests' guest does not change
#                         under them)
# shellcheck source=scripts/fork/lib.sh
. "$(dirname "$0")/lib.sh"

# A kernel comes as linux-image-RELEASE (boot/vmlinux-RELEASE, its config
# and modules), or, split, as linux-binary-RELEASE and linux-modules-RELEASE.
suite=${1:-$GUEST_SUITE}
split=0
case $#:$suite in
[01]:"$GUEST_SUITE") dir=$FORK_CACHE/guest series_pin=GUEST_KERNEL_SERIES ;;
1:"$GUEST_OLD_SUITE")
    dir=$FORK_CACHE/guest-$suite series_pin=GUEST_OLD_KERNEL_SERIES
    GUEST_SUITE=$suite GUEST_KERNEL_SERIES=$GUEST_OLD_KERNEL_SERIES ;;
1:"$GUEST_NEW_SUITE")
    dir=$FORK_CACHE/guest-$suite series_pin=GUEST_NEW_KERNEL_SERIES split=1
    GUEST_SUITE=$suite GUEST_KERNEL_SERIES=$GUEST_NEW_KERNEL_SERIES
    export APT_ACCEPT_EXPIRED=1 ;;
*) die "usage: guest-assets.sh [$GUEST_SUITE|$GUEST_OLD_SUITE|$GUEST_NEW_SUITE]" ;;
esac
flavour=${GUEST_KERNEL_META#linux-image-}
if [ "$split" = 1 ]; then
    image_prefix=linux-binary-
else
    image_prefix=linux-image-
fi
command -v cpio > /dev/null || die "cpio is missing: apt-get install cpio"
umask 022
debs=$dir/debs
manifest=$dir/manifest
mkdir -p "$debs" "$dir/extract"

# Tests may call this in parallel; a killed run leaves its .work behind.
exec 9> "$dir/.lock"
flock 9
rm -rf "$dir"/.work.*
work=$(mktemp -d "$dir/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The manifest has a line "package version sha256 file" per .deb.  Sets
# kernel_{pkg,ver,deb}, busybox_{ver,deb} and, split, modules_{pkg,deb};
# fails unless every .deb is there and intact.
cache_ok() {
    local pkg ver sum file
    kernel_pkg='' busybox_ver='' busybox_deb='' modules_pkg='' modules_deb=''
    [ -f "$manifest" ] || return 1
    while read -r pkg ver sum file; do
        [ -f "$debs/$file" ] || return 1
        if ! sha256_ok "$debs/$file" "$sum"; then
            warn "$debs/$file is corrupt (sha256 mismatch)"
            return 1
        fi
        case $pkg in
        "$GUEST_BUSYBOX") busybox_ver=$ver busybox_deb=$file ;;
        "$image_prefix"*) kernel_pkg=$pkg kernel_ver=$ver kernel_deb=$file ;;
        linux-modules-*) modules_pkg=$pkg modules_deb=$file ;;
        esac
    done < "$manifest"
    [ -n "$kernel_pkg" ] || return 1
    if [ "$split" = 1 ]; then
        [ "$modules_pkg" = "linux-modules-${kernel_pkg#"$image_prefix"}" ]
    else
        [ -n "$busybox_ver" ]
    fi
}

# newest_first: lines "DEBIAN-VERSION REST" from stdin, newest first.
newest_first() {
    local -a lines=()
    local i j t
    mapfile -t lines
    for ((i = 0; i < ${#lines[@]}; i++)); do
        for ((j = i + 1; j < ${#lines[@]}; j++)); do
            if dpkg --compare-versions "${lines[j]%% *}" gt "${lines[i]%% *}"; then
                t=${lines[i]} lines[i]=${lines[j]} lines[j]=$t
            fi
        done
    done
    [ ${#lines[@]} -eq 0 ] || printf '%s\n' "${lines[@]}"
}

# candidates PACKAGE [VERSION]: "version apt-configuration" of PACKAGE
# (at VERSION only, if given) in each suite that has it, newest first (a
# fix may be in any of them).
candidates() {
    local c v
    for c in "${confs[@]}"; do
        v=$(APT_CONFIG=$c apt-cache policy "$1" |
            sed -n 's/^  Candidate: //p') || die "apt-cache failed on $1"
        case $v in "" | "(none)") continue ;; esac
        [ -z "${2:-}" ] || [ "$v" = "$2" ] || continue
        echo "$v $c"
    done | newest_first
}

# kernel_images: the kernel image packages of GUEST_KERNEL_SERIES and
# the metapackage's flavour that the suites list, newest first.  Every
# list is read whole: under pipefail, a reader that stops early (head)
# can kill its writer, and with it the whole list, now and then.
kernel_images() {
    local c pkg newest series=${GUEST_KERNEL_SERIES//./\\.}
    for c in "${confs[@]}"; do
        APT_CONFIG=$c apt-cache search --names-only \
            "^$image_prefix$series([.][^ ]*)?-$flavour\$"
    done | cut -d' ' -f1 | sort -u | while read -r pkg; do
        newest=$(candidates "$pkg")
        newest=${newest%%$'\n'*}
        [ -z "$newest" ] || echo "${newest%% *} $pkg"
    done | newest_first | cut -d' ' -f2
}

# download PACKAGE [VERSION]: the newest one (of VERSION, if given) that
# can be had into $work/new, listed in $work/manifest, checked against the
# sha256 of Debian's signed index; a mirror may list a version whose file
# it does not serve (yet), and then the next newest is taken.  A cached
# file that matches is taken instead (apt-get download would take any
# file of the right size).  Fails, saying why, when no version can be had.
download() {
    local sum file deb ver conf
    while read -r ver conf; do
        sum=$(APT_CONFIG=$conf apt-cache show "$1=$ver" | sed -n 's/^SHA256: //p')
        sum=${sum%%$'\n'*}
        [ -n "$sum" ] || die "Debian's index gives no sha256 for $1 $ver"
        deb=''
        for file in "$debs/$1"_*.deb; do
            if [ -z "$deb" ] && [ -f "$file" ] && sha256_ok "$file" "$sum"; then
                deb=${file##*/}
                ln "$file" "$work/new/$deb"
            fi
        done
        if [ -z "$deb" ]; then
            msg "fetching $1 $ver ($GUEST_ARCH)"
            if ! (cd "$work/new" &&
                  APT_CONFIG=$conf apt-get -q download "$1=$ver" < /dev/null) \
                    > "$work/log" 2>&1; then
                sed 's/^/    /' "$work/log" >&2
                warn "cannot download $1 $ver (above): trying an older version"
                continue
            fi
            deb=$(cd "$work/new" && ls -- "$1"_*.deb)
            sha256_ok "$work/new/$deb" "$sum" ||
                die "$deb does not match the sha256 in Debian's index"
        fi
        printf '%s %s %s %s\n' "$1" "$ver" "$sum" "$deb" >> "$work/manifest"
        return 0
    done < <(candidates "$1" "${2:-}")
    warn "no version of $1 ($GUEST_ARCH) can be downloaded from Debian" \
        "$GUEST_SUITE (no network?)"
    return 1
}

# optional_suite SUITE MIRROR: adds SUITE to confs if its lists can be read.
# Updates and security fixes only bring newer packages sooner: when their
# mirror fails, go on without them rather than stop.
optional_suite() {
    local name=guest-$1
    if (DEBIAN_MIRROR=$2 apt_private "$name" "$GUEST_ARCH" "deb $1 main") \
            2> /dev/null; then
        confs+=("$FORK_CACHE/apt/$name/apt.conf")
    else
        warn "cannot read the package lists of $1 (see" \
            "$FORK_CACHE/apt/$name/update.log): going on without it"
    fi
}

fetch() {
    local image pkg file
    apt_private "guest-$GUEST_SUITE" "$GUEST_ARCH" "deb $GUEST_SUITE main" ||
        die "cannot fetch the guest kernel and busybox; connect the" \
            "machine to Debian's archive and retry"
    confs=("$APT_CONFIG")
    if [ "$split" = 0 ]; then
        optional_suite "$GUEST_SUITE-updates" "$DEBIAN_MIRROR"
        optional_suite "$GUEST_SUITE-security" "$DEBIAN_SECURITY_MIRROR"
    fi

    # Every kernel image of the series that the suites list, newest first:
    # the newest (the metapackage's) may be listed before its file reaches
    # the mirror, and Debian keeps the previous ones a while.
    mkdir "$work/new"
    image='' images=$(kernel_images)
    [ -n "$images" ] || die "Debian $GUEST_SUITE lists no $GUEST_KERNEL_SERIES" \
        "kernel ($image_prefix$GUEST_KERNEL_SERIES*-$flavour): update" \
        "$series_pin in pins.sh"
    while read -r pkg; do
        if download "$pkg"; then
            image=$pkg
            break
        fi
    done <<< "$images"
    [ -n "$image" ] || die "cannot download a $GUEST_KERNEL_SERIES kernel" \
        "($images) from Debian $GUEST_SUITE (above; no network?" \
        "or update $series_pin in pins.sh)"
    if [ "$split" = 1 ]; then
        pkg=linux-modules-${image#"$image_prefix"}
        download "$pkg" "$(awk '{ v = $2 } END { print v }' "$work/manifest")" ||
            die "cannot download $pkg of the same version as $image (above)"
    else
        download "$GUEST_BUSYBOX" ||
            die "cannot download $GUEST_BUSYBOX from Debian (above; no network?)"
    fi
    while read -r _ _ _ file; do
        [ "$work/new/$file" -ef "$debs/$file" ] ||
            mv -f "$work/new/$file" "$debs/$file"
    done < "$work/manifest"
    mv "$work/manifest" "$manifest"
    for file in "$debs"/*.deb; do
        awk -v f="${file##*/}" '$4 == f { k = 1 } END { exit !k }' \
            "$manifest" || rm -f "$file"
    done
}

if [ "${FORK_GUEST_OFFLINE:-0}" = 1 ]; then
    cache_ok || die "FORK_GUEST_OFFLINE=1, but $dir lacks the guest" \
        "packages or they are damaged: run $0 once with network to fill it"
elif [ "${FORK_GUEST_UPDATE:-0}" = 1 ] || ! cache_ok; then
    fetch
    cache_ok || die "the packages just fetched do not match $manifest"
fi

# unpack DEB: prints the folder DEB is unpacked in, unpacking it once.
unpack() {
    local out=$dir/extract/${1%.deb} tmp
    if [ ! -d "$out" ]; then
        msg "unpacking $1"
        tmp=$(mktemp -d "$work/unpack.XXXXXX")
        dpkg -x "$debs/$1" "$tmp"
        mv "$tmp" "$out"
    fi
    echo "$out"
}
# Trees of packages no longer in the manifest go.
for tree in "$dir"/extract/*; do
    case ${tree##*/} in
    "${kernel_deb%.deb}" | "${busybox_deb%.deb}" | "${modules_deb%.deb}") ;;
    *) [ ! -e "$tree" ] || rm -rf "$tree" ;;
    esac
done
ktree=$(unpack "$kernel_deb")
release=${kernel_pkg#"$image_prefix"}

if [ "$split" = 1 ]; then
    mtree=$(unpack "$modules_deb")
    kernel=$ktree/usr/lib/modules/$release/vmlinuz
    modules=$mtree/usr/lib/modules/$release
    [ -f "$kernel" ] || die "$kernel_deb has no ${kernel#"$ktree"}"
    [ -d "$modules/kernel" ] || die "$modules_deb has no ${modules#"$mtree"}/kernel"
    {
        printf 'KERNEL=%q\n' "$kernel"
        printf 'INITRD=\n'
        printf 'KERNEL_CONFIG=\n'
        printf 'MODULES=%q\n' "$modules"
        printf 'KERNEL_PACKAGE=%q\n' "$kernel_pkg"
        printf 'KERNEL_VERSION=%q\n' "$kernel_ver"
    } > "$work/assets.env"
    cmp -s "$work/assets.env" "$dir/assets.env" ||
        mv "$work/assets.env" "$dir/assets.env"
    cat "$dir/assets.env"
    exit 0
fi

btree=$(unpack "$busybox_deb")
kernel=$ktree/boot/vmlinux-$release
config=$ktree/boot/config-$release
modules=$ktree/usr/lib/modules/$release
[ -d "$modules" ] || modules=$ktree/lib/modules/$release
for f in "$kernel" "$config" "$modules"; do
    [ -e "$f" ] || die "$kernel_deb has no ${f#"$ktree"}"
done
busybox=$btree/usr/bin/busybox
[ -f "$busybox" ] || busybox=$btree/bin/busybox
[ -f "$busybox" ] || die "$busybox_deb has no busybox binary"

# The initramfs: rebuilt every time (it is cheap), byte for byte the same
# for the same busybox, and only replaced when it differs.
root=$work/initramfs
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
install -m 0755 "$busybox" "$root/bin/busybox"
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
# The boot tests match the FORK-GUEST: lines: keep them as they are.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "FORK-GUEST: booted"
v=none
for f in /proc/device-tree/cpus/*/cpu-version; do
    [ -f "$f" ] && v=$(od -A n -v -t x1 "$f" | tr -d ' \n')
    break
done
echo "FORK-GUEST: cpu-version=$v"
c=$(sed -n 's/^cpu[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
echo "FORK-GUEST: cpu=${c:-none}"
echo "FORK-GUEST: cpus-online=$(cat /sys/devices/system/cpu/online)"
echo "FORK-GUEST: done"
case " $(cat /proc/cmdline) " in
*" fork.hold "*)
    echo "FORK-GUEST: holding"
    while :; do sleep 3600; done ;;
esac
poweroff -f
INIT
chmod 0755 "$root/init"
find "$root" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
(cd "$root" && find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
    cpio --quiet --null --create --format=newc --reproducible --owner=0:0) |
    gzip -9 -n > "$work/boot-test.cpio.gz"
initrd=$dir/boot-test.cpio.gz
cmp -s "$work/boot-test.cpio.gz" "$initrd" ||
    mv "$work/boot-test.cpio.gz" "$initrd"

{
    printf 'KERNEL=%q\n' "$kernel"
    printf 'INITRD=%q\n' "$initrd"
    printf 'KERNEL_CONFIG=%q\n' "$config"
    printf 'MODULES=%q\n' "$modules"
    printf 'KERNEL_PACKAGE=%q\n' "$kernel_pkg"
    printf 'KERNEL_VERSION=%q\n' "$kernel_ver"
    printf 'BUSYBOX_VERSION=%q\n' "$busybox_ver"
} > "$work/assets.env"
cmp -s "$work/assets.env" "$dir/assets.env" ||
    mv "$work/assets.env" "$dir/assets.env"
cat "$dir/assets.env"
