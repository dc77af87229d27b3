"""Publishing one file: send it under a temporary name, read it back, compare, rename it
into place, then record it (job done, log row, manifest line, notification).

Every step can be interrupted (a crash, a kill, a pulled drive, a dead server) and run
again: a copy already in place is checked by its hash and adopted, a partial temporary
file is resumed, and a copy that does not read back as the source is thrown away.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from peewee import DatabaseError

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import (
    Destination,
    Drive,
    DuplicateGroup,
    FileEntry,
    TransferJob,
    TransferLog,
)
from luna_desktop.catalog.paths import absolute, to_text
from luna_desktop.catalog.status import Status

from . import copying, lease, local_copies, manifest, notify, queue
from .copying import SourceChanged, Stopped
from .destinations import remote_path
from .errors import RemoteError
from .events import FileTransferred, JobFailed, JobProgress, JobStarted

Emit = Callable[[object], None]
PROGRESS_EVERY_S = 0.25  # events to the window
RECORD_EVERY_S = 2.0  # bytes done written to the catalogue, for `luna transfer status`


class DriveGone(Exception):
    """The source drive went away mid-transfer: the job waits for it, no attempt counted."""


@dataclass
class Outcome:
    state: str  # done, queued (retry), failed, cancelled, waiting (drive gone), stopped
    remote_error: bool = False  # the destination failed: do not start another job yet
    manifest_dirty: bool = False  # a line may be missing or twice: rewrite it at the end
    drive_id: int | None = None  # for "waiting": the drive that is not there


def source_name(file_id: int) -> str:
    """``drive:folder/filename`` of a catalogued file, for messages."""
    entry = FileEntry.select(FileEntry, Drive).join(Drive).where(FileEntry.id == file_id).first()
    return f"{entry.drive.name}:{entry.display_path}" if entry else f"file {file_id}"


def fields_for(entry: FileEntry, drive: Drive) -> dict[str, str]:
    filename = _name_text(entry.filename, entry.raw_path)
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:
        stem, ext = filename, ""
    date = entry.date or entry.taken_at or ""
    year, month = (
        (date[:4], date[5:7]) if len(date) >= 7 and date[:4].isdigit() else ("undated", "undated")
    )
    group = entry.project_group.name if entry.project_group_id else "ungrouped"
    return {
        "drive": drive.name,
        "path": entry.folder,
        "filename": filename,
        "stem": stem,
        "ext": ext,
        "oshash": entry.oshash or "",
        "year": year,
        "month": month,
        "project_group": group,
    }


def _name_text(filename: str, raw_path: bytes | None) -> str:
    # A name that is not valid UTF-8 cannot be sent as it is (SFTP and most stores take
    # UTF-8): its bad bytes become %XX, which reads well and cannot meet a real name's
    # '\xNN' text form.
    if raw_path is None:
        return filename
    raw = bytes(raw_path).rpartition(b"/")[2]
    text, exact = to_text(raw)
    if exact:
        return text
    out = []
    for part in raw.decode("utf-8", "surrogateescape"):
        code = ord(part)
        out.append(f"%{code - 0xDC00:02X}" if 0xDC80 <= code <= 0xDCFF else part)
    return "".join(out)


def temporary_name(rel: str, job_id: int) -> str:
    folder, name = posixpath.split(rel)
    return posixpath.join(folder, f".{name}.luna-part-{job_id}")


def run(
    job: TransferJob,
    dest: Destination,
    remote,
    mounts: Mapping[int, str],
    *,
    emit: Emit,
    cancel: Callable[[], bool],
    renew: Callable[[], bool] = lambda: True,
    hasher_for_copies=None,
) -> Outcome:
    """Publish one queued job's file; the job's row says how it ended."""
    entry = (
        FileEntry.select(FileEntry, Drive).join(Drive).where(FileEntry.id == job.file_id).first()
    )
    source_name = f"{entry.drive.name}:{entry.display_path}"
    why = queue.refusal(entry)
    if why is not None:
        # Withdrawn as `sync` withdraws: queued again if it becomes publishable.
        queue.cancel_job(job, queue.NOT_ELIGIBLE)
        emit(JobFailed(dest.name, job.id, source_name, why, queue.CANCELLED))
        return Outcome("cancelled")
    mount = mounts.get(entry.drive_id)
    if mount is None:
        return Outcome("waiting", drive_id=entry.drive_id)
    try:
        rel = remote_path(dest.layout, fields_for(entry, entry.drive))
    except Exception as exc:  # a layout that gives nothing usable for this file
        rel, layout_error = None, str(exc)
    if not queue.mark_running(job, rel):
        return Outcome("cancelled")
    if rel is None:
        return _failed(job, dest, source_name, layout_error, emit, final=True)
    _confirm_copies(entry, dest, mounts)
    source = absolute(mount, entry.relpath)
    clash = _published_elsewhere(dest, rel, entry.id)
    if clash:
        return _failed(job, dest, source_name, clash, emit, final=True)
    emit(JobStarted(dest.name, job.id, entry.id, source_name, remote.url_for(rel), entry.size))

    stopping = _StopCheck(job.id, cancel, renew)
    try:
        digest, size, adopted = _place(job, dest, remote, entry, source, rel, emit, stopping)
    except Stopped:
        if queue.is_cancelled(job.id):
            _discard_partial(remote, job, rel)
            return Outcome("cancelled")
        queue.put_back(job)
        return Outcome("stopped")
    except DriveGone:
        queue.put_back(job)
        return Outcome("waiting", drive_id=entry.drive_id)
    except SourceChanged:
        why = "the file changed on its drive while it was sent; rescan the drive, then retry"
        return _failed(job, dest, source_name, why, emit, final=True)
    except _Refused as exc:
        return _failed(job, dest, source_name, str(exc), emit, final=True)
    except _Withdrawn as exc:
        queue.cancel_job(job, queue.NOT_ELIGIBLE)
        emit(JobFailed(dest.name, job.id, source_name, str(exc), queue.CANCELLED))
        return Outcome("cancelled")
    except (RemoteError, *remote.errors) as exc:
        if _drive_gone(mount):
            queue.put_back(job)
            return Outcome("waiting", drive_id=entry.drive_id)
        outcome = _failed(job, dest, source_name, _describe(exc), emit)
        outcome.remote_error = True
        return outcome

    # The manifest line first: a crash before the job is marked done then leaves a line
    # too many (the copy is adopted and listed again), never a verified file unlisted.
    note = None
    # A copy sent again after `verify` found it damaged has a line already.
    dirty = adopted or job.republish
    try:
        manifest.append(remote, digest, rel)
    except Exception as exc:  # the rewrite at the end of the run puts it right
        note = f"the manifest was not updated yet: {_describe(exc)}"
        dirty = True
    # Done, the file's content hash (it was just read whole) and the log row: one commit.
    with write_transaction():
        queue.mark_done(job, rel, digest, size)
        if not entry.content_hash:
            FileEntry.update(content_hash=digest).where(FileEntry.id == entry.id).execute()
        log = TransferLog.create(
            file=entry.id,
            destination=dest.id,
            destination_name=dest.name,
            source=source_name,
            remote=remote.url_for(rel),
            size=size,
            sha256=digest,
        )
    # Only once the transfer is recorded as done: a crash in between keeps both copies.
    removed, keep_note = local_copies.remove_if_allowed(
        dest, entry, source, digest, mounts, hasher_for_copies
    )
    if removed:
        with write_transaction():
            TransferLog.update(removed_local=True).where(TransferLog.id == log.id).execute()
    note = note or keep_note
    event = FileTransferred(
        dest.name, job.id, entry.id, entry.uuid, source_name, os.fsdecode(source),
        remote.url_for(rel), rel, size, digest, removed, note,
    )  # fmt: skip
    notify.emit(event)
    emit(event)
    return Outcome("done", manifest_dirty=dirty)


class _StopCheck:
    """Whether to stop between two chunks: the worker is stopping, the job was cancelled
    (asked of the catalogue at most twice a second, not at every chunk), or the
    destination's claim was lost. Renews the claim while one long file is sent."""

    EVERY_S = 0.5

    def __init__(self, job_id: int, cancel: Callable[[], bool], renew: Callable[[], bool]):
        self.job_id, self.cancel, self.renew = job_id, cancel, renew
        self.checked = 0.0
        self.renewed = time.monotonic()

    def __call__(self) -> bool:
        if self.cancel():
            return True
        now = time.monotonic()
        if now - self.checked < self.EVERY_S:
            return False
        self.checked = now
        if now - self.renewed > lease.RENEW_S:
            if not self.renew():
                return True  # another worker has this destination now
            self.renewed = now
        return queue.is_cancelled(self.job_id)

    def now(self) -> bool:
        """Asked before the copy is put in place: a job cancelled meanwhile is not."""
        self.checked = 0.0
        return self()


