"""Ctrl+D: the last saved file's decisions copied into the form, to save with one key."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog.models import FileEntry, ProjectGroup
from luna_desktop.catalog.status import Status
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan


@pytest.fixture
def window(qtbot, catalog, tmp_path):
    roll = tmp_path / "drive" / "1998 Wedding"
    roll.mkdir(parents=True)
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        make_jpeg(roll / name, size=(64, 48))
    run_scan(tmp_path / "drive", "Archive")
    ProjectGroup.create(name="Weddings 1998")  # a known group: saving asks nothing
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


def select(w: MainWindow, qtbot, name: str) -> None:
    assert w.select_file(FileEntry.get(FileEntry.filename == name))
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == name)
    w.tree.setFocus()


def test_ctrl_d_copies_the_last_saved_files_decisions(window, qtbot):
    w = window
    select(w, qtbot, "a.jpg")
    qtbot.keyClick(w.tree, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert "Nothing saved yet" in w.statusBar().currentMessage()
    assert not w.form.is_dirty()

    w.form.set_status(int(Status.UPLOAD))
    w.form.title.setText("The vows")
    w.form.group.setEditText("Weddings 1998")
    w.form.date.setText("1998-06-20")
    w.form.description.setPlainText("St Mary's, Ely")
    w.form.notes.setPlainText("ask Ann about the names")
    w.form.tags.setText("wedding, church")
    qtbot.keyClick(w.tree, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # save, next
    qtbot.waitUntil(lambda: w.current_file.filename == "b.jpg")

    qtbot.keyClick(w.tree, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    value = w.form.value()
    assert value.status == int(Status.UPLOAD)
    assert (value.project_group, value.date) == ("Weddings 1998", "1998-06-20")
    assert value.description == "St Mary's, Ely" and value.tags == ["wedding", "church"]
    assert value.title == "" and value.notes == ""  # each file's own
    assert w.form.is_dirty()  # copied, not saved: the curator looks, then saves
    assert "from a.jpg" in w.statusBar().currentMessage()
    qtbot.keyClick(w.tree, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.current_file.filename == "c.jpg")
    b = FileEntry.get(FileEntry.filename == "b.jpg")
    assert (b.status, b.date, b.reviewed_by) == (int(Status.UPLOAD), "1998-06-20", "ada")


def test_ctrl_z_in_the_tree_takes_back_the_last_save(window, qtbot):
    w = window
    select(w, qtbot, "a.jpg")
    w.form.set_status(int(Status.DISCARD))
    w.form.title.setText("Blurred")
    assert w.save()
    assert FileEntry.get(FileEntry.filename == "a.jpg").status == int(Status.DISCARD)
    qtbot.keyClick(w.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Undid" in w.statusBar().currentMessage())  # written off-thread
    assert "Undid status, title on 1 file" in w.statusBar().currentMessage()
    a = FileEntry.get(FileEntry.filename == "a.jpg")
    assert (a.status, a.title) == (int(Status.UNREVIEWED), "")
    assert w.form.value().title == "" and not w.form.is_dirty()  # the form shows it too
    qtbot.keyClick(w.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == "Nothing to undo")

    # With edits in the form, Ctrl+Z asks for them to be saved or discarded first.
    qtbot.keyClicks(w.form.title, "typed")  # as a curator types
    assert w.form.is_dirty()
    qtbot.keyClick(w.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "edits in the form first" in w.statusBar().currentMessage()
    assert w.form.value().title == "typed"
