"""Noticing volumes as they are plugged in and unplugged, off the GUI thread.

A drive plugged in while Luna runs shows up as a folder in one of the removable roots
(/run/media/USER/LABEL, /Volumes/LABEL, …). A QFileSystemWatcher on those roots wakes
the watch at once; since a drive mounted onto a folder that already existed changes no
folder, and /run/media/USER itself appears only at the first mount, the watch also
looks again every few seconds. Each look lists the mount points (cheap, with a
deadline: scan.volumes), and only a volume not seen before is described and recognised
(which reads a few of its files and asks the catalogue).

The looking happens on one daemon thread of its own, which keeps one catalogue
connection for all its questions; quitting never waits for it. Volumes already mounted
when Luna starts are the baseline, not news.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal

from luna_desktop.catalog.models import DB
from luna_desktop.scan.volumes import (
    MountedVolume,
    describe_volumes,
    mount_points,
    removable_roots,
)

log = logging.getLogger(__name__)

RELIST_S = 3.0  # the fallback for what the folder watcher cannot see
SETTLE_S = 0.5  # a folder just made in a root is usually mounted onto a moment later


@dataclass
class _Round:
    """What one look found, for the GUI thread."""

    roots: list[str]
    appeared: list[MountedVolume] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


class _Bridge(QObject):
    round = Signal(object)  # a _Round, from the watch's thread


class VolumeWatch(QObject):
    # Paths are str, sent as object: Qt would mangle a folder name that is not UTF-8.
    known_drive_appeared = Signal(str, object)  # the catalogue's name for it, its path
    volume_appeared = Signal(object)  # the path of a volume Luna does not know
    volume_gone = Signal(object)  # the path of a volume that was unplugged
    volumes_changed = Signal()  # any of the above: re-check the drives' mounts now

    def __init__(self, parent: QObject | None = None, *, interval_s: float = RELIST_S) -> None:
        super().__init__(parent)
        self._interval_s = interval_s
        self._present: list[str] | None = None  # None until the first look has answered
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self.check)
        self._bridge = _Bridge(self)
        self._bridge.round.connect(self._apply)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="luna-volume-watch", daemon=True)
        self._thread.start()

    def check(self) -> None:
        """Look again now (a root folder changed, or the window wants to know)."""
        self._wake.set()

    def present(self) -> list[str] | None:
        """The volumes mounted at the last look; None before the first has answered."""
        return None if self._present is None else list(self._present)

    def shutdown(self) -> None:
        """Stop watching; the look under way, if any, finishes unseen."""
        self._stop.set()
        self._wake.set()
        watched = self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)

    def wait(self, timeout_s: float | None = None) -> bool:
        """After shutdown(): whether the watch's thread has ended (tests wait for it)."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    # -- on the watch's thread ----------------------------------------------------------

    def _loop(self) -> None:
        seen: set[Path] | None = None  # None: the first look is the baseline, not news
        timeout = self._interval_s
        try:
            while not self._stop.is_set():
                try:
                    found, seen = self._look(seen)
                except Exception:  # the catalogue is busy or gone: look again later
                    log.exception("looking for plugged-in drives failed")
                else:
                    with contextlib.suppress(RuntimeError):  # the window closed meanwhile
                        self._bridge.round.emit(found)
                woken = self._wake.wait(timeout)
                self._wake.clear()
                # A change in a root: look once more soon, for the mount that follows it.
                timeout = SETTLE_S if woken else self._interval_s
        finally:
            with contextlib.suppress(Exception):  # no catalogue was opened on this thread
                if not DB.is_closed():
                    DB.close()  # only this thread's connection

    def _look(self, seen: set[Path] | None) -> tuple[_Round, set[Path]]:
        roots = removable_roots()
        present = mount_points(roots)
        found = _Round([str(r) for r in roots], present=[str(p) for p in present])
        if seen is None:
            return found, set(present)
        found.gone = [str(p) for p in sorted(seen - set(present))]
        new = [p for p in present if p not in seen]
        described = describe_volumes(new) if new else []
        # One that does not answer yet (a disk spinning up) is news at a later look.
        found.appeared = [v for v in described if v.responding]
        return found, (seen & set(present)) | {v.path for v in found.appeared}

    # -- on the GUI thread --------------------------------------------------------------

    def _apply(self, found: _Round) -> None:
        if self._stop.is_set():
            return
        self._present = found.present
        watched = set(self._watcher.directories())
        wanted = set(found.roots)
        if wanted - watched:
            self._watcher.addPaths(sorted(wanted - watched))
        if watched - wanted:
            self._watcher.removePaths(sorted(watched - wanted))
        for path in found.gone:
            self.volume_gone.emit(path)
        for volume in found.appeared:
            if volume.known_drive:
                self.known_drive_appeared.emit(volume.known_drive, str(volume.path))
            else:
                self.volume_appeared.emit(str(volume.path))
        if found.gone or found.appeared:
            self.volumes_changed.emit()
