"""The work behind File → Import listing… and Export listing…, run on a pool thread.

Reading a listing (hundreds of megabytes), checking it and writing it all take longer
than a frame, so none of it happens on the GUI thread. The work functions are plain
Python that report progress through a callback and stop when their cancel flag is set;
`ListingJob` runs one on a QThreadPool and turns its reports into signals.

Cancelling an import while it writes raises `Cancelled` from inside the progress
callback of `interop.listing.import_listing`: the import writes in one transaction, so
the exception rolls all of it back and the catalogue is as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from luna_desktop.catalog.models import DB, Drive
from luna_desktop.interop.listing import (
    ImportResult,
    ListingEntry,
    ListingError,
    export_listing,
    import_listing,
    parse_listing,
)

_log = logging.getLogger(__name__)

READ_CHUNK = 4 * 1024 * 1024  # a cancel is noticed, and progress shown, every 4 MiB


class Cancelled(Exception):
    """The curator cancelled; nothing was written."""


@dataclass(frozen=True)
class Progress:
    """Where a job is. `stage`: reading, checking, writing, saving, exporting."""

    stage: str
    done: int = 0
    total: int = 0  # 0: not known (a busy bar)


@dataclass(frozen=True)
class Exported:
    path: Path
    drive: str
    files: int


Report = Callable[[Progress], None]


def read_listing_file(path: Path, cancel: threading.Event, report: Report) -> list[ListingEntry]:
    """The listing's entries, validated (ListingError names the first bad one).

    Read in chunks rather than all at once, so the curator sees how far it has got and a
    cancel is noticed before the (uninterruptible) parse starts.
    """
    chunks: list[bytes] = []
    try:
        with open(path, "rb") as source:
            total = os.fstat(source.fileno()).st_size
            done = 0
            report(Progress("reading", 0, total))
            while chunk := source.read(READ_CHUNK):
                if cancel.is_set():
                    raise Cancelled
                chunks.append(chunk)
                done += len(chunk)
                report(Progress("reading", done, total))
    except OSError as exc:
        raise ListingError(f"cannot read {path}: {exc.strerror or exc}") from exc
    data = b"".join(chunks)
    chunks.clear()
    if cancel.is_set():
        raise Cancelled
    report(Progress("checking"))
    entries = parse_listing(data)
    if cancel.is_set():
        raise Cancelled
    return entries


def run_import(
    path: Path, drive_name: str, update: bool, cancel: threading.Event, report: Report
) -> ImportResult:
    entries = read_listing_file(path, cancel, report)

    def written(done: int, total: int) -> None:
        if cancel.is_set():
            raise Cancelled  # inside the import's transaction: it is rolled back
        # After the last entry the import inserts its new rows: that cannot be cancelled.
        report(Progress("saving" if done == total else "writing", done, total))

    report(Progress("writing", 0, len(entries)))
    return import_listing(entries, drive_name, update=update, progress=written)


def run_export(
    drive_id: int, target: Path, cancel: threading.Event, report: Report
) -> Exported | None:
    """Write the drive's listing to `target` (atomically); None when cancelled first."""
    report(Progress("exporting"))
    drive = Drive.get_or_none(Drive.id == drive_id)
    if drive is None:
        raise ListingError("the drive is no longer in the catalogue")
    data = export_listing(drive)
    if cancel.is_set():
        raise Cancelled
    report(Progress("saving"))
    try:
        write_atomically(target, data)
    except OSError as exc:
        raise ListingError(f"cannot write {target}: {exc.strerror or exc}") from exc
    files = 0 if data == b"[]\n" else data.count(b"\n") - 2  # one entry a line
    return Exported(target, drive.name, files)


def write_atomically(target: Path, data: bytes) -> None:
    """Write beside `target`, then replace it: a reader never sees half a listing, and a
    failed write leaves whatever was there before."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    # os.open with 0o666 leaves the permissions to the umask, as for any new file.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class JobSignals(QObject):
    progressed = Signal(object)  # Progress
    succeeded = Signal(object)  # what the work returned
    failed = Signal(object)  # the exception
    cancelled = Signal()
    finished = Signal()  # after one of the three above


class ListingJob(QRunnable):
    """Runs `work(cancel, report)` on a pool thread; the owner keeps it until `finished`."""

    def __init__(self, work: Callable[[threading.Event, Report], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = JobSignals()
        self.cancel = threading.Event()
        self._work = work

    def run(self) -> None:
        try:
            result = self._work(self.cancel, self.signals.progressed.emit)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:  # shown to the curator as a message
            if not isinstance(exc, ListingError):
                _log.exception("listing job failed")
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            # This pool thread's own catalogue connection (peewee keeps one per thread).
            with contextlib.suppress(Exception):
                DB.close()
            self.signals.finished.emit()
