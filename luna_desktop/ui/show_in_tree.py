"""Show a file in the main window's tree, from a tool window (duplicates, copies report).

The file may be on another drive than the tree shows, or hidden by a chip or a search:
then the tree switches to its drive and shows every file, after the curator has said
what becomes of unsaved edits in the form, as for any other way of leaving a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from luna_desktop.catalog import queries

if TYPE_CHECKING:
    from .main_window import MainWindow


def show_in_tree(window: MainWindow, file_id: int) -> bool:
    """Select the file in the tree and bring the window forward; False if it could not."""
    entry = queries.file_with_drive(file_id)
    if entry is None:
        window.statusBar().showMessage("That file is no longer in the catalogue", 6000)
        return False
    panel = window.panel
    # select_file asks about unsaved edits itself, as moving in the tree does.
    if not (entry.drive_id == panel.drive_id() and window.select_file(entry)):
        if not window.controller.confirm_leaving():
            return False
        if entry.drive_id != panel.drive_id():
            panel.refresh_drive_list(select=entry.drive.name)
        panel.clear_filter()  # a chip or a search hid it
        panel.load_tree(restore=entry)
    shown = panel.current_file_id == file_id
    window.raise_()
    window.activateWindow()
    window.tree.setFocus(Qt.FocusReason.OtherFocusReason)
    if not shown:
        window.statusBar().showMessage(f"Could not show {entry.display_path} in the tree", 6000)
    return shown
