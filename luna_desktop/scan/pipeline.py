"""The scan: walk → diff with the catalogue → read on a thread pool → batched writes.

`scan_drive` is a generator that yields ScanProgress and honours a cancel flag; the CLI
draws a progress bar from it and the UI runs it on a QThreadPool. Memory stays flat in
the number of files: the walk goes folder by folder and only one folder's catalogue
rows are held at a time.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from peewee import fn

from luna_desktop.catalog.database import CACHE_KIB
from luna_desktop.catalog.models import DB, Drive, FileEntry, ScanRun, utcnow
from luna_desktop.catalog.paths import join_folder

from .drive_identity import identify_drive
from .ignore import IgnoreRules
from .progress import ScanCounts, ScanError, ScanProgress
from .reader import FileJob, FileRecord, read_files, read_identity
from .relink import relink_moved_files
from .walk import FolderListing, walk_drive
from .writer import CatalogWriter

_SCAN_CACHE_KIB = -16_000  # negative: KiB, as SQLite's cache_size pragma takes it


@dataclass
class ScanOptions:
    ignore: list[str] = field(default_factory=list)
    full: bool = False  # read every file again, even when size and mtime are unchanged
    # Reading metadata is mostly Python (exifread) and so bound by the GIL: a big scan
    # reads in worker processes, one per core. The first files go to threads, so a small
    # folder is done before a process pool would even have started.
    workers: int = max(2, min(8, os.cpu_count() or 2))
    processes: bool = True
    process_after: int = 256  # files read on threads before the process pool is used
    task_size: int = 32  # files per task handed to a worker
    batch_size: int = 500
    report_every: float = 0.2  # seconds between progress snapshots


class Cancel:
    """A cancel flag shared between the UI or CLI and the scan."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


