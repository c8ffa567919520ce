#!/usr/bin/env bash
# Prepare the L1 of the nested scenario in $FORK_L1 ($FORK_CACHE/l1, or
# l1-upstream-NAME for an upstream other than the default): an initramfs
# for a pseries guest (the boot tests' kernel) that loads kvm-hv and runs
# a ppc64le qemu-system-ppc64 with KVM, whose L2 is the boot tests' guest.
# Writes the paths to $FORK_L1/assets.env and prints them.
#
#   l1-assets.sh [debian]
#       Debian's own qemu-system-ppc64 (pins.sh: L1_DEBIAN_*), the reference:
#       $FORK_CACHE/l1/l1-debian.cpio.gz
#   l1-assets.sh fork BINARY SYSROOT...
#       a ppc64le build of the fork, with the libraries it needs looked up in
#       the SYSROOTs, in order (for a cross build: its sysroot, then the
#       cross compiler's /usr/powerpc64le-linux-gnu for libc):
#       $FORK_CACHE/l1/l1-fork.cpio.gz
#   l1-assets.sh --l1-kernel=SUITE debian|fork ...
#       the same, for an L1 that runs the kernel of "guest-assets.sh SUITE"
#       (Debian 12's, whose kvm-hv knows only the nested-HV API) instead
#       of the boot tests' kernel; the L2 is the same:
#       $FORK_CACHE/l1/l1-VARIANT-SUITE.cpio.gz, and the L1 kernel's path
#       in assets.env (L1_VARIANT_SUITE_KERNEL)
#
#   FORK_L1_OFFLINE=1  use the cache only; fail if it is incomplete
#   FORK_L1_UPDATE=1   take Debian's newest library packages even though
#                      the cache is complete
#
# What the L1 does, on its console (hvc0):
#   FORK-L1: booted, kernel= (/proc/version), cpu=, revision=,
#   cpu-version= (hex), kvm-hv=loaded or failed, dev-kvm=present or
#   missing, qemu-args=, then the L1 QEMU's
#   output (the L2's FORK-GUEST: lines among it), qemu-killed=kvm-error
#   if KVM failed and QEMU stopped the VM (it is killed then), qemu-exit=
#   (137: killed, at such an error or at the timeout), one "FORK-L1:
#   dmesg: " line per kernel message that mentions KVM or kvm, FORK-L1:
#   done; then it powers off.
# Its kernel command line may add:
#   fork.l1_qemu_args=ARG or fork.l1_qemu_args="ARG ARG..."
#       arguments appended to the L1 QEMU's fixed ones (the kernel keeps
#       double quotes: spaces separate arguments, commas stay QEMU's, an
#       argument cannot hold a space or a double quote), e.g.
#       fork.l1_qemu_args="-M max-cpu-compat=power10 -d guest_errors"
#   fork.l1_timeout=SECONDS  for the L1 QEMU (default 180, which leaves an
#       L0 timeout of 300 s time for the report)
# shellcheck source=scripts/fork/lib.sh
. "$(dirname "$0")/lib.sh"

usage="usage: l1-assets.sh [--l1-kernel=SUITE] [debian] | l1-assets.sh [--l1-kernel=SUITE] fork BINARY SYSROOT..."
l1_suite=
case ${1:-} in
--l1-kernel=?*) l1_suite=${1#*=}; shift ;;
--l1-kernel=) die "$usage" ;;
esac
variant=${1:-debian}
case $variant in
debian) [ $# -le 1 ] || die "$usage" ;;
fork)
    [ $# -ge 3 ] || die "$usage"
    binary=$(realpath -e -- "$2") || die "no QEMU binary $2"
    shift 2
    sysroots=()
    for s; do
        [ -d "$s" ] || die "no sysroot folder $s"
        sysroots+=("$(realpath -- "$s")")
    done
    ;;
*) die "$usage" ;;
esac
for tool in cpio dpkg gzip xz; do
    command -v "$tool" > /dev/null || die "$tool is missing: apt-get install $tool"
done
# readelf reads any ELF: the cross one is only preferred.
readelf=$(command -v powerpc64le-linux-gnu-readelf || command -v readelf) ||
    die "readelf is missing: apt-get install binutils"

umask 022
dir=$FORK_L1
debs=$dir/debs
manifest=$dir/manifest
mkdir -p "$debs"

