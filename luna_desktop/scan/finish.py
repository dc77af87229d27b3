"""The end of a completed walk: folders that are gone, moves, and the drive's totals.

Each step writes in bounded chunks, one short transaction each, and yields between
them: a curator saving while a drive of a million files is finished waits behind one
chunk at most, and the scan can report progress and stop between chunks. Whatever a
stopped scan left undone, the next completed one does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from luna_desktop.catalog.models import DB, Drive, FileEntry, utcnow
from luna_desktop.catalog.queries import folder_counts

from .transactions import write_transaction


def folders_with_present_files(drive_id: int) -> list[str]:
    """From the per-folder counts the catalogue keeps, not from every file row."""
    return [c.folder for c in folder_counts(drive_id) if c.total]


def mark_folders_missing(drive_id: int, folders: Iterable[str], chunk: int) -> Iterator[int]:
    """Mark the present files of `folders` missing, `chunk` rows per transaction; yields
    how many each chunk marked."""
    now = utcnow()
    ids: list[int] = []
    for folder in folders:
        ids += [
            file_id
            for (file_id,) in FileEntry.select(FileEntry.id)
            .where(
                (FileEntry.drive == drive_id)
                & (FileEntry.folder == folder)
                & (FileEntry.present == True)  # noqa: E712
            )
            .tuples()
        ]
        while len(ids) >= chunk:
            yield _mark_missing(ids[:chunk], now)
            del ids[:chunk]
    if ids:
        yield _mark_missing(ids, now)


def _mark_missing(ids: list[int], now) -> int:
    with write_transaction():
        return (
            FileEntry.update(present=False, missing_since=now)
            .where(FileEntry.id.in_(ids) & (FileEntry.present == True))  # noqa: E712
            .execute()
        )


def update_drive_totals(drive_id: int) -> None:
    """Files from the per-folder counts; bytes summed in a read, which takes no write
    lock, so only the one-row update below is a transaction."""
    files = sum(c.total for c in folder_counts(drive_id))
    size = DB.execute_sql(
        "SELECT COALESCE(SUM(size), 0) FROM file_entry WHERE drive_id = ? AND present = 1",
        (drive_id,),
    ).fetchone()[0]
    with write_transaction():
        Drive.update(total_files=files, total_bytes=size, last_seen=utcnow()).where(
            Drive.id == drive_id
        ).execute()
