#!/usr/bin/env bash
# The patch queue's own suite, in TAP: the queue applies on the pinned
# tarball, refreshing it reproduces it byte for byte, every patch and
# every C file of the fork passes upstream's checkpatch.pl, and every
# patch builds on its own (each commit of the series tree is built).
# Usage: check-patches.sh [--no-build]
. "$(dirname "$0")/lib.sh"
. "$FORK_ROOT/scripts/fork/tree-lib.sh"

build=1
[ "${1:-}" = --no-build ] && build=0
src=$FORK_BUILD/series/src
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {
    local what=$1
    shift
    if "$@" > "$FORK_BUILD/series/step.log" 2>&1; then
        ok "$what"
    else
        not_ok "$what"
        sed 's/^/# /' "$FORK_BUILD/series/step.log" | tail -n 40
    fi
}

mkdir -p "$FORK_BUILD/series"
tarball_arg=()
[ -n "${UPSTREAM_TARBALL_ARG:-}" ] && tarball_arg=("$UPSTREAM_TARBALL_ARG")
check "patches/ applies on $UPSTREAM_TARBALL" \
    "$FORK_ROOT/scripts/fork/tree.sh" series --force "${tarball_arg[@]}"
if [ "$failed" != 0 ]; then
    echo "1..$n"
    exit 1
fi

reexport() {
    local tmp
    tmp=$(mktemp -d)
    export_series "$src" "$tmp"
    diff -ru "$FORK_ROOT/patches" "$tmp"
    local rc=$?
    rm -rf "$tmp"
    return $rc
}
check "refreshing reproduces patches/ byte for byte" reexport

checkpatch=$src/scripts/checkpatch.pl
while read -r p; do
    check "checkpatch: patches/$p" \
        perl "$checkpatch" --no-tree --terse "$FORK_ROOT/patches/$p"
done < <(series_list)
while read -r f; do
    case $f in
    # Relative paths: checkpatch's rules depend on where a file lives.
    *.c|*.h) check "checkpatch: $f" \
                 bash -c 'cd "$1" && perl "$2" --no-tree --terse -f "$3"' \
                 - "$FORK_ROOT" "$checkpatch" "$f" ;;
    esac
done < <(fork_files)

if [ "$build" = 1 ]; then
    head=$(git_quiet -C "$src" rev-parse HEAD)
    for c in $(git_quiet -C "$src" rev-list --reverse upstream..HEAD); do
        subject=$(git_quiet -C "$src" log -1 --format=%s "$c")
        git_quiet -C "$src" checkout -q --detach "$c"
        msg "series: building '$subject'"
        if "$FORK_ROOT/scripts/fork/build.sh" series 2>&1 |
                ninja_progress | sed 's/^/# /'; then
            ok "builds on its own: $subject"
        else
            not_ok "builds on its own: $subject"
        fi
    done
    git_quiet -C "$src" checkout -q --detach "$head"
fi
echo "1..$n"
[ "$failed" = 0 ]
