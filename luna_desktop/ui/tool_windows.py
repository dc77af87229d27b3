"""The window's catalogue-wide tools: listings, duplicates, the copies report, the
project groups, albums and events. Each lives in its own module, imported when first
asked for: none of them is needed to start the window and show a drive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow


def import_listing(window: MainWindow) -> None:
    from .listing_dialogs import import_listing as run

    run(window)


def export_listing(window: MainWindow) -> None:
    from .listing_dialogs import export_listing as run

    run(window)


def duplicates(window: MainWindow) -> None:
    from .duplicates_panel import show_duplicates

    show_duplicates(window)


def copies_report(window: MainWindow) -> None:
    from .copies_report import show_copies_report

    show_copies_report(window)


def project_groups(window: MainWindow) -> None:
    from .project_groups_dialog import show_project_groups

    show_project_groups(window)


def add_to_album(window: MainWindow) -> None:
    """The files selected in the album or event shown, else in the tree."""
    from .album_dialogs import add_selection_to_album
    from .album_dialogs import add_to_album as add

    panel = window.panel
    if panel.showing_collection():
        add(window, panel.collection.selected_file_ids(), on_added=panel.sources_changed)
    else:
        add_selection_to_album(window, on_added=panel.sources_changed)


def new_event(window: MainWindow) -> None:
    from .album_dialogs import new_event_from_files, new_event_from_selection

    panel = window.panel

    def made(_name: str) -> None:
        panel.sources_changed()

    if panel.showing_collection():
        new_event_from_files(window, panel.collection.selected_file_ids(), on_made=made)
    else:
        new_event_from_selection(window, on_made=made)


def albums_and_events(window: MainWindow) -> None:
    from .album_manager import manage_albums

    manage_albums(window, on_changed=window.panel.sources_changed)


def relink_offers(window: MainWindow) -> None:
    """Missing files that turned up elsewhere: one window, raised if already open."""
    from .relink_offers import RelinkOffersDialog

    dialog = window.findChild(RelinkOffersDialog, "relink_offers")
    if dialog is None:
        dialog = RelinkOffersDialog(window)
        dialog.changed.connect(lambda: window.panel.reload_keeping_place(window.current_file))
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
