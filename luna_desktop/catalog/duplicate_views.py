"""What the window's duplicates panel and copies report read: groups a page at a time,
one group with what a curator needs to judge its members, and hashing with progress.

catalog.duplicates builds, settles and confirms the groups; this module only reads
them for display (plus `confirm_with_progress`, which wraps `confirm_group`). A
catalogue can hold 100,000 groups, so the panel reads them in pages ordered by where
their primary is, and reads one group's members only when it is selected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from .curation import set_fields
from .duplicates import ConfirmResult, Member, Split, confirm_group, group_details
from .models import DB, Drive, FileEntry
from .status import Status

PAGE_SIZE = 200

# -- the list of groups ----------------------------------------------------------------


@dataclass(frozen=True)
class GroupSummary:
    """One row of the panel's list: a group, named by its primary."""

    oshash: str
    drive: str  # the primary's drive
    folder: str
    filename: str
    size: int
    members: int  # the files the group keeps (members split off are not counted)
    drives: int  # on how many drives they are
    chosen_by: str  # a rule name, or "manual"
    confirmed: bool
    differs: bool  # stored content hashes disagree: some member is split off

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.filename}" if self.folder else self.filename

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Where the next page starts (`group_page(after=…)`)."""
        return (self.drive, self.folder, self.filename, self.oshash)


# Groups in the order of their primary's drive, folder and name (as the tree and the
# copies report list files), read from a key on: every page costs the same. A group
# whose primary row is gone (never left so by a refresh) sorts first, with empty names.
_PAGE_SQL = """
    SELECT g.oshash, COALESCE(d.name, ''), COALESCE(p.folder, ''), COALESCE(p.filename, ''),
           COALESCE(p.size, 0), g.chosen_by, g.confirmed
    FROM duplicate_group g
    LEFT JOIN file_entry p ON p.id = g.primary_id
    LEFT JOIN drive d ON d.id = p.drive_id
    {where}
    ORDER BY 2, 3, 4, 1
    LIMIT ?
"""
_AFTER = "WHERE (COALESCE(d.name, ''), COALESCE(p.folder, ''), COALESCE(p.filename, ''), g.oshash) > (?, ?, ?, ?)"  # noqa: E501
# The members of a page's groups, counted by the (oshash) index: a page's worth of seeks.
_COUNTS_SQL = """
    SELECT oshash, size, COUNT(*), COUNT(DISTINCT drive_id), COUNT(DISTINCT content_hash)
    FROM file_entry
    WHERE present = 1 AND oshash IN ({marks})
    GROUP BY oshash, size
"""


def group_count() -> int:
    return DB.execute_sql("SELECT COUNT(*) FROM duplicate_group").fetchone()[0]


def group_page(
    after: tuple[str, str, str, str] | None = None, limit: int = PAGE_SIZE
) -> list[GroupSummary]:
    """Up to `limit` groups following `after` (a GroupSummary.key), in primary order."""
    if after is None:
        return _summaries("", (), limit)
    return _summaries(_AFTER, after, limit)


def group_summary(oshash: str) -> GroupSummary | None:
    """One group's row as it is now (after a change made from the panel)."""
    found = _summaries("WHERE g.oshash = ?", (oshash,), 1)
    return found[0] if found else None


def _summaries(where: str, params: tuple, limit: int) -> list[GroupSummary]:
    rows = DB.execute_sql(_PAGE_SQL.format(where=where), (*params, limit)).fetchall()
    if not rows:
        return []
    counts: dict[tuple[str, int], tuple[int, int, int]] = {}
    oshashes = [r[0] for r in rows]
    for oshash, size, members, drives, hashes in DB.execute_sql(
        _COUNTS_SQL.format(marks=", ".join("?" * len(oshashes))), oshashes
    ):
        counts[(oshash, size)] = (members, drives, hashes)
    out = []
    for oshash, drive, folder, filename, size, chosen_by, confirmed in rows:
        members, drives, hashes = counts.get((oshash, size), (0, 0, 0))
        if hashes > 1:  # some member is split off: count what the group keeps (rare)
            settled = group_details(oshash)
            if settled is not None:
                members = len(settled.kept)
                drives = len({m.drive_id for m in settled.kept})
        group = (oshash, drive, folder, filename, size, members, drives, chosen_by)
        out.append(GroupSummary(*group, confirmed=bool(confirmed), differs=hashes > 1))
    return out


