"""One worker per destination, across processes: the window and `luna transfer run` may
both want to work a queue, and two writers of one destination would race on its files
and its manifest.

A worker claims its destination in the catalogue with a conditional UPDATE and renews
the claim while it works. A claim is free when nobody holds it, when it ran out without
being renewed (a process frozen or on another computer that stopped), or when it is held
by a process of this computer that is gone (killed: its jobs left running are queued
again at once, not after the lease runs out).
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import Destination, TransferJob, utcnow

LEASE_S = 90.0  # a claim lasts this long unless renewed
RENEW_S = 20.0  # a worker renews it this often


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_gone(holder: str | None) -> bool:
    if not holder:
        return True
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


def held(dest: Destination) -> bool:
    """Whether a live worker holds the destination now (its claim is fresh and, on this
    computer, its process is alive)."""
    row = Destination.get_or_none(Destination.id == dest.id)
    if row is None or not row.worker or row.lease_until is None:
        return False
    return row.lease_until >= utcnow() and not _holder_gone(row.worker)


def claim(dest: Destination, holder: str | None = None) -> str | None:
    """Take the destination for this worker. Returns None on success, else who holds it
    (for the message). Jobs a dead holder left running are queued again."""
    holder = holder or me()
    now = utcnow()
    with write_transaction():
        row = Destination.get_by_id(dest.id)
        free = (
            row.worker in (None, holder)
            or row.lease_until is None
            or row.lease_until < now
            or _holder_gone(row.worker)
        )
        if not free:
            return row.worker
        Destination.update(worker=holder, lease_until=now + timedelta(seconds=LEASE_S)).where(
            Destination.id == dest.id
        ).execute()
        # Whatever was running here was this destination's previous worker's, which is
        # gone: queue it again, without counting an attempt (a crash is not its fault).
        TransferJob.update(state="queued", done_bytes=0).where(
            TransferJob.destination == dest.id, TransferJob.state == "running"
        ).execute()
    return None


def renew(dest: Destination, holder: str | None = None) -> bool:
    """Extend the claim; False when it was lost (taken over after running out)."""
    holder = holder or me()
    with write_transaction():
        return bool(
            Destination.update(lease_until=utcnow() + timedelta(seconds=LEASE_S))
            .where(Destination.id == dest.id, Destination.worker == holder)
            .execute()
        )


def release(dest: Destination, holder: str | None = None) -> None:
    holder = holder or me()
    with write_transaction():
        Destination.update(worker=None, lease_until=None).where(
            Destination.id == dest.id, Destination.worker == holder
        ).execute()
