#!/usr/bin/env bash
# Move a patch queue onto another upstream, with three-way merges.
#
# Usage: rebase.sh --to=NAME [--from=NAME]   start (FROM: the default upstream)
#        rebase.sh --continue                after fixing a conflict
#        rebase.sh --abort                   give up; nothing is written
#
# In $FORK_ROOT/build/rebase/src, upstream NAME is laid (tagged "upstream")
# and FROM's tree (its upstream and its queue, one commit per patch) is
# fetched beside it; git rebase replays FROM's commits onto NAME's
# upstream, merging three ways (each patch knows the file it was made on).
# At a conflict it stops and says which patch and which files: fix them in
# build/rebase/src, "git add" them, and run rebase.sh --continue.  When the
# last patch is in, NAME's queue (pins.sh: UPSTREAM_QUEUE) is written, and
# the patches left out are named (upstream already has them, so the rebase
# left them empty, or they were skipped at a conflict).
# The queues of the two upstreams then hold the same patches but those;
# check-patches.sh tells when they drift apart.
. "$(dirname "$0")/lib.sh"
. "$FORK_ROOT/scripts/fork/tree-lib.sh"

work=$FORK_ROOT/build/rebase
src=$work/src
state=$work/state

usage="usage: rebase.sh --to=NAME [--from=NAME] | --continue | --abort"
to='' from=$UPSTREAM_DEFAULT action='start'
for arg; do
    case $arg in
    --to=*) to=${arg#*=} ;;
    --from=*) from=${arg#*=} ;;
    --continue) action='continue' ;;
    --abort) action='abort' ;;
    -h | --help) sed -n '2,/^\. /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "$usage" ;;
    esac
done

# pin NAME VAR: VAR of upstream NAME's pins
pin() {
    (FORK_UPSTREAM=$1 && . "$FORK_ROOT/scripts/fork/pins.sh" &&
        eval "echo \"\$$2\"")
}

# lay DIR NAME [QUEUE]: upstream NAME unpacked in DIR as one commit tagged
# upstream, then QUEUE's patches applied on it, one commit each
lay() {
    local dir=$1 name=$2 queue=${3:-} tarball p
    tarball=$(FORK_UPSTREAM=$name "$FORK_ROOT/scripts/fork/fetch-upstream.sh") ||
        die "cannot fetch upstream $name"
    rm -rf "$dir"
    mkdir -p "$dir"
    tar -xJf "$tarball" -C "$dir" --strip-components=1
    git_quiet -C "$dir" init -q
    git_quiet -C "$dir" add -A -f .
    git_fixed -C "$dir" commit -q --no-verify \
        -m "upstream: $(pin "$name" UPSTREAM_TARBALL)"
    git_quiet -C "$dir" tag upstream
    [ -n "$queue" ] || return 0
    while read -r p; do
        git_fixed -C "$dir" am -q --keep-cr "$queue/$p" ||
            die "$queue/$p does not apply on upstream $name: fix that queue first"
    done < <(grep -v -e '^#' -e '^[[:space:]]*$' "$queue/series")
}

# report: where the rebase stands, or what to do at a conflict
report() {
    local subject files
    if [ -d "$src/.git/rebase-merge" ] || [ -d "$src/.git/rebase-apply" ]; then
        subject=$(git_quiet -C "$src" log -1 --format=%s REBASE_HEAD 2> /dev/null ||
                  echo '?')
        files=$(git_quiet -C "$src" diff --name-only --diff-filter=U)
        echo "conflict in patch: $subject"
        if [ -n "$files" ]; then
            echo "files:"
            # shellcheck disable=SC2001
            echo "$files" | sed 's/^/    /'
            echo "hunks in conflict: $(while read -r f; do cat "$src/$f"; done <<< "$files" |
                grep -c '^<<<<<<< ')"
        fi
        echo "fix them in $src, 'git add' them, then: rebase.sh --continue"
        echo "(or drop this patch: git -C $src rebase --skip; rebase.sh --continue)"
        exit 1
    fi
}

# finish: write the new queue, say what upstream already had
finish() {
    local to queue tmp
    to=$(sed -n 's/^to=//p' "$state")
    queue=$FORK_ROOT/$(pin "$to" UPSTREAM_QUEUE)
    tmp=$(mktemp -d)
    export_series "$src" "$tmp"
    rm -rf "$queue"
    mkdir -p "$queue"
    cp "$tmp"/* "$queue/"
    rm -rf "$tmp"
    git_quiet -C "$src" log --format=%s upstream..HEAD | sort > "$work/after"
    msg "$(wc -l < "$queue/series") patches written to $queue"
    if [ -n "$(comm -23 "$work/before" "$work/after")" ]; then
        echo "not in the new queue (upstream $to has them, so they came out empty, or they were skipped at a conflict):"
        comm -23 "$work/before" "$work/after" | sed 's/^/    /'
    fi
    rm -f "$state"
}

case $action in
abort)
    [ -f "$state" ] || die "no rebase under way"
    git_quiet -C "$src" rebase --abort 2> /dev/null || true
    rm -f "$state"
    msg "rebase given up; no queue was written" ;;
continue)
    [ -f "$state" ] || die "no rebase under way: start one with --to=NAME"
    if [ -d "$src/.git/rebase-merge" ] || [ -d "$src/.git/rebase-apply" ]; then
        GIT_EDITOR=true git_fixed -C "$src" rebase --continue > "$work/log" 2>&1 ||
            { report; cat "$work/log" >&2; exit 1; }
    fi
    finish ;;
start)
    [ -n "$to" ] || die "$usage"
    [ "$to" != "$from" ] || die "--to and --from are the same upstream ($to)"
    pin "$to" UPSTREAM_VERSION > /dev/null || exit 1
    pin "$from" UPSTREAM_VERSION > /dev/null || exit 1
    [ ! -f "$state" ] ||
        die "a rebase is under way in $src: rebase.sh --continue or --abort"
    from_queue=$FORK_ROOT/$(pin "$from" UPSTREAM_QUEUE)
    [ -f "$from_queue/series" ] || die "upstream $from has no queue ($from_queue)"
    msg "laying upstream $from with its queue ($from_queue)"
    lay "$work/from" "$from" "$from_queue"
    msg "laying upstream $to"
    lay "$src" "$to"
    git_quiet -C "$src" fetch -q "$work/from" \
        HEAD:refs/heads/from-queue refs/tags/upstream:refs/tags/from-upstream
    git_quiet -C "$src" log --format=%s from-upstream..from-queue | sort > "$work/before"
    git_quiet -C "$src" checkout -q -B queue from-queue
    printf 'from=%s\nto=%s\n' "$from" "$to" > "$state"
    msg "replaying $(wc -l < "$work/before") patches onto upstream $to"
    if ! git_fixed -C "$src" rebase -q --empty=drop --onto upstream \
            from-upstream queue > "$work/log" 2>&1; then
        report
        cat "$work/log" >&2
        exit 1
    fi
    finish ;;
esac
