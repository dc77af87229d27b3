"""Albums and Events…: every album and event with how many files it holds; rename (F2 or
Enter) and delete (Del) them. Deleting never touches a file: an album's files stay in
the catalogue, an event's keep their dates.

The names show at once; the counts fill in from a worker (counting passes over the
album entries and the dated files). Renames and deletes are written off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from luna_desktop.catalog import albums, events
from luna_desktop.catalog.models import Album, Event, FileEntry

from .album_dialogs import album_writes
from .background import LatestOnly
from .collection_model import human_span
from .project_group_prompts import ask_name, confirm
from .source_selector import Source

if TYPE_CHECKING:
    from .main_window import MainWindow

_KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # ("album" | "event", name)


def _files(n: int) -> str:
    return f"{n:,} file" if n == 1 else f"{n:,} files"


def count_files() -> dict[tuple[str, str], int]:
    """How many files each album holds and each event spans (off the GUI thread)."""
    counts = {("album", a.name): a.files for a in albums.list_albums()}
    for event in events.list_events():
        query = FileEntry.select().where(events.event_condition(event))
        counts[("event", event.name)] = query.count()
    return counts


class AlbumManager(QDialog):
    def __init__(self, window: MainWindow, on_changed: Callable[..., None]) -> None:
        super().__init__(window)
        self.setObjectName("album_manager")
        self.setWindowTitle("Albums and Events")
        self.window_ = window
        self.on_changed = on_changed
        self.counts: dict[tuple[str, str], int] = {}
        self._reads = LatestOnly(self)
        heading = QLabel("&Albums and events:")
        self.list = QListWidget()
        self.list.setObjectName("collections")
        heading.setBuddy(self.list)
        self.note = QLabel("F2 or Enter renames, Del deletes; files are never deleted.")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        rename = QPushButton("&Rename…")
        rename.clicked.connect(self.rename)
        delete = QPushButton("&Delete…")
        delete.clicked.connect(self.delete)
        for button in (rename, delete):
            button.setAutoDefault(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(520, 420)
        self.fill()
        self.list.setFocus()

    def fill(self, select: tuple[str, str] | None = None) -> None:
        """The names now, from two small tables; the counts when the worker has them."""
        chosen = select or self._chosen()
        self.list.clear()
        albums_ = [("album", n) for (n,) in Album.select(Album.name).order_by(Album.name).tuples()]
        events_ = [
            ("event", e.name, human_span(e.starts_at, e.ends_at))
            for e in Event.select().order_by(Event.starts_at, Event.name)
        ]
        for kind, name, *span in albums_ + events_:
            item = QListWidgetItem()
            item.setData(_KIND_ROLE, (kind, name))
            item.setData(Qt.ItemDataRole.UserRole, span[0] if span else "")
            self.list.addItem(item)
            if (kind, name) == chosen:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self._label_items()
        if not self.list.count():
            self.note.setText(
                "No albums or events yet. Select files in the tree and add them to an "
                "album, or make an event from them."
            )
        self._reads.request(lambda _stale: count_files(), self._counted)

    def _counted(self, counts: dict[tuple[str, str], int]) -> None:
        self.counts = counts
        self._label_items()

    def _label_items(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            kind, name = item.data(_KIND_ROLE)
            count = self.counts.get((kind, name))
            files = _files(count) if count is not None else "counting…"
            span = item.data(Qt.ItemDataRole.UserRole)
            about = f"{span}, {files}" if span else files
            item.setText(f"{kind.capitalize()} · {name}    ({about})")

    def _chosen(self) -> tuple[str, str] | None:
        item = self.list.currentItem()
        return tuple(item.data(_KIND_ROLE)) if item else None  # type: ignore[return-value]

    def rename(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        kind, old = chosen
        new = ask_name(self, f"Rename the {kind}", f"New name for “{old}”:", old)
        if new is None or " ".join(new.split()) == old:
            return
        change = albums.rename_album if kind == "album" else events.rename_event

        def work() -> tuple[str, str]:
            return kind, change(old, new).name

        self._write(work, lambda name: f"Renamed the {kind} “{old}” to “{name}”", renamed_from=old)

    def delete(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        kind, name = chosen
        count = self.counts.get(chosen)
        held = f" ({_files(count)})" if count is not None else ""
        if kind == "album":
            keeps = "Its files stay in the catalogue, and in any other album."
        else:
            keeps = "Its files keep their dates; only the event's name and span go."
        question = f"Delete the {kind} “{name}”{held}?"
        if not confirm(self, f"Delete the {kind}", question, keeps, "Delete", "confirm_delete"):
            return
        remove = albums.delete_album if kind == "album" else events.delete_event

        def work() -> None:
            remove(name)

        self._write(work, lambda _name: f"Deleted the {kind} “{name}”")

    def _write(
        self,
        work: Callable[[], tuple[str, str] | None],
        said: Callable[[str], str],
        renamed_from: str | None = None,
    ) -> None:
        """`work` returns the (kind, name) to choose after, or None. `renamed_from`: the
        old name, so that an album or event on show stays shown under its new one."""

        def done(chosen: tuple[str, str] | None) -> None:
            self.window_.statusBar().showMessage(said(chosen[1] if chosen else ""), 8000)
            self.fill(chosen)
            if renamed_from is not None and chosen is not None:
                kind, name = chosen
                self.on_changed(renamed=(Source(kind, renamed_from), Source(kind, name)))
            else:
                self.on_changed()

        def failed(exc: Exception) -> None:
            self.note.setText(f"Nothing was changed: {exc}")

        album_writes(self.window_).submit(work, done, failed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_F2, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.rename()
        elif key == Qt.Key.Key_Delete:
            self.delete()
        else:
            super().keyPressEvent(event)


def manage_albums(window: MainWindow, on_changed: Callable[..., None] = lambda **_: None) -> None:
    """Albums and Events…: rename and delete them, with how many files each holds.
    `on_changed` runs after each change (the selector lists them)."""
    dialog = AlbumManager(window, on_changed)
    window.prompts.run_modal(dialog)
    dialog.deleteLater()
