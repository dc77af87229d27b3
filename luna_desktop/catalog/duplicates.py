"""Duplicate groups: present files on any drive that share a size and an oshash.

oshash only proposes. A group is *confirmed* when every member it keeps has a stored
full-content hash and they are all equal. Members whose stored content hash differs
from the group's reference hash (the primary's, else the most common one) are *split
off*: they stay out of the group's ``files`` and are listed as its ``split``. Nothing
else records a split — it follows from the stored content hashes — so it survives
every refresh and rescan without a table of its own.

The primary of a group is chosen by a rule (RULES). A manual choice
(``chosen_by == "manual"``) survives every refresh as long as that file is still a
present member of the group; an automatic primary is recomputed with the group's own
rule (the one stored in ``chosen_by``) unless a refresh is given another.

Empty files all share one oshash and hold nothing, so they never form a group.

No Qt, no scanner: ``confirm_group`` takes the hashing function from its caller (the
scanner's ``content_hash``), as the catalogue layer imports nothing above it.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from peewee import DatabaseError

from .locking import write_transaction
from .models import DB, Drive, DuplicateGroup, FileEntry
from .paths import absolute, relpath_bytes

log = logging.getLogger(__name__)

RULES = ("largest", "earliest", "shortest_path", "preferred_drive")
MANUAL = "manual"
DEFAULT_RULE = "largest"

_CHUNK = 500  # rows per statement when writing many groups

# One pass over the partial index of present files' keys (file_entry_duplicate_key)
# finds every candidate group; the join reads their members. No per-file queries.
_KEYS = """
    SELECT size, oshash FROM file_entry
    WHERE present = 1 AND oshash IS NOT NULL AND size > 0 {where}
    GROUP BY size, oshash HAVING COUNT(*) > 1
"""
# After a scan or an import of one drive only the keys its rows hold can have changed
# (present or missing: a file gone from the drive leaves its group).
# A group whose primary is on the drive is looked at too: the primary's key may have
# changed (the file was edited), and the copies left elsewhere still make a group.
_DRIVE_KEYS = (
    "AND ((size, oshash) IN (SELECT size, oshash FROM file_entry WHERE drive_id = ?) "
    "OR oshash IN (SELECT g.oshash FROM duplicate_group g "
    "JOIN file_entry p ON p.id = g.primary_id WHERE p.drive_id = ?))"
)
_MEMBERS_SQL = """
    SELECT f.id, f.oshash, f.size, f.drive_id, d.name, f.folder, f.filename,
           f.taken_at, f.mtime, f.content_hash, f.uuid
    FROM file_entry f
    JOIN drive d ON d.id = f.drive_id
    JOIN ({keys}) g ON f.size = g.size AND f.oshash = g.oshash
    WHERE f.present = 1
    ORDER BY f.oshash, f.size, f.id
"""


@dataclass(frozen=True)
class Member:
    id: int
    oshash: str
    size: int
    drive_id: int
    drive: str
    folder: str
    filename: str
    taken_at: str | None
    mtime: float | None
    content_hash: str | None
    uuid: str

    @property
    def path_length(self) -> int:
        return len(self.folder) + 1 + len(self.filename) if self.folder else len(self.filename)


@dataclass
class Split:
    """One candidate group after checking content: what it keeps and what it splits off."""

    oshash: str
    kept: list[Member]
    split: list[Member]
    primary: Member
    chosen_by: str
    confirmed: bool


@dataclass
class ConfirmResult:
    hashed: list[int] = field(default_factory=list)  # file ids hashed now
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (file id, why)
    split: list[int] = field(default_factory=list)  # file ids whose content differs
    confirmed: bool = False


class RuleError(ValueError):
    pass


# -- rules -------------------------------------------------------------------------


def parse_rule(rule: str, preferred_drive: str | None = None) -> str:
    """A rule name as stored in ``chosen_by``: ``preferred_drive:NAME`` carries its drive."""
    name, _, drive = rule.partition(":")
    drive = drive or (preferred_drive or "")
    if name == MANUAL:
        raise RuleError("'manual' is chosen with set_primary, not as a rule")
    if name not in RULES:
        raise RuleError(f"unknown primary rule {rule!r} (rules: {', '.join(RULES)})")
    if name == "preferred_drive":
        if not drive:
            raise RuleError("the preferred_drive rule needs a drive name")
        return f"preferred_drive:{drive}"
    return name


def _rule_key(rule: str) -> Callable[[Member], tuple]:
    name, _, drive = rule.partition(":")
    if name == "largest":  # ties (a group's members share a size): drive name, then path
        return lambda m: (-m.size, m.drive, m.folder, m.filename, m.id)
    if name == "earliest":  # date taken; undated files last, then the older mtime
        return lambda m: (m.taken_at is None, m.taken_at or "", m.mtime or 0.0, m.id)
    if name == "shortest_path":
        return lambda m: (m.path_length, m.id)
    if name == "preferred_drive":  # on that drive first, then the shortest path
        return lambda m: (m.drive != drive, m.path_length, m.id)
    raise RuleError(f"unknown primary rule {rule!r}")


def choose(members: Iterable[Member], rule: str) -> Member:
    return min(members, key=_rule_key(rule))


# -- building groups ---------------------------------------------------------------


def _members(
    oshash: str | None = None, drive_id: int | None = None
) -> dict[tuple[str, int], list[Member]]:
    """Candidate groups by (oshash, size): all, one oshash's, or those touching a drive."""
    if oshash:
        where, params = "AND oshash = ?", (oshash,)
    elif drive_id is not None:
        where, params = _DRIVE_KEYS, (drive_id, drive_id)
    else:
        where, params = "", ()
    keys = _KEYS.format(where=where)
    groups: dict[tuple[str, int], list[Member]] = {}
    for row in DB.execute_sql(_MEMBERS_SQL.format(keys=keys), params):
        m = Member(*row)
        groups.setdefault((m.oshash, m.size), []).append(m)
    return groups


