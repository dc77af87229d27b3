"""Catalogue rows as plain dicts: the shape of `luna ls --json` and `luna show --json`."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

from peewee import JOIN, SQL, fn

from .models import Drive, FileEntry, FileTag, ProjectGroup, Tag
from .paths import relpath_bytes
from .status import Status

# Unit separator: cannot appear in a tag typed by a person or read from IPTC.
_SEP = "\x1f"


def _iso_mtime(mtime: float | None) -> str | None:
    if mtime is None:
        return None
    return datetime.fromtimestamp(mtime, UTC).isoformat().replace("+00:00", "Z")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _tags_expr(source: str):
    """A correlated subquery: the file's tags of one source, joined by _SEP."""
    return (
        FileTag.select(fn.GROUP_CONCAT(Tag.name, _SEP))
        .join(Tag)
        .where((FileTag.file == FileEntry.id) & (FileTag.source == source))
    )


def file_query():
    """FileEntry rows with their drive, project group, keywords and curator tags."""
    return (
        FileEntry.select(
            FileEntry,
            Drive.name.alias("drive_name"),
            ProjectGroup.name.alias("group_name"),
            _tags_expr("keyword").alias("keyword_list"),
            _tags_expr("curator").alias("tag_list"),
        )
        .join(Drive)
        .switch(FileEntry)
        .join(ProjectGroup, join_type=JOIN.LEFT_OUTER)
    )


def in_folder(folder: str):
    """Files at and below `folder` (not the drive root: test for "" first), as a range
    on the folder column that the (drive, folder, filename) index seeks."""
    folder = folder.strip("/")
    return (FileEntry.folder == folder) | (
        (FileEntry.folder > folder + "/") & (FileEntry.folder < folder + "0")
    )


def files_under(drive: Drive, folder: str = "") -> Iterator[FileEntry]:
    """Every file at and below `folder`, in path order, streamed (not cached)."""
    query = file_query().where(FileEntry.drive == drive)
    folder = folder.strip("/")
    if folder:
        query = query.where(in_folder(folder))
    return query.order_by(FileEntry.folder, FileEntry.filename).objects().iterator()


def _split(joined: str | None) -> list[str]:
    return joined.split(_SEP) if joined else []


def file_as_dict(row: FileEntry) -> dict:
    """JSON-safe dict of one row from `file_query()` (or a plain FileEntry)."""
    drive_name = getattr(row, "drive_name", None) or row.drive.name
    keywords = (
        _split(row.keyword_list) if hasattr(row, "keyword_list") else _tags_of(row, "keyword")
    )
    tags = _split(row.tag_list) if hasattr(row, "tag_list") else _tags_of(row, "curator")
    group = getattr(row, "group_name", None)
    if group is None and not hasattr(row, "group_name") and row.project_group_id:
        group = row.project_group.name
    data = {
        "uuid": row.uuid,
        "drive": drive_name,
        "path": row.folder,
        "filename": row.filename,
        "size": row.size,
        "mtime": _iso_mtime(row.mtime),
        "oshash": row.oshash,
        "kind": row.kind,
        "mime": row.mime,
        "width": row.width,
        "height": row.height,
        "orientation": row.orientation,
        "taken_at": row.taken_at,
        "camera_make": row.camera_make,
        "camera_model": row.camera_model,
        "lat": row.lat,
        "lng": row.lng,
        "keywords": keywords,
        "duration": row.duration,
        "frame_rate": row.frame_rate,
        "codec": row.codec,
        # A document's page count (a PDF's); null for every other kind of file.
        "pages": _pages(row.extra),
        "owner": row.owner,
        "status": Status(row.status).key,
        "title": row.title,
        "project_group": group,
        "date": row.date,
        "description": row.description,
        "curator_notes": row.notes,
        "tags": tags,
        "reviewed_at": _iso(row.reviewed_at),
        "reviewed_by": row.reviewed_by,
        "missing": not row.present,
        "missing_since": _iso(row.missing_since),
        # A fault reading the file, and apart from it what is odd but harmless.
        "error": row.error,
        "notes": row.scan_notes.splitlines() if row.scan_notes else [],
        "sidecar": row.sidecar,
        "extra": row.extra or {},
    }
    if row.raw_path is not None:
        # The exact bytes of a name that is not valid UTF-8, so that it round-trips.
        data["raw_path_b64"] = base64.b64encode(
            relpath_bytes(row.folder, row.filename, row.raw_path)
        ).decode("ascii")
    return data


def _pages(extra: dict | None) -> int | None:
    pages = (extra or {}).get("pages")
    return pages if isinstance(pages, int) and not isinstance(pages, bool) else None


def _tags_of(row: FileEntry, source: str) -> list[str]:
    return [
        name
        for (name,) in Tag.select(Tag.name)
        .join(FileTag)
        .where((FileTag.file == row.id) & (FileTag.source == source))
        .order_by(SQL("1"))
        .tuples()
    ]
