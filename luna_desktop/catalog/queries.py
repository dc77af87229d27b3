"""The catalogue questions the curation window asks, fast on a million rows.

Everything here is keyed by drive and folder so that the (drive, folder, …) indexes
answer it; nothing loads a whole drive's rows into memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, fn

from .models import Drive, FileEntry, FileTag, Tag
from .status import Status

CHIPS = ("all", "unreviewed", "needs_attention", "upload", "missing")


@dataclass(frozen=True)
class FileFilter:
    """What the tree shows: a chip and a search text (filename, path, title, oshash, tags)."""

    chip: str = "all"
    search: str = ""

    @property
    def is_default(self) -> bool:
        return self.chip == "all" and not self.search.strip()

    def expression(self):
        """A WHERE expression on FileEntry for this filter."""
        present = FileEntry.present == True  # noqa: E712
        chip = {
            "all": present,
            "unreviewed": present & (FileEntry.status == int(Status.UNREVIEWED)),
            "needs_attention": present & (FileEntry.status == int(Status.NEEDS_ATTENTION)),
            "upload": present & (FileEntry.status == int(Status.UPLOAD)),
            "missing": FileEntry.present == False,  # noqa: E712
        }.get(self.chip)
        if chip is None:
            raise ValueError(f"unknown filter {self.chip!r}; expected one of {', '.join(CHIPS)}")
        text = self.search.strip()
        if not text:
            return chip
        # % and _ typed in the search stay wildcards, as in most desktop search fields.
        like = f"%{text}%"
        tagged = (
            FileTag.select(FileTag.file)
            .join(Tag)
            .where(Tag.name**like)  # ** is case-insensitive LIKE
        )
        words = (
            (FileEntry.filename**like)
            | (FileEntry.folder**like)
            | (FileEntry.title**like)
            | FileEntry.id.in_(tagged)
        )
        if _looks_like_oshash(text):
            words |= FileEntry.oshash.startswith(text.lower())
        return chip & words


def _looks_like_oshash(text: str) -> bool:
    return 4 <= len(text) <= 16 and all(c in "0123456789abcdefABCDEF" for c in text)


@dataclass
class FolderCount:
    folder: str
    total: int  # present files directly in this folder
    reviewed: int  # of those, not unreviewed
    matching: int  # files that pass the current filter


def folder_counts(drive_id: int, file_filter: FileFilter = FileFilter()) -> list[FolderCount]:
    """Every folder of a drive that holds files, with its own (not recursive) counts.

    One grouped query over the (drive, folder, status) index gives the curator's
    progress; a second, only when a filter is active, says which folders match.
    """
    present = FileEntry.present == True  # noqa: E712
    reviewed = fn.SUM((FileEntry.status != int(Status.UNREVIEWED)).cast("INTEGER"))
    progress = (
        FileEntry.select(FileEntry.folder, fn.COUNT(FileEntry.id), reviewed)
        .where((FileEntry.drive == drive_id) & present)
        .group_by(FileEntry.folder)
        .tuples()
    )
    counts = {
        folder: FolderCount(folder, total, int(done or 0), total)
        for folder, total, done in progress
    }
    if file_filter.is_default:
        return sorted(counts.values(), key=lambda c: c.folder)
    for c in counts.values():
        c.matching = 0
    matches = (
        FileEntry.select(FileEntry.folder, fn.COUNT(FileEntry.id))
        .where((FileEntry.drive == drive_id) & file_filter.expression())
        .group_by(FileEntry.folder)
        .tuples()
    )
    for folder, n in matches:
        counts.setdefault(folder, FolderCount(folder, 0, 0, 0)).matching = n
    return sorted(counts.values(), key=lambda c: c.folder)


@dataclass
class FileRow:
    """What the tree needs to draw one file."""

    id: int
    filename: str
    status: int
    present: bool
    kind: str
    has_error: bool


def files_in_folder(
    drive_id: int, folder: str, file_filter: FileFilter = FileFilter()
) -> list[FileRow]:
    query = (
        FileEntry.select(
            FileEntry.id,
            FileEntry.filename,
            FileEntry.status,
            FileEntry.present,
            FileEntry.kind,
            FileEntry.error.is_null(False),
        )
        .where(
            (FileEntry.drive == drive_id) & (FileEntry.folder == folder) & file_filter.expression()
        )
        .order_by(FileEntry.filename)
        .tuples()
    )
    return [
        FileRow(i, name, status, bool(present), kind, bool(err))
        for i, name, status, present, kind, err in query
    ]


def next_unreviewed(
    drive_id: int, after: tuple[str, str] | None, file_filter: FileFilter = FileFilter()
) -> FileEntry | None:
    """The next unreviewed present file in tree order (folder, then filename), wrapping."""
    base = (
        (FileEntry.drive == drive_id)
        & (FileEntry.present == True)  # noqa: E712
        & (FileEntry.status == int(Status.UNREVIEWED))
        & file_filter.expression()
    )
    order = (FileEntry.folder, FileEntry.filename)
    if after is not None:
        folder, name = after
        later = (FileEntry.folder > folder) | (
            (FileEntry.folder == folder) & (FileEntry.filename > name)
        )
        found = FileEntry.select().where(base & later).order_by(*order).first()
        if found is not None:
            return found
    return FileEntry.select().where(base).order_by(*order).first()


def drives() -> list[Drive]:
    return list(Drive.select().order_by(Drive.name))


def tag_names() -> list[str]:
    return [name for (name,) in Tag.select(Tag.name).order_by(fn.LOWER(Tag.name)).tuples()]


def file_tags(file_id: int, source: str | None = None) -> list[str]:
    query = Tag.select(Tag.name).join(FileTag).where(FileTag.file == file_id)
    if source:
        query = query.where(FileTag.source == source)
    return [name for (name,) in query.order_by(FileTag.id).tuples()]


def file_with_drive(file_id: int) -> FileEntry | None:
    return (
        FileEntry.select(FileEntry, Drive)
        .join(Drive, JOIN.INNER)
        .where(FileEntry.id == file_id)
        .first()
    )
