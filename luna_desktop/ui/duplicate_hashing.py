"""Confirming a duplicate group by content, on a worker thread, with progress and a stop.

Hashing reads every byte of each member not yet hashed (a 40 GB video takes minutes
from a USB drive), so it runs on the panel's own one-thread pool, says which file it
reads and how far it has got (at most ten times a second), and stops within a block
of the curator pressing Stop. Hashes stored before the stop are kept.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from luna_desktop.catalog.duplicate_views import Confirmed, confirm_with_progress
from luna_desktop.scan.oshash import content_hash

log = logging.getLogger(__name__)

_EVERY_S = 0.1


class ConfirmSignals(QObject):
    progress = Signal(object, int)  # the path being read (bytes), bytes read so far
    finished = Signal(object)  # Confirmed
    failed = Signal(object)  # the exception


class _ConfirmRun(QRunnable):
    def __init__(
        self,
        oshash: str,
        mounts: Mapping[int, str],
        cancel: threading.Event,
        signals: ConfirmSignals,
    ) -> None:
        super().__init__()
        self._oshash, self._mounts, self._cancel, self._signals = oshash, mounts, cancel, signals
        self._done = 0
        self._path: bytes | str = b""
        self._last = 0.0

    def run(self) -> None:
        try:
            outcome = confirm_with_progress(
                self._oshash,
                self._mounts,
                hasher=content_hash,
                on_file=self._on_file,
                on_bytes=self._on_bytes,
                cancel=self._cancel.is_set,
            )
        except Exception as exc:  # the panel says what went wrong in a sentence
            log.exception("confirming duplicate group %s failed", self._oshash)
            self._emit(self._signals.failed, exc)
        else:
            self._emit(self._signals.finished, outcome)

    def _on_file(self, path: bytes | str) -> None:
        self._path = path
        self._emit(self._signals.progress, path, self._done)
        self._last = time.monotonic()

    def _on_bytes(self, count: int) -> None:
        self._done += count
        now = time.monotonic()
        if now - self._last >= _EVERY_S:
            self._last = now
            self._emit(self._signals.progress, self._path, self._done)

    @staticmethod
    def _emit(signal, *args) -> None:
        with contextlib.suppress(RuntimeError):  # the panel is gone
            signal.emit(*args)


class GroupConfirmer(QObject):
    """Runs one confirmation at a time for the duplicates panel."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Before the pool: deleted first when the panel goes, which stops a hash that
        # runs so the pool's wait for it is short.
        self._cancel = threading.Event()
        stopper = QObject(self)
        cancel = self._cancel
        stopper.destroyed.connect(lambda *_args: cancel.set())
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.signals = ConfirmSignals(self)
        self.running = False
        self.signals.finished.connect(self._ended)
        self.signals.failed.connect(self._ended)

    def start(self, oshash: str, mounts: Mapping[int, str]) -> None:
        assert not self.running
        self._cancel.clear()
        self.running = True
        self._pool.start(_ConfirmRun(oshash, dict(mounts), self._cancel, self.signals))

    def stop(self) -> None:
        self._cancel.set()

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _ended(self, _result: Confirmed | Exception) -> None:
        self.running = False
