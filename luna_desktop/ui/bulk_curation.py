"""Changes beyond the form: one decision for a whole selection, and taking changes back.

A selection of several files, or of folders (each meaning the files under it that the
tree shows), takes a status key (1–6) or Edit Selected Files (Ctrl+Shift+E) as one
change: one transaction and one change set in the edit log, which Ctrl+Z takes back.
The writing runs off the GUI thread: a folder may hold a hundred thousand files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QObject
from PySide6.QtWidgets import QMessageBox

from luna_desktop.catalog import curation
from luna_desktop.catalog.models import FileEntry
from luna_desktop.catalog.selection import selected_file_ids
from luna_desktop.catalog.status import Status

from .bulk_edit_dialog import BulkEditDialog
from .serial_writes import SerialWrites

if TYPE_CHECKING:
    from .main_window import MainWindow


@dataclass(frozen=True)
class Selection:
    drive_id: int | None  # None: an album's or an event's files (no folders)
    files: tuple[int, ...]
    folders: tuple[str, ...]

    @property
    def is_single_file(self) -> bool:
        return len(self.files) <= 1 and not self.folders

    def describe(self) -> str:
        parts = []
        if self.files:
            parts.append(_files(len(self.files)))
        if self.folders:
            names = ", ".join(f"“{f or 'the whole drive'}”" for f in self.folders[:3])
            more = f" and {len(self.folders) - 3} more" if len(self.folders) > 3 else ""
            parts.append(f"the files in {names}{more}")
        return " and ".join(parts)


class BulkCuration(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        # Every change is written, in the order made (LatestOnly would drop one waiting).
        self._writes = SerialWrites(self)

    @property
    def busy(self) -> bool:
        return self._writes.busy

    def wait(self) -> None:
        """Until a change being written has been written (closing the window)."""
        self._writes.wait()

    def selection(self) -> Selection | None:
        panel = self.window.panel
        if self.window.sheet_flow.has_focus():  # the contact sheet's cells, one folder's
            return Selection(None, tuple(self.window.sheet_flow.selected_ids()), ())
        if panel.showing_collection():  # an album's or event's files, from any drives
            return Selection(None, tuple(panel.collection.selected_file_ids()), ())
        # The drive the tree shows: its rows are what is selected (the selector may
        # already name another drive whose tree is still being read).
        drive_id = panel.model.drive_id
        if drive_id is None:
            return None
        files: list[int] = []
        folders: list[str] = []
        model = panel.model
        for index in panel.tree.selectionModel().selectedRows(0):
            file_id = model.file_id(index)
            if file_id is not None:
                files.append(file_id)
            else:
                folders.append(model.node(index).path)
        # A folder inside another selected folder adds nothing.
        folders = [f for f in folders if not any(_inside(f, other) for other in folders)]
        return Selection(drive_id, tuple(files), tuple(sorted(set(folders))))

    # -- the keys ---------------------------------------------------------------------------

    def status_key(self, status: int) -> None:
        """1–6: the form's status for one file; for a selection, every file's at once.
        In the contact sheet a key is a decision made at once, even for one cell (the
        grid shows it straight away; Ctrl+Z takes it back)."""
        selection = self.selection()
        in_sheet = self.window.sheet_flow.has_focus() and bool(selection and selection.files)
        if selection is None or (selection.is_single_file and not in_sheet):
            self.window.form.set_status(status)
            return
        self.apply(selection, {"status": status})

    def edit_selected(self) -> None:
        selection = self.selection()
        if selection is None or (not selection.files and not selection.folders):
            self._say("Select files or folders in the tree first (Shift or Ctrl with arrows)")
            return
        if not self._may_change():
            return
        controller = self.window.controller
        what = selection.describe()
        dialog = BulkEditDialog(what, controller.groups, controller.tags, self.window)
        if self.window.prompts.run_modal(dialog):
            self.apply(selection, dialog.values(), confirmed=True)

    # -- writing ----------------------------------------------------------------------------

    def apply(self, selection: Selection, values: dict[str, object], confirmed=False) -> None:
        if not values or not self._may_change():
            return
        if selection.folders and not confirmed and not self._confirm(selection, values):
            return
        panel = self.window.panel
        file_filter, hits = panel.model.file_filter, panel.model.hits
        curator = self.window.settings.curator_name or "curator"
        what = _describe_values(values)
        self._say(f"Setting {what} on {selection.describe()}…", 0)

        def work() -> curation.BulkResult:
            ids = list(selection.files)
            if selection.drive_id is not None:
                ids = selected_file_ids(
                    selection.drive_id, selection.files, selection.folders, file_filter, hits
                )
            return curation.set_fields(ids, values, curator)

        self._writes.submit(
            work, lambda result: self._applied(result, what, selection, values), self._failed
        )

    def _applied(
        self, result: curation.BulkResult, what: str, selection: Selection, values: dict
    ) -> None:
        self._refresh()
        sheet = self.window.sheet_flow
        if sheet.showing:
            sheet.changed(selection.files, values)
        else:
            self._reselect(selection)
        if not result.files:
            self._say("No files to change: the selected folders show none", 6000)
            return
        self._say(
            f"Set {what} on {_files(result.files)} ({result.changed:,} changed) — "
            "Ctrl+Z takes it back",
            10000,
        )

    def _failed(self, exc: Exception) -> None:
        self._refresh()
        self._say(f"Nothing was changed: {exc}", 10000)

    def undo(self) -> None:
        """Ctrl+Z: take back the last save or bulk change, one step at a time (off the
        GUI thread: the step may be a change to a hundred thousand files)."""
        if not self._may_change():
            return
        curator = self.window.settings.curator_name
        self._writes.submit(lambda: curation.undo_last(curator), self._undone, self._failed)

    def _undone(self, undone: curation.Undone | None) -> None:
        if undone is None:
            self._say("Nothing to undo", 4000)
            return
        self._refresh()
        self.window.sheet_flow.reload()
        self.window.load_completions()  # an undone merge brings its project group back
        names = ", ".join(curation.FIELD_LABELS.get(f, f).lower() for f in undone.fields)
        text = f"Undid {names or 'nothing'} on {_files(undone.files)}"
        if undone.skipped:
            text += f"; {_files(undone.skipped)} changed again since were left alone"
        self._say(text, 8000)

    # -- helpers ----------------------------------------------------------------------------

    def _may_change(self) -> bool:
        if not self.window.panel.settled:
            self._say("The tree is still being read — press the key again in a moment", 4000)
            return False
        if self.window.form.is_dirty():
            self._say("Save (Ctrl+S) or discard (Esc) the edits in the form first", 6000)
            return False
        if self.busy:
            self._say("Still writing the last change to many files — a moment", 4000)
            return False
        return True

    def _confirm(self, selection: Selection, values: dict[str, object]) -> bool:
        answer = self.window.prompts.ask(
            "Change whole folders",
            f"Set {_describe_values(values)} on {selection.describe()}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            informative="Every file under the folders that the tree shows changes; "
            "Ctrl+Z in the tree takes it back.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _refresh(self) -> None:
        """The tree's counts and marks, and the form's file, as the catalogue has them."""
        window = self.window
        current = window.current_file
        window.panel.reload_keeping_place(current)
        if current is not None and not window.form.is_dirty():
            window.controller.open(FileEntry.get_or_none(FileEntry.id == current.id))

    def _reselect(self, selection: Selection) -> None:
        """The selection the change was made on stays selected, for the next key. One
        QItemSelection, selected once: row by row, Qt's selection model takes seconds
        for a few thousand rows."""
        panel = self.window.panel
        if panel.showing_collection():
            return  # the list keeps its own selection through a reload
        model = panel.model
        indexes = [model.file_index(file_id) for file_id in selection.files]
        indexes += [model.folder_index(folder) for folder in selection.folders]
        chosen = QItemSelection()
        for first, last in _runs([i for i in indexes if i is not None and i.isValid()]):
            chosen.select(first, last)
        panel.tree.selectionModel().select(
            chosen,
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _say(self, text: str, ms: int = 6000) -> None:
        self.window.statusBar().showMessage(text, ms)


def _runs(indexes: list[QModelIndex]) -> list[tuple[QModelIndex, QModelIndex]]:
    """Rows next to each other under one parent, as (first, last) pairs: a selected
    folder of 5,000 files is one range, not 5,000."""
    runs: list[tuple[QModelIndex, QModelIndex]] = []
    ordered = sorted(indexes, key=lambda i: (id(i.internalPointer().parent), i.row()))
    for index in ordered:
        if runs:
            first, last = runs[-1]
            if index.parent() == last.parent() and index.row() == last.row() + 1:
                runs[-1] = (first, index)
                continue
        runs.append((index, index))
    return runs


def _files(n: int) -> str:
    return f"{n:,} file" if n == 1 else f"{n:,} files"


def _inside(folder: str, other: str) -> bool:
    return folder != other and (other == "" or folder.startswith(other + "/"))


def _describe_values(values: dict[str, object]) -> str:
    parts = []
    for name, value in values.items():
        label = curation.FIELD_LABELS.get(name, name).lower()
        if name == "status":
            parts.append(f"the status {Status(int(value)).label}")  # type: ignore[call-overload]
        elif name == "tags":
            parts.append(f"the tags {', '.join(value) or '(none)'}")  # type: ignore[arg-type]
        else:
            parts.append(f"the {label} {value!s}" if value else f"no {label}")
    return ", ".join(parts)
