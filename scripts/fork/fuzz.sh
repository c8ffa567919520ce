#!/usr/bin/env bash
# The pseries hypercall fuzzer (tests/qtest/fuzz/spapr_hcall_fuzz.c) on
# the fuzz build (clang, libFuzzer, ASan, UBSan; build.sh fuzz).
#
# Usage: fuzz.sh run [--target=T] [--runs=N] [--time=SECONDS] [--jobs=J]
#            libFuzzer on target T (all three by default), for N
#            executions or SECONDS each (default: 60 s), in J processes
#            (libFuzzer's fork mode); new inputs go to build/fuzz/corpus/T,
#            crashes to build/fuzz/artifacts/T.  Leaks are looked for at
#            the replay, not after every input here: that would cost three
#            quarters of the executions; the RSS limit still stops a run
#            whose memory grows.
#        fuzz.sh replay [--tap]
#            the repository's corpus, once: on every target the shared
#            inputs (seeds, recorded boots, regressions), on each target
#            what fuzzing it found (its own folder)
#        fuzz.sh merge
#            add what build/fuzz/corpus found to the repository's corpus,
#            minimised (libFuzzer -merge=1)
#        fuzz.sh coverage
#            replay with coverage, report lines and branches of hw/ppc
#            files in build/fuzz/coverage (report.txt, html/)
#        fuzz.sh seeds
#            write the seeds and the dictionary again (fuzz-seeds.py)
. "$(dirname "$0")/lib.sh"

targets=(spapr-nested-papr spapr-nested-hv spapr-nested-both)
obj=$FORK_BUILD/fuzz/obj
fuzzer=$obj/qemu-fuzz-ppc64
corpus=$FORK_ROOT/tests/qtest/fuzz/spapr-hcall-corpus
dict=$FORK_ROOT/tests/qtest/fuzz/spapr-hcall.dict
work=$FORK_BUILD/fuzz
# libFuzzer looks for leaks per input (where mallocs and frees do not
# match), not at exit, where QEMU's own would show.  The profile of the
# coverage build goes to one file per process, never to the current folder.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:malloc_context_size=8}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_SYMBOLIZER_PATH=$FUZZ_LLVM_BIN/llvm-symbolizer
export LLVM_PROFILE_FILE=${LLVM_PROFILE_FILE:-$work/profile/%p.profraw}

build_fuzzer() {
    "$FORK_ROOT/scripts/fork/tree.sh" fork ${UPSTREAM_TARBALL_ARG:+"$UPSTREAM_TARBALL_ARG"}
    "$FORK_ROOT/scripts/fork/build.sh" fuzz qemu-fuzz-ppc64 >&2
}

cmd=${1:-}
shift || true
only=() runs= secs= tap=0 jobs=1
for arg; do
    case $arg in
    --target=*) only+=("${arg#--target=}") ;;
    --runs=*) runs=${arg#--runs=} ;;
    --time=*) secs=${arg#--time=} ;;
    --tap) tap=1 ;;
    --jobs=*) jobs=${arg#--jobs=} ;;
    *) die "fuzz.sh: unknown option '$arg'" ;;
    esac
