"""The publication queue: persistent jobs, one per file and destination.

Files marked upload are queued by `sync`, which any worker, the window and the command
line run before they look at a queue: it adds a job for every file that should be
published and has none, and cancels the jobs of files that should no longer be (their
status changed, or they became a copy of another group's primary). Only the primary of a
duplicate group is published; restricted, discard and keep_offline files are refused
with the reason when asked for by name (`refusal`).

States: queued → running → done, or → queued again with a later ``next_try`` after a
failure, until ``max_attempts``; then failed. "Retry failed" puts failed jobs back with
their attempts reset; cancel makes them cancelled. A job is never lost by a crash: one
left running by a process that died is queued again when its destination is next
claimed (`lease`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import DB, Destination, Drive, FileEntry, TransferJob, utcnow
from luna_desktop.catalog.status import Status

from . import lease

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
NOT_ELIGIBLE = "no longer to be published (its status changed, or it became a copy)"
GROWTH = 2.0  # each retry waits twice as long as the one before

_WHY_NOT = {
    Status.RESTRICTED: "it is restricted (kept, never published)",
    Status.DISCARD: "it is marked discard",
    Status.KEEP_OFFLINE: "it is marked keep offline (kept on the drives only)",
    Status.UNREVIEWED: "it is not reviewed yet; mark it upload to publish it",
    Status.NEEDS_ATTENTION: "it needs attention; mark it upload once settled",
}

# A present file marked upload that is not a copy of another file's group primary. A
# member whose stored content hash differs from the primary's was split off the group
# (catalog.duplicates): it is a file of its own and is published. (p.oshash = f.oshash
# lets SQLite find the primary by the (size, oshash) index: by size alone, a scanner's
# thousands of same-size TIFFs made this quadratic.)
_ELIGIBLE = """
    f.status = 2 AND f.present = 1
    AND NOT EXISTS (
        SELECT 1 FROM duplicate_group g JOIN file_entry p ON p.id = g.primary_id
        WHERE g.oshash = f.oshash AND p.id != f.id AND p.size = f.size
        AND p.oshash = f.oshash AND p.present = 1
        AND NOT (f.content_hash IS NOT NULL AND p.content_hash IS NOT NULL
                 AND f.content_hash != p.content_hash))
"""


def recover_orphans(dest: Destination) -> int:
    """Queue again the jobs left running by a worker that is gone (a crash, a kill),
    so that they resume even when no worker would otherwise start for them."""
    if lease.held(dest):
        return 0
    with write_transaction():
        return (
            TransferJob.update(state=QUEUED, done_bytes=0)
            .where(TransferJob.destination == dest, TransferJob.state == RUNNING)
            .execute()
        )


def retry_delay(dest: Destination, attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones (60, 120, 240… by default)."""
    return float(dest.retry_delay) * GROWTH ** max(0, attempts - 1)


@dataclass
class SyncResult:
    queued: int = 0
    cancelled: int = 0


