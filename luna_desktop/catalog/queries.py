"""The catalogue questions the curation window asks, fast on a million rows.

Everything here reads the per-folder counts kept by triggers or seeks an index by
drive and folder; nothing groups or loads a whole drive's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, fn

from .derived import STATUS_COLUMNS
from .filters import NO_CRITERIA, Criteria
from .models import DB, Album, Drive, DuplicateGroup, FileEntry, FileTag, Tag
from .search import SearchHits
from .status import Status

CHIPS = ("all", "unreviewed", "needs_attention", "upload", "missing")


@dataclass(frozen=True)
class FileFilter:
    """What the tree shows: a chip, a search text (filename, path, title, oshash, tags)
    and the filter bar's criteria (catalog.filters)."""

    chip: str = "all"
    search: str = ""
    criteria: Criteria = NO_CRITERIA

    def __post_init__(self) -> None:
        if self.chip not in CHIPS:
            raise ValueError(f"unknown filter {self.chip!r}; expected one of {', '.join(CHIPS)}")

    @property
    def is_default(self) -> bool:
        return self.chip == "all" and not self.searching

    @property
    def searching(self) -> bool:
        """Whether the tree shows found files (a search's or the criteria's hits)."""
        return bool(self.search.strip()) or not self.criteria.is_empty

    def chip_expression(self):
        """The chip as a WHERE expression on FileEntry (the search is applied apart)."""
        present = FileEntry.present == True  # noqa: E712
        return {
            "all": present,
            "unreviewed": present & (FileEntry.status == int(Status.UNREVIEWED)),
            "needs_attention": present & (FileEntry.status == int(Status.NEEDS_ATTENTION)),
            "upload": present & (FileEntry.status == int(Status.UPLOAD)),
            "missing": FileEntry.present == False,  # noqa: E712
        }[self.chip]


@dataclass
class FolderCount:
    folder: str
    total: int  # present files directly in this folder
    reviewed: int  # of those, not unreviewed
    matching: int  # files that pass the current filter


# Which folder_stats columns count the files a chip shows.
_CHIP_COLUMNS = {
    "all": STATUS_COLUMNS,
    "unreviewed": ("s1",),
    "needs_attention": (f"s{int(Status.NEEDS_ATTENTION)}",),
    "upload": (f"s{int(Status.UPLOAD)}",),
    "missing": ("missing",),
}


def folder_counts(
    drive_id: int, file_filter: FileFilter = FileFilter(), hits: SearchHits | None = None
) -> list[FolderCount]:
    """Every folder of a drive that holds files, with its own (not recursive) counts.

    Read from folder_stats, which triggers keep up to date: a few thousand folder rows,
    never the million file rows. With a search, `hits` (from catalog.search, run
    beforehand off the GUI thread) says which files match.
    """
    columns = ", ".join((*STATUS_COLUMNS, "missing"))
    rows = DB.execute_sql(
        f"SELECT folder, {columns} FROM folder_stats WHERE drive_id = ?", (drive_id,)
    )
    chip_index = [(*STATUS_COLUMNS, "missing").index(c) for c in _CHIP_COLUMNS[file_filter.chip]]
    out = []
    for folder, *numbers in rows:
        total = sum(numbers[:6])
        matching = sum(numbers[i] for i in chip_index)
        if hits is not None and folder not in hits.folders:
            matching = len(hits.files.get(folder, ()))
        if not total and not matching:
            continue  # only missing files (outside Missing), or none left at all
        out.append(FolderCount(folder, total, total - numbers[0], matching))
    out.sort(key=lambda c: c.folder)
    return out


@dataclass
class FileRow:
    """What the tree needs to draw one file."""

    id: int
    filename: str
    status: int
    present: bool
    kind: str
    has_error: bool
    # A non-primary member of a duplicate group: where its primary is ("DRIVE:path"),
    # and whether their full-content hashes are known to be equal (oshash only proposes).
    copy_of: str | None = None
    copy_confirmed: bool = False


# The primary of the file's duplicate group, if any: the group by its unique oshash
# index, the primary and its drive by primary key. The folder's own rows still come
# from the (drive, folder, filename) index, so the joins cost a seek per row.
_Primary = FileEntry.alias("primary_file")
_PrimaryDrive = Drive.alias("primary_drive")


