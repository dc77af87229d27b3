"""File → Add Drive…: the drives mounted now first, and any other folder after.

A curator adding a drive has usually just plugged it in, so the dialog lists the
volumes in the removable roots (scan.volumes) with their label, size, and whether Luna
knows them and under which name; Enter (or a double-click) picks one. "Other Folder…"
opens the folder chooser where drives are mounted, not in whatever folder Luna was
started from.

Listing reads the disks (a drive may take seconds to spin up, a stale mount never
answers), so it runs on a daemon thread while the dialog says "Looking for drives…";
closing the dialog never waits for it.

Keys: arrows choose, Enter adds (with no drive mounted: chooses a folder), Alt+O another
folder, Alt+L looks again, Esc cancels.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.formatting import human_size
from luna_desktop.catalog.models import DB
from luna_desktop.catalog.paths import to_text
from luna_desktop.scan.volumes import (
    BY_FILES,
    BY_PATH,
    BY_UUID,
    MountedVolume,
    list_volumes,
    removable_roots,
)

LOOKING = "Looking for drives…"
EMPTY = "No removable drives are mounted. Plug one in, or choose a folder."
COLUMNS = ("Drive", "In Luna", "Size", "Mounted at")  # the path last: it may be elided
_HOW = {
    BY_UUID: "Luna recognised it by its volume UUID.",
    BY_PATH: "Luna recognised it by where it was mounted when last scanned.",
    BY_FILES: "Luna recognised it by the files near its root.",
}


class _Bridge(QObject):
    done = Signal(int, object, object)  # ticket, (roots, volumes), exception


class AddDriveDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None = None,
        volumes_loader: Callable[[], list[MountedVolume]] = list_volumes,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("add_drive_dialog")
        self.setWindowTitle("Add Drive")
        self._loader = volumes_loader
        self._chosen: str | None = None
        self._roots: list[Path] | None = None  # None until the first listing answers
        self._ticket = 0
        self._loading = True
        self._paths: list[str] = []  # per row: kept in Python, a path may not be UTF-8
        self._bridge = _Bridge(self)
        self._bridge.done.connect(self._listed)

        intro = QLabel("Choose a mounted drive to catalogue, or another folder.")
        self.list = QTreeWidget()
        self.list.setObjectName("volume_list")
        self.list.setColumnCount(len(COLUMNS))
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAllColumnsShowFocus(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a path's both ends say most
        header = self.list.header()
        header.setStretchLastSection(True)
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemDoubleClicked.connect(lambda _item, _column: self._pick_current())
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.state = QLabel(LOOKING)
        self.state.setObjectName("volume_state")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setWordWrap(True)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.state)
        self._stack.addWidget(self.list)

        buttons = QDialogButtonBox()
        self.add_button = buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("add_volume")
        self.other_button = buttons.addButton(
            "&Other Folder…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.other_button.setObjectName("other_folder")
        self.again_button = buttons.addButton("&Look Again", QDialogButtonBox.ButtonRole.ActionRole)
        self.again_button.setObjectName("look_again")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        for button in (self.add_button, self.other_button, self.again_button, cancel):
            button.setAutoDefault(False)  # Enter does what _update_buttons says, from anywhere
        self.add_button.clicked.connect(self._pick_current)
        self.other_button.clicked.connect(self.choose_other_folder)
        self.again_button.clicked.connect(self.look_again)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._stack, 1)
        layout.addWidget(buttons)
        self.resize(720, 320)
        self.look_again()

    @staticmethod
    def ask(
        parent: QWidget | None = None,
        volumes_loader: Callable[[], list[MountedVolume]] = list_volumes,
    ) -> str | None:
        """The folder the curator chose to add, or None when they cancelled."""
        dialog = AddDriveDialog(parent, volumes_loader)
        try:
            return dialog.chosen_path() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    def chosen_path(self) -> str | None:
        return self._chosen

    def loading(self) -> bool:
        return self._loading

    def look_again(self) -> None:
        """List the mounted volumes again, off the GUI thread (a drive just plugged in)."""
        self._ticket += 1
        self._loading = True
        self.state.setText(LOOKING)
        self._stack.setCurrentWidget(self.state)
        self._update_buttons()
        threading.Thread(
            target=self._list, args=(self._ticket,), name="luna-add-drive", daemon=True
        ).start()

    def choose_other_folder(self) -> None:
        start = self._start_folder()
        folder = QFileDialog.getExistingDirectory(self, "Add a drive or folder", start)
        if folder:
            self._chosen = folder
            self.accept()

    # -- listing --------------------------------------------------------------------------

    def _list(self, ticket: int) -> None:
        roots, volumes, error = [], [], None
        try:
            roots = removable_roots()  # first: where Other Folder… starts, whatever follows
            volumes = self._loader()
        except Exception as exc:  # said in the dialog; another folder can still be chosen
            error = exc
        finally:
            with contextlib.suppress(Exception):  # no catalogue was opened on this thread
                if not DB.is_closed():
                    DB.close()  # this thread's connection only
        with contextlib.suppress(RuntimeError):  # the dialog was closed meanwhile
            self._bridge.done.emit(ticket, (roots, volumes), error)

    def _listed(self, ticket: int, result, error: Exception | None) -> None:
        if ticket != self._ticket:
            return  # a newer listing was asked for
        self._loading = False
        self._roots, volumes = result
        if error is not None:
            self.state.setText(f"Could not list the drives: {error}. You can choose a folder.")
            self._update_buttons()
            return
        self.list.clear()
        self._paths = [str(v.path) for v in volumes]
        for volume in volumes:
            self.list.addTopLevelItem(_row(volume))
        if not volumes:
            self.state.setText(EMPTY)
            self._update_buttons()
            self.other_button.setFocus()
            return
        self._stack.setCurrentWidget(self.list)
        first = next(
            (
                self.list.topLevelItem(i)
                for i in range(self.list.topLevelItemCount())
                if self.list.topLevelItem(i).flags() & Qt.ItemFlag.ItemIsEnabled
            ),
            None,
        )
        if first is not None:
            self.list.setCurrentItem(first)
        self._update_buttons()
        self.list.setFocus()

    # -- choosing -------------------------------------------------------------------------

    def _pick_current(self) -> None:
        item = self.list.currentItem()
        if self._stack.currentWidget() is not self.list or item is None:
            return
        if not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        self._chosen = self._paths[self.list.indexOfTopLevelItem(item)]
        self.accept()

    def _update_buttons(self) -> None:
        item = self.list.currentItem()
        listed = self._stack.currentWidget() is self.list
        self.add_button.setEnabled(
            listed and item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
        )
        # Enter adds the drive chosen; with no drive to choose, it opens the chooser.
        self.add_button.setDefault(listed)
        self.other_button.setDefault(not listed and not self._loading)

    def _start_folder(self) -> str:
        """Where drives are mounted (the first removable root), else the home folder:
        never the folder Luna was started from."""
        if self._roots:
            return str(self._roots[0])
        return str(Path.home())


def _row(volume: MountedVolume) -> QTreeWidgetItem:
    path_text = to_text(os.fsencode(volume.path))[0]
    if not volume.responding:
        size, luna = "", "Not responding"
    else:
        size = _size_text(volume)
        luna = f"Known as “{volume.known_drive}”" if volume.known_drive else "New drive"
    item = QTreeWidgetItem([volume.label, luna, size, path_text])
    if not volume.responding:
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        tip = "The drive did not answer in time. Look Again once it has woken up."
    elif volume.known_drive:
        tip = _HOW.get(volume.how_known or "", "")
    else:
        tip = "Luna has not catalogued this drive yet."
    for column in range(len(COLUMNS)):
        item.setToolTip(column, tip)
    item.setToolTip(3, path_text)
    return item


def _size_text(volume: MountedVolume) -> str:
    if volume.total_bytes is None:
        return ""
    if volume.free_bytes is None:
        return human_size(volume.total_bytes)
    return f"{human_size(volume.total_bytes)} · {human_size(volume.free_bytes)} free"
