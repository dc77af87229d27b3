"""The destinations' worker threads: one plain daemon thread per destination running the
core's worker, its events and its end handed to the GUI thread as signals; and the
timers that say when a destination's retry is due.

Each thread has its own catalogue connection (peewee keeps one per thread), closed when
it ends. Cancelling one stops it between two chunks of the file in hand, which the core
queues again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from luna_desktop.catalog.models import DB
from luna_desktop.transfer import worker

log = logging.getLogger(__name__)


@dataclass
class Run:
    thread: threading.Thread
    cancel: threading.Event
    again: bool = False  # start once more when this run ends (a setting changed)


class WorkerThreads(QObject):
    event = Signal(object)  # an event of a worker (JobStarted, JobProgress…)
    # Destination, RunSummary or the exception it died of, and whether to start again.
    ended = Signal(str, object, bool)

    def __init__(self, mounts: Callable[[], Mapping[int, str]], parent: QObject | None = None):
        super().__init__(parent)
        self.mounts = mounts
        self.runs: dict[str, Run] = {}
        self._bridge = _Bridge(self)
        self._bridge.event.connect(self.event)
        self._bridge.ended.connect(self._ended)

    def start(self, name: str) -> bool:
        if name in self.runs:
            return False
        cancel = threading.Event()
        thread = threading.Thread(
            target=self._work, args=(name, cancel), name=f"luna-transfer {name}", daemon=True
        )
        self.runs[name] = Run(thread, cancel)
        thread.start()
        return True

    def _work(self, name: str, cancel: threading.Event) -> None:
        bridge = self._bridge

        def on_event(event: object) -> None:
            with contextlib.suppress(RuntimeError):  # the window is gone
                bridge.event.emit(event)

        result: object
        try:
            result = worker.work(
                name, on_event=on_event, cancel=cancel.is_set, mounts=self.mounts, wait=False
            )
        except Exception as exc:  # shown as the destination's state, and logged
            log.exception("the transfers to %s stopped", name)
            result = exc
        finally:
            with contextlib.suppress(Exception):
                DB.close()  # this thread's own catalogue connection
        with contextlib.suppress(RuntimeError):
            bridge.ended.emit(name, result)

    def _ended(self, name: str, result: object) -> None:
        run = self.runs.pop(name, None)
        self.ended.emit(name, result, bool(run is not None and run.again))

    def stop_all(self, wait_s: float) -> None:
        """Cancel every run and wait for them, `wait_s` in all at most."""
        runs = list(self.runs.values())
        for run in runs:
            run.cancel.set()
        deadline = time.monotonic() + wait_s
        for run in runs:
            run.thread.join(max(0.0, deadline - time.monotonic()))


class _Bridge(QObject):
    event = Signal(object)
    ended = Signal(str, object)


class RetryTimers(QObject):
    """One single-shot timer per destination, for its earliest retry (or the end of a
    hold); `due` says which destination's time has come."""

    due = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timers: dict[str, QTimer] = {}

    def arm(self, name: str, seconds: float | None) -> None:
        """Fire in `seconds` (a second late: surely due then); None stops the timer."""
        timer = self._timers.get(name)
        if seconds is None:
            if timer is not None:
                timer.stop()
            return
        if timer is None:
            timer = self._timers[name] = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda n=name: self.due.emit(n))
        timer.start(int(min(max(seconds, 0.0) + 1.0, 86_400.0) * 1000))

    def stop_all(self) -> None:
        for timer in self._timers.values():
            timer.stop()
