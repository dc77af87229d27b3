"""Add to Album and New Event from Files: small keyboard-first dialogs over a selection.

Both take the files as a list of ids, or as a function that finds them (a selection of
whole folders may stand for 100,000 files, which are found off the GUI thread, as
everything these dialogs write is written). Enter confirms, Esc cancels; what happened
is said in the window's status bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog import albums, events
from luna_desktop.catalog.events import Moment
from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import Album, Event
from luna_desktop.catalog.selection import selected_file_ids

from .background import LatestOnly
from .collection_model import human_span
from .serial_writes import SerialWrites

if TYPE_CHECKING:
    from .main_window import MainWindow

FileIds = Sequence[int] | Callable[[], Sequence[int]]

# The albums added to in this session, most recent first: the next add offers them first.
_recent: list[str] = []


def _files(n: int) -> str:
    return f"{n:,} file" if n == 1 else f"{n:,} files"


def _say(window: MainWindow, text: str, ms: int = 8000) -> None:
    window.statusBar().showMessage(text, ms)


def album_writes(window: QWidget) -> SerialWrites:
    """The window's one queue of album and event writes, made when first needed."""
    writes = window.findChild(SerialWrites, "album_writes")
    if writes is None:
        writes = SerialWrites(window)
        writes.setObjectName("album_writes")
    return writes


def _resolve(file_ids: FileIds) -> list[int]:
    return list(dict.fromkeys(file_ids() if callable(file_ids) else file_ids))


def tree_selection(window: MainWindow) -> tuple[Callable[[], list[int]], str] | None:
    """The files selected in the drive tree, as Edit Selected Files sees them (a folder
    means the files under it that the tree shows), found when called; and in words."""
    selection = window.bulk.selection()
    if selection is None or (not selection.files and not selection.folders):
        return None
    model = window.panel.model
    file_filter, hits = model.file_filter, model.hits

    def find() -> list[int]:
        return selected_file_ids(
            selection.drive_id, selection.files, selection.folders, file_filter, hits
        )

    return find, selection.describe()


# -- Add to Album ------------------------------------------------------------------------


class AddToAlbumDialog(QDialog):
    """`names`: the albums there are, the ones to offer first first."""

    def __init__(self, what: str, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("add_to_album")
        self.setWindowTitle("Add to Album")
        self.setMinimumWidth(440)
        self.names = names
        self.heading = heading = QLabel(f"Add {what} to the &album:")
        heading.setObjectName("album_heading")
        heading.setWordWrap(True)
        self.album = QComboBox()
        self.album.setObjectName("album_name")
        self.album.setEditable(True)
        self.album.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.album.addItems(names)
        self.album.setCurrentIndex(0 if names else -1)
        self.album.setMinimumContentsLength(28)
        self.album.lineEdit().setPlaceholderText("an album's name; a new name makes a new album")
        self.album.completer().setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        heading.setBuddy(self.album)
        self.hint = QLabel()
        self.hint.setObjectName("album_hint")
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.album.editTextChanged.connect(self._check)
        # Enter in the name adds, whether or not the completer's list is open.
        self.album.lineEdit().returnPressed.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.album)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.album.setFocus()
        self.album.lineEdit().selectAll()  # typing replaces the name offered
        self._check()

    def name(self) -> str:
        """The album chosen: an existing one whatever the case typed, else a new name."""
        typed = " ".join(self.album.currentText().split())
        known = {n.casefold(): n for n in self.names}
        return known.get(typed.casefold(), typed)

    def is_new(self) -> bool:
        return self.name() not in self.names

    def _check(self, *_args) -> None:
        name = self.name()
        if not name:
            self.hint.setText("Type the album's name")
        elif self.is_new():
            self.hint.setText(f"Makes a new album “{name}”")
        else:
            self.hint.setText(f"Adds at the end of “{name}”")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(name))

    def accept(self) -> None:
        if self.name():
            super().accept()


