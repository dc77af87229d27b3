"""Edit ▸ Project Groups…: the list with counts, add, rename, merge and delete, all by
keys, and the form that follows a change to the file on show."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from luna_desktop.catalog.models import FileEntry, ProjectGroup
from luna_desktop.ui.actions import ActionId
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.project_group_prompts import TargetChooser
from luna_desktop.ui.project_groups_dialog import ProjectGroupsDialog
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan
from tests.ui_helpers import answer_conflict

CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier
LAYOUT = {
    "Wedding 98": ("1998/Ely", ["w1.jpg", "w2.jpg", "w3.jpg"]),
    "Weddings 1998": ("1998/Church", ["x1.jpg", "x2.jpg"]),
    "harbour": ("Harbour", ["h1.jpg"]),
}


@pytest.fixture
def window(qtbot, catalog, tmp_path):
    for folder, names in LAYOUT.values():
        for name in names:
            make_jpeg(tmp_path / "drive" / folder / name, size=(64, 48), color=(len(name), 9, 9))
    run_scan(tmp_path / "drive", "Archive")
    for group, (folder, _names) in LAYOUT.items():
        made = ProjectGroup.create(name=group)
        FileEntry.update(project_group=made).where(FileEntry.folder == folder).execute()
    ProjectGroup.create(name="Empty")
    FileEntry.update(present=False).where(FileEntry.filename == "w3.jpg").execute()
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: "Empty" in w.controller.groups)  # read off the GUI thread
    yield w
    w.controller.discard()
    w.close()
    w.deleteLater()


def select(w: MainWindow, qtbot, name: str) -> None:
    assert w.select_file(FileEntry.get(FileEntry.filename == name))
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == name)
    w.tree.setFocus()


def open_dialog(w: MainWindow, qtbot) -> ProjectGroupsDialog:
    w.actions_by_id[ActionId.PROJECT_GROUPS].trigger()
    dialog = w.findChild(ProjectGroupsDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(dialog.table.hasFocus)  # the list takes the keys from the start
    qtbot.waitUntil(lambda: dialog.model.count_of("Wedding 98") is not None)  # counted
    return dialog


def shown(dialog: ProjectGroupsDialog) -> list[tuple[str, str]]:
    """The rows as the curator sees them: name and Files column, in order."""
    p = dialog.proxy
    return [(p.index(r, 0).data(), p.index(r, 1).data()) for r in range(p.rowCount())]


def when_shown(qtbot, kind: type, act) -> list:
    """Do `act(dialog)` to the next modal dialog of `kind` once it is on screen (it runs
    inside that dialog's exec()). Returns a list that receives the dialog."""
    seen: list = []

    def poll(attempts: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            seen.append(dialog)
            act(dialog)
        elif attempts < 300:
            QTimer.singleShot(10, lambda: poll(attempts + 1))

    QTimer.singleShot(0, poll)
    return seen


def type_name(qtbot, text: str):
    """Answer a name dialog as a curator: select what is there, type, Enter."""

    def act(dialog: QInputDialog) -> None:
        line = dialog.findChild(QLineEdit)
        qtbot.keyClick(line, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(line, text)
        qtbot.keyClick(line, Qt.Key.Key_Return)

    return lambda d: act(d)


def type_keys(qtbot, text: str) -> None:
    """Type as a curator does: each key to whichever widget has the focus by then."""
    for char in text:
        qtbot.keyClicks(QApplication.focusWidget(), char)


def press(qtbot, key: Qt.Key):
    """Answer a message box with a key (Enter: its default button; Esc: cancel)."""
    return lambda box: qtbot.keyClick(box, key)


def group_of(filename: str) -> str | None:
    row = FileEntry.get(FileEntry.filename == filename)
    return row.project_group.name if row.project_group_id else None


def test_the_groups_show_by_name_with_counts_and_typing_filters_them(window, qtbot):
    w = window
    select(w, qtbot, "h1.jpg")
    dialog = open_dialog(w, qtbot)
    assert shown(dialog) == [
        ("Empty", "0"),
        ("harbour", "1"),
        ("Wedding 98", "3 (1 missing)"),  # the file no drive holds any more counts too
        ("Weddings 1998", "2"),
    ]
    assert dialog.table.hasFocus() and dialog.selected_name() == "Empty"
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    assert dialog.selected_name() == "harbour"

    type_keys(qtbot, "wed")  # typing in the list goes to the filter
    assert dialog.filter.text() == "wed"
    assert [name for name, _ in shown(dialog)] == ["Wedding 98", "Weddings 1998"]
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Down)  # arrows still move in the list
    assert dialog.selected_name() == "Weddings 1998" and dialog.table.hasFocus()

    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)  # the first Esc clears the filter
    assert dialog.filter.text() == "" and len(shown(dialog)) == 4
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)  # the next closes
    assert not dialog.isVisible()
    qtbot.waitUntil(w.tree.hasFocus)  # back where the curator was


