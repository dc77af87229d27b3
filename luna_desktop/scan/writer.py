"""The single writer: scanner threads hand it records, it commits them in batches.

SQLite wants one writer; batching many rows into one transaction is what makes a scan
of a million files fast, and each batch being atomic is what makes a killed scan leave
a consistent catalogue behind. A batch is small, so a curator's save never waits long
behind one. It never touches curation fields.

One row the catalogue refuses (a value SQLite cannot bind, a constraint) never costs
the rest of its batch: the batch is written again row by row, each in a savepoint, and
the refused row is reported. Errors of the catalogue itself (a full disk, a lock held
too long, an I/O error) are not a row's fault and end the batch as they are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import peewee

from luna_desktop.catalog.jsonfield import JSONField
from luna_desktop.catalog.models import DB, FileEntry, Tag, new_uuids, utcnow

from .reader import FileRecord
from .transactions import savepoint, write_transaction

# What a single row can cause. OperationalError (full, locked, I/O) is deliberately
# absent: it is the catalogue's problem, not the row's, and retrying row by row
# would only fail again, slowly.
_ROW_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
    peewee.IntegrityError,
    peewee.InterfaceError,
    peewee.ProgrammingError,
    peewee.DataError,
    OverflowError,  # an integer too large for SQLite
    ValueError,  # text that cannot be encoded (lone surrogates)
    TypeError,  # a value neither SQLite nor JSON takes
)

_TABLE = FileEntry._meta.table_name


class _PreparedInsert:
    """INSERT INTO file_entry for every column, id first, with each field's own value
    conversion; the values of a row are made before its batch's transaction begins, and
    only the id, known inside it, is put in front."""

    def __init__(self) -> None:
        fields = [f for f in FileEntry._meta.sorted_fields if f.name != "id"]
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        marks = ", ".join("?" for _ in fields)
        self.sql = f'INSERT INTO "{_TABLE}" ("id", {columns}) VALUES (?, {marks})'
        # A row starts as the columns' defaults and takes the values it has by position.
        self.index = {f.name: i for i, f in enumerate(fields)}
        self.template = [None if callable(f.default) else f.default for f in fields]
        self.made_defaults = [
            (i, f.name, f.default) for i, f in enumerate(fields) if callable(f.default)
        ]
        # Only JSON columns need the field's own conversion; for the rest the values a
        # scan produces (str, int, float, bool, datetime, None) are what sqlite3 takes.
        self.json = [(i, f.db_value) for i, f in enumerate(fields) if isinstance(f, JSONField)]

    def values(self, row: dict) -> tuple:
        out = self.template.copy()
        index = self.index
        for name, value in row.items():
            out[index[name]] = value
        for i, name, default in self.made_defaults:
            if name not in row:
                out[i] = default()
        for i, convert in self.json:
            out[i] = convert(out[i])
        return tuple(out)


_INSERT = _PreparedInsert()


def file_fields(record: FileRecord) -> dict:
    """The columns a scan owns, from one record."""
    info = record.info
    return {
        "size": record.size,
        "mtime": record.mtime,
        "owner": record.owner,
        "oshash": record.oshash,
        "kind": info.kind,
        "mime": info.mime,
        "width": info.width,
        "height": info.height,
        "orientation": info.orientation,
        "duration": info.duration,
        "frame_rate": info.frame_rate,
        "codec": info.codec,
        "taken_at": info.taken_at,
        "camera_make": info.camera_make,
        "camera_model": info.camera_model,
        "lat": info.lat,
        "lng": info.lng,
        "extra": _extra(record),
        "extractor": info.extractor or None,
        "error": info.error,
        "scan_notes": "\n".join(info.notes) or None,
        "sidecar": record.sidecar.name if record.sidecar else None,
        "sidecar_size": record.sidecar.size if record.sidecar else None,
        "sidecar_mtime": record.sidecar.mtime if record.sidecar else None,
        "scanned_at": utcnow(),
        "present": True,
        "missing_since": None,
    }


# What a scan reads from a file: the columns a changed file's row gets afresh, and those
# a moved file's row takes from where it is now (scan.relink). Curation is not here.
SCANNED_COLUMNS = (
    "size",
    "mtime",
    "owner",
    "oshash",
    "kind",
    "mime",
    "width",
    "height",
    "orientation",
    "duration",
    "frame_rate",
    "codec",
    "taken_at",
    "camera_make",
    "camera_model",
    "lat",
    "lng",
    "extra",
    "extractor",
    "error",
    "scan_notes",
    "sidecar",
    "sidecar_size",
    "sidecar_mtime",
    "scanned_at",
)
# Every key of file_fields.
_UPDATED = (*SCANNED_COLUMNS, "present", "missing_since")
# A stored full-content hash (catalog.duplicates) holds only while the file is the one
# that was hashed: a changed size, mtime or oshash forgets it. (SET reads old values.)
_UPDATE_SQL = (
    f'UPDATE "{_TABLE}" SET '
    + '"content_hash" = CASE WHEN "size" IS ? AND "mtime" IS ? AND "oshash" IS ? '
    + 'THEN "content_hash" END, '
    + ", ".join(f'"{FileEntry._meta.fields[n].column_name}" = ?' for n in _UPDATED)
    + " WHERE id = ?"
)
_UPDATE_VALUES = [
    (n, f.db_value if isinstance(f, JSONField) else (lambda value: value))
    for n, f in ((n, FileEntry._meta.fields[n]) for n in _UPDATED)
]


def _extra(record: FileRecord) -> dict | None:
    extra = dict(record.info.extra)
    if record.info.taken_at_raw:
        extra["taken_at_raw"] = record.info.taken_at_raw
    return extra or None


# Refused rows are reported as (record, file id or None for a new row, why).
OnRefused = Callable[[FileRecord, "int | None", str], None]


@dataclass(slots=True)
class _Row:
    """One file's row, its values made outside the transaction that writes it."""

    record: FileRecord
    file_id: int | None  # None: a new row, whose id is given when it is written
    values: tuple  # without the id for a new row; ending with the id for a changed one
    keywords: list[str]


