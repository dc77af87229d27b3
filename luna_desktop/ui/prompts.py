"""The questions Luna asks a curator, as modal dialogs that give the focus back after.

The flows (saving, leaving a file, conflicts, drafts) ask through this one object, so
tests can drive those flows with scripted answers instead of dialogs.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from luna_desktop.catalog.curation import ConflictError
from luna_desktop.catalog.drafts import Draft

from .conflict_dialog import ConflictDialog


class Leave(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class DialogPrompts:
    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    # -- the questions of the curation flow ----------------------------------------------

    def unsaved_edits(self, filename: str) -> Leave:
        answer = self.ask(
            "Unsaved edits",
            f"Save your edits to {filename}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            informative="If you don't save, what you typed is lost.",
        )
        if answer == QMessageBox.StandardButton.Save:
            return Leave.SAVE
        if answer == QMessageBox.StandardButton.Discard:
            return Leave.DISCARD
        return Leave.CANCEL

    def new_project_group(self, group: str) -> bool:
        answer = self.ask(
            "New project group",
            f"“{group}” is not a project group yet. Add it to the list?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def resolve_conflict(self, conflict: ConflictError) -> tuple[set[str], set[str]] | None:
        """(fields where theirs stands, fields where mine stands), or None to keep editing."""
        dialog = ConflictDialog(conflict, self.parent)
        if not self.run_modal(dialog):
            return None
        return dialog.kept_theirs(), dialog.kept_mine()

    def cannot_save(self, text: str, edits: str, still_in_form: bool = True) -> None:
        """The edits cannot be saved anywhere: say why, and offer them on the clipboard."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Not saved", text, parent=self.parent)
        if still_in_form:
            box.setInformativeText("Your edits are still in the form.")
        box.setDetailedText(edits)
        copy = box.addButton("Copy the edits", QMessageBox.ButtonRole.ActionRole)
        copy.setObjectName("copy_edits")
        box.addButton(QMessageBox.StandardButton.Ok)
        self.run_modal(box)
        if box.clickedButton() is copy:
            QApplication.clipboard().setText(edits)

    def offer_draft(self, draft: Draft, where: str) -> bool:
        """Restore (True) or discard (False) the unsaved edits a crash left behind."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved edits found")
        box.setText(
            f"Luna stopped while you were editing {draft.path} on {draft.drive}. "
            "Restore what you had typed?"
        )
        box.setInformativeText(where)
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        restore.setObjectName("restore_draft")
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        discard.setObjectName("discard_draft")
        box.setDefaultButton(restore)
        self.run_modal(box)
        return box.clickedButton() is restore

    # -- plain dialogs ------------------------------------------------------------------------

    def ask(
        self,
        title: str,
        text: str,
        buttons: QMessageBox.StandardButton,
        informative: str = "",
    ) -> QMessageBox.StandardButton:
        """A modal question; the first button given is the default (Enter)."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setText(text)
        if informative:
            box.setInformativeText(informative)
        box.setStandardButtons(buttons)
        first = next(b for b in QMessageBox.StandardButton if b and b in buttons)
        box.setDefaultButton(first)
        self.run_modal(box)
        # exec() returns a plain int, which never equals PySide's StandardButton enum.
        return box.standardButton(box.clickedButton())

    def tell(self, title: str, text: str) -> None:
        """A warning the curator acknowledges."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.parent
        )
        self.run_modal(box)

    def run_modal(self, dialog) -> int:
        """exec() a dialog, then give the focus back to where the curator was."""
        focused = QApplication.focusWidget()
        result = dialog.exec()
        self.parent.activateWindow()
        if focused is not None:
            focused.setFocus(Qt.FocusReason.OtherFocusReason)
        return result