def add_to_album(
    window: MainWindow,
    file_ids: FileIds,
    what: str | None = None,
    on_added: Callable[[str], None] = lambda _name: None,
) -> None:
    """Ask which album, then add the files at its end (making it if the name is new).
    `what`: the files in words, when `file_ids` is a function ("the files in “1998”")."""
    if what is None:
        if callable(file_ids):
            what = "the selected files"
        elif not file_ids:
            _say(window, "Select files first (Shift or Ctrl with arrows select several)", 5000)
            return
        else:
            what = _files(len(file_ids))
    known = [name for (name,) in Album.select(Album.name).order_by(Album.name).tuples()]
    offered = [n for n in _recent if n in known] + [n for n in known if n not in _recent]
    dialog = AddToAlbumDialog(what, offered, window)
    accepted = window.prompts.run_modal(dialog)
    name = dialog.name()
    dialog.deleteLater()
    if not accepted:
        return
    _say(window, f"Adding {what} to “{name}”…", 0)

    def work() -> tuple[bool, albums.AddResult] | None:
        ids = _resolve(file_ids)
        if not ids:
            return None
        with write_transaction():
            made = not Album.select().where(Album.name == name).exists()
            if made:
                albums.create_album(name)
            return made, albums.add_files(name, ids)

    def done(outcome: tuple[bool, albums.AddResult] | None) -> None:
        if outcome is None:
            _say(window, "No files to add: the selected folders show none", 6000)
            return
        made, result = outcome
        _recent[:] = [name, *(n for n in _recent if n != name)]
        _say(window, _added_words(name, made, result), 10000)
        on_added(name)

    def failed(exc: Exception) -> None:
        _say(window, f"Nothing was added to “{name}”: {exc}", 10000)

    album_writes(window).submit(work, done, failed)


def _added_words(name: str, made: bool, result: albums.AddResult) -> str:
    added, already = len(result.added), len(result.already)
    if made:
        text = f"Made the album “{name}” with {_files(added)}"
    elif not added and already:
        text = f"{'The file was' if already == 1 else f'All {already:,} files were'}"
        text += f" already in “{name}”"
    else:
        text = f"Added {_files(added)} to “{name}”"
        if already:
            text += f" ({already:,} {'was' if already == 1 else 'were'} already in it)"
    if result.unknown:
        gone = len(result.unknown)
        text += f"; {_files(gone)} {'is' if gone == 1 else 'are'} no longer in the catalogue"
    return text


# -- New Event from Files -------------------------------------------------------------------


@dataclass(frozen=True)
class DatesSpan:
    """The earliest and latest of some files' dates (as events see a file's date)."""

    file_ids: list[int]
    first: Moment | None
    last: Moment | None
    undated: int

    def bounds(self, whole_days: bool) -> tuple[str, str | None]:
        """The event's start and end (None: a point in time), as create_event takes them."""
        assert self.first is not None and self.last is not None
        if whole_days:  # from the first file's day to the last's
            start, end = self.first.wall[:10], self.last.wall[:10]
        else:
            start, end = self.first.text, self.last.text
        return start, None if end == start else end

    def words(self, whole_days: bool) -> str:
        count = len(self.file_ids)
        if self.first is None:
            if count == 1:
                return "The file has no date: an event needs one"
            return f"None of the {count:,} files has a date: an event needs one"
        text = f"{human_span(*self.bounds(whole_days))}, from {_files(count)}"
        if self.undated:
            text += f"; {self.undated:,} {'has' if self.undated == 1 else 'have'} no date"
        return text


def read_dates_span(file_ids: FileIds, stale: Callable[[], bool] = lambda: False) -> DatesSpan:
    ids = _resolve(file_ids)
    first, last, undated = events.dates_span(ids, stale)
    return DatesSpan(ids, first, last, undated)


