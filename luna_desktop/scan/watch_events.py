"""What a watched drive says happened: watchdog's observer, and its events folded into
one batch of changes to apply.

Events are not applied one by one. A file being copied reports a creation, many
modifications and a close; a folder deleted reports every file in it. So the watcher
only notes *where* something happened (which folders to look at again, which files and
folders were moved from where to where) and the applier then compares what is on the
drive at that moment with the catalogue, folder by folder, the way a scan does. Create
+ modify + delete within one batch thus costs nothing, and no ordering of events can
leave the catalogue believing something the drive does not show.

Moves are the exception: they are the only events that carry identity (a renamed file
keeps its row, its curation and its UUID), so they are kept in the order they happened.

The observer is inotify's where it can be. A drive with more folders than the system's
inotify watches (fs.inotify.max_user_watches; each folder takes one) is watched by
polling instead, every few seconds, with a notice saying so and how to raise the limit:
a partly watched drive would miss changes silently, which is worse than slower ones.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.api import BaseObserver

from luna_desktop.catalog.paths import to_text

from .ignore import IgnoreRules

# What the watcher listens to. Opening and reading are left out: the watcher's own
# readers open every file they catalogue, and those events would only be noise.
WATCHED_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileAttribEvent,  # a touch: a new mtime without a write
    FileClosedEvent,  # written and closed: the copy has finished
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
_FILE_EVENTS = (
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileAttribEvent,
    FileClosedEvent,
)

POLL_EVERY_S = 3.0  # the polling observer's pause between two looks at the drive
# Polling lists and stats every file at each look (and keeps two such lists in memory):
# past this many folders it would keep an archive disk busy for ever, so a drive that
# big is not polled; its changes are caught by a rescan.
POLL_MAX_FOLDERS = 2_000
_INOTIFY_LIMIT = Path("/proc/sys/fs/inotify/max_user_watches")


@dataclass(slots=True)
class Move:
    src: bytes  # relative to the drive root
    dst: bytes
    is_folder: bool


@dataclass
class Changes:
    """Where things happened since the last batch, relative to the drive root."""

    moves: list[Move] = field(default_factory=list)  # in the order they happened
    # Folders to compare with the catalogue again: True for the folder and everything
    # below it (created, deleted, moved in from elsewhere), False for its own files.
    folders: dict[bytes, bool] = field(default_factory=dict)
    events: int = 0

    def __bool__(self) -> bool:
        return bool(self.moves or self.folders)

    def merge(self, later: Changes) -> None:
        """Take `later`'s changes after these (a batch that must be tried again)."""
        self.moves += later.moves
        for rel, tree in later.folders.items():
            self.look_at(rel, tree)
        self.events += later.events

    def look_at(self, rel: bytes, tree: bool = False) -> None:
        self.folders[rel] = self.folders.get(rel, False) or tree


