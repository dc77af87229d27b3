#!/usr/bin/env bash
# The Debian package, built from the PyInstaller bundle with dpkg-deb (no source build).
#
#   packaging/linux/make_deb.sh BUNDLE_DIR ICONS_DIR VERSION OUT_DIR
#
# Installs the bundle under /opt/luna-desktop, `luna` and `luna-desktop` on PATH as links
# in /usr/bin, and the menu entry, icons and AppStream metainfo where desktops and
# software centres look. Depends is what the bundle links to outside itself
# (deb_depends.py) plus libvlc and its plugins. No maintainer scripts: dpkg's triggers
# (hicolor-icon-theme, desktop-file-utils, appstream) refresh the caches, and removing
# the package removes every file it installed; the user's catalogue and settings in
# their home are theirs and stay.
set -euo pipefail
[[ $# -eq 4 ]] || { echo "usage: $0 BUNDLE_DIR ICONS_DIR VERSION OUT_DIR" >&2; exit 2; }
BUNDLE=$(realpath "$1"); ICONS=$(realpath "$2"); VERSION=$3; OUT=$(realpath "$4")
HERE=$(cd "$(dirname "$0")" && pwd)
ARCH=$(dpkg --print-architecture)
APP_ID=org.lunadesktop.Luna
PACKAGE=luna-desktop
DEB_VERSION="$VERSION-1"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/luna-deb.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
ROOT="$STAGE/root"

install -d "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/DEBIAN"
cp -a "$BUNDLE" "$ROOT/opt/$PACKAGE"
ln -s "/opt/$PACKAGE/luna" "$ROOT/usr/bin/luna"
ln -s "/opt/$PACKAGE/luna-desktop" "$ROOT/usr/bin/luna-desktop"
install -Dm644 "$HERE/$APP_ID.desktop" "$ROOT/usr/share/applications/$APP_ID.desktop"
install -Dm644 "$HERE/$APP_ID.metainfo.xml" "$ROOT/usr/share/metainfo/$APP_ID.metainfo.xml"
install -d "$ROOT/usr/share/icons"
cp -r "$ICONS/hicolor" "$ROOT/usr/share/icons/"
install -d "$ROOT/usr/share/doc/$PACKAGE"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: Luna Desktop"
    echo ""
    echo "Files: *"
    echo "Copyright: 2026 The Luna Desktop developers"
    echo "License: MIT"
    sed 's/^$/./; s/^/ /' "$HERE/../../LICENSE"
    echo ""
    echo "Files: opt/$PACKAGE/_internal/*"
    echo "Comment: Python, Qt (PySide6, LGPL-3.0), Pillow, numpy and the other libraries the"
    echo " application is built with, each under its own licence; their licence files are"
    echo " in the folders beside them where their wheels ship them."
} > "$ROOT/usr/share/doc/$PACKAGE/copyright"

# Everything root's (--root-owner-group below), readable by all and writable by none
# but root, whatever the builder's umask made of it: dpkg installs what it is given.
chmod -R u+rwX,go=rX "$ROOT"

DEPENDS=$(python3 "$HERE/deb_depends.py" "$BUNDLE")
SIZE_KB=$(du -sk --apparent-size "$ROOT" --exclude=DEBIAN | cut -f1)
cat > "$ROOT/DEBIAN/control" <<CONTROL
Package: $PACKAGE
Version: $DEB_VERSION
Architecture: $ARCH
Maintainer: The Luna Desktop developers <packaging@lunadesktop.org>
Installed-Size: $SIZE_KB
Depends: $DEPENDS
Section: graphics
Priority: optional
Homepage: https://lunadesktop.org/
Description: catalogue and curate media collections on external drives
 Luna Desktop is a keyboard-first application with which archivists catalogue
 multi-terabyte collections of photos, videos and documents that live on
 external drives, review them file by file, and publish a curated,
 deduplicated subset to remote storage.
 .
 This package holds the self-contained application (Python, Qt and the
 libraries it is built with) under /opt/luna-desktop; VLC's library and
 plugins come from the system.
CONTROL

mkdir -p "$OUT"
DEB="$OUT/${PACKAGE}_${DEB_VERSION}_${ARCH}.deb"
# xz at level 6 (dpkg's default) takes minutes for a Qt bundle on two cores; level 2 is
# 5 % larger and several times faster.
dpkg-deb --root-owner-group -Zxz -z2 --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
