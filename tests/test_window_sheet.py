"""The contact sheet in the window: a folder chosen in the tree shows as a grid, the
form follows the grid, 1–6 act on the grid's selection, Enter opens the single view
and Ctrl+G goes back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from luna_desktop.catalog.models import FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan


@pytest.fixture
def window(qtbot, catalog, tmp_path, monkeypatch):
    monkeypatch.setenv("LUNA_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "Field"
    for i in range(6):
        make_jpeg(root / "Trip" / f"IMG_{i}.jpg", size=(320, 240), color=(30 * i, 90, 160))
    run_scan(root, drive="Field")
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    yield w
    w.form.revert()
    w.close()
    w.deleteLater()


def _id(name: str) -> int:
    return FileEntry.get(FileEntry.filename == name).id


def _show_trip(w, qtbot):
    assert w.panel.select_folder("Trip")
    sheet = w.sheet_flow.sheet
    qtbot.waitUntil(lambda: w.sheet_flow.showing and sheet.model.rowCount() == 6, timeout=10000)
    sheet.view.setFocus()
    qtbot.waitUntil(sheet.view.hasFocus)
    return sheet


def test_a_folder_shows_as_a_grid_and_the_form_follows_it(window, qtbot):
    w = window
    sheet = _show_trip(w, qtbot)
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == "IMG_0.jpg")
    qtbot.keyClick(sheet.view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.current_file.filename == "IMG_1.jpg")
    qtbot.keyClick(sheet.view, Qt.Key.Key_J)  # j moves through the grid while it has focus
    qtbot.waitUntil(lambda: w.current_file.filename == "IMG_2.jpg")
    assert w.sheet_flow.showing


def test_status_keys_act_on_the_grids_selection(window, qtbot):
    w = window
    sheet = _show_trip(w, qtbot)
    model, selection = sheet.model, sheet.view.selectionModel()
    for row in (1, 3):
        selection.select(model.index(row), QItemSelectionModel.SelectionFlag.Select)
    chosen = sheet.selected_file_ids()
    assert len(chosen) >= 2
    qtbot.keyClick(sheet.view, Qt.Key.Key_2)
    qtbot.waitUntil(
        lambda: all(FileEntry.get_by_id(i).status == Status.UPLOAD for i in chosen), timeout=10000
    )
    untouched = {_id(f"IMG_{i}.jpg") for i in range(6)} - set(chosen)
    assert all(FileEntry.get_by_id(i).status == Status.UNREVIEWED for i in untouched)
    assert w.sheet_flow.showing  # the grid stays, for the next decision


def test_enter_opens_the_single_view_and_ctrl_g_goes_back(window, qtbot):
    w = window
    sheet = _show_trip(w, qtbot)
    qtbot.keyClick(sheet.view, Qt.Key.Key_Right)
    qtbot.keyClick(sheet.view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == "IMG_2.jpg")
    with qtbot.waitSignal(w.preview.rendered, timeout=10000):
        qtbot.keyClick(sheet.view, Qt.Key.Key_Return)
    assert not w.sheet_flow.showing
    assert w.preview.current_file_id == _id("IMG_2.jpg")
    assert w.tree.hasFocus()
    qtbot.keyClick(w.tree, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.sheet_flow.showing and sheet.current_file_id() == _id("IMG_2.jpg"))


def test_a_status_key_on_one_cell_is_saved_at_once(window, qtbot):
    w = window
    sheet = _show_trip(w, qtbot)
    qtbot.keyClick(sheet.view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == "IMG_1.jpg")
    qtbot.keyClick(sheet.view, Qt.Key.Key_5)
    qtbot.waitUntil(lambda: FileEntry.get_by_id(_id("IMG_1.jpg")).status == Status.DISCARD)
    assert not w.form.is_dirty()
    # The cell says so too, once the write (off the GUI thread) has reported back.
    qtbot.waitUntil(lambda: sheet.model.rows[1].status == Status.DISCARD)


def test_ctrl_g_from_the_tree_takes_the_keys_into_the_grid(window, qtbot):
    w = window
    assert w.panel.select_folder("Trip")
    qtbot.waitUntil(lambda: w.sheet_flow.showing and w.sheet_flow.sheet.model.rowCount() == 6)
    w.tree.setFocus()
    qtbot.waitUntil(w.tree.hasFocus)
    qtbot.keyClick(w.tree, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert w.sheet_flow.showing and w.sheet_flow.sheet.view.hasFocus()
