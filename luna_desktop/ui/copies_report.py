"""Files on One Drive Only: the files no other drive holds a copy of, by drive.

What is here is lost with its drive. The list is found off the GUI thread (on a big
catalogue it groups a million rows); each drive's files are then read a few hundred
at a time as the curator opens and scrolls it. Enter or a double-click shows a file
in the main window's tree; the whole list can be saved as CSV.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
)

from luna_desktop.catalog import duplicate_views as views
from luna_desktop.catalog.duplicate_views import ReportRow
from luna_desktop.catalog.formatting import human_size
from luna_desktop.catalog.status import Status

from . import palette
from .background import LatestOnly
from .show_in_tree import show_in_tree

if TYPE_CHECKING:
    from .main_window import MainWindow

COLUMNS = ("File", "Size", "Status")
CHUNK = 500  # files read at a time when a drive is opened or scrolled
FILE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def show_copies_report(window: MainWindow) -> CopiesReport:
    report = window.findChild(CopiesReport)
    if report is None:
        report = CopiesReport(window)
    else:
        report.reload()
    report.show()
    report.raise_()
    report.activateWindow()
    report.view.setFocus()
    return report


class _DriveNode:
    __slots__ = ("ids", "name", "rows")

    def __init__(self, name: str, ids: list[int]) -> None:
        self.name, self.ids = name, ids
        self.rows: list[ReportRow] = []  # the first len(rows) of ids, read so far


class OneDriveModel(QAbstractItemModel):
    """Drives, each with its files; a drive's files are read as it is opened."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.drives: list[_DriveNode] = []
        self._top = object()  # the internal pointer of a drive row
        self.dark = False

    def set_report(self, report: list[tuple[str, list[int]]]) -> None:
        self.beginResetModel()
        self.drives = [_DriveNode(name, ids) for name, ids in report]
        self.endResetModel()

    @property
    def total(self) -> int:
        return sum(len(d.ids) for d in self.drives)

    def file_id(self, index: QModelIndex) -> int | None:
        node = index.internalPointer() if index.isValid() else None
        if isinstance(node, _DriveNode):
            return node.rows[index.row()].id
        return None

    # -- Qt model API ---------------------------------------------------------------------

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        if not parent.isValid():
            if 0 <= row < len(self.drives):
                return self.createIndex(row, column, self._top)
            return QModelIndex()
        drive = self._drive(parent)
        if drive is None or not 0 <= row < len(drive.rows):
            return QModelIndex()
        return self.createIndex(row, column, drive)

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalPointer() is self._top:
            return QModelIndex()
        drive = index.internalPointer()
        return self.createIndex(self.drives.index(drive), 0, self._top)

    def _drive(self, index: QModelIndex) -> _DriveNode | None:
        if index.isValid() and index.internalPointer() is self._top:
            return self.drives[index.row()]
        return None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self.drives)
        if parent.column() > 0:
            return 0
        drive = self._drive(parent)
        return len(drive.rows) if drive is not None else 0

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return len(COLUMNS)

    def hasChildren(self, parent: QModelIndex = QModelIndex()) -> bool:
        if not parent.isValid():
            return bool(self.drives)
        drive = self._drive(parent)
        return drive is not None and bool(drive.ids)

    def canFetchMore(self, parent: QModelIndex) -> bool:
        drive = self._drive(parent)
        return drive is not None and len(drive.rows) < len(drive.ids)

    def fetchMore(self, parent: QModelIndex) -> None:
        drive = self._drive(parent)
        if drive is None:
            return
        start = len(drive.rows)
        # A few hundred rows by primary key: the cost does not grow with the catalogue.
        rows = views.report_rows(drive.ids[start : start + CHUNK])
        if not rows:
            drive.ids = drive.ids[:start]  # gone since the report was made
            return
        self.beginInsertRows(parent, start, start + len(rows) - 1)
        drive.rows.extend(rows)
        self.endInsertRows()

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        drive = self._drive(index)
        if drive is not None:
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                count = len(drive.ids)
                return f"{drive.name} — {count:,} file{'s' if count != 1 else ''}"
            return None
        row = index.internalPointer().rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.path
            if column == 1:
                return human_size(row.size)
            return "" if row.status == int(Status.UNREVIEWED) else Status(row.status).label
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return palette.status_icon(row.status, self.dark)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == FILE_ID_ROLE:
            return row.id
        return None


