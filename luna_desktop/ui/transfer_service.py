"""Publishing as the window lives it: one worker thread per destination, started when
there is something it can do, its events turned into signals.

The core's worker works a destination's queue until nothing can be done *now*
(``wait=False``), then ends and gives its claim back (so `luna transfer run` may take
the destination while the window idles). This service starts it again: at the window's
start, a second after saves and bulk changes, after a scan and every 30 s (each time
after a sync of the queues); when a drive comes or goes; when a retry falls due.

A destination not delayed and not paused starts by itself; a delayed one only after
"Start transfers", until its queue is empty. One that could not be reached is left
alone until its retry is due, so restarts do not spend the other jobs' attempts. Every
catalogue query and write runs off the GUI thread; closing the window stops the workers
between two chunks (the core queues the file in hand again).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal

from luna_desktop.transfer import destinations, local_copies, queue
from luna_desktop.transfer.errors import HostKeyUnknown
from luna_desktop.transfer.events import (
    DestinationNote,
    FileTransferred,
    JobFailed,
    JobProgress,
    JobStarted,
)

from .background import LatestOnly
from .serial_writes import SerialWrites
from .transfer_state import DestinationState, Live, QueueView, read_views
from .transfer_support import DriveMounts, TransferQuestions
from .transfer_threads import RetryTimers, WorkerThreads

SYNC_EVERY_MS = 30_000  # new upload files found, stuck destinations tried again
SYNC_AFTER_CHANGE_MS = 1_000  # a save or a bulk change: one sync for a burst of them
REFRESH_MIN_MS = 700  # counts are read at most this often while files flow
BUSY_HOLD_S = 30.0  # another Luna works the destination: look again after this


class TransferService(QObject):
    file_transferred = Signal(object)  # FileTransferred: file, source and destination
    job_started = Signal(object)  # JobStarted
    progress = Signal(object)  # JobProgress, a few times a second
    job_failed = Signal(object)  # JobFailed (tried again later, or failed for good)
    note = Signal(object)  # DestinationNote: paused, unreachable, host key, busy…
    state_changed = Signal(str)  # a destination's state or counts changed
    destinations_changed = Signal()  # destinations were added, removed or renamed
    message = Signal(str, int)  # for the status bar: text, milliseconds

    def __init__(
        self,
        mounts: DriveMounts,
        questions: TransferQuestions,
        parent: QObject | None = None,
        *,
        automatic: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(parent)
        self.mounts = mounts
        self.questions = questions
        self._automatic = automatic  # False: nothing starts unless asked (a screenshot)
        self._views: dict[str, QueueView] = {}
        self._live: dict[str, Live] = {}
        mounts.watch.changed.connect(self.mounts_changed)
        self._threads = WorkerThreads(mounts, self)
        self._threads.event.connect(self._on_event)
        self._threads.ended.connect(self._on_ended)
        self._runs = self._threads.runs  # destination → its running worker
        # Destinations being looked at before a start, and whether to look once more (a
        # drive came while the look ran, with what was plugged in before).
        self._preparing: dict[str, bool] = {}
        self._asking: set[str] = set()
        self._asked_keys: set[tuple[str, str]] = set()
        self._kick_after_read = False
        self._closing = False
        self._writes = SerialWrites(self)  # in order: pause, then the look that follows it
        self._reads = LatestOnly(self)  # counts: only the newest matters
        self._last_read = 0.0
        self._refresh_timer = self._timer(REFRESH_MIN_MS, lambda: self.refresh())
        self._sync_timer = self._timer(SYNC_AFTER_CHANGE_MS, self._sync_all)
        self._tick = QTimer(self)
        self._tick.setInterval(SYNC_EVERY_MS)
        self._tick.timeout.connect(self._sync_all)
        self._retries = RetryTimers(self)
        self._retries.due.connect(self._retry_due)

    def _timer(self, ms: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # -- reading ---------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(self._views)

    def state(self, name: str) -> DestinationState | None:
        view = self._views.get(name)
        if view is None:
            return None
        return DestinationState(view, replace(self._live.setdefault(name, Live())))

    def running(self, name: str | None = None) -> bool:
        return name in self._runs if name is not None else bool(self._runs)

    # -- what starts the workers -------------------------------------------------------

    def begin(self) -> None:
        """The window is up: queue what was marked meanwhile, and start what can start."""
        self._tick.start()
        self._sync_all()

    def files_changed(self) -> None:
        """Files were saved or changed in bulk: sync the queues in a moment."""
        if not self._closing:
            self._sync_timer.start()

    def mounts_changed(self) -> None:
        """A drive came or went: jobs waiting for it may run now."""
        self.mounts.forget()
        self.refresh(kick=True)

    def destination_changed(self, name: str | None = None) -> None:
        """A destination was added or edited: a running worker starts again with its new
        settings (its file in hand is queued again, not counted as a failed attempt)."""
        if name is not None:
            live = self._live.setdefault(name, Live())
            live.blocked, live.hold_until = None, None
            run = self._runs.get(name)
            if run is not None:
                run.again = True
                run.cancel.set()
        self.refresh(kick=True)

    # -- the curator's commands ----------------------------------------------------------

    def start(self, name: str) -> None:
        """Start transfers: the destination works its whole queue now, delayed or not;
        jobs cancelled before are queued again."""
        view = self._views.get(name)
        if view is not None and view.paused:
            self.message.emit(f"{name} is paused: Resume it to start its transfers", 6000)
            return
        live = self._live.setdefault(name, Live())
        live.started, live.blocked, live.hold_until = True, None, None
        self._asked_keys = {k for k in self._asked_keys if k[0] != name}  # asked anew
        self._write(name, queue.requeue_cancelled, lambda _n: self._kick(name, manual=True))

    def start_all(self) -> None:
        paused = [n for n, v in self._views.items() if v.paused]
        for name in self.names():
            if name not in paused:
                self.start(name)
        if not self._views:
            self.message.emit("No destinations yet: add one in Preferences → Destinations", 8000)
        elif paused:
            self.message.emit(
                f"Paused, so not started: {', '.join(paused)} (Resume in the Transfers panel)",
                8000,
            )

    def pause(self, name: str) -> None:
        """Stop after the file in hand; nothing more starts until Resume."""

        def paused(_result) -> None:
            live = self._live.setdefault(name, Live())
            live.pausing = name in self._runs
            self.state_changed.emit(name)
            self.refresh()

        self._write(name, lambda d: queue.set_paused(d, True), paused)

    def resume(self, name: str) -> None:
        self._write(name, lambda d: queue.set_paused(d, False), lambda _r: self.refresh(kick=True))

    def cancel(self, name: str) -> None:
        """Cancel every job not done yet; the file in hand stops at its next chunk and its
        partial copy is removed. Start transfers queues them again."""

        def cancelled(count: int) -> None:
            self._live.setdefault(name, Live()).started = False
            self.message.emit(f"{count:,} transfer(s) to {name} cancelled", 6000)
            self.refresh()

        self._write(name, queue.cancel_all, cancelled)

    def retry_failed(self, name: str) -> None:
        def requeued(count: int) -> None:
            live = self._live.setdefault(name, Live())
            live.started, live.hold_until = True, None
            self.message.emit(f"{count:,} failed transfer(s) to {name} queued again", 6000)
            self.refresh(kick=True)

        self._write(name, queue.retry_failed, requeued)

    def remove_destination(
        self, name: str, done: Callable[[int], None], failed: Callable[[Exception], None]
    ) -> None:
        """Stop the destination's worker, then forget the destination and its jobs."""
        run = self._runs.get(name)
        if run is not None:
            run.cancel.set()
        thread = run.thread if run is not None else None

        def remove() -> int:
            if thread is not None:
                thread.join(30.0)  # between two chunks: moments
            return destinations.remove(name)

        def removed(pending: int) -> None:
            self._live.pop(name, None)
            self.refresh()
            done(pending)

        self._writes.submit(remove, removed, failed)

    def _write(self, name: str, change: Callable, then: Callable) -> None:
        def work():
            return change(destinations.get(name))

        def failed(exc: Exception) -> None:
            self.message.emit(f"{name}: {exc}", 8000)
            self.refresh()

        self._writes.submit(work, then, failed)

    # -- the catalogue's view ------------------------------------------------------------

    def refresh(self, kick: bool = False) -> None:
        """Read every destination's counts again, off the GUI thread; `kick`: then start
        the workers that may start."""
        if self._closing:
            return
        self._kick_after_read = self._kick_after_read or kick
        self._refresh_timer.stop()
        self._last_read = time.monotonic()
        mounts = self.mounts
        self._reads.request(lambda _stale: read_views(mounts), self._views_read, self._read_failed)

    def refresh_soon(self) -> None:
        """While files flow: at most a few reads a second, however many events come."""
        if self._refresh_timer.isActive():
            return
        wait = REFRESH_MIN_MS - (time.monotonic() - self._last_read) * 1000
        self._refresh_timer.start(max(0, int(wait)))

    def _read_failed(self, exc: Exception) -> None:
        self.message.emit(f"Cannot read the transfer queues: {exc}", 8000)

    def _views_read(self, views: list[QueueView]) -> None:
        if self._closing:
            return
        before = set(self._views)
        self._views = {v.name: v for v in views}
        for name in list(self._live):
            if name not in self._views and name not in self._runs:
                del self._live[name]
        if set(self._views) != before:
            self.destinations_changed.emit()
        for view in views:
            live = self._live.setdefault(view.name, Live())
            if live.check_done and view.name not in self._runs:
                live.check_done = False
                if view.unfinished == 0:
                    live.started = False  # all done: new files wait for Start again
            if live.running:
                # From one snapshot: the files this run has published, and those left.
                done = max(0, view.count(queue.DONE) - live.done_before)
                live.total_in_run = done + view.unfinished
            if live.hold_for_retry:
                # The run stopped on a failure (the destination unreachable, say): the
                # core starts no other job before that retry, and neither does a restart.
                live.hold_for_retry = False
                wait = view.seconds_to_next_try()
                if wait is not None:
                    live.hold_until = time.monotonic() + max(0.0, wait)
            self.state_changed.emit(view.name)
        kick, self._kick_after_read = self._kick_after_read, False
        for view in views:
            if kick and self._may_start(view.name):
                self._kick(view.name)
            self._arm_retry(view)

    def _may_start(self, name: str) -> bool:
        """Whether the destination starts by itself now (not what the curator asks)."""
        view, live = self._views.get(name), self._live.setdefault(name, Live())
        if view is None or view.paused or live.blocked or not self._automatic():
            return False
        if live.hold_until is not None and time.monotonic() < live.hold_until:
            return False
        return not view.delayed or live.started

    def _arm_retry(self, view: QueueView) -> None:
        """Start again at the earliest retry (or at the end of a hold)."""
        live = self._live.setdefault(view.name, Live())
        if view.name in self._runs:
            when = None  # a running worker takes its retries itself
        elif live.hold_until is not None:
            when = live.hold_until - time.monotonic()
        else:
            when = view.seconds_to_next_try()
        self._retries.arm(view.name, when)

    def _retry_due(self, name: str) -> None:
        live = self._live.setdefault(name, Live())
        if live.hold_until is not None and time.monotonic() >= live.hold_until:
            live.hold_until = None
        self.refresh(kick=True)

    def _sync_all(self) -> None:
        """Queue what was marked upload, cancel what no longer is, then start what can."""
        if self._closing:
            return

        def sync() -> None:
            for dest in destinations.all_destinations():
                queue.sync(dest)

        self._writes.submit(sync, lambda _r: self.refresh(kick=True), self._sync_failed)

    def _sync_failed(self, exc: Exception) -> None:
        self.message.emit(f"Cannot update the transfer queues: {exc}", 8000)

    # -- starting one worker -------------------------------------------------------------

    def _kick(self, name: str, manual: bool = False) -> None:
        """Start the destination's worker if it has a file it can send now. The look
        (a sync and the next job) runs off the GUI thread."""
        if self._closing:
            return
        run = self._runs.get(name)
        if run is not None:
            if manual:
                run.again = True  # it may have just found nothing: look again after it
            return
        if name in self._preparing:
            self._preparing[name] = True
            return
        self._preparing[name] = False
        mounts = self.mounts

        def look() -> tuple[bool, bool]:
            dest = destinations.get(name)
            if dest.paused:
                return False, False
            queue.sync(dest)
            due = queue.next_job(dest, mounts()) is not None
            return due, due and local_copies.needs_confirmation(dest)

        def looked(result: tuple[bool, bool]) -> None:
            again = self._preparing.pop(name, False)
            due, ask = result
            if not due and again:
                self._kick(name, manual)
            elif not due or self._closing:
                self.refresh_soon()
            elif ask:
                self._confirm_remove_local(name, manual)
            else:
                self._spawn(name)

        def failed(exc: Exception) -> None:
            self._preparing.pop(name, None)
            self.message.emit(f"Cannot start the transfers to {name}: {exc}", 8000)

        self._writes.submit(look, looked, failed)

    def _confirm_remove_local(self, name: str, manual: bool) -> None:
        """Asked once, before the first local copy could go: yes confirms the option,
        no (or closing the question) turns it off; the transfers go ahead either way."""
        if name in self._asking:
            return
        self._asking.add(name)
        yes = self.questions.remove_local(name)

        def answered(_dest) -> None:
            self._asking.discard(name)
            if manual or self._may_start(name):
                self._spawn(name)

        def failed(exc: Exception) -> None:
            self._asking.discard(name)
            self.message.emit(f"{name}: the answer could not be kept: {exc}", 8000)

        self._writes.submit(
            lambda: local_copies.confirm(destinations.get(name), yes), answered, failed
        )

    def _spawn(self, name: str) -> None:
        if self._closing or not self._threads.start(name):
            return
        live = self._live.setdefault(name, Live())
        live.running, live.note, live.done_in_run = True, None, 0
        view = self._views.get(name)
        live.done_before = view.count(queue.DONE) if view is not None else 0
        live.total_in_run = view.unfinished if view is not None else 0
        self.state_changed.emit(name)

    # -- what the workers report -----------------------------------------------------------

    def _on_event(self, event: object) -> None:
        name = getattr(event, "destination", None)
        if name is None or self._closing:
            return
        live = self._live.setdefault(name, Live())
        if isinstance(event, JobProgress):
            live.progress = event
            self.progress.emit(event)
        elif isinstance(event, JobStarted):
            live.current, live.progress = event, None
            self.job_started.emit(event)
            self.refresh_soon()
        elif isinstance(event, FileTransferred):
            live.current, live.progress = None, None
            live.done_in_run += 1
            self.file_transferred.emit(event)
            self.refresh_soon()
        elif isinstance(event, JobFailed):
            live.current, live.progress = None, None
            self.job_failed.emit(event)
            self.refresh_soon()
        elif isinstance(event, DestinationNote):
            self._noted(live, event)
        self.state_changed.emit(name)

    def _noted(self, live: Live, note: DestinationNote) -> None:
        live.note = note
        self.note.emit(note)
        if note.kind == "busy":
            live.hold_until = time.monotonic() + BUSY_HOLD_S
        elif note.kind == "unreachable":
            live.hold_for_retry = True
        elif note.kind == "host key":
            if isinstance(note.error, HostKeyUnknown):
                QTimer.singleShot(0, lambda: self._ask_host_key(note.destination, note.error))
            else:  # changed: never offered for trust from here
                live.blocked = note.message
        elif note.kind == "paused":
            live.pausing = False

    def _ask_host_key(self, name: str, unknown: HostKeyUnknown) -> None:
        live = self._live.setdefault(name, Live())
        key = (name, unknown.fingerprint)
        if key in self._asked_keys or self._closing:
            live.blocked = live.blocked or f"stopped: {unknown}; not trusted"
            self.state_changed.emit(name)
            return
        self._asked_keys.add(key)
        live.blocked = f"waiting for the curator: {unknown}"
        self.state_changed.emit(name)
        if not self.questions.trust_host_key(unknown):
            live.blocked = f"stopped: the host key of {unknown.host} was not trusted"
            self.state_changed.emit(name)
            return

        def trusted(_r) -> None:
            live.blocked = None
            self._kick(name, manual=True)

        def failed(exc: Exception) -> None:
            live.blocked = f"stopped: the host key could not be stored: {exc}"
            self.state_changed.emit(name)

        from luna_desktop.transfer import host_keys

        self._writes.submit(lambda: host_keys.trust(unknown), trusted, failed)

    def _on_ended(self, name: str, result: object, again: bool) -> None:
        live = self._live.setdefault(name, Live())
        live.running, live.pausing, live.current, live.progress = False, False, None, None
        if isinstance(result, Exception):
            live.note = DestinationNote(name, "error", f"stopped: {result}", result)
            self.message.emit(f"Transfers to {name} stopped: {result}", 10000)
        else:
            if live.done_in_run:
                n = live.done_in_run
                files = "1 file" if n == 1 else f"{n:,} files"
                self.message.emit(f"Published {files} to {name}, each verified", 6000)
            # Tried again when the failed job's retry is due, not at the next sync or
            # drive change: each start would spend another job's attempt on the outage.
            live.hold_for_retry = live.hold_for_retry or result.retrying > 0
        live.check_done = True
        self.state_changed.emit(name)
        if self._closing:
            return
        if again:
            self._kick(name, manual=True)
        self.refresh()

    # -- closing -----------------------------------------------------------------------------

    def shutdown(self, wait_s: float = 3.0) -> None:
        """Stop every worker between two chunks and wait for them a little: the file in
        hand is queued again (a daemon that does not stop in time dies with Luna, and
        the next start finds its claim gone and queues its job again)."""
        self._closing = True
        for timer in (self._tick, self._sync_timer, self._refresh_timer):
            timer.stop()
        self._retries.stop_all()
        self._reads.cancel()
        deadline = time.monotonic() + wait_s
        self._threads.stop_all(wait_s)
        self._writes.wait(int(max(0.0, deadline - time.monotonic()) * 1000))