def test_add_refuses_a_taken_name_keeps_the_typing_and_adds_another(window, qtbot):
    w = window
    dialog = open_dialog(w, qtbot)
    warned = []
    when_shown(qtbot, QInputDialog, type_name(qtbot, " weddings 1998 "))
    when_shown(qtbot, QMessageBox, lambda box: (warned.append(box.text()), box.accept()))
    retyped = when_shown(qtbot, QInputDialog, type_name(qtbot, "Christening 2001"))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Insert)
    assert warned[0].startswith(
        "A project group called “weddings 1998” already exists (as “Weddings 1998”)"
    )
    assert "merge" in warned[0]
    assert retyped  # asked again, rather than losing the name typed
    assert ProjectGroup.get_or_none(ProjectGroup.name == "weddings 1998") is None
    assert dialog.selected_name() == "Christening 2001"
    assert ProjectGroup.get_or_none(ProjectGroup.name == "Christening 2001") is not None
    qtbot.waitUntil(lambda: "Christening 2001" in w.controller.groups)  # the form offers it
    qtbot.waitUntil(lambda: ("Christening 2001", "0") in shown(dialog))


def test_f2_renames_and_the_form_shows_the_new_name(window, qtbot):
    w = window
    select(w, qtbot, "h1.jpg")
    dialog = open_dialog(w, qtbot)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)  # harbour
    when_shown(qtbot, QInputDialog, type_name(qtbot, "Harbour 2003"))
    qtbot.keyClick(dialog.table, Qt.Key.Key_F2)
    assert group_of("h1.jpg") == "Harbour 2003"
    assert dialog.selected_name() == "Harbour 2003"
    assert w.form.value().project_group == "Harbour 2003" and not w.form.is_dirty()
    qtbot.waitUntil(lambda: "harbour" not in w.controller.groups)
    qtbot.waitUntil(lambda: ("Harbour 2003", "1") in shown(dialog))


def test_merge_asks_plainly_moves_every_file_and_ctrl_z_takes_it_back(window, qtbot):
    w = window
    select(w, qtbot, "w1.jpg")
    assert w.form.value().project_group == "Wedding 98"
    dialog = open_dialog(w, qtbot)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    assert dialog.selected_name() == "Wedding 98"

    def choose(chooser: TargetChooser) -> None:
        qtbot.keyClicks(chooser.filter, "1998")
        qtbot.keyClick(chooser.filter, Qt.Key.Key_Return)

    asked: list[QMessageBox] = []
    when_shown(qtbot, TargetChooser, choose)

    def answer(box: QMessageBox) -> None:
        asked.append(box)
        qtbot.keyClick(box, Qt.Key.Key_Return)  # the default: Merge

    when_shown(qtbot, QMessageBox, answer)
    qtbot.keyClick(dialog.table, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: bool(asked))  # a mnemonic clicks its button a moment later
    assert asked[0].text() == (
        "Move 3 files (1 of them missing) from “Wedding 98” to “Weddings 1998” and remove "
        "“Wedding 98”?"
    )
    assert asked[0].informativeText() == "Ctrl+Z in the tree undoes it."
    qtbot.waitUntil(lambda: "Wedding 98" not in dialog.model.names())
    assert [group_of(f"w{i}.jpg") for i in (1, 2, 3)] == ["Weddings 1998"] * 3
    assert ProjectGroup.get_or_none(ProjectGroup.name == "Wedding 98") is None
    assert w.form.value().project_group == "Weddings 1998"  # the file on show follows
    assert not w.form.is_dirty()
    assert "Moved 3 files" in dialog.status.text()
    qtbot.waitUntil(lambda: ("Weddings 1998", "5 (1 missing)") in shown(dialog))
    qtbot.waitUntil(lambda: "Wedding 98" not in w.controller.groups)

    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(w.tree.hasFocus)
    qtbot.keyClick(w.tree, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: "Undid" in w.statusBar().currentMessage())  # written off-thread
    assert "Undid project group on 3 files" in w.statusBar().currentMessage()
    assert [group_of(f"w{i}.jpg") for i in (1, 2, 3)] == ["Wedding 98"] * 3
    assert [group_of(f"x{i}.jpg") for i in (1, 2)] == ["Weddings 1998"] * 2
    assert w.form.value().project_group == "Wedding 98"  # the form shows it too


