"""The curation window: the drive tree on the left; the preview with the file's facts,
and the metadata form below it, on the right.

The window assembles the parts and routes between them: the tree panel finds files,
the curation controller owns saving and leaving a file, the preview pane shows it, and
DriveScans runs scans. It keeps the menus, the scans' effect on the tree, the drafts
offered after a crash, and closing.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QStackedWidget

from luna_desktop.catalog import curation, duplicates, queries
from luna_desktop.catalog.drafts import DraftJournal
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.media.playback import AUDIO_TAGS

from . import palette
from .actions import (
    SPECS,
    ActionId,
    Scope,
    build_actions,
    build_menus,
)
from .background import LatestOnly
from .bulk_curation import BulkCuration
from .curation_controller import CurationController
from .curation_form import CurationForm
from .discard_check import DiscardCheck
from .draft_offer import offer_drafts
from .drive_life import DriveLife
from .drive_scans import DriveScans
from .live_flow import LiveFlow
from .mount_watch import MountWatch
from .preview_pane import PreviewPane
from .prompts import DialogPrompts
from .scan_flow import ScanFlow
from .serial_writes import SerialWrites
from .settings import Settings
from .sheet_flow import SheetFlow
from .shortcuts_sheet import ShortcutsSheet
from .transfer_flow import TransferFlow
from .tree_panel import TreePanel
from .window_actions import wire_actions

_STOPPING = "Stopping the scan… Luna closes as soon as it has stopped"


class MainWindow(QMainWindow):
    file_transferred = Signal(object)  # a FileTransferred: a file verified at a destination

    def __init__(
        self,
        settings: Settings,
        catalog_label: str = "",
        journal: DraftJournal | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.settings = settings
        self.journal = journal
        self.setWindowTitle("Luna Desktop[*]")
        self.setAcceptDrops(True)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.scans = DriveScans(self.pool, self)
        self.scan_flow = ScanFlow(self)
        self.closing = False  # waiting for a scan to stop before closing
        self.remember_layout = True  # False for a screenshot: not the curator's session
        self._lists = LatestOnly(self)
        self.prompts = DialogPrompts(self)
        self.mounts = MountWatch(self)

        self.form = CurationForm()
        self.form.setObjectName("form")
        self.form.dirtyChanged.connect(self._dirty_changed)
        self.controller = CurationController(
            self.form, self.prompts, lambda: self.settings.curator_name, journal, self
        )
        self.controller.saved.connect(self._saved)
        self.controller.relocated.connect(self._relocated)
        self.controller.message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.panel = TreePanel(self.mounts, self.controller.confirm_leaving)
        self.bulk = BulkCuration(self)
        self.discard_check = DiscardCheck(self)
        # The panel's parts, under the names the flows, tests and benchmarks use.
        self.model, self.tree, self.search = self.panel.model, self.panel.tree, self.panel.search
        self.drive_combo, self.chips = self.panel.drive_combo, self.panel.chips
        self.empty_note, self.tree_stack = self.panel.empty_note, self.panel.tree_stack
        self.panel.fileChanged.connect(self._show_file)
        self.panel.message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.mounts.changed.connect(self._mounts_changed)
        self._build_widgets()
        self.drive_life = DriveLife(self)
        self.live_flow = LiveFlow(self)
        self.sheet_flow = SheetFlow(self)
        self.transfer_flow = TransferFlow(self)  # publishing: workers, panel, status hint
        self.actions_by_id = build_actions(self)
        self._wire_actions()
        self.transfer_flow.wire_actions()
        build_menus(self.menuBar(), self.actions_by_id)
        self._apply_palette_mode()
        self.statusBar().addPermanentWidget(self.scans.status)
        self.statusBar().showMessage(catalog_label, 4000)
        self.reload_drives(select=settings.last_drive)
        self.load_completions()
        self._restore_layout()

    @property
    def current_file(self) -> FileEntry | None:
        return self.controller.current

    # -- building ---------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.preview = PreviewPane()
        self.preview.setObjectName("preview")
        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.setObjectName("right_split")
        # The single view and, for a folder, the contact sheet (ui.sheet_flow) in its place.
        self.preview_stack = QStackedWidget()
        self.preview_stack.addWidget(self.preview)
        self.right_split.addWidget(self.preview_stack)
        self.right_split.addWidget(self.form)
        self.right_split.setStretchFactor(0, 3)
        self.right_split.setStretchFactor(1, 2)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.setObjectName("main_split")
        self.main_split.addWidget(self.panel)
        self.main_split.addWidget(self.right_split)
        self.main_split.setStretchFactor(0, 2)
        self.main_split.setStretchFactor(1, 5)
        self.setCentralWidget(self.main_split)

    def _wire_actions(self) -> None:
        wire_actions(self)

    def _apply_palette_mode(self) -> None:
        dark = palette.is_dark(self.palette())
        self.model.set_dark(dark)
        self.panel.collection.set_dark(dark)
        self.form.set_dark(dark)
        for status in Status:
            self.actions_by_id[ActionId[f"STATUS_{int(status)}"]].setIcon(
                palette.status_icon(int(status), dark)
            )

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._apply_palette_mode()

    # -- drives, the tree and the current file --------------------------------------------------

    def reload_drives(self, select: str | None = None) -> None:
        """Rebuild the drive list and show `select` (or the drive shown now) afresh."""
        self.panel.refresh_drive_list(select)
        restore = None
        if self.settings.last_file_uuid:
            restore = FileEntry.get_or_none(FileEntry.uuid == self.settings.last_file_uuid)
        self.panel.load_tree(restore=restore)

    def model_drive_name(self) -> str | None:
        return self.panel.drive_name()

    def select_file(self, entry: FileEntry, scroll: bool = True) -> bool:
        return self.panel.select_file(entry, scroll)

    def _show_file(self, file_id: int | None) -> None:
        entry = queries.file_with_drive(file_id) if file_id is not None else None
        if entry is None:
            self.controller.open(None)
            self.preview.clear()
            self._dirty_changed(False)
            return
        self.controller.open(entry)
        self._dirty_changed(self.form.is_dirty())
        if self.sheet_flow.showing:
            if self.sheet_flow.choosing:
                return  # the grid's file: nothing decodes behind the grid
            self.preview_stack.setCurrentWidget(self.preview)  # a file chosen in the tree
        self.preview.show_file(entry.id, self._absolute_path(entry), self._facts(entry))
        next_id = self.panel.next_file_id(entry.id)
        if next_id is not None:
            upcoming = FileEntry.get_or_none(FileEntry.id == next_id)
            if upcoming is not None:
                self.preview.prefetch(
                    next_id, self._absolute_path(upcoming, entry.drive), self._facts(upcoming)
                )

    def media_controls_changed(self, controls: str) -> None:
        """Space, arrows, [ ] and m play only while a video or audio file is on show,
        Page Up/Down turn pages only in a PDF; otherwise those keys do what they did."""
        for action_id, spec in SPECS.items():
            if spec.scope is Scope.PLAYER:
                self.actions_by_id[action_id].setEnabled(controls == "media")
            elif spec.scope is Scope.DOCUMENT:
                self.actions_by_id[action_id].setEnabled(controls == "document")

    def open_externally(self) -> None:
        """Hand the file on show to the application the system opens it with."""
        entry = self.current_file
        path = self.preview.current_path
        if entry is None:
            return
        if path is None:
            self.statusBar().showMessage(
                f"Cannot open {entry.filename}: its drive ({entry.drive.name}) is not mounted",
                6000,
            )
            return
        # The exact bytes, percent-encoded: a name that is not UTF-8 would otherwise
        # lose its odd bytes and name another file (or none).
        url = QUrl.fromEncoded(b"file://" + urllib.parse.quote_from_bytes(path).encode())
        if not QDesktopServices.openUrl(url):
            self.statusBar().showMessage(
                f"No application on this system opens {entry.filename}", 6000
            )
        else:
            self.statusBar().showMessage(
                f"Opened {entry.filename} with the system's application", 4000
            )

    def _absolute_path(self, entry: FileEntry, drive: Drive | None = None) -> bytes | None:
        """Where the file is, if its drive is (as far as the mount watch knows) plugged in."""
        drive = drive or entry.drive
        if not drive.mount_path or not self.mounts.usable(drive.mount_path):
            return None
        return os.path.join(os.fsencode(drive.mount_path), entry.relpath)

    def _mounts_changed(self) -> None:
        self.show_current_again()  # a drive came or went under the file shown

    def show_current_again(self, redraw: bool = False) -> None:
        """The file on show afresh from the catalogue (its drive came or went, it was
        renamed or changed on the drive); the form and its edits are not touched.
        `redraw`: its content changed, so the picture is decoded again."""
        entry = self.current_file
        fresh = queries.file_with_drive(entry.id) if entry is not None else None
        if fresh is None or self.sheet_flow.showing:
            return
        if redraw:
            self.preview.clear_cache()
            self.preview.clear()
        self.preview.show_file(fresh.id, self._absolute_path(fresh), self._facts(fresh))

    @staticmethod
    def _facts(entry: FileEntry) -> dict:
        extra = entry.extra or {}
        return {
            "oshash": entry.oshash,
            "orientation": entry.orientation,
            # An audio file's tags, as the scan read them (libvlc's metadata).
            "tags": {k: extra[k] for k in AUDIO_TAGS if extra.get(k)},
            "kind": entry.kind,
            "mime": entry.mime,
            "size": entry.size,
            "width": entry.width,
            "height": entry.height,
            "camera_make": entry.camera_make,
            "camera_model": entry.camera_model,
            "taken_at": entry.taken_at,
            "lat": entry.lat,
            "lng": entry.lng,
            "display_path": entry.display_path,
            "sidecar": entry.sidecar,
            "duration": entry.duration,
            "error": entry.error,
            "notes": entry.scan_notes,
            "missing": not entry.present,
            "drive": entry.drive.name,
            "copies": duplicates.other_drives_with_copy(entry),
            "copies_here": duplicates.copies_on_same_drive(entry),
        }

    def load_completions(self) -> None:
        """Project groups and tag names for the form, read off the GUI thread: once at
        start and after each scan (saves add to the lists themselves)."""
        self._lists.request(
            lambda _stale: (curation.project_groups(), queries.tag_names(), queries.album_names()),
            self._completions_read,
        )

    def _completions_read(self, lists: tuple[list[str], list[str], list[str]]) -> None:
        groups, tags, albums = lists
        self.controller.set_completions(groups, tags)
        self.panel.filter_bar.set_choices(groups, albums)

    def focus_tree(self) -> None:
        shown = self.panel.tree_stack.currentWidget()
        target = self.panel.collection.list if shown is self.panel.collection else self.tree
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- saving ---------------------------------------------------------------------------

    def _dirty_changed(self, dirty: bool) -> None:
        self.actions_by_id[ActionId.SAVE].setEnabled(dirty)
        entry = self.current_file
        self.setWindowTitle(f"{entry.filename}[*] — Luna Desktop" if entry else "Luna Desktop[*]")
        self.setWindowModified(dirty)

    def save(self) -> bool:
        return self.controller.save()

    def save_and_next(self) -> None:
        if self.current_file is not None and not self.controller.save():
            return
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        self.panel.step_file(1)

    def discard_edits(self) -> None:
        self.controller.discard()
        self.statusBar().showMessage("Edits discarded", 2000)

    def _saved(self, file_id: int, status: int) -> None:
        self.model.update_status(file_id, status)
        self.panel.collection.update_status(file_id, status)
        self.sheet_flow.changed([file_id], {"status": status})
        self.discard_check.saved(file_id, status)

    def _relocated(self, file_id: int) -> None:
        """The edits went to the row a scan keeps for this file: show that row."""
        self.panel.reload_keeping_place(None)
        entry = FileEntry.get_or_none(FileEntry.id == file_id)
        if entry is not None:
            self.panel.current_file_id = file_id  # already open in the form
            self.panel.select_file(entry)

    # -- scans and drafts, through their flows ---------------------------------------------

    def add_drive(self, folder: str, name: str | None = None) -> bool:
        return self.scan_flow.add_drive(folder, name)

    def start_scan(self, root: Path, name: str) -> None:
        self.scan_flow.start(root, name)

    def cancel_scan(self) -> None:
        self.scans.cancel()

    def scan_running(self) -> bool:
        return self.scans.running

    def offer_drafts(self) -> None:
        offer_drafts(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_folder(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folder = _dropped_folder(event)
        if folder is not None:
            event.acceptProposedAction()
            # After the drop returns: a modal dialog inside a drop handler stalls the
            # drag source on some platforms.
            QTimer.singleShot(0, lambda: self.add_drive(folder))

    # -- dialogs ----------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        self.prompts.run_modal(ShortcutsSheet(self))

    def show_preferences(self, page: str | None = None) -> None:
        from .preferences_dialog import PreferencesDialog
        from .theme import apply_theme

        transfers = self.transfer_flow.service
        clear = self.drive_life.clear_cache
        dialog = PreferencesDialog(self.settings, self, clear, transfers=transfers, page=page)
        if self.prompts.run_modal(dialog):
            changes = dialog.accepted_changes()
            if "theme" in changes:
                apply_theme(QApplication.instance(), self.settings.theme)
            self.preview.autoplay = self.settings.autoplay
            if "catalog_path" in changes:
                self.statusBar().showMessage(
                    "The new catalogue location takes effect at the next start", 8000
                )

    # -- layout and closing -------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.settings.window_geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        state = self.settings.window_state
        if state is not None:
            self.restoreState(state)
        self.main_split.setSizes([380, 980])
        self.right_split.setSizes([560, 300])
        for splitter in (self.main_split, self.right_split):
            saved = self.settings.splitter_state(splitter.objectName())
            if saved is not None:
                splitter.restoreState(saved)

    def save_layout(self) -> None:
        # Where the curator was, written once here rather than on every j.
        self.settings.last_file_uuid = self.current_file.uuid if self.current_file else None
        if self.model_drive_name():
            self.settings.last_drive = self.model_drive_name()
        self.settings.window_geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        for splitter in (self.main_split, self.right_split):
            self.settings.set_splitter_state(splitter.objectName(), splitter.saveState())
        self.settings.sync()

    def _stop_listing_job(self) -> bool:
        """A listing being imported or exported: stop it, if the curator agrees. An
        import stopped keeps nothing (it is one transaction); one past its last check
        finishes writing while the window closes."""
        from PySide6.QtWidgets import QMessageBox

        from .listing_dialogs import ListingFlow

        flow = self.findChild(ListingFlow, "listing_flow")
        if flow is None or not flow.busy or flow.job is None:
            return True
        answer = self.prompts.ask(
            "Listing running",
            "A drive listing is being imported or exported. Stop it and quit?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            informative="An import stopped now imports nothing; run it again later.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        flow.job.cancel.set()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self.closing:
            if self.scans.running:  # still stopping: say so again, never quit mid-write
                self.statusBar().showMessage(_STOPPING, 0)
                event.ignore()
                return
        elif self.scans.running:
            # The scan question first: answering No there must not have cost the edits.
            answer = self.prompts.ask(
                "Scan running",
                "A scan is running. Stop it and quit? What was read so far is kept.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if not self.closing and not self.controller.confirm_leaving():
            event.ignore()
            return
        if not self.closing and not self._stop_listing_job():
            event.ignore()
            return
        if self.scans.running:
            # Close once the scan has stopped cleanly (DriveScans.ended calls close again).
            self.closing = True
            self.scans.cancel()
            self.setEnabled(False)
            self.statusBar().showMessage(_STOPPING, 0)
            event.ignore()
            return
        self.controller.flush_draft()
        if self.remember_layout:
            self.save_layout()
        self._lists.cancel()
        self.discard_check.stop()  # a hash can wait; a bulk change being written cannot
        self.bulk.wait()
        for writes in self.findChildren(SerialWrites):  # album changes: milliseconds each
            writes.wait(5_000)
        self.discard_check.confirmer.wait(5_000)
        self.mounts.shutdown()
        self.transfer_flow.shutdown()  # the file in hand is queued again, for the next start
        self.drive_life.shutdown()
        self.live_flow.shutdown()
        self.sheet_flow.shutdown()
        self.pool.waitForDone(5_000)
        self.preview.close()
        event.accept()


def _dropped_folder(event) -> str | None:
    """The first local path dropped. Whether it is a folder is checked off the GUI thread
    when it is added (a dropped path on a sleeping drive must not freeze the window)."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return url.toLocalFile()
    return None
