"""An album's or an event's files as a flat table: name, drive and folder, date, status.

The rows are read off the GUI thread (`read_album`, `read_event`: plain Python, a few
statements per 500 files) and handed to `CollectionModel` whole. An album spans drives,
so every row says which drive its file is on; a file missing from its drive, or on a
drive that is not plugged in, still has its row: its facts are in the catalogue.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog import albums, events
from luna_desktop.catalog.bulk import rows_among
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.catalog.status import Status

from . import palette

FILE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Name", "Drive and folder", "Date", "Status")

# A file's date as events see it: the curator's when set (empty means none), else the
# file's own (catalog.events.file_date).
_ROWS_SQL = (
    "SELECT f.id, d.name, f.folder, f.filename, "
    "CASE WHEN f.date IS NOT NULL THEN f.date ELSE f.taken_at END, f.status, f.present "
    f'FROM "{FileEntry._meta.table_name}" AS f JOIN "{Drive._meta.table_name}" AS d '
    "ON d.id = f.drive_id WHERE f.id IN ({ids})"
)


@dataclass
class CollectionRow:
    file_id: int
    drive: str
    folder: str
    filename: str
    date: str | None
    status: int
    present: bool

    @property
    def where(self) -> str:
        return f"{self.drive}:{self.folder or '/'}"


@dataclass(frozen=True)
class Contents:
    """What a collection holds, as read: `span` is an event's (start, end) as stored."""

    kind: str  # "album" or "event"
    name: str  # as the catalogue spells it
    rows: list[CollectionRow]
    span: tuple[str, str | None] | None = None
    description: str = ""
    missing: int = 0  # files missing from their drives


def read_rows(file_ids: Sequence[int], stale: Callable[[], bool] = lambda: False):
    """The files' rows in the order of `file_ids`; an id no file has any more is left out."""
    found: dict[int, CollectionRow] = {}
    for start in range(0, len(file_ids), 5_000):
        if stale():
            return []
        for file_id, drive, folder, name, date, status, present in rows_among(
            _ROWS_SQL, file_ids[start : start + 5_000]
        ):
            found[file_id] = CollectionRow(
                file_id, drive, folder, name, date, status, bool(present)
            )
    return [found[i] for i in file_ids if i in found]


def read_album(name: str, stale: Callable[[], bool] = lambda: False) -> Contents:
    album = albums.get_album(name)
    rows = read_rows(albums.album_file_ids(album.name), stale)
    missing = sum(not r.present for r in rows)
    return Contents("album", album.name, rows, None, album.description, missing)


def read_event(name: str, stale: Callable[[], bool] = lambda: False) -> Contents:
    event = events.get_event(name)
    rows = read_rows(events.files_in_event(event.name), stale)
    missing = sum(not r.present for r in rows)
    span = (event.starts_at, event.ends_at)
    return Contents("event", event.name, rows, span, event.description, missing)


# -- dates in words --------------------------------------------------------------------------


def human_date(text: str | None) -> str:
    """An ISO date as a curator reads it: 1998, June 1998, 20 June 1998, 20 June 1998,
    14:03 (seconds when given); the text itself when it is no ISO date."""
    moment = events.parse_moment(text)
    if moment is None:
        return text or ""
    wall = moment.wall
    if len(wall) == 4:
        return wall
    month = calendar.month_name[int(wall[5:7])]
    if len(wall) == 7:
        return f"{month} {wall[:4]}"
    day = f"{int(wall[8:10])} {month} {wall[:4]}"
    return day if len(wall) == 10 else f"{day}, {wall[11:19]}"


def human_span(start: str, end: str | None) -> str:
    if not end or end == start:
        return human_date(start)
    return f"{human_date(start)} – {human_date(end)}"


def short_date(text: str | None) -> str:
    """For the date column: sortable, compact, the offset left out (events ignore it)."""
    moment = events.parse_moment(text)
    if moment is None:
        return text or ""
    return moment.wall.replace("T", " ")[:16]  # to the minute; the tooltip has seconds


# -- the order of an album -----------------------------------------------------------------


