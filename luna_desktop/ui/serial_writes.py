"""Catalogue writes off the GUI thread, one after another, every one of them.

LatestOnly (background.py) is for questions, where only the newest answer matters and a
request still waiting may be dropped. A write must never be dropped, and two must land
in the order they were made (Alt+Down twice is two moves): a one-thread pool runs them
first come, first served, and each one's own callback hears how it went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from .background import Bridge, Job

log = logging.getLogger(__name__)


class SerialWrites(QObject):
    idle = Signal()  # the last write waiting has landed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one at a time, in the order given
        self._bridge = Bridge(self)
        self._bridge.done.connect(self._finished)
        self._ticket = 0
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None]]] = {}

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None] = lambda _result: None,
        failed: Callable[[Exception], None] = lambda _exc: None,
    ) -> None:
        self._ticket += 1
        self._callbacks[self._ticket] = (done, failed)
        self._pool.start(Job(self._ticket, work, self._bridge, "a catalogue write"))

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _finished(self, ticket: int, result: Any, error: Exception | None) -> None:
        done, failed = self._callbacks.pop(ticket)
        try:
            if error is None:
                done(result)
            else:
                failed(error)
        finally:
            if not self._callbacks:
                self.idle.emit()
