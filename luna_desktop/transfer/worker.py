"""A destination's worker: works its queue one file at a time until there is nothing it
can do now (or, with ``wait``, until every job is done or failed).

Each destination has its own worker (the window runs one thread per destination; the
command line one after another, or one per thread), so destinations transfer in
parallel and one destination's files never race each other. It reports through an
``on_event`` callback rather than by yielding: the copy reports its progress from inside
a chunk loop, and a callback lets that reach the window without threading a generator
through every layer.

A destination that cannot be reached (a dead server, a share not mounted) fails the job
in hand, and no other job is started before that job's retry is due, so one outage does
not spend every job's attempts at once.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import Destination, TransferJob, utcnow

from . import job as one_job
from . import lease, manifest, notify, queue
from .errors import HostKeyChanged, HostKeyUnknown, RemoteError
from .events import DestinationNote, JobFailed
from .remote import open_remote

POLL_S = 2.0  # how often a waiting worker looks for a drive or a due retry
SYNC_EVERY_S = 30.0  # how often a long-running worker looks for newly marked files


@dataclass
class RunSummary:
    destination: str
    done: int = 0
    failed: int = 0  # failed for good in this run
    retrying: int = 0  # failed attempts that will be tried again
    waiting: int = 0  # jobs left waiting for a drive
    stopped_because: str | None = None  # busy, paused, host key, unreachable…
    left: dict[str, int] = field(default_factory=dict)  # the queue's states at the end


def work(
    dest: Destination | str,
    *,
    on_event: Callable[[object], None] = lambda e: None,
    cancel: Callable[[], bool] = lambda: False,
    mounts: Callable[[], Mapping[int, str]] = duplicates.mounted_drives,
    wait: bool = False,
    poll: float = POLL_S,
    secret_lookup=None,
) -> RunSummary:
    """Work one destination's queue. ``mounts``: drive id → where it is mounted now (the
    caller checks that the disk there is that drive). Stops when there is nothing to do
    now, when cancelled, when the destination is paused, or when it needs the curator
    (an unknown host key)."""
    if isinstance(dest, str):
        dest = Destination.get(Destination.name == dest)
    notify.load_plugins()
    summary = RunSummary(dest.name)
    holder = lease.claim(dest)
    if holder is not None:
        summary.stopped_because = f"another Luna is working {dest.name} ({holder})"
        on_event(DestinationNote(dest.name, "busy", summary.stopped_because))
        return summary
    remote = None
    blocked_until: datetime | None = None  # the destination failed; its retry is due then
    renewed = synced = time.monotonic()
    manifest_dirty = False
    gone: set[int] = set()  # drives that went away mid-run
    queue.sync(dest)
    try:
        while not cancel():
            fresh = Destination.get_or_none(Destination.id == dest.id)
            if fresh is None:
                summary.stopped_because = f"{dest.name} was removed"
                break
            dest = fresh
            if dest.paused:
                summary.stopped_because = "paused"
                on_event(DestinationNote(dest.name, "paused", f"{dest.name} is paused"))
                break
            now = time.monotonic()
            if now - renewed > lease.RENEW_S:
                if not lease.renew(dest):
                    summary.stopped_because = "another Luna took this destination over"
                    break
                renewed = now
            if now - synced > SYNC_EVERY_S:
                queue.sync(dest)
                synced = now
            # A drive that went away under a job is left alone for the rest of this run,
            # even while the mount list still names it.
            mounted = {k: v for k, v in mounts().items() if k not in gone}
            job = None
            if blocked_until is None or utcnow() >= blocked_until:
                blocked_until = None
                job = queue.next_job(dest, mounted)
            if job is None:
                left = queue.counts(dest, mounted)
                if not wait or left.unfinished == 0:
                    summary.waiting = sum(left.waiting_for.values())
                    break
                on_event(DestinationNote(dest.name, "waiting", _waiting_words(left, blocked_until)))
                _sleep(poll, cancel)
                continue
            if remote is None:
                try:
                    remote = open_remote(dest, secret_lookup=secret_lookup)
                except (HostKeyUnknown, HostKeyChanged) as exc:
                    summary.stopped_because = str(exc)
                    on_event(DestinationNote(dest.name, "host key", str(exc), exc))
                    break
                except RemoteError as exc:
                    # Counted against the job in hand only; the others wait for its retry
                    # (with `wait`), or for the next run.
                    if queue.mark_running(job):
                        state = queue.mark_failed(job, dest, str(exc))
                        _count(summary, state)
                        failed = TransferJob.get_by_id(job.id)
                        blocked_until = failed.next_try
                        on_event(
                            JobFailed(dest.name, job.id, one_job.source_name(failed.file_id),
                                      str(exc), state, failed.next_try)
                        )  # fmt: skip
                    on_event(DestinationNote(dest.name, "unreachable", str(exc), exc))
                    if not wait:
                        summary.stopped_because = str(exc)
                        break
                    continue
            try:
                outcome = one_job.run(
                    job, dest, remote, mounted, emit=on_event, cancel=cancel,
                    renew=functools.partial(lease.renew, dest),
                )  # fmt: skip
            except BaseException:
                # Something unforeseen (the catalogue locked past its patience, say): the
                # job goes back to the queue, not left running for ever.
                with contextlib.suppress(Exception):
                    queue.put_back(job)
                raise
            _count(summary, outcome.state)
            if outcome.manifest_dirty and not manifest_dirty:
                manifest_dirty = True
                _mark_manifest(dest, True)
            if outcome.state == "waiting" and outcome.drive_id is not None:
                gone.add(outcome.drive_id)
            if outcome.remote_error:
                remote.close()
                remote = None
                blocked_until = TransferJob.get_by_id(job.id).next_try
                if not wait:
                    summary.stopped_because = TransferJob.get_by_id(job.id).last_error
                    break
    finally:
        if remote is not None:
            if manifest_dirty or _manifest_marked(dest):
                _rewrite_manifest(dest, remote, on_event)
            remote.close()
        with contextlib.suppress(Exception):  # a lease not released runs out by itself
            lease.release(dest)
    summary.left = queue.counts(dest, mounts()).counts
    return summary


def _mark_manifest(dest: Destination, dirty: bool) -> None:
    with write_transaction():
        Destination.update(manifest_dirty=dirty).where(Destination.id == dest.id).execute()


def _manifest_marked(dest: Destination) -> bool:
    row = Destination.get_or_none(Destination.id == dest.id)
    return bool(row and row.manifest_dirty)


def _count(summary: RunSummary, state: str) -> None:
    if state == queue.DONE:
        summary.done += 1
    elif state == queue.FAILED:
        summary.failed += 1
    elif state == queue.QUEUED:
        summary.retrying += 1


def _waiting_words(left: queue.DestinationCounts, blocked_until: datetime | None) -> str:
    parts = [f"waiting for drive {name}" for name in sorted(left.waiting_for)]
    due = blocked_until or left.next_try
    if due is not None:
        parts.append(f"next try at {due:%H:%M:%S} UTC")
    return "; ".join(parts) or "waiting"


def _sleep(seconds: float, cancel: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while not cancel() and time.monotonic() < end:
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))


def _rewrite_manifest(dest: Destination, remote, on_event) -> None:
    ours = (
        TransferJob.select(TransferJob.remote_path, TransferJob.sha256)
        .where(TransferJob.destination == dest, TransferJob.state == queue.DONE)
        .tuples()
    )
    try:
        manifest.rewrite(remote, ours)
        _mark_manifest(dest, False)
    except Exception as exc:
        on_event(
            DestinationNote(dest.name, "manifest", f"the manifest could not be rewritten: {exc}")
        )
