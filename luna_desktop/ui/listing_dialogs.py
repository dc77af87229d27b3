"""File → Import listing… and Export listing…: drive listings (the JSON contract in
DESIGN.md) in and out of the catalogue from the window.

Import: choose the file, confirm the drive's name (derived from the file name, said
plainly when it merges into a drive already catalogued) and whether existing rows are
updated; then the file is read, checked and written on a pool thread while a progress
dialog shows how far it has got. Export: choose the drive and the file; the listing is
built and written (atomically) on a pool thread.

Each step is its own method, so tests can drive the flow: the file dialogs are the
static QFileDialog functions (a test patches them, or passes the path), and the other
dialogs are opened without a nested event loop.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from peewee import DatabaseError
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from luna_desktop.catalog.database import catalog_path, explain_database_error
from luna_desktop.catalog.formatting import human_size
from luna_desktop.interop.listing import ImportResult, ListingError, drive_name_from_file

from .listing_forms import ExportDialog, ImportDialog, ListingProgress
from .listing_jobs import Exported, ListingJob, Progress, run_export, run_import
from .source_selector import NAME_ROLE

if TYPE_CHECKING:
    from .main_window import MainWindow

LISTING_FILTER = "Drive listings (*.json);;All files (*)"
SHOW_PROGRESS_AFTER_MS = 300  # a small listing is done before a dialog would flash up
DETAIL_LINES = 1000  # paths listed under "Show Details…" after an import


def import_listing(window: MainWindow, path: str | Path | None = None) -> None:
    """File → Import listing…; `path` skips the file dialog."""
    flow_for(window).ask_import(path)


def export_listing(window: MainWindow, target: str | Path | None = None) -> None:
    """File → Export listing…; `target` skips the save dialog."""
    flow_for(window).ask_export(target)


def flow_for(window: MainWindow) -> ListingFlow:
    flow = window.findChild(ListingFlow, "listing_flow")
    return flow if flow is not None else ListingFlow(window)


class ListingFlow(QObject):
    """One window's imports and exports, one at a time."""

    ended = Signal()  # a job has ended and its outcome is on screen (tests wait on it)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("listing_flow")
        self.window = window
        # Where the last listing came from or went to, for this session (Settings has no
        # place for it yet).
        self.last_folder: str | None = None
        self.job: ListingJob | None = None
        self.progress: ListingProgress | None = None
        self.dialog: ImportDialog | ExportDialog | None = None
        self.message_box: QMessageBox | None = None
        self._kind = ""  # "import" or "export"
        self._source: Path | None = None
        self._drive = ""

    @property
    def busy(self) -> bool:
        return self.job is not None

    # -- import ---------------------------------------------------------------------------

    def ask_import(self, path: str | Path | None = None) -> None:
        w = self.window
        if self._refuse_while_busy():
            return
        if w.scan_running():
            # The import writes in one transaction: the scan's writer would wait for it,
            # give up after the lock timeout, and stop.
            w.prompts.tell(
                "Scan running",
                "Wait for the running scan to finish, or cancel it, before importing a listing.",
            )
            return
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                w, "Import listing", self._folder(), LISTING_FILTER
            )
            if not path:
                return
        source = Path(path)
        self.last_folder = self.window.settings.listing_folder = str(source.parent)
        try:
            suggested = drive_name_from_file(source)
        except ListingError:
            suggested = ""  # the dialog asks for a name
        dialog = ImportDialog(source, suggested, _drive_names(w), w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.start_import(source, dialog.drive_name(), dialog.update_existing())
        )
        self.dialog = dialog
        dialog.open()

    def start_import(self, source: Path, drive_name: str, update: bool) -> None:
        if not drive_name or self.busy:
            return
        self._kind, self._source, self._drive = "import", source, drive_name
        self._start(
            ListingJob(partial(run_import, source, drive_name, update)),
            ListingProgress("Importing listing", "Stopping… nothing is imported.", self.window),
        )

    def _imported(self, result: ImportResult) -> None:
        w = self.window
        name = result.drive
        counts = (
            f"{_files(len(result.added))} added, {len(result.updated):,} updated, "
            f"{len(result.unchanged):,} unchanged"
        )
        notes: list[str] = []
        if result.skipped:
            notes.append(
                f"{_files(len(result.skipped))} already catalogued differ from the listing "
                "and were left as they were. To take the listing's values, import it again "
                "with “Update existing rows” ticked (their curation is never changed)."
            )
        if result.drive_created:
            notes.append(f"“{name}” is a new drive, offline until it is plugged in and scanned.")
        if w.form.is_dirty():
            # Switching drives would drop the edits: keep the file, and say where to look.
            if w.panel.drive_name() == name:
                w.panel.reload_keeping_place(w.current_file)
            else:
                w.panel.refresh_drive_list()
                notes.append(
                    f"Your edits are still in the form: save them, then choose “{name}” in "
                    "the drive list."
                )
        else:
            if w.panel.drive_name() != name:
                w.panel.clear_filter()  # a chip or search from another drive would hide it
            w.reload_drives(select=name)
        skipped = f", {len(result.skipped):,} skipped" if result.skipped else ""
        w.statusBar().showMessage(f"Imported {name}: {counts}{skipped}", 15000)
        details = [f"skipped: {p}" for p in result.skipped] + [
            f"updated: {p}" for p in result.updated
        ]
        self._show_message(
            QMessageBox.Icon.Information,
            "Listing imported",
            f"{name}: {counts}" + (f", {len(result.skipped):,} skipped." if skipped else "."),
            "\n\n".join(notes),
            details,
        )

    # -- export ---------------------------------------------------------------------------

    def ask_export(self, target: str | Path | None = None) -> None:
        w = self.window
        if self._refuse_while_busy():
            return
        names = _drive_names(w)
        if not names:
            w.statusBar().showMessage("There is no drive to export yet", 6000)
            return
        dialog = ExportDialog(names, w.panel.drive_name(), w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.choose_export_file(dialog.drive_name(), target))
        self.dialog = dialog
        dialog.open()

    def choose_export_file(self, drive_name: str, target: str | Path | None = None) -> None:
        w = self.window
        index = w.drive_combo.findData(drive_name, NAME_ROLE)
        if index < 0 or self.busy:
            return
        drive_id = int(w.drive_combo.itemData(index))
        if target is None:
            default = Path(self._folder()) / export_file_name(drive_name)
            target, _filter = QFileDialog.getSaveFileName(
                w, f"Export {drive_name}", str(default), LISTING_FILTER
            )
            if not target:
                return
        path = Path(target)
        if not path.suffix:
            path = path.with_name(path.name + ".json")
        self.last_folder = self.window.settings.listing_folder = str(path.parent)
        self._kind, self._source, self._drive = "export", path, drive_name
        self._start(
            ListingJob(partial(run_export, drive_id, path)),
            ListingProgress("Exporting listing", "Stopping… no file is written.", w),
        )

    def _exported(self, done: Exported) -> None:
        self.window.statusBar().showMessage(
            f"Exported {done.drive}: {_files(done.files)} to {done.path}", 15000
        )

    # -- running a job ----------------------------------------------------------------------

    def _start(self, job: ListingJob, progress: ListingProgress) -> None:
        self.job, self.progress = job, progress
        progress.cancelRequested.connect(job.cancel.set)
        job.signals.progressed.connect(self._progressed)
        job.signals.succeeded.connect(self._succeeded)
        job.signals.failed.connect(self._failed)
        job.signals.cancelled.connect(self._cancelled)
        job.signals.finished.connect(self._finished)
        QTimer.singleShot(SHOW_PROGRESS_AFTER_MS, partial(self._show_progress, progress))
        self.window.pool.start(job)

    def _show_progress(self, progress: ListingProgress) -> None:
        if self.progress is progress:  # still running
            progress.show()

    def _progressed(self, p: Progress) -> None:
        progress = self.progress
        if progress is None:
            return
        file_name = self._source.name if self._source else ""
        if p.stage == "reading":
            text = f"Reading {file_name}… {human_size(p.done)} of {human_size(p.total)}"
            progress.set_step(text, p.done, p.total)
        elif p.stage == "checking":
            progress.set_step(f"Checking {file_name}…")
        elif p.stage == "writing":
            text = f"Importing into {self._drive}: {p.done:,} of {p.total:,} files"
            progress.set_step(text, p.done, p.total)
        elif p.stage == "exporting":
            progress.set_step(f"Reading {self._drive} from the catalogue…")
        else:  # saving: past the point where it can stop
            if self._kind == "import":
                text = f"Saving {self._drive} in the catalogue ({p.total:,} files)…"
            else:
                text = f"Writing {file_name}…"
            progress.set_step(text)
            progress.set_cancellable(False)

    def _succeeded(self, result: ImportResult | Exported) -> None:
        self._close_progress()
        if isinstance(result, ImportResult):
            self._imported(result)
        else:
            self._exported(result)

    def _failed(self, exc: Exception) -> None:
        self._close_progress()
        if isinstance(exc, ListingError):
            # The informative text says what was (not) written, once.
            text = str(exc).removesuffix("; nothing was imported")
        elif isinstance(exc, DatabaseError):
            text = str(explain_database_error(exc, catalog_path() or Path("catalogue")))
        else:
            text = f"{self._kind.capitalize()} stopped: {exc}"
        name = self._source.name if self._source else "the listing"
        if self._kind == "import":
            title = "Listing not imported"
            informative = f"Nothing was imported from {name}; the catalogue is as it was."
        else:
            title = "Listing not exported"
            informative = f"{name} was not written."
        self._show_message(QMessageBox.Icon.Warning, title, _sentence(text), informative)

    def _cancelled(self) -> None:
        self._close_progress()
        text = "Import cancelled: nothing was imported"
        if self._kind == "export":
            text = f"Export cancelled: {self._source} was not written"
        self.window.statusBar().showMessage(text, 8000)

    def _finished(self) -> None:
        self._close_progress()
        self.job = None
        self.ended.emit()

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.finish()
            self.progress = None

    # -- helpers --------------------------------------------------------------------------

    def _refuse_while_busy(self) -> bool:
        if self.busy:
            self.window.statusBar().showMessage("A listing is being imported or exported", 6000)
        return self.busy

    def _folder(self) -> str:
        return self.last_folder or self.window.settings.listing_folder or str(Path.home())

    def _show_message(
        self,
        icon: QMessageBox.Icon,
        title: str,
        text: str,
        informative: str = "",
        details: list[str] | None = None,
    ) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("listing_message")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if informative:
            box.setInformativeText(informative)
        if details:
            shown = details[:DETAIL_LINES]
            if len(details) > DETAIL_LINES:
                shown.append(f"… and {len(details) - DETAIL_LINES:,} more")
            box.setDetailedText("\n".join(shown))
        self.message_box = box
        box.open()  # window-modal, without a nested event loop


def export_file_name(drive_name: str, day: date | None = None) -> str:
    """``PHS_copyALL`` → ``PHS_copyALL_2026-01-24.json``, the name import reads back."""
    safe = drive_name.replace("/", "_").replace("\\", "_")
    return f"{safe}_{(day or date.today()).isoformat()}.json"


def _drive_names(window: MainWindow) -> list[str]:
    combo = window.drive_combo
    names = (combo.itemData(i, NAME_ROLE) for i in range(combo.count()))
    return [name for name in names if name]  # albums and events have none


def _files(count: int) -> str:
    return f"{count:,} file" if count == 1 else f"{count:,} files"


def _sentence(text: str) -> str:
    """A message as a sentence: a capital first, a full stop last."""
    text = text.strip()
    if not text:
        return text
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")
