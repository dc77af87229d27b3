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
from luna_desktop.versions import PrintVersions

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .settings import Settings
    from .welcome_dialog import WelcomeDialog

THEMES = ("light", "dark")  # what --theme takes (the preference may also say "system")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="luna-desktop", description="The Luna curation window.")
    parser.add_argument(
        "folders",
        nargs="*",
        metavar="FOLDER",
        help="a drive or folder to add once the window is open, as if dropped on it",
    )
    parser.add_argument("--catalog", metavar="PATH", help="the catalogue file to open")
    parser.add_argument(
        "--add-drive",
        action="store_true",
        help="open File → Add Drive… once the window is open",
    )
    parser.add_argument(
        "--version",
        action=PrintVersions,
        report=_version_report,
        help="print the versions of Luna and what it runs on (Qt, libvlc…), and exit",
    )
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
    # Intermixed: `luna-desktop A --catalog C B` adds both A and B.
    # Qt's own options are taken out first; anything else unknown is a mistake (a
    # mistyped --catalog must not leave its value to be taken for a FOLDER to add).
    args, unknown = parser.parse_known_intermixed_args(_without_qt_options(argv[1:]))
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if (args.select or args.theme or args.size) and not args.screenshot:
        parser.error("--select, --theme and --size go with --screenshot")
    if args.screenshot and (args.folders or args.add_drive):
        parser.error("FOLDER and --add-drive do not go with --screenshot")
    if args.folders and args.add_drive:
        parser.error("give FOLDER or --add-drive, not both")
    # Made absolute here, against the directory Luna was started in (no disk is read).
    args.folders = [os.path.abspath(folder) for folder in args.folders]
    return args


def _version_report() -> str:
    # The Qt this program runs on: qVersion() needs no QApplication.
    from luna_desktop.versions import format_report

    from .about_dialog import window_rows

    return format_report(window_rows("luna-desktop"))


# Qt's own command-line options that take a value (QGuiApplication and QApplication
# read them from argv): without this, `-platform offscreen` would make "offscreen" a
# FOLDER. Qt also accepts them with two dashes, and as -option=value in one word.
_QT_VALUE_OPTIONS = {
    "platform",
    "platformpluginpath",
    "platformtheme",
    "plugin",
    "qwindowgeometry",
    "qwindowicon",
    "qwindowtitle",
    "session",
    "display",
    "geometry",
    "style",
    "stylesheet",
    "name",
    "title",
}


# Qt's flags that take no value (-qmljsdebugger takes one after "=").
_QT_FLAGS = {"reverse", "nograb", "dograb", "sync", "widgetcount", "testability", "qmljsdebugger"}


def _without_qt_options(args: list[str]) -> list[str]:
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-") and arg.lstrip("-") in _QT_VALUE_OPTIONS:
            skip = True  # the option and its value are Qt's
        elif arg.startswith("-") and arg.lstrip("-").partition("=")[0] in _QT_FLAGS:
            continue
        else:
            kept.append(arg)
    return kept


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

    from .about_dialog import app_icon

    # The window's workers scan and render previews: their fork server loads both,
    # whichever of them starts it.
    worker_context(WINDOW_PRELOAD)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Luna Desktop")
    app.setOrganizationName("Luna")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("org.lunadesktop.Luna")
    app.setWindowIcon(app_icon())  # every window's, where no desktop file gives one
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
    QTimer.singleShot(0, lambda: after_show(window, window.settings, args))
    status = app.exec()
    if window.journal is not None:
        window.journal.close()  # what the close dialog saved or discarded, on disk
    return status


def after_show(
    window: MainWindow, settings: Settings, args: argparse.Namespace
) -> WelcomeDialog | None:
    """What the window does once it is on screen, in this order: the drafts a crash left
    behind; then the folders given on the command line (each as if dropped), or the
    Add Drive dialog for --add-drive, or on the first start the welcome.

    Returns the welcome when it was opened. Nothing here blocks the caller on a dialog
    the curator has not answered yet, except the drafts' questions, which come first
    and only after a crash: the rest is opened with open() or from the event loop.
    A start with folders or --add-drive counts as the first start: it never shows
    the welcome later; neither does a first start on a catalogue that has drives.
    """
    from PySide6.QtCore import QTimer

    window.offer_drafts()  # after a crash: the words typed before it
    first_start = not settings.welcome_shown
    if args.folders or args.add_drive:
        if first_start:
            settings.welcome_shown = True  # the curator knows what they came to do
        if args.folders:
            from .opened_folders import OpenedFolders

            OpenedFolders(window, args.folders).start()
        else:
            # From the event loop: the dialog is modal (exec), and the caller goes on.
            QTimer.singleShot(0, window.scan_flow.add_drive_dialog)
        return None
    if not first_start:
        return None
    from luna_desktop.catalog.models import Drive

    from .welcome_dialog import show_welcome

    if Drive.select(Drive.id).exists():  # one row at most: the drives table's first
        # A catalogue already in use (Luna from before the welcome, or a team's shared
        # catalogue): its curator has started already.
        settings.welcome_shown = True
        return None

    return show_welcome(window, settings)


if __name__ == "__main__":
    sys.exit(main())