FORK_GUEST_OFFLINE=${FORK_GUEST_OFFLINE:-${FORK_L1_OFFLINE:-0}} \
    "$FORK_ROOT/scripts/fork/guest-assets.sh" > /dev/null ||
    die "cannot prepare the boot tests' kernel and guest (above)"
# shellcheck source=/dev/null
. "$FORK_CACHE/guest/assets.env"
# The L1's kernel, and the modules of its kvm-hv
L1_KERNEL=$KERNEL L1_MODULES=$MODULES
if [ -n "$l1_suite" ]; then
    FORK_GUEST_OFFLINE=${FORK_GUEST_OFFLINE:-${FORK_L1_OFFLINE:-0}} \
        "$FORK_ROOT/scripts/fork/guest-assets.sh" "$l1_suite" > /dev/null ||
        die "cannot prepare the L1 kernel of $l1_suite (above)"
    # shellcheck source=/dev/null
    L1_KERNEL=$(. "$FORK_CACHE/guest-$l1_suite/assets.env" && echo "$KERNEL")
    # shellcheck source=/dev/null
    L1_MODULES=$(. "$FORK_CACHE/guest-$l1_suite/assets.env" && echo "$MODULES")
fi
name=$variant${l1_suite:+-$l1_suite}

exec 9> "$dir/.lock"
flock 9
rm -rf "$dir"/.work.*
work=$(mktemp -d "$dir/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

## Debian's packages

wanted="$L1_DEBIAN_QEMU_PACKAGE $FIRMWARE_PACKAGE $L1_DEBIAN_LIBRARY_PACKAGES"

# The manifest has a line "package version sha256 file" per .deb, and
# $dir/missing a line per package that the mirror did not serve; the
# cache is complete when they hold exactly the wanted packages, QEMU's at
# the pinned version, every .deb intact.  cache_ok missing-ok takes it
# with missing packages; cache_ok alone does not, so that they are tried
# again.
cache_ok() {
    local pkg ver _
    [ -f "$manifest" ] || return 1
    [ "${1:-}" = missing-ok ] || [ ! -s "$dir/missing" ] || return 1
    # shellcheck disable=SC2086 # a list of names
    [ "$( (cut -d' ' -f1 "$manifest"; cat "$dir/missing" 2> /dev/null) | sort)" = \
      "$(printf '%s\n' $wanted | sort)" ] || return 1
    while read -r pkg ver _; do
        case $pkg in
        "$L1_DEBIAN_QEMU_PACKAGE" | "$FIRMWARE_PACKAGE")
            [ -z "$L1_DEBIAN_QEMU_VERSION" ] ||
                [ "$ver" = "$L1_DEBIAN_QEMU_VERSION" ] || return 1 ;;
        esac
    done < "$manifest"
    if ! awk -v d="$debs" '{ print $3 "  " d "/" $4 }' "$manifest" |
            sha256sum --check --quiet > /dev/null 2>&1; then
        warn "cached .deb files in $debs are missing or damaged"
        return 1
    fi
}

