"""The table an album's or event's files are listed in, with the keys of a list.

Alt+arrows, Delete and J/K mean nothing else to a list, so the list takes them itself
(the window's action registry may name the same keys: its shortcuts come first);
Ctrl+Z is claimed from the window only while there are files to put back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QPainter
from PySide6.QtWidgets import QHeaderView, QStyle, QStyleOptionHeader, QTableView

if TYPE_CHECKING:
    from .collection_view import CollectionView

_MOVE_KEYS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}
_NAME_ROOM = 170  # pixels a file's name keeps before other columns shrink
_FOLDER_LEAST = 90


class _Header(QHeaderView):
    """Column titles drawn without asking whether each column is selected: Qt asks
    that of every row of the column on each paint, three seconds for a selection of
    100,000 rows when the model is Python. A row list never highlights a column."""

    def paintSection(self, painter: QPainter, rect: QRect, logical: int) -> None:
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        option.rect = rect
        option.section = logical
        option.text = str(self.model().headerData(logical, self.orientation()) or "")
        option.textAlignment = self.defaultAlignment()
        if self.isEnabled():
            option.state |= QStyle.StateFlag.State_Enabled
        visual, last = self.visualIndex(logical), self.count() - 1
        place = QStyleOptionHeader.SectionPosition
        option.position = (
            place.OnlyOneSection
            if last == 0
            else place.Beginning
            if visual == 0
            else place.End
            if visual == last
            else place.Middle
        )
        self.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, self)


class FileList(QTableView):
    """Rows of files, selected whole. A table, not a tree view: a tree asks the model
    about every row's children when it lays out, seconds for 100,000 files."""

    def __init__(self, owner: CollectionView) -> None:
        super().__init__(owner)
        self._owner = owner
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab leaves the list, as it leaves the tree
        self.setCornerButtonEnabled(False)
        # A long path keeps its drive and its last folder: "PHS_copyALL:…ding/ceremony".
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = _Header(Qt.Orientation.Horizontal, self)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        self.setHorizontalHeader(header)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        metrics = self.fontMetrics()
        # Starting widths from the font, not ResizeToContents, which measures every row.
        self.widths = (
            metrics.horizontalAdvance("DRIVE_NAME:folder/subfolder") + 16,
            metrics.horizontalAdvance("1998-06-20 14:03") + 16,
            metrics.horizontalAdvance("Needs attention") + 16,
        )

    def resizeEvent(self, event) -> None:
        """The name keeps room to be read. In a narrow panel the drive and folder give
        way first, then the status column goes (the glyph by the name says the status);
        tooltips and the preview's facts say everything in full."""
        super().resizeEvent(event)
        folder, date, status = self.widths
        width = self.viewport().width()
        show_status = width >= _NAME_ROOM + _FOLDER_LEAST + date + status
        self.setColumnHidden(3, not show_status)
        room = width - _NAME_ROOM - date - (status if show_status else 0)
        header = self.horizontalHeader()
        header.resizeSection(1, max(min(folder, room), _FOLDER_LEAST))
        header.resizeSection(2, date)
        header.resizeSection(3, status)

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Undo)
            and self._owner.editor.can_put_back()
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        owner, editor = self._owner, self._owner.editor
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = event.key()
        if mods == Qt.KeyboardModifier.AltModifier and key in _MOVE_KEYS:
            editor.move_selected(_MOVE_KEYS[key])
        elif mods == Qt.KeyboardModifier.NoModifier and key in (
            Qt.Key.Key_Delete,
            Qt.Key.Key_Backspace,
        ):
            editor.remove_selected()
        elif mods == Qt.KeyboardModifier.NoModifier and key in (Qt.Key.Key_J, Qt.Key.Key_K):
            owner.step_file(1 if key == Qt.Key.Key_J else -1)
        elif event.matches(QKeySequence.StandardKey.Undo) and editor.can_put_back():
            editor.put_back()
        else:
            super().keyPressEvent(event)
