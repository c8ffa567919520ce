#!/usr/bin/env bash
# The fork's main job, under TCG with the fork's qemu-system-ppc64 as the
# host (L0), on a Power11 CPU in Power10 compatibility mode:
#   1. boot Debian's ppc64el kernel and report what the guest saw;
#   2. nested KVM, three levels: that guest (L1) loads kvm-hv and runs a
#      qemu-system-ppc64 with KVM for its own guest (L2), first Debian's
#      own (upstream, unfixed: the failure PowerVM shows), then the fork's,
#      cross-built for ppc64le (the fix), with Debian 13's kernel (Linux
#      6.12) in the L1, whose KVM cannot tell QEMU the host's modes; then
#      the fork's again with Linux 7.3 in the L1, whose KVM can;
# and end with a verdict.  Exits non-zero when the guest of 1 or the L2 of
# the fix does not run in Power10 mode.  Needs the fork built and
# cross-built ('make run' does both).  FORK_RUN_L0 names another L0
# binary (make run-sanitized: the ASan + UBSan build); its reports, like
# any QEMU message, end in the console logs, and a report fails the run.
# shellcheck source=scripts/fork/lib.sh
. "$(dirname "$0")/lib.sh"

qemu=${FORK_RUN_L0:-$FORK_BUILD/fork/obj/qemu-system-ppc64}
l1_qemu=$FORK_BUILD/cross/obj/qemu-system-ppc64
[ -x "$qemu" ] || die "no $qemu: run 'make' first"
[ -f "$l1_qemu" ] || die "no $l1_qemu: run 'make cross' first"
"$FORK_ROOT/scripts/fork/guest-assets.sh" > /dev/null
# shellcheck source=/dev/null
. "$FORK_CACHE/guest/assets.env"

out=$FORK_BUILD/run
[ -z "${FORK_RUN_L0:-}" ] || out=$FORK_BUILD/run-sanitized
# The sanitizer build stops at its first report (see fuzz.sh).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LLVM_PROFILE_FILE=${LLVM_PROFILE_FILE:-/dev/null}
mkdir -p "$out"
status=0

# level CONSOLE: which guest of a nested run the console shows now (the
# L2 from the L1 QEMU's start to its exit); nothing when not nested
nested_run=0
level() {
    if [ "$nested_run" = 0 ]; then :
    elif grep -a -q '^FORK-L1: qemu-exit=' "$1"; then echo L1
    elif grep -a -q '^FORK-L1: qemu-args=' "$1"; then echo L2
    else echo L1
    fi
}

# boot NAME ARG...: the fork's qemu-system-ppc64 with ARGs, its console in
# $out/NAME-console.log and its log (-D) in $out/NAME-l0.log, showing the
# last console line every 2 s.  Sets rc (the exit status) and secs.
boot() {
    local name=$1 console last start pid
    shift
    console=$out/$name-console.log
    rm -f "$out/$name-l0.log"
    start=$SECONDS
    timeout 400 "$qemu" "$@" -d guest_errors,unimp -D "$out/$name-l0.log" \
        < /dev/null > "$console" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2> /dev/null; do
        sleep 2
        last=$(tr -d '\r' < "$console" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' |
            grep -a -v '^ *$' | tail -n 1 | cut -c1-66)
        printf '    %3ds %-3s %s\n' $((SECONDS - start)) "$(level "$console")" \
            "$last" >&2
    done
    wait "$pid" && rc=0 || rc=$?
    secs=$((SECONDS - start))
    touch "$out/$name-l0.log"
}

# marker NAME PREFIX KEY: the value of the first "PREFIX: KEY=value" line
# of NAME's console
marker() {
    tr -d '\r' < "$out/$1-console.log" | sed -n "s/^$2: $3=//p" | head -n 1
}

## 1. One level

