"""Scans started from the window: one at a time, on a pool thread, with progress.

The scan itself is the Qt-free generator of luna_desktop.scan; this controller runs
it through GeneratorWorker, keeps the status-bar strip up to date, and tells the
window when the drive first exists (so the tree can show it filling) and when the
scan has ended.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal

from luna_desktop.scan.disk_kind import AUTO
from luna_desktop.scan.pipeline import Cancel, ScanOptions, scan_drive
from luna_desktop.scan.progress import ScanProgress

from .scan_status import ScanStatus
from .workers import GeneratorWorker, start


class DriveScans(QObject):
    started = Signal(str)  # the drive's name, as a scan of it begins
    progressed = Signal(object)  # ScanProgress, a few times a second
    ended = Signal(object)  # the last ScanProgress, or None when the scan failed
    failed = Signal(str)

    def __init__(self, pool: QThreadPool, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = pool
        self.status = ScanStatus()
        self.status.cancelRequested.connect(self.cancel)
        self._workers: set[GeneratorWorker] = set()
        self._cancel: Cancel | None = None
        self._last: ScanProgress | None = None
        self.drive_name: str | None = None

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def start(self, root: Path, name: str, ignore: list[str], disk: str = AUTO) -> None:
        cancel = Cancel()
        # Decoders never run in the window's process, however small the scan: one that
        # crashes on a broken file takes a worker, not the curator's unsaved words.
        # Half the CLI's batches: a curator saving while the scan writes waits behind one
        # batch at most (ui_bench: a 200-row batch kept a save waiting up to ~95 ms).
        options = ScanOptions(ignore=ignore, batch_size=100, disk=disk)
        worker = GeneratorWorker(lambda: scan_drive(root, name, options, cancel), min_interval=0.25)
        worker.signals.yielded.connect(self._progress)
        worker.signals.returned.connect(self._returned)
        worker.signals.errored.connect(lambda exc: self.failed.emit(str(exc)))
        worker.signals.finished.connect(self._finished)
        self._cancel = cancel
        self._last = None
        self.drive_name = name
        self.status.started(name)
        self.started.emit(name)
        start(worker, self.pool, self._workers)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.cancelling()

    def _progress(self, progress: ScanProgress) -> None:
        self.status.update_progress(progress)
        self.progressed.emit(progress)

    def _returned(self, progress: ScanProgress | None) -> None:
        self._last = progress

    def _finished(self) -> None:
        self._cancel = None
        self.status.hide()
        self.ended.emit(self._last)
