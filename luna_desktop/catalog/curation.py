"""Saving what a curator decided: one transaction per save, an edit-log row per changed
field, reviewed-at/by stamped, and the row's version bumped.

Saves merge field by field: a save carries only what this curator changed since the
file was loaded, so two curators (or two windows) who changed different fields both
keep their words; only a field both changed needs a decision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from peewee import JOIN, fn

from .locking import write_transaction
from .models import DB, EditLog, FileEntry, FileTag, ProjectGroup, Tag, utcnow
from .status import Status


class ConflictError(Exception):
    """Someone else saved a field this curator changed too, to another value.

    Nothing was written. `fields` holds, per conflicting field, the value both started
    from, theirs (now in the catalogue) and this curator's.
    """

    def __init__(self, path: str, by: str | None, fields: dict[str, FieldConflict], version: int):
        who = f" by {by}" if by else ""
        names = ", ".join(FIELD_LABELS.get(f, f) for f in fields)
        super().__init__(f"{path} was changed elsewhere{who} since you opened it ({names})")
        self.path = path
        self.by = by
        self.fields = fields
        self.version = version  # the row's version now


class RowGoneError(Exception):
    """The row the form was loaded from no longer exists (a scan relinked or removed it)."""


@dataclass(frozen=True)
class FieldConflict:
    base: object
    theirs: object
    mine: object


FIELD_LABELS = {
    "status": "Status",
    "title": "Title",
    "project_group": "Project group",
    "date": "Date",
    "description": "Description",
    "notes": "Notes",
    "tags": "Tags",
}


@dataclass
class Curation:
    """The archivist's fields of one file, as the form edits them."""

    status: int = int(Status.UNREVIEWED)
    title: str = ""
    project_group: str = ""
    date: str = ""
    description: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)

    def changes_from(self, other: Curation) -> dict[str, tuple[object, object]]:
        """{field: (old, new)} for the fields that differ from `other` (the old values)."""
        out = {}
        for f in fields(self):
            old, new = getattr(other, f.name), getattr(self, f.name)
            if f.name == "tags":
                old, new = list(old), _clean_tags(new)
            elif isinstance(new, str):
                new = new.strip() if f.name in ("title", "project_group", "date") else new
            if old != new:
                out[f.name] = (old, new)
        return out


@dataclass
class Loaded:
    curation: Curation
    version: int


def _clean_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))


def load(file_id: int, row: FileEntry | None = None) -> Loaded:
    """A file's curation; `row`: the file's row when the caller has just read it."""
    if row is None:
        row = FileEntry.get_or_none(FileEntry.id == file_id)
    if row is None:
        raise RowGoneError(file_id)
    group = row.project_group.name if row.project_group_id else ""
    tags = [
        name
        for (name,) in Tag.select(Tag.name)
        .join(FileTag)
        .where((FileTag.file == file_id) & (FileTag.source == "curator"))
        .order_by(FileTag.id)
        .tuples()
    ]
    date = row.date if row.date is not None else (row.taken_at or "")[:10]
    curation = Curation(
        status=row.status,
        title=row.title,
        project_group=group,
        date=date,
        description=row.description,
        notes=row.notes,
        tags=tags,
    )
    return Loaded(curation, row.version)


@dataclass
class Saved:
    version: int  # the row's new version
    curation: Curation  # what the row holds now
    kept_theirs: list[str]  # fields someone else changed that this save left as they were