# -- one group -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberView:
    """A member of a group with what the panel shows beside its drive and path."""

    member: Member
    role: str  # "primary", "copy" or "split"
    status: int
    kind: str
    mime: str | None
    duration: float | None
    width: int | None
    height: int | None
    relpath: bytes  # the exact bytes under the drive's root
    mount_path: str | None  # the drive's last mount path (mounted or not)

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def path(self) -> str:
        m = self.member
        return f"{m.folder}/{m.filename}" if m.folder else m.filename


@dataclass(frozen=True)
class GroupView:
    group: Split
    members: list[MemberView]  # the primary, the other kept members, then the split ones

    @property
    def kept(self) -> list[MemberView]:
        return [m for m in self.members if m.role != "split"]

    @property
    def split(self) -> list[MemberView]:
        return [m for m in self.members if m.role == "split"]

    @property
    def primary(self) -> MemberView:
        return self.members[0]

    @property
    def copies(self) -> list[MemberView]:
        """The kept members other than the primary."""
        return [m for m in self.members if m.role == "copy"]

    def confirmed_copies(self) -> list[MemberView]:
        """Copies whose full-content hash is stored and equal to the primary's: the
        only ones that may be discarded."""
        digest = self.group.primary.content_hash
        if not digest:
            return []
        return [m for m in self.copies if m.member.content_hash == digest]

    def unhashed(self, mounted: set[int]) -> list[MemberView]:
        """Members without a content hash, on the drives in `mounted` (ids): what a
        confirmation would read."""
        return [
            m for m in self.members if not m.member.content_hash and m.member.drive_id in mounted
        ]


def group_view(oshash: str) -> GroupView | None:
    """A group as the catalogue holds it now, with its members' curation and kinds."""
    group = group_details(oshash)
    if group is None:
        return None
    ids = [m.id for m in group.kept + group.split]
    rows = {
        r.id: r
        for r in FileEntry.select(
            FileEntry.id,
            FileEntry.status,
            FileEntry.kind,
            FileEntry.mime,
            FileEntry.duration,
            FileEntry.width,
            FileEntry.height,
            FileEntry.folder,
            FileEntry.filename,
            FileEntry.raw_path,
            Drive.mount_path,
        )
        .join(Drive)
        .where(FileEntry.id.in_(ids))
    }

    def view(m: Member, role: str) -> MemberView:
        r = rows[m.id]
        return MemberView(
            m, role, r.status, r.kind, r.mime, r.duration, r.width, r.height, r.relpath,
            r.drive.mount_path,
        )  # fmt: skip

    def order(m: Member) -> tuple:
        return (m.drive, m.folder, m.filename)

    others = sorted((m for m in group.kept if m.id != group.primary.id), key=order)
    members = [view(group.primary, "primary")]
    members += [view(m, "copy") for m in others]
    members += [view(m, "split") for m in sorted(group.split, key=order)]
    return GroupView(group, members)


# -- confirming by content, with progress ---------------------------------------------


class HashingCancelled(Exception):
    """Raised inside a hash when the curator stops a confirmation."""


class _ProgressReader:
    """A file read through: counts what is read and stops when asked."""

    def __init__(
        self, fh: BinaryIO, on_bytes: Callable[[int], None], cancel: Callable[[], bool]
    ) -> None:
        self._fh, self._on_bytes, self._cancel = fh, on_bytes, cancel

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def read(self, size: int = -1) -> bytes:
        if self._cancel():
            raise HashingCancelled
        data = self._fh.read(size)
        self._on_bytes(len(data))
        return data


@dataclass(frozen=True)
class Confirmed:
    result: ConfirmResult
    cancelled: bool


