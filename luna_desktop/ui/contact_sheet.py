"""The contact sheet: a folder's files as a grid of thumbnails, like Photo Mechanic's.

Each cell shows the file's thumbnail from the preview cache, its name, and its status
as a coloured frame and a glyph (contact_sheet_cells). The sheet is a QListView in icon
mode over a flat model (contact_sheet_model); arrows move, Shift and Ctrl select for
bulk changes, Enter or a double-click asks for the single view. The window's actions
(1–6, j/k…) attach to `view`: the sheet creates no shortcuts of its own.

What costs time happens off the GUI thread. The folder's rows are read on a one-thread
pool (a folder may hold tens of thousands of files). Only the thumbnails of the cells
on screen (and a line either side) are read and decoded, by thumbnail_loader; each
scroll replaces the list of wanted thumbnails, so flinging through 5,000 files never
queues the ones scrolled past. A thumbnail missing from the cache, of a file on a
mounted drive, is made in a worker process (thumbnail_maker) and shown when it lands.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from luna_desktop.catalog.queries import FileFilter
from luna_desktop.catalog.search import SearchHits
from luna_desktop.catalog.sheet_rows import SheetRow, sheet_rows
from luna_desktop.media.preview_cache import PreviewCache

from .background import LatestOnly
from .contact_sheet_cells import PICTURE, CellDelegate, Look
from .contact_sheet_model import ContactSheetModel
from .contact_sheet_view import SheetView
from .thumbnail_loader import ABSENT, BROKEN, ThumbnailLoader
from .thumbnail_maker import MakeJob, ThumbnailMaker

__all__ = ["ContactSheet", "SheetView"]

_SELECT = QItemSelectionModel.SelectionFlag
# Kinds whose thumbnail the cache can make (media.cache_entries).
_MAKEABLE = ("image", "video")
_WORDS = {"image": "No preview", "video": "Video", "audio": "Sound", "document": "Document"}


def kind_word(row: SheetRow) -> str:
    """What a cell without a picture says it holds: "Sound", "Document", "ZIP"…"""
    if row.kind in _WORDS:
        return _WORDS[row.kind]
    extension = os.path.splitext(row.filename)[1].lstrip(".").upper()
    return extension[:8] if extension.isalnum() else "File"


class ContactSheet(QWidget):
    """A folder's files as thumbnails; see the module docstring."""

    open_requested = Signal(int)  # Enter or a double-click on a file
    current_changed = Signal(int)  # the current cell's file
    selection_changed = Signal()
    loaded = Signal(int)  # the folder's rows are shown: how many
    screen_filled = Signal()  # after a load, every cell on screen has its thumbnail or a word

    def __init__(self, parent: QWidget | None = None, cache: PreviewCache | None = None) -> None:
        super().__init__(parent)
        self.cache = cache if cache is not None else PreviewCache()
        self.drive_id: int | None = None
        self.folder: str | None = None
        self.mount_path: str | None = None
        self._pending_select: int | None = None
        self._filling = False  # a folder was shown and its first screen is not filled yet
        self._reads = LatestOnly(self)
        self.loader = ThumbnailLoader(self.cache, PICTURE, self)
        self.loader.arrived.connect(self._thumbnails_loaded)
        self.maker = ThumbnailMaker(self.cache.directory, self)
        self.maker.made.connect(self._thumbnail_made)
        self._refresh = QTimer(self)  # coalesces the many reasons to look at what is shown
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self._request_visible)
        self._build()

    def _build(self) -> None:
        self.model = ContactSheetModel(self)
        self.view = SheetView(self)
        self.view.setObjectName("contact_sheet")
        self.view.setModel(self.model)
        self.view.setItemDelegate(CellDelegate(self._look, self.view))
        self.view.enter_pressed.connect(self._open_current)
        self.view.doubleClicked.connect(self._open_index)
        selection = self.view.selectionModel()
        selection.currentChanged.connect(self._current_moved)
        selection.selectionChanged.connect(lambda *_: self.selection_changed.emit())
        bar = self.view.verticalScrollBar()
        # Not straight to QTimer.start: it would take the scroll position for an interval.
        bar.valueChanged.connect(self._schedule)
        bar.rangeChanged.connect(self._schedule)
        self.view.viewport().installEventFilter(self)

        self.note = QLabel()
        self.note.setObjectName("contact_sheet_note")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.note.setMargin(24)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # -- what is shown ----------------------------------------------------------------------

    def show_folder(
        self,
        drive_id: int,
        folder: str,
        filter: FileFilter | None = None,  # the window's word for it
        mount_path: str | None = None,
        hits: SearchHits | None = None,
    ) -> None:
        """Show the files directly in `folder` that pass `filter` (with a search shown,
        `hits` are what it found), read off the GUI thread. `mount_path`: where the
        drive is mounted now, or None when it is not (thumbnails not yet cached then
        say "offline" instead of being made)."""
        self.drive_id, self.folder, self.mount_path = drive_id, folder, mount_path
        file_filter = filter or FileFilter()
        self.loader.forget_unknown()  # thumbnails may have been made since
        self.maker.retry()
        self._reads.request(
            lambda stale: sheet_rows(drive_id, folder, file_filter, hits, stale),
            self._loaded,
            self._failed,
        )

    def clear(self) -> None:
        """Show nothing (no folder chosen)."""
        self._reads.cancel()
        self._pending_select = None
        self.drive_id = self.folder = None
        self.model.set_rows([])
        self.maker.want([])
        self.loader.want([])

    def _loaded(self, rows: list[SheetRow]) -> None:
        self.model.set_rows(rows)
        self._filling = bool(rows)
        # The first screen's thumbnails are asked for now, so the decode threads work
        # while this thread lays out and paints the cells.
        self._request_visible()
        if rows:
            self.stack.setCurrentWidget(self.view)
            chosen = self._pending_select
            self._pending_select = None
            if chosen is None or not self.select_file(chosen):
                self._make_current(0)
        else:
            where = self.folder or "the drive's top folder"
            self._show_note(
                f"<p><b>No files to show</b></p><p>{where} holds no file that the "
                "current filter lets through.</p>"
            )
        self._schedule()
        self.loaded.emit(len(rows))
        self._thumbnails_loaded(set())  # all at hand already (the folder shown again)

    def _failed(self, exc: Exception) -> None:
        self.model.set_rows([])
        self._show_note(f"<p><b>Cannot show this folder</b></p><p>{exc}</p>")
        self.loaded.emit(0)

    def _show_note(self, text: str) -> None:
        had_focus = self.view.hasFocus()
        self.note.setText(text)
        self.stack.setCurrentWidget(self.note)
        if had_focus:
            self.note.setFocus()

    # -- the current file and the selection -------------------------------------------------

    def current_file_id(self) -> int | None:
        return self.model.file_id(self.view.currentIndex())

    def selected_file_ids(self) -> list[int]:
        """The selected files in sheet order (the current one when none is selected)."""
        rows: set[int] = set()
        # From the selection's ranges: listing every selected index of a 5,000-file
        # selection costs far more.
        for span in self.view.selectionModel().selection():
            rows.update(range(span.top(), span.bottom() + 1))
        ids = [self.model.rows[r].id for r in sorted(rows) if r < len(self.model.rows)]
        if not ids and (current := self.current_file_id()) is not None:
            ids = [current]
        return ids

    def select_file(self, file_id: int) -> bool:
        """Make `file_id` the current and only selected cell, scrolled into view. While
        the folder is still being read, it is selected once it is shown."""
        if self._reads.busy:
            self._pending_select = file_id
            return True
        row = self.model.row_of(file_id)
        if row is None:
            return False
        self._make_current(row)
        return True

    def step_file(self, step: int) -> int | None:
        """Make the file `step` cells on (j/k: 1 or -1) current and only selected;
        returns it, or None at either end of the sheet."""
        current = self.view.currentIndex()
        row = current.row() + step if current.isValid() else (0 if step > 0 else -1)
        if not 0 <= row < self.model.rowCount():
            return None
        self._make_current(row)
        return self.model.rows[row].id

    def _make_current(self, row: int) -> None:
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(index, _SELECT.ClearAndSelect)
        self.view.scrollTo(index)

    def _current_moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        file_id = self.model.file_id(current)
        if file_id is not None:
            self.current_changed.emit(file_id)

    def _open_current(self) -> None:
        self._open_index(self.view.currentIndex())

    def _open_index(self, index: QModelIndex) -> None:
        file_id = self.model.file_id(index)
        if file_id is not None:
            self.open_requested.emit(file_id)

    # -- changes from elsewhere -------------------------------------------------------------

    def set_status(self, file_ids: list[int], status: int) -> None:
        """A save landed: these cells show `status` now."""
        self.model.set_status(list(file_ids), int(status))

    def set_mount_path(self, mount_path: str | None) -> None:
        """The shown drive was mounted (at `mount_path`) or went away (None): cells
        without a thumbnail have theirs made now, or say "offline"."""
        self.mount_path = mount_path
        self.maker.retry()
        if mount_path is None:
            self.maker.want([])
        self.view.viewport().update()
        self._schedule()

    def recheck_thumbnails(self) -> None:
        """The cache is being filled (which thumbnails, it does not say): the cells on
        screen still without one look again. Cheap: only the visible cells are read."""
        self.loader.forget_unknown()
        self.view.viewport().update()
        self._schedule()

    def thumbnails_arrived(self, oshashes: set[str]) -> None:
        """These thumbnails were just written to the cache (by a cache fill, say): the
        cells on screen that wait for them read them now."""
        self.loader.forget(oshashes)
        self.model.thumbnails_changed(set(oshashes))
        self._schedule()

    def shutdown(self) -> None:
        """Stop the background work (the window is closing); nothing waits for it."""
        self._reads.cancel()
        self.loader.close()
        self.maker.close()

    # -- thumbnails ---------------------------------------------------------------------------

    def _look(self, row: SheetRow) -> Look:
        """What a cell shows in its picture area (the delegate asks while painting)."""
        image = self.loader.image(row.oshash) if row.oshash else None
        if image is not None:
            return Look(image, "")
        state = self.loader.state(row.oshash) if row.oshash else ABSENT
        if state is None:
            return Look(None, "")  # on its way: an empty well, no flicker of words
        if not row.present:
            return Look(None, "Missing")
        if state == ABSENT and row.oshash and row.kind in _MAKEABLE:
            if self.mount_path is None:
                return Look(None, "Offline")  # it would be made if the drive were here
            if not self.maker.tried(row.oshash) or self.maker.making(row.oshash):
                return Look(None, "")  # being made
        if state == BROKEN:
            return Look(None, "No preview")
        return Look(None, kind_word(row))

    def _makeable(self, row: SheetRow) -> bool:
        return bool(self.mount_path and row.present and row.oshash and row.kind in _MAKEABLE)

    def visible_rows(self) -> list[int]:
        """The rows of the cells on screen, first to last.

        Worked out from the grid rather than asked of the view: cells fill a fixed grid
        line by line, so this holds before the batched layout has placed them, and the
        thumbnails can be asked for before the first paint."""
        count = self.model.rowCount()
        if not count or not self.view.isVisible():
            return []
        line = self.view.gridSize().height()
        columns = self.view.columns()
        top = self.view.verticalScrollBar().value()  # pixels: the view scrolls per pixel
        first = top // line
        last = (top + self.view.viewport().height() - 1) // line
        return list(range(first * columns, min(count, (last + 1) * columns)))

    def pending_visible(self) -> int:
        """Cells on screen still waiting for their thumbnail or for knowing there is none."""
        waiting = 0
        for row in self.visible_rows():
            look = self._look(self.model.rows[row])
            waiting += look.image is None and not look.note
        return waiting

    def _request_visible(self) -> None:
        """Ask for the thumbnails of what is on screen, then a line either side."""
        box = PICTURE * self.view.devicePixelRatioF()
        if QSize(box) != self.loader.box:
            self.loader.reset(QSize(box))
        rows = self.visible_rows()
        if not rows:
            self.loader.want([])
            self.maker.want([])
            return
        per_line = self.view.columns()
        before = range(max(0, rows[0] - per_line), rows[0])
        after = range(rows[-1] + 1, min(self.model.rowCount(), rows[-1] + 1 + per_line))
        shown = [self.model.rows[r] for r in rows]
        near = [self.model.rows[r] for r in (*after, *before)]
        self.loader.want(r.oshash for r in (*shown, *near) if r.oshash)
        mount = self.mount_path
        jobs = [
            MakeJob(
                r.oshash, os.path.join(os.fsencode(mount), r.relpath), r.kind, r.mime, r.duration
            )
            for r in shown
            if mount and self._makeable(r) and self.loader.state(r.oshash) == ABSENT
        ]
        self.maker.want(jobs)

    def _schedule(self, *_args) -> None:
        """Look at what is on screen once the events queued now are handled."""
        self._refresh.start(0)

    def _thumbnails_loaded(self, oshashes: set[str]) -> None:
        self.model.thumbnails_changed(oshashes)
        if self._filling and self.pending_visible() == 0:
            self._filling = False
            self.screen_filled.emit()
        if not oshashes or any(self.loader.state(h) == ABSENT for h in oshashes):
            self._schedule()  # something to make, or to read again

    def _thumbnail_made(self, oshash: str, made: bool) -> None:
        if made:
            self.loader.forget({oshash})
        self.model.thumbnails_changed({oshash})
        self._schedule()

    # -- events -------------------------------------------------------------------------------

    def eventFilter(self, watched, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() in (
            QEvent.Type.Resize,
            QEvent.Type.Show,
        ):
            self._schedule()
        return super().eventFilter(watched, event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._schedule()