def sync(dest: Destination) -> SyncResult:
    """Queue every eligible file that has no job at `dest`; withdraw the unfinished jobs
    of files that are no longer eligible, and bring back those withdrawn that are again.

    What to change is found by reads, which take no lock (the partial index of upload
    files; under a second for 200,000 of them in a million rows); only the changes are
    written, in short transactions that check each row again, so a curator's save never
    waits behind a sync for long."""
    result = SyncResult()
    now = utcnow()
    recover_orphans(dest)
    add = _ids(
        f"SELECT f.id FROM file_entry f INDEXED BY file_entry_upload WHERE {_ELIGIBLE} "
        "AND NOT EXISTS (SELECT 1 FROM transfer_job j "
        "WHERE j.file_id = f.id AND j.destination_id = ?)",
        (dest.id,),
    )
    withdraw = _ids(
        "SELECT j.id FROM transfer_job j WHERE j.destination_id = ? "
        f"AND j.state IN ('queued', 'failed') AND NOT EXISTS ({_ELIGIBLE_JOB_FILE})",
        (dest.id,),
    )
    restore = _ids(
        "SELECT j.id FROM transfer_job j WHERE j.destination_id = ? AND j.state = 'cancelled' "
        f"AND j.last_error = ? AND EXISTS ({_ELIGIBLE_JOB_FILE})",
        (dest.id, NOT_ELIGIBLE),
    )
    result.queued += _write_in_chunks(
        add,
        lambda chunk: (
            "INSERT OR IGNORE INTO transfer_job (file_id, destination_id, state, attempts, "
            "size, done_bytes, republish, queued_at) "
            f"SELECT f.id, ?, 'queued', 0, f.size, 0, 0, ? FROM file_entry f "
            f"WHERE f.id IN ({_marks(chunk)}) AND {_ELIGIBLE}",
            (dest.id, now, *chunk),
        ),
    )
    result.cancelled += _write_in_chunks(
        withdraw,
        lambda chunk: (
            "UPDATE transfer_job AS j SET state = 'cancelled', finished_at = ?, "
            f"last_error = ? WHERE j.id IN ({_marks(chunk)}) "
            f"AND j.state IN ('queued', 'failed') AND NOT EXISTS ({_ELIGIBLE_JOB_FILE})",
            (now, NOT_ELIGIBLE, *chunk),
        ),
    )
    result.queued += _write_in_chunks(
        restore,
        lambda chunk: (
            "UPDATE transfer_job AS j SET state = 'queued', attempts = 0, next_try = NULL, "
            f"finished_at = NULL, last_error = NULL WHERE j.id IN ({_marks(chunk)}) "
            f"AND j.state = 'cancelled' AND j.last_error = ? AND EXISTS ({_ELIGIBLE_JOB_FILE})",
            (*chunk, NOT_ELIGIBLE),
        ),
    )
    return result


_ELIGIBLE_JOB_FILE = f"SELECT 1 FROM file_entry f WHERE f.id = j.file_id AND {_ELIGIBLE}"
_CHUNK = 2000  # rows per write transaction: each holds the lock for milliseconds


def _ids(sql: str, params: tuple) -> list[int]:
    return [row[0] for row in DB.execute_sql(sql, params)]


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _write_in_chunks(ids: list[int], statement: Callable[[list[int]], tuple[str, tuple]]) -> int:
    """Runs `statement(chunk)` (its SQL and parameters) for each chunk of `ids`, a short
    transaction each, so a save never waits behind the whole sync; the rows changed."""
    changed = 0
    for chunk in _chunks(ids):
        sql, params = statement(chunk)
        with write_transaction():
            changed += DB.execute_sql(sql, params).rowcount
    return changed


def _marks(chunk: list[int]) -> str:
    return ", ".join("?" * len(chunk))


def refusal(entry: FileEntry) -> str | None:
    """Why this file would not be published, in words; None when it would be."""
    status = Status(entry.status)
    if status != Status.UPLOAD:
        return f"{entry.display_path} is not published: {_WHY_NOT[status]}"
    if not entry.present:
        return f"{entry.display_path} is not published: it is missing from its drive"
    row = DB.execute_sql(
        "SELECT p.folder, p.filename, d.name, p.status FROM duplicate_group g "
        "JOIN file_entry p ON p.id = g.primary_id JOIN drive d ON d.id = p.drive_id "
        "WHERE g.oshash = ? AND p.id != ? AND p.size = ? AND p.oshash = g.oshash "
        "AND p.present = 1 "
        "AND NOT (? IS NOT NULL AND p.content_hash IS NOT NULL AND p.content_hash != ?)",
        (entry.oshash, entry.id, entry.size, entry.content_hash, entry.content_hash),
    ).fetchone()
    if row is not None and entry.oshash:
        folder, name, drive, primary_status = row
        where = f"{folder}/{name}" if folder else name
        copy = f"{entry.display_path} is not published: it is a copy of {drive}:{where}, its "
        if primary_status == int(Status.UPLOAD):
            return copy + "duplicate group's primary, which is published instead"
        return copy + (
            f"duplicate group's primary, which is not marked upload (it is "
            f"{Status(primary_status).label.lower()}): mark the primary upload, or make "
            "this file the primary"
        )
    return None


