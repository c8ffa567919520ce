#!/usr/bin/env bash
# Build the fork's qemu-system-ppc64 for ppc64le hosts: the QEMU that runs
# KVM inside a POWER guest (an L1), and the only build that compiles
# target/ppc's KVM code, which needs a ppc64 host.  Installs Debian 12's
# cross compiler, fills a sysroot with bookworm's ppc64el libraries in
# $FORK_CACHE/cross-sysroot (once: remove it to fetch again), lays
# $FORK_BUILD/cross/src and builds in $FORK_BUILD/cross/obj.
# Usage: cross.sh [--upstream-tarball=PATH]
. "$(dirname "$0")/lib.sh"

tree_args=()
for arg; do
    case $arg in
    --upstream-tarball=*) tree_args+=("$arg") ;;
    *) die "cross.sh: unknown option '$arg' (usage: cross.sh [--upstream-tarball=PATH])" ;;
    esac
done

FORK_EXTRA_PACKAGES="$CROSS_HOST_PACKAGES ${FORK_EXTRA_PACKAGES:-}" \
    "$FORK_ROOT/scripts/fork/host-deps.sh" > /dev/null

dir=$FORK_CACHE/cross-sysroot
root=$dir/root
libdir=$root/usr/lib/$CROSS_TRIPLET
key="$CROSS_SUITE $CROSS_ARCH $CROSS_DEV_PACKAGES"

# Fields of apt-cache show, one line per package: name, Multi-Arch, and
# the first alternative of each (Pre-)Depends, without versions.
# shellcheck disable=SC2016
deps_awk='BEGIN { RS = ""; FS = "\n" }
{
    pkg = ""; ma = "-"; deps = ""
    for (i = 1; i <= NF; i++) {
        if ($i ~ /^Package: /) pkg = substr($i, 10)
        else if ($i ~ /^Multi-Arch: /) ma = substr($i, 13)
        else if ($i ~ /^(Pre-)?Depends: /) { d = $i; sub(/^[^:]*: /, "", d); deps = deps "," d }
    }
    n = split(deps, a, ",")
    out = pkg " " ma
    for (j = 1; j <= n; j++) {
        d = a[j]; sub(/\|.*/, "", d); sub(/\(.*/, "", d); gsub(/[ \t]/, "", d); sub(/:.*/, "", d)
        if (d != "") out = out " " d
    }
    print out
}'

# closure PACKAGE...: the packages and, recursively, what they depend on
# that a multiarch install would take of the sysroot's architecture
# (Multi-Arch: same: libraries and their headers).  Tools run on the build
# machine, pkg-config too (through the wrapper below); libc6, libgcc-s1 and
# the like come with the cross compiler, whose packages stand for them
# (libc6-ppc64el-cross...), not a second time.
closure() {
    local want=("$@") roots=" $* " seen=" " toolchain next pkg ma deps d
    toolchain=" pkg-config pkgconf $(dpkg-query -W \
        -f '${db:Status-Abbrev} ${Package}\n' "*-$CROSS_ARCH-cross" |
        awk -v s="-$CROSS_ARCH-cross" \
        '$1 == "ii" && substr($2, length($2) - length(s) + 1) == s {
             printf "%s ", substr($2, 1, length($2) - length(s)) }')"
    while [ ${#want[@]} -gt 0 ]; do
        next=()
        while read -r pkg ma deps; do
            case $seen in *" $pkg "*) continue ;; esac
            seen="$seen$pkg "
            case $roots in
            *" $pkg "*) ;;
            *) [ "$ma" = same ] || continue
               case $toolchain in *" $pkg "*) continue ;; esac ;;
            esac
            echo "$pkg"
            read -r -a d <<< "$deps"
            next+=("${d[@]}")
        done < <(apt-cache show --no-all-versions "${want[@]}" | awk "$deps_awk")
        want=()
        for pkg in "${next[@]}"; do
            case $seen in *" $pkg "*) ;; *) want+=("$pkg") ;; esac
        done
    done
}