def save(
    file_id: int,
    new: Curation,
    base: Curation,
    base_version: int,
    curator: str,
    keep_theirs: frozenset[str] | set[str] = frozenset(),
    keep_mine: frozenset[str] | set[str] = frozenset(),
    expected_uuid: str | None = None,
) -> Saved:
    """Save the fields this curator changed since `base` (what the form was loaded with).

    Only changed fields are written, so a field someone else changed meanwhile that
    this curator did not touch keeps their value. A field both changed (to different
    values) raises ConflictError and nothing is written, unless the curator already
    chose: `keep_theirs` (their value stays) or `keep_mine` (this curator's is written).
    A save with no changed field still stamps reviewed-at/by: the curator looked at the
    file and confirmed it. `expected_uuid`: the file the form was loaded from (its row
    id may since have been given to another file).
    """
    mine = new.changes_from(base)
    with write_transaction():
        row = FileEntry.get_or_none(FileEntry.id == file_id)
        # Row ids can be given again to new files once a row is deleted (a relinked
        # move): the UUID says whether this is still the file the form was loaded from.
        if row is None or (expected_uuid is not None and row.uuid != expected_uuid):
            raise RowGoneError(file_id)
        current = load(file_id).curation
        theirs = current.changes_from(base) if row.version != base_version else {}
        conflicts = {
            name: FieldConflict(old, theirs[name][1], value)
            for name, (old, value) in mine.items()
            if name in theirs
            and theirs[name][1] != value
            and name not in keep_theirs
            and name not in keep_mine
        }
        if conflicts:
            raise ConflictError(row.display_path, row.reviewed_by, conflicts, row.version)
        changes = {
            name: (getattr(current, name), value)
            for name, (_old, value) in mine.items()
            if name not in keep_theirs and getattr(current, name) != value
        }
        now = utcnow()
        values: dict[str, object] = {
            "reviewed_at": now,
            "reviewed_by": curator,
            "version": row.version + 1,
        }
        for name, (_old, value) in changes.items():
            if name == "project_group":
                values["project_group"] = _group_id(str(value)) if value else None
            elif name == "tags":
                _replace_tags(file_id, list(value))  # type: ignore[arg-type]
            else:
                values[name] = value
        FileEntry.update(**values).where(FileEntry.id == file_id).execute()
        if changes:
            change_set = _next_change_set()
            EditLog.insert_many(
                [
                    {
                        "file": file_id,
                        "field": name,
                        # A date never set was only prefilled from the date taken:
                        # logged as None, undo puts back no date, not the prefill.
                        "old_value": None
                        if name == "date" and row.date is None
                        else _log_text(name, old_value),
                        "new_value": _log_text(name, new_value),
                        "at": now,
                        "by": curator,
                        "change_set": change_set,
                    }
                    for name, (old_value, new_value) in changes.items()
                ]
            ).execute()
        kept = sorted(name for name in theirs if name not in mine or name in keep_theirs)
        return Saved(row.version + 1, load(file_id).curation, kept)


def replace(file_id: int, new: Curation, curator: str) -> Saved:
    """Make the row's curation exactly `new` (a save by someone who saw its current values)."""
    with write_transaction():
        loaded = load(file_id)
        return save(file_id, new, loaded.curation, loaded.version, curator)


def field_text(name: str, value: object) -> str:
    """A field's value as a person reads it (status by its label, tags comma-separated)."""
    if name == "status":
        return Status(int(value)).label  # type: ignore[arg-type]
    if name == "tags":
        return ", ".join(value)  # type: ignore[arg-type]
    return "" if value is None else str(value)


def changes_text(new: Curation, base: Curation) -> str:
    """What `new` changed from `base`, a line per field: "Title: The Duomo"."""
    return "\n".join(
        f"{FIELD_LABELS.get(name, name)}: {field_text(name, value)}"
        for name, (_old, value) in new.changes_from(base).items()
    )


def _log_text(name: str, value: object) -> str | None:
    if name == "tags":
        return ", ".join(value)  # type: ignore[arg-type]
    if name == "status":
        return Status(int(value)).key  # type: ignore[arg-type]
    return None if value is None else str(value)


def _group_id(name: str) -> int:
    group = ProjectGroup.get_or_none(ProjectGroup.name == name)
    if group is None:
        group = ProjectGroup.create(name=name)
    return group.id


def _replace_tags(file_id: int, names: list[str]) -> None:
    FileTag.delete().where((FileTag.file == file_id) & (FileTag.source == "curator")).execute()
    for name in names:
        Tag.insert(name=name).on_conflict_ignore().execute()
        tag = Tag.get(Tag.name == name)
        FileTag.insert(file=file_id, tag=tag, source="curator").on_conflict_ignore().execute()


def project_groups() -> list[str]:
    return [g.name for g in ProjectGroup.select().order_by(ProjectGroup.name)]


def add_project_group(name: str) -> None:
    ProjectGroup.insert(name=name.strip()).on_conflict_ignore().execute()


def edit_log(file_id: int) -> list[EditLog]:
    return list(EditLog.select().where(EditLog.file == file_id).order_by(EditLog.id))


# --- one decision for many files ---------------------------------------------------------

EDITABLE = ("status", "title", "project_group", "date", "description", "notes", "tags")
_CHUNK = 500  # ids per statement, well under SQLite's limit on variables


@dataclass(frozen=True)
class BulkResult:
    files: int  # files the change was applied to
    changed: int  # of them, files where a field actually changed


