# shellcheck shell=bash
# Build-tree helpers shared by tree.sh, refresh-patches.sh and
# check-series.sh.

# Commits made by the scripts must not depend on who runs them, so that
# the upstream commit and the patch commits are the same everywhere.
git_fixed() {
    GIT_AUTHOR_NAME=upstream GIT_AUTHOR_EMAIL=upstream@invalid \
    GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' \
    GIT_COMMITTER_NAME=qemu-power-fork GIT_COMMITTER_EMAIL=fork@invalid \
    GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
        git -c core.autocrlf=false -c commit.gpgsign=false "$@"
}
git_quiet() {
    git -c core.autocrlf=false "$@"
}

series_list() {
    [ -f "$FORK_PATCHES/series" ] || return 0
    grep -v -e '^#' -e '^[[:space:]]*$' "$FORK_PATCHES/series"
}

# export_series SRC DIR: the tree's commits as patch files in DIR, plus
# DIR/series.  The one place that decides the patch format.
export_series() {
    local src=$1 dir=$2 f
    mkdir -p "$dir"
    git_quiet -C "$src" format-patch -q --zero-commit --no-signature \
        --no-numbered --no-stat --full-index --abbrev=40 \
        --no-renames -o "$dir" upstream..HEAD > /dev/null
    : > "$dir/series"
    for f in "$dir"/*.patch; do
        [ -e "$f" ] || break
        basename "$f" >> "$dir/series"
    done
}

# A digest of a patch queue (series file and patches), to compare states.
series_digest() {
    local dir=$1
    (cd "$dir" && cat series $(cat series) 2>/dev/null) | sha256sum | cut -d' ' -f1
}

record_laid() {
    local src=$1 tmp
    tmp=$(mktemp -d)
    export_series "$src" "$tmp"
    series_digest "$tmp" > "$src/.git/fork-series-digest"
    rm -rf "$tmp"
}

# tree_state SRC: current (tree == patches/), stale (patches/ moved on,
# the tree did not), ahead (the tree moved on, patches/ did not) or
# diverged (both moved).  Uncommitted edits count as the tree moving on.
tree_state() {
    local src=$1 tmp laid tree repo
    tmp=$(mktemp -d)
    export_series "$src" "$tmp"
    tree=$(series_digest "$tmp")
    rm -rf "$tmp"
    repo=$(series_digest "$FORK_PATCHES")
    laid=$(cat "$src/.git/fork-series-digest" 2>/dev/null || echo none)
    if [ -n "$(git_quiet -C "$src" status --porcelain --untracked-files=no)" ]; then
        tree=edited
    fi
    if [ "$tree" = "$repo" ]; then
        echo current
    elif [ "$tree" = "$laid" ]; then
        echo stale
    elif [ "$repo" = "$laid" ]; then
        echo ahead
    else
        echo diverged
    fi
}

# The fork's own files: everything tracked (or new and not ignored) in the
# repository except its tooling, which has no place in QEMU's tree.
fork_files() {
    git -C "$FORK_ROOT" ls-files --cached --others --exclude-standard |
        grep -v -E '^(\.ci/|scripts/fork/|patches(-[^/]+)?/|build/|[^/]+$)' |
        while read -r f; do [ -e "$FORK_ROOT/$f" ] && echo "$f"; done
}

# fork_file_place SRC F: where fork file F goes in the tree SRC.  The
# repository keeps functional tests as QEMU 10.0 does
# (tests/functional/test_ppc64_NAME.py); an upstream with a folder per
# target (10.1 and later) has them as tests/functional/ppc64/test_NAME.py.
fork_file_place() {
    local src=$1 f=$2
    case $f in
    tests/functional/test_ppc64_*.py)
        if [ -f "$src/tests/functional/ppc64/meson.build" ]; then
            echo "tests/functional/ppc64/test_${f#tests/functional/test_ppc64_}"
            return
        fi ;;
    esac
    echo "$f"
}

# link_fork_files SRC: one symlink per fork file, kept out of the tree's
# git so that format-patch never exports them.
link_fork_files() {
    local src=$1 f place n=0 exclude=$1/.git/info/exclude
    find "$src" -path "$src/.git" -prune -o -type l \
        -lname "$FORK_ROOT/*" -print | while read -r f; do
        [ -e "$f" ] || rm -f "$f"
    done
    mkdir -p "$src/.git/info"
    echo '# the fork'"'"'s own files, linked in by tree.sh' > "$exclude.tmp"
    while read -r f; do
        place=$(fork_file_place "$src" "$f")
        if [ -e "$src/$place" ] && [ ! -L "$src/$place" ]; then
            die "$place exists upstream: change it through patches/, not as" \
                "a file of the fork"
        fi
        mkdir -p "$(dirname "$src/$place")"
        ln -sfn "$FORK_ROOT/$f" "$src/$place"
        echo "/$place" >> "$exclude.tmp"
        n=$((n + 1))
    done < <(fork_files)
    mv "$exclude.tmp" "$exclude"
}