fill_sysroot() {
    local packages p l t
    # Updates are welcome, not needed: the suite alone will do.
    apt_private "cross-$CROSS_SUITE" "$CROSS_ARCH" "deb $CROSS_SUITE main" \
            "deb $CROSS_SUITE-updates main" ||
        { warn "trying without $CROSS_SUITE-updates"
          apt_private "cross-$CROSS_SUITE" "$CROSS_ARCH" "deb $CROSS_SUITE main"; } ||
        die "cannot fetch the $CROSS_ARCH libraries for the cross build;" \
            "connect the machine to Debian's archive and retry"
    # shellcheck disable=SC2086
    packages=$(closure $CROSS_DEV_PACKAGES)
    for p in $CROSS_DEV_PACKAGES; do
        grep -qx -- "$p" <<< "$packages" ||
            die "Debian $CROSS_SUITE has no $CROSS_ARCH package $p"
    done
    msg "fetching $(wc -l <<< "$packages") $CROSS_ARCH packages from $CROSS_SUITE for the sysroot"
    mkdir -p "$FORK_CACHE"
    # A global: the EXIT trap may run after this function has returned.
    work=$(mktemp -d "$dir.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    mkdir "$work/debs"
    # shellcheck disable=SC2086
    if ! (cd "$work/debs" && apt-get -q download $packages) > "$work/log" 2>&1; then
        sed 's/^/    /' "$work/log" >&2
        die "cannot download the $CROSS_ARCH packages (see above; no network?)"
    fi
    echo "# $key" > "$work/manifest.new"
    for p in "$work"/debs/*.deb; do
        dpkg -x "$p" "$work/root"
        dpkg-deb -W --showformat="\${Package} \${Version}\n" "$p" >> "$work/manifest.new"
    done
    rm -rf "$work/debs" "$work/log"
    # bookworm's packages still put some libraries in /lib, their .so links
    # and .pc files in /usr/lib: laid out as Debian 12 installs them
    # (merged /usr), every library is in one folder.
    if [ -d "$work/root/lib" ]; then
        cp -a "$work/root/lib/." "$work/root/usr/lib/"
        rm -rf "$work/root/lib"
    fi
    ln -s usr/lib "$work/root/lib"
    # Absolute links (libz.so -> /lib/...) would reach the build machine's
    # own libraries: made relative, inside the sysroot.
    find "$work/root" -type l -lname '/*' | while read -r l; do
        t=$(readlink "$l")
        ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$work/root$t")" "$l"
    done
    for l in "$work/root/usr/lib/$CROSS_TRIPLET"/*.so; do
        [ -e "$l" ] || die "${l##*/} in the sysroot is a broken link"
    done
    # Only the sysroot's .pc files, and their paths inside it; meson keeps
    # this path and runs it again, so it must work without our environment.
    cat > "$work/pkg-config" <<WRAPPER
#!/bin/sh
PKG_CONFIG_SYSROOT_DIR='$root'
PKG_CONFIG_LIBDIR='$libdir/pkgconfig:$root/usr/share/pkgconfig'
export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
unset PKG_CONFIG_PATH
exec pkg-config "\$@"
WRAPPER
    chmod 0755 "$work/pkg-config"
    rm -rf "$dir"
    mv "$work" "$dir"
    trap - EXIT
    # The manifest last: it says that the sysroot is complete.
    "$dir/pkg-config" --exists glib-2.0 2> /dev/null ||
        die "the pkg-config of the new sysroot ($dir) finds no glib-2.0"
    mv "$dir/manifest.new" "$dir/manifest"
}

if [ ! -f "$dir/manifest" ] || [ "$(head -n 1 "$dir/manifest")" != "# $key" ]; then
    fill_sysroot
fi
msg "sysroot: $root ($(($(wc -l < "$dir/manifest") - 1)) $CROSS_ARCH packages)"

"$FORK_ROOT/scripts/fork/tree.sh" cross "${tree_args[@]}"
mkdir -p "$FORK_BUILD/cross"
"$FORK_ROOT/scripts/fork/build.sh" cross qemu-system-ppc64 2>&1 |
    tee "$FORK_BUILD/cross/build.log" | ninja_progress ||
    die "the cross build failed (above; full log in $FORK_BUILD/cross/build.log)"

bin=$FORK_BUILD/cross/obj/qemu-system-ppc64
[ -f "$bin" ] || die "the cross build made no $bin"
echo "$bin"
file -b "$bin"
echo "needs (NEEDED, and where the sysroot or the cross compiler has it):"
missing=0
while read -r l; do
    where=
    for d in "$libdir" "/usr/$CROSS_TRIPLET/lib"; do
        if [ -e "$d/$l" ]; then where=$d/$l; break; fi
    done
    printf '    %-24s %s\n' "$l" "${where:-MISSING}"
    [ -n "$where" ] || missing=1
done < <("$CROSS_TRIPLET-readelf" -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
[ "$missing" = 0 ] || die "$bin needs libraries that neither the sysroot nor the cross compiler has"
