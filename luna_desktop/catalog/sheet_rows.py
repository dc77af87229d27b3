"""The rows of one folder as the contact sheet draws them: one cell per file.

The same files, in the same order, as the tree shows for the folder (catalog.queries
`files_in_folder`: the chip of a FileFilter, and a search's hits when one is shown),
with what a cell needs beyond the tree's row: the oshash that names the file's
thumbnail in the preview cache, and the kind, MIME, duration and exact relative path
that making a missing thumbnail needs. One seek of the (drive, folder, filename)
index; for a folder of 5,000 files a few milliseconds, still run off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import DB, FileEntry
from .paths import relpath_bytes
from .queries import FileFilter
from .search import SearchHits

__all__ = ["SheetRow", "sheet_rows"]


@dataclass(slots=True)
class SheetRow:
    """One file of a contact sheet."""

    id: int
    filename: str
    kind: str
    mime: str | None
    oshash: str | None
    status: int
    present: bool
    duration: float | None
    folder: str
    raw_path: bytes | None  # the exact path when it is not valid UTF-8 (catalog.paths)

    @property
    def relpath(self) -> bytes:
        """The exact bytes of folder/filename on the drive."""
        return relpath_bytes(self.folder, self.filename, self.raw_path)


def sheet_rows(
    drive_id: int,
    folder: str,
    file_filter: FileFilter = FileFilter(),
    hits: SearchHits | None = None,
    stale: Callable[[], bool] = lambda: False,
) -> list[SheetRow]:
    """The files directly in `folder` that pass `file_filter`, in name order (the tree's).

    With a search shown (`hits`, found beforehand), only the files it found, unless the
    folder's path itself matched. `stale()` true stops early with an empty list.
    """
    where = (
        (FileEntry.drive == drive_id) & (FileEntry.folder == folder) & file_filter.chip_expression()
    )
    if hits is not None and folder not in hits.folders:
        where &= FileEntry.id.in_(hits.files.get(folder, []))
    query = (
        FileEntry.select(
            FileEntry.id,
            FileEntry.filename,
            FileEntry.kind,
            FileEntry.mime,
            FileEntry.oshash,
            FileEntry.status,
            FileEntry.present,
            FileEntry.duration,
            FileEntry.raw_path,
        )
        .where(where)
        .order_by(FileEntry.filename)
    )
    rows: list[SheetRow] = []
    # The cursor's plain values: peewee's per-column conversions cost more than the query.
    cursor = DB.execute_sql(*query.sql())
    while batch := cursor.fetchmany(1000):
        if stale():
            return []
        for file_id, name, kind, mime, oshash, status, present, duration, raw in batch:
            rows.append(
                SheetRow(
                    file_id,
                    name,
                    kind or "other",
                    mime,
                    oshash,
                    status,
                    bool(present),
                    duration,
                    folder,
                    raw,
                )
            )
    return rows
