"""A Criteria (catalog.filters) as SQL: one WHERE expression on FileEntry for `luna ls`
and the tree, the ids a query can start from, and a check of the names it holds.

Names (project group, album, tag) compare as the search compares text: regardless of
case and accents.
"""

from __future__ import annotations

from datetime import date

from peewee import JOIN, SQL, fn

from .derived import FOLD_FUNCTION, fold
from .filters import BOTH, MISSING, NO_PROJECT_GROUP, PRESENT, Criteria, FilterError
from .models import Album, AlbumEntry, DuplicateGroup, FileEntry, FileTag, ProjectGroup, Tag


def check_names(criteria: Criteria) -> None:
    """Raise FilterError for a project group, album or tag the catalogue does not hold
    (a typo would otherwise just match nothing)."""
    if criteria.project_group:
        _check(ProjectGroup, "project group", criteria.project_group)
    if criteria.album:
        _check(Album, "album", criteria.album)
    for tag in criteria.tags:
        _check(Tag, "tag", tag)


def _check(model, what: str, name: str) -> None:
    if model.select().where(_same_name(model.name, name)).exists():
        return
    names = model.select(model.name).order_by(_fold(model.name)).limit(21)
    known = [n for (n,) in names.tuples()]
    listed = ", ".join(known[:20]) + (", …" if len(known) > 20 else "") if known else "none"
    raise FilterError(f"no {what} named {name!r} ({what}s: {listed})")


def _fold(value):
    """The catalogue's own fold (case and accents, all of Unicode), in SQL."""
    return getattr(fn, FOLD_FUNCTION)(value)


def _same_name(column, name: str):
    # Names compare as the search does: regardless of case and accents.
    return _fold(column) == fold(name)


def criteria_expression(criteria: Criteria, chip: str = "all"):
    """`criteria` (and a window chip, see queries.CHIPS) as a WHERE expression on
    FileEntry. Status chips narrow the statuses; the Missing chip shows missing files
    whatever `criteria.missing` says."""
    terms = []
    presence = _presence(criteria, chip)
    if presence != BOTH:
        terms.append(FileEntry.present == (presence == PRESENT))
    chip_status = {"unreviewed": 1, "needs_attention": 6, "upload": 2}.get(chip)
    if chip_status is not None:
        terms.append(FileEntry.status == chip_status)
    if criteria.statuses:
        terms.append(FileEntry.status.in_(sorted(int(s) for s in criteria.statuses)))
    if criteria.kinds:
        terms.append(FileEntry.kind.in_(sorted(criteria.kinds)))
    if criteria.camera:
        terms.extend(_camera_has(word) for word in fold(criteria.camera).split())
    if criteria.date_from or criteria.date_to:
        terms.append(_date_range(criteria.date_from, criteria.date_to))
    if criteria.project_group == NO_PROJECT_GROUP:
        terms.append(FileEntry.project_group.is_null())
    elif criteria.project_group is not None:
        groups = ProjectGroup.select(ProjectGroup.id)
        terms.append(
            FileEntry.project_group.in_(
                groups.where(_same_name(ProjectGroup.name, criteria.project_group))
            )
        )
    for tag in criteria.tags:
        tagged = FileTag.select(FileTag.file).join(Tag).where(_same_name(Tag.name, tag))
        terms.append(FileEntry.id.in_(tagged))
    if criteria.album:
        in_album = AlbumEntry.select(AlbumEntry.file).join(Album)
        terms.append(FileEntry.id.in_(in_album.where(_same_name(Album.name, criteria.album))))
    if criteria.duplicates:
        terms.append(_duplicate_state(criteria.duplicates))
    where = SQL("1 = 1")
    for term in terms:
        where &= term
    return where


def _camera_has(word: str):
    """The word in the file's make and model, regardless of case and accents."""
    camera = (
        fn.COALESCE(FileEntry.camera_make, "").concat(" ")
        .concat(fn.COALESCE(FileEntry.camera_model, ""))
    )  # fmt: skip
    return fn.instr(_fold(camera), word) > 0


def _presence(criteria: Criteria, chip: str) -> str:
    return MISSING if chip == "missing" else criteria.missing


