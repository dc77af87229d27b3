"""Render the application icon's PNG sizes from its SVG (run by packaging/build.sh).

    uv run python packaging/render_icons.py OUT_DIR

writes OUT_DIR/hicolor/NxN/apps/org.lunadesktop.Luna.png for each size desktops ask for,
and OUT_DIR/hicolor/scalable/apps/org.lunadesktop.Luna.svg, laid out as
/usr/share/icons is. Rendered with Qt's own SVG renderer, which the application already
depends on, so the build needs no other tool.
"""

from __future__ import annotations

import os
import shutil
import sys
from importlib.resources import as_file, files
from pathlib import Path

APP_ID = "org.lunadesktop.Luna"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: render_icons.py OUT_DIR", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - fonts, plugins
    out = Path(argv[1]) / "hicolor"
    with as_file(files("luna_desktop.resources") / f"{APP_ID}.svg") as svg:
        renderer = QSvgRenderer(str(svg))
        if not renderer.isValid():
            print(f"render_icons: {svg} is not a valid SVG", file=sys.stderr)
            return 1
        scalable = out / "scalable" / "apps"
        scalable.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(svg, scalable / f"{APP_ID}.svg")
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        folder = out / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        if not image.save(str(folder / f"{APP_ID}.png")):
            print(f"render_icons: could not write {folder}", file=sys.stderr)
            return 1
    print(f"icons: {out} ({', '.join(map(str, SIZES))} px and scalable)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
