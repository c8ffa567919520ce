# shellcheck shell=bash
# Shared by the fork's scripts: paths, messages and a private apt.

set -euo pipefail

FORK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/fork/pins.sh
. "$FORK_ROOT/scripts/fork/pins.sh"

FORK_CACHE=${FORK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-power-fork}
# The default upstream builds in build/, another in build/upstream-NAME/
if [ "$FORK_UPSTREAM" = "$UPSTREAM_DEFAULT" ]; then
    FORK_BUILD=${FORK_BUILD:-$FORK_ROOT/build}
else
    FORK_BUILD=${FORK_BUILD:-$FORK_ROOT/build/upstream-$FORK_UPSTREAM}
fi
FORK_PATCHES=$FORK_ROOT/$UPSTREAM_QUEUE
# The nested scenario's L1s hold the fork cross-built from that upstream
if [ "$FORK_UPSTREAM" = "$UPSTREAM_DEFAULT" ]; then
    FORK_L1=${FORK_L1:-$FORK_CACHE/l1}
else
    FORK_L1=${FORK_L1:-$FORK_CACHE/l1-upstream-$FORK_UPSTREAM}
fi
export FORK_L1

msg() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# apt_private NAME ARCH LINE...
# Sets APT_CONFIG to a private apt configuration (own sources, lists and
# archive cache under $FORK_CACHE/apt/NAME) so that the host's apt setup
# is neither used nor changed.  Each LINE is one sources.list entry without
# the options, e.g. "deb-src trixie main".  Refreshes the lists when they
# are older than a day, or always with FORK_APT_REFRESH=1.  Fails, with a
# warning, when the lists cannot be read: the caller says what to do.
# APT_ACCEPT_EXPIRED=1 takes a suite whose Release file is past its
# Valid-Until (experimental's is, on a mirror that lags): the signature
# is still checked, and so is every file against the signed index.
apt_private() {
    local name=$1 arch=$2 dir line type rest valid_until=true
    shift 2
    [ "${APT_ACCEPT_EXPIRED:-0}" != 1 ] || valid_until=false
    dir=$FORK_CACHE/apt/$name
    mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/empty"
    : > "$dir/sources.list.new"
    for line in "$@"; do
        type=${line%% *}
        rest=${line#* }
        printf '%s [signed-by=%s arch=%s] %s %s\n' "$type" "$DEBIAN_KEYRING" \
            "$arch" "$DEBIAN_MIRROR" "$rest" >> "$dir/sources.list.new"
    done
    cat > "$dir/apt.conf" <<CONF
Dir::Etc::sourcelist "$dir/sources.list";
Dir::Etc::sourceparts "$dir/empty";
Dir::Etc::parts "$dir/empty";
Dir::Etc::preferencesparts "$dir/empty";
Dir::State::Lists "$dir/lists";
Dir::State::status "/dev/null";
Dir::Cache "$dir";
Dir::Cache::archives "$dir/archives";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Sandbox::User "root";
Acquire::Check-Valid-Until "$valid_until";
CONF
    export APT_CONFIG=$dir/apt.conf
    if [ ! -f "$dir/sources.list" ] ||
       ! cmp -s "$dir/sources.list" "$dir/sources.list.new"; then
        mv "$dir/sources.list.new" "$dir/sources.list"
        rm -f "$dir/updated"
    else
        rm -f "$dir/sources.list.new"
    fi
    if [ "${FORK_APT_REFRESH:-0}" = 1 ] || [ ! -f "$dir/updated" ] ||
       [ -n "$(find "$dir/updated" -mmin +1440)" ]; then
        msg "apt: reading the package lists for $name"
        if ! apt-get -q -o APT::Update::Error-Mode=any update \
               > "$dir/update.log" 2>&1; then
            grep '^E:' "$dir/update.log" | sed 's/^/    /' >&2
            warn "cannot read Debian's package lists for $name from" \
                 "$DEBIAN_MIRROR (no network?)"
            return 1
        fi
        touch "$dir/updated"
    fi
}

# ninja_progress: ninja's output, its progress lines thinned to one in 200
# (a cold build has thousands), everything else (errors) as it comes.
ninja_progress() {
    awk '/^\[[0-9]+\/[0-9]+\] / { if (++n % 200 == 0) print; fflush(); next }
         /^==> building / && length > 160 { print substr($0, 1, 150) " ..."; next }
         { print; fflush() }'
}

# suite_build KIND SUITE...: builds in KIND's build folder (build.sh) only
# what the tests of the meson suites SUITE... run and need, meson's files
# regenerated first so that the list is that of the tree as it is.
suite_build() {
    local kind=$1 targets
    shift
    "$FORK_ROOT/scripts/fork/build.sh" "$kind" build.ninja || return
    targets=$("$FORK_ROOT/scripts/fork/suite-targets.py" \
              "$FORK_BUILD/$kind/obj" "$@") || return
    # shellcheck disable=SC2086 # a target per word
    "$FORK_ROOT/scripts/fork/build.sh" "$kind" $targets
}

# sha256_ok FILE SUM
sha256_ok() {
    [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

# l1_fork_assets [--l1-kernel=SUITE]: the L1 initramfs with the fork's
# cross build (cross.sh must have run), whose libraries come from its
# sysroot and the cross compiler's libc (l1-assets.sh fork).
l1_fork_assets() {
    "$FORK_ROOT/scripts/fork/l1-assets.sh" "$@" fork \
        "$FORK_BUILD/cross/obj/qemu-system-ppc64" \
        "$FORK_CACHE/cross-sysroot/root" "/usr/$CROSS_TRIPLET" > /dev/null
}

# nested_l1_assets: both L1 initramfs of the nested scenario
# (l1-assets.sh): with Debian's qemu-system-ppc64, and with the fork's.
nested_l1_assets() {
    "$FORK_ROOT/scripts/fork/l1-assets.sh" debian > /dev/null && l1_fork_assets
}

# nested_old_l1_assets: the fork's L1 initramfs for the tests of both
# nested APIs on one L0 whose L1 runs Debian 12's kernel (GUEST_OLD_SUITE).
nested_old_l1_assets() {
    l1_fork_assets --l1-kernel="$GUEST_OLD_SUITE"
}

# nested_new_l1_assets: both L1 initramfs (Debian's QEMU, the fork's) for
# an L1 that runs Linux 7.3 (GUEST_NEW_SUITE).
nested_new_l1_assets() {
    "$FORK_ROOT/scripts/fork/l1-assets.sh" --l1-kernel="$GUEST_NEW_SUITE" \
        debian > /dev/null &&
        l1_fork_assets --l1-kernel="$GUEST_NEW_SUITE"
}
