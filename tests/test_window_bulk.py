"""One decision for a selection: Shift/Ctrl in the tree, a status key or Edit Selected
Files, one undoable change; a whole folder as the tree shows it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from luna_desktop.catalog import curation
from luna_desktop.catalog.models import EditLog, FileEntry, ProjectGroup
from luna_desktop.catalog.status import Status
from luna_desktop.ui.bulk_edit_dialog import BulkEditDialog
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan
from tests.ui_helpers import answer_next_dialog

ROLL = "1998 Wedding"


@pytest.fixture
def window(qtbot, catalog, tmp_path):
    roll = tmp_path / "drive" / ROLL
    (roll / "church").mkdir(parents=True)
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg"):
        make_jpeg(roll / name, size=(64, 48))
    make_jpeg(roll / "church" / "e.jpg", size=(64, 48))
    make_jpeg(tmp_path / "drive" / "elsewhere.jpg", size=(64, 48))
    run_scan(tmp_path / "drive", "Archive")
    ProjectGroup.create(name="Weddings 1998")
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: "Weddings 1998" in w.controller.groups)  # read off the GUI thread
    yield w
    w.controller.discard()
    w.close()
    w.deleteLater()


def _status(name: str) -> int:
    return FileEntry.get(FileEntry.filename == name).status


def _select(w: MainWindow, qtbot, name: str) -> None:
    assert w.select_file(FileEntry.get(FileEntry.filename == name))
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == name)
    w.tree.setFocus()


def _wait_written(w: MainWindow, qtbot) -> None:
    qtbot.waitUntil(lambda: not w.bulk.busy)
    qtbot.waitUntil(lambda: "Ctrl+Z takes it back" in w.statusBar().currentMessage())


def test_shift_selection_and_a_status_key_change_all_at_once(window, qtbot):
    w = window
    _select(w, qtbot, "a.jpg")
    for _ in range(2):
        qtbot.keyClick(w.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(w.tree.selectionModel().selectedRows(0)) == 3
    qtbot.keyClick(w.tree, Qt.Key.Key_2)  # For upload
    _wait_written(w, qtbot)
    assert [_status(f"{n}.jpg") for n in "abcd"] == [2, 2, 2, 1]
    assert "on 3 files (3 changed)" in w.statusBar().currentMessage()
    assert len(w.tree.selectionModel().selectedRows(0)) == 3  # still selected for the next key
    sets = {e.change_set for e in EditLog.select()}
    assert len(sets) == 1  # one step
    a = FileEntry.get(FileEntry.filename == "a.jpg")
    assert (a.reviewed_by, a.version) == ("ada", 2)
    assert not w.form.is_dirty() and w.form.value().status == int(Status.UPLOAD)  # current

    qtbot.keyClick(w.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Undid status on 3 files" in w.statusBar().currentMessage())
    assert [_status(f"{n}.jpg") for n in "abc"] == [int(Status.UNREVIEWED)] * 3


def test_ctrl_click_picks_files_and_one_file_keeps_the_form_key(window, qtbot):
    w = window
    _select(w, qtbot, "a.jpg")
    qtbot.keyClick(w.tree, Qt.Key.Key_4)  # one file: the form's status, not saved
    assert w.form.is_dirty() and _status("a.jpg") == int(Status.UNREVIEWED)
    w.discard_edits()
    c = w.model.find_file(FileEntry.get(FileEntry.filename == "c.jpg").id, ROLL)
    w.tree.selectionModel().select(
        c, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    )
    qtbot.keyClick(w.tree, Qt.Key.Key_6)
    _wait_written(w, qtbot)
    assert [_status(f"{n}.jpg") for n in "abcd"] == [6, 1, 6, 1]


def test_a_folder_means_the_files_the_tree_shows_under_it(window, qtbot):
    w = window
    curation.set_fields([FileEntry.get(FileEntry.filename == "b.jpg").id], {"status": 3}, "bo")
    w.panel.set_chip("unreviewed")
    w.panel.apply_filter()
    qtbot.waitUntil(lambda: w.model.folder_index(ROLL) is not None)
    w.panel.select_folder(ROLL)
    w.tree.setFocus()
    asked = answer_next_dialog(QMessageBox.StandardButton.Yes)
    qtbot.keyClick(w.tree, Qt.Key.Key_4)
    _wait_written(w, qtbot)
    assert asked and "1998 Wedding" in asked[0]
    # Under the folder and its subfolder, the unreviewed ones; not b (hidden by the chip),
    # not a file outside the folder.
    assert [_status(f"{n}.jpg") for n in "abcde"] == [4, 3, 4, 4, 4]
    assert _status("elsewhere.jpg") == int(Status.UNREVIEWED)


def test_a_folder_change_can_be_cancelled(window, qtbot):
    w = window
    w.panel.select_folder(ROLL)
    w.tree.setFocus()
    asked = answer_next_dialog(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(w.tree, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: bool(asked))
    assert not w.bulk.busy
    assert {f.status for f in FileEntry.select()} == {int(Status.UNREVIEWED)}


def test_edit_selected_files_sets_group_date_and_tags(window, qtbot):
    w = window
    _select(w, qtbot, "c.jpg")
    qtbot.keyClick(w.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    seen: list[BulkEditDialog] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, BulkEditDialog):
            QTimer.singleShot(10, fill)
            return
        seen.append(dialog.windowTitle())
        try:
            seen.append(dialog.heading.text())
            qtbot.keyClicks(dialog.group.lineEdit(), "Weddings 1998")
            qtbot.keyClicks(dialog.date, "1998-06")
            qtbot.keyClicks(dialog.tags, "church, vows")
            seen.append(dialog.checks["status"].isChecked())  # untouched: not set
            seen.append(dialog.hint.text())
            qtbot.keyClick(dialog.tags, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, fill)
    qtbot.keyClick(
        w.tree,
        Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    _wait_written(w, qtbot)
    assert seen == ["Edit Selected Files", "Set the ticked fields on 2 files.", False, ""]
    for name in ("c.jpg", "d.jpg"):
        loaded = curation.load(FileEntry.get(FileEntry.filename == name).id).curation
        assert (loaded.project_group, loaded.date, loaded.tags, loaded.status) == (
            "Weddings 1998",
            "1998-06",
            ["church", "vows"],
            int(Status.UNREVIEWED),
        )
    assert curation.load(FileEntry.get(FileEntry.filename == "a.jpg").id).curation.date != "1998-06"


def test_unsaved_typing_is_never_overwritten_by_a_bulk_change(window, qtbot):
    w = window
    _select(w, qtbot, "a.jpg")
    qtbot.keyClick(w.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(w.form.title, "typed")
    w.tree.setFocus()
    qtbot.keyClick(w.tree, Qt.Key.Key_2)
    assert "edits in the form first" in w.statusBar().currentMessage()
    assert not w.bulk.busy and _status("a.jpg") == _status("b.jpg") == int(Status.UNREVIEWED)
    assert w.form.value().title == "typed"


def test_the_dialog_goes_field_to_field_and_says_when_a_group_is_new(qtbot):
    dialog = BulkEditDialog("2 files", ["Weddings 1998"], [], None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.status.setFocus()
    qtbot.keyClick(dialog.status, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() in (dialog.group, dialog.group.lineEdit())
    qtbot.keyClicks(QApplication.focusWidget(), "Weddings 2001")
    assert dialog.checks["project_group"].isChecked()
    assert "“Weddings 2001” is not a project group yet" in dialog.hint.text()
    qtbot.keyClick(dialog.status, Qt.Key.Key_Down)  # choosing a status ticks it
    assert dialog.checks["status"].isChecked()
    assert dialog.values() == {"status": 2, "project_group": "Weddings 2001"}


def test_a_key_pressed_while_another_drive_is_being_read_changes_nothing(window, qtbot, tmp_path):
    w = window
    make_jpeg(tmp_path / "other" / ROLL / "z.jpg", size=(64, 48))
    run_scan(tmp_path / "other", "Other")  # the same folder name on another drive
    w.reload_drives(select="Archive")
    qtbot.waitUntil(lambda: w.model.folder_index(ROLL) is not None)
    w.panel.select_folder(ROLL)
    w.tree.setFocus()
    # The selector names Other; the tree still shows Archive (its tree not read yet).
    w.drive_combo.blockSignals(True)
    w.drive_combo.setCurrentIndex(w.drive_combo.findText("Other", Qt.MatchFlag.MatchStartsWith))
    w.drive_combo.blockSignals(False)
    assert not w.panel.settled
    qtbot.keyClick(w.tree, Qt.Key.Key_5)
    assert "still being read" in w.statusBar().currentMessage()
    assert {f.status for f in FileEntry.select()} == {int(Status.UNREVIEWED)}
