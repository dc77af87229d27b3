"""Saving what a curator decided: one transaction per save, an edit-log row per changed
field, reviewed-at/by stamped, and the row's version bumped for optimistic locking."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .models import DB, EditLog, FileEntry, FileTag, ProjectGroup, Tag, utcnow
from .status import Status


class ConflictError(Exception):
    """The row was saved by someone else since it was loaded."""


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


def load(file_id: int) -> Loaded:
    row = FileEntry.get_by_id(file_id)
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


def save(file_id: int, new: Curation, expected_version: int, curator: str) -> int:
    """Write `new` over the row; returns the new version.

    Raises ConflictError, changing nothing, when the row's version is no longer
    `expected_version`. A save with no changed field still stamps reviewed-at/by:
    the curator looked at the file and confirmed it.
    """
    with DB.atomic("IMMEDIATE"):
        row = FileEntry.get_by_id(file_id)
        if row.version != expected_version:
            who = f" by {row.reviewed_by}" if row.reviewed_by else ""
            raise ConflictError(
                f"{row.display_path} was changed elsewhere{who} since you opened it; "
                "reload it to see the other changes"
            )
        old = load(file_id).curation
        changes = new.changes_from(old)
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
            EditLog.insert_many(
                [
                    {
                        "file": file_id,
                        "field": name,
                        "old_value": _log_text(name, old_value),
                        "new_value": _log_text(name, new_value),
                        "at": now,
                        "by": curator,
                    }
                    for name, (old_value, new_value) in changes.items()
                ]
            ).execute()
        return row.version + 1


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
