"""The one action registry: every command, its text, its keys and where they work.

Single-letter keys (j, k, u, t, n, 1–6, ?) act only while the tree or the preview has
focus, so that typing in a text field types; Ctrl keys and F1 work everywhere. The
window builds each QAction once from this table; no widget creates its own shortcut.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QWidget

from luna_desktop.catalog.status import Status


class Scope(Enum):
    WINDOW = auto()  # anywhere in the window
    ALBUM = auto()  # when an album's list has focus
    BROWSE = auto()  # when the tree or the preview has focus
    FORM = auto()  # when focus is in the metadata form
    # Like BROWSE, and only while the file on show is one they apply to (the window
    # disables them otherwise, so Left, Right and Space keep their usual meaning).
    PLAYER = auto()  # a video or audio file
    DOCUMENT = auto()  # a PDF


class ActionId(Enum):
    SAVE = auto()
    SAVE_AND_NEXT = auto()
    DISCARD_EDITS = auto()
    COPY_PREVIOUS = auto()
    EDIT_SELECTED = auto()
    ADD_TO_ALBUM = auto()
    NEW_EVENT = auto()
    ALBUM_MOVE_UP = auto()
    ALBUM_MOVE_DOWN = auto()
    ALBUM_REMOVE = auto()
    ALBUMS_AND_EVENTS = auto()
    UNDO_CHANGE = auto()
    NEXT_FILE = auto()
    PREVIOUS_FILE = auto()
    NEXT_UNREVIEWED = auto()
    FOCUS_TITLE = auto()
    FOCUS_NOTES = auto()
    FOCUS_TREE = auto()
    FOCUS_SEARCH = auto()
    FILTER = auto()
    STATUS_1 = auto()
    STATUS_2 = auto()
    STATUS_3 = auto()
    STATUS_4 = auto()
    STATUS_5 = auto()
    STATUS_6 = auto()
    TOGGLE_ZOOM = auto()
    PLAY_PAUSE = auto()
    SEEK_BACK = auto()
    SEEK_FORWARD = auto()
    FRAME_BACK = auto()
    FRAME_FORWARD = auto()
    MUTE = auto()
    SLOWER = auto()
    FASTER = auto()
    PREVIOUS_PAGE = auto()
    NEXT_PAGE = auto()
    OPEN_EXTERNALLY = auto()
    ADD_DRIVE = auto()
    IMPORT_LISTING = auto()
    EXPORT_LISTING = auto()
    DUPLICATES = auto()
    COPIES_REPORT = auto()
    RELINK_OFFERS = auto()
    FILL_CACHE = auto()
    CLEAR_CACHE = auto()
    CONTACT_SHEET = auto()
    PROJECT_GROUPS = auto()
    TRANSFERS = auto()
    START_TRANSFERS = auto()
    DESTINATIONS = auto()
    CANCEL_SCAN = auto()
    PREFERENCES = auto()
    SHORTCUTS = auto()
    ABOUT = auto()
    QUIT = auto()


@dataclass(frozen=True)
class ActionSpec:
    text: str
    keys: tuple[str, ...]
    scope: Scope
    tip: str = ""


SPECS: dict[ActionId, ActionSpec] = {
    ActionId.SAVE: ActionSpec("&Save", ("Ctrl+S",), Scope.WINDOW, "Save the form"),
    ActionId.SAVE_AND_NEXT: ActionSpec(
        "Save and &Next",
        ("Ctrl+Return", "Ctrl+Enter"),
        Scope.WINDOW,
        "Save and go to the next file in the folder",
    ),
    ActionId.DISCARD_EDITS: ActionSpec(
        "&Discard Edits", ("Esc",), Scope.FORM, "Put the form back as it was saved"
    ),
    ActionId.COPY_PREVIOUS: ActionSpec(
        "&Copy from the Previous File",
        ("Ctrl+D",),
        Scope.WINDOW,
        "Status, project group, date, description and tags of the last file saved",
    ),
    ActionId.EDIT_SELECTED: ActionSpec(
        "&Edit Selected Files…",
        ("Ctrl+Shift+E",),
        Scope.WINDOW,
        "Set status, project group, date or tags on every selected file or folder at once",
    ),
    ActionId.ADD_TO_ALBUM: ActionSpec(
        "Add to &Album…",
        ("Ctrl+Shift+A",),
        Scope.WINDOW,
        "Add the selected files or folders to an album, or to a new one",
    ),
    ActionId.NEW_EVENT: ActionSpec(
        "New E&vent from Selection…",
        (),
        Scope.WINDOW,
        "An event spanning the dates of the selected files",
    ),
    ActionId.ALBUM_MOVE_UP: ActionSpec(
        "Move Up in the Album", ("Alt+Up",), Scope.ALBUM, "The selected files one place up"
    ),
    ActionId.ALBUM_MOVE_DOWN: ActionSpec(
        "Move Down in the Album", ("Alt+Down",), Scope.ALBUM, "The selected files one place down"
    ),
    ActionId.ALBUM_REMOVE: ActionSpec(
        "Take out of the Album",
        ("Del",),
        Scope.ALBUM,
        "The selected files out of the album (not the catalogue); Ctrl+Z puts them back",
    ),
    ActionId.ALBUMS_AND_EVENTS: ActionSpec(
        "Albums and &Events…", (), Scope.WINDOW, "Rename and delete albums and events"
    ),
    ActionId.UNDO_CHANGE: ActionSpec(
        "&Undo Last Change",
        ("Ctrl+Z",),
        Scope.BROWSE,  # in a text field Ctrl+Z undoes typing
        "Take back the last save or bulk change (again to go further back)",
    ),
    ActionId.NEXT_FILE: ActionSpec("Next File", ("J",), Scope.BROWSE, "Next file in the folder"),
    ActionId.PREVIOUS_FILE: ActionSpec(
        "Previous File", ("K",), Scope.BROWSE, "Previous file in the folder"
    ),
    ActionId.NEXT_UNREVIEWED: ActionSpec(
        "Next &Unreviewed", ("U",), Scope.BROWSE, "Next unreviewed file on this drive"
    ),
    ActionId.FOCUS_TITLE: ActionSpec("Edit &Title", ("T",), Scope.BROWSE, "Type the title"),
    ActionId.FOCUS_NOTES: ActionSpec("Edit N&otes", ("N",), Scope.BROWSE, "Type notes"),
    ActionId.FOCUS_TREE: ActionSpec(
        "Go to the &Tree", ("Ctrl+1",), Scope.WINDOW, "Move the focus to the file tree"
    ),
    ActionId.FOCUS_SEARCH: ActionSpec(
        "&Find…", ("Ctrl+F",), Scope.WINDOW, "Search filenames, paths, titles, oshash and tags"
    ),
    ActionId.FILTER: ActionSpec(
        "F&ilter Files…",
        ("Ctrl+Shift+F",),
        Scope.WINDOW,
        "Show only files of a kind, camera, date range, status, group, tag, album or copy state",
    ),
    ActionId.TOGGLE_ZOOM: ActionSpec(
        "&Zoom to 100 %", ("Z",), Scope.BROWSE, "Toggle between fit and 100 %"
    ),
    ActionId.PLAY_PAUSE: ActionSpec("&Play / Pause", ("Space",), Scope.PLAYER, "Play or pause"),
    ActionId.SEEK_BACK: ActionSpec("Back 5 s", ("Left",), Scope.PLAYER, "Seek back 5 seconds"),
    ActionId.SEEK_FORWARD: ActionSpec(
        "Forward 5 s", ("Right",), Scope.PLAYER, "Seek forward 5 seconds"
    ),
    ActionId.FRAME_BACK: ActionSpec(
        "Frame Back", ("Shift+Left",), Scope.PLAYER, "Pause and go one frame back"
    ),
    ActionId.FRAME_FORWARD: ActionSpec(
        "Frame Forward", ("Shift+Right",), Scope.PLAYER, "Pause and go one frame on"
    ),
    ActionId.MUTE: ActionSpec("&Mute", ("M",), Scope.PLAYER, "Sound off or on"),
    ActionId.SLOWER: ActionSpec("Slower", ("[",), Scope.PLAYER, "Play slower (down to 0.5×)"),
    ActionId.FASTER: ActionSpec("Faster", ("]",), Scope.PLAYER, "Play faster (up to 2×)"),
    ActionId.PREVIOUS_PAGE: ActionSpec(
        "Previous Page", ("PgUp",), Scope.DOCUMENT, "Previous page of the PDF"
    ),
    ActionId.NEXT_PAGE: ActionSpec(
        "Next Page", ("PgDown",), Scope.DOCUMENT, "Next page of the PDF"
    ),
    ActionId.OPEN_EXTERNALLY: ActionSpec(
        "&Open with the System's Application",
        ("Ctrl+Shift+O",),
        Scope.WINDOW,
        "Open the file in the application the system uses for it",
    ),
    ActionId.ADD_DRIVE: ActionSpec(
        "&Add Drive…", ("Ctrl+O",), Scope.WINDOW, "Catalogue a drive or folder"
    ),
    ActionId.CANCEL_SCAN: ActionSpec("Cancel Scan", (), Scope.WINDOW, "Stop the running scan"),
    ActionId.IMPORT_LISTING: ActionSpec(
        "&Import Listing…", (), Scope.WINDOW, "Catalogue a drive from a JSON listing made elsewhere"
    ),
    ActionId.EXPORT_LISTING: ActionSpec(
        "&Export Listing…", (), Scope.WINDOW, "Write a drive's catalogue as a JSON listing"
    ),
    ActionId.DUPLICATES: ActionSpec(
        "&Duplicates…",
        ("Ctrl+Shift+D",),
        Scope.WINDOW,
        "Copies of the same file across drives: choose the primary, decide the rest",
    ),
    ActionId.RELINK_OFFERS: ActionSpec(
        "&Missing Files Found Elsewhere…",
        (),
        Scope.WINDOW,
        "Files that went missing and turned up again, on any drive: relink each with its curation",
    ),
    ActionId.FILL_CACHE: ActionSpec(
        "&Fill Preview Cache",
        (),
        Scope.WINDOW,
        "Make thumbnails and previews of the shown drive now, so it can be curated unplugged",
    ),
    ActionId.CLEAR_CACHE: ActionSpec(
        "C&lear Preview Cache…",
        (),
        Scope.WINDOW,
        "Delete every cached thumbnail, preview and poster frame (the files are untouched)",
    ),
    ActionId.CONTACT_SHEET: ActionSpec(
        "&Contact Sheet",
        ("Ctrl+G",),
        Scope.WINDOW,
        "The shown folder's files as a grid of thumbnails; Enter opens one",
    ),
    ActionId.COPIES_REPORT: ActionSpec(
        "Files on &One Drive Only…", (), Scope.WINDOW, "Files no other drive holds a copy of"
    ),
    ActionId.PROJECT_GROUPS: ActionSpec(
        "&Project Groups…", (), Scope.WINDOW, "Add, rename and merge project groups"
    ),
    ActionId.TRANSFERS: ActionSpec(
        "&Transfers",
        ("Ctrl+Shift+T",),
        Scope.WINDOW,
        "Show or hide the Transfers panel: each destination's queue, progress and failures",
    ),
    ActionId.START_TRANSFERS: ActionSpec(
        "&Start Transfers",
        (),
        Scope.WINDOW,
        "Publish to every destination now, delayed ones too (paused ones stay paused)",
    ),
    ActionId.DESTINATIONS: ActionSpec(
        "&Destinations…", (), Scope.WINDOW, "Add, edit and remove where files are published"
    ),
    ActionId.PREFERENCES: ActionSpec(
        "&Preferences…", ("Ctrl+,",), Scope.WINDOW, "Curator name, theme, ignore patterns"
    ),
    ActionId.SHORTCUTS: ActionSpec(
        "&Keyboard Shortcuts", ("F1", "?"), Scope.WINDOW, "Show every key"
    ),
    ActionId.ABOUT: ActionSpec(
        "&About Luna Desktop…",
        (),
        Scope.WINDOW,
        "Versions of Luna and what it runs on (for a bug report), and where its files live",
    ),
    ActionId.QUIT: ActionSpec("&Quit", ("Ctrl+Q",), Scope.WINDOW),
}

for _status in Status:
    SPECS[ActionId[f"STATUS_{int(_status)}"]] = ActionSpec(
        f"Status: {_status.label}",
        (str(int(_status)),),
        Scope.BROWSE,
        f"Set the status to {_status.label}",
    )

# The menu bar: (title, actions), None for a separator. Every action of SPECS with a
# menu place appears here, so the menus and the shortcut sheet say the same.
MENUS: tuple[tuple[str, tuple[ActionId | None, ...]], ...] = (
    (
        "&File",
        (
            ActionId.ADD_DRIVE,
            ActionId.CANCEL_SCAN,
            None,
            ActionId.IMPORT_LISTING,
            ActionId.EXPORT_LISTING,
            None,
            ActionId.OPEN_EXTERNALLY,
            None,
            ActionId.PREFERENCES,
            None,
            ActionId.QUIT,
        ),
    ),
    (
        "&Edit",
        (
            ActionId.UNDO_CHANGE,
            None,
            ActionId.SAVE,
            ActionId.SAVE_AND_NEXT,
            ActionId.DISCARD_EDITS,
            ActionId.COPY_PREVIOUS,
            ActionId.EDIT_SELECTED,
            None,
            ActionId.ADD_TO_ALBUM,
            ActionId.NEW_EVENT,
            ActionId.ALBUM_MOVE_UP,
            ActionId.ALBUM_MOVE_DOWN,
            ActionId.ALBUM_REMOVE,
            None,
            ActionId.FOCUS_TITLE,
            ActionId.FOCUS_NOTES,
            None,
            ActionId.PROJECT_GROUPS,
        ),
    ),
    ("&Status", tuple(ActionId[f"STATUS_{int(s)}"] for s in Status)),
    (
        "&Go",
        (
            ActionId.NEXT_FILE,
            ActionId.PREVIOUS_FILE,
            ActionId.NEXT_UNREVIEWED,
            None,
            ActionId.FOCUS_TREE,
            ActionId.FOCUS_SEARCH,
            ActionId.FILTER,
        ),
    ),
    (
        "&View",
        (
            ActionId.CONTACT_SHEET,
            None,
            ActionId.TOGGLE_ZOOM,
            None,
            ActionId.PREVIOUS_PAGE,
            ActionId.NEXT_PAGE,
        ),
    ),
    (
        "&Play",
        (
            ActionId.PLAY_PAUSE,
            None,
            ActionId.SEEK_BACK,
            ActionId.SEEK_FORWARD,
            ActionId.FRAME_BACK,
            ActionId.FRAME_FORWARD,
            None,
            ActionId.SLOWER,
            ActionId.FASTER,
            ActionId.MUTE,
        ),
    ),
    (
        "&Catalogue",
        (
            ActionId.DUPLICATES,
            ActionId.COPIES_REPORT,
            ActionId.RELINK_OFFERS,
            None,
            ActionId.ALBUMS_AND_EVENTS,
            None,
            ActionId.FILL_CACHE,
            ActionId.CLEAR_CACHE,
        ),
    ),
    (
        "P&ublish",
        (ActionId.TRANSFERS, ActionId.START_TRANSFERS, None, ActionId.DESTINATIONS),
    ),
    ("&Help", (ActionId.SHORTCUTS, None, ActionId.ABOUT)),
)

# "?" is a plain character: like the other single keys it must not fire while typing.
_BROWSE_ONLY_KEYS = {"?"}


def build_actions(parent: QWidget) -> dict[ActionId, QAction]:
    actions: dict[ActionId, QAction] = {}
    for action_id, spec in SPECS.items():
        action = QAction(spec.text, parent)
        action.setObjectName(action_id.name.lower())
        action.setShortcuts([QKeySequence(k) for k in spec.keys if k not in _BROWSE_ONLY_KEYS])
        if spec.tip:
            action.setStatusTip(spec.tip)
            action.setToolTip(f"{spec.tip} ({', '.join(spec.keys)})" if spec.keys else spec.tip)
        if spec.scope is Scope.WINDOW:
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        else:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        actions[action_id] = action
    return actions


def build_menus(menu_bar: QMenuBar, actions: dict[ActionId, QAction]) -> None:
    for title, items in MENUS:
        menu = menu_bar.addMenu(title)
        for item in items:
            if item is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[item])


def attach(actions: dict[ActionId, QAction], scope: Scope, *widgets: QWidget) -> None:
    """Make the scope's keys live while focus is in one of these widgets."""
    for action_id, spec in SPECS.items():
        if spec.scope is scope:
            for widget in widgets:
                widget.addAction(actions[action_id])


