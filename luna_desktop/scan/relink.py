"""Moved and renamed files keep their identity.

After a completed walk, a file catalogued for the first time in this scan that has the
same size and oshash as a row now missing on the same drive is that file, moved: the old
row (its UUID, curation, tags and history) takes the new path and the fresh facts, and
the duplicate new row is removed. Empty files all share one oshash, so they are never
matched.
"""

from __future__ import annotations

from luna_desktop.catalog.models import FileEntry, FileTag

# The columns a move carries from the new row to the old one: where the file is now and
# what the scan read there. Curation columns are deliberately absent.
_FILE_COLUMNS = (
    "folder",
    "filename",
    "raw_path",
    "size",
    "mtime",
    "owner",
    "oshash",
    "kind",
    "mime",
    "width",
    "height",
    "orientation",
    "duration",
    "frame_rate",
    "codec",
    "taken_at",
    "camera_make",
    "camera_model",
    "lat",
    "lng",
    "extra",
    "extractor",
    "error",
    "scanned_at",
)


def relink_moved_files(drive_id: int, after_scan: int) -> int:
    """Pair rows added since scan run `after_scan` with missing ones; returns how many were
    relinked. Call in a transaction.

    Rows added by a scan that was cancelled count too: the move it saw is still a move.
    A new row a curator already worked on (version > 1: curated while the scan ran) is
    left alone, so no decision is ever deleted.
    """
    Old = FileEntry.alias()
    # Driven from the missing side, which is small; the (size, oshash) index finds the
    # new rows, so a first scan of a million files costs nothing here.
    pairs = (
        Old.select(Old.id, FileEntry.id, Old.filename == FileEntry.filename)
        .join(
            FileEntry,
            on=(
                (FileEntry.size == Old.size)
                & (FileEntry.oshash == Old.oshash)
                & (FileEntry.drive == Old.drive)
            ),
        )
        .where(
            (Old.drive == drive_id)
            & (Old.present == False)  # noqa: E712
            & (Old.size > 0)
            & (FileEntry.added_scan > after_scan)
            & (FileEntry.present == True)  # noqa: E712
            & (FileEntry.version == 1)
        )
        # Several identical files went missing: prefer pairs that kept their name.
        .order_by((Old.filename == FileEntry.filename).desc(), Old.missing_since.desc(), Old.id)
        .tuples()
    )
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    moved = 0
    for old_id, new_id, _same_name in list(pairs):
        if old_id in taken_old or new_id in taken_new:
            continue
        taken_old.add(old_id)
        taken_new.add(new_id)
        new = FileEntry.get_by_id(new_id)
        values = {col: getattr(new, col) for col in _FILE_COLUMNS}
        # Keyword tags come from the file, so they follow the fresh read.
        FileTag.delete().where((FileTag.file == old_id) & (FileTag.source == "keyword")).execute()
        FileTag.update(file=old_id).where(FileTag.file == new_id).execute()
        new.delete_instance()
        FileEntry.update(present=True, missing_since=None, **values).where(
            FileEntry.id == old_id
        ).execute()
        moved += 1
    return moved
