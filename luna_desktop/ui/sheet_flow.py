"""The contact sheet in the window: a folder chosen in the tree shows its files as a
grid in the preview's place; the form follows the grid's current file; Enter (or a
double-click) opens that file in the single view, and Ctrl+G goes back to the grid.

While the grid has focus, 1–6 and Edit Selected Files act on its selection (ui.
bulk_curation asks `selected_ids`), j and k move through it, and a save or a bulk change
repaints its cells. Leaving a file with unsaved edits asks first, as the tree does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from .contact_sheet import ContactSheet

if TYPE_CHECKING:
    from luna_desktop.scan.cache_fill import FillProgress

    from .main_window import MainWindow


class SheetFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sheet = ContactSheet()
        self.sheet.setObjectName("contact_sheet_pane")
        window.preview_stack.addWidget(self.sheet)
        self._choosing = False  # the sheet is making its file the form's: not a tree move
        panel = window.panel
        panel.folderChosen.connect(self.show_folder)
        panel.fileReselected.connect(self._single_again)
        self.sheet.current_changed.connect(self._sheet_moved)
        self.sheet.open_requested.connect(self.open_single)
        window.drive_life.cache.progressed.connect(self._cache_progress)
        window.mounts.changed.connect(self._mounts_changed)

    @property
    def showing(self) -> bool:
        return self.window.preview_stack.currentWidget() is self.sheet

    @property
    def choosing(self) -> bool:
        """The grid is making its current file the form's (not a move in the tree)."""
        return self._choosing

    def has_focus(self) -> bool:
        return self.showing and self.sheet.view.hasFocus()

    def selected_ids(self) -> list[int]:
        return self.sheet.selected_file_ids()

    # --- showing ------------------------------------------------------------------------

    def show_folder(self, folder: str, select: int | None = None) -> None:
        w = self.window
        panel = w.panel
        drive_id = panel.model.drive_id
        if drive_id is None:
            return
        mount = panel.drive_combo.drive_mount()
        usable = mount if mount and w.mounts.usable(mount) else None
        self.sheet.show_folder(drive_id, folder, panel.model.file_filter, usable, panel.model.hits)
        if select is not None:  # once the folder's rows are read
            self.sheet.select_file(select)
        w.preview.clear()  # nothing plays or decodes behind the grid
        w.preview_stack.setCurrentWidget(self.sheet)

    def toggle(self) -> None:
        """Ctrl+G: the grid of the folder on show, or the single view of its file. With
        the grid shown but the tree in focus (a folder chosen with the arrows), it
        takes the keys into the grid first."""
        if self.showing and not self.sheet.view.hasFocus():
            self.sheet.view.setFocus()
            return
        if self.showing:
            file_id = self.sheet.current_file_id()
            if file_id is not None:
                self.open_single(file_id)
            return
        entry = self.window.current_file
        if entry is None or entry.drive_id != self.window.panel.model.drive_id:
            self.window.statusBar().showMessage("Choose a folder or a file of a drive first", 5000)
            return
        self.show_folder(entry.folder, select=entry.id)
        self.sheet.view.setFocus()

    def open_single(self, file_id: int) -> None:
        """Enter on a cell: that file, big, with the tree on it."""
        w = self.window
        from luna_desktop.catalog.models import FileEntry

        entry = FileEntry.get_or_none(FileEntry.id == file_id)
        if entry is None:
            return
        w.preview_stack.setCurrentWidget(w.preview)
        w.panel.select_file(entry)
        w.show_current_again()
        w.tree.setFocus()

    def step(self, step: int) -> bool:
        """j/k inside the grid; False when the grid is not where the curator is."""
        if not self.has_focus():
            return False
        self.sheet.step_file(step)
        return True

    # --- following ----------------------------------------------------------------------

    def _single_again(self, _file_id: int) -> None:
        """The tree chose the file the grid had current: the single view shows it."""
        if self.showing:
            self.window.preview_stack.setCurrentWidget(self.window.preview)
            self.window.show_current_again()

    def _sheet_moved(self, file_id: int) -> None:
        w = self.window
        if not self.showing or file_id == w.panel.current_file_id:
            return
        if not w.controller.confirm_leaving():
            previous = w.panel.current_file_id
            if previous is not None:
                self.sheet.blockSignals(True)
                self.sheet.select_file(previous)
                self.sheet.blockSignals(False)
            return
        self._choosing = True
        try:
            w.panel.set_current_file(file_id)
        finally:
            self._choosing = False

    def changed(self, file_ids: list[int] | tuple[int, ...], values: dict) -> None:
        """Files were saved or changed in bulk: their cells say so."""
        if "status" in values and file_ids:
            self.sheet.set_status(list(file_ids), int(values["status"]))

    def reload(self) -> None:
        """After an undo: the grid as the catalogue has it now."""
        if self.showing and self.sheet.folder is not None:
            self.show_folder(self.sheet.folder, select=self.sheet.current_file_id())

    def _mounts_changed(self) -> None:
        if self.sheet.drive_id is None:
            return
        mount = self.window.panel.drive_combo.drive_mount()
        usable = mount if mount and self.window.mounts.usable(mount) else None
        if usable != self.sheet.mount_path:
            self.sheet.set_mount_path(usable)

    def _cache_progress(self, _progress: FillProgress) -> None:
        if self.showing:
            self.sheet.recheck_thumbnails()

    def shutdown(self) -> None:
        self.sheet.shutdown()
