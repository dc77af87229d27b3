"""`luna-desktop`: the window. The curation window itself arrives with the next issue;
until then this opens the catalogue and shows its drives, so the quick start is true."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox

from luna_desktop import __version__
from luna_desktop.catalog.database import open_catalog, resolve_catalog_path
from luna_desktop.catalog.errors import CatalogError
from luna_desktop.catalog.models import Drive


def main(argv: list[str] | None = None) -> int:
    app = QApplication(sys.argv if argv is None else argv)
    app.setApplicationName("Luna Desktop")
    app.setOrganizationName("Luna")
    app.setApplicationVersion(__version__)
    try:
        open_catalog()
    except CatalogError as exc:
        QMessageBox.critical(None, "Luna Desktop", str(exc))
        return 1
    window = QMainWindow()
    window.setWindowTitle(f"Luna Desktop — {resolve_catalog_path()}")
    drives = [d.name for d in Drive.select(Drive.name).order_by(Drive.name)]
    text = (
        "Drives in this catalogue: " + ", ".join(drives)
        if drives
        else "No drives yet. Add one with: luna scan /path/to/drive"
    )
    label = QLabel(text)
    label.setMargin(24)
    window.setCentralWidget(label)
    window.resize(900, 600)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