# shellcheck disable=SC2054 # the commas are QEMU's
args=(-M pseries,max-cpu-compat=power10 -cpu power11 -smp 2 -m 1G
      -accel tcg,thread=multi -nographic -vga none -no-reboot
      -kernel "$KERNEL" -initrd "$INITRD" -append "console=hvc0 panic=-1")
msg "booting Debian's $KERNEL_VERSION kernel: qemu-system-ppc64 ${args[*]:0:8}"
boot pseries "${args[@]}"
cpu=$(marker pseries FORK-GUEST cpu)
version=$(marker pseries FORK-GUEST cpu-version)
echo
echo "verdict (console log: $out/pseries-console.log):"
echo "  QEMU exit status: $rc, after $secs s"
echo "  guest CPU:        ${cpu:-none seen}"
echo "  cpu-version:      ${version:-none seen}"
if [ "$rc" = 0 ] && [ "$version" = 0f000006 ]; then
    echo "  => the guest runs as Power10 (architected) on a Power11 CPU"
else
    echo "  => FAILED: the guest did not come up in Power10 mode"
    status=1
fi
echo

## 2. Nested KVM

msg "preparing the L1: Debian's $L1_DEBIAN_QEMU_PACKAGE and the fork's cross build, each in an initramfs"
nested_l1_assets || die "cannot prepare the nested scenario's L1 (above)"
# shellcheck source=/dev/null
. "$FORK_L1/assets.env"

nested_run=1
# shellcheck disable=SC2054 # the commas are QEMU's
l0=(-M pseries,cap-nested-papr=on,max-cpu-compat=power10,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
    -cpu power11 -smp 2 -m 2G -accel tcg,thread=multi -nographic -vga none
    -no-reboot -append "console=hvc0 panic=-1")

# nested NAME WHAT INITRD [KERNEL]: boot the L1 INITRD (on KERNEL, the
# boot tests' by default) under the fork, and print the key lines: L1
# kernel and mode, the L1 QEMU's messages but warnings, L2 mode, and the
# errors: kvm-hv's in the L1, and what the L0 logged of requests it did
# not handle (but H_GET_PERF_COUNTER_INFO, 0xf080, which the L1 kernel
# probes at any boot, and H_PIC, 0xf8, which Linux 7.3 calls).  Sets
# l2_version and errors (a count).
nested() {
    local name=$1 what=$2 initrd=$3 kernel=${4:-$KERNEL} killed
    msg "nested KVM, $what: qemu-system-ppc64 ${l0[*]:0:6}"
    boot "$name" "${l0[@]}" -kernel "$kernel" -initrd "$initrd"
    l2_version=$(marker "$name" FORK-GUEST cpu-version)
    killed=$(marker "$name" FORK-L1 qemu-killed)
    echo "  $what"
    echo "  (console log: $out/$name-console.log, $secs s):"
    echo "    L1 kernel: $(marker "$name" FORK-L1 kernel | cut -d' ' -f1-3)"
    echo "    L1:        $(marker "$name" FORK-L1 cpu), cpu-version" \
        "$(marker "$name" FORK-L1 cpu-version), kvm-hv" \
        "$(marker "$name" FORK-L1 kvm-hv)"
    tr -d '\r' < "$out/$name-console.log" |
        grep -a '^qemu-system-ppc64: ' | grep -v ': warning: ' |
        sed 's/^/    L1 QEMU:   /' || true
    echo "    L1 QEMU:   exit status $(marker "$name" FORK-L1 qemu-exit)${killed:+ (killed: it stopped at a KVM error)}"
    if [ -n "$l2_version" ]; then
        echo "    L2:        $(marker "$name" FORK-GUEST cpu), cpu-version $l2_version"
    else
        echo "    L2:        never started"
    fi
    {
        tr -d '\r' < "$out/$name-console.log" |
            sed -n 's/^FORK-L1: dmesg: \(.*\(KVM-NESTEDv2\|failed\).*\)/L1 dmesg:  \1/p'
        grep -i -E 'unknown|unimplemented|element|h_guest' "$out/$name-l0.log" |
            grep -v -E 'Unimplemented SPAPR hcall 0x0*(f080|f8)$' | sort | uniq -c |
            sed 's/^ *\([0-9]*\) /L0 log:    (x\1) /' || true
    } > "$out/$name-errors"
    errors=$(wc -l < "$out/$name-errors")
    if [ "$errors" = 0 ]; then
        echo "    errors:    none (L1 dmesg, L0 log)"
    else
        sed 's/^/    /' "$out/$name-errors"
    fi
}

