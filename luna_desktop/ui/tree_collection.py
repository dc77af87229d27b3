"""The tree panel's other page: an album's or an event's files, listed in the tree's
place when the selector chooses one (ui.collection_view), with the chips, the search
and the filter idle meanwhile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from .source_selector import Source

if TYPE_CHECKING:
    from .collection_view import CollectionView
    from .source_selector import SourceSelector


class CollectionShown:
    """Mixed into TreePanel, whose widgets and load_tree it uses."""

    collection: CollectionView
    drive_combo: SourceSelector
    _shown: Source | None

    def sources_changed(
        self, album: str | None = None, renamed: tuple[Source, Source] | None = None
    ) -> None:
        """Albums or events were made, renamed (`renamed`: from, to) or deleted, or files
        added to `album`. What is on show stays on show under a new name; when it was
        deleted, the curator's typing is asked about before anything else is shown."""
        if renamed is not None and renamed[0] == self._shown:
            self._shown = renamed[1]
            self.drive_combo.refresh(renamed[1])
            self.collection.renamed(renamed[1].name)
            return
        self.refresh_drive_list()
        if self.drive_combo.source() == self._shown:
            if album is not None:
                self.collection.album_changed(album)
            return
        if self.may_leave():  # what was shown is gone
            self.load_tree()
            return
        self.message.emit(
            "What was shown was deleted: save or discard your edits (Ctrl+S or Esc), "
            "then choose what to show",
            10000,
        )

    def showing_collection(self) -> bool:
        """Whether an album or an event is shown (the collection list, not the tree)."""
        return self._shown is not None and self._shown.kind != "drive"

    def _tree_controls(self) -> list[QWidget]:
        """What filters a drive's tree: idle while an album or event is listed."""
        bar = getattr(self, "filter_bar", None)
        return [*self.chips.buttons(), self.search, *([bar.button] if bar else [])]

    def _show_collection(self, source: Source) -> None:
        """An album or event chosen in the selector: its files, in the tree's place."""
        if source == self._shown:
            self.collection.reload()
            return
        self._shown = source
        self._set_current(None)
        for widget in self._tree_controls():
            widget.setEnabled(False)
        self.search_note.hide()
        had_focus = self.tree.hasFocus() or self.empty_note.hasFocus()
        self.tree_stack.setCurrentWidget(self.collection)
        if had_focus:
            self.collection.list.setFocus()
        if source.kind == "album":
            self.collection.show_album(source.name)
        else:
            self.collection.show_event(source.name)