def _confirm_copies(entry: FileEntry, dest: Destination, mounts: Mapping[int, str]) -> None:
    """A primary stands for its copies only once their content is known to be the same:
    oshash reads 128 KiB of a file. When a copy is marked upload too, the group is
    confirmed by full hashes first (of the copies on mounted drives); a copy that turns
    out different is split off and queued as a file of its own."""
    group = DuplicateGroup.get_or_none(DuplicateGroup.oshash == entry.oshash)
    if group is None or group.confirmed or group.primary_id != entry.id:
        return
    also_upload = (
        FileEntry.select()
        .where(
            FileEntry.oshash == entry.oshash,
            FileEntry.size == entry.size,
            FileEntry.id != entry.id,
            FileEntry.present == True,  # noqa: E712 - peewee builds SQL from ==
            FileEntry.status == int(Status.UPLOAD),
        )
        .exists()
    )
    if not also_upload:
        return
    result = duplicates.confirm_group(group, mounts, hasher=copying.sha256_of)
    if result.split:
        queue.sync(dest)


class _Withdrawn(Exception):
    """The file stopped being publishable while it was sent."""


class _Refused(Exception):
    """Something no retry can change (a different file already in place)."""


def _drive_gone(mount: str) -> bool:
    """The drive itself went away (its root is gone or empty), not just one file or
    folder on it: only then does a job wait for it without counting an attempt."""
    return not os.path.isdir(mount) or not any(os.scandir(mount))


