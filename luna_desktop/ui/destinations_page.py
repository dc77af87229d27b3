"""Preferences → Destinations: where curated files are published, with Add…, Edit… and
Remove.

A destination lives in the catalogue, not in the settings file, so each change is
written when its own dialog says OK (or Remove is confirmed), not with the
Preferences' OK; the page says so. Reading the list and every write run off the GUI
thread.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.transfer import destinations

from .background import LatestOnly
from .destination_dialog import DestinationDialog
from .destination_saving import DestinationFields
from .serial_writes import SerialWrites

INTRO = (
    "Files marked upload are published to every destination here: copied, read back "
    "and verified. Changes on this page are saved as soon as you confirm them."
)
_ROLE = Qt.ItemDataRole.UserRole


def describe(fields: DestinationFields) -> str:
    """Two lines for the list: the name and place, then how it behaves."""
    how = ["delayed (waits for Start Transfers)" if fields.delayed else "starts by itself"]
    if fields.remove_local:
        how.append("removes local copies after verification")
    retries = fields.max_attempts - 1
    how.append(f"{retries} retries, the first after {fields.retry_delay:g} s")
    if fields.key_file:
        how.append(f"key {os.path.basename(fields.key_file)}")
    return f"{fields.name} — {fields.url}\n    " + " · ".join(how)


class _DestinationList(QListWidget):
    """Enter edits the destination chosen; it never reaches the dialog's OK."""

    edit_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            event.accept()
            self.edit_requested.emit()
            return
        super().keyPressEvent(event)


class DestinationsPage(QWidget):
    changed = Signal(str)  # a destination added, edited or removed (its name)

    def __init__(self, service=None, parent: QWidget | None = None) -> None:
        """`service`: the window's TransferService, which stops a destination's worker
        before it is removed and restarts it after an edit; None outside the window."""
        super().__init__(parent)
        self.setObjectName("destinations_page")
        self.service = service
        self._reads = LatestOnly(self)
        self._writes = SerialWrites(self)
        self._fields: dict[str, DestinationFields] = {}

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.list = _DestinationList()
        self.list.setObjectName("destination_list")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.itemActivated.connect(lambda _item: self.edit())
        self.list.edit_requested.connect(self.edit)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.empty = QLabel("No destinations yet: press Add… to publish to a folder or a server.")
        self.empty.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("destinations_note")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.add_button = QPushButton("&Add…")
        self.edit_button = QPushButton("&Edit…")
        self.remove_button = QPushButton("Re&move…")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            button.setAutoDefault(False)  # Enter means the dialog's OK, never these
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.remove_button.clicked.connect(self.remove)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        self._enable()
        self.reload()

    def names(self) -> list[str]:
        return list(self._fields)

    def reload(self, select: str | None = None) -> None:
        chosen = select or self._chosen()
        self._reads.request(
            lambda _stale: [DestinationFields.of(d) for d in destinations.all_destinations()],
            lambda found: self._show(found, chosen),
            lambda exc: self._say(f"Cannot read the destinations: {exc}"),
        )

    def _show(self, found: list[DestinationFields], chosen: str | None) -> None:
        self._fields = {f.name: f for f in found}
        self.list.clear()
        for fields in found:
            item = QListWidgetItem(describe(fields))
            item.setData(_ROLE, fields.name)
            item.setToolTip(describe(fields))
            self.list.addItem(item)
            if fields.name == chosen:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.empty.setVisible(not found)
        self._enable()

    def _chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(_ROLE) if item is not None else None

    def _enable(self) -> None:
        chosen = self._chosen() is not None
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def _say(self, text: str) -> None:
        self.note.setText(text)

    # -- commands ----------------------------------------------------------------------

    def add(self) -> DestinationDialog:
        return self._open(DestinationDialog(self, taken=frozenset(self._fields)))

    def edit(self) -> DestinationDialog | None:
        fields = self._fields.get(self._chosen() or "")
        if fields is None:
            return None
        return self._open(DestinationDialog(self, existing=fields))

    def _open(self, dialog: DestinationDialog) -> DestinationDialog:
        # Window-modal and not exec(): the Preferences stay responsive behind it.
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)
        dialog.open()
        return dialog

    def _saved(self, name: str) -> None:
        self._say(f"Saved {name}.")
        self.reload(select=name)
        if self.service is not None:
            self.service.destination_changed(name)
        self.changed.emit(name)

    def remove(self) -> None:
        name = self._chosen()
        if name is None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Remove destination")
        box.setText(f"Remove the destination {name}?")
        box.setInformativeText(
            "Its transfers not done yet are dropped, and its stored password or passphrase "
            "is removed from the keyring. Files already published there stay where they "
            "are, and the transfer log keeps its record."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.exec()
        if box.standardButton(box.clickedButton()) != QMessageBox.StandardButton.Yes:
            return
        self._say(f"Removing {name}…")
        if self.service is not None:
            self.service.remove_destination(
                name, lambda n: self._removed(name, n), self._remove_failed
            )
        else:
            self._writes.submit(
                lambda: destinations.remove(name),
                lambda n: self._removed(name, n),
                self._remove_failed,
            )

    def _removed(self, name: str, pending: int) -> None:
        self._writes.submit(
            lambda: _forget_secrets(name),
            failed=lambda exc: self._say(f"Removed {name}, but its secret stays: {exc}"),
        )
        dropped = f" ({pending:,} transfers not done were dropped)" if pending else ""
        self._say(f"Removed {name}{dropped}.")
        self.reload()
        self.changed.emit(name)

    def _remove_failed(self, exc: Exception) -> None:
        self._say(f"Not removed: {exc}")
        self.reload()


def _forget_secrets(name: str) -> None:
    from luna_desktop.transfer import secrets

    secrets.forget(name)