done
[ ${#only[@]} = 0 ] || targets=("${only[@]}")

case $cmd in
seeds)
    rm -rf "$corpus/seeds"
    "$FORK_ROOT/scripts/fork/fuzz-seeds.py" "$corpus/seeds" "$dict"
    msg "seeds in $corpus/seeds, dictionary $dict" ;;
run)
    build_fuzzer
    limit=(-max_total_time="${secs:-60}")
    [ -z "$runs" ] || limit=(-runs="$runs")
    [ -z "$secs" ] || [ -z "$runs" ] || limit=(-runs="$runs" -max_total_time="$secs")
    [ "$jobs" = 1 ] || limit+=(-fork="$jobs")
    for t in "${targets[@]}"; do
        mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "$work/profile"
        msg "fuzzing $t (${limit[*]}); corpus $work/corpus/$t"
        "$fuzzer" --fuzz-target="$t" -dict="$dict" -timeout=10 \
            -detect_leaks=0 -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 \
            -artifact_prefix="$work/artifacts/$t/" "${limit[@]}" \
            "$work/corpus/$t" "$corpus"/* ||
            die "$t: the fuzzer stopped on a crash; its input is in $work/artifacts/$t"
        rm -f "$work"/profile/*.profraw
    done ;;
replay)
    build_fuzzer
    mkdir -p "$work/profile"
    n=0 failed=0
    [ "$tap" = 0 ] || echo "1..${#targets[@]}"
    for t in "${targets[@]}"; do
        n=$((n + 1))
        log=$work/replay-$t.log
        # Another target's finds are new inputs here, not regressions:
        # fuzzing (and make fuzz-coverage) try them, the replay need not.
        if "$fuzzer" --fuzz-target="$t" -runs=0 -timeout=10 \
               -rss_limit_mb=8192 -max_len=4096 \
               "$corpus"/seeds "$corpus"/recorded "$corpus"/regressions \
               "$corpus/$t" > "$log" 2>&1; then
            [ "$tap" = 0 ] || echo "ok $n - replay on $t: $(grep -o 'INITED.*' "$log" | head -n 1)"
        else
            failed=$((failed + 1))
            if [ "$tap" = 1 ]; then
                echo "not ok $n - replay on $t (log: $log)"
                grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" |
                    head -n 10 | sed 's/^/# /'
            else
                tail -n 40 "$log" >&2
            fi
        fi
        rm -f "$work"/profile/*.profraw
    done
    [ "$failed" = 0 ] || [ "$tap" = 1 ] || die "replay failed" ;;
merge)
    build_fuzzer
    for t in "${targets[@]}"; do
        mkdir -p "$corpus/$t"
        "$fuzzer" --fuzz-target="$t" -merge=1 -timeout=10 -max_len=4096 \
            "$corpus/$t" "$work/corpus/$t"
    done ;;
coverage)
    build_fuzzer
    rm -rf "$work/profile" "$work/coverage"
    mkdir -p "$work/profile" "$work/coverage"
    for t in "${targets[@]}"; do
        "$fuzzer" --fuzz-target="$t" -runs=0 -timeout=10 -max_len=4096 \
            "$corpus"/* > "$work/coverage/replay-$t.log" 2>&1 ||
            die "replay of $t failed (see $work/coverage/replay-$t.log)"
    done
    "$FUZZ_LLVM_BIN/llvm-profdata" merge -sparse "$work"/profile/*.profraw \
        -o "$work/coverage/fuzz.profdata"
    # Only hw/ppc/spapr*.c are instrumented; the headers they include are
    # left out of the report.
    cov=("$fuzzer" -instr-profile="$work/coverage/fuzz.profdata"
         -ignore-filename-regex='\.(h|inc)$')
    (cd "$obj" && "$FUZZ_LLVM_BIN/llvm-cov" report "${cov[@]}") \
        > "$work/coverage/report-all.txt"
    (cd "$obj" && "$FUZZ_LLVM_BIN/llvm-cov" show -format=html \
        -output-dir="$work/coverage/html" "${cov[@]}")
    (cd "$obj" && "$FUZZ_LLVM_BIN/llvm-cov" export -summary-only "${cov[@]}") |
        python3 -c '
import json, os, sys
fork = {os.path.basename(f) for f in sys.argv[1:]}
rows = []
for f in json.load(sys.stdin)["data"][0]["files"]:
    name = os.path.basename(f["filename"])
    if name in fork or name.startswith("spapr_nested"):
        s = f["summary"]
        rows.append((name, s["lines"], s["branches"]))
print("%-28s %16s %16s" % ("file", "lines", "branches"))
for name, l, b in sorted(rows):
    print("%-28s %6d/%-5d %3.0f%% %6d/%-5d %3.0f%%" % (name, l["covered"],
          l["count"], l["percent"], b["covered"], b["count"], b["percent"]))
' "$FORK_ROOT"/hw/ppc/*.c | tee "$work/coverage/report.txt"
    msg "coverage: $work/coverage/report.txt, $work/coverage/html/index.html" ;;
*) die "usage: fuzz.sh run|replay|merge|coverage|seeds [options]" ;;
esac
