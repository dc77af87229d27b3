"""The duplicates panel's list of groups, read a page at a time as it is scrolled.

A catalogue can hold 100,000 groups: the first page is read with the count when the
panel opens, and each further page when the view reaches the end of what it has
(canFetchMore/fetchMore), always off the GUI thread. The model only holds rows; the
panel hands it a function that fetches a page and calls back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.duplicate_views import (
    PAGE_SIZE,
    GroupSummary,
    group_count,
    group_page,
    group_summary,
)
from luna_desktop.catalog.formatting import human_size
from luna_desktop.catalog.status import Status

from . import palette
from .background import LatestOnly

COLUMNS = ("File", "Files", "Size", "Content")
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1

# fetch(after, done): read the page after `after` off the GUI thread, then call done(rows).
PageFetcher = Callable[[tuple[str, str, str, str], Callable[[list[GroupSummary]], None]], None]


def state_words(g: GroupSummary) -> str:
    if g.differs:
        return "differs: split"
    return "confirmed" if g.confirmed else "not compared"


class GroupListModel(QAbstractTableModel):
    def __init__(self, fetch: PageFetcher, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self.rows: list[GroupSummary] = []
        self._seen: set[str] = set()  # a group whose primary moved may come round again
        self._after: tuple[str, str, str, str] | None = None  # where the next page starts
        self.total = 0
        self._complete = True
        self._loading = False
        self.dark = False

    def reset_rows(self, first_page: list[GroupSummary], total: int) -> None:
        self.beginResetModel()
        self.rows = list(first_page)
        self._seen = {g.oshash for g in first_page}
        self._after = first_page[-1].key if first_page else None
        self.total = total
        self._complete = len(first_page) < PAGE_SIZE
        self._loading = False
        self.endResetModel()

    def replace_row(self, row: int, summary: GroupSummary) -> None:
        """A group changed (its primary, its state): the same place, its new words."""
        self.rows[row] = summary
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def row_of(self, oshash: str) -> int | None:
        for row, g in enumerate(self.rows):
            if g.oshash == oshash:
                return row
        return None

    # -- paging --------------------------------------------------------------------------

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:
        return (
            not parent.isValid()
            and not self._complete
            and not self._loading
            and self._after is not None
        )

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        self._loading = True
        assert self._after is not None
        self._fetch(self._after, self._append)

    def _append(self, page: list[GroupSummary]) -> None:
        self._loading = False
        if len(page) < PAGE_SIZE:
            self._complete = True
        if page:
            self._after = page[-1].key
        page = [g for g in page if g.oshash not in self._seen]
        if not page:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self.rows.extend(page)
        self._seen.update(g.oshash for g in page)
        self.endInsertRows()

    def page_failed(self) -> None:
        """A page could not be read: stop asking (the panel says why; Refresh retries)."""
        self._loading = False
        self._complete = True

    # -- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        g = self.rows[index.row()]
        column = index.column()
        if role == SUMMARY_ROLE:
            return g
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return g.filename or "(primary gone: refresh)"
            if column == 1:
                drives = f"{g.drives} drive{'s' if g.drives != 1 else ''}"
                return f"{g.members} on {drives}"
            if column == 2:
                return human_size(g.size)
            return state_words(g)
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            if g.differs:
                return palette.status_color(int(Status.NEEDS_ATTENTION), self.dark)
            if g.confirmed:
                return palette.status_color(int(Status.UPLOAD), self.dark)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            how = "chosen by hand" if g.chosen_by == "manual" else f"rule: {g.chosen_by}"
            lines = [f"Primary: {g.drive}:{g.path} ({how})"]
            if g.differs:
                lines.append("Some members differ in content: they are split off")
            elif g.confirmed:
                lines.append("Same content, checked byte for byte")
            else:
                lines.append("Same size and oshash; the content is not compared yet")
            return "\n".join(lines)
        return None


class GroupList(QWidget):
    """The panel's left side: the groups, read a page at a time off the GUI thread, and
    a Refresh button (the panel does the refreshing: it writes)."""

    chosen = Signal(str)  # the oshash of the group now current
    loaded = Signal(int)  # the count of groups, after a (re)load
    failed = Signal(str)  # a read went wrong, in words

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lists = LatestOnly(self)  # the count and the first page
        self._pages = LatestOnly(self)  # further pages
        self._rows = LatestOnly(self)  # one row, after a change
        self.model = GroupListModel(self._fetch_page, self)
        self.view = QTreeView()
        self.view.setObjectName("duplicate_groups")
        self.view.setModel(self.model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, sample in ((1, "12 on 3 drives"), (2, "999.9 MB"), (3, "differs: split")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, self.fontMetrics().horizontalAdvance(sample) + 20)
        label = QLabel("&Groups (by where the primary is)")
        label.setBuddy(self.view)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setObjectName("refresh")
        self.refresh_button.setToolTip("Find the groups again now")
        self.refresh_button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)

    def reload(self) -> None:
        """The count and the first page again, keeping the current group if it is there."""
        self._lists.request(
            lambda _stale: (group_count(), group_page()),
            self._loaded,
            lambda exc: self.failed.emit(f"Could not read the duplicate groups: {exc}"),
        )

    def selected(self) -> str | None:
        summary = self.view.currentIndex().data(SUMMARY_ROLE)
        return summary.oshash if summary is not None else None

    def update_row(self, oshash: str) -> None:
        """Read one group's row again (its primary or its state changed)."""
        if self.model.row_of(oshash) is None:
            return

        def replace(summary: GroupSummary | None) -> None:
            row = self.model.row_of(oshash)
            if summary is not None and row is not None:
                self.model.replace_row(row, summary)

        self._rows.request(lambda _stale: group_summary(oshash), replace)

    def _fetch_page(self, after, done) -> None:
        def failed(exc: Exception) -> None:
            self.model.page_failed()
            self.failed.emit(f"Could not read more groups: {exc}")

        self._pages.request(lambda _stale: group_page(after), done, failed)

    def _loaded(self, answer: tuple[int, list[GroupSummary]]) -> None:
        total, page = answer
        keep = self.selected()
        self._pages.cancel()
        self.model.reset_rows(page, total)
        self.loaded.emit(total)
        if page:
            row = self.model.row_of(keep) if keep else None
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row or 0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        summary = current.data(SUMMARY_ROLE) if current.isValid() else None
        if summary is not None:
            self.chosen.emit(summary.oshash)
