"""The project groups dialog's list: a row per group, its name and how many files it
holds ("…" until counted), kept in name order as a person reads it.

Hundreds of groups at most, so a plain item model; rows are found by name (unique).
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from luna_desktop.catalog.project_groups import GroupCount, sort_key

ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the group's row id (None until read)
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
COUNT_ROLE = Qt.ItemDataRole.UserRole + 3  # a GroupCount, None while counting


def count_text(count: GroupCount | None) -> str:
    """The Files column: "312", "312 (4 missing)", or "…" while counting."""
    if count is None:
        return "…"
    text = f"{count.files:,}"
    return f"{text} ({count.missing:,} missing)" if count.missing else text


def files_text(count: GroupCount | None) -> str:
    """ "312 files", "1 file", or "" when not counted yet."""
    if count is None:
        return ""
    return "1 file" if count.files == 1 else f"{count.files:,} files"


class GroupListModel(QStandardItemModel):
    def __init__(self, parent=None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Project group", "Files"])
        self._counts: dict[int, GroupCount] = {}  # the last counts read, by group id

    def set_names(self, rows: list[tuple[int | None, str]]) -> None:
        """The groups afresh; counts already known for their ids are kept."""
        self.removeRows(0, self.rowCount())
        for gid, name in rows:
            self.add(name, self._counts.get(gid) if gid is not None else None, gid)

    def set_counts(self, counts: dict[int, GroupCount]) -> None:
        self._counts = counts
        for row in range(self.rowCount()):
            gid = self.item(row, 0).data(ID_ROLE)
            if gid is not None:
                self._set_count(row, counts.get(gid, GroupCount(0, 0)))

    def add(self, name: str, count: GroupCount | None, gid: int | None = None) -> None:
        item = QStandardItem(name)
        item.setData(gid, ID_ROLE)
        item.setData("\x00".join(sort_key(name)), SORT_ROLE)
        files = QStandardItem()
        files.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.appendRow([item, files])
        self._set_count(self.rowCount() - 1, count)

    def rename(self, old: str, new: str) -> None:
        row = self.row_of(old)
        if row is not None:
            item = self.item(row, 0)
            item.setText(new)
            item.setData("\x00".join(sort_key(new)), SORT_ROLE)

    def remove(self, name: str) -> None:
        row = self.row_of(name)
        if row is not None:
            self.removeRow(row)

    def merged(self, source: str, target: str) -> None:
        """`source`'s files counted into `target`, and `source` gone."""
        moved, kept = self.count_of(source), self.count_of(target)
        row = self.row_of(target)
        if row is not None:
            both = None  # counted afresh when either was not known
            if moved is not None and kept is not None:
                both = GroupCount(moved.files + kept.files, moved.missing + kept.missing)
            self._set_count(row, both)
        self.remove(source)

    def names(self) -> list[str]:
        return [self.item(row, 0).text() for row in range(self.rowCount())]

    def row_of(self, name: str) -> int | None:
        for row in range(self.rowCount()):
            if self.item(row, 0).text() == name:
                return row
        return None

    def count_of(self, name: str) -> GroupCount | None:
        row = self.row_of(name)
        return None if row is None else self.item(row, 1).data(COUNT_ROLE)

    def _set_count(self, row: int, count: GroupCount | None) -> None:
        item = self.item(row, 1)
        item.setText(count_text(count))
        item.setData(count, COUNT_ROLE)


def sorted_filter(model: GroupListModel) -> QSortFilterProxyModel:
    """By name; the filter matches any part of a name, whatever its case."""
    proxy = QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterKeyColumn(0)
    proxy.setDynamicSortFilter(True)
    proxy.sort(0)
    return proxy
