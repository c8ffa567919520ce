#!/usr/bin/env bash
# TAP tests of the fork's own scripts: bad input stops with one clear
# message and leaves nothing that looks complete; work in the build tree
# is never lost; a second setup needs no network.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/fork/pins.sh
. "$root/scripts/fork/pins.sh"
cache=${FORK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-power-fork}
tarball=$cache/upstream/$UPSTREAM_TARBALL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Nothing listens on port 9 of the loopback: "the network is down".
offline=http://127.0.0.1:9/debian

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out" | tail -n 15; }

# expect_failure NAME PATTERN COMMAND...: COMMAND fails, saying PATTERN.
expect_failure() {
    local name=$1 pattern=$2
    shift 2
    if "$@" > "$tmp/out" 2>&1; then
        fail "$name (it succeeded)"
    elif ! grep -q -E "$pattern" "$tmp/out"; then
        fail "$name (message does not say: $pattern)"
    else
        pass "$name"
    fi
}

# A copy of the project, so these tests never touch the real build tree
# or patches/.
copy=$tmp/project
mkdir -p "$copy"
(cd "$root" && git ls-files -co --exclude-standard | while read -r f; do
    [ -e "$f" ] && printf '%s\n' "$f"; done | cpio -pdm --quiet "$copy")

expect_failure "configure: --upstream-tarball that does not exist" \
    'no such file: /nonexistent/q.tar.xz' \
    "$copy/configure" --upstream-tarball=/nonexistent/q.tar.xz
[ ! -f "$copy/config.mak" ] && pass "  ... and no config.mak is left" ||
    fail "  ... and no config.mak is left"

printf 'not qemu\n' > "$tmp/bad.tar.xz"
expect_failure "configure: --upstream-tarball with the wrong checksum" \
    'sha256 differs' "$copy/configure" --upstream-tarball="$tmp/bad.tar.xz"

expect_failure "configure: unknown option" "unknown option '--frobnicate'" \
    "$copy/configure" --frobnicate

expect_failure "configure: an upstream that is not pinned" \
    "unknown upstream '9.9'" "$copy/configure" --upstream=9.9
[ ! -f "$copy/config.mak" ] && pass "  ... and no config.mak is left" ||
    fail "  ... and no config.mak is left"

# The fork's functional tests go where the upstream keeps ppc64's.
mkdir -p "$tmp/flat/tests/functional" "$tmp/per-target/tests/functional/ppc64"
touch "$tmp/per-target/tests/functional/ppc64/meson.build"
placed=$(
    # shellcheck source=scripts/fork/tree-lib.sh
    . "$copy/scripts/fork/tree-lib.sh"
    f=tests/functional/test_ppc64_pseries_nested.py
    echo "$(fork_file_place "$tmp/flat" "$f")" \
         "$(fork_file_place "$tmp/per-target" "$f")" \
         "$(fork_file_place "$tmp/per-target" tests/functional/nested_guest.py)")
if [ "$placed" = "tests/functional/test_ppc64_pseries_nested.py tests/functional/ppc64/test_pseries_nested.py tests/functional/nested_guest.py" ]; then
    pass "tree: functional tests linked where the upstream keeps ppc64's"
else
    echo "$placed" > "$tmp/out"
    fail "tree: functional tests linked where the upstream keeps ppc64's"
fi

# What a suite's tests run and depend on, from meson's introspection
obj=$tmp/obj
mkdir -p "$obj/meson-info"
cat > "$obj/meson-info/intro-tests.json" <<EOF
[{"name": "qom-test", "suite": ["qemu:qtest", "qemu:qtest-ppc64"],
  "cmd": ["$obj/tests/qtest/qom-test", "--tap"],
  "depends": ["emu@exe", "qom@exe"]},
 {"name": "test-x", "suite": ["qemu:unit"], "cmd": ["$obj/tests/unit/test-x"],
  "depends": ["x@exe"]},
 {"name": "fp-test", "suite": ["qemu:softfloat"], "cmd": ["$obj/tests/fp/fp-test"],
  "depends": ["fp@exe"]}]
