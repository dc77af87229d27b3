"""Catalogue questions answered off the GUI thread, newest first.

A search as you type, or the completion lists after a scan, cost more than a frame on
a big catalogue, so they run on a one-thread pool. Only the newest request matters: a
request made while another runs replaces any still waiting, and an answer to a request
that has since been replaced is dropped, never shown.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class Bridge(QObject):
    """Carries a pool thread's outcome back to the thread that owns the requester."""

    done = Signal(int, object, object)  # ticket, result, exception


class Job(QRunnable):
    """Runs `work` on a pool thread and reports through the bridge, under its ticket."""

    def __init__(
        self, ticket: int, work: Callable[[], Any], bridge: Bridge, what: str = "background work"
    ) -> None:
        super().__init__()
        self._ticket, self._work, self._bridge, self._what = ticket, work, bridge, what

    def run(self) -> None:
        result, error = None, None
        try:
            result = self._work()
        except Exception as exc:  # reported to the requester, which says what happened
            log.exception("%s failed", self._what)
            error = exc
        with contextlib.suppress(RuntimeError):  # the requester is gone
            self._bridge.done.emit(self._ticket, result, error)


class LatestOnly(QObject):
    """Runs one piece of work at a time; only the newest request's answer is delivered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._bridge = Bridge(self)  # after the pool: destroyed after it has finished
        self._bridge.done.connect(self._finished)
        self._ticket = 0
        self._running: int | None = None
        self._waiting: tuple[int, Callable[[], Any]] | None = None
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None]]] = {}

    @property
    def busy(self) -> bool:
        return self._running is not None or self._waiting is not None

    def request(
        self,
        work: Callable[[Callable[[], bool]], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None] = lambda _exc: None,
    ) -> None:
        """Run `work(stale)` off the GUI thread; `stale()` turns true as soon as a newer
        request or a cancel makes its answer unwanted, so long work can stop early."""
        self._ticket += 1
        ticket = self._ticket
        self._callbacks = {ticket: (done, failed)}  # older answers are not wanted

        def run() -> Any:
            return work(lambda: self._ticket != ticket)  # an int read: safe across threads

        if self._running is None:
            self._start(ticket, run)
        else:
            self._waiting = (ticket, run)

    def cancel(self) -> None:
        """Forget every request; whatever runs finishes unseen."""
        self._ticket += 1
        self._callbacks = {}
        self._waiting = None

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _start(self, ticket: int, work: Callable[[], Any]) -> None:
        self._running = ticket
        self._pool.start(Job(ticket, work, self._bridge, "a background question"))

    def _finished(self, ticket: int, result: Any, error: Exception | None) -> None:
        self._running = None
        callbacks = self._callbacks.pop(ticket, None)
        if self._waiting is not None:
            self._start(*self._waiting)
            self._waiting = None
        if callbacks is not None:
            done, failed = callbacks
            if error is None:
                done(result)
            else:
                failed(error)
