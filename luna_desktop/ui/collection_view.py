"""An album's or an event's files as one flat list, in the tree's place.

An album lists its files in its own order, from any drives; Alt+Up and Alt+Down move the
selected files, Delete takes them out of the album (never out of the catalogue) and
Ctrl+Z puts them back until the next change. An event lists the files whose date falls
within it, by date. The list is read off the GUI thread; a change shows at the key
press and is written after, off the GUI thread too, in the order the keys were pressed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHeaderView, QLabel, QStackedWidget, QVBoxLayout, QWidget

from luna_desktop.catalog.status import Status

from .album_editor import AlbumEditor
from .background import LatestOnly
from .collection_list import FileList
from .collection_model import (
    COLUMNS,
    CollectionModel,
    Contents,
    human_span,
    read_album,
    read_event,
    runs,
)

_SELECT = QItemSelectionModel.SelectionFlag


class CollectionView(QWidget):
    fileChanged = Signal(object)  # the file id now current in the list, or None
    message = Signal(str, int)  # for the status bar
    loaded = Signal()  # the list (or what stands in for it) is shown
    albumChanged = Signal(str)  # a change to this album's files or order was written

    def __init__(self, may_leave: Callable[[], bool] = lambda: True, parent=None) -> None:
        super().__init__(parent)
        self.may_leave = may_leave
        self.model = CollectionModel(self)
        self.kind: str | None = None  # "album" or "event"
        self.name: str | None = None
        self.contents: Contents | None = None
        self.add_key = "Ctrl+Shift+A"  # named in the empty album's note
        self._current: int | None = None
        self._guard = False  # the list moves its current row itself: not the curator
        self._reads = LatestOnly(self)
        self.editor = AlbumEditor(self)
        self.editor.writes.idle.connect(self._writes_landed)
        self._load_waiting: tuple | None = None  # a reload asked for while writes wait
        self._build()

    def _build(self) -> None:
        self.caption = QLabel()
        self.caption.setObjectName("collection_caption")
        self.caption.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("collection_hint")
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.list = FileList(self)
        self.list.setObjectName("collection_list")
        self.list.setModel(self.model)
        self.list.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list.selectionModel().currentChanged.connect(self._current_changed)

        self.note = QLabel()
        self.note.setObjectName("collection_note")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.note.setMargin(24)
        self.note.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.note)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        top = QVBoxLayout()
        top.setContentsMargins(6, 4, 6, 2)
        top.addWidget(self.caption)
        top.addWidget(self.hint)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

    # -- what is shown ----------------------------------------------------------------------

    def show_album(self, name: str) -> None:
        self._open("album", name)

    def show_event(self, name: str) -> None:
        self._open("event", name)

    def _open(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, " ".join(name.split())
        self.contents = None
        self.editor.forget()
        self._reads.cancel()
        self.model.set_rows([])
        self._set_current(None)
        self.caption.setText(f"{kind.capitalize()} “{self.name}”")
        self.hint.clear()
        self._show_note(f"<p>Loading “{self.name}”…</p>")
        self._load(None)

    def renamed(self, name: str) -> None:
        """The album or event shown was renamed: the same files, the current one kept."""
        self.name = " ".join(name.split())
        self.caption.setText(f"{self.kind.capitalize()} “{self.name}”")
        self.reload()

    def reload(self) -> None:
        """Read the files again (a save changed a date, a scan found files missing…);
        the current file stays current, or the row it was on does."""
        if self.kind is None:
            return
        current = self.list.currentIndex()
        keep = (self._current, current.row() if current.isValid() else None, self._selected())
        self._load(keep)

    def album_changed(self, name: str) -> None:
        """Files were added to `name` elsewhere (Add to Album): show them if it is shown."""
        if self.kind == "album" and self.name == " ".join(name.split()):
            self.reload()

    def _load(self, keep: tuple | None) -> None:
        if self.editor.writing:  # read once what is being written has landed
            self._load_waiting = keep if self._load_waiting is None else self._load_waiting
            return
        reader = read_album if self.kind == "album" else read_event
        name = self.name
        self._reads.request(
            lambda stale: reader(name, stale),
            lambda contents: self._loaded(contents, keep),
            lambda exc: self._load_failed(name, exc),
        )

    def _writes_landed(self) -> None:
        if self._load_waiting is not None:
            keep, self._load_waiting = self._load_waiting, None
            self._load(keep)

    def _loaded(self, contents: Contents, keep: tuple | None) -> None:
        self.contents, self.name = contents, contents.name
        with self.moving_by_itself():
            self.model.set_rows(contents.rows)
            row = 0 if contents.rows else None
            selected: list[int] = []
            if keep is not None:
                file_id, old_row, selected = keep
                row = self.model.row_of(file_id) if file_id is not None else None
                if row is None and old_row is not None and contents.rows:
                    row = min(old_row, len(contents.rows) - 1)
                self.select_ids(selected)
            if row is not None:  # a kept selection stays as it was
                self.make_current(row, keep_selection=bool(selected))
        self.current_moved()
        self.describe()
        self.loaded.emit()

    def _load_failed(self, name: str | None, exc: Exception) -> None:
        self.model.set_rows([])
        # The file in the form stays: an album deleted while one of its files is being
        # edited must not take the words typed with it (the failure may land while the
        # curator is being asked about those very edits).
        self._show_note(f"<p><b>Cannot show “{name}”</b></p><p>{exc}</p>")
        self.loaded.emit()

    def describe(self) -> None:
        """The caption, the keys that apply, and the list or a note saying why it is empty."""
        count = len(self.model.rows)
        files = f"{count:,} file" if count == 1 else f"{count:,} files"
        missing = sum(not r.present for r in self.model.rows)
        gone = f", {missing:,} missing" if missing else ""
        if self.kind == "album":
            order = f"{files} in album order{gone}" if count else "empty"
            self.caption.setText(f"<b>Album “{self.name}”</b> — {order}")
            self.hint.setText(
                "Alt+↑/↓ move the selected files · Delete takes them out of the album"
                if count
                else ""
            )
            empty = (
                f"<p><b>“{self.name}” is empty</b></p><p>Select files in a drive's tree "
                f"and press {self.add_key} to add them.</p>"
            )
        else:
            span = human_span(*self.contents.span) if self.contents and self.contents.span else ""
            self.caption.setText(f"<b>Event “{self.name}”</b> — {span} · {files} by date{gone}")
            self.hint.setText("A file is here when its date falls within the event")
            empty = (
                f"<p><b>No file is dated within “{self.name}”</b></p><p>{span}. A file "
                "belongs to an event when its date (the form's Date, else the date it "
                "was taken) lies within it.</p>"
            )
        if count:
            had_focus = self.note.hasFocus()
            self.stack.setCurrentWidget(self.list)
            if had_focus:
                self.list.setFocus()
        else:
            self._show_note(empty)

    def _show_note(self, text: str) -> None:
        had_focus = self.list.hasFocus()
        self.note.setText(text)
        self.stack.setCurrentWidget(self.note)
        if had_focus:
            self.note.setFocus()

    # -- the current file ------------------------------------------------------------------

    def current_file_id(self) -> int | None:
        return self._current

    def select_file_id(self, file_id: int) -> bool:
        row = self.model.row_of(file_id)
        if row is None:
            return False
        self.make_current(row)
        return True

    def selected_file_ids(self) -> list[int]:
        """The selected files in list order (the current one when none is selected)."""
        ids = self._selected()
        if not ids and self._current is not None:
            ids = [self._current]
        return ids

    def _selected(self) -> list[int]:
        # From the selection's ranges: a list of every selected index costs seconds
        # when the whole of a 100,000-file album is selected.
        chosen: set[int] = set()
        for span in self.list.selectionModel().selection():
            chosen.update(range(span.top(), span.bottom() + 1))
        rows = sorted(chosen)
        return [self.model.rows[r].file_id for r in rows]

    def select_ids(self, file_ids: list[int]) -> None:
        rows = [self.model.row_of(f) for f in file_ids]
        selection = QItemSelection()
        last = len(COLUMNS) - 1
        # One range per run of neighbouring rows: a range per row makes the selection
        # model merge them one by one, minutes for 100,000 files put back at once.
        for first, count in runs([r for r in rows if r is not None]):
            selection.select(self.model.index(first, 0), self.model.index(first + count - 1, last))
        self.list.selectionModel().select(selection, _SELECT.ClearAndSelect | _SELECT.Rows)

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._guard:
            return
        file_id = self.model.file_id(current)
        if file_id is not None and file_id == self._current:
            return
        if not self.may_leave():
            with self.moving_by_itself():
                self.make_current(previous.row())
            return
        self._set_current(file_id)

    @contextlib.contextmanager
    def moving_by_itself(self) -> Iterator[None]:
        """The list changes its rows or current row itself (a removal, a file put back):
        no question to the curator on the way; `current_moved` says where it ended."""
        self._guard = True
        try:
            yield
        finally:
            self._guard = False

    def make_current(self, row: int, keep_selection: bool = False) -> None:
        index = self.model.index(row, 0)
        flags = _SELECT.NoUpdate if keep_selection else _SELECT.ClearAndSelect | _SELECT.Rows
        self.list.selectionModel().setCurrentIndex(index, flags)
        self.list.scrollTo(index)

    def current_moved(self) -> None:
        self._set_current(self.model.file_id(self.list.currentIndex()))

    def _set_current(self, file_id: int | None) -> None:
        if file_id == self._current:
            return
        self._current = file_id
        self.fileChanged.emit(file_id)

    def step_file(self, step: int) -> None:
        """J / K: the next or previous file in the list."""
        current = self.list.currentIndex()
        row = current.row() + step if current.isValid() else (0 if step > 0 else -1)
        if 0 <= row < self.model.rowCount():
            self.make_current(row)
            return
        where = "last" if step > 0 else "first"
        what = "album" if self.kind == "album" else "event"
        self.message.emit(f"This is the {where} file in the {what} “{self.name}”", 4000)

    def next_unreviewed(self) -> None:
        """U: the next unreviewed file in the list, after the current one, then from the top."""
        rows, here = self.model.rows, self.list.currentIndex().row()
        for row in [*range(here + 1, len(rows)), *range(max(here, 0))]:
            if rows[row].status == int(Status.UNREVIEWED) and rows[row].present:
                self.make_current(row)
                return
        what = "album" if self.kind == "album" else "event"
        self.message.emit(f"Every file in the {what} “{self.name}” has been reviewed", 5000)

    def next_file_id(self, file_id: int) -> int | None:
        """The file after `file_id` in the list (for the preview to read ahead)."""
        row = self.model.row_of(file_id)
        if row is None or row + 1 >= len(self.model.rows):
            return None
        return self.model.rows[row + 1].file_id

    def update_status(self, file_id: int, status: int) -> None:
        """A save landed: the row's status at once. Ctrl+Z now belongs to that save."""
        self.editor.forget()
        self.model.update_status(file_id, status)

    def set_dark(self, dark: bool) -> None:
        self.model.set_dark(dark)

    @property
    def writing(self) -> bool:
        return self.editor.writing

    def wait_for_writes(self, msecs: int = -1) -> bool:
        """For closing: let what the curator did land (each write takes milliseconds)."""
        return self.editor.wait(msecs)
