#!/usr/bin/env bash
# Installs the .deb as an administrator would, uses it as a curator would, removes it,
# and checks that nothing of it is left but the curator's own catalogue and settings.
#
#   packaging/linux/check_deb.sh DEB [CORPUS_DIR]        (as root; CI runs it)
#
# Every step's exit status is checked (set -e); the scan and the screenshot need a
# folder of media, by default the shared test corpus.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 DEB [CORPUS_DIR]" >&2; exit 2; }
DEB=$(realpath "$1")
CORPUS=${2:-${LUNA_TEST_CORPUS:-$(dirname "$0")/../../../shared/corpus}}
[[ -d $CORPUS ]] || { echo "check_deb: no media folder at $CORPUS" >&2; exit 1; }
CORPUS=$(realpath "$CORPUS")
APP_ID=org.lunadesktop.Luna

say() { printf '\n== %s\n' "$*"; }

say "apt install $DEB"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$DEB" >/dev/null
INSTALLED=$(dpkg -L luna-desktop)

# A curator's account: a fresh home, the default data and config directories.
CURATOR=$(mktemp -d "${TMPDIR:-/tmp}/luna-curator.XXXXXX")
run() { env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME -u LUNA_CATALOG \
    HOME="$CURATOR" PATH=/usr/local/bin:/usr/bin:/bin "$@"; }

say "which luna: $(run sh -c 'command -v luna'), luna-desktop: $(run sh -c 'command -v luna-desktop')"
[[ $(run sh -c 'command -v luna') == /usr/bin/luna ]]
say "luna --version"
run luna --version
say "luna-desktop --version"
run luna-desktop --version

say "luna scan $CORPUS (into a temporary catalogue)"
CATALOG="$CURATOR/scan-test.sqlite3"
run luna --catalog "$CATALOG" scan "$CORPUS" --drive Corpus
run luna --catalog "$CATALOG" ls Corpus | head -3

say "luna-desktop --screenshot (offscreen)"
SHOT="$CURATOR/shot.png"
run env QT_QPA_PLATFORM=offscreen luna-desktop --catalog "$CATALOG" --screenshot "$SHOT" \
    --select Corpus
[[ -s $SHOT ]] || { echo "check_deb: no screenshot written" >&2; exit 1; }
echo "wrote $SHOT ($(stat -c %s "$SHOT") bytes)"

say "the desktop's view of it"
desktop-file-validate "/usr/share/applications/$APP_ID.desktop"
appstreamcli validate --no-net "/usr/share/metainfo/$APP_ID.metainfo.xml"
[[ -f /usr/share/icons/hicolor/256x256/apps/$APP_ID.png ]]
[[ -f /usr/share/icons/hicolor/scalable/apps/$APP_ID.svg ]]

say "a first start makes the catalogue in the curator's data directory"
run env QT_QPA_PLATFORM=offscreen luna-desktop --screenshot "$CURATOR/first.png"
DEFAULT_CATALOG="$CURATOR/.local/share/luna-desktop/catalog.sqlite3"
[[ -s $DEFAULT_CATALOG ]] || { echo "check_deb: no catalogue at $DEFAULT_CATALOG" >&2; exit 1; }
echo "catalogue: $DEFAULT_CATALOG"

say "apt remove luna-desktop"
apt-get remove -y -qq luna-desktop >/dev/null
LEFT=0
while IFS= read -r path; do
    # Shared folders (/usr, /usr/share/icons…) stay; files and the package's own folders go.
    if [[ -e $path || -L $path ]] && ! [[ -d $path && -n $(dpkg -S "$path" 2>/dev/null) ]]; then
        if [[ ! -d $path || $path == /opt/luna-desktop* || $path == */luna-desktop ]]; then
            echo "left behind: $path" >&2
            LEFT=1
        fi
    fi
done <<< "$INSTALLED"
[[ ! -e /opt/luna-desktop ]] || { echo "left behind: /opt/luna-desktop" >&2; LEFT=1; }
[[ $LEFT -eq 0 ]]
for kept in "$CATALOG" "$DEFAULT_CATALOG"; do
    [[ -f $kept ]] || { echo "check_deb: $kept went with the package" >&2; exit 1; }
done
echo "removed: nothing left of the package; the curator's catalogues are still there"
rm -rf "$CURATOR"
say "check_deb: all passed"
