#!/usr/bin/env bash
# check_deb.sh on a clean Debian: a minimal system made with debootstrap (the release
# this machine runs), where nothing is installed but what the package itself pulls in.
# It proves the .deb's Depends: on the build machine everything Luna needs is there
# already, so a missing dependency would go unnoticed.
#
#   packaging/linux/check_clean.sh DEB [MEDIA_DIR]      (as root; needs debootstrap)
#
# Takes about three minutes (debootstrap, then apt fetching VLC and Qt's libraries) from
# the same Debian mirror this machine uses ($DEBIAN_MIRROR to choose another).
set -euo pipefail
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 DEB [MEDIA_DIR]" >&2; exit 2; }
[[ -f $1 ]] || { echo "check_clean: no package at $1" >&2; exit 2; }
DEB=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
MEDIA=${2:-${LUNA_TEST_CORPUS:-$HERE/../../../shared/corpus}}
[[ -d $MEDIA ]] || { echo "check_clean: no media folder at $MEDIA" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "check_clean: apt install debootstrap" >&2; exit 1; }
RELEASE=$(. /etc/os-release && echo "$VERSION_CODENAME")
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/luna-clean.XXXXXX")
chmod 755 "$ROOT"  # the system's / (mktemp makes it root's alone)
cleanup() {
    for mount in dev/pts dev/shm dev proc; do
        mountpoint -q "$ROOT/$mount" && umount -l "$ROOT/$mount"
    done
    rm -rf --one-file-system "$ROOT"
}
trap cleanup EXIT

echo "== a clean Debian $RELEASE in $ROOT"
debootstrap --variant=minbase "$RELEASE" "$ROOT" "$MIRROR" >/dev/null
# The machine's own package sources (its mirror, its security updates), and its DNS.
rm -f "$ROOT/etc/apt/sources.list"
cp /etc/apt/sources.list "$ROOT/etc/apt/" 2>/dev/null || true
cp /etc/apt/sources.list.d/*.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null || true
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"  # /dev/shm too: Python's multiprocessing needs it
mount --bind /dev/shm "$ROOT/dev/shm"
mount --bind /dev/pts "$ROOT/dev/pts"  # apt's log

in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get update -qq
# The checker's own tools, not Luna's: validators, and pgrep for the process check.
in_root apt-get install -y -qq --no-install-recommends desktop-file-utils appstream procps >/dev/null

mkdir -p "$ROOT/tmp/check"
cp "$HERE/check_deb.sh" "$DEB" "$ROOT/tmp/check/"
cp -r "$MEDIA" "$ROOT/tmp/check/media"
in_root bash /tmp/check/check_deb.sh "/tmp/check/$(basename "$DEB")" /tmp/check/media
echo "== check_clean: the package installs and works on a clean Debian $RELEASE"
