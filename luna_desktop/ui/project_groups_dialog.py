"""Edit ▸ Project Groups…: the groups with how many files each holds, and what a curator
does to the list: add, rename, merge one into another, delete an empty one.

The names show at once; the counts fill in from a worker, since counting per group
passes over every grouped file (a while, on a million-file catalogue). A merge moves
files, so it runs in a worker too; add, rename and delete write one row each.

Keys: arrows choose, typing filters, F2 or Enter renames, Insert adds, Del deletes,
Alt+M merges, Esc clears the filter and then closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peewee import DatabaseError, OperationalError
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from luna_desktop.catalog import project_groups
from luna_desktop.catalog.errors import CatalogError
from luna_desktop.catalog.project_groups import GroupCount, Merged

from .background import LatestOnly
from .project_group_form import refresh_current_file
from .project_group_prompts import TargetChooser, ask_name, confirm, run_modal, warn
from .project_groups_model import GroupListModel, files_text, sorted_filter

if TYPE_CHECKING:
    from .main_window import MainWindow

_FAILURES = (CatalogError, DatabaseError, OperationalError)
_TABLE_KEYS = {
    Qt.Key.Key_F2: "rename",
    Qt.Key.Key_Return: "rename",
    Qt.Key.Key_Enter: "rename",
    Qt.Key.Key_Insert: "add",
    Qt.Key.Key_Delete: "delete",
}


def _sentence(exc: Exception) -> str:
    """A catalogue message (written for `luna: …`) as a sentence for a dialog."""
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


_LIST_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
_KEYPAD, _SHIFT = Qt.KeyboardModifier.KeypadModifier, Qt.KeyboardModifier.ShiftModifier
KEYS_HINT = "F2 rename · Insert add · Alt+M merge · Del delete · Esc close"


def show_project_groups(window: MainWindow) -> ProjectGroupsDialog:
    dialog = window.findChild(ProjectGroupsDialog)
    if dialog is None:
        dialog = ProjectGroupsDialog(window)
        dialog.open()  # modal to the window: the form cannot change underneath
    dialog.raise_()
    dialog.activateWindow()
    return dialog


class ProjectGroupsDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("project_groups_dialog")
        self.setWindowTitle("Project Groups")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._main = window
        self._merging = False
        self._return_focus = QApplication.focusWidget()  # where the curator was
        # The window keeps the reader: closing the dialog mid-count must not wait for it.
        self._reader = window.findChild(LatestOnly, "project_group_counts")
        if self._reader is None:
            self._reader = LatestOnly(window)
            self._reader.setObjectName("project_group_counts")
        self._writer = LatestOnly(self)
        self._build()
        self.finished.connect(self._closed)
        # What the form already offers, so names show before the catalogue answers.
        self.model.set_names([(None, name) for name in window.controller.groups])
        self._select(None)
        self._refresh()

    def _build(self) -> None:
        self.filter = QLineEdit()
        self.filter.setObjectName("group_filter")
        self.filter.setPlaceholderText("Filter: type part of a name")
        self.filter.setClearButtonEnabled(True)
        self.model = GroupListModel(self)
        self.proxy = sorted_filter(self.model)
        self.table = QTableView()
        self.table.setObjectName("groups")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(self.table.fontMetrics().lineSpacing() + 8)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.add_button = self._button("&Add…", "add", "Add a project group (Insert)")
        self.rename_button = self._button("&Rename…", "rename", "Rename the group (F2)")
        self.merge_button = self._button(
            "&Merge into…", "merge", "Move its files into another group and remove it"
        )
        self.delete_button = self._button("&Delete", "delete", "Delete an empty group (Del)")
        close = self._button("Close", "close", "Close (Esc)")
        close.clicked.connect(self.reject)
        self.summary = QLabel("Counting the files in each group…")
        self.summary.setObjectName("groups_summary")
        self.status = QLabel()  # what the last change did, or why it was not made
        self.status.setObjectName("groups_status")
        self.status.setWordWrap(True)
        keys = QLabel(KEYS_HINT)
        keys.setEnabled(False)  # drawn muted: a reminder, not a control

        buttons = QVBoxLayout()
        for button in (self.add_button, self.rename_button, self.merge_button):
            buttons.addWidget(button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addLayout(body, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)
        layout.addWidget(keys)

        self.filter.textChanged.connect(self._filter_changed)
        self.filter.returnPressed.connect(self._filter_entered)
        self.filter.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _index: self.rename_selected())
        self.resize(560, 480)
        self.table.setFocus()

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(f"{name}_group")
        button.setToolTip(tip)
        button.setAutoDefault(False)  # Enter belongs to the table and the filter
        handler = getattr(self, f"{name}_selected", None)
        if handler is not None:
            button.clicked.connect(lambda _checked=False: handler())
        return button

    # -- the list --------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Names from the catalogue, then their counts (the slow part)."""
        self._reader.request(
            lambda _stale: project_groups.group_names(), self._names_read, self._read_failed
        )

    def _names_read(self, rows: list[tuple[int, str]]) -> None:
        selected = self.selected_name()
        self.model.set_names(rows)
        self._select(selected)
        self.summary.setText("Counting the files in each group…")
        self._reader.request(
            lambda stale: None if stale() else project_groups.file_counts(),
            self._counts_read,
            self._read_failed,
        )

    def _counts_read(self, counts: dict[int, GroupCount] | None) -> None:
        if counts is None:
            return
        self.model.set_counts(counts)
        self._update_buttons()
        files, groups = sum(c.files for c in counts.values()), self.model.rowCount()
        plural = "s" if groups != 1 else ""
        self.summary.setText(f"{groups:,} project group{plural}; {files:,} files in them")

    def _read_failed(self, exc: Exception) -> None:
        self._say(f"Could not read the project groups: {exc}")

    def _select(self, name: str | None) -> None:
        """Choose `name` if it is shown, else the first group shown."""
        row = self.model.row_of(name) if name else None
        index = self.proxy.mapFromSource(self.model.index(row, 0)) if row is not None else None
        if index is None or not index.isValid():
            index = self.proxy.index(0, 0)
        self.table.setCurrentIndex(index)
        if index.isValid():
            self.table.scrollTo(index)
        self._update_buttons()

    def selected_name(self) -> str | None:
        index = self.table.currentIndex()
        return self.proxy.index(index.row(), 0).data() if index.isValid() else None

    def _update_buttons(self) -> None:
        name = self.selected_name()
        chosen = name is not None and not self._merging
        count = self.model.count_of(name) if name else None
        self.add_button.setEnabled(not self._merging)
        self.rename_button.setEnabled(chosen)
        self.merge_button.setEnabled(chosen and self.model.rowCount() > 1)
        self.delete_button.setEnabled(chosen and (count is None or count.files == 0))

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if not self.table.currentIndex().isValid():
            self._select(None)
        self._update_buttons()

    def _filter_entered(self) -> None:
        """Enter in the filter: to the list, or, when nothing matches, add the name."""
        if self.proxy.rowCount() == 0 and self.filter.text().strip():
            self.add_selected(self.filter.text().strip())
        else:
            self.table.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or self._merging:
            return super().eventFilter(watched, event)
        key, mods, text = event.key(), event.modifiers(), event.text()
        if key == Qt.Key.Key_Escape and self.filter.text() and watched in (self.table, self.filter):
            self.filter.clear()  # the first Esc shows every group again; the next closes
            return True
        if watched is self.table:
            if key in _TABLE_KEYS and not mods & ~_KEYPAD:
                getattr(self, f"{_TABLE_KEYS[key]}_selected")()
                return True
            if key in (Qt.Key.Key_Home, Qt.Key.Key_End) and not mods & ~_KEYPAD:
                last = self.proxy.rowCount() - 1  # a list's first and last, not a row's ends
                self.table.setCurrentIndex(
                    self.proxy.index(0 if key == Qt.Key.Key_Home else last, 0)
                )
                return True
            typing = text.strip() or (text == " " and self.filter.text())
            if typing and text.isprintable() and not mods & ~(_KEYPAD | _SHIFT):
                self.filter.setFocus()  # typing in the list filters it
                self.filter.insert(text)
                return True
        elif watched is self.filter and key in _LIST_KEYS:
            QApplication.sendEvent(self.table, event)
            self.table.setFocus()
            return True
        return super().eventFilter(watched, event)

    # -- changing the list -----------------------------------------------------------------

    def add_selected(self, suggested: str = "") -> None:
        text: str | None = suggested
        while True:
            text = ask_name(self, "Add project group", "Name of the new project group:", text)
            if text is None:
                return
            try:
                name = project_groups.add(text)
                break
            except _FAILURES as exc:
                warn(self, "Not added", _sentence(exc))
        self.filter.clear()
        self.model.add(name, GroupCount(0, 0))
        self._select(name)
        self._changed(f"Added “{name}”")

    def rename_selected(self) -> None:
        old = self.selected_name()
        if old is None:
            return
        text: str | None = old
        while True:
            text = ask_name(self, "Rename project group", f"New name for “{old}”:", text or old)
            if text is None or text.strip() == old:
                return
            try:
                new = project_groups.rename(old, text)
                break
            except _FAILURES as exc:
                warn(self, "Not renamed", _sentence(exc))
        self.model.rename(old, new)
        self._select(new)
        self._changed(f"Renamed “{old}” to “{new}”; its files stay in it")

    def delete_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        count = self.model.count_of(name)
        if count is not None and count.files:
            warn(
                self,
                "Not deleted",
                f"“{name}” holds {files_text(count)}: merge it into another group instead "
                "(Merge into…), which moves them and removes it.",
            )
            return
        question = f"Delete the empty project group “{name}”?"
        if not confirm(self, "Delete project group", question, "", "Delete", "confirm_delete"):
            return
        try:
            project_groups.delete(name)
        except _FAILURES as exc:
            warn(self, "Not deleted", _sentence(exc))
            self._refresh()  # someone put files in it meanwhile: show them
            return
        self.model.remove(name)
        self._select(None)
        self._changed(f"Deleted “{name}”")

    def merge_selected(self) -> None:
        source = self.selected_name()
        if source is None or self._merging:
            return
        others = [
            (name, files_text(self.model.count_of(name)))
            for name in sorted(self.model.names(), key=project_groups.sort_key)
            if name != source
        ]
        if not others:
            warn(self, "Nothing to merge into", "Add another project group first.")
            return
        chooser = TargetChooser(source, others, self)
        if not run_modal(chooser, self) or not chooser.chosen():
            return
        target = chooser.chosen()
        if not self._confirm_merge(source, target, self.model.count_of(source)):
            return
        self._merging = True
        self._update_buttons()
        self.filter.setEnabled(False)
        self._say(f"Moving the files of “{source}” into “{target}”…")
        curator = self._main.settings.curator_name
        self._writer.request(
            lambda _stale: project_groups.merge(source, target, curator),
            self._merged,
            self._merge_failed,
        )

    def _confirm_merge(self, source: str, target: str, count: GroupCount | None) -> bool:
        if count is not None and count.files == 0:
            text = f"“{source}” holds no files. Remove it (“{target}” stays as it is)?"
            return confirm(self, "Merge project groups", text, "", "Merge", "confirm_merge")
        files = files_text(count) or "every file"
        missing = f" ({count.missing:,} of them missing)" if count and count.missing else ""
        text = f"Move {files}{missing} from “{source}” to “{target}” and remove “{source}”?"
        undo = "Ctrl+Z in the tree undoes it."
        return confirm(self, "Merge project groups", text, undo, "Merge", "confirm_merge")

    def _merged(self, merged: Merged) -> None:
        self._merge_ended()
        self.model.merged(merged.source, merged.target)
        self._select(merged.target)
        if merged.files:
            moved = files_text(GroupCount(merged.files, 0))
            text = f"Moved {moved} from “{merged.source}” to “{merged.target}” and removed "
            text += f"“{merged.source}”. Ctrl+Z in the tree undoes it."
        else:
            text = f"Removed “{merged.source}”, which held no files"
        self._changed(text)

    def _merge_failed(self, exc: Exception) -> None:
        self._merge_ended()
        warn(self, "Not merged", f"The groups were not merged: {exc}")
        self._refresh()

    def _merge_ended(self) -> None:
        self._merging = False
        self.filter.setEnabled(True)
        self._update_buttons()
        self.activateWindow()
        self.table.setFocus()

    def _changed(self, text: str) -> None:
        """After any change: the form's lists, the file on show, the counts afresh."""
        self._say(text)
        self._main.statusBar().showMessage(text, 8000)
        self._main.load_completions()
        refresh_current_file(self._main)
        self._refresh()

    # -- small dialogs and closing --------------------------------------------------------

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def reject(self) -> None:
        if self._merging:  # the files are moving: closing now would hide how it ended
            self._say("Still merging: the dialog can close once the files have moved")
            return
        super().reject()

    def _closed(self) -> None:
        self._reader.cancel()  # an answer arriving later has no dialog to go to
        self._main.activateWindow()
        if self._return_focus is not None:
            self._return_focus.setFocus(Qt.FocusReason.OtherFocusReason)
