"""The files a command's TARGETs name: a UUID, a file's path on a mounted drive, or
DRIVE:folder[/file], where a folder means every file under it (as `luna set` reads them)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .common import find_by_path, get_drive

TARGETS_HELP = (
    "a UUID, a file's path on a mounted drive, or DRIVE:folder[/file] "
    "(a folder: every file under it)"
)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def file_ids_of(targets: Iterable[str]) -> list[int]:
    """Each target's files in path order, the targets in the order given, each file once.
    A target that names no catalogued file is a UserError."""
    from .main import UserError

    ids: dict[int, None] = {}
    for target in targets:
        found = list(_files(target))
        if not found:
            raise UserError(f"{target} is not in the catalogue (scan its drive first?)")
        ids.update(dict.fromkeys(found))
    return list(ids)


def _files(target: str) -> Iterator[int]:
    from luna_desktop.catalog.models import FileEntry
    from luna_desktop.catalog.records import in_folder

    if _UUID.match(target):
        row = FileEntry.get_or_none(FileEntry.uuid == target.lower())
        if row is not None:
            yield row.id
        return
    row = find_by_path(target)
    if row is not None:
        yield row.id
        return
    drive_name, sep, folder = target.partition(":")
    if not sep:
        return
    drive = get_drive(drive_name)
    folder = folder.strip("/")
    query = FileEntry.select(FileEntry.id).where(FileEntry.drive == drive)
    if folder:
        # Ids only: a folder of 100,000 files needs none of their other columns.
        query = query.where(in_folder(folder))
    for (file_id,) in query.order_by(FileEntry.folder, FileEntry.filename).tuples():
        yield file_id