# -- what the queue holds ----------------------------------------------------------------


@dataclass
class DestinationCounts:
    """A destination's jobs by state, and the queued ones that wait for a drive."""

    destination: Destination
    counts: dict[str, int] = field(default_factory=dict)
    bytes_left: int = 0
    waiting_for: dict[str, int] = field(default_factory=dict)  # drive name → jobs
    next_try: datetime | None = None  # the earliest retry not due yet

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def unfinished(self) -> int:
        return self.count(QUEUED) + self.count(RUNNING)


def counts(dest: Destination, mounts: Mapping[int, str]) -> DestinationCounts:
    """One grouped query over the destination's jobs (indexed by state)."""
    out = DestinationCounts(dest)
    for state, n, size, done in DB.execute_sql(
        "SELECT state, COUNT(*), SUM(size), SUM(done_bytes) FROM transfer_job "
        "WHERE destination_id = ? GROUP BY state",
        (dest.id,),
    ):
        out.counts[state] = n
        if state in (QUEUED, RUNNING):
            out.bytes_left += (size or 0) - (done or 0 if state == RUNNING else 0)
    for drive_id, name, n in DB.execute_sql(
        "SELECT d.id, d.name, COUNT(*) FROM transfer_job j JOIN file_entry f ON f.id = j.file_id "
        "JOIN drive d ON d.id = f.drive_id WHERE j.destination_id = ? AND j.state = 'queued' "
        "GROUP BY d.id",
        (dest.id,),
    ):
        if drive_id not in mounts:
            out.waiting_for[name] = n
    row = DB.execute_sql(
        "SELECT MIN(next_try) FROM transfer_job WHERE destination_id = ? AND state = 'queued' "
        "AND next_try > ?",
        (dest.id, utcnow()),
    ).fetchone()
    if row and row[0]:
        out.next_try = _as_datetime(row[0])
    return out


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def jobs(
    dest: Destination, states: tuple[str, ...] = STATES, limit: int = 200
) -> list[TransferJob]:
    """The destination's jobs in these states, running first, then by queue order."""
    order = {RUNNING: 0, QUEUED: 1, FAILED: 2, DONE: 3, CANCELLED: 4}
    query = (
        TransferJob.select(TransferJob, FileEntry, Drive)
        .join(FileEntry)
        .join(Drive)
        .where(TransferJob.destination == dest, TransferJob.state.in_(states))
        .order_by(TransferJob.id)
        .limit(limit)
    )
    return sorted(query, key=lambda j: (order.get(j.state, 9), j.id))


def recent(dest: Destination, limit: int = 50) -> list[TransferJob]:
    """The destination's jobs finished last (done, failed or cancelled), newest first."""
    return list(
        TransferJob.select(TransferJob, FileEntry, Drive)
        .join(FileEntry)
        .join(Drive)
        .where(
            TransferJob.destination == dest,
            TransferJob.state.in_((DONE, FAILED, CANCELLED)),
            TransferJob.finished_at.is_null(False),
        )
        .order_by(TransferJob.finished_at.desc(), TransferJob.id.desc())
        .limit(limit)
    )


def next_job(dest: Destination, mounts: Mapping[int, str]) -> TransferJob | None:
    """The oldest queued job that is due and whose drive is mounted (asked once per file
    sent: written in SQL, on the (destination, state) index)."""
    if not mounts:
        return None
    drives = list(mounts)
    marks = ", ".join("?" * len(drives))
    row = DB.execute_sql(
        "SELECT j.id FROM transfer_job j JOIN file_entry f ON f.id = j.file_id "
        "WHERE j.destination_id = ? AND j.state = 'queued' "
        "AND (j.next_try IS NULL OR j.next_try <= ?) "
        f"AND f.drive_id IN ({marks}) ORDER BY j.id LIMIT 1",
        (dest.id, utcnow(), *drives),
    ).fetchone()
    return TransferJob.get_by_id(row[0]) if row else None


# -- changing jobs -----------------------------------------------------------------------


