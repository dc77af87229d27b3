"""The curator's flow for one file: open it, type, save (merging with others' saves),
leave it (asking first), and never lose a typed word.

It drives the metadata form and the catalogue, and asks its questions through a
prompts object (dialogs in the window, scripted answers in tests). Unsaved values go to
the drafts journal within a second of typing, so a crash cannot take them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from peewee import DatabaseError, OperationalError
from PySide6.QtCore import QObject, QTimer, Signal

from luna_desktop.catalog import curation
from luna_desktop.catalog.curation import ConflictError, Curation, RowGoneError
from luna_desktop.catalog.database import catalog_path, explain_database_error
from luna_desktop.catalog.drafts import Draft, DraftJournal
from luna_desktop.catalog.models import FileEntry

from .curation_form import CurationForm
from .prompts import Leave

# At most this long after a change (and steadily while typing goes on), the form's
# unsaved values are journaled.
JOURNAL_DELAY_MS = 400


class Prompts(Protocol):
    def unsaved_edits(self, filename: str) -> Leave: ...
    def new_project_group(self, group: str) -> bool: ...
    def resolve_conflict(self, conflict: ConflictError) -> tuple[set[str], set[str]] | None: ...
    def cannot_save(self, text: str, edits: str, still_in_form: bool = True) -> None: ...
    def tell(self, title: str, text: str) -> None: ...


class CurationController(QObject):
    saved = Signal(int, int)  # file id, its status now: the tree recolours it
    relocated = Signal(int)  # the edits went to another row (a scan relinked the file)
    message = Signal(str, int)  # status-bar text and how long to show it

    def __init__(
        self,
        form: CurationForm,
        prompts: Prompts,
        curator: Callable[[], str],
        journal: DraftJournal | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = form
        self.prompts = prompts
        self.curator = curator
        self.journal = journal
        self.current: FileEntry | None = None
        self.version = 0
        self.groups: list[str] = []
        self.tags: list[str] = []
        # The last save made in this window, for "Copy from the Previous File".
        self.last_saved: tuple[str, Curation] | None = None
        self._journal_timer = QTimer(self)
        self._journal_timer.setSingleShot(True)
        self._journal_timer.setInterval(JOURNAL_DELAY_MS)
        self._journal_timer.timeout.connect(self._write_draft)
        form.edited.connect(self._edited)

    # -- opening -------------------------------------------------------------------------

    def open(self, entry: FileEntry | None) -> bool:
        """Show a file's curation in the form (None: no file). False if its row is gone."""
        self._forget_draft()
        if entry is None:
            self.current = None
            self.form.clear()
            return True
        try:
            loaded = curation.load(entry.id, entry)
        except RowGoneError:
            self.current = None
            self.form.clear()
            return False
        self.current = entry
        self.version = loaded.version
        self.form.load(loaded.curation)
        return True

    def set_completions(self, groups: list[str], tags: list[str]) -> None:
        self.groups, self.tags = list(groups), list(tags)
        self.form.set_completions(self.groups, self.tags)

    def restore(self, draft: Draft) -> None:
        """Put a journaled draft back into the form over the file it belongs to."""
        if self.current is None or self.current.uuid != draft.file_uuid:
            return
        self.version = draft.base_version
        self.form.restore(draft.values, draft.base)
        self._write_draft()

    # -- saving ------------------------------------------------------------------------------

    def save(self) -> bool:
        """Save the form; True when it was saved (or there was nothing to save).

        Never raises for what a catalogue or a scan can do meanwhile: a locked or full
        catalogue, or a record that moved, keeps the words in the form and says so.
        """
        if self.current is None:
            return True
        if not self.form.date_valid():
            self.message.emit("Not saved: the date must be YYYY-MM-DD, YYYY-MM or YYYY", 6000)
            self.form.date.setFocus()
            return False
        value = self.form.value()
        group = value.project_group
        new_group = bool(group) and group not in self.groups
        if new_group and not self.prompts.new_project_group(group):
            self.form.group.setFocus()
            return False
        base = self.form.loaded
        assert base is not None
        try:
            if new_group:
                curation.add_project_group(group)
            try:
                saved = self._save_merging(self.current, value, base, self.version)
            except RowGoneError:
                return self._save_where_the_file_is_now(value, base)
        except (OperationalError, DatabaseError, RowGoneError) as exc:
            # Locked by a long write elsewhere, or the disk is full: keep the edits in
            # the form and say what to do (the same words the CLI uses).
            why = explain_database_error(exc, catalog_path() or Path("catalogue"))
            self.prompts.tell(
                "Not saved",
                f"The catalogue could not be written: {why}. Your edits are still in the "
                "form; save again when that is done.",
            )
            return False
        if saved is None:
            return False
        self._saved(saved)
        return True

    def _save_merging(
        self, entry: FileEntry, value: Curation, base: Curation, version: int
    ) -> curation.Saved | None:
        """Save, asking about fields both this curator and someone else changed.

        None when the curator chose to keep editing: the form then shows the other
        save's values wherever this curator had not typed.
        """
        theirs: set[str] = set()
        mine: set[str] = set()
        while True:
            try:
                return curation.save(
                    entry.id, value, base, version, self.curator(), theirs, mine, entry.uuid
                )
            except ConflictError as conflict:
                choice = self.prompts.resolve_conflict(conflict)
                if choice is None:
                    latest = curation.load(entry.id)
                    self.version = latest.version
                    self.form.rebase(latest.curation)
                    return None
                theirs |= choice[0]
                mine |= choice[1]

    def _save_where_the_file_is_now(self, value: Curation, base: Curation) -> bool:
        """The row is gone (a scan relinked a move, or replaced the row): save onto the row
        that holds this file now; if none does, keep the words and say so."""
        assert self.current is not None
        gone = self.current
        holder = FileEntry.get_or_none(
            (FileEntry.drive == gone.drive_id)
            & (FileEntry.folder == gone.folder)
            & (FileEntry.filename == gone.filename)
        )
        if holder is None:
            self.prompts.cannot_save(
                f"{gone.display_path} is no longer in the catalogue, so your edits cannot be "
                "saved to it. Copy them, then find the file again.",
                self.form.edits_text(),
            )
            return False
        # Version 0 never matches: everything saved on that row counts as someone else's
        # save, so fields both changed are asked about and the rest merge.
        self._forget_draft()  # journaled under the record that is gone
        self.current = holder
        self._write_draft()
        saved = self._save_merging(holder, value, base, 0)
        self.relocated.emit(holder.id)
        if saved is None:
            return False
        self._saved(saved)
        self.message.emit(f"Saved to the record a scan keeps for {holder.display_path}", 6000)
        return True

    def _saved(self, saved: curation.Saved) -> None:
        assert self.current is not None
        self.version = saved.version
        self._forget_draft()
        self.form.mark_saved(saved.curation)
        added_group = saved.curation.project_group
        new_tags = [t for t in saved.curation.tags if t not in self.tags]
        if (added_group and added_group not in self.groups) or new_tags:
            groups = sorted({*self.groups, added_group} - {""})
            self.set_completions(groups, sorted([*self.tags, *new_tags], key=str.lower))
        self.last_saved = (self.current.filename, saved.curation)
        self.saved.emit(self.current.id, saved.curation.status)
        text = f"Saved {self.current.filename}"
        if saved.kept_theirs:
            labels = ", ".join(curation.FIELD_LABELS[f].lower() for f in saved.kept_theirs)
            text += f" (kept the {labels} saved meanwhile by someone else)"
        self.message.emit(text, 4000)

    def copy_previous(self) -> None:
        """Ctrl+D: the last saved file's status, project group, date, description and
        tags into the form, as unsaved edits (title and notes belong to each file)."""
        if self.current is None or self.form.loaded is None:
            return
        if self.last_saved is None:
            self.message.emit("Nothing saved yet in this window to copy from", 4000)
            return
        name, previous = self.last_saved
        values = replace(
            self.form.value(),
            status=previous.status,
            project_group=previous.project_group,
            date=previous.date,
            description=previous.description,
            tags=list(previous.tags),
        )
        self.form.restore(values, self.form.loaded)
        self.message.emit(
            f"Copied status, project group, date, description and tags from {name} (not saved yet)",
            5000,
        )

    # -- leaving -----------------------------------------------------------------------------

    def confirm_leaving(self) -> bool:
        """Ask Save / Discard / Cancel when the form has unsaved edits; True to go on."""
        if not self.form.is_dirty() or self.current is None:
            return True
        answer = self.prompts.unsaved_edits(self.current.filename)
        if answer is Leave.SAVE:
            return self.save()
        if answer is Leave.DISCARD:
            self.discard()
            return True
        return False

    def discard(self) -> None:
        self.form.revert()
        self._forget_draft()

    # -- the journal ------------------------------------------------------------------------

    def _edited(self) -> None:
        if self.journal is None or self.current is None:
            return
        if not self.form.is_dirty():
            self._forget_draft()
        elif not self._journal_timer.isActive():
            # Not restarted by later keystrokes: steady typing is journaled every
            # JOURNAL_DELAY_MS too, not only once the curator pauses.
            self._journal_timer.start()

    def _write_draft(self) -> None:
        if self.journal is None or self.current is None or not self.form.is_dirty():
            return
        base = self.form.loaded
        assert base is not None
        self.journal.record(
            Draft(
                file_uuid=self.current.uuid,
                drive=self.current.drive.name,
                path=self.current.display_path,
                values=self.form.value(),
                base=base,
                base_version=self.version,
                curator=self.curator(),
            )
        )

    def _forget_draft(self) -> None:
        self._journal_timer.stop()
        if self.journal is not None and self.current is not None:
            self.journal.remove(self.current.uuid)

    def flush_draft(self) -> None:
        """Journal a pending change now (the window is closing)."""
        if self._journal_timer.isActive():
            self._journal_timer.stop()
            self._write_draft()
