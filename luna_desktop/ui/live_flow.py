"""Mounted drives followed live, as the window lives it: every drive that is plugged in
is watched (luna_desktop.scan.watch through LiveWatch), and what changes on the drive
shown reaches the tree within seconds, without a rescan.

A drive being scanned is not watched meanwhile (the scan sees everything anyway, and
two writers on one drive's rows would only race); it is watched again when the scan
ends. The tree is refreshed at most every so often, however many batches arrive, and
less often when a refresh is slow (a huge drive), so a burst of changes never makes
the window stutter. The curator's place and unsaved edits stay through every refresh.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from luna_desktop.catalog.models import Drive
from luna_desktop.scan.watch import WatchBatch

from .live_watch import LiveWatch
from .mount_watch import Mount

if TYPE_CHECKING:
    from .main_window import MainWindow

REFRESH_MS = 1000  # the soonest the tree shows a change after another refresh
CACHE_AFTER_MS = 5000  # new pictures are cached once the drive has been quiet this long


class LiveFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.live = LiveWatch(self)
        self.live.changed.connect(self._changed)
        self.live.lost.connect(self._lost)
        self.live.notice.connect(self._notice)
        self._roots: dict[int, str] = {}  # drive id → the root watched
        self._ready: set[int] = set()  # drives whose changes show from now on
        self._held: set[int] = set()  # drives being scanned: their watchers gather only
        self.live.started.connect(self._ready.add)
        self._paused: set[str] = set()  # names of drives being scanned
        self._refresh_ms = REFRESH_MS
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.timeout.connect(self._refresh_tree)
        self._redraw = False  # the file on show changed on the drive
        self._to_cache: dict[int, set[int]] = {}  # drive id → files new or changed
        self._cache_timer = QTimer(self)
        self._cache_timer.setSingleShot(True)
        self._cache_timer.setInterval(CACHE_AFTER_MS)
        self._cache_timer.timeout.connect(self._cache_new)
        window.mounts.changed.connect(self.follow_mounts)
        window.scans.started.connect(self._scan_started)
        window.scans.ended.connect(self._scan_ended)

    def follow_mounts(self) -> None:
        """Watch exactly the drives the mount watch last found plugged in."""
        mounts = self.window.mounts
        wanted = {}
        for drive in Drive.select(Drive.id, Drive.name, Drive.mount_path):
            if drive.name in self._paused or not drive.mount_path:
                continue
            if mounts.state(drive.mount_path) is Mount.MOUNTED:
                wanted[drive.id] = drive.mount_path
        stale = [d for d, root in self._roots.items() if wanted.get(d) != root]
        for drive_id in [d for d in stale if d not in self._held]:  # held: a scan runs
            self._unwatch(drive_id)
        for drive_id, root in wanted.items():
            if drive_id not in self._roots:
                self._roots[drive_id] = root
                self.live.watch(drive_id, root, self._ignore())

    def _ignore(self) -> list[str]:
        return self.window.settings.ignore_patterns

    def watching(self, drive_id: int) -> bool:
        return drive_id in self._roots

    def ready(self, drive_id: int) -> bool:
        """Watched and set up: a change made on the drive from now on shows."""
        return drive_id in self._roots and drive_id in self._ready

    def shutdown(self) -> None:
        self._refresh.stop()
        self._cache_timer.stop()
        # A watcher stops within a moment; the catalogue closes after the window.
        self.live.shutdown(wait_s=2.0)

    # --- scans --------------------------------------------------------------------------

    def _scan_started(self, name: str) -> None:
        """A scan of a watched drive: a fresh watcher gathers the drive's changes while
        the scan runs and applies them after it (a change in a folder the walk has
        passed is caught so), and never writes alongside the scan."""
        self._paused.add(name)
        drive = Drive.get_or_none(Drive.name == name)
        if drive is not None and drive.id in self._roots:
            self._ready.discard(drive.id)
            self.live.watch(drive.id, self._roots[drive.id], self._ignore(), held=True)
            self._held.add(drive.id)

    def _scan_ended(self, _progress) -> None:
        self._paused.clear()
        for drive_id in self._held:
            self.live.release(drive_id)
        self._held.clear()
        self.follow_mounts()  # the drive may have a new mount path now

    # --- changes ------------------------------------------------------------------------

    def _changed(self, batch: WatchBatch) -> None:
        w = self.window
        for line in batch.lines[-1:]:
            more = len(batch.lines) - 1
            w.statusBar().showMessage(f"{line}" + (f" (and {more:,} more)" if more else ""), 5000)
        current = w.current_file
        if current is not None and current.id in batch.changed_ids:
            self._redraw = True
        if batch.added_ids or batch.changed_ids:
            files = self._to_cache.setdefault(batch.drive_id, set())
            files.update(batch.added_ids, batch.changed_ids)
            self._cache_timer.start()
        if batch.drive_id == w.panel.drive_id() and not self._refresh.isActive():
            self._refresh.start(self._refresh_ms)

    def _refresh_tree(self) -> None:
        w = self.window
        started = time.monotonic()
        current = w.current_file
        w.panel.reload_keeping_place(current)
        if current is not None:  # renamed or changed under the curator: shown afresh
            w.show_current_again(redraw=self._redraw)
        self._redraw = False
        spent_ms = (time.monotonic() - started) * 1000
        self._refresh_ms = max(REFRESH_MS, int(spent_ms * 10))

    def _cache_new(self) -> None:
        for drive_id, files in sorted(self._to_cache.items()):
            self.window.drive_life.cache.fill(drive_id, files)  # those files, not the drive
        self._to_cache.clear()

    def _unwatch(self, drive_id: int) -> None:
        self.live.unwatch(drive_id)
        self._roots.pop(drive_id, None)
        self._ready.discard(drive_id)

    def _lost(self, drive_id: int, message: str) -> None:
        self._roots.pop(drive_id, None)
        self._ready.discard(drive_id)
        self.window.statusBar().showMessage(message[:1].upper() + message[1:], 10000)
        self.window.mounts.check()  # shows it offline at once, not at the next round

    def _notice(self, _drive_id: int, message: str) -> None:
        self.window.statusBar().showMessage(message, 15000)
