"""Albums: ordered, named collections of files from any drives.

An album holds file ids, so it follows a file wherever the scanner keeps its row: a
rescan updates the row in place, and a file moved within its drive is relinked onto its
old row (scan/relink.py), which keeps its id. Positions are dense, 0..n-1, after every
change made here. Readers order by (position, id), so a gap left when a file row is
deleted (its album entry goes with it) breaks nothing, and the next change closes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, fn

from .bulk import CHUNK, chunks, ids_among, plain_rows
from .errors import CatalogError
from .locking import write_transaction
from .models import DB, Album, AlbumEntry, Drive, FileEntry

_ENTRY = AlbumEntry._meta.table_name
_FILE = FileEntry._meta.table_name


class AlbumError(CatalogError):
    """An unknown album, a name already taken, a file that is not in the album…"""


@dataclass(frozen=True)
class AlbumSummary:
    id: int
    name: str
    description: str
    files: int
    created_at: datetime


@dataclass(frozen=True)
class AddResult:
    added: list[int]  # appended at the end, in the order given
    already: list[int]  # were in the album already: left where they were
    unknown: list[int]  # no file has these ids (gone since they were selected)


@dataclass(frozen=True)
class AlbumFile:
    """One file of an album, with what a listing shows of it."""

    position: int
    file_id: int
    uuid: str
    drive: str
    folder: str
    filename: str
    present: bool
    status: int

    @property
    def display_path(self) -> str:
        return f"{self.folder}/{self.filename}" if self.folder else self.filename


def clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())  # no stray spaces, tabs or line breaks
    if not cleaned:
        raise AlbumError("an album needs a name")
    return cleaned


def get_album(name: str) -> Album:
    album = Album.get_or_none(Album.name == " ".join((name or "").split()))
    if album is None:
        known = [a for (a,) in Album.select(Album.name).order_by(Album.name).limit(11).tuples()]
        listed = ", ".join(known[:10]) + (", …" if len(known) > 10 else "") or "none"
        raise AlbumError(f"no album named {name!r} (albums: {listed})")
    return album


def create_album(name: str, description: str = "") -> Album:
    name = clean_name(name)
    with write_transaction():
        if Album.select().where(Album.name == name).exists():
            raise AlbumError(f"there is already an album named {name!r}")
        return Album.create(name=name, description=description.strip())


def rename_album(old: str, new: str) -> Album:
    new = clean_name(new)
    with write_transaction():
        album = get_album(old)
        if new != album.name:
            if Album.select().where(Album.name == new).exists():
                raise AlbumError(f"there is already an album named {new!r}")
            album.name = new
            album.save()
        return album


def delete_album(name: str) -> int:
    """Deletes the album (never its files); returns how many files it held."""
    with write_transaction():
        album = get_album(name)
        held = AlbumEntry.delete().where(AlbumEntry.album == album).execute()
        album.delete_instance()
        return held


def list_albums() -> list[AlbumSummary]:
    """Every album by name, with how many files it holds, in one query."""
    query = (
        Album.select(Album, fn.COUNT(AlbumEntry.id).alias("files"))
        .join(AlbumEntry, JOIN.LEFT_OUTER)
        .group_by(Album.id)
        .order_by(Album.name)
    )
    return [AlbumSummary(a.id, a.name, a.description, a.files, a.created_at) for a in query]


def album_file_ids(name: str) -> list[int]:
    """The album's file ids in its order."""
    album = get_album(name)
    return _ordered_ids(album.id)


