"""Each command of the action registry (ui.actions) to what does it in the window, and
the widgets whose focus makes each scope's keys live."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from luna_desktop.catalog.status import Status

from . import tool_windows
from .about_dialog import show_about
from .actions import SPECS, ActionId, Scope, attach, browse_only_shortcut
from .preview_pane import SEEK_STEP_MS

if TYPE_CHECKING:
    from .main_window import MainWindow


def wire_actions(w: MainWindow) -> None:
    a = w.actions_by_id
    handlers = {
        ActionId.SAVE: w.save,
        ActionId.SAVE_AND_NEXT: w.save_and_next,
        ActionId.DISCARD_EDITS: w.discard_edits,
        ActionId.COPY_PREVIOUS: w.controller.copy_previous,
        ActionId.UNDO_CHANGE: w.bulk.undo,
        ActionId.EDIT_SELECTED: w.bulk.edit_selected,
        ActionId.ADD_TO_ALBUM: partial(tool_windows.add_to_album, w),
        ActionId.NEW_EVENT: partial(tool_windows.new_event, w),
        ActionId.ALBUM_MOVE_UP: partial(w.panel.collection.editor.move_selected, -1),
        ActionId.ALBUM_MOVE_DOWN: partial(w.panel.collection.editor.move_selected, 1),
        ActionId.ALBUM_REMOVE: w.panel.collection.editor.remove_selected,
        ActionId.ALBUMS_AND_EVENTS: partial(tool_windows.albums_and_events, w),
        ActionId.NEXT_FILE: lambda: w.sheet_flow.step(1) or w.panel.step_file(1),
        ActionId.PREVIOUS_FILE: lambda: w.sheet_flow.step(-1) or w.panel.step_file(-1),
        ActionId.CONTACT_SHEET: w.sheet_flow.toggle,
        ActionId.NEXT_UNREVIEWED: lambda: w.panel.next_unreviewed(w.current_file),
        ActionId.FOCUS_TITLE: w.form.focus_title,
        ActionId.FOCUS_NOTES: w.form.focus_notes,
        ActionId.FOCUS_TREE: w.focus_tree,
        ActionId.FOCUS_SEARCH: w.focus_search,
        ActionId.FILTER: w.panel.filter_bar.edit,
        ActionId.TOGGLE_ZOOM: w.preview.toggle_zoom,
        ActionId.PLAY_PAUSE: w.preview.play_pause,
        ActionId.SEEK_BACK: partial(w.preview.seek_by, -SEEK_STEP_MS),
        ActionId.SEEK_FORWARD: partial(w.preview.seek_by, SEEK_STEP_MS),
        ActionId.FRAME_BACK: partial(w.preview.step_frame, -1),
        ActionId.FRAME_FORWARD: partial(w.preview.step_frame, 1),
        ActionId.MUTE: w.preview.toggle_mute,
        ActionId.SLOWER: partial(w.preview.change_rate, -1),
        ActionId.FASTER: partial(w.preview.change_rate, 1),
        ActionId.PREVIOUS_PAGE: partial(w.preview.turn_page, -1),
        ActionId.NEXT_PAGE: partial(w.preview.turn_page, 1),
        ActionId.OPEN_EXTERNALLY: w.open_externally,
        ActionId.ADD_DRIVE: w.scan_flow.add_drive_dialog,
        ActionId.IMPORT_LISTING: partial(tool_windows.import_listing, w),
        ActionId.EXPORT_LISTING: partial(tool_windows.export_listing, w),
        ActionId.DUPLICATES: partial(tool_windows.duplicates, w),
        ActionId.COPIES_REPORT: partial(tool_windows.copies_report, w),
        ActionId.RELINK_OFFERS: partial(tool_windows.relink_offers, w),
        ActionId.FILL_CACHE: w.drive_life.fill_shown_drive,
        ActionId.CLEAR_CACHE: w.drive_life.clear_cache,
        ActionId.PROJECT_GROUPS: partial(tool_windows.project_groups, w),
        ActionId.CANCEL_SCAN: w.cancel_scan,
        ActionId.PREFERENCES: w.show_preferences,
        ActionId.SHORTCUTS: w.show_shortcuts,
        ActionId.ABOUT: partial(show_about, w),
        ActionId.QUIT: w.close,
    }
    for status in Status:
        handlers[ActionId[f"STATUS_{int(status)}"]] = partial(w.bulk.status_key, int(status))
    for action_id, handler in handlers.items():
        # Through a lambda: `triggered` passes `checked`, which no handler wants.
        a[action_id].triggered.connect(lambda _checked=False, h=handler: h())
    for action_id in a:
        if SPECS[action_id].scope is Scope.WINDOW:
            w.addAction(a[action_id])
    # The note that stands in for an empty tree takes the same keys (u still works).
    # An album's or event's list (in the tree's place) takes the tree's keys too.
    listed = w.panel.collection
    sheet = w.sheet_flow.sheet
    attach(a, Scope.BROWSE, w.tree, w.preview, w.empty_note, listed.list, listed.note, sheet.view)
    attach(a, Scope.FORM, w.form)
    attach(a, Scope.PLAYER, w.tree, w.preview, listed.list)
    attach(a, Scope.DOCUMENT, w.tree, w.preview, listed.list)
    attach(a, Scope.ALBUM, listed.list)
    w.preview.controls_changed.connect(w.media_controls_changed)
    w.media_controls_changed(w.preview.controls)
    w.preview.set_open_action(a[ActionId.OPEN_EXTERNALLY])
    w.preview.autoplay = w.settings.autoplay
    help_key = browse_only_shortcut(a, ActionId.SHORTCUTS, "?")
    w.tree.addAction(help_key)
    w.preview.addAction(help_key)
    listed.list.addAction(help_key)
    sheet.view.addAction(help_key)
    a[ActionId.CANCEL_SCAN].setEnabled(False)
    a[ActionId.SAVE].setEnabled(False)