def browse_only_shortcut(
    actions: dict[ActionId, QAction], action_id: ActionId, key: str
) -> QAction:
    """A second, browse-scoped action for a plain key of a window-wide command (F1 / ?)."""
    twin = QAction(actions[action_id].text(), actions[action_id].parent())
    twin.setShortcut(QKeySequence(key))
    twin.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    twin.triggered.connect(actions[action_id].trigger)
    return twin


def key_text(action_id: ActionId) -> str:
    """The action's keys as the platform writes them ("Ctrl+Return / Ctrl+Enter")."""
    keys = SPECS[action_id].keys
    return " / ".join(QKeySequence(k).toString(QKeySequence.NativeText) or k for k in keys)


def command_text(action_id: ActionId) -> str:
    """The action's name without its mnemonic and ellipsis ("Save and Next")."""
    return SPECS[action_id].text.replace("&", "").rstrip("…")


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(keys, command, where) for the Keyboard shortcuts sheet."""
    where = {
        Scope.WINDOW: "anywhere",
        Scope.ALBUM: "album list",
        Scope.BROWSE: "tree or preview",
        Scope.FORM: "in the form",
        Scope.PLAYER: "video or audio shown",
        Scope.DOCUMENT: "PDF shown",
    }
    return [
        (key_text(action_id), command_text(action_id), where[spec.scope])
        for action_id, spec in SPECS.items()
        if spec.keys
    ]
