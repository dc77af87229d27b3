"""The folders Luna was started with (`luna-desktop FOLDER…`, a file manager's "Open
with Luna Desktop"), each added exactly as if it had been dropped on the window.

A drop runs MainWindow.add_drive: the folder is looked at off the GUI thread, then the
curator is asked its name (or whether it is a known drive, or a copy of one) and the scan
starts, or a warning says why it cannot be added. The window scans one drive at a time,
so the folders go one after another: the next once the scan flow has settled (the
question was answered no, or the folder refused, or its scan has ended).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from .main_window import MainWindow


class OpenedFolders(QObject):
    """Adds the folders in order; `finished` when the last one has been dealt with."""

    finished = Signal()

    def __init__(self, window: MainWindow, folders: list[str]) -> None:
        super().__init__(window)
        self.setObjectName("opened_folders")
        self.window = window
        self.pending = list(folders)

    def start(self) -> None:
        self.window.scan_flow.settled.connect(self._next)
        self._next()

    def _next(self) -> None:
        if self.window.scan_running():
            return  # its end settles the flow, and the next folder's turn comes then
        if not self.pending:
            self.window.scan_flow.settled.disconnect(self._next)
            self.finished.emit()
            return
        self.window.add_drive(self.pending.pop(0))
