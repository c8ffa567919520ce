#!/usr/bin/env bash
# The fork's main job: boot Debian's ppc64el kernel on a pseries machine
# under TCG with the fork's qemu-system-ppc64 (a Power11 CPU in Power10
# compatibility mode) and report what the guest saw.
. "$(dirname "$0")/lib.sh"

qemu=$FORK_BUILD/fork/obj/qemu-system-ppc64
[ -x "$qemu" ] || die "no $qemu: run 'make' first"
"$FORK_ROOT/scripts/fork/guest-assets.sh" > /dev/null
# shellcheck source=/dev/null
. "$FORK_CACHE/guest/assets.env"

out=$FORK_BUILD/run
mkdir -p "$out"
console=$out/pseries-console.log
args=(-M pseries,max-cpu-compat=power10 -cpu power11 -smp 2 -m 1G
      -accel tcg,thread=multi -nographic -vga none -no-reboot
      -kernel "$KERNEL" -initrd "$INITRD" -append "console=hvc0 panic=-1")
msg "booting Debian's $KERNEL_VERSION kernel: qemu-system-ppc64 ${args[*]:0:8}"
start=$SECONDS
timeout 300 "$qemu" "${args[@]}" < /dev/null > "$console" 2>&1 &
pid=$!
while kill -0 "$pid" 2> /dev/null; do
    sleep 3
    last=$(tr -d '\r' < "$console" | grep -a -v '^$' | tail -n 1 | cut -c1-70)
    printf '    %3ds  %s\n' $((SECONDS - start)) "$last" >&2
done
wait "$pid" && rc=0 || rc=$?

marker() { tr -d '\r' < "$console" | sed -n "s/^FORK-GUEST: $1=//p" | head -n 1; }
cpu=$(marker cpu)
version=$(marker cpu-version)
echo
echo "verdict (console log: $console):"
echo "  QEMU exit status: $rc, after $((SECONDS - start)) s"
echo "  guest CPU:        ${cpu:-none seen}"
echo "  cpu-version:      ${version:-none seen}"
if [ "$rc" = 0 ] && [ "$version" = 0f000006 ]; then
    echo "  => the guest runs as Power10 (architected) on a Power11 CPU"
else
    echo "  => FAILED: the guest did not come up in Power10 mode"
    exit 1
fi
