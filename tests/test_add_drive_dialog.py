"""File → Add Drive…: mounted volumes first, picked with the keyboard; other folders
chosen starting where drives are mounted."""

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from luna_desktop.scan import volumes
from luna_desktop.scan.volumes import MountedVolume
from luna_desktop.ui import add_drive_dialog as dialog_module
from luna_desktop.ui.add_drive_dialog import EMPTY, LOOKING, AddDriveDialog
from tests.scanning import run_scan
from tests.test_volumes import make_drive


@pytest.fixture
def media(tmp_path, monkeypatch):
    root = tmp_path / "media"
    root.mkdir()
    monkeypatch.setenv(volumes.MEDIA_ROOTS_ENV, str(root))
    return root


@pytest.fixture
def chooser(monkeypatch):
    """The folder chooser, answered: records where it starts and returns `answer`."""
    asked: list[str] = []
    state = {"answer": ""}

    def get_existing_directory(parent, caption, start, *args, **kwargs):
        asked.append(start)
        return state["answer"]

    monkeypatch.setattr(dialog_module.QFileDialog, "getExistingDirectory", get_existing_directory)
    return asked, state


def opened(qtbot, **kwargs):
    dialog = AddDriveDialog(None, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()  # its mnemonics (Alt+O) work in the active window
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def rows(dialog):
    items = [dialog.list.topLevelItem(i) for i in range(dialog.list.topLevelItemCount())]
    return [[item.text(c) for c in range(4)] for item in items]


def test_mounted_drives_are_listed_with_what_luna_knows_and_enter_adds(qtbot, catalog, media):
    make_drive(media / "CARD_A")
    run_scan(media / "CARD_A", "Card A")
    make_drive(media / "Fresh", n=3)

    dialog = opened(qtbot)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)

    listed = rows(dialog)
    assert [r[0] for r in listed] == ["CARD_A", "Fresh"]
    assert listed[0][3] == str(media / "CARD_A")
    assert listed[0][1] == "Known as “Card A”" and listed[1][1] == "New drive"
    assert " free" in listed[0][2] and "B" in listed[0][2]
    assert dialog.list.hasFocus() and dialog.list.currentItem().text(0) == "CARD_A"

    qtbot.keyClick(dialog.list, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.chosen_path() == str(media / "Fresh")


def test_double_click_adds_and_esc_cancels(qtbot, catalog, media):
    (media / "Card").mkdir()
    dialog = opened(qtbot)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.chosen_path() is None

    dialog = opened(qtbot)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)
    item = dialog.list.topLevelItem(0)
    rect = dialog.list.visualItemRect(item)
    qtbot.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.chosen_path() == str(media / "Card")


def test_looking_for_drives_while_the_list_is_read(qtbot, catalog, media):
    release = threading.Event()

    def slow_loader():
        release.wait(30)
        return [MountedVolume(media / "Late", "Late", total_bytes=2_000_000_000)]

    dialog = opened(qtbot, volumes_loader=slow_loader)
    try:
        assert dialog.loading() and dialog.state.isVisible() and dialog.state.text() == LOOKING
        assert not dialog.add_button.isEnabled()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # nothing to add yet
        assert dialog.isVisible() and dialog.chosen_path() is None
    finally:
        release.set()
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)
    assert rows(dialog) == [["Late", "New drive", "2.0 GB", str(media / "Late")]]


def test_no_drives_says_so_and_enter_chooses_a_folder_from_the_media_root(
    qtbot, catalog, media, chooser, tmp_path
):
    asked, state = chooser
    state["answer"] = str(tmp_path / "somewhere")
    dialog = opened(qtbot)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)
    assert dialog.state.isVisible() and dialog.state.text() == EMPTY
    assert not dialog.add_button.isEnabled()

    qtbot.keyClick(dialog, Qt.Key.Key_Return)

    assert asked == [str(media)]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.chosen_path() == str(tmp_path / "somewhere")


def test_other_folder_starts_at_home_without_a_media_root_and_cancel_stays(
    qtbot, catalog, tmp_path, monkeypatch, chooser
):
    asked, _state = chooser
    monkeypatch.setenv(volumes.MEDIA_ROOTS_ENV, str(tmp_path / "no such root"))
    dialog = opened(qtbot)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)
    qtbot.keyClick(dialog, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(asked))  # a mnemonic clicks its button after a short flash
    assert asked == [str(Path.home())] and Path.home() != Path.cwd()
    assert dialog.isVisible() and dialog.chosen_path() is None  # the chooser was cancelled


def test_a_drive_that_does_not_answer_cannot_be_picked(qtbot, catalog, media):
    def loader():
        return [
            MountedVolume(media / "Stale", "Stale", responding=False),
            MountedVolume(media / "Good", "Good", known_drive="Shoebox", how_known="its files"),
        ]

    dialog = opened(qtbot, volumes_loader=loader)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)
    assert rows(dialog)[0][1] == "Not responding"
    assert rows(dialog)[1][1] == "Known as “Shoebox”"
    assert dialog.list.currentItem().text(0) == "Good"  # the first that can be added
    qtbot.keyClick(dialog.list, Qt.Key.Key_Up)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert dialog.chosen_path() == str(media / "Good")


def test_a_listing_that_fails_says_why_and_a_folder_can_still_be_chosen(
    qtbot, catalog, media, chooser, tmp_path
):
    asked, state = chooser
    state["answer"] = str(tmp_path)

    def broken():
        raise OSError("the catalogue is locked")

    dialog = opened(qtbot, volumes_loader=broken)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)
    assert "the catalogue is locked" in dialog.state.text()
    dialog.other_button.click()
    assert asked == [str(media)] and dialog.chosen_path() == str(tmp_path)


def test_look_again_finds_a_drive_plugged_in_meanwhile(qtbot, catalog, media, chooser):
    dialog = opened(qtbot)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=10000)
    assert dialog.state.text() == EMPTY
    (media / "Just Plugged").mkdir()
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    # A mnemonic clicks its button after a short flash; then the list is read again.
    qtbot.waitUntil(lambda: [r[0] for r in rows(dialog)] == ["Just Plugged"], timeout=10000)
    assert dialog.list.hasFocus() and dialog.add_button.isEnabled()
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)  # adds it (no longer: choose a folder)
    assert chooser[0] == [] and dialog.chosen_path() == str(media / "Just Plugged")


def test_ask_returns_the_drive_picked(qtbot, catalog, media):
    (media / "Card").mkdir()

    def pick(attempts=0):
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, AddDriveDialog) or dialog.loading():
            if attempts < 500:
                QTimer.singleShot(10, lambda: pick(attempts + 1))
            return
        qtbot.keyClick(dialog.list, Qt.Key.Key_Return)

    QTimer.singleShot(0, pick)
    assert AddDriveDialog.ask(None) == str(media / "Card")

    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert AddDriveDialog.ask(None) is None
