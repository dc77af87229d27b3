"""The contact sheet's grid: a QListView in icon mode whose cells tile the width.

Cells sit on a fixed grid, line by line, so the sheet can say which rows are on
screen from the scroll position alone (ContactSheet.visible_rows). The view handles
its own navigation (arrows, Home/End, Page Up/Down, Shift and Ctrl to select) and
Enter; every other key is the window's (its action registry), so letters typed here
do not jump to a name.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from . import palette
from .contact_sheet_cells import CELL, sheet_background

__all__ = ["SheetView"]

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class SheetView(QListView):
    """The grid itself. Enter opens the current file; everything else is QListView's."""

    enter_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setGridSize(CELL)
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # it wraps
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # no reflow
        self.verticalScrollBar().setSingleStep(CELL.height() // 4)
        self.setTabKeyNavigation(False)  # Tab leaves the sheet, as it leaves the tree
        self.setMouseTracking(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        if event.key() in _ENTER and plain and self.currentIndex().isValid():
            self.enter_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_grid()

    def fit_grid(self) -> None:
        """Share the width left over by whole cells among the columns: the cards stay
        their size, centred in wider cells, and the sheet has no ragged right edge."""
        # A cell must end before the last pixel, or Qt wraps it to the next line.
        width = self.viewport().width() - 1
        columns = max(1, width // CELL.width())
        grid = QSize(max(CELL.width(), width // columns), CELL.height())
        if grid != self.gridSize():
            self.setGridSize(grid)

    def columns(self) -> int:
        return max(1, (self.viewport().width() - 1) // self.gridSize().width())

    def keyboardSearch(self, search: str) -> None:
        """No jumping to a name as letters are typed: digits and letters are the
        window's keys (status, j/k…), and a key it leaves alone must not move the sheet."""

    def paintEvent(self, event) -> None:
        painter = QPainter(self.viewport())
        painter.fillRect(
            event.rect(), sheet_background(self.palette(), palette.is_dark(self.palette()))
        )
        painter.end()
        super().paintEvent(event)
