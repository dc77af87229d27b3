"""`luna-desktop`: open the catalogue and the curation window.

Qt and the window are imported inside the functions, not at the top: every worker
process (scans, preview decoding) imports the program's main module when it starts,
and a worker must not pay for loading Qt and the whole window (330 ms and 36 MB each).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from luna_desktop import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

THEMES = ("light", "dark")  # what --theme takes (the preference may also say "system")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="luna-desktop", description="The Luna curation window.")
    parser.add_argument("--catalog", metavar="PATH", help="the catalogue file to open")
    parser.add_argument("--version", action="version", version=f"luna-desktop {__version__}")
    shot = parser.add_argument_group("screenshots (for documentation and packaging)")
    shot.add_argument(
        "--screenshot",
        metavar="FILE",
        help="open the window, write a PNG of it to FILE once it is painted, and exit",
    )
    shot.add_argument(
        "--select",
        metavar="TARGET",
        help="what to show first: a drive, DRIVE:folder or DRIVE:folder/file",
    )
    shot.add_argument("--theme", choices=THEMES)
    shot.add_argument("--size", metavar="WxH", type=_size, help="the window's size, e.g. 1360x860")
    args, _qt_args = parser.parse_known_args(argv[1:])
    if (args.select or args.theme or args.size) and not args.screenshot:
        parser.error("--select, --theme and --size go with --screenshot")
    return args


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(n) for n in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1360x860") from None
    if width < 200 or height < 200:
        raise argparse.ArgumentTypeError(f"{text!r} is too small for the window")
    return width, height


def create_window(
    app: QApplication, catalog: str | None = None, *, theme: str | None = None
) -> MainWindow:
    """Open the catalogue and build the window (raises CatalogError with a clear message)."""
    from luna_desktop.catalog.database import open_catalog, resolve_catalog_path
    from luna_desktop.catalog.drafts import DraftJournal, journal_path

    from .main_window import MainWindow
    from .settings import Settings
    from .theme import apply_theme

    settings = Settings()
    apply_theme(app, theme or settings.theme)
    # --catalog, then $LUNA_CATALOG, then the preference, then the data directory.
    path = resolve_catalog_path(catalog or os.environ.get("LUNA_CATALOG") or settings.catalog_path)
    open_catalog(path)
    journal = DraftJournal(journal_path(path))
    return MainWindow(settings, catalog_label=f"Catalogue: {path}", journal=journal)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv)
    if args.screenshot and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from luna_desktop.catalog.errors import CatalogError
    from luna_desktop.process_pool import WINDOW_PRELOAD, worker_context

    # The window's workers scan and render previews: their fork server loads both,
    # whichever of them starts it.
    worker_context(WINDOW_PRELOAD)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Luna Desktop")
    app.setOrganizationName("Luna")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("org.lunadesktop.Luna")
    try:
        window = create_window(app, args.catalog, theme=args.theme)
    except CatalogError as exc:
        if args.screenshot:
            print(f"luna-desktop: {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "Luna Desktop", str(exc))
        return 1
    if args.screenshot:
        from .screenshot import take_screenshot

        return take_screenshot(app, window, args.screenshot, args.select, args.size)
    window.show()
    QTimer.singleShot(0, window.offer_drafts)  # after a crash: the words typed before it
    status = app.exec()
    if window.journal is not None:
        window.journal.close()  # what the close dialog saved or discarded, on disk
    return status


if __name__ == "__main__":
    sys.exit(main())