EOF
cat > "$obj/meson-info/intro-targets.json" <<EOF
[{"id": "emu@exe", "filename": ["$obj/qemu-system-ppc64"]},
 {"id": "qom@exe", "filename": ["$obj/tests/qtest/qom-test"]},
 {"id": "x@exe", "filename": ["$obj/tests/unit/test-x"]},
 {"id": "fp@exe", "filename": ["$obj/tests/fp/fp-test"]},
 {"id": "dtb@cus", "filename": ["$obj/pc-bios/dtb/board.dtb"],
  "build_by_default": true},
 {"id": "rom@cus", "filename": ["$obj/pc-bios/optional.bin"],
  "build_by_default": false}]
EOF
targets=$("$copy/scripts/fork/suite-targets.py" "$obj" qtest-ppc64 unit | tr '\n' ' ')
if [ "$targets" = "pc-bios/dtb/board.dtb qemu-system-ppc64 tests/qtest/qom-test tests/unit/test-x " ]; then
    pass "build: a suite's targets are what its tests run and need, no more"
else
    echo "$targets" > "$tmp/out"
    fail "build: a suite's targets are what its tests run and need, no more"
fi
expect_failure "build: a suite that has no test" "no test in suites nope" \
    "$copy/scripts/fork/suite-targets.py" "$obj" nope

# The benchmark's split of an L2's kernel boot from spapr_nested_l2_time's
# stamped reports (console stamped from 100.0 s): vCPU 1 enters an L2
# first inside the window and counts from there; a report after init
# does not count.
if python3 - "$copy/scripts/fork" "$tmp" > "$tmp/out" 2>&1 <<'PY'
import os
import sys
sys.path.insert(0, sys.argv[1])
import bench
out = [
    (1.0, 'FORK-L1: qemu-args=-M pseries', 1.0),
    (1.2, '[    0.000000] Linux version 6.12', 2.0),
    (1.6, '[    1.500000] Run /init as init process', 4.0),
]
trace = os.path.join(sys.argv[2], 'split.trace')
with open(trace, 'w') as f:
    for at, rest in (
            (101.1, 'vCPU 0 l2_ns=100000000 thread_ns=900000000 exits=10'),
            (101.3, 'vCPU 0 l2_ns=600000000 thread_ns=1900000000 exits=30'),
            (101.4, 'vCPU 1 l2_ns=0 thread_ns=500000000 exits=0'),
            (101.5, 'vCPU 1 l2_ns=200000000 thread_ns=800000000 exits=1'),
            (101.7, 'vCPU 0 l2_ns=900000000 thread_ns=2900000000 exits=40')):
        f.write('4242@%d.%06d:spapr_nested_l2_time %s\n'
                % (int(at), round(at % 1 * 1e6), rest))
    f.write('4242@101.000000:another_event vCPU 0\n')
reports = bench.l2_time_reports(trace)
assert len(reports) == 5, reports
got = bench.l2_time_split(out, reports, 100.0)
want = {'cpu': 2.0, 'l2': 0.7, 'l1_same_threads': 0.6, 'other': 0.7,
        'exits': 21}
assert got and all(abs(got[k] - v) < 1e-9 for k, v in want.items()), got
assert bench.l2_time_split(out[:2], reports, 100.0) is None
assert bench.l2_time_split(out, reports[:1], 100.0) is None
PY
then
    pass "bench: an L2's kernel boot split between the L2, its L1 and the rest"
else
    fail "bench: an L2's kernel boot split between the L2, its L1 and the rest"
fi

mkdir -p "$tmp/cache1"
expect_failure "fetch: no network and nothing cached" \
    'run ./configure --upstream-tarball=PATH' \
    env FORK_CACHE="$tmp/cache1" DEBIAN_MIRROR=$offline \
    "$copy/scripts/fork/fetch-upstream.sh"
[ -z "$(find "$tmp/cache1/upstream" -type f 2> /dev/null)" ] &&
    pass "  ... and no tarball is left in the cache" ||
    fail "  ... and no tarball is left in the cache"

mkdir -p "$tmp/cache2/upstream"
printf 'truncated\n' > "$tmp/cache2/upstream/$UPSTREAM_TARBALL"
expect_failure "fetch: corrupt cached tarball is not used" \
    'is corrupt.*|cannot read' \
    env FORK_CACHE="$tmp/cache2" DEBIAN_MIRROR=$offline \
    "$copy/scripts/fork/fetch-upstream.sh"

expect_failure "host-deps: a package Debian does not have" \
    'could not install no-such-package-for-the-fork' \
    env FORK_EXTRA_PACKAGES=no-such-package-for-the-fork \
    "$copy/scripts/fork/host-deps.sh"

