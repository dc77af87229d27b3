"""The player's and the PDF's keys in the real window: the action registry, live only
while a file they apply to is shown, and the same curation keys as for photos."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog.models import FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.media import playback
from luna_desktop.ui.actions import ActionId, shortcut_rows
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_tools import ramp_video
from tests.scanning import run_scan
from tests.ui_helpers import UrlCatcher


@pytest.fixture
def window(qtbot, catalog, tmp_path):
    drive = tmp_path / "drive"
    (drive / "Reel").mkdir(parents=True)
    ramp_video(drive / "Reel" / "a-clip.mp4", seconds=20)
    Image.new("RGB", (120, 90), "orange").save(drive / "Reel" / "b-still.jpg")
    pages = [Image.new("RGB", (200, 280), c) for c in ("red", "blue")]
    pages[0].save(drive / "Reel" / "c-letter.pdf", save_all=True, append_images=pages[1:])
    # A name that is not UTF-8 (Latin-1 "café"), as old drives hold.
    with open(os.fsencode(drive / "Reel") + b"/d-caf\xe9.zip", "wb") as fh:
        fh.write(b"PK\x03\x04" + bytes(200))
    run_scan(drive, "Archive")
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    yield w
    w.controller.discard()
    w.close()
    w.deleteLater()
    assert playback.reaper_idle(10)


def entry(name: str) -> FileEntry:
    return FileEntry.get(FileEntry.filename == name)


def show(w: MainWindow, qtbot, name: str) -> None:
    row = entry(name)
    with qtbot.waitSignal(w.preview.presented, timeout=20000):
        assert w.select_file(row)
    w.tree.setFocus()
    qtbot.waitUntil(w.tree.hasFocus)


def key(qtbot, w: MainWindow, which, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(w.tree, which, modifier)
    QApplication.processEvents()


def test_space_and_arrows_play_a_video_from_the_tree(window, qtbot):
    w = window
    show(w, qtbot, "a-clip.mp4")
    view = w.preview.media_view
    assert view.playback is None  # arriving never plays
    assert w.actions_by_id[ActionId.PLAY_PAUSE].isEnabled()
    with qtbot.waitSignal(w.preview.first_frame, timeout=10000):
        key(qtbot, w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.status().state == "playing", timeout=5000)
    key(qtbot, w, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: view.status().time_ms >= 5000, timeout=5000)
    key(qtbot, w, Qt.Key.Key_BracketRight)
    key(qtbot, w, Qt.Key.Key_M)
    status = view.status()
    assert (status.rate, status.muted) == (1.25, True)
    key(qtbot, w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.status().state == "paused", timeout=5000)
    key(qtbot, w, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: view.status().time_ms < 5000, timeout=5000)
    at = view.status().time_ms
    key(qtbot, w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # one frame on
    assert view.status().time_ms == at + 40 and view.status().state == "paused"

    # The curation keys work as for a photo: a status, then j to the next file,
    # which stops the player.
    player = view.playback
    key(qtbot, w, Qt.Key.Key_3)
    assert w.form.status.currentData() == 3
    w.save()
    key(qtbot, w, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: w.current_file.filename == "b-still.jpg", timeout=5000)
    assert player.closed and view.playback is None
    assert entry("a-clip.mp4").status == int(Status(3))


def test_media_keys_are_off_for_a_photo_and_the_tree_keeps_its_arrows(window, qtbot):
    w = window
    show(w, qtbot, "b-still.jpg")
    assert not w.actions_by_id[ActionId.PLAY_PAUSE].isEnabled()
    assert not w.actions_by_id[ActionId.SEEK_BACK].isEnabled()
    assert not w.actions_by_id[ActionId.NEXT_PAGE].isEnabled()
    current = w.tree.currentIndex()
    key(qtbot, w, Qt.Key.Key_Left)  # a file: Left goes up to its folder, as in any tree
    assert w.tree.currentIndex() == current.parent()


def test_page_down_turns_a_pdfs_page(window, qtbot):
    w = window
    show(w, qtbot, "c-letter.pdf")
    assert w.actions_by_id[ActionId.NEXT_PAGE].isEnabled()
    assert not w.actions_by_id[ActionId.PLAY_PAUSE].isEnabled()
    assert w.preview.page == (1, 2)
    key(qtbot, w, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: w.preview.page == (2, 2), timeout=5000)
    key(qtbot, w, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: w.preview.page == (1, 2), timeout=5000)
    assert w.current_file.filename == "c-letter.pdf"  # the tree did not page away


def test_the_shortcut_sheet_lists_the_player_keys():
    rows = {command: (keys, where) for keys, command, where in shortcut_rows()}
    assert rows["Play / Pause"] == ("Space", "video or audio shown")
    assert rows["Back 5 s"][0] == "Left"
    assert rows["Frame Forward"][0] == "Shift+Right"
    assert rows["Slower"][0] == "[" and rows["Faster"][0] == "]"
    assert rows["Mute"][0] == "M"
    assert rows["Next Page"] == ("PgDown", "PDF shown")
    assert rows["Open with the System's Application"][0] == "Ctrl+Shift+O"


def test_autoplay_preference_starts_playing_on_arrival(window, qtbot):
    w = window
    w.preview.autoplay = True
    with qtbot.waitSignal(w.preview.first_frame, timeout=20000):
        show(w, qtbot, "a-clip.mp4")
    assert Path(w.preview.current_path.decode()).name == "a-clip.mp4"


def test_open_with_the_system_application_opens_the_exact_file(window, qtbot):
    w = window
    show(w, qtbot, "d-caf\\xe9.zip")
    assert not w.actions_by_id[ActionId.PLAY_PAUSE].isEnabled()
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        w.actions_by_id[ActionId.OPEN_EXTERNALLY].trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert len(catcher.opened) == 1
    url = catcher.opened[0]
    expected = os.fsencode(w.current_file.drive.mount_path) + b"/Reel/d-caf\xe9.zip"
    assert (
        urllib.parse.unquote_to_bytes(bytes(url.toEncoded()).removeprefix(b"file://")) == expected
    )
