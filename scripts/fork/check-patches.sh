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
check "$UPSTREAM_QUEUE/ applies on $UPSTREAM_TARBALL" \
    "$FORK_ROOT/scripts/fork/tree.sh" series --force "${tarball_arg[@]}"
if [ "$failed" != 0 ]; then
    echo "1..$n"
    exit 1
fi

reexport() {
    local tmp
    tmp=$(mktemp -d)
    export_series "$src" "$tmp"
    diff -ru -x series.builds "$FORK_PATCHES" "$tmp"
    local rc=$?
    rm -rf "$tmp"
    return $rc
}
check "refreshing reproduces $UPSTREAM_QUEUE/ byte for byte" reexport

checkpatch=$src/scripts/checkpatch.pl
while read -r p; do
    check "checkpatch: $UPSTREAM_QUEUE/$p" \
        perl "$checkpatch" --no-tree --terse "$FORK_PATCHES/$p"
done < <(series_list)
while read -r f; do
    case $f in
    # Relative paths: checkpatch's rules depend on where a file lives.
    *.c|*.h) check "checkpatch: $f" \
                 bash -c 'cd "$1" && perl "$2" --no-tree --terse -f "$3"' \
                 - "$FORK_ROOT" "$checkpatch" "$f" ;;
    esac
done < <(fork_files)

# A build proves a commit of the series once: the same tree, the same fork
# files its build read and the same build setup build the same.  Each
# commit that builds gets a line in the queue's series.builds: its tree,
# the digest of the setup and of the fork files its build read (sources
# and headers from ninja's dependency log, meson files and inputs from
# build.ninja), and those files.  The file is committed with the queue, so
# that a clean checkout knows it too: a later run, on any machine, where
# all of those are unchanged does not build that commit again.
builds=$FORK_PATCHES/series.builds
setup_digest=$( { cat "$FORK_ROOT/scripts/fork/build.sh" \
                    "$FORK_ROOT/scripts/fork/pins.sh"; gcc --version; } |
               sha256sum | cut -d' ' -f1)
# files_digest < LIST: of the setup and the fork files named in LIST
files_digest() {
    { echo "$setup_digest"
      while read -r f; do
          echo "$f $(sha256sum < "$FORK_ROOT/$f" 2> /dev/null || echo gone)"
      done; } | sha256sum | cut -d' ' -f1
}
# record_build TREE: the fork files the series build just read
record_build() {
    local obj=$FORK_BUILD/series/obj files
    files=$({ ninja -C "$obj" -t deps; cat "$obj/build.ninja"; } |
        grep -o '\.\./src/[^ :$]*' | sed 's|^\.\./src/||' | sort -u |
        comm -12 - <(fork_files | sort))
    { grep -v "^$1 " "$builds" 2> /dev/null
      echo "$1 $(files_digest <<< "$files") $(tr '\n' ' ' <<< "$files")"; } |
        sort > "$builds.new"
    mv "$builds.new" "$builds"
}
built_before() {
    local line
    line=$(grep "^$1 " "$builds" 2> /dev/null) || return 1
    # shellcheck disable=SC2086 # the line's fields
    set -- $line
    local digest=$2
    shift 2
    [ "$(printf '%s\n' "$@" | files_digest)" = "$digest" ]
}

# What each commit must build: what make check's suites run on the tree
series_suites=(unit qtest-ppc64 func-ppc64)
if [ "$build" = 1 ]; then
    trees=()
    head=$(git_quiet -C "$src" rev-parse HEAD)
    for c in $(git_quiet -C "$src" rev-list --reverse upstream..HEAD); do
        subject=$(git_quiet -C "$src" log -1 --format=%s "$c")
        tree=$(git_quiet -C "$src" rev-parse "$c^{tree}")
        trees+=("$tree")
        if built_before "$tree"; then
            ok "builds on its own: $subject (built before, $UPSTREAM_QUEUE/series.builds: same tree, fork files and setup)"
            continue
        fi
        git_quiet -C "$src" checkout -q --detach "$c"
        msg "series: building '$subject'"
        if suite_build series "${series_suites[@]}" 2>&1 |
                ninja_progress | sed 's/^/# /'; then
            ok "builds on its own: $subject"
            record_build "$tree"
        else
            not_ok "builds on its own: $subject"
        fi
    done
    git_quiet -C "$src" checkout -q --detach "$head"
    # only the commits of this queue
    if [ -f "$builds" ]; then
        awk 'NR == FNR { keep[$1]; next } $1 in keep' \
            <(printf '%s\n' "${trees[@]}") "$builds" > "$builds.new"
        mv "$builds.new" "$builds"
    fi
fi

# The queue's size against upstream: what every rebase has to carry
upstream_lines() {
    local added removed path a=0 r=0 files=0 new=0 new_lines=0
    while read -r added removed path; do
        [ "$added" != - ] || continue   # a binary file
        if git_quiet -C "$src" cat-file -e "upstream:$path" 2> /dev/null; then
            files=$((files + 1)) a=$((a + added)) r=$((r + removed))
        else
            new=$((new + 1)) new_lines=$((new_lines + added))
        fi
    done < <(git_quiet -C "$src" diff --numstat upstream "$head")
    echo "# the queue on QEMU $UPSTREAM_VERSION: $(series_list | wc -l)" \
        "patches change $files upstream files (+$a -$r lines) and add" \
        "$new files ($new_lines lines)"
}
head=$(git_quiet -C "$src" rev-parse HEAD)
upstream_lines

# subjects QUEUE: the subjects of a queue's patches
subjects() {
    local p
    grep -v -e '^#' -e '^[[:space:]]*$' "$1/series" | while read -r p; do
        sed -n 's/^Subject: \[PATCH\] //p' "$1/$p" | head -n 1
    done | sort
}
# The other upstreams' queues: what this one has that they lack, and back
for other in $UPSTREAMS; do
    [ "$other" != "$FORK_UPSTREAM" ] || continue
    queue=$FORK_ROOT/$(FORK_UPSTREAM=$other && . "$FORK_ROOT/scripts/fork/pins.sh" &&
                       echo "$UPSTREAM_QUEUE")
    [ -f "$queue/series" ] || { echo "# upstream $other has no queue yet"; continue; }
    drift=$(comm -3 <(subjects "$FORK_PATCHES") <(subjects "$queue"))
    if [ -z "$drift" ]; then
        echo "# the queues of $FORK_UPSTREAM and $other hold the same patches"
    else
        echo "# the queues of $FORK_UPSTREAM and $other drift apart (left: only in $FORK_UPSTREAM's, indented: only in $other's):"
        # shellcheck disable=SC2001
        echo "$drift" | sed 's/^/#   /'
    fi
done
echo "1..$n"
[ "$failed" = 0 ]
