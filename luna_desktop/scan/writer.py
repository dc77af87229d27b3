"""The single writer: scanner threads hand it records, it commits them in batches.

SQLite wants one writer; batching many rows into one transaction is what makes a scan
of a million files fast, and each batch being atomic is what makes a killed scan leave
a consistent catalogue behind. It never touches curation fields.
"""

from __future__ import annotations

from peewee import chunked

from luna_desktop.catalog.models import DB, FileEntry, FileTag, Tag, new_uuid, utcnow

from .reader import FileRecord

# Rows per INSERT statement, kept under SQLite's bound-variable limit.
_INSERT_CHUNK = 200


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
        "scanned_at": utcnow(),
        "present": True,
        "missing_since": None,
    }


def _extra(record: FileRecord) -> dict | None:
    extra = dict(record.info.extra)
    if record.info.taken_at_raw:
        extra["taken_at_raw"] = record.info.taken_at_raw
    return extra or None


class CatalogWriter:
    def __init__(self, drive_id: int, scan_id: int, batch_size: int = 500):
        self.drive_id = drive_id
        self.scan_id = scan_id
        self.batch_size = batch_size
        self._new: list[FileRecord] = []
        self._changed: list[tuple[int, FileRecord]] = []
        self._present_again: list[int] = []
        self._missing: list[int] = []
        self._tag_ids: dict[str, int] = {}

    @property
    def pending(self) -> int:
        return len(self._new) + len(self._changed) + len(self._present_again) + len(self._missing)

    def add_new(self, record: FileRecord) -> None:
        self._new.append(record)
        self._maybe_flush()

    def add_changed(self, file_id: int, record: FileRecord) -> None:
        self._changed.append((file_id, record))
        self._maybe_flush()

    def mark_present(self, file_id: int) -> None:
        self._present_again.append(file_id)
        self._maybe_flush()

    def mark_missing(self, file_ids: list[int]) -> None:
        self._missing.extend(file_ids)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if self.pending >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with DB.atomic():
            self._write_new()
            self._write_changed()
            now = utcnow()
            for ids in chunked(self._present_again, 500):
                FileEntry.update(present=True, missing_since=None).where(
                    FileEntry.id.in_(ids)
                ).execute()
            for ids in chunked(self._missing, 500):
                FileEntry.update(present=False, missing_since=now).where(
                    FileEntry.id.in_(ids) & (FileEntry.present == True)  # noqa: E712
                ).execute()
        self._new.clear()
        self._changed.clear()
        self._present_again.clear()
        self._missing.clear()

    def _write_new(self) -> None:
        rows = []
        for record in self._new:
            row = file_fields(record)
            row.update(
                uuid=new_uuid(),
                drive=self.drive_id,
                folder=record.folder,
                filename=record.filename,
                raw_path=record.raw_path,
                added_scan=self.scan_id,
            )
            rows.append(row)
        for chunk in chunked(rows, _INSERT_CHUNK):
            FileEntry.insert_many(chunk).execute()
        with_keywords = [r for r in self._new if r.info.keywords]
        if with_keywords:
            ids = self._ids_of(with_keywords)
            for record in with_keywords:
                self._set_keywords(ids[(record.folder, record.filename)], record.info.keywords)

    def _write_changed(self) -> None:
        for file_id, record in self._changed:
            FileEntry.update(**file_fields(record)).where(FileEntry.id == file_id).execute()
            FileTag.delete().where(
                (FileTag.file == file_id) & (FileTag.source == "keyword")
            ).execute()
            if record.info.keywords:
                self._set_keywords(file_id, record.info.keywords)

    def _ids_of(self, records: list[FileRecord]) -> dict[tuple[str, str], int]:
        ids: dict[tuple[str, str], int] = {}
        by_folder: dict[str, list[str]] = {}
        for r in records:
            by_folder.setdefault(r.folder, []).append(r.filename)
        for folder, names in by_folder.items():
            query = FileEntry.select(FileEntry.id, FileEntry.filename).where(
                (FileEntry.drive == self.drive_id)
                & (FileEntry.folder == folder)
                & FileEntry.filename.in_(names)
            )
            for row in query.tuples():
                ids[(folder, row[1])] = row[0]
        return ids

    def _set_keywords(self, file_id: int, keywords: list[str]) -> None:
        rows = [
            {"file": file_id, "tag": self._tag_id(k), "source": "keyword"}
            for k in dict.fromkeys(k.strip() for k in keywords if k and k.strip())
        ]
        if rows:
            FileTag.insert_many(rows).on_conflict_ignore().execute()

    def _tag_id(self, name: str) -> int:
        tag_id = self._tag_ids.get(name)
        if tag_id is None:
            Tag.insert(name=name).on_conflict_ignore().execute()
            tag_id = Tag.get(Tag.name == name).id
            self._tag_ids[name] = tag_id
        return tag_id
