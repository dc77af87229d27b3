"""Filling the preview cache from the catalogue, so that drives stay browsable unplugged.

`fill_cache` is a generator like the scan: it yields FillProgress a few times a second
and honours a Cancel; the CLI draws a progress line from it and the window runs it on
its thread pool after a scan. For each mounted drive it looks at the present images and
videos with an oshash, a chunk of catalogue rows at a time (a drive may hold a million
files), and hands the files whose entries are missing to worker processes, a few at a
time: first a quick pass over the whole drive (thumbnails, from the EXIF thumbnails
where there are some), then the full pass (previews, and thumbnails from them).

It only ever reads a drive. Before making a file's entries a worker checks the file's
oshash: a file changed since the scan, or another drive mounted where this one was,
would otherwise put a wrong picture under a right key.

The fill stops by itself when what it added reaches the cache's cap: past it, each new
entry would only push out one the same fill had just made.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from luna_desktop.catalog.formatting import human_size
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.catalog.paths import join_folder, relpath_bytes
from luna_desktop.media.cache_entries import CacheRequest, CacheResult, make_entries
from luna_desktop.media.preview_cache import POSTER, PREVIEW, THUMB, PreviewCache
from luna_desktop.media.render import read_error
from luna_desktop.process_pool import worker_pool

from .options import Cancel
from .oshash import oshash_path
from .volumes import holds_something

__all__ = [
    "DONE",
    "FULL",
    "QUICK",
    "FillProgress",
    "cacheable_files",
    "default_workers",
    "fill_cache",
    "make_checked",
]

QUICK, FULL, DONE = "quick", "full", "done"
KINDS = ("image", "video")
_CHUNK = 500  # catalogue rows read at a time
_REPORT_EVERY = 0.2  # seconds between progress snapshots
_MAX_PROBLEMS = 100
_NICENESS = 10  # the window (and the curator's previews) come first
_PRELOAD = ("luna_desktop.scan.cache_fill", "luna_desktop.media.render")
_FILL_TO = 0.9  # the share of the cap one fill may add (a prune keeps 90 %)


@dataclass(frozen=True)
class FillProgress:
    """A snapshot. `done` and `total` count the current drive's files in the current
    phase; `made`, `failed` and `added_bytes` the whole fill so far."""

    drive: str = ""
    phase: str = QUICK  # QUICK, FULL, then DONE with `finished`
    done: int = 0
    total: int = 0
    made: int = 0  # entries written
    failed: int = 0  # files that could not be cached
    added_bytes: int = 0
    # One sentence for a person, in the one snapshot that carries it: a drive skipped
    # because it is not connected, a drive that went away, the cap reached.
    message: str = ""
    problems: tuple[tuple[str, str], ...] = ()  # (file, why), the first _MAX_PROBLEMS
    finished: bool = False
    cancelled: bool = False
    cap_reached: bool = False


def default_workers() -> int:
    """Half the cores, at most four: the fill is background work."""
    return max(1, min(4, (os.cpu_count() or 2) // 2))


def fill_cache(
    drive_id: int | None,
    cache: PreviewCache,
    cancel: Cancel | None = None,
    workers: int | None = None,
    *,
    quick_only: bool = False,
    file_ids: Collection[int] | None = None,
) -> Iterator[FillProgress]:
    """Fill `cache` for one drive, or for every drive whose last mount path is a
    folder now (`drive_id` None). A drive that is not connected is skipped with a
    message. Ends with a snapshot whose `finished` is set."""
    fill = _Fill(cache, cancel or Cancel(), workers or default_workers())
    # Only these files (a watched drive's arrivals), not the whole drive.
    fill.only = sorted(set(file_ids)) if file_ids is not None else None
    try:
        yield from fill.run(drive_id, quick_only)
    finally:
        fill.close()


def make_checked(request: CacheRequest) -> CacheResult:
    """What a worker runs: `make_entries`, once the file is known to be the one the
    catalogue describes (its oshash is the same)."""
    try:
        found = oshash_path(request.path)
    except OSError as exc:
        return CacheResult(request.oshash, (), read_error(exc).message)
    if found != request.oshash:
        return CacheResult(
            request.oshash,
            (),
            "the file has changed since the drive was scanned; scan it again to cache it",
        )
    return make_entries(request)


@dataclass(frozen=True)
class _DriveRow:
    id: int
    name: str
    mount: str


class _Fill:
    def __init__(self, cache: PreviewCache, cancel: Cancel, workers: int) -> None:
        self.cache, self.cancel, self.workers = cache, cancel, max(1, workers)
        self.pool = None
        # → (the file, its oshash, the pool running it)
        self.in_flight: dict[Future, tuple[str, str, object]] = {}
        self.busy: set[str] = set()  # oshashes in flight (duplicates wait their turn)
        self.made = self.failed = self.added = 0
        self.problems: list[tuple[str, str]] = []
        self.drive, self.phase, self.done, self.total = "", QUICK, 0, 0
        self.lost: set[int] = set()  # drives that went away during the fill
        self.cap_reached = False
        self.budget = 0.0  # bytes this fill may add (set once the cap is known)
        self.last_report = 0.0
        self.only: list[int] | None = None

    # --- the passes ---------------------------------------------------------------

    def run(self, drive_id: int | None, quick_only: bool) -> Iterator[FillProgress]:
        mounted = []
        for drive in _drives(drive_id):
            if drive.mount and holds_something(drive.mount):
                mounted.append(drive)
                continue
            where = f"last seen at {drive.mount}" if drive.mount else "never mounted"
            yield self._snapshot(
                drive=drive.name,
                message=f"{drive.name} is not connected ({where}): skipped; "
                "its previews are cached once it is",
            )
        self.cache.prune()  # a cap lowered since the last fill applies now
        self.budget = self.cache.max_bytes * _FILL_TO
        for phase in (QUICK,) if quick_only else (QUICK, FULL):
            for drive in mounted:
                if self._stopped():
                    break
                if drive.id not in self.lost:
                    yield from self._fill_drive(drive, phase)
        self.cache.prune()
        message = ""
        if self.cap_reached:
            message = (
                f"the preview cache reached its cap ({human_size(self.cache.max_bytes)}): "
                "the files left were not cached; raise the cap to cache more"
            )
        yield self._snapshot(
            phase=DONE,
            message=message,
            finished=True,
            cancelled=self.cancel.is_set(),
            cap_reached=self.cap_reached,
        )

    def _fill_drive(self, drive: _DriveRow, phase: str) -> Iterator[FillProgress]:
        self.drive, self.phase, self.done = drive.name, phase, 0
        wanted = cacheable_files(drive.id)
        if self.only is not None:
            wanted = wanted.where(FileEntry.id.in_(self.only))
        self.total = wanted.count()
        yield self._snapshot()
        mount, after = os.fsencode(drive.mount), 0
        while not self._stopped() and drive.id not in self.lost:
            # A chunk is read whole, so no read transaction stays open across a yield.
            rows = list(
                wanted.where(FileEntry.id > after).order_by(FileEntry.id).limit(_CHUNK).tuples()
            )
            if not rows:
                break
            after = rows[-1][0]
            for _id, folder, name, raw, oshash, kind, mime, duration in rows:
                if self._stopped() or drive.id in self.lost:
                    break
                if oshash in self.busy or not self._missing(oshash, kind, phase):
                    self.done += 1
                else:
                    yield from self._wait_for_room(drive)
                    if self._stopped() or drive.id in self.lost:
                        break
                    request = CacheRequest(
                        path=os.path.join(mount, relpath_bytes(folder, name, raw)),
                        oshash=oshash,
                        kind=kind,
                        mime=mime,
                        duration=duration,
                        cache_dir=os.fspath(self.cache.directory),
                        quick=phase == QUICK,
                    )
                    self._submit(request, f"{drive.name}:{join_folder(folder, name)}")
                if (progress := self._due()) is not None:
                    yield progress
        yield from self._drain(drive)
        yield self._snapshot()

    def _missing(self, oshash: str, kind: str, phase: str) -> bool:
        wanted = (THUMB,) if phase == QUICK else (THUMB, POSTER if kind == "video" else PREVIEW)
        return not all(self.cache.has(oshash, size) for size in wanted)

    # --- the workers --------------------------------------------------------------

    def _submit(self, request: CacheRequest, shown: str) -> None:
        for _attempt in range(2):
            if self.pool is None:  # no processes when everything is cached already
                self.pool = worker_pool(self.workers, _NICENESS, _PRELOAD)
            try:
                future = self.pool.submit(make_checked, request)
                break
            except BrokenProcessPool:  # a worker crashed since the last submit
                self._replace_pool()
        else:
            raise RuntimeError("the cache fill's worker processes could not be started")
        self.in_flight[future] = (shown, request.oshash, self.pool)
        self.busy.add(request.oshash)

    def _replace_pool(self, broken=None) -> None:
        # A worker that dies (a decoder crashed it) breaks the whole pool: every task
        # in it fails, and the next ones go to a new pool.
        if self.pool is not None and broken in (None, self.pool):
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def _wait_for_room(self, drive: _DriveRow) -> Iterator[FillProgress]:
        while len(self.in_flight) >= 2 * self.workers and not self._stopped():
            yield from self._collect(drive)

    def _drain(self, drive: _DriveRow) -> Iterator[FillProgress]:
        if self.cancel.is_set():
            for future in self.in_flight:
                future.cancel()  # those not started yet
            # Those running are left to finish unseen: one may be stuck on a dead drive.
            self.in_flight.clear()
            self.busy.clear()
        while self.in_flight:
            yield from self._collect(drive)

    def _collect(self, drive: _DriveRow) -> Iterator[FillProgress]:
        finished, _ = wait(self.in_flight, timeout=_REPORT_EVERY, return_when=FIRST_COMPLETED)
        for future in finished:
            shown, oshash, pool = self.in_flight.pop(future)
            self.busy.discard(oshash)
            if future.cancelled():
                continue
            try:
                result = future.result()
            except BrokenProcessPool:
                self._replace_pool(pool)
                result = CacheResult(oshash, (), "a worker process stopped while making it")
            self.done += 1
            self.made += len(result.made)
            self.added += result.added_bytes
            if result.error:
                self.failed += 1
                if len(self.problems) < _MAX_PROBLEMS:
                    self.problems.append((shown, result.error))
                if drive.id not in self.lost and not holds_something(drive.mount):
                    self.lost.add(drive.id)
                    yield self._snapshot(
                        message=f"{drive.name} went away (unplugged or unmounted): "
                        "its cache is filled once it is back"
                    )
            if self.added >= self.budget:
                self.cap_reached = True
        if (progress := self._due()) is not None:
            yield progress

    def close(self) -> None:
        if self.pool is not None:
            # Stopped: never wait for a worker stuck reading a drive pulled out (the
            # workers exit with Luna in any case); finished: nothing is left to wait for.
            self.pool.shutdown(wait=not self.cancel.is_set(), cancel_futures=True)
            self.pool = None

    # --- reporting ----------------------------------------------------------------

    def _stopped(self) -> bool:
        return self.cancel.is_set() or self.cap_reached

    def _due(self) -> FillProgress | None:
        now = time.monotonic()
        if now - self.last_report < _REPORT_EVERY:
            return None
        return self._snapshot()

    def _snapshot(self, **changes) -> FillProgress:
        self.last_report = time.monotonic()
        values = dict(
            drive=self.drive,
            phase=self.phase,
            done=self.done,
            total=self.total,
            made=self.made,
            failed=self.failed,
            added_bytes=self.added,
            problems=tuple(self.problems),
        )
        values.update(changes)
        return FillProgress(**values)


def _drives(drive_id: int | None) -> list[_DriveRow]:
    query = Drive.select(Drive.id, Drive.name, Drive.mount_path).order_by(Drive.name)
    if drive_id is not None:
        query = query.where(Drive.id == drive_id)
    found = [_DriveRow(i, name, mount or "") for i, name, mount in query.tuples()]
    if drive_id is not None and not found:
        raise ValueError(f"no drive with id {drive_id} in the catalogue")
    return found


def cacheable_files(drive_id: int):
    """The drive's files that can have entries: present images and videos, not empty."""
    return FileEntry.select(
        FileEntry.id,
        FileEntry.folder,
        FileEntry.filename,
        FileEntry.raw_path,
        FileEntry.oshash,
        FileEntry.kind,
        FileEntry.mime,
        FileEntry.duration,
    ).where(
        (FileEntry.drive == drive_id)
        & (FileEntry.present == True)  # noqa: E712
        & FileEntry.kind.in_(KINDS)
        & FileEntry.oshash.is_null(False)
        & (FileEntry.size > 0)
    )
