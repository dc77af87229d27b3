#!/usr/bin/env bash
# Everything a release needs, in one command:
#
#   packaging/build.sh
#
# 1. checks the desktop entry and the AppStream metainfo (desktop-file-validate,
#    appstreamcli) and that the metainfo's newest release is this version;
# 2. builds the wheel and the sdist (uv build), installs the wheel alone into a fresh
#    virtual environment and runs `luna --version`, `luna-desktop --version` and a scan
#    of the test corpus with what it installed;
# 3. renders the icon's PNG sizes from its SVG;
# 4. builds the onedir bundle of `luna` and `luna-desktop` with PyInstaller and prints
#    its size and what takes the room;
# 5. makes the AppStream screenshots, light and dark, with the bundle itself;
# 6. builds the Debian package from the bundle.
#
# Results go to dist/ ($LUNA_DIST), scratch to build/ ($LUNA_BUILD). Needs, besides uv:
# Debian's desktop-file-utils, appstream, binutils (PyInstaller's objdump) and dpkg.
# The corpus (../shared/corpus or $LUNA_TEST_CORPUS) gives the scan and the screenshots
# something to show; without it they are skipped with a message, unless
# LUNA_REQUIRE_CORPUS=1, as in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIST=$(realpath -m "${LUNA_DIST:-$ROOT/dist}")
WORK=$(realpath -m "${LUNA_BUILD:-$ROOT/build}")
APP_ID=org.lunadesktop.Luna
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' luna_desktop/__init__.py)
CORPUS=${LUNA_TEST_CORPUS:-$ROOT/../shared/corpus}

step() { printf '\n== %s\n' "$*"; }
fail() { echo "build.sh: $*" >&2; exit 1; }

for tool in uv desktop-file-validate appstreamcli objdump dpkg-deb; do
    command -v "$tool" >/dev/null || fail "$tool is missing (apt install desktop-file-utils appstream binutils dpkg; uv: pip install uv)"
done
[[ -n $VERSION ]] || fail "no __version__ in luna_desktop/__init__.py"
if [[ ! -d $CORPUS ]]; then
    [[ ${LUNA_REQUIRE_CORPUS:-} == 1 ]] && fail "no test corpus at $CORPUS (LUNA_REQUIRE_CORPUS=1)"
    echo "build.sh: no test corpus at $CORPUS: the scan check and the screenshots are skipped"
    CORPUS=
fi
# Emptied before each build, so only folders this script made (its mark inside): a
# LUNA_DIST pointed at ~/Downloads by mistake is refused, not wiped.
MARK=.luna-packaging-output
for dir in "$DIST" "$WORK"; do
    if [[ -d $dir && -n $(ls -A "$dir") && ! -e $dir/$MARK ]]; then
        fail "$dir is not empty and was not made by build.sh: choose another folder"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    touch "$dir/$MARK"
done
# The project's environment with PyInstaller, from uv.lock (a fresh clone has none).
uv sync --quiet --group packaging
# Luna run here gets a home of its own, never the builder's settings or catalogue (uv
# keeps the builder's, for its caches).
luna_home() {
    env -u LUNA_CATALOG HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/data" \
        XDG_CONFIG_HOME="$WORK/home/config" XDG_CACHE_HOME="$WORK/home/cache" "$@"
}

step "validate the desktop entry and the AppStream metainfo ($VERSION)"
desktop-file-validate "packaging/linux/$APP_ID.desktop"
appstreamcli validate --no-net "packaging/linux/$APP_ID.metainfo.xml"
RELEASE=$(sed -n 's/.*<release version="\([^"]*\)".*/\1/p' "packaging/linux/$APP_ID.metainfo.xml" | head -1)
[[ $RELEASE == "$VERSION" ]] || fail "the metainfo's newest release is $RELEASE, the version is $VERSION"

step "wheel and sdist"
uv build --quiet --out-dir "$DIST"
WHEEL=$(ls "$DIST"/luna_desktop-"$VERSION"-*.whl)

step "the wheel alone, in a fresh virtual environment"
VENV="$WORK/wheel-venv"
uv venv --quiet --python "$(uv run --no-sync python -c 'import sys; print(sys.executable)')" "$VENV"
uv pip install --quiet --python "$VENV/bin/python" "$WHEEL"
luna_home "$VENV/bin/luna" --version
luna_home "$VENV/bin/luna-desktop" --version
if [[ -n $CORPUS ]]; then
    luna_home "$VENV/bin/luna" --catalog "$WORK/wheel-check.sqlite3" scan "$CORPUS" --drive Corpus
fi

step "icons"
uv run --no-sync python packaging/render_icons.py "$WORK/icons"

step "the bundle (PyInstaller)"
uv run --no-sync pyinstaller --noconfirm --log-level ERROR \
    --distpath "$WORK/pyinstaller" --workpath "$WORK/pyinstaller-work" \
    packaging/pyinstaller/luna.spec
BUNDLE="$DIST/luna-desktop-$VERSION-linux-$(uname -m)"
mv "$WORK/pyinstaller/luna-desktop" "$BUNDLE"
luna_home "$BUNDLE/luna" --version >/dev/null
uv run --no-sync python packaging/bundle_size.py "$BUNDLE"

if [[ -n $CORPUS ]]; then
    step "AppStream screenshots, made by the bundle"
    SHOTS="$DIST/screenshots"
    mkdir -p "$SHOTS"
    luna_home "$BUNDLE/luna" --catalog "$WORK/shots.sqlite3" scan "$CORPUS" --drive Corpus >/dev/null
    for theme in light dark; do
        luna_home QT_QPA_PLATFORM=offscreen "$BUNDLE/luna-desktop" --catalog "$WORK/shots.sqlite3" \
            --screenshot "$SHOTS/window-$theme.png" --theme "$theme" --size 1360x860 \
            --select "Corpus:2008 Tuscany Trip/DSCN0010.jpg"
    done
fi

step "the Debian package"
DEB=$(packaging/linux/make_deb.sh "$BUNDLE" "$WORK/icons" "$VERSION" "$DIST")

step "results in $DIST"
echo "wheel:       $WHEEL"
echo "sdist:       $(ls "$DIST"/luna_desktop-"$VERSION".tar.gz)"
echo "bundle:      $BUNDLE/ (run $BUNDLE/luna-desktop)"
echo "deb:         $DEB ($(du -h "$DEB" | cut -f1); install: apt install $DEB)"
[[ -n $CORPUS ]] && echo "screenshots: $DIST/screenshots/ (light and dark, for the AppStream metainfo)"
exit 0