def _settle(oshash: str, members: list[Member], manual_id: int | None, rule: str) -> Split:
    """Which members the group keeps, its primary and whether it is confirmed."""
    by_id = {m.id: m for m in members}
    manual = by_id.get(manual_id) if manual_id is not None else None
    known = Counter(m.content_hash for m in members if m.content_hash)
    reference = None
    if manual is not None and manual.content_hash:
        reference = manual.content_hash
    elif known:
        top = max(known.values())
        tied = {h for h, n in known.items() if n == top}
        # A tie: the hash of the file the rule would choose among the tied ones.
        reference = choose((m for m in members if m.content_hash in tied), rule).content_hash
    kept = [m for m in members if reference is None or m.content_hash in (None, reference)]
    split = [m for m in members if m not in kept]
    if manual is not None and manual in kept:
        primary, chosen_by = manual, MANUAL
    else:
        primary, chosen_by = choose(kept, rule), rule
    confirmed = (
        reference is not None and len(kept) > 1 and all(m.content_hash == reference for m in kept)
    )
    return Split(oshash, kept, split, primary, chosen_by, confirmed)


def _pick_one_size(groups: dict[tuple[str, int], list[Member]]) -> dict[str, list[Member]]:
    """DuplicateGroup.oshash is unique: should two sizes share an oshash (it includes
    the size, so practically never), the larger group is the one kept."""
    out: dict[str, list[Member]] = {}
    for (oshash, _size), members in groups.items():
        if len(members) > len(out.get(oshash, ())):
            out[oshash] = members
    return out


def refresh_groups(
    rule: str | None = None, preferred_drive: str | None = None, *, drive_id: int | None = None
) -> dict:
    """Rebuild the DuplicateGroups from the present files. ``rule``: the rule for every
    automatic primary; None keeps each group's own rule (DEFAULT_RULE for new groups).
    ``drive_id``: after a scan or an import of that drive, only the groups it can have
    changed — those of keys its rows hold, and those whose primary is on it.
    Returns counts: groups, added, updated, deleted."""
    forced = parse_rule(rule, preferred_drive) if rule else None
    if drive_id is not None and _is_much_of_the_catalogue(drive_id):
        drive_id = None  # one pass over the whole index is then the cheaper way
    candidates = _pick_one_size(_members(drive_id=drive_id))
    stored = DuplicateGroup.select(
        DuplicateGroup.id,
        DuplicateGroup.oshash,
        DuplicateGroup.primary,
        DuplicateGroup.chosen_by,
        DuplicateGroup.confirmed,
    ).namedtuples()  # model instances cost a second per 50,000 groups
    if drive_id is not None:
        on_drive = FileEntry.drive == drive_id
        stored = stored.where(
            DuplicateGroup.oshash.in_(FileEntry.select(FileEntry.oshash).where(on_drive))
            | DuplicateGroup.primary.in_(FileEntry.select(FileEntry.id).where(on_drive))
        )
    existing = {g.oshash: g for g in stored}
    inserts: list[dict] = []
    updates: list[tuple] = []
    for oshash, members in candidates.items():
        old = existing.get(oshash)
        result = _settle(oshash, members, *_manual_and_rule(old, forced))
        row = (result.primary.id, result.chosen_by, result.confirmed)
        if old is None:
            inserts.append(
                {"oshash": oshash, "primary": row[0], "chosen_by": row[1], "confirmed": row[2]}
            )
        elif (old.primary, old.chosen_by, bool(old.confirmed)) != row:
            # Only if nobody chose a primary since it was read (a refresh never
            # overwrites a curator's choice made meanwhile).
            updates.append((*row, old.id, old.primary, old.chosen_by))
    gone = [g.id for h, g in existing.items() if h not in candidates]
    # One short transaction a chunk: a curator's save never waits behind all of them,
    # and each group row stands on its own, so a crash between chunks leaves groups
    # the next refresh completes.
    for i in range(0, len(gone), _CHUNK):
        with write_transaction():
            DuplicateGroup.delete().where(DuplicateGroup.id.in_(gone[i : i + _CHUNK])).execute()
    for i in range(0, len(inserts), _CHUNK):
        with write_transaction():
            # Another refresh (the CLI beside the window) may have made the same group.
            DuplicateGroup.insert_many(inserts[i : i + _CHUNK]).on_conflict_ignore().execute()
    for i in range(0, len(updates), _CHUNK):
        with write_transaction():
            DB.cursor().executemany(
                "UPDATE duplicate_group SET primary_id = ?, chosen_by = ?, confirmed = ? "
                "WHERE id = ? AND primary_id IS ? AND chosen_by IS ?",
                updates[i : i + _CHUNK],
            )
    return {
        "groups": len(candidates),
        "added": len(inserts),
        "updated": len(updates),
        "deleted": len(gone),
    }