# Each wanted package: QEMU's at the pinned version, the others the newest
# of the suites, checked against the sha256 of Debian's signed index; a
# cached .deb that matches is kept (apt-get download would take any file
# of the right size).  apt-cache is asked once per suite: it reads the
# whole index each time.
fetch() {
    local c kind pkg v sum file suite names
    local -A ver=() from=() sums=()
    local -a confs
    apt_private "guest-$GUEST_SUITE" "$GUEST_ARCH" "deb $GUEST_SUITE main" ||
        die "cannot fetch Debian's QEMU for the L1; connect the machine to" \
            "Debian's archive and retry"
    confs=("$APT_CONFIG")
    # Updates and security fixes only bring newer packages sooner; their
    # ppc64el lists may not download at all.
    for suite in "$GUEST_SUITE-updates|$DEBIAN_MIRROR" \
                 "$GUEST_SUITE-security|$DEBIAN_SECURITY_MIRROR"; do
        if (DEBIAN_MIRROR=${suite#*|} apt_private "guest-${suite%|*}" \
                "$GUEST_ARCH" "deb ${suite%|*} main") 2> /dev/null; then
            confs+=("$FORK_CACHE/apt/guest-${suite%|*}/apt.conf")
        fi
    done
    for c in "${confs[@]}"; do
        # "candidate PKG VERSION", and "has PKG VERSION" per version listed
        # shellcheck disable=SC2086 # a list of names
        while read -r kind pkg v; do
            case $pkg in
            "$L1_DEBIAN_QEMU_PACKAGE" | "$FIRMWARE_PACKAGE")
                if [ -n "$L1_DEBIAN_QEMU_VERSION" ]; then
                    [ "$kind $v" = "has $L1_DEBIAN_QEMU_VERSION" ] &&
                        [ -z "${ver[$pkg]:-}" ] && ver[$pkg]=$v from[$pkg]=$c
                    continue
                fi ;;
            esac
            [ "$kind" = candidate ] || continue
            [ "$v" != "(none)" ] || continue
            if [ -z "${ver[$pkg]:-}" ] ||
               dpkg --compare-versions "$v" gt "${ver[$pkg]}"; then
                ver[$pkg]=$v from[$pkg]=$c
            fi
        done < <(APT_CONFIG=$c apt-cache policy $wanted 2> /dev/null | awk '
            /^[^ ].*:$/ { p = substr($0, 1, length($0) - 1); next }
            /^  Candidate:/ { print "candidate", p, $2; next }
            /^ +(\*\*\* )?[^ ]+ -?[0-9]+$/ { sub(/^ +(\*\*\* )?/, ""); print "has", p, $1 }')
    done
    for pkg in $wanted; do
        [ -n "${ver[$pkg]:-}" ] && continue
        case $pkg in
        "$L1_DEBIAN_QEMU_PACKAGE" | "$FIRMWARE_PACKAGE")
            [ -z "$L1_DEBIAN_QEMU_VERSION" ] ||
                die "Debian $GUEST_SUITE ($GUEST_ARCH) no longer has $pkg" \
                    "$L1_DEBIAN_QEMU_VERSION: set L1_DEBIAN_QEMU_VERSION in" \
                    "pins.sh (empty: the newest)" ;;
        esac
        die "Debian $GUEST_SUITE has no $GUEST_ARCH package $pkg"
    done
    for c in "${confs[@]}"; do
        names=()
        for pkg in $wanted; do
            [ "${from[$pkg]}" != "$c" ] || names+=("$pkg=${ver[$pkg]}")
        done
        [ ${#names[@]} -gt 0 ] || continue
        while read -r pkg v sum; do
            [ "$v" != "${ver[$pkg]:-}" ] || [ -n "${sums[$pkg]:-}" ] ||
                sums[$pkg]=$sum
        done < <(APT_CONFIG=$c apt-cache show "${names[@]}" | awk '
            /^Package: / { p = $2 } /^Version: / { v = $2 }
            /^SHA256: / { print p, v, $2 }')
    done
    mkdir "$work/new"
    for pkg in $wanted; do
        sum=${sums[$pkg]:-}
        [ -n "$sum" ] || die "Debian's index gives no sha256 for $pkg ${ver[$pkg]}"
        for file in "$debs/$pkg"_*.deb; do
            if [ -f "$file" ] && sha256_ok "$file" "$sum"; then
                ln "$file" "$work/new/${file##*/}"
                continue 2
            fi
        done
        printf '%s=%s\n' "$pkg" "${ver[$pkg]}" >> "$work/get.${from[$pkg]//\//_}"
    done
    for c in "${confs[@]}"; do
        [ -f "$work/get.${c//\//_}" ] || continue
        mapfile -t names < "$work/get.${c//\//_}"
        msg "fetching ${#names[@]} $GUEST_ARCH packages for the L1"
        (cd "$work/new" && APT_CONFIG=$c apt-get -q download "${names[@]}") \
            > "$work/log" 2>&1 < /dev/null || true
    done
    # What the batch did not get: the same package from another suite, of
    # whatever version it has there (a mirror may list a point release
    # before it serves its files).  QEMU's own must be the pinned one.
    : > "$work/missing"
    for pkg in $wanted; do
        ! ls "$work/new/$pkg"_*.deb > /dev/null 2>&1 || continue
        for c in "${confs[@]}"; do
            v=$(APT_CONFIG=$c apt-cache policy "$pkg" 2> /dev/null |
                sed -n 's/^  Candidate: //p')
            case $v in "" | "(none)") continue ;; esac
            case $pkg in
            "$L1_DEBIAN_QEMU_PACKAGE" | "$FIRMWARE_PACKAGE")
                [ -z "$L1_DEBIAN_QEMU_VERSION" ] ||
                    [ "$v" = "$L1_DEBIAN_QEMU_VERSION" ] || continue ;;
            esac
            sum=$(APT_CONFIG=$c apt-cache show "$pkg=$v" | sed -n 's/^SHA256: //p')
            sum=${sum%%$'\n'*}
            if (cd "$work/new" && APT_CONFIG=$c apt-get -q download "$pkg=$v") \
                    >> "$work/log" 2>&1 < /dev/null; then
                ver[$pkg]=$v sums[$pkg]=$sum
                break
            fi
        done
        ls "$work/new/$pkg"_*.deb > /dev/null 2>&1 || echo "$pkg" >> "$work/missing"
    done
    if grep -q -x -e "$L1_DEBIAN_QEMU_PACKAGE" -e "$FIRMWARE_PACKAGE" "$work/missing"; then
        grep -E '^(Err|E:)' "$work/log" | sed 's/^/    /' >&2
        die "cannot download Debian's $L1_DEBIAN_QEMU_PACKAGE $L1_DEBIAN_QEMU_VERSION" \
            "for the L1 (see above; no network?)"
    fi
    if [ -s "$work/missing" ]; then
        warn "Debian's archive does not serve these $GUEST_ARCH packages now:" \
            "$(tr '\n' ' ' < "$work/missing")- their libraries are taken from" \
            "$L1_DEBIAN_LIBC_FALLBACK and the cross build's sysroot instead"
    fi
    for pkg in $wanted; do
        ! grep -q -x -e "$pkg" "$work/missing" || continue
        file=$(cd "$work/new" && ls -- "$pkg"_*.deb) ||
            die "apt-get download left no .deb of $pkg"
        sha256_ok "$work/new/$file" "${sums[$pkg]}" ||
            die "$file does not match the sha256 in Debian's index"
        printf '%s %s %s %s\n' "$pkg" "${ver[$pkg]}" "${sums[$pkg]}" "$file"
    done > "$work/manifest"
    for file in "$work"/new/*.deb; do
        [ "$file" -ef "$debs/${file##*/}" ] || mv -f "$file" "$debs/"
    done
    mv "$work/manifest" "$manifest"
    mv "$work/missing" "$dir/missing"
    for file in "$debs"/*.deb; do
        awk -v f="${file##*/}" '$4 == f { k = 1 } END { exit !k }' \
            "$manifest" || rm -f "$file"
    done
}

