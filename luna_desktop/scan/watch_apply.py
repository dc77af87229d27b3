"""Applying one batch of a watched drive's changes to the catalogue.

First the moves, in the order they happened (scan.watch_moves): a moved or renamed
file keeps its row (its UUID, curation and tags) and only its path changes; a moved
folder takes every row below it along, a bounded chunk of rows per transaction. Then
each folder where something happened is compared with its catalogue rows exactly as a
scan compares a folder (scan.folder_rows: by the exact bytes of names, so names that
are not UTF-8 work): new and changed files are read in worker processes by the scan's
reader and written by the scan's CatalogWriter; files that are gone are marked missing,
never deleted; a file that is back is marked present. A folder that is gone takes its
rows with it into "missing".

Nothing is ever written to the drive, and nothing is called missing unless the drive's
root is still the one the watcher started on: a drive being unplugged looks, for a
moment, exactly like one whose files were all deleted.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from luna_desktop.catalog.models import DB
from luna_desktop.catalog.paths import join_folder, to_text

from . import finish
from .folder_rows import KnownFile, file_job, folder_rows, untouched
from .ignore import IgnoreRules
from .read_pool import ReadPool
from .reader import FileJob, FileRecord
from .walk import FolderListing, FoundFile, describe_error, list_entries
from .watch_events import Changes
from .watch_moves import Moved, Mover, chunks, found_again
from .writer import CatalogWriter

_TASK_SIZE = 32  # files per task handed to a reader process, as a scan does
# Files written before what a batch did so far is handed on: a copy of a hundred
# thousand files shows in the window as it goes, not only once it has all been read.
PART_FILES = 1000


@dataclass
class WatchBatch:
    """What one batch of changes did to a drive's catalogue rows."""

    drive_id: int
    added_ids: list[int] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)  # read again, or back from missing
    missing_ids: list[int] = field(default_factory=list)
    moved: int = 0  # rows that kept their identity at a new path (files, or all in a folder)
    moved_ids: list[int] = field(default_factory=list)  # those of single files
    folders: set[str] = field(default_factory=set)  # folders whose rows changed, before and after
    lines: list[str] = field(default_factory=list)  # one per change, for a person to read
    problems: int = 0  # lines that are problems (files that could not be read or written)
    # Missing files found again among the arrivals, on any drive (scan.relink_across):
    # relinked (their rows took the new place), or offered to the curator.
    relinked: int = 0
    offered: int = 0


@dataclass
class _Work:
    """One batch in progress."""

    high: int  # the largest row id already reported: the new rows are above it
    moved: Moved = field(default_factory=Moved)
    changed: dict[int, str] = field(default_factory=dict)
    back: dict[int, str] = field(default_factory=dict)  # were missing, now present again
    gone: dict[int, str] = field(default_factory=dict)  # to be marked missing
    added: dict[int, str] = field(default_factory=dict)
    added_before: dict[int, str] = field(default_factory=dict)  # handed on in parts
    written: int = 0  # files written since the last part
    problems: list[str] = field(default_factory=list)
    folders: set[str] = field(default_factory=set)
    jobs: list[FileJob] = field(default_factory=list)
    # Folders compared with the catalogue, and their subfolders; the texts of those found.
    seen: dict[bytes, list[bytes]] = field(default_factory=dict)
    walked: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)
    catalogued: list[str] | None = None  # the drive's folders with present files
    lost: bool = False