def mark_running(job: TransferJob, remote_path: str | None = None) -> bool:
    """Take a queued job; False when another worker took it or it was cancelled."""
    fields = {"state": RUNNING, "started_at": utcnow(), "done_bytes": 0}
    if remote_path is not None:
        fields["remote_path"] = remote_path
    with write_transaction():
        return bool(
            TransferJob.update(**fields)
            .where(TransferJob.id == job.id, TransferJob.state == QUEUED)
            .execute()
        )


def record_progress(job_id: int, done_bytes: int) -> None:
    with write_transaction():
        TransferJob.update(done_bytes=done_bytes).where(TransferJob.id == job_id).execute()


def mark_done(job: TransferJob, remote_path: str, sha256: str, size: int) -> None:
    with write_transaction():
        TransferJob.update(
            state=DONE,
            remote_path=remote_path,
            sha256=sha256,
            size=size,
            done_bytes=size,
            republish=False,
            finished_at=utcnow(),
            last_error=None,
            next_try=None,
        ).where(TransferJob.id == job.id).execute()


def mark_failed(job: TransferJob, dest: Destination, error: str, *, final: bool = False) -> str:
    """Count a failed attempt: queue it again after the retry delay, or fail it for good
    after the last attempt (or at once when `final`). Returns the new state."""
    attempts = job.attempts + 1
    give_up = final or attempts >= dest.max_attempts  # max_attempts: 1 + retries
    when = None if give_up else utcnow() + timedelta(seconds=retry_delay(dest, attempts))
    state = FAILED if give_up else QUEUED
    with write_transaction():
        TransferJob.update(
            state=state,
            attempts=attempts,
            last_error=error,
            next_try=when,
            finished_at=utcnow() if give_up else None,
            done_bytes=0,
        ).where(TransferJob.id == job.id, TransferJob.state == RUNNING).execute()
    return state


def put_back(job: TransferJob) -> None:
    """A job interrupted by a stop, a pause or a crash (not its own fault) is queued
    again without counting an attempt."""
    with write_transaction():
        TransferJob.update(state=QUEUED, done_bytes=0).where(
            TransferJob.id == job.id, TransferJob.state == RUNNING
        ).execute()


def cancel_job(job: TransferJob, why: str) -> None:
    with write_transaction():
        TransferJob.update(state=CANCELLED, last_error=why, finished_at=utcnow()).where(
            TransferJob.id == job.id, TransferJob.state.in_((QUEUED, RUNNING))
        ).execute()


def retry_failed(dest: Destination) -> int:
    """Queue the failed jobs again, with their attempts counted from zero."""
    with write_transaction():
        return (
            TransferJob.update(state=QUEUED, attempts=0, next_try=None, finished_at=None)
            .where(TransferJob.destination == dest, TransferJob.state == FAILED)
            .execute()
        )


def cancel_all(dest: Destination) -> int:
    """Cancel every job not done yet (a running one stops at its next chunk). The next
    `sync` does not queue them again: cancelled jobs keep their place, and "Retry" or
    `requeue_cancelled` brings them back."""
    with write_transaction():
        return (
            TransferJob.update(state=CANCELLED, finished_at=utcnow(), last_error="cancelled")
            .where(TransferJob.destination == dest, TransferJob.state.in_((QUEUED, RUNNING)))
            .execute()
        )


def requeue_cancelled(dest: Destination) -> int:
    """Queue again the jobs a curator cancelled (those withdrawn because their file is no
    longer to be published come back by `sync`, when it is again)."""
    with write_transaction():
        return (
            TransferJob.update(state=QUEUED, attempts=0, next_try=None, finished_at=None,
                               last_error=None)
            .where(TransferJob.destination == dest, TransferJob.state == CANCELLED,
                   TransferJob.last_error.is_null() | (TransferJob.last_error != NOT_ELIGIBLE))
            .execute()
        )  # fmt: skip


def is_cancelled(job_id: int) -> bool:
    row = TransferJob.select(TransferJob.state).where(TransferJob.id == job_id).first()
    return row is None or row.state == CANCELLED


def set_paused(dest: Destination, paused: bool) -> None:
    with write_transaction():
        Destination.update(paused=paused).where(Destination.id == dest.id).execute()
