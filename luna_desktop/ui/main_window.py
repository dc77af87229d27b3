"""The curation window: drive selector, filter chips and search over the drive tree;
the preview with the file's facts, and the metadata form below it.

The window wires the parts together and owns the flow a curator lives in: pick a file,
look, decide, save and move on, without ever losing a typed word.
"""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

from peewee import DatabaseError, OperationalError
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QThreadPool, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog import curation, queries
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.catalog.queries import FileFilter
from luna_desktop.catalog.status import Status
from luna_desktop.scan.drive_identity import recognise_drive
from luna_desktop.scan.pipeline import check_scan_root
from luna_desktop.scan.progress import ScanError, ScanProgress

from . import palette
from .actions import SPECS, ActionId, Scope, attach, browse_only_shortcut, build_actions
from .curation_form import CurationForm
from .drive_scans import DriveScans
from .preview_pane import PreviewPane
from .settings import Settings
from .shortcuts_sheet import ShortcutsSheet
from .tree_model import DriveTreeModel

CHIP_LABELS = (
    ("all", "All"),
    ("unreviewed", "Unreviewed"),
    ("needs_attention", "Needs attention"),
    ("upload", "For upload"),
    ("missing", "Missing"),
)
_TREE_REFRESH_MS = 1500  # while a scan fills the shown drive


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, catalog_label: str = "", parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Luna Desktop[*]")
        self.setAcceptDrops(True)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.scans = DriveScans(self.pool, self)
        self.scans.progressed.connect(self._scan_progress)
        self.scans.ended.connect(self._scan_ended)
        self.scans.failed.connect(self._scan_failed)
        self._scan_seen_drive = False
        self._refresh_interval = _TREE_REFRESH_MS
        self._completion_lists: tuple[list[str], list[str]] | None = None
        self.current_file: FileEntry | None = None
        self._version = 0
        self._guard_busy = False

        self.model = DriveTreeModel(self)
        self._build_widgets()
        self.actions_by_id = build_actions(self)
        self._wire_actions()
        self._build_menus()
        self._apply_palette_mode()
        self.statusBar().addPermanentWidget(self.scans.status)
        self.statusBar().showMessage(catalog_label, 4000)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._refresh_tree_during_scan)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._apply_filter)
        self.reload_drives(select=settings.last_drive)
        self._restore_layout()

    # -- building ---------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.drive_combo = QComboBox()
        self.drive_combo.setObjectName("drive_selector")
        self.drive_combo.setMinimumContentsLength(18)
        self.drive_combo.setToolTip("The drive shown in the tree")
        self.drive_combo.currentIndexChanged.connect(self._drive_chosen)

        self.chips = QButtonGroup(self)
        self.chips.setExclusive(True)
        chip_row = QHBoxLayout()
        chip_row.setSpacing(4)
        for key, label in CHIP_LABELS:
            chip = QToolButton()
            chip.setObjectName(f"chip_{key}")
            chip.setText(label)
            chip.setCheckable(True)
            chip.setAutoRaise(True)
            chip.setProperty("chip", key)
            chip.setToolTip(f"Show {label.lower()} files")
            self.chips.addButton(chip)
            chip_row.addWidget(chip)
            if key == "all":
                chip.setChecked(True)
        self.chips.buttonClicked.connect(lambda _b: self._apply_filter())

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search name, path, title, oshash, tags  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())

        self.tree = QTreeView()
        self.tree.setObjectName("tree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)  # a folder of 5,000 files lays out at once
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QTreeView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Not ResizeToContents: that measures every row of an expanded 5,000-file folder
        # on each change, which made a save take 150 ms.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, self.fontMetrics().horizontalAdvance("Needs attention") + 24)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(6, 6, 6, 0)
        drive_row = QHBoxLayout()
        drive_label = QLabel("&Drive")
        drive_label.setBuddy(self.drive_combo)
        drive_row.addWidget(drive_label)
        drive_row.addWidget(self.drive_combo, 1)
        top_layout.addLayout(drive_row)
        top_layout.addLayout(chip_row)
        top_layout.addWidget(self.search)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(top)
        self.empty_note = QLabel()
        self.empty_note.setObjectName("empty_note")
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setWordWrap(True)
        self.empty_note.setMargin(24)
        self.empty_note.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.tree_stack = QStackedWidget()
        self.tree_stack.addWidget(self.tree)
        self.tree_stack.addWidget(self.empty_note)
        left_layout.addWidget(self.tree_stack, 1)

        self.preview = PreviewPane()
        self.preview.setObjectName("preview")
        self.form = CurationForm()
        self.form.setObjectName("form")
        self.form.dirtyChanged.connect(self._dirty_changed)

        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.setObjectName("right_split")
        self.right_split.addWidget(self.preview)
        self.right_split.addWidget(self.form)
        self.right_split.setStretchFactor(0, 3)
        self.right_split.setStretchFactor(1, 2)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.setObjectName("main_split")
        self.main_split.addWidget(left)
        self.main_split.addWidget(self.right_split)
        self.main_split.setStretchFactor(0, 2)
        self.main_split.setStretchFactor(1, 5)
        self.setCentralWidget(self.main_split)

    def _wire_actions(self) -> None:
        a = self.actions_by_id
        handlers = {
            ActionId.SAVE: self.save,
            ActionId.SAVE_AND_NEXT: self.save_and_next,
            ActionId.DISCARD_EDITS: self.discard_edits,
            ActionId.NEXT_FILE: lambda: self.step_file(1),
            ActionId.PREVIOUS_FILE: lambda: self.step_file(-1),
            ActionId.NEXT_UNREVIEWED: self.next_unreviewed,
            ActionId.FOCUS_TITLE: self.form.focus_title,
            ActionId.FOCUS_NOTES: self.form.focus_notes,
            ActionId.FOCUS_TREE: lambda: self.tree.setFocus(Qt.FocusReason.ShortcutFocusReason),
            ActionId.FOCUS_SEARCH: self._focus_search,
            ActionId.TOGGLE_ZOOM: self.preview.toggle_zoom,
            ActionId.ADD_DRIVE: self.add_drive_dialog,
            ActionId.CANCEL_SCAN: self.cancel_scan,
            ActionId.PREFERENCES: self.show_preferences,
            ActionId.SHORTCUTS: self.show_shortcuts,
            ActionId.QUIT: self.close,
        }
        for status in Status:
            handlers[ActionId[f"STATUS_{int(status)}"]] = partial(self.form.set_status, int(status))
        for action_id, handler in handlers.items():
            # Through a lambda: `triggered` passes `checked`, which no handler wants.
            a[action_id].triggered.connect(lambda _checked=False, h=handler: h())
        for action_id in a:
            if SPECS[action_id].scope is Scope.WINDOW:
                self.addAction(a[action_id])
        # The note that stands in for an empty tree takes the same keys (u still works).
        attach(a, Scope.BROWSE, self.tree, self.preview, self.empty_note)
        attach(a, Scope.FORM, self.form)
        help_key = browse_only_shortcut(a, ActionId.SHORTCUTS, "?")
        self.tree.addAction(help_key)
        self.preview.addAction(help_key)
        a[ActionId.CANCEL_SCAN].setEnabled(False)
        a[ActionId.SAVE].setEnabled(False)

    def _build_menus(self) -> None:
        a = self.actions_by_id
        menus = (
            (
                "&File",
                [
                    ActionId.ADD_DRIVE,
                    ActionId.CANCEL_SCAN,
                    None,
                    ActionId.PREFERENCES,
                    None,
                    ActionId.QUIT,
                ],
            ),
            (
                "&Edit",
                [
                    ActionId.SAVE,
                    ActionId.SAVE_AND_NEXT,
                    ActionId.DISCARD_EDITS,
                    None,
                    ActionId.FOCUS_TITLE,
                    ActionId.FOCUS_NOTES,
                ],
            ),
            ("&Status", [ActionId[f"STATUS_{int(s)}"] for s in Status]),
            (
                "&Go",
                [
                    ActionId.NEXT_FILE,
                    ActionId.PREVIOUS_FILE,
                    ActionId.NEXT_UNREVIEWED,
                    None,
                    ActionId.FOCUS_TREE,
                    ActionId.FOCUS_SEARCH,
                ],
            ),
            ("&View", [ActionId.TOGGLE_ZOOM]),
            ("&Help", [ActionId.SHORTCUTS]),
        )
        for title, items in menus:
            menu = self.menuBar().addMenu(title)
            for item in items:
                if item is None:
                    menu.addSeparator()
                else:
                    menu.addAction(a[item])
        for status in Status:
            a[ActionId[f"STATUS_{int(status)}"]].setIcon(
                palette.status_icon(int(status), self._dark())
            )

    def _dark(self) -> bool:
        return palette.is_dark(self.palette())

    def _apply_palette_mode(self) -> None:
        dark = self._dark()
        self.model.set_dark(dark)
        self.form.set_dark(dark)
        for status in Status:
            self.actions_by_id[ActionId[f"STATUS_{int(status)}"]].setIcon(
                palette.status_icon(int(status), dark)
            )

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._apply_palette_mode()

    # -- drives and the tree --------------------------------------------------------------

    def reload_drives(self, select: str | None = None) -> None:
        """Rebuild the drive list and show `select` (or the drive shown now) afresh."""
        self.refresh_drive_list(select)
        self._load_tree(restore_file=self.settings.last_file_uuid)

    def refresh_drive_list(self, select: str | None = None) -> None:
        """Rebuild the selector's items (new drives, mounted or not) without touching the tree."""
        current = select or self.model_drive_name()
        self.drive_combo.blockSignals(True)
        self.drive_combo.clear()
        for drive in queries.drives():
            mounted = bool(drive.mount_path and os.path.isdir(drive.mount_path))
            label = drive.name if mounted else f"{drive.name}  (not mounted)"
            self.drive_combo.addItem(label, drive.id)
            self.drive_combo.setItemData(
                self.drive_combo.count() - 1, drive.name, Qt.ItemDataRole.UserRole + 1
            )
        index = 0
        if current:
            for i in range(self.drive_combo.count()):
                if self.drive_combo.itemData(i, Qt.ItemDataRole.UserRole + 1) == current:
                    index = i
        self.drive_combo.setCurrentIndex(index if self.drive_combo.count() else -1)
        self.drive_combo.blockSignals(False)

    def current_drive_id(self) -> int | None:
        data = self.drive_combo.currentData()
        return int(data) if data is not None else None

    def _drive_chosen(self, _index: int) -> None:
        if not self.confirm_leaving_edits():
            previous = self.model.drive_id
            self.drive_combo.blockSignals(True)
            self.drive_combo.setCurrentIndex(max(self.drive_combo.findData(previous), 0))
            self.drive_combo.blockSignals(False)
            return
        self._load_tree()
        name = self.drive_combo.currentData(Qt.ItemDataRole.UserRole + 1)
        if name:
            self.settings.last_drive = name

    def current_filter(self) -> FileFilter:
        chip = self.chips.checkedButton()
        key = chip.property("chip") if chip else "all"
        return FileFilter(key, self.search.text())

    def _apply_filter(self) -> None:
        if not self.confirm_leaving_edits():
            # Put the chips back as they were: the tree still shows the old filter.
            for chip in self.chips.buttons():
                chip.setChecked(chip.property("chip") == self.model.file_filter.chip)
            self.search.blockSignals(True)
            self.search.setText(self.model.file_filter.search)
            self.search.blockSignals(False)
            return
        self._load_tree(keep_current=True)

    def _load_tree(self, restore_file: str | None = None, keep_current: bool = False) -> None:
        keep = self.current_file.id if (keep_current and self.current_file) else None
        self.model.load(self.current_drive_id(), self.current_filter())
        self._show_file(None)
        target = None
        if keep is not None:
            target = FileEntry.get_or_none(FileEntry.id == keep)
        elif restore_file:
            target = FileEntry.get_or_none(
                (FileEntry.uuid == restore_file) & (FileEntry.drive == self.current_drive_id())
            )
        if target is not None:
            self.select_file(target)
        elif self.model.rowCount() and not self.tree.currentIndex().isValid():
            self.tree.setCurrentIndex(self.model.index(0, 0))
            self.tree.expand(self.model.index(0, 0))
        self._show_empty_note()

    def _show_empty_note(self) -> None:
        """Say what to do when the tree has nothing to show, instead of a blank pane."""
        had_focus = self.tree.hasFocus() or self.empty_note.hasFocus()
        if self.model.rowCount():
            self.tree_stack.setCurrentWidget(self.tree)
            if had_focus:
                self.tree.setFocus()
            return
        if self.drive_combo.count() == 0:
            text = (
                "<p><b>No drives yet</b></p><p>Drop a drive's folder on this window, or "
                "choose File → Add Drive… (Ctrl+O). Luna catalogues it without moving "
                "or changing a file.</p>"
            )
        elif self.scans.running and self.scans.drive_name == self.model_drive_name():
            text = "<p><b>Scanning…</b></p><p>Files appear here as they are catalogued.</p>"
        elif not self.current_filter().is_default:
            text = "<p><b>No files match</b></p><p>Choose All or clear the search.</p>"
        else:
            text = "<p><b>This drive has no files</b></p>"
        self.empty_note.setText(text)
        self.tree_stack.setCurrentWidget(self.empty_note)
        if had_focus:
            self.empty_note.setFocus()

    def model_drive_name(self) -> str | None:
        return self.drive_combo.currentData(Qt.ItemDataRole.UserRole + 1)

    def select_file(self, entry: FileEntry, scroll: bool = True) -> bool:
        index = self.model.find_file(entry.id, entry.folder)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        if scroll:
            self.tree.scrollTo(index)
        return True

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._guard_busy:
            return
        file_id = self.model.file_id(current)
        if self.current_file is not None and file_id == self.current_file.id:
            return
        if not self.confirm_leaving_edits():
            self._guard_busy = True
            self.tree.selectionModel().setCurrentIndex(
                previous,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self._guard_busy = False
            return
        self._show_file(file_id)

    def _show_file(self, file_id: int | None) -> None:
        if file_id is None:
            self.current_file = None
            self.form.clear()
            self.preview.clear()
            return
        entry = queries.file_with_drive(file_id)
        if entry is None:
            return
        self.current_file = entry
        loaded = curation.load(file_id)
        self._version = loaded.version
        groups, tags = self._completions()
        self.form.load(loaded.curation, groups, tags)
        self.preview.show_file(file_id, self._absolute_path(entry), self._facts(entry))
        nxt = self.model.sibling_file(self.model.file_index(file_id), 1)
        nxt_id = self.model.file_id(nxt)
        if nxt_id is not None:
            nxt_entry = FileEntry.get_or_none(FileEntry.id == nxt_id)
            if nxt_entry is not None:
                self.preview.prefetch(nxt_id, self._absolute_path(nxt_entry, entry.drive))

    def _completions(self) -> tuple[list[str], list[str]]:
        """Project groups and tag names for the form's completers, read once per save
        rather than on every j: a catalogue can hold thousands of keywords."""
        if self._completion_lists is None:
            self._completion_lists = (curation.project_groups(), queries.tag_names())
        return self._completion_lists

    def _absolute_path(self, entry: FileEntry, drive: Drive | None = None) -> bytes | None:
        drive = drive or entry.drive
        if not drive.mount_path or not os.path.isdir(drive.mount_path):
            return None
        return os.path.join(os.fsencode(drive.mount_path), entry.relpath)

    def _facts(self, entry: FileEntry) -> dict:
        return {
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
            "duration": entry.duration,
            "error": entry.error,
            "missing": not entry.present,
            "drive": entry.drive.name,
        }

    # -- moving around ----------------------------------------------------------------------

    def step_file(self, step: int) -> None:
        index = self.tree.currentIndex()
        if self.model.file_id(index) is None:
            target = self.model.first_file(index) if step > 0 else QModelIndex()
        else:
            target = self.model.sibling_file(index, step)
        if target.isValid():
            self.tree.setCurrentIndex(target)
            self.tree.scrollTo(target)
        else:
            where = "last" if step > 0 else "first"
            self.statusBar().showMessage(
                f"This is the {where} file in the folder — press U for the next unreviewed file",
                4000,
            )

    def next_unreviewed(self) -> None:
        drive_id = self.current_drive_id()
        if drive_id is None:
            return
        after = (
            (self.current_file.folder, self.current_file.filename) if self.current_file else None
        )
        # The chip would contradict "unreviewed" (For upload, Missing…); the search stays.
        search_only = FileFilter("all", self.model.file_filter.search)
        target = queries.next_unreviewed(drive_id, after, search_only)
        if target is None:
            self.statusBar().showMessage("Every file on this drive has been reviewed", 5000)
            return
        if self.current_file is not None and target.id == self.current_file.id:
            self.statusBar().showMessage("This is the only unreviewed file left", 5000)
            return
        if not self.select_file(target):
            # Hidden by the chip (For upload, Missing…): show everything and go there.
            if not self.confirm_leaving_edits():
                return
            for chip in self.chips.buttons():
                chip.setChecked(chip.property("chip") == "all")
            self.model.load(drive_id, self.current_filter())
            self._show_empty_note()
            self.select_file(target)

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- saving ---------------------------------------------------------------------------

    def _dirty_changed(self, dirty: bool) -> None:
        self.actions_by_id[ActionId.SAVE].setEnabled(dirty)
        name = self.current_file.filename if self.current_file is not None else "Luna Desktop"
        self.setWindowTitle(f"{name}[*] — Luna Desktop" if self.current_file else "Luna Desktop[*]")
        self.setWindowModified(dirty)

    def save(self) -> bool:
        """Save the form; True when it was saved (or there was nothing to save)."""
        if self.current_file is None:
            return True
        value = self.form.value()
        if not self.form.date_valid():
            self.statusBar().showMessage(
                "Not saved: the date must be YYYY-MM-DD, YYYY-MM or YYYY", 6000
            )
            self.form.date.setFocus()
            return False
        group = value.project_group
        if group and group not in self._completions()[0]:
            answer = self.ask(
                "New project group",
                f"“{group}” is not a project group yet. Add it to the list?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.form.group.setFocus()
                return False
            curation.add_project_group(group)
        try:
            self._version = curation.save(
                self.current_file.id, value, self._version, self.settings.curator_name
            )
        except curation.ConflictError as exc:
            # Someone saved this file since it was opened. Their values are in the edit
            # log either way; the curator chooses whether theirs or these stand.
            answer = self.ask(
                "Changed elsewhere",
                str(exc),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                informative="Save overwrites the other changes with what is in the form; "
                "Cancel keeps editing (Esc then shows the other version).",
            )
            latest = curation.load(self.current_file.id)
            if answer != QMessageBox.StandardButton.Save:
                self.form.adopt_baseline(latest.curation)
                self._version = latest.version
                return False
            self._version = latest.version
            return self.save()
        except (OperationalError, DatabaseError) as exc:
            # Locked by a long write elsewhere, or the disk is full: keep the edits in
            # the form and say so; the curator can try again.
            self.tell(
                "Not saved",
                f"The catalogue could not be written ({exc}). Your edits are still in the "
                "form; try saving again in a moment.",
            )
            return False
        saved = curation.load(self.current_file.id)
        self._completion_lists = None  # a save may have added a group or tags
        self.form.mark_saved(saved.curation, *self._completions())
        self.model.update_status(self.current_file.id, saved.curation.status)
        self.statusBar().showMessage(f"Saved {self.current_file.filename}", 2500)
        return True

    def save_and_next(self) -> None:
        if self.current_file is None:
            self.step_file(1)
            return
        if not self.save():
            return
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        self.step_file(1)

    def discard_edits(self) -> None:
        self.form.revert()
        self.statusBar().showMessage("Edits discarded", 2000)

    def confirm_leaving_edits(self) -> bool:
        """Ask Save / Discard / Cancel when the form has unsaved edits; True to go on."""
        if not self.form.is_dirty() or self.current_file is None:
            return True
        answer = self.ask(
            "Unsaved edits",
            f"Save your edits to {self.current_file.filename}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            informative="If you don't save, what you typed is lost.",
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.form.revert()
            return True
        return False

    def ask(
        self,
        title: str,
        text: str,
        buttons: QMessageBox.StandardButton,
        informative: str = "",
    ) -> QMessageBox.StandardButton:
        """A modal question; afterwards focus is back where the curator was.

        The first button given is the default (Enter).
        """
        box = QMessageBox(self)
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
        """A warning the curator acknowledges; focus comes back afterwards."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        self.run_modal(box)

    def run_modal(self, dialog) -> int:
        """exec() a dialog, then give the focus back to where the curator was."""
        focused = QApplication.focusWidget()
        result = dialog.exec()
        self.activateWindow()
        if focused is not None:
            focused.setFocus(Qt.FocusReason.OtherFocusReason)
        return result

    # -- adding drives and scanning ------------------------------------------------------

    def add_drive_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self, "Add a drive or folder")
        if folder:
            self.add_drive(folder)

    def add_drive(self, folder: str, name: str | None = None) -> bool:
        """Name a folder as a drive (asking, unless `name` is given) and scan it."""
        if self.scans.running:
            self.tell("Scan running", "Wait for the running scan to finish, or cancel it.")
            return False
        try:
            root = check_scan_root(folder)
        except ScanError as exc:
            self.tell("Cannot add this folder", str(exc))
            return False
        if name is None:
            known, suggestion = recognise_drive(root)
            if known is not None:
                # A known drive keeps its name (and its files' curation): one question.
                answer = self.ask(
                    "Add drive",
                    f"This is the drive “{known.name}”, seen before at {known.mount_path}. "
                    "Rescan it now?",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                )
                if answer != QMessageBox.StandardButton.Yes:
                    return False
                name = known.name
            else:
                name, ok = QInputDialog.getText(
                    self,
                    "Add drive",
                    f"Name the drive at {root}:",
                    QLineEdit.EchoMode.Normal,
                    suggestion,
                )
                self.activateWindow()
                if not ok or not name.strip():
                    return False
        self.start_scan(root, name.strip())
        return True

    def start_scan(self, root: Path, name: str) -> None:
        self._scan_seen_drive = False
        self._refresh_interval = _TREE_REFRESH_MS
        self._completion_lists: tuple[list[str], list[str]] | None = None
        self.actions_by_id[ActionId.CANCEL_SCAN].setEnabled(True)
        self.scans.start(root, name, self.settings.ignore_patterns)

    def _scan_progress(self, progress: ScanProgress) -> None:
        if not self._scan_seen_drive:
            # The drive row exists now. A drive just added is shown, so the tree fills
            # as batches land; a curator in the middle of an edit stays, unasked.
            self._scan_seen_drive = True
            shown = self.model_drive_name()
            self.refresh_drive_list()
            if shown != progress.drive and not self.form.is_dirty():
                self.reload_drives(select=progress.drive)
                return
        if not self._refresh_timer.isActive():
            self._refresh_timer.start(self._refresh_interval)

    def _refresh_tree_during_scan(self) -> None:
        if self.drive_combo.currentData(Qt.ItemDataRole.UserRole + 1) != self.scans.drive_name:
            return
        self._reload_tree_keeping_place()

    def _reload_tree_keeping_place(self) -> None:
        """New counts and files from the catalogue; the current file and edits stay."""
        started = time.monotonic()
        expanded = self._expanded_paths()
        current = self.current_file
        self._guard_busy = True
        try:
            self.model.reload()
            self._show_empty_note()
            for path in expanded:
                index = self.model.folder_index(path)
                if index is not None:
                    self.tree.expand(index)
            if current is not None:
                self.select_file(current, scroll=False)
        finally:
            self._guard_busy = False
        # On a huge drive a refresh takes a while: refresh less often, so the window
        # stays responsive while the scan runs.
        spent_ms = (time.monotonic() - started) * 1000
        self._refresh_interval = max(_TREE_REFRESH_MS, int(spent_ms * 10))

    def _expanded_paths(self) -> list[str]:
        return [
            path
            for path in self.model.folder_paths()
            if self.tree.isExpanded(self.model.folder_index(path))
        ]

    def _scan_ended(self, progress: ScanProgress | None) -> None:
        self._completion_lists = None  # the scan may have brought new keywords
        self.actions_by_id[ActionId.CANCEL_SCAN].setEnabled(False)
        self._refresh_timer.stop()
        if progress is not None:
            verb = "Scanned" if progress.state == "completed" else "Scan cancelled:"
            self.statusBar().showMessage(f"{verb} {progress.drive}: {progress.summary()}", 15000)
        self.refresh_drive_list()
        if self.model.drive_id is None:
            self.reload_drives(select=self.scans.drive_name)
        elif self.model_drive_name() == self.scans.drive_name:
            self._reload_tree_keeping_place()

    def _scan_failed(self, message: str) -> None:
        self.tell("Scan failed", f"The scan stopped: {message}")

    def cancel_scan(self) -> None:
        self.scans.cancel()

    def scan_running(self) -> bool:
        return self.scans.running

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
        self.run_modal(ShortcutsSheet(self))

    def show_preferences(self) -> None:
        from .preferences_dialog import PreferencesDialog
        from .theme import apply_theme

        dialog = PreferencesDialog(self.settings, self)
        if self.run_modal(dialog):
            changes = dialog.accepted_changes()
            if "theme" in changes:
                from PySide6.QtWidgets import QApplication

                apply_theme(QApplication.instance(), self.settings.theme)
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
        self.settings.window_geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        for splitter in (self.main_split, self.right_split):
            self.settings.set_splitter_state(splitter.objectName(), splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The scan question first: answering No there must not have cost the edits.
        if self.scans.running:
            answer = self.ask(
                "Scan running",
                "A scan is running. Stop it and quit? What was read so far is kept.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if not self.confirm_leaving_edits():
            event.ignore()
            return
        if self.scans.running:
            self.scans.cancel()
            self.pool.waitForDone(30_000)
        self.save_layout()
        self.pool.waitForDone(5_000)
        event.accept()


def _dropped_folder(event) -> str | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isdir(url.toLocalFile()):
            return url.toLocalFile()
    return None