def shifted_up(order: list[int], chosen: set[int]) -> list[int]:
    """Each chosen file one place up, past the nearest one not chosen: the rule of
    catalog.albums.move_up, applied here first so the list moves at the key press."""
    out = list(order)
    for i in range(1, len(out)):
        if out[i] in chosen and out[i - 1] not in chosen:
            out[i - 1], out[i] = out[i], out[i - 1]
    return out


def shifted(order: list[int], chosen: set[int], step: int) -> list[int]:
    return shifted_up(order, chosen) if step < 0 else shifted_up(order[::-1], chosen)[::-1]


def runs(positions: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted positions as (first, count) runs of neighbours: [2, 3, 7] → [(2, 2), (7, 1)]."""
    out: list[tuple[int, int]] = []
    for p in sorted(positions):
        if out and out[-1][0] + out[-1][1] == p:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((p, 1))
    return out


# -- the model --------------------------------------------------------------------------------


class CollectionModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[CollectionRow] = []
        self._row_of: dict[int, int] = {}
        self.dark = False

    def set_rows(self, rows: list[CollectionRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._row_of = {r.file_id: i for i, r in enumerate(self.rows)}

    # -- lookups ----------------------------------------------------------------------------

    def row_of(self, file_id: int) -> int | None:
        return self._row_of.get(file_id)

    def file_id(self, index: QModelIndex) -> int | None:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        return self.rows[index.row()].file_id

    def order(self) -> list[int]:
        return [r.file_id for r in self.rows]

    # -- changes made here first, then written ---------------------------------------------

    def reorder(self, new_order: list[int]) -> None:
        """The same rows in a new order; selection and current row follow their files."""
        self.layoutAboutToBeChanged.emit()
        by_id = {r.file_id: r for r in self.rows}
        old = self.persistentIndexList()
        moving = [(self.rows[i.row()].file_id, i.column()) for i in old]
        self.rows = [by_id[i] for i in new_order]
        self._reindex()
        self.changePersistentIndexList(
            old, [self.index(self._row_of[f], column) for f, column in moving]
        )
        self.layoutChanged.emit()

    def take_out(self, file_ids: set[int]) -> list[tuple[int, CollectionRow]]:
        """Removes the files' rows; returns (row it had, row) in row order."""
        taken = [(i, r) for i, r in enumerate(self.rows) if r.file_id in file_ids]
        for first, count in reversed(runs([i for i, _ in taken])):
            self.beginRemoveRows(QModelIndex(), first, first + count - 1)
            del self.rows[first : first + count]
            self.endRemoveRows()
        self._reindex()
        return taken

    def put_back(self, taken: list[tuple[int, CollectionRow]]) -> None:
        """Rows `take_out` returned, at the rows they had (or the end, if shorter now)."""
        taken = sorted(taken, key=lambda pair: pair[0])
        done = 0
        for first, count in runs([at for at, _ in taken]):  # a run of neighbours at once
            at = min(first, len(self.rows))
            self.beginInsertRows(QModelIndex(), at, at + count - 1)
            self.rows[at:at] = [row for _, row in taken[done : done + count]]
            self.endInsertRows()
            done += count
        self._reindex()

    def update_status(self, file_id: int, status: int) -> None:
        row = self._row_of.get(file_id)
        if row is None:
            return
        self.rows[row].status = status
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        if self.rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1)
            )

    # -- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        status = Status(row.status)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.filename if row.present else f"{row.filename} (missing)"
            if column == 1:
                return row.where
            if column == 2:
                return short_date(row.date)
            # Blank while unreviewed, as in the tree: the column reads as decisions made.
            return "" if status is Status.UNREVIEWED else status.label
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return palette.status_icon(int(status), self.dark)
        if role == Qt.ItemDataRole.ForegroundRole and not row.present:
            return palette.missing_color(self.dark)
        if role == Qt.ItemDataRole.FontRole and not row.present:
            return palette.missing_font(QApplication.font())
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, status)
        if role == FILE_ID_ROLE:
            return row.file_id
        return None


def _tooltip(row: CollectionRow, status: Status) -> str:
    path = f"{row.folder}/{row.filename}" if row.folder else row.filename
    notes = [f"{row.drive}:{path}", f"{status.glyph}  {status.label}"]
    if row.date:
        notes.append(human_date(row.date))
    if not row.present:
        notes.append("Missing from its drive when it was last scanned")
    return "\n".join(notes)