def merge_by_keys(qtbot, dialog: ProjectGroupsDialog, source: str, target: str) -> None:
    dialog.table.setFocus()
    type_keys(qtbot, source)
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)  # to the list
    assert dialog.selected_name() == source

    def choose(chooser: TargetChooser) -> None:
        qtbot.keyClicks(chooser.filter, target)
        qtbot.keyClick(chooser.filter, Qt.Key.Key_Return)

    when_shown(qtbot, TargetChooser, choose)
    when_shown(qtbot, QMessageBox, press(qtbot, Qt.Key.Key_Return))
    qtbot.keyClick(dialog.table, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: source not in dialog.model.names())


def test_a_merge_keeps_what_the_curator_typed_and_shows_the_new_group(window, qtbot):
    w = window
    select(w, qtbot, "w1.jpg")
    qtbot.keyClicks(w.form.title, "The vows")
    assert w.form.is_dirty()
    dialog = open_dialog(w, qtbot)
    merge_by_keys(qtbot, dialog, "Wedding 98", "Weddings 1998")
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert w.form.value().project_group == "Weddings 1998"  # not the group merged away
    assert w.form.value().title == "The vows" and w.form.is_dirty()
    assert w.save()  # no question: only the title is the curator's change
    row = FileEntry.get(FileEntry.filename == "w1.jpg")
    assert (row.title, group_of("w1.jpg")) == ("The vows", "Weddings 1998")


def test_a_group_typed_in_the_form_meets_the_merge_at_save_as_a_conflict(window, qtbot):
    w = window
    select(w, qtbot, "w1.jpg")
    w.form.group.setFocus()
    qtbot.keyClick(w.form.group.lineEdit(), Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(w.form.group.lineEdit(), "harbour")
    dialog = open_dialog(w, qtbot)
    merge_by_keys(qtbot, dialog, "Wedding 98", "Weddings 1998")
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert w.form.value().project_group == "harbour" and w.form.is_dirty()  # kept
    seen = answer_conflict({"project_group": True})
    assert w.save()
    assert seen == [("project_group", "Weddings 1998", "harbour")]
    assert group_of("w1.jpg") == "harbour"


def test_delete_takes_only_an_empty_group(window, qtbot):
    w = window
    dialog = open_dialog(w, qtbot)
    type_keys(qtbot, "wedding 98")
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert not dialog.delete_button.isEnabled()
    warned = when_shown(qtbot, QMessageBox, lambda box: box.accept())
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    assert "holds 3 files: merge it into another group instead" in warned[0].text()
    assert ProjectGroup.get_or_none(ProjectGroup.name == "Wedding 98") is not None

    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)  # clears the filter, stays open
    assert dialog.isVisible() and dialog.filter.text() == ""
    qtbot.keyClick(dialog.table, Qt.Key.Key_Home)  # "Empty", the first
    assert dialog.selected_name() == "Empty" and dialog.delete_button.isEnabled()
    asked = when_shown(qtbot, QMessageBox, press(qtbot, Qt.Key.Key_Return))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    assert asked[0].text() == "Delete the empty project group “Empty”?"
    assert ProjectGroup.get_or_none(ProjectGroup.name == "Empty") is None
    assert "Empty" not in dialog.model.names()
