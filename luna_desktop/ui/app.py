"""`luna-desktop`: open the catalogue and the curation window."""

from __future__ import annotations

import argparse
import os
import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from luna_desktop import __version__
from luna_desktop.catalog.database import open_catalog, resolve_catalog_path
from luna_desktop.catalog.errors import CatalogError

from .main_window import MainWindow
from .settings import Settings
from .theme import apply_theme


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="luna-desktop", description="The Luna curation window.")
    parser.add_argument("--catalog", metavar="PATH", help="the catalogue file to open")
    parser.add_argument("--version", action="version", version=f"luna-desktop {__version__}")
    args, _qt_args = parser.parse_known_args(argv[1:])
    return args


def create_window(app: QApplication, catalog: str | None = None) -> MainWindow:
    """Open the catalogue and build the window (raises CatalogError with a clear message)."""
    settings = Settings()
    apply_theme(app, settings.theme)
    # --catalog, then $LUNA_CATALOG, then the preference, then the data directory.
    path = resolve_catalog_path(catalog or os.environ.get("LUNA_CATALOG") or settings.catalog_path)
    open_catalog(path)
    return MainWindow(settings, catalog_label=f"Catalogue: {path}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Luna Desktop")
    app.setOrganizationName("Luna")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("org.lunadesktop.Luna")
    try:
        window = create_window(app, args.catalog)
    except CatalogError as exc:
        QMessageBox.critical(None, "Luna Desktop", str(exc))
        return 1
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
