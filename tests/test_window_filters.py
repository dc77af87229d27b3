"""The filter bar: conditions beyond the chips, chosen in a dialog from the keyboard,
combined with the chip and the search, and cleared in one step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog.models import FileEntry
from luna_desktop.ui.filter_bar import FilterDialog
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan


@pytest.fixture
def window(qtbot, catalog, tmp_path):
    root = tmp_path / "drive"
    make_jpeg(root / "1998" / "canon wedding.jpg", make="Canon", model="EOS 5D",
              taken="1998:06:20 14:00:00")  # fmt: skip
    make_jpeg(root / "1998" / "nikon wedding.jpg", make="Nikon", model="D1",
              taken="1998:06:21 10:00:00")  # fmt: skip
    make_jpeg(root / "2003" / "canon beach.jpg", make="Canon", model="EOS 10D",
              taken="2003:08:01 12:00:00")  # fmt: skip
    (root / "2003" / "notes.txt").write_text("who is who\n")
    run_scan(root, "Archive")
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    yield w
    w.close()
    w.deleteLater()


def _shown(w: MainWindow) -> set[str]:
    """Every file the tree shows, its folders opened."""
    names = set()
    for path in w.model.folder_paths():
        index = w.model.folder_index(path)
        if index is None:
            continue
        if w.model.canFetchMore(index):
            w.model.fetchMore(index)
        for row in range(w.model.rowCount(index)):
            file_id = w.model.file_id(w.model.index(row, 0, index))
            if file_id is not None:
                names.add(FileEntry.get_by_id(file_id).filename)
    return names


def _filter_with(qtbot, w: MainWindow, fill) -> None:
    """Ctrl+Shift+F, fill the dialog, Enter; then wait for the tree to show the hits."""
    done: list[bool] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FilterDialog):
            QTimer.singleShot(10, answer)
            return
        try:
            fill(dialog)
            qtbot.keyClick(dialog.camera, Qt.Key.Key_Return)
        finally:
            done.append(True)
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(w.panel.searchDone, timeout=10_000):
        qtbot.keyClick(w.tree, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    assert done


def test_a_camera_and_a_date_range_narrow_the_tree_and_clear_brings_all_back(window, qtbot):
    w = window
    assert _shown(w) >= {"canon wedding.jpg", "nikon wedding.jpg", "canon beach.jpg"}

    def fill(dialog: FilterDialog) -> None:
        qtbot.keyClicks(dialog.camera, "Canon")
        qtbot.keyClicks(dialog.date_from, "1998")
        qtbot.keyClicks(dialog.date_to, "1998-06")

    _filter_with(qtbot, w, fill)
    assert _shown(w) == {"canon wedding.jpg"}
    assert w.panel.filter_bar.isVisible()
    assert "Canon" in w.panel.filter_bar.summary.text()
    assert "1998-01-01 – 1998-06-30" in w.panel.filter_bar.summary.text()
    assert "Filter (on)" in w.panel.filter_bar.button.text()

    w.panel.filter_bar.clear_button.click()
    qtbot.waitUntil(lambda: "canon beach.jpg" in _shown(w))
    assert not w.panel.filter_bar.isVisible()
    assert {"notes.txt", "nikon wedding.jpg"} <= _shown(w)


def test_a_filter_and_a_search_hold_together(window, qtbot):
    w = window

    def fill(dialog: FilterDialog) -> None:
        dialog.kind.setCurrentIndex(dialog.kind.findData("image"))

    _filter_with(qtbot, w, fill)
    assert "notes.txt" not in _shown(w) and len(_shown(w)) == 3
    with qtbot.waitSignal(w.panel.searchDone, timeout=10_000):
        qtbot.keyClicks(w.search, "wedding")
    assert _shown(w) == {"canon wedding.jpg", "nikon wedding.jpg"}


def test_a_date_that_is_not_one_keeps_the_dialog_open(window, qtbot):
    dialog = FilterDialog(window.panel.filter_bar.criteria, [], [], window)
    qtbot.keyClicks(dialog.date_from, "June 98")
    assert "date" in dialog.hint.text().lower()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    dialog.accept()
    assert dialog.result() == 0  # Enter did not take a bad date
