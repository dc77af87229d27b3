"""Running the Qt-free core's generators on a QThreadPool.

A core operation (a scan, say) is a generator that yields progress and stops when its
cancel flag is set. `GeneratorWorker` runs one on the pool and turns what it yields
into signals on a separate QObject (a QRunnable cannot have signals, and the QObject
must outlive the runnable). Progress is throttled so the GUI thread is never flooded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

_log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    yielded = Signal(object)
    returned = Signal(object)  # the last value yielded
    errored = Signal(object)  # the exception
    finished = Signal()


class GeneratorWorker(QRunnable):
    def __init__(self, make: Callable[[], Iterator[Any]], *, min_interval: float = 0.1):
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps it until `finished`
        self.signals = WorkerSignals()
        self._make = make
        self._min_interval = min_interval

    def run(self) -> None:
        last = None
        last_emit = 0.0
        try:
            for last in self._make():
                now = time.monotonic()
                if now - last_emit >= self._min_interval:
                    last_emit = now
                    self.signals.yielded.emit(last)
        except Exception as exc:  # reported to the GUI, which shows a clear message
            # The window shows a one-line message; the traceback goes to the log.
            _log.exception("background operation failed")
            self.signals.errored.emit(exc)
        else:
            self.signals.returned.emit(last)
        finally:
            self.signals.finished.emit()


def start(
    worker: GeneratorWorker, pool: QThreadPool | None = None, keep: set | None = None
) -> GeneratorWorker:
    """Start `worker`; `keep` holds a reference until it finishes."""
    if keep is not None:
        keep.add(worker)
        worker.signals.finished.connect(lambda: keep.discard(worker))
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker
