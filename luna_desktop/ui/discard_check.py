"""A copy discarded in the form is checked by content at once.

oshash only proposes that two files are copies. When the curator saves Discard on a
file the tree marks as a copy whose content is not yet compared with its primary's,
the group is hashed on a worker thread (the drives that are mounted), so that a file
which only looked like a copy is found while the curator is still on that folder: the
message says so, and the tree stops marking it. Nothing the curator decided is undone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from luna_desktop.catalog.duplicate_views import Confirmed
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.catalog.status import Status

from .duplicate_hashing import GroupConfirmer

if TYPE_CHECKING:
    from .main_window import MainWindow


class DiscardCheck(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.confirmer = GroupConfirmer(self)
        self.confirmer.signals.finished.connect(self._finished)
        self.confirmer.signals.failed.connect(self._failed)
        self._queue: list[tuple[int, str, str]] = []  # (file id, file name, primary)
        self._running: tuple[int, str, str] | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._queue)

    def saved(self, file_id: int, status: int) -> None:
        if status != int(Status.DISCARD):
            return
        model = self.window.model
        index = model.file_index(file_id)
        if not index.isValid():
            return
        row = model.node(index).row
        if not row.copy_of or row.copy_confirmed:
            return
        self._queue.append((file_id, row.filename, row.copy_of))
        self._next()

    def stop(self) -> None:
        self._queue.clear()
        self.confirmer.stop()

    def _next(self) -> None:
        if self._running is not None or not self._queue:
            return
        file_id, name, primary = self._queue.pop(0)
        entry = FileEntry.get_or_none(FileEntry.id == file_id)  # by primary key
        if entry is None or not entry.oshash:
            self._next()
            return
        mounts = self.window.mounts
        usable = {
            d.id: d.mount_path
            for d in Drive.select(Drive.id, Drive.mount_path)  # a handful of rows
            if d.mount_path and mounts.usable(d.mount_path)
        }
        self._running = (file_id, name, primary)
        self._say(f"Checking by content that “{name}” is a copy of {primary}…", 0)
        self.confirmer.start(entry.oshash, usable)

    def _finished(self, outcome: Confirmed) -> None:
        assert self._running is not None
        file_id, name, primary = self._running
        self._running = None
        result = outcome.result
        if file_id in result.split:
            self._say(
                f"“{name}” is not a copy of {primary}: its content differs. It is still "
                "marked Discard — check that you mean it (it may be the only one).",
                0,
            )
        elif file_id in dict(result.skipped):
            why = dict(result.skipped)[file_id]
            self._say(
                f"“{name}” was discarded as a copy of {primary}, not yet checked by "
                f"content ({why}). Duplicates (Ctrl+Shift+D) can check it later.",
                12000,
            )
        elif result.confirmed:
            self._say(f"Checked: “{name}” is an exact copy of {primary}", 6000)
        elif not outcome.cancelled:
            self._say(
                f"“{name}” could not be compared with {primary}: the primary's drive is "
                "not mounted. Duplicates (Ctrl+Shift+D) can check it later.",
                12000,
            )
        self.window.panel.reload_keeping_place(self.window.current_file)
        self._next()

    def _failed(self, exc: Exception) -> None:
        name = self._running[1] if self._running else "the file"
        self._running = None
        self._say(f"Could not check “{name}” by content: {exc}", 10000)
        self._next()

    def _say(self, text: str, ms: int) -> None:
        self.window.statusBar().showMessage(text, ms)
