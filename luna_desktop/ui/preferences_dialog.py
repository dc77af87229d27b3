"""Preferences: who is curating, what scans skip, the theme, where the catalogue lives;
and, on a page of their own, the destinations curated files are published to.

Nothing on the General page is written until OK. The theme is previewed live while the
dialog is open and put back on Cancel, so trying a theme costs nothing. Destinations live
in the catalogue, and their page saves each change as it is confirmed (ui.destinations_page).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.database import default_catalog_path
from luna_desktop.scan.disk_kind import AUTO, ROTATING, SOLID

from .cache_preferences import CACHE_HELP, CacheRow
from .form_rows import add_row
from .settings import Settings
from .theme import THEMES, apply_theme

IGNORE_HELP = (
    "Names or relative paths to skip when scanning, e.g. *.thm or Clients/*/Proxies. "
    "System litter (.DS_Store, Thumbs.db…) is always skipped."
)
CURATOR_REQUIRED = "A curator name is required: it is recorded with every review."
CATALOG_IS_FOLDER = "That is a folder: add a file name, e.g. catalog.sqlite3."
RESTART_NOTE = "Takes effect the next time Luna starts."
DISK_LABELS = {
    AUTO: "As the system says each drive's disk is",
    ROTATING: "As rotating disks: one reader, in on-disk order",
    SOLID: "As SSDs: one reader per core",
}
AUTOPLAY_HELP = (
    "Off: a video shows its poster frame and waits for Space, so running through a "
    "folder with j and k stays quick and quiet."
)
DISK_HELP = (
    "A hard disk is read fastest by one reader following the files' order on the disk. "
    "Some USB enclosures and virtual machines report the wrong kind of disk."
)


class PreferencesDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        clear_cache: Callable[[], None] | None = None,
        *,
        transfers=None,
        page: str | None = None,
    ):
        """`transfers`: the window's TransferService, told of destination changes;
        `page`: "destinations" opens on that page."""
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._settings = settings
        self._original = {
            "curator_name": settings.curator_name,
            "ignore_patterns": settings.ignore_patterns,
            "theme": settings.theme,
            "disk_reading": settings.disk_reading,
            "autoplay": settings.autoplay,
            "catalog_path": settings.catalog_path,
        }
        self._changes: set[str] = set()
        self._previewed = False

        self.curator_edit = QLineEdit(self._original["curator_name"])
        self.curator_hint = _hint(CURATOR_REQUIRED, muted=False)

        self.ignore_edit = _PatternsEdit("\n".join(self._original["ignore_patterns"]))
        self.ignore_edit.setTabChangesFocus(True)  # Tab must move on, not insert a tab
        self.ignore_edit.setPlaceholderText("*.thm\nClients/*/Proxies")
        ignore_help = _hint(IGNORE_HELP)

        self.disk_combo = QComboBox()
        for key, label in DISK_LABELS.items():
            self.disk_combo.addItem(label, key)
        self.disk_combo.setCurrentIndex(list(DISK_LABELS).index(self._original["disk_reading"]))
        disk_help = _hint(DISK_HELP)

        self.autoplay_box = QCheckBox("Start &playing a video or audio file when it is shown")
        self.autoplay_box.setChecked(self._original["autoplay"])
        autoplay_help = _hint(AUTOPLAY_HELP)

        self.theme_combo = QComboBox()
        for key in THEMES:
            self.theme_combo.addItem(key.capitalize(), key)
        self.theme_combo.setCurrentIndex(THEMES.index(self._original["theme"]))

        self.cache_row = CacheRow(clear_cache)
        self._original["cache_cap"] = self.cache_row.cap_bytes()

        self.catalog_edit = QLineEdit(self._original["catalog_path"] or "")
        self.catalog_edit.setPlaceholderText(str(default_catalog_path()))
        self.catalog_edit.setClearButtonEnabled(True)
        self.choose_button = QPushButton("C&hoose…")
        self.choose_button.setAutoDefault(False)  # Enter in the dialog means OK, never this
        self.catalog_hint = _hint(CATALOG_IS_FOLDER, muted=False)
        catalog_row = QHBoxLayout()
        catalog_row.addWidget(self.catalog_edit, 1)
        catalog_row.addWidget(self.choose_button)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        add_row(form, "&Curator name:", self.curator_edit, self.curator_hint)
        add_row(form, "&Ignore patterns:", self.ignore_edit, ignore_help)
        add_row(form, "&Reading drives:", self.disk_combo, disk_help)
        add_row(form, "Videos:", self.autoplay_box, autoplay_help)
        add_row(form, "&Theme:", self.theme_combo)
        cache_help = _hint(CACHE_HELP)
        add_row(form, "Pre&view cache:", self.cache_row, cache_help, buddy=self.cache_row.cap_spin)
        add_row(
            form,
            "Catalogue &location:",
            catalog_row,
            self.catalog_hint,
            _hint(RESTART_NOTE),
            buddy=self.catalog_edit,
        )

        general = QWidget()
        general.setLayout(form)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "&General")
        # Built when first shown: it reads the catalogue, which the General page never needs.
        self._transfers = transfers
        self.destinations_page = None
        self._destinations_tab = QWidget()
        QVBoxLayout(self._destinations_tab).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self._destinations_tab, "&Destinations")
        self.tabs.currentChanged.connect(self._page_shown)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addSpacing(8)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(600)
        if page == "destinations":
            self.tabs.setCurrentWidget(self._destinations_tab)

        self.curator_edit.textChanged.connect(self._validate)
        self.catalog_edit.textChanged.connect(self._validate)
        self.theme_combo.currentIndexChanged.connect(self._preview_theme)
        self.choose_button.clicked.connect(self._choose_catalog)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._validate()

    def _page_shown(self, _index: int) -> None:
        if self.tabs.currentWidget() is self._destinations_tab and self.destinations_page is None:
            from .destinations_page import DestinationsPage

            page = self.destinations_page = DestinationsPage(self._transfers)
            self._destinations_tab.layout().addWidget(page)
            # Tab from the page's last button reaches OK, as from the General page.
            chain = [self.tabs.tabBar(), page.list, page.add_button, page.edit_button,
                     page.remove_button, self.ok_button,
                     self.buttons.button(QDialogButtonBox.StandardButton.Cancel)]  # fmt: skip
            for first, second in itertools.pairwise(chain):
                QWidget.setTabOrder(first, second)
            page.list.setFocus()

    def accepted_changes(self) -> set[str]:
        """Names of the settings that OK changed; empty before OK and after Cancel."""
        return set(self._changes)

    # -- values as edited -----------------------------------------------------------------

    def _values(self) -> dict[str, object]:
        catalog = self.catalog_edit.text().strip()
        return {
            "curator_name": self.curator_edit.text().strip(),
            "ignore_patterns": [
                line.strip() for line in self.ignore_edit.toPlainText().splitlines() if line.strip()
            ],
            "theme": self.theme_combo.currentData(),
            "disk_reading": self.disk_combo.currentData(),
            "autoplay": self.autoplay_box.isChecked(),
            "catalog_path": str(Path(catalog).expanduser()) if catalog else None,
            "cache_cap": self.cache_row.cap_bytes(),
        }

    def _validate(self) -> None:
        no_curator = not self.curator_edit.text().strip()
        catalog = self.catalog_edit.text().strip()
        catalog_is_folder = bool(catalog) and Path(catalog).expanduser().is_dir()
        self.curator_hint.setVisible(no_curator)
        self.catalog_hint.setVisible(catalog_is_folder)
        self.ok_button.setEnabled(not (no_curator or catalog_is_folder))

    # -- actions --------------------------------------------------------------------------

    def _preview_theme(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.theme_combo.currentData())
            self._previewed = True

    def _choose_catalog(self) -> None:
        start = self.catalog_edit.text().strip() or str(default_catalog_path())
        # Choosing an existing catalogue (to open it) is the usual case, so no overwrite prompt.
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Catalogue location",
            start,
            "Luna catalogue (*.sqlite3);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.catalog_edit.setText(path)

    def accept(self) -> None:
        if not self.ok_button.isEnabled():
            return
        values = self._values()
        self._changes = {key for key, value in values.items() if value != self._original[key]}
        if "cache_cap" in self._changes:  # kept with the cache: the CLI reads it too
            try:
                self.cache_row.cache.set_max_bytes(values["cache_cap"])
            except OSError as exc:
                self.cache_row.used.setText(f"cannot keep the cap: {exc.strerror or exc}")
                self._changes = set()
                return
        for key in self._changes - {"cache_cap"}:
            setattr(self._settings, key, values[key])
        self._settings.sync()
        super().accept()

    def reject(self) -> None:
        self._changes = set()
        if self._previewed:
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_theme(app, self._original["theme"])
            self._previewed = False
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Ctrl+Enter accepts from anywhere, even the patterns box where Enter starts a new
        # line; it matches Ctrl+Enter = save in the main window.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.accept()
            return
        super().keyPressEvent(event)


class _PatternsEdit(QPlainTextEdit):
    """Six lines tall to begin with (Qt's default is a tall box), growing with the dialog."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        margins = self.contentsMargins()
        lines = self.fontMetrics().lineSpacing() * 6
        hint.setHeight(lines + margins.top() + margins.bottom() + 2 * self.frameWidth())
        return hint


def _hint(text: str, *, muted: bool = True) -> QLabel:
    """Small explanatory text under a field; muted unless it says why OK is disabled."""
    label = QLabel(text)
    label.setWordWrap(True)
    if muted:
        # A palette role rather than a fixed colour, so it follows theme switches.
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.92)
    label.setFont(font)
    return label
