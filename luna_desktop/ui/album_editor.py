"""Changing the album a CollectionView shows: Alt+Up / Alt+Down move the selected files,
Delete takes them out of the album (never out of the catalogue), Ctrl+Z puts them back.

A change shows in the list at the key press and is written after, off the GUI thread,
in the order the keys were pressed (SerialWrites); the catalogue applies the same rules
(catalog.albums), so list and album agree. A write that fails says why, and the list
is read again from the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from luna_desktop.catalog import albums
from luna_desktop.catalog.locking import write_transaction

from .collection_model import CollectionRow, runs, shifted
from .serial_writes import SerialWrites

if TYPE_CHECKING:
    from .collection_view import CollectionView


@dataclass(frozen=True)
class _Taken:
    """The last files taken out of an album, with the rows they had, for Ctrl+Z."""

    album: str
    rows: list[tuple[int, CollectionRow]]


def _files(n: int) -> str:
    return f"{n:,} file" if n == 1 else f"{n:,} files"


class AlbumEditor(QObject):
    def __init__(self, view: CollectionView) -> None:
        super().__init__(view)
        self.view = view
        self.writes = SerialWrites(self)
        self._taken: _Taken | None = None

    @property
    def writing(self) -> bool:
        return self.writes.busy

    def wait(self, msecs: int = -1) -> bool:
        return self.writes.wait(msecs)

    def forget(self) -> None:
        """Ctrl+Z no longer puts files back: the curator has done something else since."""
        self._taken = None

    def move_selected(self, step: int) -> None:
        """Alt+Up / Alt+Down: the selected files one place up or down."""
        view = self.view
        if not self._may_change("move"):
            return
        ids = view.selected_file_ids()
        order = view.model.order()
        new_order = shifted(order, set(ids), step)
        if new_order == order:
            where = "top" if step < 0 else "bottom"
            view.message.emit(f"Already at the {where} of “{view.name}”", 3000)
            return
        self._taken = None
        view.model.reorder(new_order)
        view.list.scrollTo(view.list.currentIndex())
        name = view.name
        move = albums.move_up if step < 0 else albums.move_down
        self._write(lambda: move(name, ids), name)

    def remove_selected(self) -> None:
        """Delete: the selected files out of the album; the catalogue keeps them."""
        view = self.view
        if not self._may_change("remove"):
            return
        ids = view.selected_file_ids()
        current = view.current_file_id()
        if current in ids and not view.may_leave():
            return
        with view.moving_by_itself():
            taken = view.model.take_out(set(ids))
            if view.model.rows and (current is None or view.model.row_of(current) is None):
                # The file now in the first one's place, or the last file.
                view.make_current(min(taken[0][0], len(view.model.rows) - 1))
        view.current_moved()
        name = view.name
        self._taken = _Taken(name, taken)
        view.describe()
        them = "it" if len(ids) == 1 else "them"
        self._write(
            lambda: albums.remove_files(name, ids),
            name,
            f"Took {_files(len(ids))} out of “{name}” (the catalogue keeps {them}) — "
            f"Ctrl+Z puts {them} back",
        )

    def can_put_back(self) -> bool:
        view = self.view
        return self._taken is not None and view.kind == "album" and self._taken.album == view.name

    def put_back(self) -> None:
        """Ctrl+Z after Delete: the files back in the album, where they were."""
        view, taken = self.view, self._taken
        if taken is None or not self.can_put_back():
            view.message.emit("Nothing to put back", 3000)
            return
        self._taken = None
        view.model.put_back(taken.rows)
        ids = [row.file_id for _, row in taken.rows]
        view.select_ids(ids)
        if view.may_leave():  # the first file put back becomes the current one
            with view.moving_by_itself():
                view.make_current(view.model.row_of(ids[0]) or 0, keep_selection=True)
            view.current_moved()
        view.describe()
        name = taken.album
        places = [(at, row.file_id) for at, row in taken.rows]

        def work() -> None:
            with write_transaction():  # all back, or none
                albums.add_files(name, ids)  # at the end, then each run to its place
                for first, count in runs([at for at, _ in places]):
                    block = [f for at, f in places if first <= at < first + count]
                    albums.move_files(name, block, first)

        self._write(work, name, f"Put {_files(len(ids))} back into “{name}”")

    def _may_change(self, verb: str) -> bool:
        view = self.view
        if view.kind == "event":
            view.message.emit(
                f"“{view.name}” is an event: its files are those dated within it, by date. "
                "Change a file's date to take it out; albums can be ordered by hand",
                8000,
            )
            return False
        if view.kind != "album" or not view.model.rows:
            return False
        if not view.selected_file_ids():
            view.message.emit(f"Select the files to {verb} first (Shift or Ctrl with arrows)", 4000)
            return False
        return True

    def _write(self, work: Callable[[], object], name: str, said: str = "") -> None:
        view = self.view

        def done(_result: object) -> None:
            if said:
                view.message.emit(said, 10000)
            view.albumChanged.emit(name)

        def failed(exc: Exception) -> None:
            self._taken = None
            view.message.emit(f"“{name}” was not changed: {exc}", 10000)
            view.reload()  # back to what the catalogue holds

        self.writes.submit(work, done, failed)