def set_fields(
    file_ids: Iterable[int], values: dict[str, object], curator: str, *, review: bool = True
) -> BulkResult:
    """Set `values` (field → value; `tags` replaces the curator's tags) on every file,
    with a save's rules: the edit log records each field that changes, from what to
    what; reviewed-at/by are stamped (unless `review` is False: a catalogue chore such
    as merging project groups is no review) and the version bumped on every file (a
    decision confirms a file even where nothing changes). One transaction: all or none.

    A few statements for the whole selection, not a save per file: a folder of a
    thousand files changes in well under a second. Raises ValueError for an unknown
    field and RowGoneError for a file that is gone, before anything is written.
    """
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ValueError(f"cannot set {', '.join(unknown)}; fields: {', '.join(EDITABLE)}")
    if "tags" in values:
        values = {**values, "tags": _clean_tags(list(values["tags"]))}  # type: ignore[arg-type]
    ids = list(dict.fromkeys(file_ids))
    with write_transaction():
        current, undated = _load_many(ids)
        for file_id in ids:
            if file_id not in current:
                raise RowGoneError(file_id)
        now = utcnow()
        change_set = _next_change_set()
        log, changed, retagged = [], set(), []
        for file_id in ids:
            before = current[file_id]
            after = dataclasses.replace(before, **values)
            for name, (old, new) in after.changes_from(before).items():
                changed.add(file_id)
                if name == "tags":
                    retagged.append(file_id)
                if name == "date" and file_id in undated:
                    old = None  # only prefilled: undo puts back no date (see save)
                log.append(
                    {"file": file_id, "field": name, "old_value": _log_text(name, old),
                     "new_value": _log_text(name, new), "at": now, "by": curator,
                     "change_set": change_set}
                )  # fmt: skip
        columns: dict[str, object] = {
            name: value for name, value in values.items() if name not in ("tags", "project_group")
        }
        if "project_group" in values:
            group = str(values["project_group"]).strip()
            columns["project_group"] = _group_id(group) if group else None
        columns["version"] = FileEntry.version + 1
        if review:  # a decision on the files; not so a catalogue chore (merging groups)
            columns.update(reviewed_at=now, reviewed_by=curator)
        for chunk in _chunks(ids):
            FileEntry.update(**columns).where(FileEntry.id.in_(chunk)).execute()
        if retagged:
            _retag(retagged, list(values["tags"]))  # type: ignore[arg-type]
        _write_log(log)
    return BulkResult(len(ids), len(changed))


def _load_many(ids: list[int]) -> tuple[dict[int, Curation], set[int]]:
    """`load` for many files in a few queries, and the files whose date was never set
    (the Curation's date is then prefilled from the date taken)."""
    found: dict[int, Curation] = {}
    undated: set[int] = set()
    for chunk in _chunks(ids):
        rows = (
            FileEntry.select(FileEntry, ProjectGroup.name.alias("group_name"))
            .join(ProjectGroup, JOIN.LEFT_OUTER)
            .where(FileEntry.id.in_(chunk))
            .objects()
        )
        for row in rows:
            if row.date is None:
                undated.add(row.id)
            found[row.id] = Curation(
                status=row.status,
                title=row.title,
                project_group=row.group_name or "",
                date=row.date if row.date is not None else (row.taken_at or "")[:10],
                description=row.description,
                notes=row.notes,
                tags=[],
            )
        tags = (
            FileTag.select(FileTag.file, Tag.name)
            .join(Tag)
            .where(FileTag.file.in_(chunk) & (FileTag.source == "curator"))
            .order_by(FileTag.id)
            .tuples()
        )
        for file_id, name in tags:
            if file_id in found:
                found[file_id].tags.append(name)
    return found, undated


def _retag(file_ids: list[int], names: list[str]) -> None:
    for chunk in _chunks(file_ids):
        FileTag.delete().where(FileTag.file.in_(chunk) & (FileTag.source == "curator")).execute()
    for name in names:
        Tag.insert(name=name).on_conflict_ignore().execute()
    tag_ids = [Tag.get(Tag.name == name).id for name in names]
    rows = [{"file": f, "tag": t, "source": "curator"} for f in file_ids for t in tag_ids]
    for start in range(0, len(rows), _CHUNK):
        FileTag.insert_many(rows[start : start + _CHUNK]).on_conflict_ignore().execute()


_LOG_COLUMNS = ("file", "field", "old_value", "new_value", "at", "by", "change_set", "undoes")
_LOG_SQL = (
    f'INSERT INTO "{EditLog._meta.table_name}" ('
    + ", ".join(f'"{EditLog._meta.fields[c].column_name}"' for c in _LOG_COLUMNS)
    + ") VALUES ("
    + ", ".join("?" for _ in _LOG_COLUMNS)
    + ")"
)


