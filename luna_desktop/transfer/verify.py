"""Checking a destination after the fact: every file Luna published there is read back
and hashed again, and compared with what was verified at upload and with the manifest.

Catches a copy altered, truncated or deleted at the destination after upload, and a
manifest that no longer says what Luna published. ``requeue`` queues the damaged copies
to be sent again (a damaged copy is then replaced: it was Luna's own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import Destination, TransferJob

from . import copying, manifest, queue
from .remote import open_remote

REPUBLISH = "its copy at the destination was damaged; sent again"


@dataclass
class Problem:
    path: str  # inside the destination
    what: str  # "missing", "altered", "not in manifest", "manifest differs"
    detail: str


@dataclass
class VerifyReport:
    destination: str
    checked: int = 0
    ok: int = 0
    bytes_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    requeued: int = 0


def verify(
    dest: Destination,
    *,
    requeue: bool = False,
    on_file: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] = lambda: False,
    secret_lookup=None,
) -> VerifyReport:
    """Read back every done job's copy. ``on_file(index, total, path)`` before each."""
    report = VerifyReport(dest.name)
    done = list(
        TransferJob.select(TransferJob.id, TransferJob.remote_path, TransferJob.sha256,
                           TransferJob.size)
        .where(TransferJob.destination == dest, TransferJob.state == queue.DONE)
        .order_by(TransferJob.remote_path)
    )  # fmt: skip
    remote = open_remote(dest, secret_lookup=secret_lookup)
    damaged: list[int] = []
    try:
        listed = manifest.parse(remote.read_text(manifest.MANIFEST) or "")
        for index, job in enumerate(done, 1):
            if cancel():
                break
            path = job.remote_path
            if on_file is not None:
                on_file(index, len(done), path)
            report.checked += 1
            size = remote.size(path)
            if size is None:
                report.problems.append(Problem(path, "missing", "no file at the destination"))
                damaged.append(job.id)
                continue
            digest = copying.read_back(remote, path, progress=lambda n: None, cancel=cancel)
            report.bytes_read += size
            if digest != job.sha256:
                report.problems.append(
                    Problem(
                        path,
                        "altered",
                        f"sha256 {digest} at the destination, {job.sha256} when it was "
                        f"verified ({size:,} bytes now, {job.size:,} then)",
                    )
                )
                damaged.append(job.id)
                continue
            if listed.get(path) is None:
                report.problems.append(Problem(path, "not in manifest", manifest.MANIFEST))
            elif listed[path] != job.sha256:
                report.problems.append(
                    Problem(path, "manifest differs", f"the manifest says {listed[path]}")
                )
            else:
                report.ok += 1
    finally:
        remote.close()
    if requeue and any(p.what in ("not in manifest", "manifest differs") for p in report.problems):
        with write_transaction():  # the next worker to reach it writes it whole again
            Destination.update(manifest_dirty=True).where(Destination.id == dest.id).execute()
    if requeue and damaged:
        with write_transaction():
            report.requeued = (
                TransferJob.update(state=queue.QUEUED, attempts=0, next_try=None,
                                   finished_at=None, last_error=REPUBLISH, republish=True)
                .where(TransferJob.id.in_(damaged))
                .execute()
            )  # fmt: skip
    return report
