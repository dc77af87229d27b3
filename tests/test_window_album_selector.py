"""Albums and events in the window's selector: chosen, their list takes the tree's place
and its keys (j/k, status keys, u, Ctrl+Enter, the album keys through the registry);
Ctrl+Shift+A adds the tree's selection and the selector lists the new album."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from luna_desktop.catalog import albums, events
from luna_desktop.catalog.models import FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.ui.album_dialogs import AddToAlbumDialog
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from luna_desktop.ui.source_selector import Source
from tests.test_window_albums import in_album, in_next_dialog, scan_two_drives, type_and_enter

ALT, CTRL, SHIFT = (
    Qt.KeyboardModifier.AltModifier,
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.ShiftModifier,
)


@pytest.fixture
def ids(catalog, tmp_path) -> dict[str, int]:
    return scan_two_drives(tmp_path)


@pytest.fixture
def window(qtbot, ids):
    albums.create_album("Best")
    albums.add_files("Best", [ids["d.jpg"], ids["a.jpg"], ids["c.jpg"]])
    events.create_event("Wedding", "1998-06-20", "1998-06-22")
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.controller.discard()
    w.close()
    w.deleteLater()


def choose(w: MainWindow, qtbot, kind: str, name: str) -> None:
    """An album or event in the selector, and its list read."""
    listed = w.panel.collection
    with qtbot.waitSignal(listed.loaded):
        assert w.drive_combo.select(Source(kind, name))
    listed.list.setFocus()


def test_an_album_chosen_in_the_selector_is_browsed_and_curated_like_the_tree(window, ids, qtbot):
    w, listed = window, window.panel.collection
    choose(w, qtbot, "album", "Best")
    assert w.panel.tree_stack.currentWidget() is listed
    assert not w.search.isEnabled()  # chips and search are the tree's
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == "d.jpg")
    qtbot.keyClick(listed.list, Qt.Key.Key_J)
    assert w.current_file.filename == "a.jpg"
    qtbot.keyClick(listed.list, Qt.Key.Key_2)  # the form's status, as in the tree
    qtbot.keyClick(listed.list, Qt.Key.Key_Return, CTRL)  # save and next
    qtbot.waitUntil(lambda: w.current_file.filename == "c.jpg")
    assert FileEntry.get_by_id(ids["a.jpg"]).status == int(Status.UPLOAD)
    assert listed.model.index(1, 3).data() == "Upload"
    qtbot.keyClick(listed.list, Qt.Key.Key_U)  # c is missing: d is the next unreviewed
    assert w.current_file.filename == "d.jpg"

    with qtbot.waitSignal(listed.albumChanged):
        qtbot.keyClick(listed.list, Qt.Key.Key_Down, ALT)  # through the window's action
    assert in_album("Best", ids) == ["a.jpg", "d.jpg", "c.jpg"]
    with qtbot.waitSignal(listed.albumChanged):
        qtbot.keyClick(listed.list, Qt.Key.Key_Delete)
    assert in_album("Best", ids) == ["a.jpg", "c.jpg"]
    assert w.current_file.filename == "c.jpg"
    with qtbot.waitSignal(listed.albumChanged):
        qtbot.keyClick(listed.list, Qt.Key.Key_Z, CTRL)  # puts d back, not the save
    assert in_album("Best", ids) == ["a.jpg", "d.jpg", "c.jpg"]
    assert FileEntry.get_by_id(ids["a.jpg"]).status == int(Status.UPLOAD)

    choose(w, qtbot, "event", "Wedding")
    assert [r.filename for r in listed.model.rows] == ["a.jpg", "b.jpg", "d.jpg"]
    assert w.drive_combo.select(Source("drive", "One"))
    assert w.panel.tree_stack.currentWidget() is not listed and w.search.isEnabled()


def test_ctrl_shift_a_adds_the_trees_selection_and_the_selector_lists_the_album(window, ids, qtbot):
    w = window
    w.drive_combo.select(Source("drive", "One"))
    qtbot.waitUntil(lambda: w.model.folder_index("1998 Wedding") is not None)
    w.panel.select_folder("1998 Wedding")
    w.tree.selectionModel().select(
        w.model.folder_index("1998 Wedding"),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    w.tree.setFocus()
    in_next_dialog(AddToAlbumDialog, lambda d: type_and_enter(d.album.lineEdit(), "New one"))
    qtbot.keyClick(w.tree, Qt.Key.Key_A, CTRL | SHIFT)
    qtbot.waitUntil(lambda: "Made the album “New one”" in w.statusBar().currentMessage())
    assert in_album("New one", ids) == ["a.jpg", "b.jpg"]
    texts = [w.drive_combo.itemText(i) for i in range(w.drive_combo.count())]
    assert "Album · New one" in texts
    assert w.panel.drive_name() == "One"  # the tree stays where it was


def test_a_selection_in_an_album_takes_a_status_key_as_one_change(window, ids, qtbot):
    w, listed = window, window.panel.collection
    choose(w, qtbot, "album", "Best")
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == "d.jpg")
    qtbot.keyClick(listed.list, Qt.Key.Key_Down, SHIFT)  # d and a, from two drives
    assert sorted(listed.selected_file_ids()) == sorted([ids["d.jpg"], ids["a.jpg"]])
    qtbot.keyClick(listed.list, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: "Ctrl+Z takes it back" in w.statusBar().currentMessage())
    restricted = int(Status.RESTRICTED)
    assert FileEntry.get_by_id(ids["d.jpg"]).status == restricted
    assert FileEntry.get_by_id(ids["a.jpg"]).status == restricted
    assert FileEntry.get_by_id(ids["c.jpg"]).status == int(Status.UNREVIEWED)


def test_renaming_or_deleting_the_album_on_show_keeps_the_typing(window, ids, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from tests.ui_helpers import answer_next_dialog

    w, listed = window, window.panel.collection
    choose(w, qtbot, "album", "Best")
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == "d.jpg")
    qtbot.keyClicks(w.form.title, "Bride arriving")
    assert w.form.value().title == "Bride arriving", w.form.isEnabled()
    albums.rename_album("Best", "Best of 1998")  # what Albums and Events… writes
    w.panel.sources_changed(renamed=(Source("album", "Best"), Source("album", "Best of 1998")))
    assert w.drive_combo.source() == Source("album", "Best of 1998")
    assert "Best of 1998" in listed.caption.text()
    assert w.form.value().title == "Bride arriving" and w.current_file.filename == "d.jpg"

    albums.delete_album("Best of 1998")
    asked = answer_next_dialog(QMessageBox.StandardButton.Cancel)  # keep editing
    w.panel.sources_changed()
    assert asked and "Save your edits" in asked[0]
    assert w.form.value().title == "Bride arriving" and w.form.is_dirty()
    assert "save or discard your edits" in w.statusBar().currentMessage()
