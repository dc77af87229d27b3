"""Drive listings and repeats files: the JSON contract in DESIGN.md.

A drive listing is a JSON array of flat objects, one per file::

    {"path": "PHS-Videos", "filename": "HD.1080.mp4", "file_type": "video/mp4",
     "oshash": "050858a68cab09aa", "size_exif": 36256397, "size_pretty": "34.6 MB",
     "date_exif": "2021:12:23 17:57:22+05:30", "duration": 13.96,
     "duration_tc": "00:00:13.960", "resolution": "1920 x 1080",
     "camera": "DC-S1 (Panasonic)"}

A listing is validated in full before anything is written: one bad entry refuses the
whole file (ListingError, naming the entry), and an accepted one is imported in a single
transaction. Rows are upserted by (drive, folder, filename); an existing row's file fields
change only with ``update=True``, and its curation fields never do. Fields the contract
does not name are kept in the row's ``extra["listing"]`` and exported again as they came.
``size_pretty`` and ``duration_tc`` are derived from ``size_exif`` and ``duration``: they
are recomputed on export, not stored.

A repeats file maps an oshash to the files that share it:
``{"<oshash>": [["<path>", "<filename>"], …]}``; each group becomes a DuplicateGroup whose
primary is its largest member (then drive name and path: the rule "largest" of
catalog.duplicates, stored as such so refreshes agree), unless a curator chose the
primary (``chosen_by="manual"``).

Qt-free; uses the catalogue and media.sniff / media.dates only.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peewee import DatabaseError

from luna_desktop.catalog.database import refresh_statistics
from luna_desktop.catalog.duplicates import refresh_after_change
from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import DB, Drive, DuplicateGroup, FileEntry
from luna_desktop.media.dates import iso_datetime
from luna_desktop.media.sniff import kind_for_mime

EXTRACTOR = "listing"
AUTO_LARGEST = "auto_largest"
# A repeats file's selection method → the duplicate rule (catalog.duplicates.RULES) it
# is stored as, so that later refreshes keep choosing the same way.
SELECTION_METHODS = {AUTO_LARGEST: "largest"}

# The contract's fields, in the order an export writes them; unknown fields follow, sorted.
FIELD_ORDER = (
    "path",
    "filename",
    "file_type",
    "oshash",
    "size_exif",
    "size_pretty",
    "date_exif",
    "duration",
    "duration_tc",
    "resolution",
    "camera",
)
_DERIVED = frozenset({"size_pretty", "duration_tc"})
_KNOWN = frozenset(FIELD_ORDER)

_DATED_STEM = re.compile(r"_\d{4}-\d{2}-\d{2}$")
_OSHASH = re.compile(r"[0-9a-fA-F]{16}")
_RESOLUTION = re.compile(r"\s*(\d+)\s*[x×X]\s*(\d+)\s*")
_CAMERA = re.compile(r"(.*?)\s*\(([^()]*)\)")
_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]|\\\\")


class ListingError(ValueError):
    """A listing or repeats file that is not acceptable; nothing was imported."""


@dataclass(frozen=True)
class ListingEntry:
    """One validated entry: where the file is, and the column values its fields give.

    ``columns`` holds only what the entry states (an absent field leaves an existing
    row's column alone); ``unknown`` the fields the contract does not name.
    """

    index: int
    folder: str
    filename: str
    columns: dict[str, Any]
    unknown: dict[str, Any]
    date_raw: str | None = None

    @property
    def display_path(self) -> str:
        return f"{self.folder}/{self.filename}" if self.folder else self.filename


@dataclass
class ImportResult:
    drive: str
    drive_created: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # differ, but update was not asked for
    note: str | None = None  # a derived step that could not be done (duplicate groups)

    def summary(self) -> str:
        line = (
            f"Imported {self.drive}: {len(self.added):,} added, {len(self.updated):,} updated, "
            f"{len(self.unchanged):,} unchanged"
        )
        if self.skipped:
            line += f", {len(self.skipped):,} skipped (they differ; use --update to overwrite)"
        if self.note:
            line += f"; {self.note}"
        return line


@dataclass
class RepeatsResult:
    groups: int = 0  # groups with at least one catalogued member
    created: int = 0
    primary_set: int = 0  # groups whose primary was chosen (or changed) by the rule
    kept_manual: int = 0
    not_found: list[str] = field(default_factory=list)  # members not in the catalogue
    empty_groups: list[str] = field(default_factory=list)  # oshashes with no member found

    def summary(self) -> str:
        line = (
            f"Applied {self.groups:,} duplicate groups: {self.created:,} new, "
            f"{self.primary_set:,} primaries chosen by size, "
            f"{self.kept_manual:,} manual primaries kept"
        )
        if self.not_found:
            line += f"; {len(self.not_found):,} listed files are not in the catalogue"
        if self.empty_groups:
            line += f"; {len(self.empty_groups):,} groups had none of their files catalogued"
        return line


# ---------------------------------------------------------------- names


def drive_name_from_file(path: str | Path) -> str:
    """``PHS_copyALL_2026-01-24.json`` → ``PHS_copyALL``."""
    stem = Path(path).stem
    name = _DATED_STEM.sub("", stem)
    if not name:
        raise ListingError(f"cannot tell the drive's name from {Path(path).name!r}; give --drive")
    return name


# ---------------------------------------------------------------- validation


def _load_json(data: bytes | str, what: str) -> Any:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ListingError(f"the {what} is not UTF-8 text (byte {exc.start})") from exc
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise ListingError(
            f"the {what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "is it truncated?"
        ) from exc


def _check_folder(value: Any) -> str:
    """A relative folder, normalised ("a//b/" → "a/b"); raises ValueError to explain."""
    if not isinstance(value, str):
        raise ValueError(f"path must be a string, not {_type_name(value)}")
    if "\x00" in value:
        raise ValueError("path contains a NUL character")
    if value.startswith("/") or _WINDOWS_ABSOLUTE.match(value):
        raise ValueError(f"path {value!r} is absolute; a listing's paths are relative to the drive")
    parts = [p for p in value.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"path {value!r} climbs out of the drive with '..'")
    return "/".join(parts)


def _check_filename(value: Any) -> str:
    if value is None:
        raise ValueError("filename is missing")
    if not isinstance(value, str):
        raise ValueError(f"filename must be a string, not {_type_name(value)}")
    if not value or value in (".", ".."):
        raise ValueError(f"filename {value!r} is not a file name")
    if "/" in value or "\x00" in value:
        raise ValueError(f"filename {value!r} contains '/' or NUL")
    return value


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _entry_name(index: int, raw: Any) -> str:
    """Entries are counted from 1, as a person reading the file counts them."""
    index += 1
    if isinstance(raw, dict):
        path, name = raw.get("path"), raw.get("filename")
        shown = "/".join(str(p) for p in (path, name) if isinstance(p, str) and p)
        if shown:
            return f"entry {index} ({shown})"
    return f"entry {index}"


def _parse_entry(index: int, raw: Any) -> ListingEntry:
    if not isinstance(raw, dict):
        raise ValueError(f"is {_type_name(raw)}, not an object")
    if "path" not in raw:
        raise ValueError('path is missing (use "" for the drive\'s top folder)')
    folder = _check_folder(raw["path"])
    filename = _check_filename(raw.get("filename"))
    columns: dict[str, Any] = {}
    date_raw: str | None = None

    if "size_exif" in raw:
        size = raw["size_exif"]
        if size is None:
            columns["size"] = 0
        elif not _is_number(size) or (isinstance(size, float) and not size.is_integer()):
            raise ValueError(f"size_exif must be a whole number of bytes, not {size!r}")
        elif size < 0:
            raise ValueError(f"size_exif is negative ({size})")
        else:
            columns["size"] = int(size)

    if "oshash" in raw:
        oshash = raw["oshash"]
        if oshash is None or oshash == "":
            columns["oshash"] = None
        elif not isinstance(oshash, str) or not _OSHASH.fullmatch(oshash):
            raise ValueError(f"oshash must be 16 hexadecimal digits, not {oshash!r}")
        else:
            columns["oshash"] = oshash.lower()

    if "file_type" in raw:
        mime = raw["file_type"]
        if mime is None or mime == "":
            columns["mime"], columns["kind"] = None, "other"
        elif not isinstance(mime, str) or "/" not in mime:
            raise ValueError(f"file_type must be a MIME type like 'video/mp4', not {mime!r}")
        else:
            mime = mime.strip().lower()
            columns["mime"], columns["kind"] = mime, kind_for_mime(mime)

    if "date_exif" in raw:
        value = raw["date_exif"]
        if value is None or value == "":
            columns["taken_at"] = None
        elif not isinstance(value, str):
            raise ValueError(f"date_exif must be a string, not {_type_name(value)}")
        else:
            # An impossible date ("0000:00:00 00:00:00") is kept only as the raw text.
            columns["taken_at"] = iso_datetime(value)
            date_raw = value

    if "duration" in raw:
        duration = raw["duration"]
        if duration is None:
            columns["duration"] = None
        elif not _is_number(duration) or not math.isfinite(duration):
            raise ValueError(f"duration must be a number of seconds, not {duration!r}")
        elif duration < 0:
            raise ValueError(f"duration is negative ({duration})")
        else:
            columns["duration"] = float(duration)

    if "resolution" in raw:
        value = raw["resolution"]
        if value is None or value == "":
            columns["width"] = columns["height"] = None
        else:
            match = _RESOLUTION.fullmatch(value) if isinstance(value, str) else None
            if not match:
                raise ValueError(f"resolution must look like '1920 x 1080', not {value!r}")
            columns["width"], columns["height"] = int(match[1]), int(match[2])

    if "camera" in raw:
        value = raw["camera"]
        if value is None or value == "":
            columns["camera_model"] = columns["camera_make"] = None
        elif not isinstance(value, str):
            raise ValueError(f"camera must be a string, not {_type_name(value)}")
        else:
            match = _CAMERA.fullmatch(value.strip())
            if match:
                columns["camera_model"] = match[1] or None
                columns["camera_make"] = match[2].strip() or None
            else:
                columns["camera_model"], columns["camera_make"] = value.strip(), None

    for name in _DERIVED:
        if name in raw and raw[name] is not None and not isinstance(raw[name], str):
            raise ValueError(f"{name} must be a string, not {_type_name(raw[name])}")

    unknown = {k: v for k, v in raw.items() if k not in _KNOWN}
    return ListingEntry(index, folder, filename, columns, unknown, date_raw)


def parse_listing(data: bytes | str) -> list[ListingEntry]:
    """Every entry of a listing, validated; ListingError names the first bad entry."""
    document = _load_json(data, "listing")
    if not isinstance(document, list):
        raise ListingError(f"a listing must be a JSON array of objects, not {_type_name(document)}")
    entries: list[ListingEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(document):
        try:
            entry = _parse_entry(index, raw)
        except ValueError as exc:
            raise ListingError(f"{_entry_name(index, raw)}: {exc}; nothing was imported") from None
        key = (entry.folder, entry.filename)
        if key in seen:
            raise ListingError(
                f"entry {index + 1} ({entry.display_path}): the same file as entry "
                f"{seen[key] + 1}; "
                "nothing was imported"
            )
        seen[key] = index
        entries.append(entry)
    return entries


# ---------------------------------------------------------------- import

_FILE_COLUMNS = (
    "size",
    "oshash",
    "mime",
    "kind",
    "taken_at",
    "duration",
    "width",
    "height",
    "camera_model",
    "camera_make",
)


def _merged_extra(old: dict | None, entry: ListingEntry) -> dict | None:
    extra = dict(old or {})
    if entry.unknown:
        extra["listing"] = entry.unknown
    else:
        extra.pop("listing", None)
    if entry.date_raw is not None:
        extra["taken_at_raw"] = entry.date_raw
    elif "taken_at" in entry.columns:  # the listing says there is no date
        extra.pop("taken_at_raw", None)
    return extra or None


def read_listing(path: str | Path) -> list[ListingEntry]:
    """A listing file's entries, validated (ListingError names the first bad one)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ListingError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_listing(data)


def import_listing(
    source: str | Path | bytes | list[ListingEntry],
    drive_name: str | None = None,
    *,
    update: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a listing into the open catalogue: a file (the drive's name from its name
    unless `drive_name`), or its bytes or already-read entries (with `drive_name`).

    Validates everything first (ListingError, nothing written), then writes in one
    transaction. `progress(done, total)` is called now and then while writing.
    """
    if isinstance(source, (bytes, list)):
        if not drive_name:
            raise ListingError("a listing given as data needs a drive name")
        entries = source if isinstance(source, list) else parse_listing(source)
    else:
        drive_name = drive_name or drive_name_from_file(source)
        entries = read_listing(source)
    drive_name = drive_name.strip()
    if not drive_name:
        raise ListingError("the drive's name is empty")
    result = ImportResult(drive=drive_name)
    total = len(entries)

    with write_transaction():
        drive = Drive.get_or_none(Drive.name == drive_name)
        if drive is None:
            drive = Drive.create(name=drive_name)
            result.drive_created = True
        existing = {
            (row.folder, row.filename): row
            for row in FileEntry.select().where(FileEntry.drive == drive)
        }
        new_rows: list[dict[str, Any]] = []
        for done, entry in enumerate(entries, 1):
            row = existing.get((entry.folder, entry.filename))
            if row is None:
                values = {
                    "drive": drive,
                    "folder": entry.folder,
                    "filename": entry.filename,
                    "extractor": EXTRACTOR,
                    "present": True,
                    **entry.columns,
                    "extra": _merged_extra(None, entry),
                }
                new_rows.append(values)
                result.added.append(entry.display_path)
            else:
                changes = {
                    name: value
                    for name, value in entry.columns.items()
                    if getattr(row, name) != value
                }
                extra = _merged_extra(row.extra, entry)
                if extra != row.extra:
                    changes["extra"] = extra
                if not changes:
                    result.unchanged.append(entry.display_path)
                elif not update:
                    result.skipped.append(entry.display_path)
                else:
                    if "size" in changes or "oshash" in changes:
                        changes["content_hash"] = None  # it was another file's content
                    assert set(changes) <= {*_FILE_COLUMNS, "extra", "content_hash"}
                    FileEntry.update(**changes).where(FileEntry.id == row.id).execute()
                    result.updated.append(entry.display_path)
            if progress is not None and (done % 500 == 0 or done == total):
                progress(done, total)
        for start in range(0, len(new_rows), 200):
            batch = new_rows[start : start + 200]
            columns = sorted({k for values in batch for k in values}, key=str)
            # Rows stating different fields get each model default for what they omit.
            rows = [{k: values.get(k, _default(k)) for k in columns} for values in batch]
            FileEntry.insert_many(rows).execute()
        files, size = DB.execute_sql(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM file_entry "
            "WHERE drive_id = ? AND present = 1",
            (drive.id,),
        ).fetchone()
        Drive.update(total_files=files, total_bytes=size).where(Drive.id == drive.id).execute()
    # After the import's own transaction: the groups are derived, and a failure here
    # loses no imported row (the next scan, import or `luna duplicates` redoes it).
    # Derived steps, after the import's own transaction: a failure here loses no row.
    result.note = refresh_after_change(drive.id)
    with contextlib.suppress(DatabaseError):  # statistics only guide the planner
        refresh_statistics()
    return result


def _default(column: str) -> Any:
    model_field = FileEntry._meta.fields[column]
    default = model_field.default
    return default() if callable(default) else default


# ---------------------------------------------------------------- export


def _size_pretty(size: int) -> str:
    """Binary multiples with the customary names: 36256397 → "34.6 MB"."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB", "PB"):
        value /= 1024
        if value < 1024 or unit == "PB":
            break
    return f"{value:.1f} {unit}"


def _duration_tc(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def _exif_date(iso: str) -> str:
    """ISO 8601 as EXIF writes it: "2021-12-23T17:57:22+05:30" → "2021:12:23 17:57:22+05:30"."""
    day, _, rest = iso.partition("T")
    text = day.replace("-", ":")
    return f"{text} {rest}" if rest else text


def _camera(row: FileEntry) -> str | None:
    if row.camera_make and row.camera_model:
        return f"{row.camera_model} ({row.camera_make})"
    if row.camera_make:
        return f"({row.camera_make})"
    return row.camera_model or None


def entry_for_row(row: FileEntry) -> dict[str, Any]:
    """A catalogue row as a listing entry: the contract's fields in order, then unknowns."""
    extra = row.extra if isinstance(row.extra, dict) else {}
    date_exif = _exif_date(row.taken_at) if row.taken_at else extra.get("taken_at_raw")
    values: dict[str, Any] = {
        "path": row.folder,
        "filename": row.filename,
        "file_type": row.mime,
        "oshash": row.oshash,
        "size_exif": row.size,
        "size_pretty": _size_pretty(row.size),
        "date_exif": date_exif if isinstance(date_exif, str) else None,
        "duration": row.duration,
        "duration_tc": _duration_tc(row.duration) if row.duration is not None else None,
        "resolution": f"{row.width} x {row.height}" if row.width and row.height else None,
        "camera": _camera(row),
    }
    entry = {k: v for k, v in values.items() if v is not None}
    unknown = extra.get("listing")
    if isinstance(unknown, dict):
        for key in sorted(unknown):
            if key not in _KNOWN:
                entry[key] = unknown[key]
    return entry


def export_listing(drive: Drive) -> bytes:
    """The drive's present files as a listing, by path then filename, one entry a line.

    Stable: export → import into another catalogue → export gives the same bytes.
    """
    rows = (
        FileEntry.select()
        .where((FileEntry.drive == drive) & (FileEntry.present == True))  # noqa: E712
        .order_by(FileEntry.folder, FileEntry.filename)
    )
    lines = [json.dumps(entry_for_row(row), ensure_ascii=False) for row in rows.iterator()]
    if not lines:
        return b"[]\n"
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


# ---------------------------------------------------------------- repeats


@dataclass(frozen=True)
class RepeatGroup:
    oshash: str
    members: tuple[tuple[str, str], ...]  # (folder, filename)


def parse_repeats(data: bytes | str) -> list[RepeatGroup]:
    """A repeats file, validated as strictly as a listing; ListingError names the group."""
    document = _load_json(data, "repeats file")
    if not isinstance(document, dict):
        raise ListingError(
            'a repeats file must be a JSON object {"<oshash>": [["<path>", "<filename>"], …]}, '
            f"not {_type_name(document)}"
        )
    groups: list[RepeatGroup] = []
    seen: dict[str, str] = {}
    for key, members in document.items():
        where = f"group {key!r}"
        if not _OSHASH.fullmatch(key):
            raise ListingError(f"{where}: the key must be an oshash of 16 hexadecimal digits")
        oshash = key.lower()
        if oshash in seen:
            raise ListingError(f"{where}: the same oshash as group {seen[oshash]!r}")
        seen[oshash] = key
        if not isinstance(members, list):
            raise ListingError(
                f"{where}: must be an array of [path, filename], not {_type_name(members)}"
            )
        parsed: list[tuple[str, str]] = []
        for index, member in enumerate(members):
            shown = f"{where}, member {index}"
            if (
                not isinstance(member, list)
                or len(member) != 2
                or not all(isinstance(p, str) for p in member)
            ):
                raise ListingError(f'{shown}: must be ["<path>", "<filename>"], not {member!r}')
            shown += f" ({'/'.join(p for p in member if p)})"
            try:
                folder, filename = _check_folder(member[0]), _check_filename(member[1])
            except ValueError as exc:
                raise ListingError(f"{shown}: {exc}") from None
            if (folder, filename) not in parsed:
                parsed.append((folder, filename))
        groups.append(RepeatGroup(oshash, tuple(parsed)))
    return groups


def import_repeats(
    source: str | Path | bytes,
    selection_method: str = AUTO_LARGEST,
    *,
    drive_name: str | None = None,
) -> RepeatsResult:
    """Record each group of a repeats file as a DuplicateGroup.

    Members are found by (folder, filename) among rows with the group's oshash, on every
    drive (or only `drive_name`). The primary is the largest member (ties: drive name,
    path); a primary a curator chose (``chosen_by="manual"``) is never replaced.
    """
    if selection_method not in SELECTION_METHODS:
        raise ListingError(
            f"unknown selection method {selection_method!r} (known: {', '.join(SELECTION_METHODS)})"
        )
    if isinstance(source, bytes):
        data = source
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ListingError(f"cannot read {source}: {exc.strerror or exc}") from exc
    groups = parse_repeats(data)
    rule = SELECTION_METHODS[selection_method]
    result = RepeatsResult()
    with write_transaction():
        drive = None
        if drive_name is not None:
            drive = Drive.get_or_none(Drive.name == drive_name)
            if drive is None:
                raise ListingError(f"no drive named {drive_name!r} in the catalogue")
        for group in groups:
            found: list[FileEntry] = []
            for folder, filename in group.members:
                query = (
                    FileEntry.select(FileEntry, Drive.name)
                    .join(Drive)
                    .where(
                        (FileEntry.folder == folder)
                        & (FileEntry.filename == filename)
                        & (FileEntry.oshash == group.oshash)
                    )
                )
                if drive is not None:
                    query = query.where(FileEntry.drive == drive)
                rows = list(query)
                if not rows:
                    path = f"{folder}/{filename}" if folder else filename
                    result.not_found.append(f"{group.oshash}: {path}")
                found.extend(rows)
            if not found:
                result.empty_groups.append(group.oshash)
                continue
            result.groups += 1
            primary = min(found, key=lambda r: (-r.size, r.drive.name, r.folder, r.filename, r.id))
            record = DuplicateGroup.get_or_none(DuplicateGroup.oshash == group.oshash)
            if record is None:
                DuplicateGroup.create(oshash=group.oshash, primary=primary, chosen_by=rule)
                result.created += 1
                result.primary_set += 1
            elif record.chosen_by == "manual":
                result.kept_manual += 1
            elif record.primary_id != primary.id or record.chosen_by != rule:
                DuplicateGroup.update(primary=primary, chosen_by=rule).where(
                    DuplicateGroup.id == record.id
                ).execute()
                result.primary_set += 1
    return result
