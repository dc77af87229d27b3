"""Live: a mounted drive watched, and what changes on it in the catalogue within seconds.

`DriveWatcher` runs watchdog's observer on the drive (scan.watch_events) and one applier
thread that takes its events from a queue. Events are gathered until the drive has been
quiet for `debounce_s`, or for at most `max_delay_s` while it keeps changing (a copy of
ten thousand files is applied in steps, never held back until it ends), and each batch
is applied the way a scan applies a folder (scan.watch_apply): read in worker
processes, written by the scan's CatalogWriter in short transactions, so a curator's
save never waits long. Each batch is then handed to `on_batch` as a WatchBatch.

The watch is a ScanRun of its own (state "watching", then "watched" or "drive_lost"),
so rows it adds carry it in `added_scan` and the next scan can still pair them with
files gone missing (scan.relink). It never writes to the drive.

The drive going away (unplugged, unmounted, its folder renamed) is noticed within a
second or so: the root is checked every ROOT_CHECK_S, and before anything is marked
missing. Then `on_lost` is called and the watcher stops, having marked nothing missing.

Qt-free: the window (ui.live_watch) and `luna watch` both drive it.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from peewee import DatabaseError, InterfaceError, OperationalError

from luna_desktop.catalog.models import DB, ScanRun, utcnow

from . import finish
from .ignore import IgnoreRules
from .options import check_scan_root
from .progress import ScanError
from .relink_across import settle_arrivals
from .transactions import write_transaction
from .watch_apply import Applier, WatchBatch
from .watch_events import (
    OVERFLOW_LOGGERS,
    Changes,
    EventFolder,
    EventQueue,
    Observing,
    OverflowAlarm,
    forget_observer,
    start_observer,
)

__all__ = ["WATCH_ENDED", "WATCH_LOST", "WATCH_RUNNING", "DriveWatcher", "WatchBatch"]

log = logging.getLogger(__name__)

# The states of a watch's ScanRun. Not "running" and not "completed": a scan marks runs
# still "running" interrupted, and a watch never walked the whole drive.
WATCH_RUNNING = "watching"
WATCH_ENDED = "watched"
WATCH_LOST = "drive_lost"

ROOT_CHECK_S = 1.0  # how often an idle watcher checks that the drive is still there
_LOCKED_RETRY_S = 1.0  # a batch the catalogue's lock refused is tried again after this
_EVENTS_PER_TAKE = 20_000  # taken from the queue before the timers are looked at again


class DriveWatcher:
    def __init__(
        self,
        root: str | os.PathLike,
        drive_id: int,
        *,
        ignore: Iterable[str] = (),
        on_batch: Callable[[WatchBatch], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
        debounce_s: float = 0.5,
        max_delay_s: float = 2.0,
        workers: int = 2,
        processes: bool = True,
        batch_size: int = 100,
    ) -> None:
        self.root = Path(root)
        self.drive_id = drive_id
        self.rules = IgnoreRules(list(ignore))
        self.on_batch = on_batch
        self.on_lost = on_lost
        self.debounce_s = debounce_s
        self.max_delay_s = max_delay_s
        self.workers = workers
        self.processes = processes  # False: read on threads (tests that replace the reader)
        # Rows per write transaction: as the window's scans, half the CLI's, so a save
        # waits behind one small batch at most.
        self.batch_size = batch_size
        self.polling = False  # watched by polling: too few inotify watches (see notice)
        self.notice: str | None = None
        self.lost_message: str | None = None
        self.counts = {"added": 0, "changed": 0, "missing": 0, "moved": 0, "problems": 0}
        self.run_id: int | None = None
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._held = threading.Event()
        self._ended = threading.Event()
        self._overflow = threading.Event()
        self._alarm = OverflowAlarm(self._overflow)
        self._observing: Observing | None = None
        self._thread: threading.Thread | None = None
        self._raw = b""
        self._identity: tuple[int, int] | None = None

    # -- control ------------------------------------------------------------------

    def start(self, *, held: bool = False) -> None:
        """Start watching. Blocks while the observer is set up, which walks the drive's
        folders (seconds on a big drive): never call it on the GUI thread.

        `held`: gather changes but apply none until release() (`luna watch` catches up
        with a scan meanwhile, so nothing changed during it is lost). Raises ScanError
        when the folder cannot be watched.
        """
        path = check_scan_root(self.root)
        self.root = path
        self._raw = os.fsencode(path)
        self._identity = _identity(self._raw)
        self._alarm.root = str(path)  # watchdog names the watched folder when it overflows
        if held:
            self._held.set()
        for name in OVERFLOW_LOGGERS:
            logging.getLogger(name).addHandler(self._alarm)
        try:
            observing = start_observer(path, EventQueue(self._events.put), self._stop.is_set)
        except OSError as exc:
            self._quiet_alarm()
            raise ScanError(f"cannot watch {path}: {exc.strerror or exc}") from exc
        self._observing = observing
        self.polling, self.notice = observing.polling, observing.notice
        if self._stop.is_set():  # stopped while it was being set up
            self._stop_observer()
            self._ended.set()
            return
        self._thread = threading.Thread(target=self._run, name="luna-watch", daemon=True)
        self._thread.start()

    def hold(self) -> None:
        """Gather changes but apply none until release() (a scan of the drive runs)."""
        self._held.set()

    def release(self) -> None:
        """Apply what was gathered while held, and from now on as it comes."""
        self._held.clear()

    def stop(self) -> None:
        """Stop watching; returns at once (the threads end by themselves)."""
        self._stop.set()
        self._held.clear()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the watcher has ended and recorded its run; True when it has."""
        if self._thread is None:
            return self._stop.is_set() or self._ended.is_set()
        return self._ended.wait(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._ended.is_set() and not self._stop.is_set()

    # -- the applier thread -----------------------------------------------------------

    def _run(self) -> None:
        state = WATCH_ENDED
        applier: Applier | None = None
        try:
            # As for a scan (scan.pipeline): what the watch writes can be read again from
            # the drive, so its many small commits need not each wait for the disk; WAL
            # with NORMAL stays consistent after a power cut. This thread's connection only.
            DB.execute_sql("PRAGMA synchronous=NORMAL")
            # Held (a scan of the drive runs meanwhile): the watch's run begins once it
            # is released, after the scan's, so that the next scan pairs the rows this
            # watch adds with rows gone missing ("added after the last completed scan").
            # What happens meanwhile waits in the event queue.
            while self._held.is_set() and not self._stop.is_set():
                self._stop.wait(0.1)
            if self._stop.is_set():
                return
            with write_transaction():
                self.run_id = ScanRun.create(
                    drive=self.drive_id, root=str(self.root), state=WATCH_RUNNING
                ).id
            applier = Applier(
                self._raw,
                self.drive_id,
                self.run_id,
                self.rules,
                self._root_ok,
                self._stop.is_set,
                workers=self.workers,
                processes=self.processes,
                batch_size=self.batch_size,
            )
            if not self._watch(applier):
                state = WATCH_LOST
        except Exception as exc:  # the catalogue failed (full disk, damaged): say so, stop
            log.exception("watching %s failed", self.root)
            state = WATCH_LOST
            self._lose(f"stopped watching {self.root}: {exc}")
        finally:
            self._stop.set()
            self._stop_observer()
            if applier is not None:
                applier.close()
            self._close_run(state)
            DB.close()  # this thread's connection
            self._ended.set()

    def _watch(self, applier: Applier) -> bool:
        """Gathers and applies batches until stopped; False when the drive went away."""
        events = EventFolder(self._raw, self.rules)
        pending = Changes()
        first = last = 0.0  # when the pending changes began, and when they last grew
        next_check = time.monotonic() + ROOT_CHECK_S
        while not self._stop.is_set():
            now = time.monotonic()
            wait = next_check - now
            if pending and not self._held.is_set():
                wait = min(wait, last + self.debounce_s - now, first + self.max_delay_s - now)
            took = self._take(events, pending, max(wait, 0.005))
            now = time.monotonic()
            if self._overflow.is_set():  # events were lost: compare the whole drive
                self._overflow.clear()
                pending.look_at(b"", tree=True)
                took = True
            if took and pending:
                first = first or now
                last = now
            if now >= next_check:
                next_check = now + ROOT_CHECK_S
                if not self._root_ok():
                    self._lose()
                    return False
            if not pending:
                first = 0.0
                continue
            if self._held.is_set():
                continue
            if now - last < self.debounce_s and now - first < self.max_delay_s:
                continue
            if not self._root_ok():
                self._lose()
                return False
            changes, pending = pending, Changes()
            began = time.monotonic()
            try:
                batch = applier.apply(changes, self._deliver)
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                # Another program held the catalogue past the lock timeout: try again.
                log.warning("watch batch for %s waits: %s", self.root, exc)
                changes.merge(pending)
                pending, first, last = changes, time.monotonic(), time.monotonic()
                self._stop.wait(_LOCKED_RETRY_S)
                continue
            if batch is None:
                self._lose()
                return False
            self._deliver(batch)
            # What came while this batch was applied has waited since it began: it is
            # due after max_delay_s from then, not from when it is taken off the queue.
            first = began
        return True

    def _take(self, events: EventFolder, pending: Changes, timeout: float) -> bool:
        """Folds queued events into `pending`, waiting up to `timeout` for the first."""
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            return False
        events.add(pending, event)
        for _ in range(_EVENTS_PER_TAKE):
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                break
            events.add(pending, event)
        return True

    def _deliver(self, batch: WatchBatch) -> None:
        self.counts["added"] += len(batch.added_ids)
        self.counts["changed"] += len(batch.changed_ids)
        self.counts["missing"] += len(batch.missing_ids)
        self.counts["moved"] += batch.moved
        self.counts["problems"] += batch.problems
        self._arrivals(batch)
        if not (batch.lines or batch.folders) or self.on_batch is None:
            return
        try:
            self.on_batch(batch)
        except Exception:  # the listener's bug must not end the watch
            log.exception("a watch batch listener failed")

    def _arrivals(self, batch: WatchBatch) -> None:
        """Files that arrived on this drive (after this drive's own moves were paired: a
        file found again here kept its old row and is not among them) may be files
        missing elsewhere: one that is plainly such a file takes its old row, with its
        curation (scan.relink_across); the others are offered to the curator."""
        if not batch.added_ids:
            return
        try:
            outcome = settle_arrivals(batch.added_ids)
        except OperationalError:
            # The catalogue is busy (another program holds its lock): the files stay
            # where they arrived, and the next scan of this drive offers them again.
            log.warning("relinking arrivals on %s waited too long", self.root, exc_info=True)
            return
        batch.relinked, batch.offered = outcome.relinked, outcome.offered
        if outcome.relinked:
            batch.lines.append(
                f"relinked {outcome.relinked:,} missing file(s) found here, with their curation"
            )
        if outcome.offered:
            batch.lines.append(
                f"{outcome.offered:,} missing file(s) may have turned up here: "
                "see Catalogue → Missing Files Found Elsewhere (luna relink)"
            )

    # -- the drive ----------------------------------------------------------------

    def _root_ok(self) -> bool:
        """Still the folder the watch began on: after an unplug it is gone, after an
        unmount it is the empty mount point (another device), after a rename another
        folder or nothing."""
        return self._identity is not None and _identity(self._raw) == self._identity

    def _lose(self, message: str | None = None) -> None:
        self.lost_message = message or (
            f"the drive at {self.root} went away: Luna stopped watching it and marked "
            "nothing missing"
        )
        self._stop.set()
        if self.on_lost is not None:
            try:
                self.on_lost(self.lost_message)
            except Exception:
                log.exception("a watch's on_lost listener failed")

    def _stop_observer(self) -> None:
        self._quiet_alarm()
        observing, self._observing = self._observing, None
        if observing is None:
            return
        try:
            observing.observer.stop()
        except Exception:  # a drive that went away can make watchdog's cleanup fail
            log.debug("stopping the observer of %s failed", self.root, exc_info=True)
        forget_observer(observing.observer)

    def _quiet_alarm(self) -> None:
        for name in OVERFLOW_LOGGERS:
            logging.getLogger(name).removeHandler(self._alarm)

    def _close_run(self, state: str) -> None:
        if self.run_id is None:
            return
        try:
            with write_transaction():
                ScanRun.update(state=state, finished_at=utcnow(), counts=self.counts).where(
                    ScanRun.id == self.run_id
                ).execute()
            if state == WATCH_ENDED and any(self.counts.values()):
                finish.update_drive_totals(self.drive_id)
        except (DatabaseError, InterfaceError):  # failing or closed: the next scan tidies up
            log.warning("could not record the end of watching %s", self.root, exc_info=True)


def _identity(raw: bytes) -> tuple[int, int] | None:
    try:
        st = os.stat(raw)
    except OSError:
        return None
    return st.st_dev, st.st_ino
