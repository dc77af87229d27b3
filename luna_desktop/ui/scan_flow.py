"""Scans as the window lives them: adding a drive (by its dialog or a dropped folder),
the tree filling while the scan runs, and what the window does when it ends.

The scan itself runs in DriveScans (a background thread feeding worker processes);
this flow only asks the curator the drive's name and keeps the window in step.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

from luna_desktop.scan.drive_identity import recognise_drive
from luna_desktop.scan.pipeline import check_scan_root
from luna_desktop.scan.progress import ScanProgress

from .actions import ActionId
from .background import LatestOnly

if TYPE_CHECKING:
    from .main_window import MainWindow

TREE_REFRESH_MS = 1500  # while a scan fills the shown drive


class ScanFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.scans = window.scans
        self.scans.progressed.connect(self._progress)
        self.scans.ended.connect(self._ended)
        self.scans.failed.connect(self._failed)
        self._seen_drive = False
        self._refresh_interval = TREE_REFRESH_MS
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._refresh_during_scan)
        self._looks = LatestOnly(self)

    def add_drive_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Add a drive or folder")
        if folder:
            self.add_drive(folder)

    def add_drive(self, folder: str, name: str | None = None) -> bool:
        """Name a folder as a drive (asking, unless `name` is given) and scan it.

        False when it cannot be added at all; True when it is on its way (the name is
        asked once Luna has looked at the drive, which reads a few of its files off the
        GUI thread: a drive spinning up must not freeze the window).
        """
        w = self.window
        if self.scans.running:
            w.prompts.tell("Scan running", "Wait for the running scan to finish, or cancel it.")
            return False
        w.statusBar().showMessage(f"Looking at {folder}…", 0)
        self._looks.request(
            lambda _stale: _look_at(folder, name is None),
            lambda found: self._name_and_scan(*found, name),
            lambda exc: self._cannot_add(folder, exc),
        )
        return True

    def _cannot_add(self, folder: str, exc: Exception) -> None:
        self.window.statusBar().clearMessage()
        self.window.prompts.tell("Cannot add this folder", str(exc) or folder)

    def _name_and_scan(self, root: Path, known, suggestion: str, name: str | None) -> None:
        w = self.window
        w.statusBar().clearMessage()
        if self.scans.running:
            return
        if name is not None:
            self.start(root, name.strip())
            return
        if known is not None:
            # A known drive keeps its name (and its files' curation): one question.
            answer = w.prompts.ask(
                "Add drive",
                f"This is the drive “{known.name}”, seen before at {known.mount_path}. "
                "Rescan it now?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.start(root, known.name)
            return
        name, ok = QInputDialog.getText(
            w, "Add drive", f"Name the drive at {root}:", QLineEdit.EchoMode.Normal, suggestion
        )
        w.activateWindow()
        if ok and name.strip():
            self.start(root, name.strip())

    def start(self, root: Path, name: str) -> None:
        w = self.window
        self._seen_drive = False
        self._refresh_interval = TREE_REFRESH_MS
        w.actions_by_id[ActionId.CANCEL_SCAN].setEnabled(True)
        w.panel.scanning_drive = name
        self.scans.start(root, name, w.settings.ignore_patterns, w.settings.disk_reading)

    def _progress(self, progress: ScanProgress) -> None:
        w = self.window
        if not self._seen_drive:
            # The drive row exists now. A drive just added is shown, so the tree fills
            # as batches land; a curator in the middle of an edit stays, unasked.
            self._seen_drive = True
            shown = w.panel.drive_name()
            w.panel.refresh_drive_list()
            if shown != progress.drive and not w.form.is_dirty():
                # A new drive is shown whole: a chip or search left from the drive before
                # would hide the files arriving.
                w.panel.clear_filter()
                w.panel.refresh_drive_list(progress.drive)
                w.panel.load_tree()
                return
        if not self._refresh_timer.isActive():
            self._refresh_timer.start(self._refresh_interval)

    def _refresh_during_scan(self) -> None:
        if self.window.panel.drive_name() == self.scans.drive_name:
            self._reload_keeping_place()

    def _reload_keeping_place(self) -> None:
        started = time.monotonic()
        self.window.panel.reload_keeping_place(self.window.current_file)
        # On a huge drive a refresh takes a while: refresh less often, so the window
        # stays responsive while the scan runs.
        spent_ms = (time.monotonic() - started) * 1000
        self._refresh_interval = max(TREE_REFRESH_MS, int(spent_ms * 10))

    def _ended(self, progress: ScanProgress | None) -> None:
        w = self.window
        w.actions_by_id[ActionId.CANCEL_SCAN].setEnabled(False)
        self._refresh_timer.stop()
        w.panel.scanning_drive = None
        if w.closing:
            w.close()  # the curator asked to quit: the scan has stopped cleanly now
            return
        if progress is not None:
            w.statusBar().showMessage(scan_summary(progress), 15000)
            if progress.state not in ("completed", "cancelled"):
                w.prompts.tell("Scan stopped", scan_summary(progress))
        w.load_completions()  # the scan may have brought new keywords
        w.panel.refresh_drive_list()
        if w.model.drive_id is None:
            w.panel.load_tree()
        elif w.panel.drive_name() == self.scans.drive_name:
            self._reload_keeping_place()
        if w.current_file is None:
            w.panel.select_first()  # a drive just added: ready for j, 1–6 and u

    def _failed(self, message: str) -> None:
        self.window.prompts.tell("Scan failed", f"The scan stopped: {message}")


def _look_at(folder: str, recognise: bool) -> tuple[Path, object, str]:
    """Off the GUI thread (a drive may take seconds to spin up): is the folder there and
    readable, and is it a drive Luna knows? Raises ScanError with a sentence if not."""
    root = check_scan_root(folder)
    known, suggestion = recognise_drive(root) if recognise else (None, "")
    return root, known, suggestion


def scan_summary(progress: ScanProgress) -> str:
    if progress.state == "completed":
        return f"Scanned {progress.drive}: {progress.summary()}"
    if progress.state == "cancelled":
        return f"Scan cancelled: {progress.drive}: {progress.summary()}"
    return f"The scan of {progress.drive} stopped: {progress.message or progress.summary()}"
