#!/usr/bin/env bash
# make check's fuzz suite, in TAP: the sanitizer build (ASan + UBSan)
#   - replays the repository's whole corpus on the three fuzz targets,
#   - fuzzes each target for FUZZ_CHECK_RUNS executions (default 2000),
#   - is the L0 of make run's scenarios (one level, then nested KVM:
#     the reproduction and the fix), which must pass without a report.
# Needs the cross build and the L1 assets (check.sh prepares them).
. "$(dirname "$0")/lib.sh"

runs=${FUZZ_CHECK_RUNS:-2000}
targets=(spapr-nested-papr spapr-nested-hv spapr-nested-both)
work=$FORK_BUILD/fuzz
n=0

echo "1..$((2 + 2 * ${#targets[@]}))"
# The replay builds the fuzzer; its qemu-system-ppc64 comes along.
replay=$("$FORK_ROOT/scripts/fork/fuzz.sh" replay --tap 2> "$work.replay.log" |
    grep -v '^1\.\.' || true)
if [ -z "$replay" ]; then
    echo "not ok 1 - the fuzz build (see $work.replay.log)"
    tail -n 20 "$work.replay.log" | sed 's/^/# /'
    exit 0
fi
echo "ok 1 - the fuzz build: qemu-fuzz-ppc64, ASan + UBSan"
n=1
while read -r line; do
    n=$((n + 1))
    sed -E "s/^(not ok|ok) [0-9]+/\1 $n/" <<< "$line"
done < <(grep -E '^(ok|not ok) ' <<< "$replay")
grep '^#' <<< "$replay" || true

for t in "${targets[@]}"; do
    n=$((n + 1))
    log=$work/check-fuzz-$t.log
    if "$FORK_ROOT/scripts/fork/fuzz.sh" run --target="$t" --runs="$runs" \
           > "$log" 2>&1; then
        echo "ok $n - $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") executions of $t," \
            "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log") per second, no report"
    else
        echo "not ok $n - fuzzing $t (log: $log)"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written|crash' "$log" |
            head -n 10 | sed 's/^/# /'
    fi
done

n=$((n + 1))
log=$work/check-run-sanitized.log
msg "make run's scenarios with the sanitizer build as the L0 (log: $log)"
"$FORK_ROOT/scripts/fork/build.sh" fuzz qemu-system-ppc64 > "$work.build.log" 2>&1 ||
    { echo "not ok $n - the sanitizer qemu-system-ppc64 (see $work.build.log)"; exit 0; }
if FORK_RUN_L0=$work/obj/qemu-system-ppc64 "$FORK_ROOT/scripts/fork/run.sh" \
       > "$log" 2>&1; then
    echo "ok $n - make run's scenarios, sanitizer L0: every verdict as expected"
else
    echo "not ok $n - make run's scenarios, sanitizer L0 (log: $log)"
fi
grep -a -E '=> |no sanitizer report|sanitizer reports' "$log" | sed 's/^ */# /'