def _place(job, dest, remote, entry, source, rel, emit, stopping) -> tuple[str, int, bool]:
    mount = entry.drive.mount_path
    try:
        st = os.stat(source)
    except FileNotFoundError:
        if _drive_gone(mount):
            raise DriveGone from None
        raise _Refused(
            "the file is not on its drive any more; rescan the drive to find where it went"
        ) from None
    if st.st_size != entry.size or (entry.mtime is not None and st.st_mtime != entry.mtime):
        raise SourceChanged
    tmp = temporary_name(rel, job.id)
    remote.makedirs(posixpath.dirname(rel))

    existing = remote.size(rel)
    if existing is not None:
        # Placed by a run that died before it could say so, or someone else's file.
        there = copying.read_back(remote, rel, progress=lambda n: None, cancel=stopping)
        with open(source, "rb") as fh:
            ours = copying.sha256_of(fh, cancel=stopping)
        if there == ours:
            return ours, st.st_size, True
        if not job.republish:
            raise _Refused(
                f"a different file is already at {remote.url_for(rel)}; Luna does not "
                "overwrite it (move it away, or change the destination's layout)"
            )
        # Luna's own copy, found damaged by `verify`: the rename below replaces it.

    partial = remote.size(tmp)
    resume_from = partial if partial is not None and 0 < partial <= st.st_size else 0
    if partial is not None and not resume_from:
        remote.remove(tmp)
    for attempt in (0, 1):
        meter = _Meter(
            dest.name, job.id, "sending", st.st_size, emit, start=resume_from, record=True
        )
        try:
            sent = copying.send(
                source, remote, tmp, resume_from=resume_from, progress=meter, cancel=stopping
            )
        except OSError:
            if _drive_gone(mount):
                raise DriveGone from None
            raise
        digest, size = sent.sha256, sent.size
        if entry.content_hash and entry.content_hash != digest:
            remote.remove(tmp)
            raise _Refused(
                "the file on the drive is not the one catalogued (its content differs); "
                "rescan the drive"
            )
        back = sent.read_back
        if back is None:
            checked = _Meter(dest.name, job.id, "verifying", size, emit)
            back = copying.read_back(remote, tmp, progress=checked, cancel=stopping)
        if back == digest:
            if stopping.now():
                raise Stopped
            why = queue.refusal(FileEntry.get_by_id(entry.id))
            if why is not None:  # marked restricted (say) while it was being sent
                remote.remove(tmp)
                raise _Withdrawn(why)
            try:
                remote.place(tmp, rel, replace=bool(job.republish))
            except FileExistsError:
                remote.remove(tmp)
                raise _Refused(
                    f"a different file appeared at {remote.url_for(rel)} while this one was "
                    "sent; Luna does not overwrite it"
                ) from None
            return digest, size, False
        remote.remove(tmp)
        if attempt == 0 and resume_from:
            resume_from = 0  # the resumed part was bad: once more, from the start
            continue
        raise RemoteError(
            f"the copy at {remote.url_for(rel)} did not read back as the source "
            f"(sha256 {back[:12]}… instead of {digest[:12]}…); it was removed"
        )
    raise AssertionError("unreachable")


