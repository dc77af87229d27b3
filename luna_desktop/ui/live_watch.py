"""The window's side of watching mounted drives (luna_desktop.scan.watch).

Each watched drive has a DriveWatcher. Starting one walks the drive's folders (inotify
needs a watch per folder: seconds on a big drive), so it starts on a daemon thread of
its own, never on the GUI thread; its batches are applied on the watcher's own thread
and reach the GUI thread only as a queued signal carrying a small WatchBatch (ids,
folders, lines), so a burst of ten thousand new files costs the window a few signals,
not ten thousand.

A drive unwatched, or watched again, drops whatever its old watcher still delivers.
Every thread is a daemon and every reader process exits with Luna (process_pool), so
quitting never waits on a watcher.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from luna_desktop.catalog.models import Drive
from luna_desktop.scan.drive_identity import holds_drive
from luna_desktop.scan.watch import DriveWatcher, WatchBatch

log = logging.getLogger(__name__)


class _Bridge(QObject):
    """Carries what the watchers' threads report to the GUI thread (queued)."""

    batch = Signal(int, object)  # ticket, WatchBatch
    lost = Signal(int, str)  # ticket, message
    ready = Signal(int)  # ticket


class LiveWatch(QObject):
    changed = Signal(object)  # a WatchBatch, on the GUI thread
    lost = Signal(int, str)  # drive id, why watching it ended (the drive went away…)
    # A drive watched by polling, because the system has too few inotify watches for
    # it: drive id, what to do about it.
    notice = Signal(int, str)
    started = Signal(int)  # drive id: the watcher is set up, changes from now on show

    def __init__(
        self, parent: QObject | None = None, *, debounce_s: float = 0.5, max_delay_s: float = 2.0
    ) -> None:
        super().__init__(parent)
        self.debounce_s = debounce_s
        self.max_delay_s = max_delay_s
        self._tickets = itertools.count(1)
        self._watchers: dict[int, tuple[int, DriveWatcher]] = {}  # drive id → (ticket, watcher)
        self._bridge = _Bridge(self)
        self._bridge.batch.connect(self._batch)
        self._bridge.lost.connect(self._lost)
        self._bridge.ready.connect(self._ready)

    def watch(self, drive_id: int, root: str, ignore: list[str], held: bool = False) -> None:
        """Watch a mounted drive; a drive already watched is watched again from `root`.
        `held`: gather its changes but apply none until `release` (a scan runs)."""
        self.unwatch(drive_id)
        ticket = next(self._tickets)
        bridge = self._bridge

        def on_batch(batch: WatchBatch) -> None:
            with contextlib.suppress(RuntimeError):  # the window is gone
                bridge.batch.emit(ticket, batch)

        def on_lost(message: str) -> None:
            with contextlib.suppress(RuntimeError):
                bridge.lost.emit(ticket, message)

        watcher = DriveWatcher(
            root,
            drive_id,
            ignore=ignore,
            on_batch=on_batch,
            on_lost=on_lost,
            debounce_s=self.debounce_s,
            max_delay_s=self.max_delay_s,
        )
        if held:
            watcher.hold()
        self._watchers[drive_id] = (ticket, watcher)
        threading.Thread(
            target=self._start,
            args=(ticket, watcher, bridge),
            name="luna-watch-start",
            daemon=True,
        ).start()

    def release(self, drive_id: int) -> None:
        """Apply what a held watcher gathered, and from now on as it comes."""
        entry = self._watchers.get(drive_id)
        if entry is not None:
            entry[1].release()

    def unwatch(self, drive_id: int) -> None:
        entry = self._watchers.pop(drive_id, None)
        if entry is not None:
            entry[1].stop()

    def watching(self, drive_id: int) -> bool:
        return drive_id in self._watchers

    def watcher(self, drive_id: int) -> DriveWatcher | None:
        entry = self._watchers.get(drive_id)
        return None if entry is None else entry[1]

    def shutdown(self, wait_s: float = 0.0) -> None:
        """Stop every watcher. `wait_s`: how long, at most, to let them record the end
        of their watch (closing the window: the catalogue closes right after)."""
        watchers = [entry[1] for entry in self._watchers.values()]
        for drive_id in list(self._watchers):
            self.unwatch(drive_id)
        deadline = time.monotonic() + wait_s
        for watcher in watchers:
            watcher.wait(max(0.0, deadline - time.monotonic()))

    @staticmethod
    def _start(ticket: int, watcher: DriveWatcher, bridge: _Bridge) -> None:
        try:
            drive = Drive.get_or_none(Drive.id == watcher.drive_id)
            root = Path(watcher.root)
            if drive is None or (root.is_dir() and not holds_drive(root, drive)):
                # Another disk at the drive's place (two cards with one label mount at
                # one path): watching it would write its files into this drive's rows.
                name = drive.name if drive is not None else "the drive"
                with contextlib.suppress(RuntimeError):
                    bridge.lost.emit(
                        ticket,
                        f"not watching {watcher.root}: the disk there now is not {name} "
                        "(add it with File → Add Drive to tell)",
                    )
                return
            watcher.start()
        except Exception as exc:  # a folder that cannot be watched: say why
            log.warning("could not watch %s: %s", watcher.root, exc)
            with contextlib.suppress(RuntimeError):
                bridge.lost.emit(ticket, f"could not watch {watcher.root}: {exc}")
            return
        with contextlib.suppress(RuntimeError):
            bridge.ready.emit(ticket)

    def _current(self, ticket: int) -> tuple[int, DriveWatcher] | None:
        for drive_id, (current, watcher) in self._watchers.items():
            if current == ticket:
                return drive_id, watcher
        return None

    def _batch(self, ticket: int, batch: WatchBatch) -> None:
        if self._current(ticket) is not None:
            self.changed.emit(batch)

    def _lost(self, ticket: int, message: str) -> None:
        found = self._current(ticket)
        if found is None:
            return
        drive_id, watcher = found
        del self._watchers[drive_id]
        watcher.stop()
        self.lost.emit(drive_id, message)

    def _ready(self, ticket: int) -> None:
        found = self._current(ticket)
        if found is None:
            return
        drive_id, watcher = found
        if watcher.notice:
            self.notice.emit(drive_id, watcher.notice)
        self.started.emit(drive_id)
