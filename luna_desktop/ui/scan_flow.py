"""Scans as the window lives them: adding a drive (by its dialog or a dropped folder),
the tree filling while the scan runs, and what the window does when it ends.

The scan itself runs in DriveScans (a background thread feeding worker processes);
this flow only asks the curator the drive's name (or, for a folder that looks like a
copy of a known drive, whether it is that drive moved or a second drive holding copies)
and keeps the window in step.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from luna_desktop.scan.drive_copy import COPY
from luna_desktop.scan.drive_identity import Recognition, recognise
from luna_desktop.scan.pipeline import check_scan_root
from luna_desktop.scan.progress import ScanProgress

from .actions import ActionId
from .background import LatestOnly

if TYPE_CHECKING:
    from .main_window import MainWindow

TREE_REFRESH_MS = 1500  # while a scan fills the shown drive


class ScanFlow(QObject):
    # Nothing in hand any more: an add ended without a scan (the curator said no or
    # cancelled, or the folder cannot be added), or the scan it started has ended. The
    # folders the window was opened with go one after another on it (opened_folders).
    settled = Signal()

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
        """File → Add Drive…: the mounted volumes first, any folder a click away."""
        from .add_drive_dialog import AddDriveDialog

        folder = AddDriveDialog.ask(self.window)
        if folder:
            self.add_drive(folder)

    def add_drive(self, folder: str, name: str | None = None, rescan: str | None = None) -> bool:
        """Name a folder as a drive (asking, unless `name` is given) and scan it.

        False when it cannot be added at all; True when it is on its way (the name is
        asked once Luna has looked at the drive, which reads a few of its files off the
        GUI thread: a drive spinning up must not freeze the window). `rescan`: the
        curator already asked to rescan the known drive of that name here (the plugged-in
        notice): no second question, unless the folder turns out to be a copy of it.
        """
        w = self.window
        if self.scans.running:
            w.prompts.tell("Scan running", "Wait for the running scan to finish, or cancel it.")
            return False
        w.statusBar().showMessage(f"Looking at {folder}…", 0)
        self._looks.request(
            lambda _stale: _look_at(folder, name is None),
            lambda found: self._answered(*found, name, rescan),
            lambda exc: self._cannot_add(folder, exc),
        )
        return True

    def _cannot_add(self, folder: str, exc: Exception) -> None:
        self.window.statusBar().clearMessage()
        self.window.prompts.tell("Cannot add this folder", str(exc) or folder)
        self.settled.emit()

    def _answered(self, *args) -> None:
        # The questions are modal: once they are answered, a scan has started or not.
        try:
            self._name_and_scan(*args)
        finally:
            if not self.scans.running:
                self.settled.emit()

    def _name_and_scan(
        self, root: Path, found: Recognition | None, name: str | None, rescan: str | None = None
    ) -> None:
        w = self.window
        w.statusBar().clearMessage()
        if self.scans.running:
            return
        if name is not None or found is None:
            self.start(root, (name or "").strip() or root.name)
            return
        known = found.drive
        if known is not None and found.copy is not None:
            self._copy_or_moved(root, found)
            return
        if known is not None and known.name == rescan:
            self.start(root, known.name)  # asked for already, in the status bar
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
        self._ask_name(root, f"Name the drive at {root}:", found.suggestion)

    def _copy_or_moved(self, root: Path, found: Recognition) -> None:
        """The folder holds a known drive's files, but the drive is still at its own
        place (or on another volume, or only part of it is here): the same drive moved
        here, or a second drive holding copies? The curator says; the safer answer, a
        second drive, is the default."""
        w = self.window
        box = QMessageBox(w)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Add drive")
        box.setText(copy_question(found))
        box.setInformativeText(copy_choices(found))
        same = box.addButton("&Same drive, moved here", QMessageBox.ButtonRole.AcceptRole)
        same.setObjectName("copy_same_drive")
        second = box.addButton("A s&econd drive holding copies", QMessageBox.ButtonRole.AcceptRole)
        second.setObjectName("copy_second_drive")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(second)
        box.setEscapeButton(cancel)
        w.prompts.run_modal(box)
        clicked = box.clickedButton()
        if clicked is same:
            self.start(root, found.drive.name)
        elif clicked is second:
            self._ask_name(
                root, f"Name the second drive, at {root}, that holds copies:", found.copy_name
            )

    def _ask_name(self, root: Path, label: str, suggestion: str) -> None:
        w = self.window
        name, ok = QInputDialog.getText(
            w, "Add drive", label, QLineEdit.EchoMode.Normal, suggestion
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
        self.settled.emit()

    def _failed(self, message: str) -> None:
        self.window.prompts.tell("Scan failed", f"The scan stopped: {message}")


def _look_at(folder: str, recognise_it: bool) -> tuple[Path, Recognition | None]:
    """Off the GUI thread (a drive may take seconds to spin up, and telling a copy from
    the drive reads a few hundred of its files): is the folder there and readable, and
    is it a drive Luna knows, or a copy of one? Raises ScanError with a sentence if not."""
    root = check_scan_root(folder)
    return root, recognise(root) if recognise_it else None


def copy_question(found: Recognition) -> str:
    verdict, name = found.copy, found.drive.name
    share = f"{verdict.matched:,} of {verdict.sampled:,} sampled files match"
    if verdict.kind == COPY:
        return f"This looks like a copy of “{name}” ({share})."
    return f"This looks like a partial copy of “{name}” ({verdict.percent} %: {share})."


def copy_choices(found: Recognition) -> str:
    drive = found.drive
    where = (
        f"“{drive.name}” itself is still at {drive.mount_path}. "
        if found.copy.original_present
        else ""
    )
    return (
        f"{where}Same drive, moved here: scan it as “{drive.name}”, which is looked for "
        "here from now on (its files not found here are marked missing, keeping their "
        "curation). A second drive holding copies: scan it under a name of its own; "
        "the copies are shown as duplicates."
    )


def scan_summary(progress: ScanProgress) -> str:
    if progress.state == "completed":
        return f"Scanned {progress.drive}: {progress.summary()}"
    if progress.state == "cancelled":
        return f"Scan cancelled: {progress.drive}: {progress.summary()}"
    return f"The scan of {progress.drive} stopped: {progress.message or progress.summary()}"
