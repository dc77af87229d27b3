"""Keeping the list of project groups tidy: add, rename, merge two into one, delete an
empty one, and how many files each holds.

Names are unique regardless of case ("Weddings 1998" and "weddings 1998" would be two
entries in the form's list that look like one). A merge moves the files through
`curation.set_fields`, so it is one change set in the edit log that Ctrl+Z (or `luna
undo`) takes back; undoing it puts the merged group back under its name, because the
undo writes each file's logged group name and `curation._group_id` creates a group that
no longer exists. Renaming changes only the name: the files keep their group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from peewee import fn

from . import curation
from .errors import CatalogError
from .locking import write_transaction
from .models import Drive, FileEntry, ProjectGroup


class GroupError(CatalogError):
    """A project-group change that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class GroupCount:
    files: int  # every file in the group, missing ones included
    missing: int  # of them, files whose drive no longer holds them


@dataclass(frozen=True)
class GroupInfo:
    id: int
    name: str
    files: int
    missing: int


@dataclass(frozen=True)
class Merged:
    source: str
    target: str
    files: int  # files moved from source to target


def sort_key(name: str) -> tuple[str, str]:
    """Alphabetical as a person reads it: case only breaks ties."""
    return (name.casefold(), name)


def group_names() -> list[tuple[int, str]]:
    """(id, name) of every group, by name. Grows with the groups, not the files."""
    rows = ProjectGroup.select(ProjectGroup.id, ProjectGroup.name).tuples()
    return sorted(rows, key=lambda row: sort_key(row[1]))


def file_counts() -> dict[int, GroupCount]:
    """Files per group id, missing files included; a group without files is absent.

    Two questions, each answered from an index: how many files per group (a pass over
    the project-group index, about 0.15 s for a million files), and, drive by drive,
    how many of them are missing (through the drive-and-present index, so its cost
    follows the missing files, not the catalogue). Asking both in one pass reads
    every grouped row, some 25 times slower. The window asks off its thread.
    """
    files = (
        FileEntry.select(FileEntry.project_group, fn.COUNT(FileEntry.id))
        .where(FileEntry.project_group.is_null(False))
        .group_by(FileEntry.project_group)
        .tuples()
    )
    missing: Counter[int] = Counter()
    for (drive_id,) in Drive.select(Drive.id).tuples():
        gone = (
            FileEntry.select(FileEntry.project_group, fn.COUNT(FileEntry.id))
            .where(
                (FileEntry.drive == drive_id)
                & (FileEntry.present == False)  # noqa: E712 (SQL, not Python)
                & FileEntry.project_group.is_null(False)
            )
            .group_by(FileEntry.project_group)
            .tuples()
        )
        missing.update(dict(gone))
    return {group: GroupCount(count, missing[group]) for group, count in files}


def list_groups() -> list[GroupInfo]:
    """Every group by name with its file counts (empty groups count 0)."""
    counts = file_counts()
    empty = GroupCount(0, 0)
    return [
        GroupInfo(gid, name, counts.get(gid, empty).files, counts.get(gid, empty).missing)
        for gid, name in group_names()
    ]


def add(name: str) -> str:
    """Add a group; returns its name as stored (trimmed)."""
    name = _clean(name)
    with write_transaction():
        _refuse_taken(name)
        ProjectGroup.create(name=name)
    return name


def rename(old: str, new: str) -> str:
    """Give a group a new name; its files stay in it. Returns the new name as stored.

    Changing only the case of a name is a rename too ("wedding 98" → "Wedding 98").
    """
    new = _clean(new)
    with write_transaction():
        group = _get(old)
        if new == group.name:
            return new
        _refuse_taken(new, besides=group.id)
        ProjectGroup.update(name=new).where(ProjectGroup.id == group.id).execute()
    return new


def merge(source: str, target: str, curator: str) -> Merged:
    """Move every file of `source` (missing ones too) into `target`, then delete `source`.

    The move is one change set in the edit log (with a save's stamps: reviewed-at/by
    and a new version on each moved file); undoing it brings `source` back with its
    files. All of it in one transaction: a file put into `source` by someone else
    meanwhile moves too, never left without a group.
    """
    with write_transaction():
        src, dst = _get(source), _get(target)
        if src.id == dst.id:
            raise GroupError(f"cannot merge “{src.name}” into itself: choose another group")
        ids = [
            file_id
            for (file_id,) in FileEntry.select(FileEntry.id)
            .where(FileEntry.project_group == src.id)
            .order_by(FileEntry.id)
            .tuples()
        ]
        if ids:
            # Moving files between groups is no review of them.
            curation.set_fields(ids, {"project_group": dst.name}, curator, review=False)
        ProjectGroup.delete().where(ProjectGroup.id == src.id).execute()
    return Merged(src.name, dst.name, len(ids))


def delete(name: str) -> None:
    """Delete a group that holds no file (not even a missing one)."""
    with write_transaction():
        group = _get(name)
        held = FileEntry.select().where(FileEntry.project_group == group.id)
        if held.exists():
            count = held.count()
            files = "1 file" if count == 1 else f"{count:,} files"
            raise GroupError(
                f"“{group.name}” still holds {files}: merge it into another group instead, "
                "which moves them and removes it"
            )
        ProjectGroup.delete().where(ProjectGroup.id == group.id).execute()


# --- helpers ------------------------------------------------------------------------------


def _clean(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise GroupError("a project group needs a name")
    if any(ch in name for ch in "\n\r\t"):
        raise GroupError("a project group's name is one line of text")
    return name


def _get(name: str) -> ProjectGroup:
    group = ProjectGroup.get_or_none(ProjectGroup.name == name.strip())
    if group is None:
        raise GroupError(
            f"there is no project group “{name.strip()}” (renamed or merged meanwhile?)"
        )
    return group


def _refuse_taken(name: str, besides: int | None = None) -> None:
    """A name is taken when another group has it, whatever its case."""
    wanted = name.casefold()
    for gid, existing in ProjectGroup.select(ProjectGroup.id, ProjectGroup.name).tuples():
        if gid != besides and existing.casefold() == wanted:
            same = "" if existing == name else f" (as “{existing}”)"
            raise GroupError(
                f"a project group called “{name}” already exists{same}; to put two "
                "groups together, merge one into the other"
            )
