"""Transfer-and-delete: removing a file from its archive drive after a verified transfer.

This is the one write Luna ever makes onto an archive drive, so it happens only when
all of these hold:

- the destination's "remove the local copy" option is on (off unless a curator turns it
  on) and was confirmed once more at first use (``remove_local_confirmed_at``);
- another present file in the catalogue holds the same content, by full sha256 (Luna
  hashes the group's copies on mounted drives first when they have no hash yet): the
  remote copy alone never counts, so the file is never the only copy Luna knows of;
- the file on the drive is still the one just verified (size and mtime unchanged).

The catalogue keeps the row, with its curation, marked missing and noted why.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import (
    Destination,
    DuplicateGroup,
    FileEntry,
    TransferJob,
    utcnow,
)


def _sha256(fh) -> str:
    digest = hashlib.sha256()
    while chunk := fh.read(8 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def needs_confirmation(dest: Destination) -> bool:
    """Whether the curator must be asked before this destination's worker starts."""
    return bool(dest.remove_local) and dest.remove_local_confirmed_at is None


def confirm(dest: Destination, yes: bool) -> Destination:
    """The answer at first use: yes stamps the confirmation; no turns the option off."""
    fields = {"remove_local_confirmed_at": utcnow()} if yes else {"remove_local": False}
    with write_transaction():
        Destination.update(**fields).where(Destination.id == dest.id).execute()
    return Destination.get_by_id(dest.id)


def other_copies(entry: FileEntry, sha256: str) -> int:
    return (
        FileEntry.select()
        .where(
            FileEntry.size == entry.size,
            FileEntry.content_hash == sha256,
            FileEntry.present == True,  # noqa: E712 - peewee builds SQL from ==
            FileEntry.id != entry.id,
        )
        .count()
    )


def _destinations_without_it(entry: FileEntry) -> list[str]:
    done = {
        j.destination_id
        for j in TransferJob.select(TransferJob.destination).where(
            TransferJob.file == entry.id, TransferJob.state == "done"
        )
    }
    return [d.name for d in Destination.select().order_by(Destination.name) if d.id not in done]


def remove_if_allowed(
    dest: Destination,
    entry: FileEntry,
    source: bytes,
    sha256: str,
    mounts: Mapping[int, str],
    hasher=None,
) -> tuple[bool, str | None]:
    """Remove the drive's copy when every rule above allows; returns (removed, why not)."""
    if not dest.remove_local:
        return False, None
    if dest.remove_local_confirmed_at is None:
        return False, "local copy kept: removing local copies was not confirmed yet"
    waiting = _destinations_without_it(entry)
    if waiting:
        # Gone from the drive, it could no longer reach them: kept until it has.
        return False, f"local copy kept until it is published to {', '.join(waiting)} too"
    if not other_copies(entry, sha256) and entry.oshash:
        # Copies found by oshash may have no content hash yet: hash those on drives
        # that are mounted, so that a real copy counts and a look-alike does not.
        # No group for this oshash, or a copy unreadable: then nothing more is known.
        with contextlib.suppress(DuplicateGroup.DoesNotExist, OSError):
            duplicates.confirm_group(entry.oshash, mounts, hasher=hasher or _sha256)
    if not other_copies(entry, sha256):
        return False, "local copy kept: it is the only copy Luna knows of"
    try:
        st = os.stat(source)
        if st.st_size != entry.size or (entry.mtime is not None and st.st_mtime != entry.mtime):
            return False, "local copy kept: it changed on the drive after it was sent"
        os.remove(source)
    except OSError as exc:
        return False, f"local copy kept: it could not be removed ({exc.strerror or exc})"
    note = f"removed after a verified transfer to {dest.name}"
    with write_transaction():
        FileEntry.update(
            present=False,
            missing_since=utcnow(),
            scan_notes=(entry.scan_notes + "\n" + note) if entry.scan_notes else note,
        ).where(FileEntry.id == entry.id).execute()
    if entry.oshash:
        duplicates.refresh_groups(drive_id=entry.drive_id)
    return True, None