# debian_root: every package unpacked in $dir/debian-root, once per manifest.
debian_root() {
    local file
    if [ "${FORK_L1_OFFLINE:-0}" = 1 ]; then
        cache_ok missing-ok || die "FORK_L1_OFFLINE=1, but $dir lacks the L1's" \
            "Debian packages or they are damaged: run $0 once with network to fill it"
    elif [ "${FORK_L1_UPDATE:-0}" = 1 ] || ! cache_ok; then
        fetch
        cache_ok missing-ok || die "the packages just fetched do not match $manifest"
    fi
    if [ ! -d "$dir/debian-root" ] ||
       ! cmp -s "$manifest" "$dir/debian-root.manifest"; then
        msg "unpacking $(wc -l < "$manifest") packages in $dir/debian-root"
        mkdir "$work/root"
        while read -r _ _ _ file; do
            dpkg -x "$debs/$file" "$work/root"
        done < "$manifest"
        rm -rf "$dir/debian-root"
        mv "$work/root" "$dir/debian-root"
        cp "$manifest" "$dir/debian-root.manifest"
    fi
}

# libc_fallback: the folder of Debian's ppc64el glibc from its cross
# package (arch all, $L1_DEBIAN_LIBC_FALLBACK, the same release), for an
# L1 whose libc6 the mirror does not serve; sets fallback_root.
libc_fallback() {
    local conf ver sum file out=$dir/libc-fallback
    fallback_root=$out/root/usr/$CROSS_TRIPLET
    if [ "${FORK_L1_OFFLINE:-0}" = 1 ]; then
        [ -f "$out/sha256" ] && [ -d "$fallback_root" ] ||
            die "FORK_L1_OFFLINE=1, but $out lacks $L1_DEBIAN_LIBC_FALLBACK:" \
                "run $0 once with network to fill it"
        return
    fi
    (apt_private "l1-libc-$GUEST_SUITE" amd64 "deb $GUEST_SUITE main") ||
        die "cannot read Debian $GUEST_SUITE's package lists for" \
            "$L1_DEBIAN_LIBC_FALLBACK (no network?)"
    conf=$FORK_CACHE/apt/l1-libc-$GUEST_SUITE/apt.conf
    ver=$(APT_CONFIG=$conf apt-cache policy "$L1_DEBIAN_LIBC_FALLBACK" |
        sed -n 's/^  Candidate: //p')
    case $ver in "" | "(none)")
        die "Debian $GUEST_SUITE has no $L1_DEBIAN_LIBC_FALLBACK" ;;
    esac
    sum=$(APT_CONFIG=$conf apt-cache show "$L1_DEBIAN_LIBC_FALLBACK=$ver" |
        sed -n 's/^SHA256: //p')
    sum=${sum%%$'\n'*}
    if [ "$(cat "$out/sha256" 2> /dev/null)" = "$sum" ] && [ -d "$fallback_root" ]; then
        return
    fi
    msg "fetching $L1_DEBIAN_LIBC_FALLBACK $ver for the L1's libc"
    rm -rf "$out"
    mkdir -p "$out/deb"
    (cd "$out/deb" && APT_CONFIG=$conf apt-get -q download \
        "$L1_DEBIAN_LIBC_FALLBACK=$ver" < /dev/null) > "$work/log" 2>&1 || {
        sed 's/^/    /' "$work/log" >&2
        die "cannot download $L1_DEBIAN_LIBC_FALLBACK $ver (above; no network?)"
    }
    file=$(ls "$out"/deb/*.deb)
    sha256_ok "$file" "$sum" ||
        die "$file does not match the sha256 in Debian's index"
    dpkg -x "$file" "$out/root"
    echo "$sum" > "$out/sha256"
}

## ELF closure

# in_root ROOT PATH: sets resolved to where PATH is inside ROOT, with every
# symbolic link on the way followed inside ROOT, as under chroot: sysroots
# from packages have absolute links.  (No subshell: it runs hundreds of
# times.)
in_root() {
    local root=$1 rest=${2#/} out='' comp link n=0
    while [ -n "$rest" ]; do
        comp=${rest%%/*}
        if [ "$comp" = "$rest" ]; then rest=''; else rest=${rest#*/}; fi
        case $comp in '' | .) continue ;; ..) out=${out%/*}; continue ;; esac
        if [ -L "$root$out/$comp" ]; then
            [ $((n += 1)) -le 40 ] || return 1
            link=$(readlink "$root$out/$comp")
            case $link in /*) out='' ;; esac
            rest=${link#/}${rest:+/$rest}
        else
            out=$out/$comp
        fi
    done
    resolved=$root$out
}

# elf_info FILE LABEL: "LABEL ppc64le" first if FILE is a little-endian
# 64-bit POWER ELF, then "LABEL needs SONAME" per NEEDED entry, "LABEL
# wants SONAME VERSION" per symbol version FILE takes from SONAME, "LABEL
# has VERSION" per version it defines.  (One readelf: it runs for every
# library.)
elf_info() {
    "$readelf" -h -d -V "$1" 2> /dev/null | awk -v l="$2" '
        function field(name,   i) {
            for (i = 1; i < NF; i++) if ($i == name) return $(i + 1)
        }
        /^ *Class:/ && $2 == "ELF64" { c = 1 }
        /^ *Data:/ && /little endian/ { d = 1 }
        /^ *Machine:/ && $2 == "PowerPC64" { if (c && d) print l, "ppc64le" }
        /\(NEEDED\)/ { sub(/.*\[/, ""); sub(/\]$/, ""); print l, "needs", $0; next }
        /^Version symbols section/ { s = ""; next }
        /^Version needs section/ { s = "r"; next }
        /^Version definition section/ { s = "d"; next }
        s == "r" && / File: / { f = field("File:"); next }
        s == "r" && / Name: / { print l, "wants", f, field("Name:"); next }
        s == "d" && / Name: / && !/Flags: BASE/ { print l, "has", field("Name:") }'
}

is_ppc64le() {
    [ "$(elf_info "$1" - | head -n 1)" = "- ppc64le" ]
}

# find_lib NAME ROOT...: sets found to the first ppc64le NAME in the
# ROOTs' library folders, and info to its elf_info.
find_lib() {
    local name=$1 root d
    shift
    for root; do
        for d in lib/powerpc64le-linux-gnu usr/lib/powerpc64le-linux-gnu \
                 lib64 usr/lib64 lib usr/lib; do
            in_root "$root" "$d/$name" || continue
            [ -f "$resolved" ] || continue
            info=$(elf_info "$resolved" "$name")
            if [ "${info%%$'\n'*}" = "$name ppc64le" ]; then
                found=$resolved
                return
            fi
        done
    done
    return 1
}

# closure BINARY ROOT...: "DEST SOURCE" lines: BINARY's interpreter at the
# path BINARY names, and under $libdir every library it needs (NEEDED,
# recursively, looked up in the ROOTs in order) plus libgcc_s.so.1 when a
# ROOT has it (see pins.sh).  Fails unless each library found defines the
# symbol versions asked of it, as ld.so would at start: roots mixed from
# different releases fail here rather than in the L1.
libdir=usr/lib/powerpc64le-linux-gnu
closure() {
    local bin=$1 interp obj name version ld='' info found
    local -A seen=() from=()
    local -a todo=()
    shift
    interp=$("$readelf" -l "$bin" |
        sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
    if [ -n "$interp" ]; then
        # looked up as a library: the same root gives it and libc
        find_lib "${interp##*/}" "$@" ||
            die "${bin##*/} needs the interpreter $interp, which is in none" \
                "of: $*"
        ld=$found
        echo "${interp#/} $ld"
        todo+=("${interp##*/}")
        if find_lib libgcc_s.so.1 "$@"; then
            todo+=(libgcc_s.so.1)
        else
            warn "no libgcc_s.so.1 in $*: the L1 QEMU aborts if it calls" \
                "pthread_exit or pthread_cancel"
        fi
    fi
    info=$(elf_info "$bin" "${bin##*/}")
    : > "$work/versions"
    while :; do
        printf '%s\n' "$info" >> "$work/versions"
        while read -r _ what name _; do
            [ "$what" != needs ] || todo+=("$name")
        done <<< "$info"
        while [ ${#todo[@]} -gt 0 ] && [ -n "${seen[${todo[0]}]:-}" ]; do
            todo=("${todo[@]:1}")
        done
        [ ${#todo[@]} -gt 0 ] || break
        obj=${todo[0]}
        seen[$obj]=1
        find_lib "$obj" "$@" ||
            die "${bin##*/} needs $obj (NEEDED, maybe through another" \
                "library), which is in none of: $*"
        from[$obj]=$found
        if [ "$obj" = libc.so.6 ] && [ -n "$ld" ] &&
           [ "${found%/*}" != "${ld%/*}" ]; then
            die "libc.so.6 ($found) and ${interp##*/} ($ld) come from" \
                "different folders, and only a matching pair runs: give" \
                "the sysroot with both first"
        fi
        [ "$found" = "$ld" ] || echo "$libdir/$obj $found"
    done
    awk 'NR == FNR { if ($2 == "has") has[$1 " " $3] = 1; next }
         $2 == "wants" && !has[$3 " " $4] { print $1, $3, $4 }' \
        "$work/versions" "$work/versions" > "$work/missing"
    if [ -s "$work/missing" ]; then
        while read -r obj name version; do
            echo "    $obj needs $version of $name, and ${from[$name]:-?} lacks it" >&2
        done < "$work/missing"
        die "these libraries are older than what needs them (above):" \
            "give the sysroot they were built against first"
    fi
}

## The initramfs

# stage DEST SOURCE: a copy of SOURCE at DEST in the initramfs.
stage() {
    mkdir -p "$(dirname "$work/initramfs/$1")"
    cp -L -- "$2" "$work/initramfs/$1"
}

case $variant in
debian)
    debian_root
    root=$dir/debian-root
    qemu=$root/usr/bin/qemu-system-ppc64
    sysroots=("$root")
    # Libraries of packages the mirror did not serve: the same glibc from
    # its cross package, the others from the cross build's sysroot
    # (bookworm); the closure checks their symbol versions.
    if [ -s "$dir/missing" ]; then
        libc_fallback
        sysroots+=("$fallback_root")
        [ ! -d "$FORK_CACHE/cross-sysroot/root" ] ||
            sysroots+=("$FORK_CACHE/cross-sysroot/root")
    fi
    fwroot=$root fwdir=/usr/share/qemu
    ;;
fork)
    # a copy: a build may replace the binary while this runs
    mkdir "$work/in"
    cp -- "$binary" "$work/in/qemu-system-ppc64"
    qemu=$work/in/qemu-system-ppc64
    is_ppc64le "$qemu" ||
        die "$binary is not a ppc64le program (the L1 is a ppc64le guest)"
    # the firmware the fork installs with (install.sh)
    fwroot='' fwdir=$("$FORK_ROOT/scripts/fork/firmware.sh") ||
        die "cannot fetch the pseries firmware (above)"
    ;;
esac
[ -f "$qemu" ] || die "no $qemu"
closure "$qemu" "${sysroots[@]}" > "$work/closure"

kvm=$L1_MODULES/kernel/arch/powerpc/kvm
mkdir -p "$work/initramfs"/{bin,dev,proc,sys,tmp,lib/modules,l2}
for m in kvm kvm-hv; do
    # Debian 13 compresses its modules, Debian 12 does not; busybox insmod
    # cannot be relied on to decompress.
    if [ -f "$kvm/$m.ko.xz" ]; then
        xz -dc "$kvm/$m.ko.xz" > "$work/initramfs/lib/modules/$m.ko"
    elif [ -f "$kvm/$m.ko" ]; then
        cp -- "$kvm/$m.ko" "$work/initramfs/lib/modules/$m.ko"
    else
        die "the L1 kernel has no $kvm/$m.ko.xz nor $m.ko"
    fi
done
# the L2's busybox-static
gzip -dc "$INITRD" | (cd "$work/initramfs" && cpio -i -d --quiet bin/busybox)
[ -f "$work/initramfs/bin/busybox" ] || die "no bin/busybox in $INITRD"
stage l2/vmlinux "$KERNEL"
stage l2/initrd "$INITRD"
if "$readelf" -S -W "$qemu" | grep -q ' \.debug_'; then
    # Debug info is most of a development build, and nothing in the L1
    # reads it.
    strip=$(command -v powerpc64le-linux-gnu-strip) ||
        die "${qemu##*/} has debug info, and there is no powerpc64le-linux-gnu-strip" \
            "to leave it out: apt-get install binutils-powerpc64le-linux-gnu"
    mkdir -p "$work/initramfs/usr/bin"
    "$strip" --strip-debug -o "$work/initramfs/usr/bin/qemu-system-ppc64" "$qemu"
else
    stage usr/bin/qemu-system-ppc64 "$qemu"
fi
for f in vof.bin slof.bin; do
    in_root "$fwroot" "$fwdir/$f" || resolved=
    [ -f "$resolved" ] ||
        die "no $f in $fwroot$fwdir"
    stage "usr/share/qemu/$f" "$resolved"
done
while read -r dest src; do
    stage "$dest" "$src"
done < "$work/closure"

cat > "$work/initramfs/init" <<'INIT'
#!/bin/busybox sh
# The nested tests match the FORK-L1: lines (and the L2's FORK-GUEST:
# lines in the L1 QEMU's output): keep them as they are.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "FORK-L1: booted"
echo "FORK-L1: kernel=$(cat /proc/version)"
c=$(sed -n 's/^cpu[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
echo "FORK-L1: cpu=${c:-none}"
r=$(sed -n 's/^revision[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
echo "FORK-L1: revision=${r:-none}"
v=none
for f in /proc/device-tree/cpus/*/cpu-version; do
    [ -f "$f" ] && v=$(od -A n -v -t x1 "$f" | tr -d ' \n')
    break
done
echo "FORK-L1: cpu-version=$v"
if insmod /lib/modules/kvm.ko && insmod /lib/modules/kvm-hv.ko; then
    echo "FORK-L1: kvm-hv=loaded"
else
    echo "FORK-L1: kvm-hv=failed"
fi
[ -c /dev/kvm ] && k=present || k=missing
echo "FORK-L1: dev-kvm=$k"

# param NAME: the value of NAME=VALUE or NAME="VALUE" on the command line
cmdline=" $(cat /proc/cmdline)"
param() {
    case $cmdline in *" $1="*) ;; *) return ;; esac
    p=${cmdline#*" $1="}
    case $p in
    \"*) p=${p#\"}; p=${p%%\"*} ;;
    *) p=${p%% *} ;;
    esac
    echo "$p"
}
t=$(param fork.l1_timeout)
case $t in '' | *[!0-9]*) t=180 ;; esac
set -f
set -- $(param fork.l1_qemu_args)
set +f
echo "FORK-L1: qemu-args=$*"
# Debian's ld.so finds its multiarch folder without ld.so.cache; others may not.
export LD_LIBRARY_PATH=/usr/lib/powerpc64le-linux-gnu
# kvm-hv needs -cpu host, and these caps the L1 kernel cannot give.
# When KVM fails in a way QEMU cannot handle ("KVM: unknown exit", "kvm
# run failed"), QEMU stops the VM and waits for a monitor nobody uses: a
# watcher kills it then, so that the failure is reported at once, not at
# the timeout.  The L2's console (QEMU's stdout) goes straight to ours: a
# shell loop copying it, which reads a pipe a byte at a time, cost the L0
# about 0.4 s of CPU per L2 boot.  Only QEMU's messages (stderr) pass
# through tee, to the file that the watcher reads.
: > /tmp/qemu-err
(
    while sleep 1; do
        if grep -q -e '^KVM: unknown exit' -e '^error: kvm run failed' \
                /tmp/qemu-err; then
            echo "FORK-L1: qemu-killed=kvm-error"
            kill -9 $(pidof qemu-system-ppc64) 2> /dev/null
            break
        fi
    done
) &
watcher=$!
{
    {
        timeout -s KILL "$t" qemu-system-ppc64 -accel kvm \
            -M pseries,x-vof=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,cap-hpt-max-page-size=4k \
            -cpu host -m 512M -smp 1 -nographic -vga none -no-reboot \
            -kernel /l2/vmlinux -initrd /l2/initrd -append "console=hvc0 panic=-1" \
            -L /usr/share/qemu "$@" < /dev/null
        echo $? > /tmp/qemu-exit
    } 2>&1 1>&3 | tee /tmp/qemu-err
} 3>&1
kill $watcher 2> /dev/null
echo "FORK-L1: qemu-exit=$(cat /tmp/qemu-exit)"
dmesg | grep -e KVM -e kvm | sed 's/^/FORK-L1: dmesg: /'
echo "FORK-L1: done"
poweroff -f
INIT
chmod 0755 "$work/initramfs/init"

# Byte for byte the same for the same inputs; compressed (slow) only when
# the archive changed.  gzip rather than xz, which the kernel takes too:
# under TCG the L1 kernel unpacks xz in 9 s rather than 2, for 30% less.
out=$dir/l1-$name.cpio.gz
find "$work/initramfs" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
(cd "$work/initramfs" && find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
    cpio --quiet --null --create --format=newc --reproducible --owner=0:0) \
    > "$work/l1.cpio"
sum=$(sha256sum < "$work/l1.cpio" | cut -d' ' -f1)
if [ ! -f "$out" ] || [ "$(cat "$out.cpio-sha256" 2> /dev/null)" != "$sum" ]; then
    msg "compressing $out ($(du -m "$work/l1.cpio" | cut -f1) MB)"
    gzip -9 -n < "$work/l1.cpio" > "$work/l1.cpio.gz"
    mv "$work/l1.cpio.gz" "$out"
    echo "$sum" > "$out.cpio-sha256"
fi
(cd "$work/initramfs" && find . -type f -printf '%P\0' | LC_ALL=C sort -z |
    xargs -0 sha256sum) > "$work/contents"
cmp -s "$work/contents" "$dir/l1-$name.contents" ||
    mv "$work/contents" "$dir/l1-$name.contents"

# L1_DEBIAN_..., L1_FORK_..., L1_FORK_BOOKWORM_...
key=L1_$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')
{
    printf '%s_INITRD=%q\n' "$key" "$out"
    [ -z "$l1_suite" ] || printf '%s_KERNEL=%q\n' "$key" "$L1_KERNEL"
    case $variant in
    debian)
        printf '%s_QEMU_VERSION=%q\n' "$key" \
            "$(awk -v p="$L1_DEBIAN_QEMU_PACKAGE" '$1 == p { print $2 }' "$manifest")" ;;
    fork)
        printf '%s_QEMU=%q\n' "$key" "$binary"
        printf '%s_QEMU_SHA256=%q\n' "$key" "$(sha256sum < "$qemu" | cut -d' ' -f1)" ;;
    esac
} > "$work/env"
cmp -s "$work/env" "$dir/l1-$name.env" || mv "$work/env" "$dir/l1-$name.env"
for env in "$dir"/l1-*.env; do
    if [ -f "$env" ] && [ -f "${env%.env}.cpio.gz" ]; then
        cat "$env"
    fi
done > "$work/assets.env"
cmp -s "$work/assets.env" "$dir/assets.env" || mv "$work/assets.env" "$dir/assets.env"
cat "$dir/assets.env"
