"""The scan: walk → diff with the catalogue → read in a pool → batched writes.

`scan_drive` is a generator that yields ScanProgress and honours a cancel flag; the CLI
draws a progress bar from it and the UI runs it on a QThreadPool. Memory stays flat in
the number of files: the walk goes folder by folder and only one folder's catalogue
rows are held at a time.

A scan ends in one of the states of scan.progress. Besides being cancelled, it stops by
itself when the drive goes away (what could not be read keeps its earlier metadata and
nothing is called missing) or when the disk under the catalogue fills up (every batch
is a transaction, so what was written stands and the next scan carries on).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import peewee
from peewee import fn

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.database import CACHE_KIB, is_disk_full, refresh_statistics
from luna_desktop.catalog.models import DB, Drive, ScanRun, utcnow
from luna_desktop.catalog.paths import join_folder

from . import finish
from .disk_kind import read_mode
from .drive_identity import identify_drive
from .folder_rows import KnownFile, file_job, folder_rows, untouched
from .ignore import IgnoreRules
from .options import Cancel, ScanOptions, check_scan_root
from .progress import (
    CANCELLED,
    CATALOG_FULL,
    COMPLETED,
    DRIVE_LOST,
    ScanCounts,
    ScanProgress,
)
from .read_pool import ReadPool
from .reader import FileJob, FileRecord
from .relink import relink_in_chunks
from .relink_across import arrivals_on_drive, settle_in_chunks
from .transactions import write_transaction
from .walk import FolderListing, FoundFile, count_files, walk_drive
from .writer import CatalogWriter

# ScanOptions, Cancel and check_scan_root live in .options; callers import them here.
__all__ = ["CATALOG_FULL_MESSAGE", "Cancel", "ScanOptions", "check_scan_root", "scan_drive"]

_SCAN_CACHE_KIB = -8_000  # negative: KiB, as SQLite's cache_size pragma takes it

CATALOG_FULL_MESSAGE = (
    "the disk holding the catalogue is full: free some space and scan again; nothing was lost"
)


def scan_drive(
    root: str | os.PathLike,
    drive_name: str | None = None,
    options: ScanOptions | None = None,
    cancel: Cancel | None = None,
) -> Iterator[ScanProgress]:
    options = options or ScanOptions()
    cancel = cancel or Cancel()
    path = check_scan_root(root)
    with write_transaction():
        drive, _created = identify_drive(path, drive_name)
        ScanRun.update(state="interrupted").where(
            (ScanRun.drive == drive) & (ScanRun.state == "running")
        ).execute()
        run = ScanRun.create(drive=drive, root=str(path))
    scan = _Scan(path, drive, run, options, cancel)
    yield from scan.run()


def _inode(found: FoundFile) -> int:
    return found.inode


def _device_of(path: bytes) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class _Scan:
    def __init__(
        self, path: Path, drive: Drive, run: ScanRun, options: ScanOptions, cancel: Cancel
    ):
        self.path = path
        self.root = os.fsencode(path)
        # What the root is now: unplugged or unmounted, it is gone or another folder.
        self.root_device = _device_of(self.root)
        self.drive = drive
        self.run_row = run
        self.options = options
        self.cancel = cancel
        self.rules = IgnoreRules(options.ignore)
        self.writer = CatalogWriter(drive.id, run.id, options.batch_size, self._refused)
        self.rotating = read_mode(options.disk, self.root)
        self.readers = ReadPool(
            1 if self.rotating else options.workers,
            processes=options.processes,
        )
        self.progress = ScanProgress(
            drive=drive.name, read_mode="rotating" if self.rotating else "parallel"
        )
        self.counts: ScanCounts = self.progress.counts
        self.walked: set[str] = set()
        self.unreadable: list[str] = []
        self.started = time.monotonic()
        self.last_report = 0.0
        self.task: list[FileJob] = []
        self.lost = False  # the drive went away
        self.finished = False  # ends the counting walk, also when the scan is abandoned

    def run(self) -> Iterator[ScanProgress]:
        counter = threading.Thread(target=self._count_files, name="luna-scan-count", daemon=True)
        counter.start()
        state = "failed"
        # What a scan writes can always be read again from the drive, so its batches
        # need not wait for the disk (WAL with NORMAL stays consistent after a power
        # cut and may only lose the last batches). Curators' saves keep FULL. A scan
        # touches each page once, so a small page cache keeps its memory flat.
        DB.execute_sql("PRAGMA synchronous=NORMAL")
        DB.execute_sql(f"PRAGMA cache_size={_SCAN_CACHE_KIB}")
        try:
            try:
                state = yield from self._scan()
            except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
                if not is_disk_full(exc):
                    raise
                state = CATALOG_FULL
                self.progress.message = CATALOG_FULL_MESSAGE
            finally:
                self.readers.close()
        finally:
            # Also reached when the consumer abandons the generator: keep what was read.
            self.finished = True
            if state == "failed":
                self._quietly(self.writer.flush)
            if state in ("failed", CATALOG_FULL):
                # No room to record the run's end either: the next scan marks it
                # interrupted.
                self._quietly(lambda: self._close_run(state))
            else:
                self._close_run(state)
            DB.execute_sql("PRAGMA synchronous=FULL")
            DB.execute_sql(f"PRAGMA cache_size={CACHE_KIB}")
        self.progress.state = state
        self._refresh_progress()
        yield self.progress

    def _scan(self) -> Iterator[ScanProgress]:
        """Walks, reads and writes; returns the final state."""
        for listing in walk_drive(self.root, self.rules, self._stopping):
            self._diff_folder(listing)
            yield from self._collect(block=False)
        self._submit_task()
        # When stopping, tasks already running still finish, and their work is kept.
        while self.readers.busy:
            yield from self._collect(block=True)
        if not self.lost:
            self._check_drive()  # the walk may have ended early because the drive went
        self.writer.flush()
        if not self.lost and not self.cancel.is_set():
            yield from self._finish_completed_walk()
        # Also after a stopped scan: what it wrote may have made or broken groups, and
        # changed the tables' sizes the planner goes by.
        problem = duplicates.refresh_after_change(self.drive.id)
        if problem:
            self.progress.problems.append(("", problem))
        with contextlib.suppress(peewee.DatabaseError):  # statistics only guide the planner
            refresh_statistics()
        if self.lost:
            self.progress.message = self._lost_message()
            return DRIVE_LOST
        return CANCELLED if self.cancel.is_set() else COMPLETED

    def _stopping(self) -> bool:
        return self.cancel.is_set() or self.lost

    # -- the drive going away ----------------------------------------------------

    def _check_drive(self) -> bool:
        """Whether the drive is still there; when not, the scan stops as DRIVE_LOST.

        Called on the first sign of trouble (a file or folder that cannot be read) and
        before anything is called missing: a single stat of the root, which after an
        unplug fails and after an unmount shows another folder.
        """
        if self.lost:
            return False
        if self.root_device is not None and _device_of(self.root) == self.root_device:
            return True
        self.lost = True
        # Listings made while the drive was going may be empty for that reason alone.
        self.counts.missing -= self.writer.forget_missing()
        return False

    def _lost_message(self) -> str:
        total = self.progress.files_total or self.progress.files_found
        return (
            f"the drive at {self.path} went away after {self.progress.files_done:,} of "
            f"{total:,} files; scan again when it is back"
        )

    # -- walking and diffing ------------------------------------------------------

    def _diff_folder(self, listing: FolderListing) -> None:
        if (listing.error or listing.problems) and not self._check_drive():
            return
        self.counts.ignored += listing.ignored
        self.counts.skipped_links += listing.skipped_links
        for path, message in listing.problems:
            self._problem(path, message)
            # An entry that could not be examined (an I/O error on a flaky drive) may be
            # a folder: nothing below it may be called missing on that evidence.
            self.unreadable.append(path)
        if listing.error:
            self.unreadable.append(listing.text)
            self._problem(listing.text or "/", listing.error)
            return
        if listing.text in self.walked:
            # Another folder whose name reads the same was walked: its new files must be
            # in the catalogue before names here are chosen, or two could take one text.
            self._settle()
        self.walked.add(listing.text)
        rows = folder_rows(self.drive.id, listing)
        # On a rotating disk the folder's files are read in the order the file system
        # placed them, so the head mostly moves forward (scan.disk_kind).
        files = sorted(listing.files, key=_inode) if self.rotating else listing.files
        for found in files:
            self.progress.files_found += 1
            row = rows.known.pop(found.name, None)
            sidecar = listing.sidecars.get(found.name)
            if row is not None and self._unchanged(row, found, sidecar):
                continue
            self.task.append(file_job(self.root, listing, found, row, rows, sidecar))
            if len(self.task) >= self.options.task_size:
                self._submit_task()
        if self.task:  # what the progress line names: a file being read now
            self.progress.current = join_folder(self.task[-1].folder, self.task[-1].filename)
        # A sidecar catalogued as a file of its own (before Luna paired sidecars, or before
        # its image was copied beside it) now belongs to its image: its row goes, unless
        # a curator worked on it.
        absorbed = [rows.known.pop(s.name, None) for s in listing.sidecars.values()]
        self.writer.forget(untouched([r.id for r in absorbed if r is not None]))
        gone = [
            row.id
            for name, row in rows.known.items()
            if row.present
            and name not in listing.unexamined
            # Ignored now is not gone: the file is still on the drive.
            and not self.rules.ignores(join_folder(listing.text, row.text))
        ]
        if gone and self._check_drive():
            self.counts.missing += len(gone)
            self.writer.mark_missing(gone)

    def _unchanged(self, row: KnownFile, found: FoundFile, sidecar: FoundFile | None) -> bool:
        if row.size != found.size or row.mtime != found.mtime or self.options.full or row.retry:
            return False
        now = None if sidecar is None else (sidecar.text, sidecar.size, sidecar.mtime)
        if now != row.sidecar:  # the sidecar changed, came or went: read the file again
            return False
        self.counts.unchanged += 1
        self.progress.files_done += 1
        if not row.present:
            self.counts.reappeared += 1
            self.writer.mark_present(row.id)
        return True

    def _submit_task(self) -> None:
        if not self.task:
            return
        # Deep enough that workers keep busy while the writer commits a batch.
        while self.readers.busy >= self.options.workers * 16 and not self._stopping():
            self._drain(block=True)
        jobs, self.task = self.task, []
        if not self._stopping():
            self.readers.submit(jobs)

    def _settle(self) -> None:
        """Read and write everything handed out so far."""
        self._submit_task()
        while self.readers.busy:
            self._drain(block=True)
        self.writer.flush()

    def _count_files(self) -> None:
        total = count_files(self.root, self.rules, self._counting_stopped)
        if not self._counting_stopped():
            self.progress.files_total = total

    def _counting_stopped(self) -> bool:
        return self._stopping() or self.finished

    # -- results ---------------------------------------------------------------

    def _drain(self, block: bool) -> None:
        if self._stopping() and not self.readers.stopped:
            self.readers.stop()  # at once: tasks not started yet are dropped
            self.progress.stopping = True
        timeout = max(self.options.report_every, 0.05) if block else None
        for jobs, records in self.readers.completed(timeout):
            for job, record in zip(jobs, records, strict=True):
                self._take(job, record)

    def _take(self, job: FileJob, record: FileRecord) -> None:
        if record.os_errno is not None:
            self._check_drive()
        if self.lost and (record.os_errno is not None or record.info.error):
            return  # read while the drive was going: the next scan reads it again
        self.progress.files_done += 1
        if record.os_errno is not None and (
            job.file_id is not None or record.os_errno == errno.ENOENT
        ):
            # Not read at all: a known row keeps what an earlier scan read, and a file
            # deleted since the walk saw it is not catalogued.
            path = join_folder(job.folder, job.filename)
            self._problem(path, record.info.error or "could not read the file")
            if job.file_id is not None and record.os_errno != errno.ENOENT:
                self.writer.mark_present(job.file_id)
            return
        self.progress.bytes_done += record.size
        if record.info.error:
            self.counts.errors += 1
        if record.info.notes:
            self.counts.noted += 1
        if job.file_id is None:
            self.counts.added += 1
            self.writer.add_new(record)
        else:
            self.counts.changed += 1
            self.writer.add_changed(job.file_id, record)

    def _refused(self, record: FileRecord, file_id: int | None, reason: str) -> None:
        if file_id is None:
            self.counts.added -= 1
        else:
            self.counts.changed -= 1
        self.counts.unwritten += 1
        path = join_folder(record.folder, record.filename)
        self.progress.problems.append((path, f"the catalogue refused this file ({reason})"))

    def _collect(self, block: bool) -> Iterator[ScanProgress]:
        self._drain(block)
        yield from self._report()

    def _report(self) -> Iterator[ScanProgress]:
        now = time.monotonic()
        if now - self.last_report >= self.options.report_every:
            self.last_report = now
            self._refresh_progress()
            yield self.progress

    def _refresh_progress(self) -> None:
        self.progress.elapsed = time.monotonic() - self.started

    def _problem(self, path: str, message: str) -> None:
        self.counts.errors += 1
        self.progress.problems.append((path, message))

    # -- the end of a completed walk ---------------------------------------------

    def _finish_completed_walk(self) -> Iterator[ScanProgress]:
        """Only a walk that reached every folder may say a file is gone. Each step is
        chunked (see scan.finish); a cancel between chunks leaves the rest to the next
        scan, and the drive is checked before anything is called missing."""
        chunk = self.options.batch_size
        folders = [
            f
            for f in finish.folders_with_present_files(self.drive.id)
            if f not in self.walked
            and not _under_any(f, self.unreadable)
            # A folder ignored now is not gone from the drive.
            and not self.rules.ignores(f)
        ]
        if folders and not self._check_drive():
            return
        for marked in finish.mark_folders_missing(self.drive.id, folders, chunk):
            self.counts.missing += marked
            yield from self._report()
            if self.cancel.is_set():
                return
        this_scan = (self.run_row.id, self.run_row.started_at)
        for relinked in relink_in_chunks(
            self.drive.id, self._last_completed_scan(), chunk, this_scan
        ):
            self.counts.moved += relinked.moved
            self.counts.added -= relinked.added_here
            self.counts.missing -= relinked.missing_here
            yield from self._report()
            if self.cancel.is_set():
                return
        # Files new here that are missing files from anywhere (another drive, or moved
        # here and curated during the scan): relinked when unambiguous, else offered.
        # Their groups are refreshed with this drive's, right after.
        arrivals = arrivals_on_drive(self.drive.id, self._last_completed_scan())
        for settled in settle_in_chunks(arrivals, chunk):
            self.counts.relinked_across += settled.relinked
            self.counts.relink_offers += settled.offered
            yield from self._report()
            if self.cancel.is_set():
                return
        finish.update_drive_totals(self.drive.id)

    def _last_completed_scan(self) -> int:
        """Files added after this scan run may be moves: also those an unfinished scan saw."""
        last = (
            ScanRun.select(fn.MAX(ScanRun.id))
            .where(
                (ScanRun.drive == self.drive.id)
                & (ScanRun.state == COMPLETED)
                & (ScanRun.id != self.run_row.id)
            )
            .scalar()
        )
        return int(last or 0)

    @staticmethod
    def _quietly(action) -> None:
        # Already failing: if this cannot be written either, the catalogue is still
        # consistent (each batch is one transaction) and the next scan reads it again.
        with contextlib.suppress(Exception):
            action()

    def _close_run(self, state: str) -> None:
        self._refresh_progress()
        with write_transaction():
            ScanRun.update(
                state=state,
                finished_at=utcnow(),
                counts=self.counts.as_dict(),
                problems=[{"path": p, "error": m} for p, m in self.progress.problems[:1000]],
            ).where(ScanRun.id == self.run_row.id).execute()


def _under_any(folder: str, parents: list[str]) -> bool:
    return any(p == "" or folder == p or folder.startswith(p + "/") for p in parents)