def refresh_after_change(drive_id: int) -> str | None:
    """refresh_groups for a drive just scanned or imported, as a derived step: what was
    written stands whatever happens here. Returns why the groups could not be brought up
    to date (another program held the catalogue), or None; the next scan, import or
    `luna duplicates` brings them up to date."""
    try:
        refresh_groups(drive_id=drive_id)
    except DatabaseError as exc:
        log.warning("duplicate groups not refreshed after drive %s: %s", drive_id, exc)
        return f"duplicate groups not brought up to date ({exc}); `luna duplicates` will"
    return None


def _is_much_of_the_catalogue(drive_id: int) -> bool:
    """Whether a drive holds over a fifth of all rows: restricting the grouping to its
    keys then costs more than grouping everything (a row-value IN over that many keys)."""
    on_drive, total = DB.execute_sql(
        "SELECT (SELECT COUNT(*) FROM file_entry WHERE drive_id = ?), "
        "(SELECT COUNT(*) FROM file_entry)",
        (drive_id,),
    ).fetchone()
    return on_drive * 5 > total


def _manual_and_rule(old: Any, forced: str | None) -> tuple[int | None, str]:
    """`old`: the stored group (a DuplicateGroup, or a row of refresh's named tuples)."""
    if old is None:
        return None, forced or DEFAULT_RULE
    primary = old.primary_id if isinstance(old, DuplicateGroup) else old.primary
    manual = primary if old.chosen_by == MANUAL else None
    own = old.chosen_by if old.chosen_by != MANUAL else DEFAULT_RULE
    try:
        _rule_key(own)
    except RuleError:
        own = DEFAULT_RULE
    return manual, forced or own


def _refresh_one(oshash: str, rule: str | None = None) -> Split | None:
    """Re-settle one group after its members changed (a manual choice, new hashes)."""
    candidates = _pick_one_size(_members(oshash))
    old = DuplicateGroup.get_or_none(DuplicateGroup.oshash == oshash)
    members = candidates.get(oshash)
    with write_transaction():
        if not members:
            if old is not None:
                old.delete_instance()
            return None
        result = _settle(oshash, members, *_manual_and_rule(old, rule))
        values = {
            "primary": result.primary.id,
            "chosen_by": result.chosen_by,
            "confirmed": result.confirmed,
        }
        if old is None:
            DuplicateGroup.insert(oshash=oshash, **values).execute()
        else:
            DuplicateGroup.update(**values).where(DuplicateGroup.id == old.id).execute()
    return result


# -- reading groups ----------------------------------------------------------------


def group_details(oshash: str) -> Split | None:
    """A group's kept members, split members, primary and state, from the catalogue as
    it is now (without writing)."""
    group = DuplicateGroup.get_or_none(DuplicateGroup.oshash == oshash)
    members = _pick_one_size(_members(oshash)).get(oshash)
    if group is None or not members:
        return None
    return _settle(oshash, members, *_manual_and_rule(group, None))