class EventFolder:
    """Folds watchdog events into Changes, dropping what the ignore rules pass over."""

    def __init__(self, root: bytes, rules: IgnoreRules) -> None:
        self.root = root
        self.prefix = root.rstrip(b"/") + b"/"
        self.rules = rules

    def relative(self, path: str | bytes) -> bytes | None:
        """The path relative to the root (b"" for the root itself); None outside it."""
        raw = os.fsencode(path)  # watchdog's str paths keep undecodable bytes as escapes
        if raw.rstrip(b"/") == self.root.rstrip(b"/"):
            return b""
        if raw.startswith(self.prefix):
            return raw[len(self.prefix) :]
        return None

    def ignored(self, rel: bytes) -> bool:
        return bool(rel) and self.rules.ignores(to_text(rel)[0])

    def add(self, changes: Changes, event: FileSystemEvent) -> None:
        changes.events += 1
        # What watchdog makes up for the contents of a folder moved or created (it walks
        # the folder itself): the move of the folder, or the walk of it, covers them.
        if event.is_synthetic:
            return
        src = self.relative(event.src_path)
        if isinstance(event, FileMovedEvent | DirMovedEvent):
            dst = self.relative(event.dest_path) if event.dest_path else None
            self._moved(changes, src, dst, event.is_directory)
        elif isinstance(event, DirCreatedEvent | DirDeletedEvent):
            # The root itself going is for the watcher's own check (scan.watch).
            if src and not self.ignored(src):
                changes.look_at(src, tree=True)
        elif isinstance(event, _FILE_EVENTS) and src and not self.ignored(src):
            changes.look_at(_parent(src))

    def _moved(self, changes: Changes, src: bytes | None, dst: bytes | None, folder: bool) -> None:
        src_ok = bool(src) and not self.ignored(src)
        dst_ok = bool(dst) and not self.ignored(dst)
        if src_ok and dst_ok:
            assert src is not None and dst is not None
            changes.moves.append(Move(src, dst, folder))
            if folder:
                # What was noted inside the folder before it moved is there now.
                for rel in [r for r in changes.folders if _under(r, src)]:
                    tree = changes.folders.pop(rel)
                    changes.look_at(dst + rel[len(src) :], tree)
            else:
                changes.look_at(_parent(src))
                changes.look_at(_parent(dst))
        elif src_ok or dst_ok:
            # Moved in from an ignored name, or out to one: a creation or a deletion.
            rel = src if src_ok else dst
            assert rel is not None
            if folder:
                changes.look_at(rel, tree=True)
            else:
                changes.look_at(_parent(rel))


def _parent(rel: bytes) -> bytes:
    return rel.rpartition(b"/")[0]


def _under(rel: bytes, folder: bytes) -> bool:
    return rel == folder or rel.startswith(folder + b"/")


class EventQueue(FileSystemEventHandler):
    """Hands watchdog's events to the applier. Called on the observer's thread, so it
    only appends: everything else happens on the applier's."""

    def __init__(self, put: Callable[[FileSystemEvent], None]) -> None:
        self._put = put

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._put(event)


# -- the observer -------------------------------------------------------------------


@dataclass
class Observing:
    observer: BaseObserver
    polling: bool
    notice: str | None  # why the drive is polled, for the person watching


def inotify_watch_limit() -> int | None:
    """fs.inotify.max_user_watches, or None where there is no inotify."""
    try:
        return int(_INOTIFY_LIMIT.read_text().strip())
    except (OSError, ValueError):
        return None


def count_folders(root: bytes, stopping: Callable[[], bool] = lambda: False) -> int:
    """The folders inotify would watch: the root and every folder below it that can be
    listed, not following links (as watchdog walks it)."""
    count = 0
    stack = [root]
    while stack and not stopping():
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue  # cannot be listed, so cannot be watched either
        count += 1
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return count


def start_observer(
    root: Path, handler: FileSystemEventHandler, stopping: Callable[[], bool] = lambda: False
) -> Observing:
    """An observer already watching `root` recursively. Takes as long as a walk of the
    drive's folders (inotify needs one watch per folder): never on the GUI thread."""
    raw = os.fsencode(root)
    limit = inotify_watch_limit()
    if limit is None:  # not Linux: watchdog's native observer for the platform
        from watchdog.observers import Observer

        observer = Observer()
        observer.schedule(handler, str(root), recursive=True, event_filter=WATCHED_EVENTS)
        observer.start()
        return Observing(observer, False, None)
    folders = count_folders(raw, stopping)
    if folders > limit:
        return _polling(root, handler, _over_limit(folders, limit), folders)
    try:
        observer, watches = _inotify(root, handler)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EMFILE):
            raise
        return _polling(root, handler, _used_up(limit, str(exc)), folders)
    # watchdog passes over folders it could not watch; the limit is for all of this
    # user's programs, so others may have left fewer watches than the drive needs.
    if watches is not None and watches < folders:
        again = count_folders(raw, stopping)  # folders may have gone in the meantime
        watches = _watch_count(observer)
        if watches is not None and watches < again:
            observer.stop()
            forget_observer(observer)
            why = _used_up(limit, f"{watches:,} of {again:,} watched")
            return _polling(root, handler, why, again)
    return Observing(observer, False, None)


