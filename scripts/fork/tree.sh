#!/usr/bin/env bash
# Lay a build tree: upstream unpacked as a git repository (one commit,
# tagged "upstream"), then one commit per patch of patches/series, with the
# fork's own files linked in so that editing them in the repository is live.
#
# Usage: tree.sh fork|baseline|series|cross [--upstream-tarball=PATH] [--force]
#   fork      $FORK_BUILD/fork/src: upstream + patches + fork files
#   baseline  $FORK_BUILD/baseline/src: upstream alone, nothing of the fork
#   series    $FORK_BUILD/series/src: as fork, for checking each patch
#   cross     $FORK_BUILD/cross/src: as fork, built for ppc64le (cross.sh)
# A fork tree that holds commits or edits not yet in patches/ is never
# thrown away: run refresh-patches.sh first, or pass --force.
. "$(dirname "$0")/lib.sh"
. "$FORK_ROOT/scripts/fork/tree-lib.sh"

kind=${1:-}
shift || true
force=0
fetch_args=()
for arg; do
    case $arg in
    --upstream-tarball=*) fetch_args+=("$arg") ;;
    --force) force=1 ;;
    *) die "tree.sh: unknown option '$arg'" ;;
    esac
done
case $kind in
fork|baseline|series|cross) ;;
*) die "usage: tree.sh fork|baseline|series|cross [--upstream-tarball=PATH] [--force]" ;;
esac
src=$FORK_BUILD/$kind/src
[ "$kind" = baseline ] || [ -f "$FORK_PATCHES/series" ] ||
    die "upstream $FORK_UPSTREAM has no patch queue yet ($FORK_PATCHES):" \
        "make one with scripts/fork/rebase.sh --to=$FORK_UPSTREAM" \
        "(docs/devel/upstreams.rst)"

unpack_upstream() {
    local tarball tmp
    tarball=$("$FORK_ROOT/scripts/fork/fetch-upstream.sh" "${fetch_args[@]}")
    msg "laying $kind tree in $src"
    rm -rf "$src" "$src.tmp"
    tmp=$src.tmp
    mkdir -p "$tmp"
    tar -xJf "$tarball" -C "$tmp" --strip-components=1
    git_quiet -C "$tmp" init -q
    # Ignored by upstream's .gitignore files but part of the tarball.
    git_quiet -C "$tmp" add -A -f .
    git_fixed -C "$tmp" commit -q --no-verify \
        -m "upstream: $UPSTREAM_TARBALL ($UPSTREAM_PACKAGE $UPSTREAM_VERSION)"
    git_quiet -C "$tmp" tag upstream
    mv "$tmp" "$src"
}

apply_series() {
    local p n=0
    git_quiet -C "$src" reset -q --hard upstream
    while read -r p; do
        git_fixed -C "$src" am -q --keep-cr "$FORK_PATCHES/$p" ||
            { git_quiet -C "$src" am --abort || true
              die "patches/$p does not apply on $UPSTREAM_TARBALL"; }
        n=$((n + 1))
    done < <(series_list)
    record_laid "$src"
    msg "$kind tree: upstream + $n patches"
}

if [ ! -d "$src/.git" ] || ! git_quiet -C "$src" rev-parse -q --verify upstream > /dev/null; then
    unpack_upstream
    [ "$kind" = baseline ] || apply_series
elif [ "$kind" = baseline ]; then
    [ "$force" = 0 ] || { git_quiet -C "$src" reset -q --hard upstream; git_quiet -C "$src" clean -qfdx; }
elif [ "$force" = 1 ]; then
    apply_series
else
    case $(tree_state "$src") in
    current) ;;
    stale) msg "patches/ changed: laying the $kind tree again"; apply_series ;;
    ahead) warn "the $kind tree holds work not in patches/: run" \
                "'make refresh-patches' to keep it" ;;
    diverged) die "the $kind tree ($src) holds work not in patches/," \
                  "and patches/ changed too.  Keep the tree's work with" \
                  "'make refresh-patches' (it will replace patches/), or" \
                  "drop it with 'make tree FORCE=1'" ;;
    esac
fi
[ "$kind" = baseline ] || link_fork_files "$src"
