#!/usr/bin/env bash
# Fetch the pinned upstream tarball into the cache and verify it.
# Usage: fetch-upstream.sh [--upstream-tarball=PATH]
# Prints the path of the verified tarball on stdout.
. "$(dirname "$0")/lib.sh"

given=
for arg; do
    case $arg in
    --upstream-tarball=*) given=${arg#*=} ;;
    *) die "fetch-upstream.sh: unknown option '$arg'" ;;
    esac
done

dir=$FORK_CACHE/upstream
cached=$dir/$UPSTREAM_TARBALL
mkdir -p "$dir"

if [ -n "$given" ]; then
    [ -f "$given" ] || die "--upstream-tarball: no such file: $given"
    sha256_ok "$given" "$UPSTREAM_SHA256" ||
        die "--upstream-tarball: $given is not $UPSTREAM_TARBALL" \
            "(sha256 differs from $UPSTREAM_SHA256); give the orig" \
            "tarball of Debian's qemu $UPSTREAM_VERSION"
    if [ "$(realpath "$given")" != "$(realpath -m "$cached")" ]; then
        cp "$given" "$cached.tmp" && mv "$cached.tmp" "$cached"
    fi
    echo "$cached"
    exit 0
fi

if [ -f "$cached" ]; then
    if sha256_ok "$cached" "$UPSTREAM_SHA256"; then
        echo "$cached"
        exit 0
    fi
    warn "$cached is corrupt (sha256 mismatch): fetching it again"
    rm -f "$cached"
fi

sources=()
for suite in $UPSTREAM_SOURCES; do
    sources+=("deb-src $suite main")
done
APT_ACCEPT_EXPIRED=$UPSTREAM_APT_EXPIRED \
    apt_private "upstream-src-$FORK_UPSTREAM" "$(dpkg --print-architecture)" \
    "${sources[@]}" ||
    die "cannot fetch upstream: get $UPSTREAM_TARBALL (sha256" \
        "$UPSTREAM_SHA256) elsewhere and run ./configure --upstream-tarball=PATH"
msg "fetching upstream: Debian source package $UPSTREAM_PACKAGE $UPSTREAM_VERSION"
work=$(mktemp -d "$dir/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get -q source --download-only \
        "$UPSTREAM_PACKAGE=$UPSTREAM_VERSION") > "$work/log" 2>&1; then
    sed 's/^/    /' "$work/log" >&2
    die "cannot download $UPSTREAM_PACKAGE $UPSTREAM_VERSION from Debian" \
        "(see above).  If Debian no longer carries this version, get" \
        "$UPSTREAM_TARBALL (sha256 $UPSTREAM_SHA256) from a mirror or" \
        "snapshot and run ./configure --upstream-tarball=PATH"
fi
[ -f "$work/$UPSTREAM_TARBALL" ] ||
    die "Debian's $UPSTREAM_PACKAGE $UPSTREAM_VERSION has no $UPSTREAM_TARBALL"
sha256_ok "$work/$UPSTREAM_TARBALL" "$UPSTREAM_SHA256" ||
    die "downloaded $UPSTREAM_TARBALL does not match the pinned sha256" \
        "$UPSTREAM_SHA256: refusing to use it"
mv "$work/$UPSTREAM_TARBALL" "$cached"
echo "$cached"
