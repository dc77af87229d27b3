"""The welcome of the first start: how to begin, where Luna keeps its files, the keys.

Shown once, after the window is on screen (ui.app.after_show decides when). Every key
and menu name in it is read from the action registry (ui.actions), so the welcome says
what the menus and the shortcut sheet say. It opens with open(), not exec(): the window
behind it keeps its event loop, and tests drive it like any widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.status import Status

from . import palette
from .about_dialog import APP_NAME, catalog_text, file_rows, header, heading
from .actions import MENUS, SPECS, ActionId, command_text, key_text
from .shortcuts_sheet import ShortcutsSheet

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .settings import Settings

# The keys a curator needs on the first day, in the order of a day's work; F1 has the rest.
KEY_ROWS: tuple[tuple[ActionId, ...], ...] = (
    (ActionId.SAVE_AND_NEXT,),
    (ActionId.SAVE,),
    (ActionId.NEXT_FILE, ActionId.PREVIOUS_FILE),
    (ActionId.NEXT_UNREVIEWED,),
    (ActionId.FOCUS_TITLE, ActionId.FOCUS_NOTES),
    (ActionId.DISCARD_EDITS,),
    (ActionId.FOCUS_SEARCH,),
    (ActionId.SHORTCUTS,),
)
SINGLE_KEYS_NOTE = (
    "Single keys (letters and 1–6) work while the tree or the preview has focus; "
    "in a text field they type."
)


def menu_path(action_id: ActionId) -> str:
    """Where the action is in the menu bar: "File → Add Drive…"."""
    text = SPECS[action_id].text.replace("&", "")
    for title, items in MENUS:
        if action_id in items:
            return f"{title.replace('&', '')} → {text}"
    return text


def how_to_start() -> str:
    add = ActionId.ADD_DRIVE
    keys = key_text(add)
    return (
        "Drop a drive or a folder from your file manager on the window, or choose "
        f"{menu_path(add)}{f' ({keys})' if keys else ''}. Luna reads the files where "
        "they are (nothing is copied into it) and keeps what you decide about each "
        "file in its catalogue."
    )


class WelcomeDialog(QDialog):
    """Start (the default, also Escape) closes it; Add Drive… closes it and opens the
    Add Drive dialog; Keyboard Shortcuts opens the full sheet over it."""

    def __init__(
        self,
        catalog: str,
        settings_file: str,
        add_drive: Callable[[], None],
        parent: QWidget | None = None,
        dark: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_dialog")
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self._add_drive = add_drive
        self.sheet: ShortcutsSheet | None = None

        start = QLabel(how_to_start())
        start.setObjectName("how_to_start")
        start.setWordWrap(True)
        files = QFormLayout()
        files.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        file_rows(files, catalog, settings_file)
        backup = QLabel(
            "The catalogue holds all your curation; the command “luna backup DEST” copies "
            "it safely, even while Luna runs."
        )
        backup.setWordWrap(True)
        note = QLabel(SINGLE_KEYS_NOTE)
        note.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.add_button = buttons.addButton("&Add Drive…", QDialogButtonBox.ButtonRole.ActionRole)
        self.add_button.setObjectName("welcome_add_drive")
        self.add_button.clicked.connect(self.add_drive)
        self.keys_button = buttons.addButton(
            "&Keyboard Shortcuts", QDialogButtonBox.ButtonRole.HelpRole
        )
        self.keys_button.setObjectName("welcome_shortcuts")
        self.keys_button.clicked.connect(self.show_shortcuts)
        self.start_button = buttons.addButton("&Start", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setObjectName("welcome_start")
        buttons.accepted.connect(self.accept)
        for button in (self.add_button, self.keys_button):
            button.setAutoDefault(False)  # Enter is Start, wherever the focus is
        self.start_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(header(f"Welcome to {APP_NAME}"))
        layout.addWidget(heading("Start with a drive"))
        layout.addWidget(start)
        layout.addWidget(heading("Where Luna keeps its files"))
        layout.addLayout(files)
        layout.addWidget(backup)
        layout.addWidget(heading("The keys that matter most"))
        layout.addLayout(_key_grid(dark))
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)
        self.start_button.setFocus()

    def add_drive(self) -> None:
        """Close the welcome, then open the Add Drive dialog (once this one is gone)."""
        self.accept()
        QTimer.singleShot(0, self._add_drive)

    def show_shortcuts(self) -> None:
        """Every key, over the welcome, which stays open beneath it."""
        if self.sheet is None:
            self.sheet = ShortcutsSheet(self)
        self.sheet.open()


def _key_grid(dark: bool) -> QGridLayout:
    """Curating keys on the left, the six status keys (with their swatch) on the right."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(14)
    grid.setVerticalSpacing(4)
    for row, ids in enumerate(KEY_ROWS):
        keys = " / ".join(key_text(a) for a in ids)
        grid.addWidget(_key_label(keys), row, 0)
        grid.addWidget(QLabel(" / ".join(command_text(a) for a in ids)), row, 1)
    grid.setColumnMinimumWidth(2, 24)
    for row, status in enumerate(Status):
        action = ActionId[f"STATUS_{int(status)}"]
        swatch = QLabel()
        swatch.setPixmap(palette.status_icon(int(status), dark, 14).pixmap(14, 14))
        grid.addWidget(_key_label(key_text(action)), row, 3)
        grid.addWidget(swatch, row, 4)
        grid.addWidget(QLabel(status.label), row, 5)
    grid.setColumnStretch(1, 1)
    grid.setColumnStretch(5, 1)
    return grid


def _key_label(text: str) -> QLabel:
    label = heading(text)  # bold, as the section titles
    label.setObjectName("key")
    return label


def show_welcome(window: MainWindow, settings: Settings) -> WelcomeDialog:
    """Mark the welcome as shown, then open it over the window.

    Marked first: a crash while it is open must not bring it back at every start.
    The setter writes through, so the settings file exists from the first start on.
    """
    settings.welcome_shown = True
    dialog = WelcomeDialog(
        catalog_text(),
        settings.file_name,
        window.scan_flow.add_drive_dialog,
        window,
        dark=palette.is_dark(window.palette()),
    )
    dialog.open()
    return dialog
