"""After a crash: the unsaved edits the drafts journal kept are offered back, on their file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from luna_desktop.catalog import curation
from luna_desktop.catalog.drafts import Draft
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.catalog.queries import FileFilter

if TYPE_CHECKING:
    from .main_window import MainWindow


def offer_drafts(window: MainWindow) -> None:
    journal = window.journal
    if journal is None:
        return
    for draft in journal.pending():
        entry = FileEntry.get_or_none(FileEntry.uuid == draft.file_uuid)
        if entry is None:
            window.prompts.cannot_save(
                f"Unsaved edits to {draft.path} on {draft.drive} were kept when Luna "
                "stopped, but that file is no longer in the catalogue.",
                draft_text(draft),
                still_in_form=False,
            )
            journal.discard(draft.file_uuid)
            continue
        if not window.prompts.offer_draft(draft, draft_text(draft)):
            journal.discard(draft.file_uuid)
            continue
        if not go_to(window, entry):
            window.prompts.tell(
                "Not restored yet",
                f"{draft.path} could not be shown, so your edits to it were not put back "
                "yet; they are kept and offered again at the next start.",
            )
            return
        window.controller.restore(draft)
        window.statusBar().showMessage(
            f"Restored your unsaved edits to {entry.filename}: save them with Ctrl+S", 8000
        )
        return  # the form holds one file's edits; any other draft waits for the next start


def go_to(window: MainWindow, entry: FileEntry) -> bool:
    """Show a file wherever it is: its drive, every file (no filter), selected."""
    if not window.controller.confirm_leaving():
        return False
    panel = window.panel
    drive = Drive.get_by_id(entry.drive_id)
    chip = "all" if entry.present else "missing"  # All hides missing files
    if panel.drive_name() != drive.name or panel.current_filter() != FileFilter(chip):
        panel.clear_filter(chip)
        panel.refresh_drive_list(drive.name)
        panel.load_tree(restore=entry)
    return panel.select_file(entry)


def draft_text(draft: Draft) -> str:
    written = draft.written_at.replace("T", " ")
    return f"Written {written}\n{curation.changes_text(draft.values, draft.base)}"
