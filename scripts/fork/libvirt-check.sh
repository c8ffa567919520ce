#!/usr/bin/env bash
# The libvirt suite (TAP): Debian's libvirt daemon drives the fork's
# installed qemu-system-ppc64, as users run it.
#
# It installs libvirt's daemon, client and QEMU driver through
# host-deps.sh, then starts its own virtlogd and libvirtd in a private
# mount namespace: libvirt's configuration, runtime, state, cache and log
# folders, and the passwd and group files (where the QEMU driver looks up
# its "libvirt-qemu" user), are folders of build/libvirt mounted over the
# system's, so no system service or file is touched, and both daemons are
# stopped on the way out, whatever happened.  Root is needed (libvirt's
# system instance and the mount namespace); systemd and D-Bus are not.
#
# The domains are docs/system/ppc/libvirt/*.xml, the documentation's own
# examples, with their @NAME@ filled in.  Usage: libvirt-check.sh
. "$(dirname "$0")/lib.sh"

LIBVIRT_PACKAGES="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients"
# One boot of the test guest under TCG: about 10 s here
BOOT_TIMEOUT=120

work=$FORK_BUILD/libvirt
xml_dir=$FORK_ROOT/docs/system/ppc/libvirt

if [ "${1:-}" != --inside ]; then
    n=0
    if [ "$(id -u)" != 0 ]; then
        echo "not ok 1 - libvirt: run as root (libvirt's system daemon, a" \
            "mount namespace)"
        exit 1
    fi
    FORK_EXTRA_PACKAGES=$LIBVIRT_PACKAGES "$FORK_ROOT/scripts/fork/host-deps.sh" \
        > /dev/null || { echo "not ok 1 - libvirt: install $LIBVIRT_PACKAGES"; exit 1; }
    echo "ok 1 - libvirt: $LIBVIRT_PACKAGES installed"
    [ -x "$FORK_BUILD/baseline/obj/qemu-system-ppc64" ] ||
        die "no baseline build: scripts/fork/check.sh builds it"
    # The fork as users install it, and the guest the boot tests boot
    rm -rf "$work"
    mkdir -p "$work"
    "$FORK_ROOT/scripts/fork/install.sh" "$work/prefix" 2> /dev/null ||
        { echo "not ok 2 - libvirt: make install"; exit 1; }
    echo "ok 2 - libvirt: the fork installed in $work/prefix"
    exec unshare --mount --propagation private "$0" --inside
fi

# --- inside the mount namespace: the daemons, then the tests ------------
n=2
failed=0
pass() { n=$((n + 1)); echo "ok $n - libvirt: $1"; }
fail() {
    n=$((n + 1)); failed=$((failed + 1))
    echo "not ok $n - libvirt: $1"
    [ -f "$work/out" ] && sed 's/^/# /' "$work/out" | tail -n 15
}
check() {
    local what=$1
    shift
    if "$@" > "$work/out" 2>&1; then pass "$what"; else fail "$what"; fi
}

state=$work/state
mkdir -p "$state"/{etc,run,lib,log,cache}
cp -a /etc/libvirt/. "$state/etc/"
cat > "$state/etc/qemu.conf" <<'CONF'
# The test's own: QEMU runs as root, with no security driver to relabel
# the fork's files
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
CONF
cp /etc/passwd /etc/group "$state/"
grep -q '^libvirt-qemu:' "$state/passwd" ||
    echo 'libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin' >> "$state/passwd"
grep -q '^libvirt-qemu:' "$state/group" || echo 'libvirt-qemu:x:64055:' >> "$state/group"
grep -q '^kvm:' "$state/group" || echo 'kvm:x:64056:' >> "$state/group"
mkdir -p /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
mount --bind "$state/passwd" /etc/passwd
mount --bind "$state/group" /etc/group
mount --bind "$state/etc" /etc/libvirt
mount --bind "$state/run" /run
mount --bind "$state/lib" /var/lib/libvirt
mount --bind "$state/log" /var/log/libvirt
mount --bind "$state/cache" /var/cache/libvirt