class CopiesReport(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, Qt.WindowType.Window)
        self.main = window
        self.setObjectName("copies_report")
        self.setWindowTitle("Files on One Drive Only")
        self._reads = LatestOnly(self)
        self._export = LatestOnly(self)
        self.model = OneDriveModel(self)
        self.model.dark = palette.is_dark(self.palette())
        self.note = QLabel()
        self.note.setObjectName("copies_note")
        self.note.setWordWrap(True)
        self.view = QTreeView()
        self.view.setObjectName("one_drive_files")
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, sample in ((1, "999.9 MB"), (2, "Needs attention")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, self.fontMetrics().horizontalAdvance(sample) + 24)
        self.view.activated.connect(self._activated)
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setObjectName("export_csv")
        self.export_button.setAutoDefault(False)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_csv)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(820, 620)
        self.reload()

    def reload(self) -> None:
        from luna_desktop.catalog.duplicates import files_on_one_drive

        self.note.setText("Looking for files no other drive holds…")
        self._reads.request(
            lambda stale: views.one_drive_report(files_on_one_drive(), stale),
            self._loaded,
            lambda exc: self.note.setText(f"Could not make the report: {exc}"),
        )

    def _loaded(self, report: list[tuple[str, list[int]]]) -> None:
        self.model.set_report(report)
        total = self.model.total
        self.setWindowTitle(f"Files on One Drive Only — {total:,} file{'s' if total != 1 else ''}")
        if not total:
            self.note.setText(
                "Every catalogued file has a copy on another drive (same size and oshash)."
            )
        else:
            drives = len(report)
            self.note.setText(
                f"{total:,} files on {drives} drive{'s' if drives != 1 else ''} have no copy "
                "on any other drive (by size and oshash; a copy whose content is known to "
                "differ does not count). Enter shows a file in the tree."
            )
        self.export_button.setEnabled(bool(total))
        # Every drive open: each reads only its first few hundred files until scrolled.
        for row in range(len(report)):
            self.view.expand(self.model.index(row, 0))
        if report:
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _activated(self, index: QModelIndex) -> None:
        file_id = self.model.file_id(index)
        if file_id is not None:
            show_in_tree(self.main, file_id)
        elif index.isValid():
            self.view.setExpanded(index, not self.view.isExpanded(index))

    def export_csv(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export Files on One Drive Only", "one-drive-only.csv", "CSV files (*.csv)"
        )
        if path:
            self.write_csv(path)

    def write_csv(self, path: str) -> None:
        """Write the report to `path` off the GUI thread: drive, path, size, status."""
        report = [(d.name, list(d.ids)) for d in self.model.drives]
        self.export_button.setEnabled(False)
        self._export.request(
            lambda _stale: _write_csv(path, report),
            lambda count: self._exported(path, count),
            lambda exc: self._exported(path, None, exc),
        )

    def _exported(self, path: str, count: int | None, exc: Exception | None = None) -> None:
        self.export_button.setEnabled(True)
        if exc is not None:
            self.note.setText(f"Could not write {path}: {exc}")
        else:
            self.note.setText(f"Wrote {count:,} file{'s' if count != 1 else ''} to {path}")


def _write_csv(path: str, report: list[tuple[str, list[int]]]) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["drive", "path", "size", "status"])
        for drive, ids in report:
            for start in range(0, len(ids), CHUNK):
                for row in views.report_rows(ids[start : start + CHUNK]):
                    out.writerow([drive, row.path, row.size, Status(row.status).key])
                    count += 1
    return count