def _over_limit(folders: int, limit: int) -> str:
    return (
        f"the drive has {folders:,} folders, more than the system lets one user watch "
        f"({limit:,}, fs.inotify.max_user_watches): it is checked every "
        f"{POLL_EVERY_S:g} s instead. Raise the limit to see changes at once"
    )


def _used_up(limit: int, detail: str) -> str:
    return (
        f"the system's inotify watches ({limit:,}, fs.inotify.max_user_watches) are used "
        f"up by other programs ({detail}): the drive is checked every {POLL_EVERY_S:g} s "
        "instead. Raise the limit to see changes at once"
    )


def _polling(root: Path, handler: FileSystemEventHandler, notice: str, folders: int) -> Observing:
    if folders > POLL_MAX_FOLDERS:
        reason = notice.split(":")[0]
        raise OSError(
            f"{reason}, and with {folders:,} folders it is too big to check by polling: "
            "changes on it are caught by a rescan. Raise fs.inotify.max_user_watches to "
            "see them at once"
        )
    from watchdog.observers.polling import PollingObserver

    observer = PollingObserver(timeout=POLL_EVERY_S)
    observer.schedule(handler, str(root), recursive=True, event_filter=WATCHED_EVENTS)
    observer.start()
    return Observing(observer, True, notice)


# Which inotify instance is whose: /proc/self/fd says which descriptors are inotify
# instances, /proc/self/fdinfo how many watches each holds. Watchers starting at once
# in one process take turns, so the new descriptor is known to be this observer's.
_starting = threading.Lock()
_observer_fds: dict[int, int] = {}  # id(observer) → its inotify descriptor


def _inotify(root: Path, handler: FileSystemEventHandler) -> tuple[BaseObserver, int | None]:
    from watchdog.observers.inotify import InotifyObserver

    with _starting:
        before = _inotify_fds()
        observer = InotifyObserver()
        new = _inotify_fds() - before
        try:
            observer.schedule(handler, str(root), recursive=True, event_filter=WATCHED_EVENTS)
            observer.start()
        except BaseException:
            with contextlib.suppress(Exception):
                observer.stop()
            raise
    if len(new) == 1:
        _observer_fds[id(observer)] = new.pop()
    return observer, _watch_count(observer)


def forget_observer(observer: BaseObserver) -> None:
    _observer_fds.pop(id(observer), None)


def _inotify_fds() -> set[int]:
    out = set()
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return out
    for name in names:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{name}") == "anon_inode:inotify":
                out.add(int(name))
    return out


def _watch_count(observer: BaseObserver) -> int | None:
    fd = _observer_fds.get(id(observer))
    if fd is None:
        return None
    try:
        with open(f"/proc/self/fdinfo/{fd}") as fh:
            return sum(line.startswith("inotify wd:") for line in fh)
    except OSError:
        return None


class OverflowAlarm(logging.Handler):
    """Sets `flag` when the kernel dropped events (its queue overflowed).

    watchdog rebuilds its watches then, but only says so in a log line; the events lost
    can only be made good by comparing the whole drive with the catalogue again.

    Every watcher hears every observer's log lines: only the line that names this
    watch's folder ("… overflowed; reconciling recursive watches below '<root>'") sets
    its flag, so one drive's overflow never makes every watched drive compare itself.
    """

    def __init__(self, flag: threading.Event, root: str = "") -> None:
        super().__init__(logging.WARNING)
        self.flag = flag
        self.root = root

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            message = record.getMessage()
            if "overflow" in message.lower() and (not self.root or self.root in message):
                self.flag.set()


OVERFLOW_LOGGERS = ("watchdog.observers.inotify_c", "watchdog.observers.inotify")