def all_groups() -> Iterable[Split]:
    """Every group (as refreshed last), in oshash order, from one members query."""
    stored = {g.oshash: g for g in DuplicateGroup.select()}
    for oshash, members in sorted(_pick_one_size(_members()).items()):
        group = stored.get(oshash)
        if group is None:
            continue
        yield _settle(oshash, members, *_manual_and_rule(group, None))


def _group_of(group: DuplicateGroup | str) -> DuplicateGroup:
    if isinstance(group, DuplicateGroup):
        return group
    return DuplicateGroup.get(DuplicateGroup.oshash == group)


# -- a curator's choice ------------------------------------------------------------


def set_primary(group: DuplicateGroup | str, file: FileEntry | int) -> DuplicateGroup:
    """Make `file` the group's primary by hand; it stays so through every refresh while
    it is a present member of the group."""
    group = _group_of(group)
    file_id = file.id if isinstance(file, FileEntry) else int(file)
    members = _pick_one_size(_members(group.oshash)).get(group.oshash, [])
    if file_id not in {m.id for m in members}:
        raise ValueError("that file is not a present member of this duplicate group")
    with write_transaction():
        DuplicateGroup.update(primary=file_id, chosen_by=MANUAL).where(
            DuplicateGroup.id == group.id
        ).execute()
    _refresh_one(group.oshash)
    return DuplicateGroup.get_by_id(group.id)


# -- confirming by content ---------------------------------------------------------


def mounted_drives() -> dict[int, str]:
    """Drive id → mount path, for drives whose last mount path is a directory now."""
    return {
        d.id: d.mount_path
        for d in Drive.select(Drive.id, Drive.mount_path).where(Drive.mount_path.is_null(False))
        if os.path.isdir(d.mount_path)
    }


def confirm_group(
    group: DuplicateGroup | str,
    mounts: Mapping[int, str] | None = None,
    *,
    hasher: Callable[[BinaryIO], str],
    cancel: Callable[[], bool] | None = None,
) -> ConfirmResult:
    """Hash the members that have no content hash yet, on mounted drives, store the
    hashes, and re-settle the group (split or confirm it).

    `mounts`: drive id → mount path (default: mounted_drives()). `hasher`: the full
    content hash of an open file (luna_desktop.scan.oshash.content_hash). A file whose
    size or mtime is not what the catalogue holds is skipped: it changed since it was
    scanned, and a rescan must read it first.
    """
    group = _group_of(group)
    mounts = mounted_drives() if mounts is None else mounts
    result = ConfirmResult()
    members = _pick_one_size(_members(group.oshash)).get(group.oshash, [])
    rows = {
        r.id: r
        for r in FileEntry.select(
            FileEntry.id, FileEntry.folder, FileEntry.filename, FileEntry.raw_path
        ).where(FileEntry.id.in_([m.id for m in members]))
    }
    for m in members:
        if m.content_hash:
            continue
        if cancel is not None and cancel():
            break
        mount = mounts.get(m.drive_id)
        if mount is None:
            result.skipped.append((m.id, f"drive {m.drive} is not mounted"))
            continue
        row = rows[m.id]
        path = absolute(mount, relpath_bytes(row.folder, row.filename, row.raw_path))
        try:
            digest = _hash_unchanged(path, m, hasher)
        except OSError as exc:
            result.skipped.append((m.id, f"cannot read it: {exc.strerror or exc}"))
            continue
        if digest is None:
            result.skipped.append((m.id, "changed since it was scanned; rescan the drive"))
            continue
        with write_transaction():
            FileEntry.update(content_hash=digest).where(FileEntry.id == m.id).execute()
        result.hashed.append(m.id)
    settled = _refresh_one(group.oshash)
    if settled is not None:
        result.split = [m.id for m in settled.split]
        result.confirmed = settled.confirmed
    return result


def _hash_unchanged(path: bytes, m: Member, hasher: Callable[[BinaryIO], str]) -> str | None:
    with open(path, "rb") as fh:
        before = os.fstat(fh.fileno())
        if before.st_size != m.size or (m.mtime is not None and before.st_mtime != m.mtime):
            return None
        digest = hasher(fh)
        after = os.fstat(fh.fileno())
    if (after.st_size, after.st_mtime) != (before.st_size, before.st_mtime):
        return None
    return digest


# -- how many drives hold a copy ---------------------------------------------------


