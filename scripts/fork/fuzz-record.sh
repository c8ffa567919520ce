#!/usr/bin/env bash
# Record what a real Linux L1 sends the L0 for one L2's boot, on each
# nested API, and turn it into seeds of the hypercall fuzzer.
#
# The nested scenario of make run (the fork's L1 QEMU, Debian 13's kernel in
# the L1) boots once on an L0 with the PAPR nested API (v2) and once on one
# with nested-HV alone (v1), the L0 under the recording plugin
# (tests/qtest/fuzz/spapr_hcall_record_plugin.c).  fuzz-record.py writes the
# records as inputs into tests/qtest/fuzz/spapr-hcall-corpus/recorded.
# Needs the fork built and cross-built (make, make cross).
# shellcheck source=scripts/fork/lib.sh
. "$(dirname "$0")/lib.sh"

qemu=$FORK_BUILD/fork/obj/qemu-system-ppc64
out=$FORK_BUILD/record
plugin=$out/libspapr-hcall-record.so
seeds=$FORK_ROOT/tests/qtest/fuzz/spapr-hcall-corpus/recorded
[ -x "$qemu" ] || die "no $qemu: run 'make' first"
[ -f "$FORK_BUILD/cross/obj/qemu-system-ppc64" ] || die "run 'make cross' first"
mkdir -p "$out"

# shellcheck disable=SC2046 # pkg-config's words
cc -O2 -Wall -Wextra -Wno-unused-parameter -Werror -shared -fPIC \
    $(pkg-config --cflags glib-2.0) -I"$FORK_BUILD/fork/src/include/qemu" \
    "$FORK_ROOT/tests/qtest/fuzz/spapr_hcall_record_plugin.c" \
    -o "$plugin" $(pkg-config --libs glib-2.0) ||
    die "cannot build the recording plugin"

"$FORK_ROOT/scripts/fork/guest-assets.sh" > /dev/null
# shellcheck source=/dev/null
. "$FORK_CACHE/guest/assets.env"
nested_l1_assets || die "cannot prepare the nested scenario's L1"
# shellcheck source=/dev/null
. "$FORK_L1/assets.env"

# record NAME MACHINE CPU: one nested boot under the plugin; the L2 must
# have booted (its marker on the console) for the record to count.
record() {
    local name=$1 machine=$2 cpu=$3
    msg "recording $name: -M $machine -cpu $cpu (a nested boot, some minutes)"
    timeout 900 "$qemu" -M "$machine,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off" \
        -cpu "$cpu" -smp 2 -m 2G -accel tcg,thread=multi -nographic -vga none \
        -no-reboot -append "console=hvc0 panic=-1" \
        -kernel "$KERNEL" -initrd "$L1_FORK_INITRD" \
        -plugin "$plugin,out=$out/$name.record" \
        < /dev/null > "$out/$name-console.log" 2>&1 ||
        die "$name: the L0 failed (see $out/$name-console.log)"
    grep -a -q '^FORK-GUEST: cpu-version=' "$out/$name-console.log" ||
        die "$name: the L2 did not boot (see $out/$name-console.log)"
    "$FORK_ROOT/scripts/fork/fuzz-record.py" "$out/$name.record" "$seeds" \
        "$name"
}

rm -rf "$seeds"
mkdir -p "$seeds"
record v2-linux6.12 pseries,cap-nested-papr=on,max-cpu-compat=power10 power11
record v1-linux6.12 pseries,cap-nested-hv=on power10
msg "seeds in $seeds"
