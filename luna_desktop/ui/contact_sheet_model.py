"""A folder's files as a flat list of cells, for the contact sheet.

The rows are read off the GUI thread (catalog.sheet_rows) and handed over whole. The
model holds no pictures: the delegate asks the thumbnail loader for a row's decoded
thumbnail by its oshash, so the model stays as cheap to ask as a list of names (a
view asks a row's data several times a paint).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from luna_desktop.catalog.sheet_rows import SheetRow
from luna_desktop.catalog.status import Status

FILE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the SheetRow itself, for the delegate

_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags

_KIND_WORDS = {
    "image": "Picture",
    "video": "Video",
    "audio": "Sound",
    "document": "Document",
}


class ContactSheetModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[SheetRow] = []
        self._row_of: dict[int, int] = {}
        self._rows_of_hash: dict[str, list[int]] = {}

    def set_rows(self, rows: list[SheetRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._row_of = {r.id: i for i, r in enumerate(rows)}
        by_hash: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            if r.oshash:
                by_hash.setdefault(r.oshash, []).append(i)
        self._rows_of_hash = by_hash
        self.endResetModel()

    # -- lookups ---------------------------------------------------------------------------

    def row_of(self, file_id: int) -> int | None:
        return self._row_of.get(file_id)

    def rows_of_hash(self, oshash: str) -> list[int]:
        """The rows showing the thumbnail named `oshash` (copies share one)."""
        return self._rows_of_hash.get(oshash, [])

    def file_id(self, index: QModelIndex) -> int | None:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        return self.rows[index.row()].id

    # -- changes -----------------------------------------------------------------------------

    def set_status(self, file_ids: list[int], status: int) -> None:
        """A save landed: the cells' status now, one repaint per run of rows."""
        changed = []
        for file_id in file_ids:
            row = self._row_of.get(file_id)
            if row is not None and self.rows[row].status != status:
                self.rows[row].status = status
                changed.append(row)
        for first, last in _runs(sorted(changed)):
            self.dataChanged.emit(self.index(first), self.index(last))

    def thumbnails_changed(self, oshashes: set[str]) -> None:
        """Repaint the cells of these thumbnails (decoded, or known to be absent)."""
        rows = sorted({r for h in oshashes for r in self._rows_of_hash.get(h, ())})
        for first, last in _runs(rows):
            self.dataChanged.emit(self.index(first), self.index(last), [ROW_ROLE])

    # -- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.filename
        if role == FILE_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # A screen reader hears the decision, not a colour.
            return f"{row.filename}, {Status(row.status).label}" + (
                "" if row.present else ", missing"
            )
        return None


def tooltip(row: SheetRow) -> str:
    status = Status(row.status)
    lines = [row.filename, f"{status.glyph}  {status.label}"]
    kind = _KIND_WORDS.get(row.kind)
    if kind and row.duration:
        kind += f", {duration_text(row.duration)}"
    if kind:
        lines.append(kind)
    if not row.present:
        lines.append("Missing from the drive")
    return "\n".join(lines)


def duration_text(seconds: float) -> str:
    """1:05, or 1:02:03 from an hour."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs of neighbours."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and out[-1][1] == r - 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out
