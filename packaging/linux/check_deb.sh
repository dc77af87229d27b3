#!/usr/bin/env bash
# Installs the .deb as an administrator would, uses it as a curator would (an ordinary
# account, not root), removes it, and checks that nothing of it is left but the
# curator's own catalogue and settings.
#
#   packaging/linux/check_deb.sh DEB [MEDIA_DIR]        (as root; CI runs it)
#
# MEDIA_DIR (by default the shared test corpus) is copied into the curator's home and
# scanned there. Every step's exit status is checked; a failure says which and removes
# the package again.
set -euo pipefail
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 DEB [MEDIA_DIR]" >&2; exit 2; }
[[ -f $1 ]] || { echo "check_deb: no package at $1" >&2; exit 2; }
DEB=$(realpath "$1")
MEDIA=${2:-${LUNA_TEST_CORPUS:-$(dirname "$0")/../../../shared/corpus}}
[[ -d $MEDIA ]] || { echo "check_deb: no media folder at $MEDIA" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "check_deb: run as root (it installs a package)" >&2; exit 1; }
APP_ID=org.lunadesktop.Luna
VERSION=$(dpkg-deb -f "$DEB" Version)
VERSION=${VERSION%-*}
USER_NAME=nobody  # an account every Debian has, with no rights of its own

say() { printf '\n== %s\n' "$*"; }
fail() { echo "check_deb: $*" >&2; exit 1; }
luna_processes() { pgrep -u "$USER_NAME" -f luna-desktop; }
cleanup() {
    local status=$?
    pkill -KILL -u "$USER_NAME" -f luna-desktop 2>/dev/null || true
    if [[ $status -ne 0 ]] && dpkg -s luna-desktop >/dev/null 2>&1; then
        apt-get remove -y -qq luna-desktop >/dev/null 2>&1 || true
    fi
    [[ -n ${CURATOR:-} ]] && rm -rf "$CURATOR"
}
trap cleanup EXIT

say "apt install $DEB"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$DEB" >/dev/null
INSTALLED=$(dpkg -L luna-desktop)

# The curator: an ordinary account with a fresh home and the default data and config
# directories, and the media in it.
CURATOR=$(mktemp -d "${TMPDIR:-/tmp}/luna-curator.XXXXXX")
cp -r "$MEDIA" "$CURATOR/media"
chown -R "$USER_NAME" "$CURATOR"
run() {
    runuser -u "$USER_NAME" -- env -i HOME="$CURATOR" PATH=/usr/local/bin:/usr/bin:/bin \
        LANG=C.UTF-8 "$@"
}

say "on the curator's PATH"
[[ $(run sh -c 'command -v luna') == /usr/bin/luna ]] || fail "luna is not /usr/bin/luna"
[[ $(run sh -c 'command -v luna-desktop') == /usr/bin/luna-desktop ]] ||
    fail "luna-desktop is not /usr/bin/luna-desktop"

say "luna --version"
run luna --version | tee "$CURATOR/version.txt"
[[ $(head -1 "$CURATOR/version.txt") == "luna $VERSION" ]] || fail "luna did not say its version"
grep -q "^Qt .*not loaded by the CLI" "$CURATOR/version.txt" || fail "luna loaded Qt"
# The system's libvlc, found from the bundle: videos get their durations and previews.
grep -q "^libvlc 3\." "$CURATOR/version.txt" || fail "the installed luna found no libvlc"

say "luna-desktop --version"
run luna-desktop --version | tee "$CURATOR/version.txt"
[[ $(head -1 "$CURATOR/version.txt") == "luna-desktop $VERSION" ]] ||
    fail "luna-desktop did not say its version"

say "luna scan (into a temporary catalogue)"
CATALOG="$CURATOR/scan-test.sqlite3"
run luna --catalog "$CATALOG" scan "$CURATOR/media" --drive Corpus
run luna --catalog "$CATALOG" ls Corpus | head -3

say "luna-desktop --screenshot (offscreen)"
SHOT="$CURATOR/shot.png"
run env QT_QPA_PLATFORM=offscreen luna-desktop --catalog "$CATALOG" --screenshot "$SHOT" \
    --select Corpus
[[ -s $SHOT ]] || fail "no screenshot written"
echo "wrote $SHOT ($(stat -c %s "$SHOT") bytes)"

say "the first start: catalogue and settings in the curator's directories"
DEFAULT_CATALOG="$CURATOR/.local/share/luna-desktop/catalog.sqlite3"
SETTINGS="$CURATOR/.config/Luna/Luna Desktop.ini"
run env QT_QPA_PLATFORM=offscreen luna-desktop &
WINDOW=$!
for _ in $(seq 1 300); do  # up to 30 s: the welcome marks itself shown when it opens
    grep -qs "welcome_shown=true" "$SETTINGS" && break
    kill -0 "$WINDOW" 2>/dev/null || fail "luna-desktop ended on its first start"
    sleep 0.1
done
grep -qs "welcome_shown=true" "$SETTINGS" || fail "no welcome on the first start ($SETTINGS)"
[[ -s $DEFAULT_CATALOG ]] || fail "no catalogue at $DEFAULT_CATALOG"
pkill -TERM -u "$USER_NAME" -x luna-desktop  # as a desktop session's logout would
wait "$WINDOW" || true
for _ in $(seq 1 100); do luna_processes >/dev/null || break; sleep 0.1; done
if luna_processes >/dev/null; then
    ps -o pid,ppid,args -p "$(luna_processes | paste -sd,)" >&2
    fail "Luna's processes outlived its window by 10 s"
fi
echo "catalogue: $DEFAULT_CATALOG"
echo "settings:  $SETTINGS"

say "the desktop's view of it"
desktop-file-validate "/usr/share/applications/$APP_ID.desktop"
appstreamcli validate --no-net "/usr/share/metainfo/$APP_ID.metainfo.xml"
for icon in 16x16/apps/$APP_ID.png 256x256/apps/$APP_ID.png scalable/apps/$APP_ID.svg; do
    [[ -f /usr/share/icons/hicolor/$icon ]] || fail "no icon $icon"
done

say "apt remove luna-desktop"
apt-get remove -y -qq luna-desktop >/dev/null
LEFT=0
while IFS= read -r path; do
    [[ -e $path || -L $path ]] || continue
    # Folders other packages share (/usr/share/icons/hicolor/…) stay; the package's own go.
    if [[ -d $path && ! -L $path ]] && [[ $path != /opt/luna-desktop* ]] &&
        [[ $path != */luna-desktop ]]; then
        continue
    fi
    echo "left behind: $path" >&2
    LEFT=1
done <<< "$INSTALLED"
[[ ! -e /opt/luna-desktop ]] || { echo "left behind: /opt/luna-desktop" >&2; LEFT=1; }
[[ $LEFT -eq 0 ]] || fail "apt remove left files behind"
for kept in "$CATALOG" "$DEFAULT_CATALOG" "$SETTINGS"; do
    [[ -f $kept ]] || fail "$kept went with the package"
done
echo "removed: nothing left of the package; the curator's catalogues and settings stay"
say "check_deb: all passed"
