#!/usr/bin/env bash
# Run the fork's test suites and end with one line
# "N passed, N failed, N skipped" summing them all.
# Usage: check.sh [scripts] [patches] [unit] [qtest] [functional] [fuzz]
#                 [libvirt] [bench] [upstreams]
# (all of them by default, in that order).
. "$(dirname "$0")/lib.sh"

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(scripts patches unit qtest functional fuzz libvirt bench upstreams)
obj=$FORK_BUILD/fork/obj
logs=$FORK_BUILD/check
mkdir -p "$logs"
passed=0 failed=0 skipped=0
# [config.mak] carries the tarball option of ./configure to the scripts,
# for the upstream it was configured for (not the others of check-upstreams).
if [ -f "$FORK_ROOT/config.mak" ]; then
    configured=$(sed -n 's/^FORK_UPSTREAM := //p' "$FORK_ROOT/config.mak")
    if [ "${configured:-$UPSTREAM_DEFAULT}" = "$FORK_UPSTREAM" ]; then
        UPSTREAM_TARBALL_ARG=$(sed -n 's/^UPSTREAM_TARBALL_ARG := //p' "$FORK_ROOT/config.mak")
    else
        UPSTREAM_TARBALL_ARG=
    fi
    export UPSTREAM_TARBALL_ARG
fi