class _Meter:
    """Turns the copy's byte counts into JobProgress events (a few a second) and, while
    sending, into the job's done_bytes (every couple of seconds)."""

    def __init__(
        self, dest: str, job_id: int, phase: str, total: int, emit: Emit, *, start=0, record=False
    ):
        self.dest, self.job_id, self.phase, self.total = dest, job_id, phase, total
        self.emit, self.record = emit, record
        self.started = time.monotonic()
        self.start = start  # resumed bytes are not counted in the rate
        self.last_emit = 0.0
        self.last_record = self.started  # a file sent in under two seconds writes nothing

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last_emit >= PROGRESS_EVERY_S or done >= self.total:
            elapsed = max(now - self.started, 1e-6)
            rate = (done - self.start) / elapsed
            self.emit(JobProgress(self.dest, self.job_id, self.phase, done, self.total, rate))
            self.last_emit = now
        if self.record and now - self.last_record >= RECORD_EVERY_S:
            self.last_record = now
            # Bookkeeping for `luna transfer status` only: a catalogue busy elsewhere
            # must not stop the transfer.
            with contextlib.suppress(DatabaseError):
                queue.record_progress(self.job_id, done)


def _published_elsewhere(dest: Destination, rel: str, file_id: int) -> str | None:
    other = (
        TransferJob.select(TransferJob.file)
        .where(
            TransferJob.destination == dest,
            TransferJob.remote_path == rel,
            TransferJob.file != file_id,
            TransferJob.state.in_((queue.DONE, queue.RUNNING)),
        )
        .first()
    )
    if other is None:
        return None
    return (
        f"another file is published at {rel} already; change the destination's layout "
        "(add {oshash} or {drive}) so that each file has a path of its own"
    )


def _discard_partial(remote, job: TransferJob, rel: str) -> None:
    # A leftover partial name is harmless (hidden, and resumable): no error for it.
    with contextlib.suppress(Exception):
        remote.remove(temporary_name(rel, job.id))


def _failed(job, dest, source_name, error, emit, *, final=False) -> Outcome:
    state = queue.mark_failed(job, dest, error, final=final)
    row = TransferJob.get_by_id(job.id)
    emit(JobFailed(dest.name, job.id, source_name, error, state, row.next_try))
    return Outcome(state)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RemoteError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({os.fsdecode(exc.filename)})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc) or type(exc).__name__