class Applier:
    """Applies Changes for one drive; lives on the watcher's applier thread."""

    def __init__(
        self,
        root: bytes,
        drive_id: int,
        run_id: int,
        rules: IgnoreRules,
        root_ok: Callable[[], bool],
        stopping: Callable[[], bool],
        *,
        workers: int,
        processes: bool,
        batch_size: int,
    ) -> None:
        self.root = root
        self.drive_id = drive_id
        self.run_id = run_id
        self.rules = rules
        self.root_ok = root_ok
        self.stopping = stopping
        self.chunk = batch_size
        self.readers = ReadPool(workers, processes=processes)
        self.writer = CatalogWriter(drive_id, run_id, batch_size, self._refused)
        self.mover = Mover(drive_id, batch_size)
        self.on_part: Callable[[WatchBatch], None] | None = None
        self.w = _Work(0)

    def close(self) -> None:
        self.readers.close()

    def apply(
        self, changes: Changes, on_part: Callable[[WatchBatch], None] | None = None
    ) -> WatchBatch | None:
        """What the batch did; what it did so far goes to `on_part` every PART_FILES
        files. None when the drive went away meanwhile: then nothing was called missing."""
        self.on_part = on_part
        high = DB.execute_sql("SELECT COALESCE(MAX(id), 0) FROM file_entry").fetchone()[0]
        self.w = w = _Work(high)
        w.moved = self.mover.apply(changes.moves)
        w.folders = w.moved.folders
        for rel in w.moved.recheck:
            self._look_at_tree(rel)
        for rel, tree in _outermost(changes.folders):
            if self.stopping():
                break
            if tree:
                self._look_at_tree(rel)
            else:
                self._look_at_folder(rel)
        self._read_and_write()
        if w.lost or (w.gone and not self.root_ok()):
            self.writer.forget_missing()
            self.writer.flush()  # what was read before the drive went stands
            return None
        for ids in chunks(list(w.gone)):
            self.writer.mark_missing(ids)
        self.writer.flush()
        self._note_added()
        if not self.stopping():
            self._found_again()
        return self._batch()

    # -- comparing folders with the catalogue --------------------------------------

    def _look_at_tree(self, rel: bytes) -> None:
        """The folder and everything below it; rows of folders below it that are gone
        are marked missing."""
        text = to_text(rel)[0]
        if rel and self.rules.ignores(text):
            return
        stack = [rel]
        while stack and not self.stopping():
            stack += self._look_at_folder(stack.pop(), gone_below=False)
        if not self.stopping():
            self._gone_below(text)

    def _look_at_folder(self, rel: bytes, gone_below: bool = True) -> list[bytes]:
        """Compares one folder's files with its rows; returns its subfolders."""
        w = self.w
        if rel in w.seen:
            return w.seen[rel]
        w.seen[rel] = []
        text, _exact = to_text(rel)
        if rel and self.rules.ignores(text):
            return []
        found = list_folder(self.root, rel, self.rules)
        if found is None:
            if gone_below:
                self._gone_below(text)
            return []
        listing, subfolders = found
        w.seen[rel] = subfolders
        w.walked.add(text)
        for path, message in listing.problems:
            self._problem(path, message)
            # An entry that could not be examined may be a folder: nothing below it
            # may be called missing on that evidence.
            w.unreadable.append(path)
        if listing.error:
            w.unreadable.append(text)
            self._problem(text or "/", listing.error)
            return []
        self._diff(listing)
        return subfolders

    def _diff(self, listing: FolderListing) -> None:
        """What scan.pipeline does for a folder, by the same rules."""
        w = self.w
        rows = folder_rows(self.drive_id, listing)
        for found in listing.files:
            row = rows.known.pop(found.name, None)
            sidecar = listing.sidecars.get(found.name)
            if row is not None and _unchanged(row, found, sidecar):
                if not row.present:
                    w.back[row.id] = join_folder(listing.text, row.text)
                    self.writer.mark_present(row.id)
                    w.folders.add(listing.text)
                continue
            if row is not None and not row.present:
                w.back[row.id] = join_folder(listing.text, row.text)
            w.jobs.append(file_job(self.root, listing, found, row, rows, sidecar))
        # A sidecar catalogued as a file of its own now belongs to its image (as a scan).
        absorbed = [rows.known.pop(s.name, None) for s in listing.sidecars.values()]
        forgotten = untouched([r.id for r in absorbed if r is not None])
        if forgotten:
            self.writer.forget(forgotten)
            w.folders.add(listing.text)
        for name, row in rows.known.items():
            path = join_folder(listing.text, row.text)
            # Ignored now is not gone: the file is still on the drive.
            if row.present and name not in listing.unexamined and not self.rules.ignores(path):
                w.gone[row.id] = path
                w.folders.add(listing.text)

    def _gone_below(self, text: str) -> None:
        """The present rows of catalogued folders at or below `text` that were not found."""
        w = self.w
        if w.catalogued is None:
            w.catalogued = finish.folders_with_present_files(self.drive_id)
        for folder in w.catalogued:
            if not _within(folder, text) or folder in w.walked:
                continue
            if any(_within(folder, u) for u in w.unreadable) or self.rules.ignores(folder):
                continue
            rows = DB.execute_sql(
                "SELECT id, filename FROM file_entry "
                "WHERE drive_id = ? AND folder = ? AND present = 1",
                (self.drive_id, folder),
            ).fetchall()
            for file_id, filename in rows:
                w.gone[file_id] = join_folder(folder, filename)
            if rows:
                w.folders.add(folder)

    # -- reading and writing --------------------------------------------------------

    def _read_and_write(self) -> None:
        w = self.w
        jobs, w.jobs = w.jobs, []
        for start in range(0, len(jobs), _TASK_SIZE):
            self.readers.submit(jobs[start : start + _TASK_SIZE])
        while self.readers.busy:
            if self.stopping() and not self.readers.stopped:
                self.readers.stop()  # tasks not started are dropped: the next scan reads them
            for task, records in self.readers.completed(0.2):
                for job, record in zip(task, records, strict=True):
                    self._take(job, record)
            if w.written >= PART_FILES and self.on_part is not None and not w.lost:
                self._hand_on_part()

    def _take(self, job: FileJob, record: FileRecord) -> None:
        w = self.w
        path = join_folder(job.folder, job.filename)
        if record.os_errno is not None and not w.lost and not self.root_ok():
            w.lost = True
        if w.lost and (record.os_errno is not None or record.info.error):
            return  # read while the drive was going: the next look reads it again
        if record.os_errno is not None and (
            job.file_id is not None or record.os_errno == errno.ENOENT
        ):
            # Deleted since it was listed: the deletion's own event follows. Not readable:
            # a known row keeps what was read before.
            w.back.pop(job.file_id or 0, None)
            if record.os_errno != errno.ENOENT:
                self._problem(path, record.info.error or "could not read the file")
                if job.file_id is not None:
                    self.writer.mark_present(job.file_id)
            return
        w.folders.add(job.folder)
        w.written += 1
        if job.file_id is None:
            self.writer.add_new(record)
        else:
            w.changed[job.file_id] = path
            self.writer.add_changed(job.file_id, record)

    def _refused(self, record: FileRecord, file_id: int | None, reason: str) -> None:
        path = join_folder(record.folder, record.filename)
        if file_id is not None:
            self.w.changed.pop(file_id, None)
        self._problem(path, f"the catalogue refused this file ({reason})")

    def _note_added(self) -> None:
        rows = DB.execute_sql(
            "SELECT id, folder, filename FROM file_entry WHERE id > ? AND added_scan = ?",
            (self.w.high, self.run_id),
        ).fetchall()
        for file_id, folder, filename in rows:
            self.w.added[file_id] = join_folder(folder, filename)
            self.w.high = max(self.w.high, file_id)

    def _hand_on_part(self) -> None:
        """The files added and changed so far, as a batch of their own."""
        w = self.w
        self.writer.flush()
        self._note_added()
        back = {i: p for i, p in w.back.items() if i in w.changed}  # read again
        changed = {i: p for i, p in w.changed.items() if i not in back}
        part = WatchBatch(
            self.drive_id,
            added_ids=list(w.added),
            changed_ids=[*changed, *back],
            folders={p.rpartition("/")[0] for p in (*w.added.values(), *w.changed.values())},
            lines=[
                *(f"added {p}" for p in w.added.values()),
                *(f"changed {p}" for p in changed.values()),
                *(f"back {p}" for p in back.values()),
            ],
        )
        w.added_before.update(w.added)
        w.added.clear()
        for file_id in w.changed:
            w.back.pop(file_id, None)
        w.changed.clear()
        w.written = 0
        self.on_part(part)

    def _found_again(self) -> None:
        w = self.w
        added = {**w.added_before, **w.added}  # a part's new rows may pair too
        again = found_again(self.drive_id, self.run_id, self.chunk, added, w.gone)
        w.added = {i: p for i, p in w.added.items() if i in added}
        w.moved.lines += again.lines
        w.moved.ids += again.ids
        w.moved.count += again.count
        w.folders |= again.folders

    def _problem(self, path: str, message: str) -> None:
        self.w.problems.append(f"problem {path}: {message}")

    def _batch(self) -> WatchBatch:
        w = self.w
        changed = {i: p for i, p in w.changed.items() if i not in w.back}
        lines = [
            *w.moved.lines,
            *(f"added {p}" for p in w.added.values()),
            *(f"changed {p}" for p in changed.values()),
            *(f"back {p}" for p in w.back.values()),
            *(f"missing {p}" for p in w.gone.values()),
            *w.problems,
        ]
        return WatchBatch(
            self.drive_id,
            added_ids=list(w.added),
            changed_ids=list(dict.fromkeys([*changed, *w.back])),
            missing_ids=list(w.gone),
            moved=w.moved.count,
            moved_ids=w.moved.ids,
            folders=w.folders,
            lines=lines,
            problems=len(w.problems),
        )


