"""The files a selection in the tree stands for: chosen files, and whole folders as the
tree shows them (the chip, and a search's hits, apply to what a folder means)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .models import FileEntry
from .queries import FileFilter
from .records import in_folder
from .search import SearchHits


def file_ids_under(
    drive_id: int,
    folder: str,
    file_filter: FileFilter = FileFilter(),
    hits: SearchHits | None = None,
) -> list[int]:
    """The files at and below `folder` that the tree shows with this filter, in path
    order. A range on the folder column seeks the (drive, folder, filename) index."""
    where = (FileEntry.drive == drive_id) & file_filter.chip_expression()
    folder = folder.strip("/")
    if folder:
        where &= in_folder(folder)
    query = (
        FileEntry.select(FileEntry.id, FileEntry.folder)
        .where(where)
        .order_by(FileEntry.folder, FileEntry.filename)
        .tuples()
    )
    shown = _shown_by(hits)
    return [file_id for file_id, in_folder in query.iterator() if shown(file_id, in_folder)]


def _shown_by(hits: SearchHits | None) -> Callable[[int, str], bool]:
    if hits is None:
        return lambda _id, _folder: True
    found = {i for ids in hits.files.values() for i in ids}
    return lambda file_id, folder: folder in hits.folders or file_id in found


def selected_file_ids(
    drive_id: int,
    files: Iterable[int],
    folders: Iterable[str],
    file_filter: FileFilter = FileFilter(),
    hits: SearchHits | None = None,
) -> list[int]:
    """Chosen files first, then each folder's; every file once."""
    out = dict.fromkeys(files)
    for folder in folders:
        out.update(dict.fromkeys(file_ids_under(drive_id, folder, file_filter, hits)))
    return list(out)