def confirm_with_progress(
    oshash: str,
    mounts: Mapping[int, str],
    *,
    hasher: Callable[[BinaryIO], str],
    on_file: Callable[[bytes | str], None] = lambda _path: None,
    on_bytes: Callable[[int], None] = lambda _n: None,
    cancel: Callable[[], bool] = lambda: False,
) -> Confirmed:
    """`confirm_group` that says which file it reads (`on_file`, with its path) and how
    far (`on_bytes`, bytes read since the last call), and stops within a block of
    `cancel()` turning true, even in the middle of a 40 GB video. Hashes stored before
    a cancel are kept, and the group is settled with them."""

    def hash_one(fh: BinaryIO) -> str:
        on_file(getattr(fh, "name", ""))
        return hasher(_ProgressReader(fh, on_bytes, cancel))  # type: ignore[arg-type]

    before = _hashed_members(oshash)
    try:
        result = confirm_group(oshash, mounts, hasher=hash_one, cancel=cancel)
        return Confirmed(result, cancel())
    except HashingCancelled:
        # Stopped inside a file: the group is settled with the hashes stored so far by
        # a confirmation that has no drive to read (it hashes nothing).
        settled = confirm_group(oshash, {}, hasher=hasher)
        hashed = sorted(_hashed_members(oshash) - before)
        return Confirmed(ConfirmResult(hashed, [], settled.split, settled.confirmed), True)


def _hashed_members(oshash: str) -> set[int]:
    group = group_details(oshash)
    if group is None:
        return set()
    return {m.id for m in group.kept + group.split if m.content_hash}


# -- a decision for every copy ----------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    view: GroupView | None  # the group afterwards (None: it is gone)
    changed: list[MemberView]  # the copies the status was set on
    unconfirmed: list[MemberView]  # copies left alone: their content is not confirmed
    split: list[MemberView]  # members that are not copies after all: left alone


def apply_status_to_copies(oshash: str, status: Status, curator: str) -> Applied:
    """Set `status` on the group's copies (every kept member but the primary) as one
    undoable change set. Discard goes only to copies whose content hash is stored and
    equal to the primary's: confirm the group first (`confirm_with_progress`)."""
    view = group_view(oshash)
    if view is None:
        return Applied(None, [], [], [])
    if status is Status.DISCARD:
        targets = view.confirmed_copies()
        unconfirmed = [m for m in view.copies if m not in targets]
    else:
        targets, unconfirmed = view.copies, []
    if not targets:
        return Applied(view, [], unconfirmed, view.split)
    set_fields([m.id for m in targets], {"status": int(status)}, curator)
    return Applied(group_view(oshash), targets, unconfirmed, view.split)


# -- the copies report -----------------------------------------------------------------


def one_drive_report(
    ids: list[int], stale: Callable[[], bool] = lambda: False
) -> list[tuple[str, list[int]]]:
    """`ids` (files_on_one_drive's answer, in drive and path order) by drive name:
    [(drive, ids)], drives in name order."""
    names = {d.id: d.name for d in Drive.select(Drive.id, Drive.name)}
    by_drive: dict[int, list[int]] = {}
    for start in range(0, len(ids), 500):
        if stale():
            break
        chunk = ids[start : start + 500]
        drive_of = dict(
            FileEntry.select(FileEntry.id, FileEntry.drive).where(FileEntry.id.in_(chunk)).tuples()
        )
        for file_id in chunk:
            if file_id in drive_of:
                by_drive.setdefault(drive_of[file_id], []).append(file_id)
    return sorted(((names[d], files) for d, files in by_drive.items()), key=lambda x: x[0])


@dataclass(frozen=True)
class ReportRow:
    id: int
    folder: str
    filename: str
    size: int
    kind: str
    status: int

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.filename}" if self.folder else self.filename


def report_rows(ids: list[int]) -> list[ReportRow]:
    """The rows of these files (a few hundred: what a report shows next), in `ids` order."""
    found = {
        r[0]: ReportRow(*r)
        for r in FileEntry.select(
            FileEntry.id,
            FileEntry.folder,
            FileEntry.filename,
            FileEntry.size,
            FileEntry.kind,
            FileEntry.status,
        )
        .where(FileEntry.id.in_(ids))
        .tuples()
    }
    return [found[i] for i in ids if i in found]