# fixed NAME SOURCE WHERE: the verdict on a run of the fork's L1 QEMU,
# which must have learnt the host's modes from SOURCE (as its message
# names it; WHERE, for people) and given the newest to its L2
fixed() {
    if [ "$l2_version" = 0f000006 ] && [ "$errors" = 0 ] &&
       [ "$(marker "$1" FORK-L1 qemu-exit)" = 0 ] &&
       grep -a -q "compatibility modes power9, power10 (from $2)" \
           "$out/$1-console.log"; then
        echo "    => fixed: the L2 runs as Power10 (architected), as its host"
        echo "       does, which the L1 QEMU learnt from $3"
    else
        echo "    => FAILED: the L2 did not run in Power10 mode without errors,"
        echo "       with the host's modes from $3"
        status=1
    fi
}

# Linux 7.3 comes from Debian experimental, which drops a kernel once a
# newer one arrives: without it, that run is left out, saying so.
if ! nested_new_l1_assets > "$out/linux73-assets.log" 2>&1; then
    warn "cannot prepare the L1 with Linux 7.3 (see $out/linux73-assets.log)"
fi
# shellcheck source=/dev/null
. "$FORK_L1/assets.env"

{
    nested nested-debian \
        "reproduction, Debian's qemu-system-ppc64 $L1_DEBIAN_QEMU_VERSION in the L1" \
        "$L1_DEBIAN_INITRD"
    if [ -z "$l2_version" ] &&
       grep -q "couldn't set guest wide elements" "$out/nested-debian-errors"; then
        echo "    => reproduced: the L1 QEMU asked for a Power11 L2, which the L0 refused, as PowerVM does"
    else
        echo "    => NOT reproduced: the L0 did not refuse the L2 as PowerVM would"
    fi
    nested nested-fork "fix, the fork's qemu-system-ppc64 in the L1" "$L1_FORK_INITRD"
    fixed nested-fork "device tree" "the device tree"
    if [ -n "${L1_FORK_EXPERIMENTAL_INITRD:-}" ]; then
        nested nested-fork-linux73 \
            "fix, the fork's qemu-system-ppc64 in an L1 that runs Linux 7.3" \
            "$L1_FORK_EXPERIMENTAL_INITRD" "$L1_FORK_EXPERIMENTAL_KERNEL"
        fixed nested-fork-linux73 KVM_PPC_GET_COMPAT_CAPS \
            "KVM (KVM_PPC_GET_COMPAT_CAPS)"
    else
        echo "  fix with Linux 7.3 in the L1: not run, Linux 7.3 cannot be had"
        echo "    from Debian experimental now (see $out/linux73-assets.log)"
    fi
} > "$out/nested-verdict"
echo
echo "verdict, nested KVM: a Power11 CPU in Power10 mode (L1) runs QEMU with"
echo "KVM for an L2, through PowerVM's nested API (v2) of the fork's L0:"
cat "$out/nested-verdict"
reports=$(grep -a -l -E 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' \
    "$out"/*-console.log || true)
if [ -n "$reports" ]; then
    echo
    echo "sanitizer reports of the L0, in: $reports"
    status=1
elif [ -n "${FORK_RUN_L0:-}" ]; then
    echo
    echo "L0 $qemu: no sanitizer report in any run"
fi
exit "$status"