def files_in_folder(
    drive_id: int,
    folder: str,
    file_filter: FileFilter = FileFilter(),
    only_ids: list[int] | None = None,
) -> list[FileRow]:
    """A folder's files that pass the chip, in name order; `only_ids`: just these (a search)."""
    where = (
        (FileEntry.drive == drive_id) & (FileEntry.folder == folder) & file_filter.chip_expression()
    )
    if only_ids is not None:
        where &= FileEntry.id.in_(only_ids)
    query = (
        FileEntry.select(
            FileEntry.id,
            FileEntry.filename,
            FileEntry.status,
            FileEntry.present,
            FileEntry.kind,
            FileEntry.error.is_null(False),
            FileEntry.size,
            FileEntry.content_hash,
            DuplicateGroup.primary,
            _Primary.size,
            _Primary.content_hash,
            _Primary.present,
            _Primary.folder,
            _Primary.filename,
            _PrimaryDrive.name,
        )
        .join(DuplicateGroup, JOIN.LEFT_OUTER, on=(DuplicateGroup.oshash == FileEntry.oshash))
        .join(_Primary, JOIN.LEFT_OUTER, on=(_Primary.id == DuplicateGroup.primary))
        .join(_PrimaryDrive, JOIN.LEFT_OUTER, on=(_PrimaryDrive.id == _Primary.drive))
        .where(where)
        .order_by(FileEntry.filename)
    )
    rows = []
    # The cursor's plain values, not peewee's per-column conversions: for a folder of
    # 5,000 files those cost more than the query itself.
    for i, name, status, present, kind, err, size, digest, primary, *other in DB.execute_sql(
        *query.sql()
    ):
        row = FileRow(i, name, status, bool(present), kind, bool(err))
        if primary is not None and primary != i and present:
            _mark_copy(row, size, digest, *other)
        rows.append(row)
    return rows


def _mark_copy(
    row: FileRow,
    size: int,
    digest: str | None,
    p_size: int,
    p_digest: str | None,
    p_present: bool,
    p_folder: str,
    p_name: str,
    p_drive: str,
) -> None:
    """Mark `row` as a copy of its group's primary, unless it cannot be one: another
    size (an oshash shared across sizes), a primary gone missing since the groups were
    refreshed, or a content hash that differs from the primary's (split off)."""
    if size != p_size or not p_present:
        return
    if digest and p_digest and digest != p_digest:
        return
    path = f"{p_folder}/{p_name}" if p_folder else p_name
    row.copy_of = f"{p_drive}:{path}"
    row.copy_confirmed = bool(digest and digest == p_digest)


# Seeks the (drive, present, status, folder, filename) index from a position: the cost
# does not grow with the drive.
_NEXT_UNREVIEWED = (
    "SELECT id FROM file_entry INDEXED BY file_entry_review_order "
    "WHERE drive_id = ? AND present = 1 AND status = 1 AND (folder, filename) {after} (?, ?) "
    "{folders}ORDER BY folder, filename LIMIT 1"
)


def next_unreviewed(
    drive_id: int, after: tuple[str, str] | None, hits: SearchHits | None = None
) -> FileEntry | None:
    """The next unreviewed present file in tree order (folder, then filename), wrapping.

    With `hits`, only among the files a search found.
    """
    start = after or ("", "")
    if hits is None:
        file_id = _seek_unreviewed(drive_id, start) if after else None
        if file_id is None:
            file_id = _seek_unreviewed(drive_id, ("", ""), inclusive=True)
    else:
        file_id = _next_unreviewed_hit(drive_id, start, hits)
    return FileEntry.get_or_none(FileEntry.id == file_id) if file_id is not None else None


def _seek_unreviewed(
    drive_id: int, after: tuple[str, str], inclusive: bool = False, folder: str | None = None
) -> int | None:
    sql = _NEXT_UNREVIEWED.format(
        after=">=" if inclusive else ">",
        folders="AND folder = ? " if folder is not None else "",
    )
    params: tuple = (drive_id, *after) + ((folder,) if folder is not None else ())
    row = DB.execute_sql(sql, params).fetchone()
    return row[0] if row else None


def _next_unreviewed_hit(drive_id: int, after: tuple[str, str], hits: SearchHits) -> int | None:
    """Walk the folders of a search's hits in tree order from `after`, wrapping."""
    current, name = after
    unreviewed = _unreviewed_hits(hits)

    def first_in(folder: str, after_name: str | None) -> int | None:
        if folder in hits.folders:  # every file of the folder matched: seek the index
            position = (folder, after_name or "")
            return _seek_unreviewed(drive_id, position, after_name is None, folder)
        for file_id, file_name in unreviewed.get(folder, []):
            if after_name is None or file_name > after_name:
                return file_id
        return None

    folders = sorted(set(hits.folders) | set(hits.files))
    order = [(current, name)] if current in folders else []
    order += [(f, None) for f in folders if f > current]
    order += [(f, None) for f in folders if f <= current]  # the wrap
    for folder, after_name in order:
        found = first_in(folder, after_name)
        if found is not None:
            return found
    return None


def _unreviewed_hits(hits: SearchHits) -> dict[str, list[tuple[int, str]]]:
    """The unreviewed present files among a search's file hits, by folder, in name order."""
    ids = [i for ids in hits.files.values() for i in ids]
    by_folder: dict[str, list[tuple[int, str]]] = {}
    query = (
        FileEntry.select(FileEntry.id, FileEntry.folder, FileEntry.filename)
        .where(
            FileEntry.id.in_(ids)
            & (FileEntry.present == True)  # noqa: E712
            & (FileEntry.status == int(Status.UNREVIEWED))
        )
        .order_by(FileEntry.filename)
        .tuples()
    )
    for file_id, folder, name in query:
        by_folder.setdefault(folder, []).append((file_id, name))
    return by_folder


def drives() -> list[Drive]:
    return list(Drive.select().order_by(Drive.name))


def album_names() -> list[str]:
    return [name for (name,) in Album.select(Album.name).order_by(Album.name).tuples()]


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