# count_meson LOG: add the checks of the last meson run to the totals; a
# log with no meson summary (the build failed) counts as one failure.
count_meson() {
    local log=$1 p f s
    if ! grep -q '^Ok:' "$log"; then
        failed=$((failed + 1))
        echo "    (no test summary: the build or the runner failed; see $log)"
        return
    fi
    read -r p f s < <("$FORK_ROOT/scripts/fork/count-meson-results.py" \
        "$obj/meson-logs/testlog.json")
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# count_tap LOG: add the "ok"/"not ok" lines of a TAP LOG to the totals
# ("ok ... # SKIP" is a skip); tests the plan announces but that never
# report count as failures.
count_tap() {
    local log=$1 skips oks not_oks planned
    skips=$(grep -c -i -E '^ok [0-9]+.*# *skip' "$log" || true)
    oks=$(grep -c -E '^ok [0-9]+' "$log" || true)
    not_oks=$(grep -c -E '^not ok [0-9]+' "$log" || true)
    passed=$((passed + oks - skips))
    skipped=$((skipped + skips))
    failed=$((failed + not_oks))
    planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
    if [ -z "$planned" ]; then
        failed=$((failed + 1))
        echo "    (the suite stopped early; see $log)"
    elif [ "$((oks + not_oks))" -lt "$planned" ]; then
        failed=$((failed + planned - oks - not_oks))
        echo "    ($((planned - oks - not_oks)) planned tests did not report; see $log)"
    fi
}

# run_suite NAME LOG COMMAND...: run, show the output, keep it in LOG.
run_suite() {
    local name=$1 log=$2
    shift 2
    msg "suite $name"
    "$@" 2>&1 | tee "$log" || true
}

# debian_reachable: whether a TCP connection to the host of Debian's
# mirror opens within 10 s.
debian_reachable() {
    local host=${DEBIAN_MIRROR#*://} port=80
    case $DEBIAN_MIRROR in https://*) port=443 ;; esac
    host=${host%%/*}
    case $host in *:*) port=${host##*:} host=${host%:*} ;; esac
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 10 bash -c 'exec 3<> "/dev/tcp/$1/$2"' - "$host" "$port" \
        2> /dev/null
}

# prepare WHAT COMMAND...: run COMMAND, which prepares assets of the
# functional tests, its output in $logs.  The tests skip, saying so, when
# their assets are missing: where Debian's archive cannot be reached (and
# the cache lacks them) that is what happens; any other failure also
# counts as a failure of the suite.
prepare() {
    local what=$1 log=$logs/assets-${1// /-}.log
    shift
    msg "functional: $what (log: $log)"
    if "$@" < /dev/null 2>&1 | tee "$log"; then
        return
    fi
    if debian_reachable; then
        failed=$((failed + 1))
        echo "    (preparing $what failed with Debian's archive reachable:"
        echo "    counted as a failure, and the tests that need it skip; see $log)"
    else
        warn "Debian's archive ($DEBIAN_MIRROR) cannot be reached, and the" \
            "cache lacks $what: the tests that need it skip"
    fi
}

# once NAME COMMAND...: COMMAND, unless it succeeded already in this run:
# what several suites need (trees, builds, guests) is made once, since
# nothing in between changes it.
declare -A made
once() {
    local name=$1
    shift
    [ -z "${made[$name]:-}" ] || return 0
    "$@" && made[$name]=1
}

fork_tree() {
    "$FORK_ROOT/scripts/fork/tree.sh" fork ${UPSTREAM_TARBALL_ARG:+"$UPSTREAM_TARBALL_ARG"}
}

guest_assets() {
    "$FORK_ROOT/scripts/fork/guest-assets.sh" > /dev/null
}

# the nested tests' L1s: the fork cross-built, both L1 initramfs of the
# Debian 13 kernel, and the fork's with Debian 12's kernel
nested_assets() {
    "$FORK_ROOT/scripts/fork/cross.sh" ${UPSTREAM_TARBALL_ARG:+"$UPSTREAM_TARBALL_ARG"} &&
        nested_l1_assets && nested_old_l1_assets
}

# The Linux 7.3 L1 comes from experimental, which drops a kernel once a
# newer one arrives: where it cannot be had (and the cache lacks it), its
# tests skip, saying so, and nothing fails here.
nested_new_assets() {
    local log=$logs/assets-linux-7.3-L1.log
    msg "functional: Linux 7.3 L1 (log: $log)"
    if ! nested_new_l1_assets < /dev/null > "$log" 2>&1; then
        sed 's/^/    /' "$log"
        warn "cannot prepare the Linux 7.3 L1 (above): its tests skip"
    fi
}

baseline_build() {
    "$FORK_ROOT/scripts/fork/tree.sh" baseline ${UPSTREAM_TARBALL_ARG:+"$UPSTREAM_TARBALL_ARG"}
    "$FORK_ROOT/scripts/fork/build.sh" baseline qemu-system-ppc64 2>&1 |
        tee "$logs/baseline-build.log" | ninja_progress ||
        die "the baseline build failed"
}

# fork_binary LOGNAME: the fork's tree laid and its qemu-system-ppc64 built
fork_binary() {
    once fork-tree fork_tree
    "$FORK_ROOT/scripts/fork/build.sh" fork qemu-system-ppc64 2>&1 |
        tee "$logs/$1-build.log" | ninja_progress ||
        die "the build for the $1 suite failed"
}

# other_upstream NAME: the patches (without the build of every patch),
# unit and qtest suites on upstream NAME, in its own build folder; its
# closing line added to the totals.
other_upstream() {
    local name=$1 log=$logs/upstream-$1.log p f s
    msg "suite upstreams: $name (log: $log)"
    env -u FORK_L1 -u FORK_BUILD FORK_UPSTREAM="$name" FORK_SERIES_BUILD=0 \
        "$FORK_ROOT/scripts/fork/check.sh" patches unit qtest < /dev/null 2>&1 |
        tee "$log" || true
    if read -r p f s < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
                         "$log" | tail -n 1) && [ -n "$p" ]; then
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    else
        failed=$((failed + 1))
        echo "    (upstream $name: no closing line; see $log)"
    fi
}

meson_suite() {
    local name=$1
    suite_build fork "$name" 2>&1 | tee "$logs/$name-build.log" |
        ninja_progress || { echo "build for $name failed"; return 1; }
    (cd "$obj" && pyvenv/bin/meson test --no-rebuild --num-processes 2 \
        --print-errorlogs --suite "$name")
}

# Minutes each suite took, its preparation included, said at the end.
timings=()
for suite in "${suites[@]}"; do
    suite_start=$SECONDS
    case $suite in
    scripts)
        run_suite scripts "$logs/scripts.log" "$FORK_ROOT/tests/fork/scripts-test.sh"
        count_tap "$logs/scripts.log" ;;
    patches)
        # FORK_SERIES_BUILD=0: not every patch built (another upstream's)
        if [ "${FORK_SERIES_BUILD:-1}" = 0 ]; then
            run_suite patches "$logs/patches.log" \
                "$FORK_ROOT/scripts/fork/check-patches.sh" --no-build
        else
            run_suite patches "$logs/patches.log" "$FORK_ROOT/scripts/fork/check-patches.sh"
        fi
        count_tap "$logs/patches.log" ;;
    unit)
        once fork-tree fork_tree
        run_suite unit "$logs/unit.log" meson_suite unit
        count_meson "$logs/unit.log" ;;
    qtest)
        once fork-tree fork_tree
        run_suite qtest "$logs/qtest.log" meson_suite qtest-ppc64
        count_meson "$logs/qtest.log" ;;
    functional)
        once fork-tree fork_tree
        once guest-assets prepare "guest kernel" guest_assets
        once nested-assets prepare "nested L1" nested_assets
        once nested-new-assets nested_new_assets
        # The fork is compared with upstream built from the same tarball.
        once baseline baseline_build
        export FORK_BASELINE_QEMU=$FORK_BUILD/baseline/obj/qemu-system-ppc64
        run_suite functional "$logs/functional.log" meson_suite func-ppc64
        count_meson "$logs/functional.log" ;;
    fuzz)
        # the sanitizer build: corpus, fuzzing, and make run's L0
        once fork-tree fork_tree
        once nested-assets prepare "nested L1" nested_assets
        once nested-new-assets nested_new_assets
        run_suite fuzz "$logs/fuzz.log" "$FORK_ROOT/scripts/fork/fuzz-check.sh"
        count_tap "$logs/fuzz.log" ;;
    libvirt)
        # libvirt's daemon drives the fork as installed, and the baseline
        once fork-binary fork_binary libvirt
        once baseline baseline_build
        once guest-assets prepare "guest kernel" guest_assets
        once nested-assets prepare "nested L1" nested_assets
        run_suite libvirt "$logs/libvirt.log" "$FORK_ROOT/scripts/fork/libvirt-check.sh"
        count_tap "$logs/libvirt.log" ;;
    bench)
        # The benchmark once, quick: that it runs, not how fast.
        once fork-binary fork_binary bench
        once baseline baseline_build
        once nested-assets prepare "nested L1" nested_assets
        run_suite bench "$logs/bench.log" "$FORK_ROOT/scripts/fork/bench.sh" --quick
        count_tap "$logs/bench.log" ;;
    upstreams)
        # The upstreams other than the one chosen (docs/devel/upstreams.rst)
        for name in $UPSTREAMS; do
            [ "$name" = "$FORK_UPSTREAM" ] || other_upstream "$name"
        done ;;
    *) die "check.sh: unknown suite '$suite' (scripts, patches, unit, qtest, functional, fuzz, libvirt, bench, upstreams)" ;;
    esac
    timings+=("$suite $(( (SECONDS - suite_start + 30) / 60 ))")
done

echo
echo "minutes by suite: $(printf '%s; ' "${timings[@]}")total $(( (SECONDS + 30) / 60 ))"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