class CatalogWriter:
    def __init__(
        self,
        drive_id: int,
        scan_id: int,
        batch_size: int,
        on_refused: OnRefused | None = None,
    ):
        self.drive_id = drive_id
        self.scan_id = scan_id
        self.batch_size = batch_size
        self.on_refused = on_refused
        self._rows: list[tuple[FileRecord, int | None]] = []
        self._present_again: list[int] = []
        self._missing: list[int] = []
        self._forgotten: list[int] = []
        self._tag_ids: dict[str, int] = {}

    @property
    def pending(self) -> int:
        return (
            len(self._rows) + len(self._present_again) + len(self._missing) + len(self._forgotten)
        )

    def add_new(self, record: FileRecord) -> None:
        self._rows.append((record, None))
        if len(self._rows) >= self.batch_size:
            self.flush()

    def add_changed(self, file_id: int, record: FileRecord) -> None:
        self._rows.append((record, file_id))
        if len(self._rows) >= self.batch_size:
            self.flush()

    def mark_present(self, file_id: int) -> None:
        self._present_again.append(file_id)
        self._maybe_flush()

    def forget(self, file_ids: list[int]) -> None:
        """Delete rows that are no files of their own any more (absorbed sidecars)."""
        self._forgotten.extend(file_ids)
        self._maybe_flush()

    def mark_missing(self, file_ids: list[int]) -> None:
        self._missing.extend(file_ids)
        self._maybe_flush()

    def forget_missing(self) -> int:
        """Drop the files not yet marked missing; returns how many. For a drive that went
        away: what its last listings said is gone may only be the drive going."""
        dropped = len(self._missing)
        self._missing.clear()
        return dropped

    def _maybe_flush(self) -> None:
        if self.pending >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        # Everything that needs no database is done before the write lock is taken.
        refused: list[tuple[FileRecord, int | None, str]] = []
        rows: list[_Row] = []
        uuids = iter(new_uuids(sum(file_id is None for _, file_id in self._rows)))
        for record, file_id in self._rows:
            try:
                rows.append(self._prepare(record, file_id, uuids))
            except _ROW_ERRORS as exc:
                refused.append((record, file_id, _why(exc)))
        try:
            with write_transaction():
                try:
                    with savepoint("luna_batch"):
                        self._write(rows)
                except _ROW_ERRORS:
                    # Tags inserted in the undone savepoint are gone, and SQLite may
                    # hand their ids to other names: forget every cached id.
                    self._tag_ids.clear()
                    refused += self._write_row_by_row(rows)
                self._write_marks()
        except BaseException:
            self._tag_ids.clear()
            raise
        self._rows.clear()
        self._present_again.clear()
        self._missing.clear()
        self._forgotten.clear()
        if self.on_refused is not None:
            for record, file_id, reason in refused:
                self.on_refused(record, file_id, reason)

    def _prepare(self, record: FileRecord, file_id: int | None, uuids: Iterator[str]) -> _Row:
        fields = file_fields(record)
        if file_id is None:
            fields.update(
                uuid=next(uuids),
                drive=self.drive_id,
                folder=record.folder,
                filename=record.filename,
                raw_path=record.raw_path,
                added_scan=self.scan_id,
            )
            values = _INSERT.values(fields)
        else:
            values = (
                fields["size"],
                fields["mtime"],
                fields["oshash"],
                *(convert(fields[n]) for n, convert in _UPDATE_VALUES),
                file_id,
            )
        keywords = list(dict.fromkeys(k.strip() for k in record.info.keywords if k and k.strip()))
        return _Row(record, file_id, values, keywords)

    def _write_row_by_row(self, rows: list[_Row]) -> list[tuple[FileRecord, int | None, str]]:
        refused = []
        for row in rows:
            try:
                with savepoint("luna_row"):
                    self._write([row])
            except _ROW_ERRORS as exc:
                self._tag_ids.clear()
                refused.append((row.record, row.file_id, _why(exc)))
        return refused

    def _write(self, rows: list[_Row]) -> None:
        con = DB.connection()
        new = [r for r in rows if r.file_id is None]
        changed = [r for r in rows if r.file_id is not None]
        keyword_rows: list[tuple[int, int]] = []
        if new:
            # Ids are given here rather than read back, so keywords need no lookups;
            # IMMEDIATE keeps another writer from taking them in between.
            next_id = (FileEntry.select(peewee.fn.MAX(FileEntry.id)).scalar() or 0) + 1
            # One prepared statement for the batch: building the SQL through the ORM
            # costs a third of a millisecond a row, more than reading the metadata.
            con.executemany(_INSERT.sql, [(next_id + i, *r.values) for i, r in enumerate(new)])
            for i, r in enumerate(new):
                keyword_rows += [(next_id + i, self._tag_id(k)) for k in r.keywords]
        if changed:
            con.executemany(_UPDATE_SQL, [r.values for r in changed])
            # Keyword tags come from the file, so they follow the fresh read.
            con.executemany(
                "DELETE FROM file_tag WHERE file_id = ? AND source = 'keyword'",
                [(r.file_id,) for r in changed],
            )
            for r in changed:
                keyword_rows += [(r.file_id, self._tag_id(k)) for k in r.keywords]
        if keyword_rows:
            con.executemany(
                'INSERT OR IGNORE INTO "file_tag" ("file_id", "tag_id", "source") '
                "VALUES (?, ?, 'keyword')",
                keyword_rows,
            )

    def _write_marks(self) -> None:
        con = DB.connection()
        if self._forgotten:
            con.executemany(f'DELETE FROM "{_TABLE}" WHERE id = ?', [(i,) for i in self._forgotten])
        if self._present_again:
            con.executemany(
                f'UPDATE "{_TABLE}" SET present = 1, missing_since = NULL WHERE id = ?',
                [(i,) for i in self._present_again],
            )
        if self._missing:
            now = utcnow()
            con.executemany(
                f'UPDATE "{_TABLE}" SET present = 0, missing_since = ? '
                "WHERE id = ? AND present = 1",
                [(now, i) for i in self._missing],
            )

    def _tag_id(self, name: str) -> int:
        tag_id = self._tag_ids.get(name)
        if tag_id is None:
            Tag.insert(name=name).on_conflict_ignore().execute()
            tag_id = Tag.get(Tag.name == name).id
            self._tag_ids[name] = tag_id
        return tag_id


def _why(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"
