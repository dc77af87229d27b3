"""The catalogue rows of one folder, matched to the files on the drive by their exact bytes.

Names are stored as text, and a name that is not valid UTF-8 reads as ``\\xNN`` escapes
(see catalog.paths). Two different names can therefore read the same: ``caf\\xe9.txt``
made of the bytes ``caf``, 0xE9, ``.txt``, and a file literally named with a backslash.
So rows are matched to files by the exact bytes of their path, never by their text,
and a file whose text is already taken in its folder gets a distinguishable one, with
its exact bytes in ``raw_path``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from luna_desktop.catalog.models import DB
from luna_desktop.catalog.status import Status

from .reader import READER_CRASHED, FileJob
from .walk import FolderListing, FoundFile


@dataclass(slots=True)
class KnownFile:
    """A row of the folder, as the diff needs it."""

    id: int
    text: str  # the row's filename
    size: int
    mtime: float | None
    present: bool
    retry: bool  # its last read crashed the reader: read it again, changed or not
    sidecar: tuple[str, int, float] | None  # name, size, mtime of the XMP sidecar read


@dataclass
class FolderRows:
    known: dict[bytes, KnownFile]  # by exact file name, only rows of this very folder
    taken: set[str]  # every filename text under this folder text, whatever its bytes

    def text_for(self, text: str) -> str:
        """`text`, or if another file of the folder holds it, `name (2).ext` and so on."""
        if text not in self.taken:
            self.taken.add(text)
            return text
        stem, ext = os.path.splitext(text)
        n = 2
        while f"{stem} ({n}){ext}" in self.taken:
            n += 1
        text = f"{stem} ({n}){ext}"
        self.taken.add(text)
        return text


def folder_rows(drive_id: int, listing: FolderListing) -> FolderRows:
    rows = FolderRows({}, set())
    folder_bytes = listing.text.encode("utf-8")
    # Plain SQL: the ORM's per-value conversion doubled the time of a rescan.
    query = DB.execute_sql(
        "SELECT id, filename, raw_path, size, mtime, present, extractor, "
        "sidecar, sidecar_size, sidecar_mtime "
        "FROM file_entry WHERE drive_id = ? AND folder = ?",
        (drive_id, listing.text),
    ).fetchall()
    for (
        file_id,
        text,
        raw_path,
        size,
        mtime,
        present,
        extractor,
        sidecar,
        sidecar_size,
        sidecar_mtime,
    ) in query:
        rows.taken.add(text)
        if raw_path is None:
            folder, name = folder_bytes, text.encode("utf-8")
        else:
            folder, _, name = bytes(raw_path).rpartition(b"/")
        # Another folder whose name reads the same: its rows are its own listing's.
        if folder != listing.rel:
            continue
        rows.known[name] = KnownFile(
            file_id,
            text,
            size,
            mtime,
            bool(present),
            extractor == READER_CRASHED,
            None if sidecar is None else (sidecar, sidecar_size, sidecar_mtime),
        )
    return rows


# Any trace of a curator's work on a row: its fields, its typed tags, an album, an edit
# history, a duplicate group it leads. Such a row is never deleted by a scan.
_UNTOUCHED = f"""
    SELECT id FROM file_entry f WHERE id IN ({{ids}})
    AND status = {int(Status.UNREVIEWED)} AND title = '' AND description = '' AND notes = ''
    AND project_group_id IS NULL AND date IS NULL AND reviewed_at IS NULL AND version = 1
    AND NOT EXISTS (SELECT 1 FROM file_tag t WHERE t.file_id = f.id AND t.source != 'keyword')
    AND NOT EXISTS (SELECT 1 FROM album_entry a WHERE a.file_id = f.id)
    AND NOT EXISTS (SELECT 1 FROM edit_log e WHERE e.file_id = f.id)
    AND NOT EXISTS (SELECT 1 FROM duplicate_group d WHERE d.primary_id = f.id)
"""


def untouched(file_ids: list[int]) -> list[int]:
    """Those of `file_ids` whose rows no curator has worked on (see _UNTOUCHED)."""
    if not file_ids:
        return []
    sql = _UNTOUCHED.format(ids=", ".join("?" * len(file_ids)))
    return [row[0] for row in DB.execute_sql(sql, file_ids).fetchall()]


def file_job(
    root: bytes,
    listing: FolderListing,
    found: FoundFile,
    row: KnownFile | None,
    rows: FolderRows,
    sidecar: FoundFile | None,
) -> FileJob:
    """What a reader is asked to read for a file the walk found: a known row keeps its
    path columns; a new one is named as the catalogue will show it, with its exact bytes
    kept when its name is not plain text (a scan and a watch read files alike)."""
    rel = os.path.join(listing.rel, found.name) if listing.rel else found.name
    if row is not None:
        file_id, text, raw = row.id, row.text, None
    else:
        file_id, text = None, rows.text_for(found.text)
        exact = listing.exact and found.exact and text == found.text
        raw = None if exact else rel
    return FileJob(
        os.path.join(root, rel),
        listing.text,
        text,
        raw,
        found.size,
        found.mtime,
        found.uid,
        file_id,
        None if sidecar is None else os.path.join(root, listing.rel, sidecar.name),
        None if sidecar is None else sidecar.text,
    )