def _date_range(start: date | None, end: date | None):
    """The file's date (curator's, else taken) against whole days, compared as text at
    the precision the file's date has: "1998-06" matches any range touching June 1998.

    The plain bounds on the date itself (from the start's year; up to anything the end
    day begins) hold for every match and let an index on (drive_id, coalesce(date,
    taken_at)) read only that span, should the catalogue get one."""
    when = fn.COALESCE(FileEntry.date, FileEntry.taken_at)
    day = fn.substr(when, 1, 10)
    precision = fn.min(fn.length(when), 10)
    expression = when != ""
    if start:
        expression &= (when >= start.isoformat()[:4]) & (
            day >= fn.substr(start.isoformat(), 1, precision)
        )
    if end:
        # "~" sorts after every character that follows a day ("T", a space, nothing).
        expression &= (when <= end.isoformat() + "~") & (
            day <= fn.substr(end.isoformat(), 1, precision)
        )
    return expression


_InGroup = FileEntry.alias("in_group")
_Member = FileEntry.alias("dup_member")


def driving_ids(criteria: Criteria, chip: str = "all"):
    """A query of file ids (column `id`) that holds every file `criteria` can match, read
    by an index of its own: an album's, a tag's, a project group's, the primaries' or
    the members of duplicate groups. None when no such condition is set.

    A query can start from these and read each file by its id: a few thousand seeks
    however large the drive. Without table statistics (ANALYZE) SQLite would rather
    walk the drive's (drive, present) index and test each row against the set.
    """
    if criteria.album:
        in_album = AlbumEntry.select(AlbumEntry.file.alias("id")).join(Album)
        return in_album.where(_same_name(Album.name, criteria.album))
    if criteria.tags:
        tagged = FileTag.select(FileTag.file.alias("id")).join(Tag)
        return tagged.where(_same_name(Tag.name, criteria.tags[0]))
    if criteria.project_group:
        groups = ProjectGroup.select(ProjectGroup.id)
        return _InGroup.select(_InGroup.id.alias("id")).where(
            _InGroup.project_group.in_(
                groups.where(_same_name(ProjectGroup.name, criteria.project_group))
            )
        )
    if criteria.duplicates == "primary":
        primaries = DuplicateGroup.select(DuplicateGroup.primary.alias("id"))
        return primaries.where(DuplicateGroup.primary.is_null(False))
    if criteria.duplicates in ("copy", "confirmed", "unconfirmed") and (
        _presence(criteria, chip) == PRESENT
    ):  # a present copy is a member of a stored group (a missing one may be in none)
        members = DuplicateGroup.select(_Member.id.alias("id")).join(_Member, JOIN.CROSS)
        return members.where(_Member.oshash == DuplicateGroup.oshash)
    return None


_Primary = FileEntry.alias("dup_primary")
_Other = FileEntry.alias("dup_other")


def _duplicate_state(state: str):
    """A present file is a copy when its oshash's DuplicateGroup has another present
    primary of the same size whose content hash does not differ from its own: the rule
    of the tree's "copy of" mark. A missing file is never a primary; it is a copy when
    a present file shares its size and oshash (what was lost is still somewhere)."""
    confirmed = state == "confirmed"
    present = FileEntry.present == True  # noqa: E712
    primary = present & FileEntry.id.in_(
        DuplicateGroup.select(DuplicateGroup.primary).where(DuplicateGroup.primary.is_null(False))
    )
    # The group by its unique oshash, then its primary by id (CROSS JOIN fixes that
    # order: without statistics SQLite would look the primary up by size first).
    of_primary = (
        DuplicateGroup.select(SQL("1"))
        .join(_Primary, JOIN.CROSS)
        .where(
            (_Primary.id == DuplicateGroup.primary)
            & (DuplicateGroup.oshash == FileEntry.oshash)
            & (_Primary.id != FileEntry.id)
            & (_Primary.present == True)  # noqa: E712
            & (_Primary.size == FileEntry.size)
            & _same_content(_Primary, confirmed)
        )
    )
    present_elsewhere = _Other.select(SQL("1")).where(
        (_Other.size == FileEntry.size)
        & (_Other.oshash == FileEntry.oshash)
        & (_Other.present == True)  # noqa: E712
        & (_Other.size > 0)
        & _same_content(_Other, confirmed)
    )
    copy = (present & fn.EXISTS(of_primary)) | (
        (FileEntry.present == False) & fn.EXISTS(present_elsewhere)  # noqa: E712
    )
    if state == "primary":
        return primary
    if state in ("copy", "confirmed"):
        return copy
    if state == "unconfirmed":
        return copy & ~_duplicate_state("confirmed")
    return ~primary & ~copy  # unique


def _same_content(other, confirmed: bool):
    """Content hashes that do not disagree (one unknown), or with `confirmed` are equal."""
    equal = FileEntry.content_hash.is_null(False) & (other.content_hash == FileEntry.content_hash)
    if confirmed:
        return equal
    return other.content_hash.is_null() | FileEntry.content_hash.is_null() | equal