def other_drives_with_copy(entry: FileEntry) -> list[str] | None:
    """The other drives holding a present copy of this file (same size and oshash, less
    copies whose content hash is known to differ), by name; None when nothing can be
    said (no oshash yet, or an empty file). Two index seeks: for the file on show."""
    if not entry.oshash or not entry.size:
        return None
    rows = DB.execute_sql(
        "SELECT DISTINCT d.name FROM file_entry f JOIN drive d ON d.id = f.drive_id "
        "WHERE f.size = ? AND f.oshash = ? AND f.present = 1 AND f.drive_id != ? "
        "AND (f.content_hash IS NULL OR ? IS NULL OR f.content_hash = ?) ORDER BY d.name",
        (entry.size, entry.oshash, entry.drive_id, entry.content_hash, entry.content_hash),
    )
    return [name for (name,) in rows]


def copies_on_same_drive(entry: FileEntry) -> int:
    """How many other present copies of this file its own drive holds (same size and
    oshash, less copies whose content hash is known to differ). An index seek."""
    if not entry.oshash or not entry.size:
        return 0
    return DB.execute_sql(
        "SELECT COUNT(*) FROM file_entry f "
        "WHERE f.size = ? AND f.oshash = ? AND f.present = 1 AND f.drive_id = ? AND f.id != ? "
        "AND (f.content_hash IS NULL OR ? IS NULL OR f.content_hash = ?)",
        (entry.size, entry.oshash, entry.drive_id, entry.id, entry.content_hash,
         entry.content_hash),
    ).fetchone()[0]  # fmt: skip


# Per (size, oshash): on how many drives a present copy is. Files not yet hashed
# (oshash NULL) and empty files are left out: nothing says where else they are.
_DRIVES_PER_KEY = """
    SELECT size, oshash, COUNT(DISTINCT drive_id) FROM file_entry
    WHERE present = 1 AND oshash IS NOT NULL AND size > 0
    GROUP BY size, oshash
"""
_ON_ONE_DRIVE = """
    SELECT f.id FROM file_entry f
    JOIN (SELECT size, oshash FROM file_entry
          WHERE present = 1 AND oshash IS NOT NULL AND size > 0
          GROUP BY size, oshash HAVING COUNT(DISTINCT drive_id) = 1) k
      ON f.size = k.size AND f.oshash = k.oshash
    WHERE f.present = 1
    ORDER BY f.drive_id, f.folder, f.filename
"""
# Keys whose stored content hashes disagree: counted member by member.
_CONFLICTS = """
    SELECT size, oshash FROM file_entry
    WHERE present = 1 AND oshash IS NOT NULL AND size > 0 AND content_hash IS NOT NULL
    GROUP BY size, oshash HAVING COUNT(DISTINCT content_hash) > 1
"""


def _conflicting_counts() -> dict[int, int]:
    """file id → drives, for the few keys with differing content hashes: a file counts
    the drives of members whose hash is equal to its own or unknown."""
    out: dict[int, int] = {}
    for size, oshash in DB.execute_sql(_CONFLICTS).fetchall():
        members = FileEntry.select(FileEntry.id, FileEntry.drive, FileEntry.content_hash).where(
            (FileEntry.size == size) & (FileEntry.oshash == oshash) & (FileEntry.present == True)  # noqa: E712
        )
        members = list(members.tuples())
        for file_id, _drive, digest in members:
            out[file_id] = len(
                {d for _i, d, h in members if digest is None or h is None or h == digest}
            )
    return out


def copies_by_file() -> dict[int, int]:
    """Present file id → on how many drives a present copy of it is (itself included).
    Files with no oshash and empty files are absent from the answer."""
    counts = {(size, oshash): drives for size, oshash, drives in DB.execute_sql(_DRIVES_PER_KEY)}
    out = {
        file_id: counts[(size, oshash)]
        for file_id, size, oshash in DB.execute_sql(
            "SELECT id, size, oshash FROM file_entry "
            "WHERE present = 1 AND oshash IS NOT NULL AND size > 0"
        )
    }
    out.update(_conflicting_counts())
    return out


def files_on_one_drive() -> list[int]:
    """Ids of present, non-empty files no other drive holds a copy of (by size and
    oshash, less copies whose content hash is known to differ), in drive and path order."""
    ids = [file_id for (file_id,) in DB.execute_sql(_ON_ONE_DRIVE)]
    extra = [i for i, n in _conflicting_counts().items() if n == 1]
    if not extra:
        return ids
    seen = set(ids)
    more = [i for i in extra if i not in seen]
    order = {
        i: (d, fo, fn)
        for i, d, fo, fn in FileEntry.select(
            FileEntry.id, FileEntry.drive, FileEntry.folder, FileEntry.filename
        )
        .where(FileEntry.id.in_(ids + more))
        .tuples()
    }
    return sorted(ids + more, key=order.__getitem__)
