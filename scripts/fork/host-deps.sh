#!/usr/bin/env bash
# Install the Debian packages that building and testing the fork need,
# and fetch the build tools Debian 12 lacks (meson >= 1.5, pycotap) into
# a private folder.  Prints the folder to add to PYTHONPATH on stdout.
. "$(dirname "$0")/lib.sh"

# One line per package: why it is there is the build's business, not ours.
host_packages=(
    gcc make ninja-build pkgconf ccache git xz-utils
    python3 python3-venv python3-setuptools
    libglib2.0-dev libpixman-1-dev libfdt-dev libcapstone-dev zlib1g-dev
    flex bison device-tree-compiler
    libslirp-dev
    dpkg-dev cpio gzip ncat xorriso
)
# FORK_EXTRA_PACKAGES: more Debian packages to install along (space-separated).
read -r -a extra <<< "${FORK_EXTRA_PACKAGES:-}"
host_packages+=("${extra[@]}")

missing=()
for p in "${host_packages[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
        grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo > /dev/null ||
            die "missing Debian packages: ${missing[*]}; install them as root:" \
                "apt-get install ${missing[*]}"
        sudo=sudo
    fi
    msg "installing Debian packages: ${missing[*]}"
    log=$(mktemp)
    if ! { $sudo apt-get -q update &&
           DEBIAN_FRONTEND=noninteractive $sudo apt-get -q -y \
               --no-install-recommends install "${missing[@]}"; } \
           > "$log" 2>&1; then
        tail -n 20 "$log" | sed 's/^/    /' >&2
        die "could not install ${missing[*]} (see above); install them with" \
            "apt-get install ${missing[*]} and run again"
    fi
    rm -f "$log"
fi

# meson and pycotap: arch-independent Python packages, unpacked, never
# installed, so the host's own meson stays as it is.
tools=$FORK_CACHE/tools/$TOOLS_SUITE
stamp=$tools/unpacked
if [ ! -f "$stamp" ]; then
    apt_private tools "$(dpkg --print-architecture)" "deb $TOOLS_SUITE main" ||
        die "cannot fetch $TOOLS_PACKAGES (meson >= $MESON_MIN_VERSION for" \
            "QEMU's build); connect the machine to Debian's archive and retry"
    msg "fetching $TOOLS_PACKAGES from $TOOLS_SUITE"
    mkdir -p "$FORK_CACHE/tools"
    work=$(mktemp -d "$FORK_CACHE/tools/fetch.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    # shellcheck disable=SC2086
    if ! (cd "$work" && apt-get -q download $TOOLS_PACKAGES) \
            > "$work/log" 2>&1; then
        sed 's/^/    /' "$work/log" >&2
        die "cannot download $TOOLS_PACKAGES from Debian's $TOOLS_SUITE (see above)"
    fi
    mkdir -p "$work/root"
    for deb in "$work"/*.deb; do
        dpkg -x "$deb" "$work/root"
    done
    rm -rf "$tools"
    mkdir -p "$(dirname "$tools")"
    mv "$work/root" "$tools"
    (cd "$work" && ls ./*.deb) > "$stamp"
fi
site=$tools/usr/lib/python3/dist-packages
version=$(PYTHONPATH=$site /usr/bin/python3 -c \
    'import mesonbuild.coredata as c; print(c.version)') ||
    die "the meson unpacked in $tools does not run; remove that folder and retry"
if ! printf '%s\n%s\n' "$MESON_MIN_VERSION" "$version" | sort -V -C; then
    die "meson $version from $TOOLS_SUITE is older than $MESON_MIN_VERSION"
fi
echo "$site"