# stop PIDFILE: SIGTERM, then SIGKILL if it is still there after 10 s
stop() {
    local pid
    pid=$(cat "$1" 2> /dev/null) || return 0
    kill "$pid" 2> /dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2> /dev/null || return 0
        sleep 0.2
    done
    kill -9 "$pid" 2> /dev/null || true
}

stop_daemons() {
    local name
    # the domains first, if a test left one running or defined
    for name in $("${virsh[@]}" list --all --name 2> /dev/null); do
        "${virsh[@]}" destroy "$name" > /dev/null 2>&1 || true
        "${virsh[@]}" undefine "$name" > /dev/null 2>&1 || true
    done
    stop /run/libvirtd.pid
    stop /run/virtlogd.pid
    pkill -9 -f "$work/prefix/bin/qemu-system-ppc64" 2> /dev/null || true
}
virsh=(virsh -q -c qemu:///system)
trap stop_daemons EXIT
virtlogd -d
libvirtd -d
for _ in $(seq 50); do
    [ -S /run/libvirt/libvirt-sock ] && break
    sleep 0.2
done
check "libvirtd and virtlogd run in their own folders" "${virsh[@]}" list --all

fork_qemu=$work/prefix/bin/qemu-system-ppc64
baseline_qemu=$FORK_BUILD/baseline/obj/qemu-system-ppc64

# domcapabilities of a binary, its own path and machine type taken out
domcaps() {
    "${virsh[@]}" domcapabilities --emulatorbin "$1" --arch ppc64 \
        --machine pseries --virttype qemu > "$work/domcaps-$2.xml" || return 1
    sed -e '/<path>/d' -e '/<machine>/d' "$work/domcaps-$2.xml"
}
if domcaps "$fork_qemu" fork > "$work/fork.caps" 2> "$work/out" &&
   grep -q '<machine>pseries-fork-10.0</machine>' "$work/domcaps-fork.xml" &&
   grep -q "POWER10</model>" "$work/domcaps-fork.xml"; then
    pass "domcapabilities: the fork's pseries is pseries-fork-10.0, POWER10"
else
    fail "domcapabilities: the fork's pseries is pseries-fork-10.0, POWER10"
fi
if domcaps "$baseline_qemu" baseline > "$work/baseline.caps" 2> "$work/out" &&
   grep -q '<machine>pseries-10.0</machine>' "$work/domcaps-baseline.xml" &&
   diff -u "$work/baseline.caps" "$work/fork.caps" > "$work/out"; then
    pass "domcapabilities: fork and upstream differ in the machine type only"
else
    fail "domcapabilities: fork and upstream differ in the machine type only"
fi

guest_env=$FORK_CACHE/guest/assets.env
kernel=$(sed -n 's/^KERNEL=//p' "$guest_env" 2> /dev/null)
initrd=$(sed -n 's/^INITRD=//p' "$guest_env" 2> /dev/null)
l1_env=$FORK_L1/assets.env
l1_initrd=$(sed -n 's/^L1_DEBIAN_INITRD=//p' "$l1_env" 2> /dev/null)

# define NAME XML [KERNEL-ARG]: the domain of docs' XML file, filled in
define() {
    local name=$1 xml=$xml_dir/$2 arg=${3:+ $3}
    sed -e "s|@NAME@|$name|g" -e "s|@EMULATOR@|$fork_qemu|g" \
        -e "s|</cmdline>|$arg</cmdline>|" \
        -e "s|@KERNEL@|$kernel|g" -e "s|@INITRD@|$initrd|g" \
        -e "s|@L1_INITRD@|$l1_initrd|g" \
        -e "s|@CONSOLE_LOG@|$work/$name-console.log|g" "$xml" > "$work/$name.xml"
    rm -f "$work/$name-console.log"
    "${virsh[@]}" define "$work/$name.xml"
}

shut_off() {
    [ "$("${virsh[@]}" domstate "$1" 2> /dev/null)" = "shut off" ]
}

# booted NAME: the guest of NAME printed its last line and powered off
booted() {
    local log=$work/$1-console.log
    for _ in $(seq $((BOOT_TIMEOUT * 5))); do
        grep -q '^FORK-GUEST: done' "$log" 2> /dev/null && break
        sleep 0.2
    done
    grep -q '^FORK-GUEST: done' "$log" 2> /dev/null || return 1
    for _ in $(seq 100); do
        shut_off "$1" && return 0
        sleep 0.2
    done
    return 1
}

# held NAME: the guest of NAME booted, and waits (fork.hold)
held() {
    for _ in $(seq $((BOOT_TIMEOUT * 5))); do
        grep -q '^FORK-GUEST: holding' "$work/$1-console.log" 2> /dev/null &&
            return 0
        sleep 0.2
    done
    return 1
}

# powered_off NAME: shut off within 60 s
powered_off() {
    for _ in $(seq 300); do
        shut_off "$1" && return 0
        sleep 0.2
    done
    return 1
}

# boot NAME XML WHAT GREP: define, start, boot to its end, QEMU's command
# line (domain log) matching GREP, undefine
boot() {
    local name=$1 xml=$2 what=$3 want=$4
    if define "$name" "$xml" > "$work/out" 2>&1 &&
       "${virsh[@]}" start "$name" >> "$work/out" 2>&1 &&
       booted "$name" >> "$work/out" 2>&1 &&
       grep -q -e "$want" "/var/log/libvirt/qemu/$name.log" &&
       "${virsh[@]}" undefine "$name" >> "$work/out" 2>&1; then
        pass "$what"
    else
        cat "$work/$name-console.log" "/var/log/libvirt/qemu/$name.log" \
            >> "$work/out" 2> /dev/null
        fail "$what"
        "${virsh[@]}" destroy "$name" > /dev/null 2>&1 || true
        "${virsh[@]}" undefine "$name" > /dev/null 2>&1 || true
    fi
}

if [ -f "$kernel" ] && [ -f "$initrd" ]; then
    boot plain pseries-tcg.xml \
        "pseries TCG guest boots to its end, console in a file" \
        'machine pseries-fork-10.0'
    boot nested-hv pseries-nested-hv.xml \
        "nested-hv (features/nested-hv) boots" 'cap-nested-hv=on'
    boot nested-papr pseries-nested-papr.xml \
        "cap-nested-papr (qemu:commandline) boots" 'cap-nested-papr=on'
    boot nested-both pseries-nested-both.xml \
        "both nested APIs boot" 'cap-nested-papr=on'

    # virsh shutdown asks QEMU for a power-down, which pseries passes to
    # the guest as an EPOW event: its kernel powers off in order.
    if define down pseries-tcg.xml fork.hold > "$work/out" 2>&1 &&
       "${virsh[@]}" start down >> "$work/out" 2>&1 && held down &&
       "${virsh[@]}" shutdown down >> "$work/out" 2>&1 && powered_off down &&
       grep -q 'Power off requested' "$work/down-console.log"; then
        pass "virsh shutdown: the guest's kernel powers off (EPOW), shut off"
    else
        cat "$work/down-console.log" >> "$work/out" 2> /dev/null
        fail "virsh shutdown: the guest's kernel powers off (EPOW), shut off"
    fi
    rm -f "$work/down-console.log"
    if "${virsh[@]}" start down > "$work/out" 2>&1 && held down &&
       "${virsh[@]}" destroy down >> "$work/out" 2>&1 && shut_off down &&
       "${virsh[@]}" undefine down >> "$work/out" 2>&1 &&
       ! "${virsh[@]}" list --all --name | grep -q -x down; then
        pass "virsh destroy stops a running guest, undefine removes it"
    else
        fail "virsh destroy stops a running guest, undefine removes it"
    fi
    "${virsh[@]}" destroy down > /dev/null 2>&1 || true
    "${virsh[@]}" undefine down > /dev/null 2>&1 || true

    # The fork's own errors reach the libvirt user
    define refused pseries-nested-refused.xml > "$work/out" 2>&1 || true
    if ! "${virsh[@]}" start refused > "$work/start.out" 2>&1 &&
       grep -q 'nested-papr-heap-max must be at least' "$work/start.out" &&
       grep -q 'nested-papr-heap-max must be at least' \
           /var/log/libvirt/qemu/refused.log; then
        pass "a nested setting the fork refuses: virsh start says why, and the log"
    else
        cat "$work/start.out" >> "$work/out"
        fail "a nested setting the fork refuses: virsh start says why, and the log"
    fi
    "${virsh[@]}" undefine refused > /dev/null 2>&1 || true

    # save and restore a guest with both nested APIs, before it boots
    if define saved pseries-nested-both.xml > "$work/out" 2>&1 &&
       "${virsh[@]}" start --paused saved >> "$work/out" 2>&1 &&
       "${virsh[@]}" save saved "$work/saved.state" >> "$work/out" 2>&1 &&
       shut_off saved &&
       "${virsh[@]}" restore --running "$work/saved.state" >> "$work/out" 2>&1 &&
       booted saved >> "$work/out" 2>&1; then
        pass "virsh save and restore, both nested APIs on"
    else
        cat "$work/saved-console.log" >> "$work/out" 2> /dev/null
        fail "virsh save and restore, both nested APIs on"
    fi
    "${virsh[@]}" destroy saved > /dev/null 2>&1 || true
    "${virsh[@]}" undefine saved > /dev/null 2>&1 || true
    rm -f "$work/saved.state"
else
    fail "the boot tests' guest ($guest_env): run scripts/fork/guest-assets.sh"
fi

# blocked NAME: the L0 of NAME refuses migration for the L1's nested guests
blocked() {
    local _
    for _ in $(seq $((BOOT_TIMEOUT * 2))); do
        "${virsh[@]}" qemu-monitor-command "$1" \
            '{"execute": "query-migrate"}' 2> /dev/null |
            grep -q 'nested guests (L2) of the PAPR API' && return 0
        sleep 0.5
    done
    return 1
}

# An L1 whose QEMU holds its L2 (stopped): virsh save says why it cannot
if [ -f "$kernel" ] && [ -f "$l1_initrd" ]; then
    if define nested-l1 pseries-nested-l1.xml > "$work/out" 2>&1 &&
       "${virsh[@]}" start nested-l1 >> "$work/out" 2>&1 &&
       blocked nested-l1 &&
       ! "${virsh[@]}" save nested-l1 "$work/nested-l1.state" \
           > "$work/save.out" 2>&1 &&
       grep -q 'nested guests (L2) of the PAPR API' "$work/save.out" &&
       [ "$("${virsh[@]}" domstate nested-l1)" = running ]; then
        pass "an L1 with a PAPR API L2: virsh save refused, saying why; it runs on"
    else
        cat "$work/save.out" "$work/nested-l1-console.log" >> "$work/out" 2> /dev/null
        fail "an L1 with a PAPR API L2: virsh save refused, saying why; it runs on"
    fi
    "${virsh[@]}" destroy nested-l1 > /dev/null 2>&1 || true
    "${virsh[@]}" undefine nested-l1 > /dev/null 2>&1 || true
    rm -f "$work/nested-l1.state"
else
    fail "the nested tests' L1 ($l1_env): run scripts/fork/l1-assets.sh debian"
fi

stop_daemons
trap - EXIT
if pgrep -f "$work/prefix/bin/qemu-system-ppc64" > /dev/null ||
   pgrep -x libvirtd > /dev/null || pgrep -x virtlogd > /dev/null; then
    fail "nothing is left running"
else
    pass "nothing is left running"
fi
echo "1..$n"
[ "$failed" = 0 ]