def check_scan_root(root: str | os.PathLike) -> Path:
    path = Path(root).expanduser()
    if not path.exists():
        raise ScanError(f"{path} does not exist")
    if not path.is_dir():
        raise ScanError(f"{path} is not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise ScanError(f"{path} cannot be read (permission denied)")
    return path.resolve()


def scan_drive(
    root: str | os.PathLike,
    drive_name: str | None = None,
    options: ScanOptions | None = None,
    cancel: Cancel | None = None,
) -> Iterator[ScanProgress]:
    options = options or ScanOptions()
    cancel = cancel or Cancel()
    path = check_scan_root(root)
    with DB.atomic():
        drive, _created = identify_drive(path, drive_name)
        ScanRun.update(state="interrupted").where(
            (ScanRun.drive == drive) & (ScanRun.state == "running")
        ).execute()
        run = ScanRun.create(drive=drive, root=str(path))
    scan = _Scan(path, drive, run, options, cancel)
    yield from scan.run()


class _Scan:
    def __init__(
        self, path: Path, drive: Drive, run: ScanRun, options: ScanOptions, cancel: Cancel
    ):
        self.root = os.fsencode(path)
        self.drive = drive
        self.run_row = run
        self.options = options
        self.cancel = cancel
        self.rules = IgnoreRules(options.ignore)
        self.writer = CatalogWriter(drive.id, run.id, options.batch_size)
        self.progress = ScanProgress(drive=drive.name)
        self.counts: ScanCounts = self.progress.counts
        self.walked: set[str] = set()
        self.unreadable: list[str] = []
        self.started = time.monotonic()
        self.last_report = 0.0
        # each task on a pool, with its files and whether it holds one file retried alone
        self.in_flight: dict[Future[list[FileRecord]], tuple[list[FileJob], bool]] = {}
        self.task: list[FileJob] = []
        self.submitted = 0
        self.threads: ThreadPoolExecutor | None = None
        self.finished = False  # ends the counting walk, also when the scan is abandoned
        self.processes: ProcessPoolExecutor | None = None

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
                for listing in walk_drive(self.root, self.rules, self.cancel.is_set):
                    self._diff_folder(listing)
                    yield from self._collect(block=False)
                self._submit_task()
                while self.in_flight and not self.cancel.is_set():
                    yield from self._collect(block=True)
                if self.cancel.is_set():
                    for future in self.in_flight:
                        future.cancel()
                    while self.in_flight:  # tasks already running finish; keep their work
                        self._drain(block=True)
            finally:
                self._shutdown_pools()
            self.writer.flush()
            if self.cancel.is_set():
                state = "cancelled"
            else:
                self._finish_completed_walk()
                state = "completed"
        finally:
            # Also reached when the consumer abandons the generator: keep what was read.
            self.finished = True
            if state == "failed":
                self._flush_quietly()
            self._close_run(state)
            DB.execute_sql("PRAGMA synchronous=FULL")
            DB.execute_sql(f"PRAGMA cache_size={CACHE_KIB}")
        self.progress.state = state
        self._refresh_progress()
        yield self.progress

    # -- walking and diffing ------------------------------------------------------

    def _diff_folder(self, listing: FolderListing) -> None:
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
        self.walked.add(listing.text)
        known = {
            name: (file_id, size, mtime, present)
            for file_id, name, size, mtime, present in FileEntry.select(
                FileEntry.id, FileEntry.filename, FileEntry.size, FileEntry.mtime, FileEntry.present
            )
            .where((FileEntry.drive == self.drive.id) & (FileEntry.folder == listing.text))
            .tuples()
        }
        problem_names = {p.rsplit("/", 1)[-1] for p, _ in listing.problems}
        for found in listing.files:
            self.progress.files_found += 1
            row = known.pop(found.text, None)
            if row is not None:
                file_id, size, mtime, present = row
                if size == found.size and mtime == found.mtime and not self.options.full:
                    self.counts.unchanged += 1
                    self.progress.files_done += 1
                    if not present:
                        self.counts.reappeared += 1
                        self.writer.mark_present(file_id)
                    continue
            else:
                file_id = None
            rel = os.path.join(listing.rel, found.name) if listing.rel else found.name
            raw = None if (listing.exact and found.exact) else rel
            self.task.append(
                FileJob(
                    os.path.join(self.root, rel),
                    listing.text,
                    found.text,
                    raw,
                    found.size,
                    found.mtime,
                    found.uid,
                    file_id,
                )
            )
            self.progress.current = join_folder(listing.text, found.text)
            if len(self.task) >= self.options.task_size:
                self._submit_task()
        gone = [
            row[0]
            for name, row in known.items()
            if row[3]
            and name not in problem_names
            # Ignored now is not gone: the file is still on the drive.
            and not self.rules.ignores(join_folder(listing.text, name))
        ]
        if gone:
            self.counts.missing += len(gone)
            self.writer.mark_missing(gone)

    def _submit_task(self) -> None:
        if not self.task:
            return
        # Deep enough that workers keep busy while the writer commits a batch.
        while len(self.in_flight) >= self.options.workers * 16:
            self._drain(block=True)
        jobs, self.task = self.task, []
        self._submit(jobs, isolated=False)

    def _submit(self, jobs: list[FileJob], isolated: bool) -> None:
        future = self._pool().submit(read_files, jobs)
        self.submitted += len(jobs)
        self.in_flight[future] = (jobs, isolated)

    def _pool(self) -> Executor:
        if self.options.processes and self.submitted >= self.options.process_after:
            if self.processes is None:
                self.processes = ProcessPoolExecutor(
                    self.options.workers,
                    mp_context=_worker_context(),
                    initializer=_ignore_interrupts,
                )
            return self.processes
        if self.threads is None:
            self.threads = ThreadPoolExecutor(self.options.workers, thread_name_prefix="luna-scan")
        return self.threads

    def _shutdown_pools(self) -> None:
        for pool in (self.threads, self.processes):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _count_files(self) -> None:
        total = 0
        for listing in walk_drive(self.root, self.rules, self._stopped):
            total += len(listing.files)
        if not self._stopped():
            self.progress.files_total = total

    def _stopped(self) -> bool:
        return self.cancel.is_set() or self.finished

    # -- results ---------------------------------------------------------------

    def _drain(self, block: bool) -> None:
        if not self.in_flight:
            return
        if block:
            done, _ = wait(
                list(self.in_flight),
                timeout=max(self.options.report_every, 0.05),
                return_when=FIRST_COMPLETED,
            )
        else:
            done = [f for f in self.in_flight if f.done()]
        for future in done:
            jobs, isolated = self.in_flight.pop(future)
            if future.cancelled():
                continue
            records = self._records_of(future, jobs, isolated)
            if records is None:
                continue  # retried, one file per task
            for job, record in zip(jobs, records, strict=True):
                file_id = job.file_id
                self.progress.files_done += 1
                self.progress.bytes_done += record.size
                if record.info.error:
                    self.counts.errors += 1
                if file_id is None:
                    self.counts.added += 1
                    self.writer.add_new(record)
                else:
                    self.counts.changed += 1
                    self.writer.add_changed(file_id, record)

    def _records_of(
        self, future: Future[list[FileRecord]], jobs: list[FileJob], isolated: bool
    ) -> list[FileRecord] | None:
        """A task's records; a task whose worker died is retried file by file.

        A decoder or libvlc that crashes on one file kills its worker process and
        breaks the pool. The pool is replaced and each file of the task retried alone,
        so the file that crashes it again is known and catalogued with a note, and the
        scan (and every later rescan) goes on.
        """
        try:
            return future.result()
        except BrokenProcessPool:
            self._replace_broken_pool()
            if not isolated:
                for job in jobs:
                    self._submit([job], isolated=True)
                return None
            note = (
                "reading this file crashed the metadata reader; it is catalogued without metadata"
            )
        except Exception as exc:  # a reader bug: keep the files, say what happened
            note = f"could not read the file's metadata: {exc.__class__.__name__}: {exc}"
        return [read_identity(job, note) for job in jobs]

    def _replace_broken_pool(self) -> None:
        if self.processes is not None:
            self.processes.shutdown(wait=False, cancel_futures=True)
            self.processes = None

    def _collect(self, block: bool) -> Iterator[ScanProgress]:
        self._drain(block)
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

    def _finish_completed_walk(self) -> None:
        """Only a walk that reached every folder may say a file is gone."""
        folders = [
            f
            for (f,) in FileEntry.select(FileEntry.folder)
            .where((FileEntry.drive == self.drive.id) & (FileEntry.present == True))  # noqa: E712
            .distinct()
            .tuples()
            if f not in self.walked
            and not _under_any(f, self.unreadable)
            # A folder ignored now is not gone from the drive.
            and not self.rules.ignores(f)
        ]
        with DB.atomic():
            now = utcnow()
            for folder in folders:
                self.counts.missing += (
                    FileEntry.update(present=False, missing_since=now)
                    .where(
                        (FileEntry.drive == self.drive.id)
                        & (FileEntry.folder == folder)
                        & (FileEntry.present == True)  # noqa: E712
                    )
                    .execute()
                )
            moved = relink_moved_files(self.drive.id, self._last_completed_scan())
            self.counts.moved += moved
            self.counts.added -= moved
            self.counts.missing -= moved
            files, size = (
                FileEntry.select(fn.COUNT(FileEntry.id), fn.COALESCE(fn.SUM(FileEntry.size), 0))
                .where((FileEntry.drive == self.drive.id) & (FileEntry.present == True))  # noqa: E712
                .tuples()
                .get()
            )
            Drive.update(total_files=files, total_bytes=size, last_seen=now).where(
                Drive.id == self.drive.id
            ).execute()

    def _last_completed_scan(self) -> int:
        """Files added after this scan run may be moves: also those an unfinished scan saw."""
        last = (
            ScanRun.select(fn.MAX(ScanRun.id))
            .where(
                (ScanRun.drive == self.drive.id)
                & (ScanRun.state == "completed")
                & (ScanRun.id != self.run_row.id)
            )
            .scalar()
        )
        return int(last or 0)

    def _flush_quietly(self) -> None:
        # Already failing: if this batch cannot be written either, the catalogue is still
        # consistent (each batch is one transaction) and the next scan reads it again.
        with contextlib.suppress(Exception):
            self.writer.flush()

    def _close_run(self, state: str) -> None:
        self._refresh_progress()
        ScanRun.update(
            state=state,
            finished_at=utcnow(),
            counts=self.counts.as_dict(),
            problems=[{"path": p, "error": m} for p, m in self.progress.problems[:1000]],
        ).where(ScanRun.id == self.run_row.id).execute()


def _ignore_interrupts() -> None:
    """Ctrl+C in a terminal reaches the whole process group: only the scan itself should
    hear it, stop cleanly and keep what was read; workers just finish their task."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: never a plain fork of this process.

    Forking a process that runs threads (Qt's, libvlc's, this scan's) can deadlock the
    child. A fork server is a fresh, single-threaded process that imports the readers
    once and forks each worker from itself, so workers start in milliseconds; where
    there is none (Windows, macOS), each worker is spawned.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["luna_desktop.scan.reader"])
        return context
    return multiprocessing.get_context("spawn")


def _under_any(folder: str, parents: list[str]) -> bool:
    return any(p == "" or folder == p or folder.startswith(p + "/") for p in parents)