if [ -f "$tarball" ]; then
    # The tree of the copy: cached tarball, network off.
    export FORK_BUILD=$copy/build
    if DEBIAN_MIRROR=$offline "$copy/scripts/fork/tree.sh" fork \
            > "$tmp/out" 2>&1; then
        pass "tree: a second setup lays the tree offline from the cache"
    else
        fail "tree: a second setup lays the tree offline from the cache"
    fi
    src=$copy/build/fork/src
    commit() { git -C "$src" -c user.name=t -c user.email=t@t commit -q -a -s -m "$1" -m "Why: a test."; }

    printf '\n' >> "$src/VERSION"
    commit "test: a change made in the build tree"
    if "$copy/scripts/fork/tree.sh" fork > "$tmp/out" 2>&1 &&
       grep -q 'work not in patches/' "$tmp/out" &&
       git -C "$src" log -1 --format=%s | grep -q 'change made in the build'; then
        pass "tree: laying again keeps a commit not yet in patches/, and says so"
    else
        fail "tree: laying again keeps a commit not yet in patches/, and says so"
    fi
    before=$(wc -l < "$copy/patches/series")
    if "$copy/scripts/fork/refresh-patches.sh" > "$tmp/out" 2>&1 &&
       [ "$(wc -l < "$copy/patches/series")" = $((before + 1)) ] &&
       grep -q '^+$' "$copy/patches/$(tail -n 1 "$copy/patches/series")"; then
        pass "refresh: the build tree's commit becomes a patch"
    else
        fail "refresh: the build tree's commit becomes a patch"
    fi
    cp -r "$copy/patches" "$tmp/refreshed"
    "$copy/scripts/fork/tree.sh" fork --force > "$tmp/out" 2>&1
    "$copy/scripts/fork/refresh-patches.sh" > "$tmp/out" 2>&1
    rm -f "$src/.git/fork-series-digest"
    "$copy/scripts/fork/refresh-patches.sh" >> "$tmp/out" 2>&1
    if diff -r "$tmp/refreshed" "$copy/patches" > "$tmp/out" 2>&1; then
        pass "refresh: laying from patches/ and refreshing changes no byte"
    else
        fail "refresh: laying from patches/ and refreshing changes no byte"
    fi

    printf 'edit\n' >> "$src/VERSION"
    expect_failure "refresh: uncommitted edits are refused, not dropped" \
        'uncommitted edits' "$copy/scripts/fork/refresh-patches.sh"
    git -C "$src" checkout -q VERSION

    # patches/ moves on (as after a pull) while the tree also has work.
    printf 'x\n' >> "$src/VERSION"
    commit "test: more work"
    sed -i '$d' "$copy/patches/series"
    expect_failure "tree: tree and patches/ both changed: refused, work kept" \
        'holds work not in patches/, and patches/ changed too' \
        "$copy/scripts/fork/tree.sh" fork
    git -C "$src" log -1 --format=%s | grep -q 'more work' &&
        pass "  ... and the tree's commit is still there" ||
        fail "  ... and the tree's commit is still there"

    # With the tree unchanged since it was laid, new patches/ re-lay it.
    "$copy/scripts/fork/tree.sh" fork --force > "$tmp/out" 2>&1
    printf '0001-extra.patch\n' >> "$copy/patches/series"
    (cd "$src" && printf 'y\n' >> VERSION && commit "test: extra" &&
        git format-patch -q --zero-commit --no-signature -1 --stdout \
        > "$copy/patches/0001-extra.patch" && git reset -q --hard HEAD~1)
    if "$copy/scripts/fork/tree.sh" fork > "$tmp/out" 2>&1 &&
       git -C "$src" log -1 --format=%s | grep -q 'test: extra'; then
        pass "tree: new patches in patches/ are applied to an unchanged tree"
    else
        fail "tree: new patches in patches/ are applied to an unchanged tree"
    fi

    printf 'garbage\n' > "$copy/patches/0001-extra.patch"
    expect_failure "tree: a patch that does not apply is named" \
        'patches/0001-extra.patch does not apply' \
        "$copy/scripts/fork/tree.sh" fork --force
else
    echo "# $tarball is not cached: the build-tree tests need it (run ./configure)"
    n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - upstream tarball cached"
fi

echo "1..$n"
[ "$failed" = 0 ]
