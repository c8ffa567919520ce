#!/usr/bin/env bash
# The benchmark: the fork's qemu-system-ppc64 against the baseline
# (unpatched upstream from the same tarball), side by side under TCG, on
# the same kernel and initramfs: pseries boots (SLOF and VOF, power10 and
# power11 in power10 mode), nested KVM boots (API v2 and v1, the fork's
# cross build as the L1's QEMU for both L0s), the nested hypercalls per L2
# boot, binary sizes and, on request, cold build times.  Fork and baseline
# run in turn (fork, baseline, fork, baseline ...); the ratios of the pairs
# are the figures that count.  docs/bench.md tells how to read the output.
#
# Usage: bench.sh [--quick] [--runs=N] [--warmup=N] [--build] [--only=W,W...]
#   (default)   1 warm-up and 5 counted runs per workload and build, about
#               15 minutes on 2 cores; results in build/bench/: bench.md
#               (also on stdout), bench.json, bench.png, logs/
#   --quick     one run each, no warm-up, TAP lines on stdout, exits
#               non-zero when a workload does not reach its marker (make
#               check); results in build/bench/quick/
#   --build     first a cold build (configure + ninja, no ccache) of
#               qemu-system-ppc64 for both, in build/bench/cold (about 15
#               minutes; removed afterwards), kept in
#               build/bench/build-times.json for later runs
#   --only      only these workloads (names as in bench.md)
#   --profile   instead: where the L0's CPU goes while an L2 boots, on
#               each nested API, the fork only (bench-profile.py, perf);
#               results in build/bench/profile/profile.md
# Needs the fork and the baseline built ('make', 'make baseline') and, for
# the nested workloads, the fork cross-built ('make cross'); 'make bench'
# does all of it.
# shellcheck source=scripts/fork/lib.sh
. "$(dirname "$0")/lib.sh"

usage="usage: bench.sh [--quick] [--runs=N] [--warmup=N] [--build] [--only=W,W...] [--profile]"
mode=full runs=5 warmup=1 build=0 only='' profile=0
for arg; do
    case $arg in
    --quick) mode=quick ;;
    --runs=*) runs=${arg#*=} ;;
    --warmup=*) warmup=${arg#*=} ;;
    --build) build=1 ;;
    --only=*) only=${arg#*=} ;;
    --profile) profile=1 ;;
    -h | --help) sed -n '2,/^# shellcheck/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "$usage" ;;
    esac
done
case $runs$warmup in *[!0-9]*) die "$usage" ;; esac
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
out=$FORK_BUILD/bench
tap=()
if [ "$mode" = quick ]; then
    runs=1 warmup=0 out=$FORK_BUILD/bench/quick tap=(--tap)
fi
mkdir -p "$out"

fork=$FORK_BUILD/fork/obj/qemu-system-ppc64
baseline=$FORK_BUILD/baseline/obj/qemu-system-ppc64
[ -x "$fork" ] || die "no $fork: run 'make' first"
[ "$profile" = 1 ] || [ -x "$baseline" ] ||
    die "no $baseline: run 'make baseline' first"

# The chart's matplotlib (for Debian's python3) and perf for the L0's time
# in the nested code: without them the tables and the JSON still come.
if ! FORK_EXTRA_PACKAGES="python3-matplotlib linux-perf ${FORK_EXTRA_PACKAGES:-}" \
        "$FORK_ROOT/scripts/fork/host-deps.sh" > /dev/null; then
    warn "python3-matplotlib or linux-perf could not be installed (above):" \
        "no chart, or no L0 time in the nested code"
fi

# [config.mak] carries the tarball option of ./configure.
tarball_arg=${UPSTREAM_TARBALL_ARG:-}
if [ -z "$tarball_arg" ] && [ -f "$FORK_ROOT/config.mak" ]; then
    tarball_arg=$(sed -n 's/^UPSTREAM_TARBALL_ARG := //p' "$FORK_ROOT/config.mak")
fi

