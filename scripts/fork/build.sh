#!/usr/bin/env bash
# Configure (when needed) and build one build tree with ninja.
# Usage: build.sh fork|baseline|series|cross|fuzz [NINJA-TARGET...]
# The object folder is $FORK_BUILD/KIND/obj; the same configure options
# for fork, baseline and series, so the baseline differs from the fork
# only by the fork.  cross (for ppc64le hosts, see cross.sh) is an L1's
# QEMU: KVM and the pseries machine alone.
# fuzz builds the fork's tree (build/fork/src) again with clang, libFuzzer,
# ASan and UBSan (aborting at the first report), and source-based coverage
# of the pseries files, the pseries machine alone (docs/devel/testing/fuzzing-spapr.rst).
. "$(dirname "$0")/lib.sh"

kind=${1:-}
shift || true
case $kind in
fork|baseline|series|cross|fuzz) ;;
*) die "usage: build.sh fork|baseline|series|cross|fuzz [TARGET...]" ;;
esac
src=$FORK_BUILD/$kind/src
if [ "$kind" = fuzz ]; then
    # the fork's own tree, seen as ../src from the object folder
    mkdir -p "$FORK_BUILD/fuzz"
    ln -sfn ../fork/src "$src"
fi
obj=$FORK_BUILD/$kind/obj
[ -x "$src/configure" ] || die "no $kind tree in $src: run 'make tree' first"

if [ "$kind" = fuzz ]; then
    pythonpath=$(FORK_EXTRA_PACKAGES="$FUZZ_HOST_PACKAGES ${FORK_EXTRA_PACKAGES:-}" \
        "$FORK_ROOT/scripts/fork/host-deps.sh")
else
    pythonpath=$("$FORK_ROOT/scripts/fork/host-deps.sh")
fi
firmware=$("$FORK_ROOT/scripts/fork/firmware.sh")

# All kinds share one compiler cache: same relative paths (../src/...) and
# the same options make most of a second kind's objects cache hits.
export CCACHE_BASEDIR=$FORK_BUILD CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-time_macros}

compiler=(--cc="ccache gcc" --host-cc="ccache gcc")
configure_env=()
variant=()
if [ "$kind" = cross ]; then
    sysroot=$FORK_CACHE/cross-sysroot
    [ -f "$sysroot/manifest" ] ||
        die "no $CROSS_ARCH sysroot in $sysroot: run scripts/fork/cross.sh"
    # Without --sysroot the cross gcc searches the build machine's
    # /usr/include, and silently builds with its headers (libfdt.h,
    # valgrind/valgrind.h).  Its own libc it finds outside the sysroot;
    # the rpath-link lets ld find libm & co. for the sysroot's libraries.
    compiler=(
        --cross-prefix="$CROSS_TRIPLET-"
        --cc="ccache $CROSS_TRIPLET-gcc" --host-cc="ccache gcc"
        --extra-cflags="--sysroot=$sysroot/root"
        --extra-ldflags="-Wl,-rpath-link,/usr/$CROSS_TRIPLET/lib"
    )
    configure_env=(PKG_CONFIG="$sysroot/pkg-config")
    # An L1's QEMU runs pseries guests with KVM and nothing else: no TCG,
    # no other machine, a third of the objects to compile.
    variant=(
        --disable-tcg
        --without-default-devices --with-devices-ppc64=pseries-only
    )
fi
if [ "$kind" = fuzz ]; then
    # Coverage is counted in the pseries files only, so that replaying
    # and fuzzing stay fast; its profile goes where LLVM_PROFILE_FILE says.
    compiler=(
        --cc="ccache $FUZZ_CC" --cxx="ccache $FUZZ_CXX" --host-cc="ccache $FUZZ_CC"
        --extra-cflags="-fno-sanitize-recover=undefined -fprofile-instr-generate -fcoverage-mapping -fprofile-list=$FORK_ROOT/scripts/fork/fuzz-profile-list"
        --extra-ldflags="-fprofile-instr-generate"
    )
    variant=(
        --enable-fuzzing --enable-asan --enable-ubsan
        --without-default-devices --with-devices-ppc64=pseries-only
    )
fi
configure_args=(
    --python=/usr/bin/python3
    "${compiler[@]}"
    "${variant[@]}"
    --target-list=ppc64-softmmu
    --enable-kvm --enable-fdt=system --enable-capstone --enable-slirp
    --disable-docs --disable-user --disable-tools --disable-guest-agent
    --disable-install-blobs
)
# The exact options are kept beside the objects: changed options or a lost
# configure make this run configure again, from scratch.
want=$(printf '%s\n' "${configure_env[@]}" "${configure_args[@]}")
if [ ! -f "$obj/build.ninja" ] || [ ! -f "$obj/fork-configure-args" ] ||
   [ "$want" != "$(cat "$obj/fork-configure-args")" ]; then
    msg "configuring $kind in $obj"
    rm -rf "$obj"
    mkdir -p "$obj"
    if ! (cd "$obj" && PYTHONPATH=$pythonpath env "${configure_env[@]}" \
            ../src/configure "${configure_args[@]}") > "$obj.configure.log" 2>&1; then
        tail -n 30 "$obj.configure.log" | sed 's/^/    /' >&2
        rm -rf "$obj"
        die "configure of the $kind tree failed (above; full log in" \
            "$obj.configure.log)"
    fi
    # meson runs again from ninja later (regeneration), without our
    # environment: let the venv find the private meson by itself.
    site=$(cd "$obj" && pyvenv/bin/python3 -c \
        'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$pythonpath" > "$site/qemu-power-fork-tools.pth"
    printf '%s\n' "$want" > "$obj/fork-configure-args"
fi
msg "building $kind: ${*:-all}"
ninja -C "$obj" "$@"
# A QEMU run from its build folder looks for firmware in qemu-bundle:
# the blobs of the tarball first, then Debian's built firmware.
bundle=$obj/qemu-bundle/usr/local/share/qemu
mkdir -p "$bundle"
for f in "$src"/pc-bios/*; do
    [ -f "$f" ] && ln -sfn "$f" "$bundle/${f##*/}"
done
for f in "$firmware"/*; do
    [ "${f##*/}" = manifest ] || ln -sfn "$f" "$bundle/${f##*/}"
done
for alias in $FIRMWARE_ALIASES; do
    if [ -e "$firmware/${alias#*:}" ]; then
        ln -sfn "$firmware/${alias#*:}" "$bundle/${alias%%:*}"
    fi
done
# 10.2 and later build their device trees (pegasos1, ...) into
# pc-bios/dtb, where a QEMU run from its build folder does not look.
if [ -d "$obj/pc-bios/dtb" ]; then
    mkdir -p "$bundle/dtb"
    for f in "$obj"/pc-bios/dtb/*.dtb; do
        if [ -f "$f" ]; then ln -sfn "$f" "$bundle/dtb/${f##*/}"; fi
    done
fi