class NewEventDialog(QDialog):
    def __init__(self, what: str, file_ids: FileIds, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("new_event")
        self.setWindowTitle("New Event from Files")
        self.setMinimumWidth(480)
        self.span: DatesSpan | None = None
        self.taken = {name for (name,) in Event.select(Event.name).tuples()}
        heading = QLabel(f"An event spanning the dates of {what}. &Name:")
        heading.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("event_name")
        self.name_edit.setPlaceholderText("e.g. Wedding in Ely")
        heading.setBuddy(self.name_edit)
        self.span_label = QLabel(f"Reading the dates of {what}…")
        self.span_label.setObjectName("event_span")
        self.span_label.setWordWrap(True)
        self.whole_days = QCheckBox("&Whole days, from the first file's day to the last's")
        self.whole_days.setObjectName("event_whole_days")
        self.whole_days.setChecked(True)
        self.whole_days.setToolTip(
            "Otherwise the event runs from the first file's time to the last's, and a "
            "file taken earlier on the first day is not in it"
        )
        self.hint = QLabel()
        self.hint.setObjectName("event_hint")
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._check)
        self.whole_days.toggled.connect(self._check)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.name_edit)
        layout.addWidget(self.span_label)
        layout.addWidget(self.whole_days)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.name_edit.setFocus()
        self._check()
        self._reads = LatestOnly(self)
        self._reads.request(
            lambda stale: read_dates_span(file_ids, stale), self._span_read, self._span_failed
        )

    def name(self) -> str:
        return " ".join(self.name_edit.text().split())

    def bounds(self) -> tuple[str, str | None]:
        assert self.span is not None
        return self.span.bounds(self.whole_days.isChecked())

    def _span_read(self, span: DatesSpan) -> None:
        self.span = span
        self._check()
        self.adjustSize()  # the span may take two lines where the note took one

    def _span_failed(self, exc: Exception) -> None:
        self.span_label.setText(f"The files' dates could not be read: {exc}")

    def _problem(self) -> str:
        if self.span is None:
            return "Reading the dates…"
        if self.span.first is None:
            return "Choose files with a date"
        if not self.name():
            return "Type the event's name"
        if self.name() in self.taken:
            return f"There is already an event named “{self.name()}”"
        return ""

    def _check(self, *_args) -> None:
        if self.span is not None:
            self.span_label.setText(self.span.words(self.whole_days.isChecked()))
        problem = self._problem()
        self.hint.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def accept(self) -> None:
        if not self._problem():  # Enter with the dates still being read does nothing
            super().accept()

    def done(self, result: int) -> None:
        self._reads.cancel()
        super().done(result)


def new_event_from_files(
    window: MainWindow,
    file_ids: FileIds,
    what: str | None = None,
    on_made: Callable[[str], None] = lambda _name: None,
) -> None:
    """Ask a name, show the span the files' dates give, and make the event."""
    if what is None:
        if not callable(file_ids) and not file_ids:
            _say(window, "Select files first (Shift or Ctrl with arrows select several)", 5000)
            return
        what = "the selected files" if callable(file_ids) else _files(len(file_ids))
    dialog = NewEventDialog(what, file_ids, window)
    accepted = window.prompts.run_modal(dialog)
    dialog.deleteLater()
    if not accepted:
        return
    name, (start, end) = dialog.name(), dialog.bounds()

    def done(event: Event) -> None:
        _say(window, f"Made the event “{event.name}”: {human_span(start, end)}", 10000)
        on_made(event.name)

    def failed(exc: Exception) -> None:
        _say(window, f"The event was not made: {exc}", 10000)

    album_writes(window).submit(lambda: events.create_event(name, start, end), done, failed)


# -- the same, for what the tree has selected ---------------------------------------------


def add_selection_to_album(
    window: MainWindow, on_added: Callable[[str], None] = lambda _name: None
) -> None:
    chosen = tree_selection(window)
    if chosen is None:
        _say(window, "Select files or folders in the tree first (Shift or Ctrl with arrows)")
        return
    add_to_album(window, chosen[0], chosen[1], on_added)


def new_event_from_selection(
    window: MainWindow, on_made: Callable[[str], None] = lambda _name: None
) -> None:
    chosen = tree_selection(window)
    if chosen is None:
        _say(window, "Select files or folders in the tree first (Shift or Ctrl with arrows)")
        return
    new_event_from_files(window, chosen[0], chosen[1], on_made)