def album_files(name: str, offset: int = 0, limit: int | None = None) -> list[AlbumFile]:
    """The album's files in its order, with drive and path; `offset`/`limit` page."""
    album = get_album(name)
    query = (
        AlbumEntry.select(
            AlbumEntry.file,
            FileEntry.uuid,
            Drive.name,
            FileEntry.folder,
            FileEntry.filename,
            FileEntry.present,
            FileEntry.status,
        )
        .join(FileEntry)
        .join(Drive)
        .where(AlbumEntry.album == album)
        .order_by(AlbumEntry.position, AlbumEntry.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    # The position counted, not the one stored: right even across a gap.
    return [
        AlbumFile(offset + i, file_id, uuid, drive, folder, filename, bool(present), status)
        for i, (file_id, uuid, drive, folder, filename, present, status) in enumerate(
            plain_rows(query)
        )
    ]


def albums_of_file(file_id: int) -> list[str]:
    """The names of the albums a file is in."""
    query = (
        Album.select(Album.name)
        .join(AlbumEntry)
        .where(AlbumEntry.file == file_id)
        .order_by(Album.name)
    )
    return [name for (name,) in query.tuples()]


def add_files(name: str, file_ids: Iterable[int]) -> AddResult:
    """Appends the files at the end in the order given; a file already in the album
    stays where it is and is reported, as is an id no file has."""
    wanted = list(dict.fromkeys(file_ids))
    with write_transaction():
        album = get_album(name)
        inside = set(_in_album(album.id, wanted))
        known = set(ids_among(f'SELECT id FROM "{_FILE}" WHERE id IN ({{ids}})', wanted))
        added = [i for i in wanted if i in known and i not in inside]
        start = _close_gaps(album.id)
        DB.connection().executemany(
            f'INSERT INTO "{_ENTRY}" (album_id, file_id, position) VALUES (?, ?, ?)',
            [(album.id, file_id, start + n) for n, file_id in enumerate(added)],
        )
    return AddResult(
        added=added,
        already=[i for i in wanted if i in inside],
        unknown=[i for i in wanted if i not in known],
    )


def remove_files(name: str, file_ids: Iterable[int]) -> int:
    """Takes the files out of the album (never out of the catalogue); returns how many
    were in it. The rest close up, keeping their order."""
    wanted = list(dict.fromkeys(file_ids))
    removed = 0
    with write_transaction():
        album = get_album(name)
        for chunk in chunks(wanted):
            marks = ", ".join("?" * len(chunk))
            removed += DB.execute_sql(
                f'DELETE FROM "{_ENTRY}" WHERE album_id = ? AND file_id IN ({marks})',
                [album.id, *chunk],
            ).rowcount
        if removed:
            _close_gaps(album.id)
    return removed


def move_files(name: str, file_ids: Iterable[int], position: int) -> int:
    """Moves the files, as one block in their album order, so that the first of them is
    at `position` (0-based; past the end means the end). Returns where it landed."""
    chosen = set(file_ids)

    def place(order: list[int], chosen: set[int]) -> list[int]:
        rest = [f for f in order if f not in chosen]
        at = max(0, min(position, len(rest)))
        return rest[:at] + [f for f in order if f in chosen] + rest[at:]

    order = _reorder(name, chosen, place)
    return next((i for i, f in enumerate(order) if f in chosen), 0)


def move_up(name: str, file_ids: Iterable[int]) -> None:
    """Each file one place up, past the nearest file not moved; a file already at the
    top, or below another moved file that is, stays."""
    _reorder(name, file_ids, _shift_up)


def move_down(name: str, file_ids: Iterable[int]) -> None:
    _reorder(name, file_ids, lambda order, chosen: _shift_up(order[::-1], chosen)[::-1])


def _shift_up(order: list[int], chosen: set[int]) -> list[int]:
    out = list(order)
    for i in range(1, len(out)):
        if out[i] in chosen and out[i - 1] not in chosen:
            out[i - 1], out[i] = out[i], out[i - 1]
    return out


def _reorder(name: str, file_ids: Iterable[int], arrange) -> list[int]:
    chosen = set(file_ids)
    with write_transaction():
        album = get_album(name)
        _close_gaps(album.id)  # so that a file's index in the order is its position
        order = _ordered_ids(album.id)
        strangers = chosen.difference(order)
        if strangers:
            verb = "is" if len(strangers) == 1 else "are"
            raise AlbumError(f"{len(strangers)} of the files {verb} not in {album.name!r}")
        new_order = arrange(order, chosen)
        # Only the files whose place changes are written.
        changed = [(f, i) for i, f in enumerate(new_order) if order[i] != f]
        _write_positions(album.id, changed)
    return new_order


def _ordered_ids(album_id: int) -> list[int]:
    sql = f'SELECT file_id FROM "{_ENTRY}" WHERE album_id = ? ORDER BY position, id'
    return [file_id for (file_id,) in DB.execute_sql(sql, [album_id]).fetchall()]


def _in_album(album_id: int, file_ids: Sequence[int]) -> Iterator[int]:
    sql = f'SELECT file_id FROM "{_ENTRY}" WHERE album_id = ? AND file_id IN ({{ids}})'
    return ids_among(sql, file_ids, [album_id])


def _write_positions(album_id: int, moves: list[tuple[int, int]]) -> None:
    """(file id, position) pairs, a chunk per statement."""
    for begin in range(0, len(moves), CHUNK):
        chunk = moves[begin : begin + CHUNK]
        values = ", ".join("(?, ?)" for _ in chunk)
        DB.execute_sql(
            f'UPDATE "{_ENTRY}" SET position = v.column2 FROM (VALUES {values}) AS v '
            f'WHERE "{_ENTRY}".album_id = ? AND "{_ENTRY}".file_id = v.column1',
            [x for pair in chunk for x in pair] + [album_id],
        )


def _close_gaps(album_id: int) -> int:
    """Makes the positions 0..n-1 again if a deleted file row left a gap; returns n.
    The writes here never repeat a position, so n rows whose highest is n - 1 are dense."""
    count, highest = (
        AlbumEntry.select(fn.COUNT(AlbumEntry.id), fn.MAX(AlbumEntry.position))
        .where(AlbumEntry.album == album_id)
        .tuples()
        .get()
    )
    if count and highest != count - 1:
        DB.execute_sql(
            f'UPDATE "{_ENTRY}" SET position = ranked.n FROM ('
            f"  SELECT id, row_number() OVER (ORDER BY position, id) - 1 AS n"
            f'  FROM "{_ENTRY}" WHERE album_id = ?) AS ranked '
            f'WHERE "{_ENTRY}".id = ranked.id AND "{_ENTRY}".position != ranked.n',
            [album_id],
        )
    return count
