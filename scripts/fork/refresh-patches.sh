#!/usr/bin/env bash
# Write patches/ from the commits of the fork's build tree (upstream..HEAD),
# so that work done there is kept.  With nothing changed in the tree, the
# result is byte-for-byte the patches/ it was laid from.
. "$(dirname "$0")/lib.sh"
. "$FORK_ROOT/scripts/fork/tree-lib.sh"

src=$FORK_BUILD/fork/src
[ -d "$src/.git" ] || die "no fork build tree in $src: run 'make tree' first"
if [ -n "$(git_quiet -C "$src" status --porcelain --untracked-files=no)" ]; then
    git_quiet -C "$src" status --short --untracked-files=no | sed 's/^/    /' >&2
    die "the build tree has uncommitted edits (above): commit them in" \
        "$src (git commit, or git commit --fixup and git rebase -i upstream)," \
        "then run this again"
fi
case $(tree_state "$src") in
current) msg "patches/ is up to date"; exit 0 ;;
stale) die "patches/ is newer than the build tree; nothing to refresh" \
           "(run 'make tree' to lay it again)" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export_series "$src" "$tmp/new"
rm -f "$FORK_PATCHES"/*.patch "$FORK_PATCHES/series"
mkdir -p "$FORK_PATCHES"
cp "$tmp"/new/* "$FORK_PATCHES/"
record_laid "$src"
msg "patches/: $(wc -l < "$FORK_PATCHES/series") patches written;" \
    "review with 'git -C $FORK_ROOT diff -- patches' and commit"
