"""The small dialogs of File → Import listing… and Export listing…: what to import and
under which drive name, which drive to export, and the progress while either runs.

They only ask; `listing_dialogs` runs what was asked. Every one works from the keyboard:
Enter accepts, Esc cancels, and the field a curator most likely changes has the focus.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

UPDATE_HELP = (
    "Files already on the drive take the listing's size, date, type, duration and camera. "
    "Their curation (status, title, notes…) is never changed. Unticked, files that differ "
    "are left as they are and counted as skipped."
)


def _note(text: str = "", *, muted: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if muted:
        # A palette role rather than a fixed colour, so it follows theme switches.
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class ImportDialog(QDialog):
    """The drive name a listing goes into (derived from its file name) and --update."""

    def __init__(
        self, path: Path, suggested: str, drive_names: list[str], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle("Import listing")
        self.setMinimumWidth(520)
        self._drives = drive_names
        self._by_folded = {name.casefold(): name for name in drive_names}

        source = _note(f"From <b>{_escape(path.name)}</b> in {_escape(str(path.parent))}")
        source.setToolTip(str(path))
        self.name_edit = QLineEdit(suggested)
        self.name_edit.setObjectName("listing_drive_name")
        self.drive_note = _note()
        self.drive_note.setObjectName("listing_drive_note")
        self.update_box = QCheckBox("&Update existing rows")
        self.update_box.setObjectName("listing_update")
        update_help = _note(UPDATE_HELP, muted=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("&Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        name_label = QLabel("Drive &name:")
        name_label.setBuddy(self.name_edit)
        # A grid, not a QFormLayout: the form leaves gaps around wrapped text.
        grid = QGridLayout()
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        grid.addWidget(name_label, 0, 0)
        grid.addWidget(self.name_edit, 0, 1)
        grid.addWidget(self.drive_note, 1, 1)
        grid.setRowMinimumHeight(2, 8)
        grid.addWidget(self.update_box, 3, 1)
        grid.addWidget(update_help, 4, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(source)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addSpacing(10)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.name_edit.textChanged.connect(self._name_changed)
        self._name_changed(suggested)
        _fit_height(self)
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def drive_name(self) -> str:
        return self.name_edit.text().strip()

    def update_existing(self) -> bool:
        return self.update_box.isChecked()

    def existing_drive(self) -> str | None:
        name = self.drive_name()
        return name if name in self._drives else None

    def _name_changed(self, _text: str) -> None:
        name = self.drive_name()
        self.import_button.setEnabled(bool(name))
        self.update_box.setEnabled(name in self._drives)
        if not name:
            note = "Give the drive a name."
        elif name in self._drives:
            note = (
                f"“{_escape(name)}” is already in the catalogue: the listing's files are "
                "<b>merged into it</b>. Files it already holds keep their curation."
            )
        elif name.casefold() in self._by_folded:
            other = self._by_folded[name.casefold()]
            note = (
                f"Not the drive “{_escape(other)}” (the names differ in capitals): a new "
                f"drive “{_escape(name)}” is added."
            )
        else:
            note = (
                f"A new drive “{_escape(name)}” is added, offline until it is plugged in "
                "and scanned."
            )
        self.drive_note.setText(note)


class ExportDialog(QDialog):
    """Which drive to write as a listing; the file is asked next."""

    def __init__(self, drive_names: list[str], shown: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export listing")
        self.setMinimumWidth(420)
        self.drive_combo = QComboBox()
        self.drive_combo.setObjectName("listing_export_drive")
        self.drive_combo.addItems(drive_names)
        if shown in drive_names:
            self.drive_combo.setCurrentIndex(drive_names.index(shown))
        explain = _note(
            "Writes the drive's files as a JSON listing, the same shape Import listing reads. "
            "The file is chosen next.",
            muted=True,
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        drive_label = QLabel("&Drive:")
        drive_label.setBuddy(self.drive_combo)
        form.addRow(drive_label, self.drive_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addSpacing(8)
        layout.addWidget(buttons)
        _fit_height(self)
        self.drive_combo.setFocus()

    def drive_name(self) -> str:
        return self.drive_combo.currentText()


class ListingProgress(QDialog):
    """How far an import or export has got, with Cancel (Esc).

    Cancel asks the job to stop and keeps the dialog up until it has: closing at once
    would let the curator work on while the catalogue is still being written.
    """

    cancelRequested = Signal()

    def __init__(self, title: str, stopping_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self._stopping_text = stopping_text
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(460)
        self.label = _note()
        self.label.setObjectName("listing_progress_text")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(buttons)
        self.stopping = False
        self.set_step("Starting…")
        _fit_height(self)

    def set_step(self, text: str, done: int = 0, total: int = 0) -> None:
        if self.stopping:
            return
        self.label.setText(text)
        if total > 0:
            # In thousandths: a byte count past 2 GiB does not fit a QProgressBar's int.
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, done * 1000 // total))
        else:
            self.bar.setRange(0, 0)  # busy: how long is not known

    def set_cancellable(self, cancellable: bool) -> None:
        self.cancel_button.setEnabled(cancellable and not self.stopping)

    def reject(self) -> None:
        """Esc, Cancel or the close button: ask the job to stop; `finish` closes."""
        if self.stopping or not self.cancel_button.isEnabled():
            return
        self.stopping = True
        self.cancel_button.setEnabled(False)
        self.label.setText(self._stopping_text)
        self.bar.setRange(0, 0)
        self.cancelRequested.emit()

    def finish(self) -> None:
        self.hide()
        self.deleteLater()


def _fit_height(dialog: QDialog) -> None:
    """As tall as the wrapped text needs at the dialog's width. Qt sizes a dialog from
    its labels' preferred (narrower) width, which leaves gaps once it is widened."""
    width = max(dialog.minimumWidth(), dialog.sizeHint().width())
    dialog.resize(width, dialog.layout().totalHeightForWidth(width))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