# cold_build: both trees laid afresh in build/bench/cold and built with
# ccache off, one after the other; the wall times of configure + ninja go
# to build/bench/build-times.json.
cold_build() {
    local dir=$FORK_BUILD/bench/cold kind start ms secs
    local -A took=()
    for kind in fork baseline; do
        FORK_BUILD=$dir "$FORK_ROOT/scripts/fork/tree.sh" "$kind" \
            ${tarball_arg:+"$tarball_arg"} ||
            die "cannot lay the $kind tree in $dir (above)"
        rm -rf "$dir/$kind/obj"
        msg "cold build of $kind (no ccache): $dir/$kind/obj"
        start=$(date +%s%N)
        FORK_BUILD=$dir CCACHE_DISABLE=1 \
            "$FORK_ROOT/scripts/fork/build.sh" "$kind" qemu-system-ppc64 2>&1 |
            ninja_progress || die "the cold build of $kind failed (above)"
        ms=$((($(date +%s%N) - start) / 1000000))
        secs=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
        took[$kind]=$secs
        msg "cold build of $kind: $secs s"
    done
    printf '{"date": "%s", "what": "configure + ninja qemu-system-ppc64, ccache off, %s CPUs", "fork": %s, "baseline": %s}\n' \
        "$(date -Iseconds)" "$(nproc)" "${took[fork]}" "${took[baseline]}" \
        > "$FORK_BUILD/bench/build-times.json"
    rm -rf "$dir"
}
[ "$build" = 0 ] || cold_build

"$FORK_ROOT/scripts/fork/guest-assets.sh" > /dev/null ||
    die "cannot prepare the guest kernel and initramfs (above)"
# shellcheck source=/dev/null
. "$FORK_CACHE/guest/assets.env"
# The nested workloads' L1 runs the fork's cross build, under both L0s, so
# that only the L0 differs.
cross=$FORK_BUILD/cross/obj/qemu-system-ppc64
if [ -f "$cross" ]; then
    l1_fork_assets ||
        warn "cannot prepare the L1 initramfs from $cross (above)"
fi
L1_FORK_INITRD=
if [ -f "$FORK_L1/assets.env" ]; then
    # shellcheck source=/dev/null
    . "$FORK_L1/assets.env"
fi
if [ -z "$L1_FORK_INITRD" ] || [ ! -f "$L1_FORK_INITRD" ]; then
    warn "no L1 initramfs with the fork's QEMU: the nested workloads fail;" \
        "run 'make cross' first"
    L1_FORK_INITRD=
fi

if [ "$profile" = 1 ]; then
    [ -n "$L1_FORK_INITRD" ] || die "no L1 initramfs: run 'make cross' first"
    command -v perf > /dev/null || die "perf is needed (Debian: linux-perf)"
    msg "profile of the L0 during an L2 boot, results in $FORK_BUILD/bench/profile"
    exec /usr/bin/python3 "$FORK_ROOT/scripts/fork/bench-profile.py" \
        --out "$FORK_BUILD/bench/profile" --qemu "$fork" \
        --kernel "$KERNEL" --l1-initrd "$L1_FORK_INITRD"
fi
msg "benchmark, $mode mode: $warmup warm-up and $runs counted run(s) per workload and build, results in $out"
exec /usr/bin/python3 "$FORK_ROOT/scripts/fork/bench.py" --out "$out" \
    --inputs "$FORK_BUILD/bench/inputs" \
    --fork "$fork" --baseline "$baseline" \
    --kernel "$KERNEL" --initrd "$INITRD" --l1-initrd "$L1_FORK_INITRD" \
    --runs "$runs" --warmup "$warmup" --mode "$mode" "${tap[@]}" \
    ${only:+--only "$only"} \
    --build-times "$FORK_BUILD/bench/build-times.json" \
    --guest "Debian's $KERNEL_PACKAGE $KERNEL_VERSION" \
    --upstream "QEMU $UPSTREAM_VERSION"
