"""The preview cache filling in the background, as the window lives it: after each scan
(and on request) the thumbnails and previews of a drive are made in worker processes,
with a strip in the status bar that says how far it got and can stop it.

The filling itself is the Qt-free generator `scan.cache_fill.fill_cache`; this runs it
on a pool of its own (a scan and the cache never wait for each other's thread) and
queues the drives asked for while one fills.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from luna_desktop.scan.cache_fill import DONE, QUICK, FillProgress, fill_cache
from luna_desktop.scan.options import Cancel

from .workers import GeneratorWorker, start

__all__ = ["CacheFilling", "CacheStatus", "describe_fill"]


def describe_fill(progress: FillProgress) -> str:
    if progress.phase == DONE or progress.finished:
        if progress.message:
            return f"Preview cache: {progress.message}"
        return f"Preview cache: {progress.made:,} pictures cached, {progress.failed:,} could not be"
    what = "thumbnails" if progress.phase == QUICK else "previews"
    of = f" of {progress.total:,}" if progress.total else ""
    return f"Caching {what} of {progress.drive}: {progress.done:,}{of}"


class CacheStatus(QWidget):
    """The status-bar strip: what is being cached, a bar, and Stop."""

    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cache_status")
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(140)
        self.bar.setTextVisible(False)
        self.stop = QPushButton("Stop")
        self.stop.setToolTip("Stop caching previews; what was made so far is kept")
        self.stop.clicked.connect(self.stop_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.stop)
        self.hide()

    def started(self) -> None:
        self.label.setText("Caching previews…")
        self.bar.setRange(0, 0)
        self.stop.setEnabled(True)
        self.show()

    def update_progress(self, progress: FillProgress) -> None:
        self.label.setText(describe_fill(progress))
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(min(progress.done, progress.total))

    def stopping(self) -> None:
        self.stop.setEnabled(False)
        self.label.setText(self.label.text() + " · stopping…")


class CacheFilling(QObject):
    progressed = Signal(object)  # FillProgress, a few times a second
    ended = Signal(object)  # the last FillProgress (None if it failed)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.status = CacheStatus()
        self.status.stop_requested.connect(self.cancel)
        self._workers: set[GeneratorWorker] = set()
        self._cancel: Cancel | None = None
        self._queued: list[tuple[int | None, frozenset[int] | None]] = []
        # Drives whose last fill stopped at the cap: not filled again by themselves
        # after each scan (each fill would push out the last one's pictures).
        self.capped: set[int | None] = set()
        self._drive: int | None = None
        self._last: FillProgress | None = None

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def fill(self, drive_id: int | None, file_ids: set[int] | None = None) -> None:
        """Cache a drive's pictures (None: every connected drive; `file_ids`: only
        those files), now or after the fill running."""
        wanted = (drive_id, frozenset(file_ids) if file_ids is not None else None)
        if self.running:
            if wanted not in self._queued:
                self._queued.append(wanted)
            return
        self._drive = drive_id
        from luna_desktop.media.preview_cache import PreviewCache

        cancel = self._cancel = Cancel()
        self._last = None
        # The cache's folder and cap are read on the pool thread, with everything else.
        worker = GeneratorWorker(
            lambda: fill_cache(drive_id, PreviewCache(), cancel, file_ids=file_ids),
            min_interval=0.25,
        )
        worker.signals.yielded.connect(self._progress)
        worker.signals.returned.connect(self._returned)
        worker.signals.finished.connect(self._finished)
        self.status.started()
        start(worker, self._pool, self._workers)

    def cancel(self) -> None:
        """Stop now and forget what was queued."""
        self._queued.clear()
        if self._cancel is not None:
            self._cancel.set()
            self.status.stopping()

    def shutdown(self) -> None:
        """Quitting: stop between files (the workers die with Luna in any case)."""
        self.cancel()

    def _progress(self, progress: FillProgress) -> None:
        self._last = progress
        self.status.update_progress(progress)
        self.progressed.emit(progress)

    def _returned(self, progress: FillProgress | None) -> None:
        if progress is not None:
            self._last = progress

    def _finished(self) -> None:
        self._cancel = None
        self.status.hide()
        if self._last is not None and self._last.cap_reached:
            self.capped.add(self._drive)
        self.ended.emit(self._last)
        if self._queued:
            drive_id, file_ids = self._queued.pop(0)
            self.fill(drive_id, set(file_ids) if file_ids is not None else None)