def list_folder(
    root: bytes, rel: bytes, rules: IgnoreRules
) -> tuple[FolderListing, list[bytes]] | None:
    """One folder listed as the scan's walk lists it (scan.walk), with its subfolders;
    None when the folder is gone (or is no folder any more)."""
    full = os.path.join(root, rel) if rel else root
    text, exact = to_text(rel)
    listing = FolderListing(rel=rel, text=text, exact=exact)
    try:
        if not stat.S_ISDIR(os.stat(full, follow_symlinks=False).st_mode):
            return None
        with os.scandir(full) as it:
            entries = list(it)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        listing.error = describe_error(exc)
        return listing, []
    return listing, list_entries(listing, entries, rules)


def _unchanged(row: KnownFile, found: FoundFile, sidecar: FoundFile | None) -> bool:
    if row.size != found.size or row.mtime != found.mtime or row.retry:
        return False
    now = None if sidecar is None else (sidecar.text, sidecar.size, sidecar.mtime)
    return now == row.sidecar


def _within(folder: str, top: str) -> bool:
    return top == "" or folder == top or folder.startswith(top + "/")


def _outermost(folders: dict[bytes, bool]) -> Iterator[tuple[bytes, bool]]:
    """The folders to look at, without those a whole-tree look above them covers."""
    trees = {rel for rel, tree in folders.items() if tree}
    for rel in sorted(folders):
        parent = rel
        covered = False
        while parent and not covered:
            parent = parent.rpartition(b"/")[0]
            covered = parent in trees
        if not covered:
            yield rel, folders[rel]