def _write_log(rows: list[dict]) -> None:
    """Edit-log rows in one executemany: peewee builds a multi-row INSERT's SQL value by
    value, which took five seconds for the 40,000 rows of a 20,000-file change."""
    at = EditLog._meta.fields["at"]
    DB.cursor().executemany(
        _LOG_SQL,
        [
            (r["file"], r["field"], r["old_value"], r["new_value"], at.db_value(r["at"]),
             r["by"], r.get("change_set"), r.get("undoes"))
            for r in rows
        ],
    )  # fmt: skip


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _next_change_set() -> int:
    """Inside a write transaction (which holds the write lock): the next step's number."""
    last = EditLog.select(fn.MAX(EditLog.change_set)).scalar()
    return (last or 0) + 1


# --- taking a step back --------------------------------------------------------------------


@dataclass(frozen=True)
class Undone:
    change_set: int
    files: int  # files put back
    fields: list[str]  # the fields put back, in log order, each once
    skipped: int  # fields left alone: changed again since by someone else
    by: str | None  # who had made the change


def undo_last(curator: str, *, by: str | None = None) -> Undone | None:
    """Take back the last save or bulk change not yet taken back (of `by`, when given);
    repeated, it goes further back. A field changed again since (by anyone) is left as
    it is and counted in `skipped`. The undo is itself in the edit log, stamped with
    `curator`, and does not count as a review. None when there is nothing to undo."""
    with write_transaction():
        undone_sets = EditLog.select(EditLog.undoes).where(EditLog.undoes.is_null(False))
        query = EditLog.select(fn.MAX(EditLog.change_set)).where(
            EditLog.change_set.is_null(False)
            & EditLog.undoes.is_null(True)
            & EditLog.change_set.not_in(undone_sets)
        )
        if by is not None:
            query = query.where(EditLog.by == by)
        target = query.scalar()
        if target is None:
            return None
        rows = list(
            EditLog.select().where(EditLog.change_set == target).order_by(EditLog.id.desc())
        )
        current, _undated = _load_many(sorted({r.file_id for r in rows}))
        now, step = utcnow(), _next_change_set()
        log, files, names, skipped = [], set(), [], 0
        # Files that get the same field back to the same value, restored together: a
        # statement per value, not per file (20,000 files held the lock 12 s row by row).
        restores: dict[tuple[str, str | None], list[int]] = {}
        for row in rows:
            before = current.get(row.file_id)
            if before is None:
                continue  # the file's row is gone
            if _log_text(row.field, getattr(before, row.field)) != row.new_value:
                skipped += 1
                continue
            restores.setdefault((row.field, row.old_value), []).append(row.file_id)
            files.add(row.file_id)
            names.append(row.field)
            log.append(
                {"file": row.file_id, "field": row.field, "old_value": row.new_value,
                 "new_value": row.old_value, "at": now, "by": curator,
                 "change_set": step, "undoes": target}
            )  # fmt: skip
        if not log:  # nothing could be put back: still marked, so the next undo goes on
            first = rows[0]
            log.append(
                {"file": first.file_id, "field": first.field, "old_value": first.new_value,
                 "new_value": first.new_value, "at": now, "by": curator,
                 "change_set": step, "undoes": target}
            )  # fmt: skip
        for (name, logged), file_ids in restores.items():
            _restore(file_ids, name, logged)
        for chunk in _chunks(sorted(files)):
            FileEntry.update(version=FileEntry.version + 1).where(FileEntry.id.in_(chunk)).execute()
        _write_log(log)
        fields_in_order = list(dict.fromkeys(reversed(names)))  # as the change listed them
        return Undone(target, len(files), fields_in_order, skipped, rows[0].by)


def _restore(file_ids: list[int], name: str, logged: str | None) -> None:
    """One field of these files back to the value the edit log wrote down for it."""
    if name == "tags":
        _retag(file_ids, [t.strip() for t in (logged or "").split(",") if t.strip()])
        return
    if name == "status":
        value: object = int(Status.from_key(logged)) if logged else int(Status.UNREVIEWED)
    elif name == "project_group":
        value = _group_id(logged) if logged else None
    elif name == "date":
        value = logged  # None: prefilled from the date taken again
    else:
        value = logged or ""
    for chunk in _chunks(file_ids):
        FileEntry.update({name: value}).where(FileEntry.id.in_(chunk)).execute()
