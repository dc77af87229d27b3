"""A drive that is unplugged while Luna runs: it shows offline within seconds, every
word being typed stays, and pictures come from the preview cache."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan


@pytest.fixture
def drive(tmp_path):
    root = tmp_path / "Field"
    for i in range(3):
        make_jpeg(root / "Trip" / f"IMG_{i}.jpg", size=(1200, 800), color=(40 * i, 90, 160))
    return root


@pytest.fixture
def window(qtbot, catalog, drive, tmp_path, monkeypatch):
    monkeypatch.setenv("LUNA_CACHE_DIR", str(tmp_path / "cache"))
    run_scan(drive, drive="Field")
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.form.revert()
    w.close()
    w.deleteLater()


def _entry(name: str) -> FileEntry:
    return FileEntry.get(FileEntry.filename == name)


def _open(w, qtbot, name: str) -> None:
    assert w.select_file(_entry(name))
    w.tree.setFocus()
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == name)


def _unplug(w, qtbot, drive) -> None:
    drive.rename(drive.with_name("pulled-out"))
    # Within seconds on its own (the mount watch checks every few seconds).
    qtbot.waitUntil(lambda: "offline" in w.drive_combo.currentText(), timeout=10000)


def test_unplugging_keeps_the_words_being_typed(window, qtbot, drive):
    w = window
    _open(w, qtbot, "IMG_1.jpg")
    w.form.focus_title()
    qtbot.keyClicks(w.form.title, "Harbour at dusk")
    _unplug(w, qtbot, drive)
    assert w.panel.offline_banner.isVisible()
    assert "Field is offline" in w.panel.offline_banner.text()
    assert w.form.title.text() == "Harbour at dusk" and w.form.is_dirty()
    qtbot.keyClick(w.form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    qtbot.waitUntil(lambda: _entry("IMG_1.jpg").title == "Harbour at dusk")


def test_an_offline_picture_shows_from_the_preview_cache(window, qtbot, drive):
    from luna_desktop.media.preview_cache import PREVIEW, PREVIEW_PX, PreviewCache
    from luna_desktop.media.render import render_preview

    w = window
    cached = _entry("IMG_2.jpg")
    picture = render_preview(str(drive / "Trip" / "IMG_2.jpg"), (PREVIEW_PX, PREVIEW_PX))
    PreviewCache().save(cached.oshash, PREVIEW, picture)
    _unplug(w, qtbot, drive)

    with qtbot.waitSignal(w.preview.rendered, timeout=10000):
        _open(w, qtbot, "IMG_2.jpg")
    assert w.preview.image_view.badge() == "offline — cached preview"
    assert w.preview.image_view.pixmap_size()[0] > 0

    # Nothing cached for this one: the pane says why, and names the drive.
    _open(w, qtbot, "IMG_0.jpg")
    qtbot.waitUntil(lambda: "connect Field" in w.preview.placeholder_text)


def test_a_drive_that_comes_back_shows_online_again(window, qtbot, drive):
    w = window
    _unplug(w, qtbot, drive)
    drive.with_name("pulled-out").rename(drive)
    qtbot.waitUntil(lambda: "offline" not in w.drive_combo.currentText(), timeout=10000)
    assert not w.panel.offline_banner.isVisible()
    _open(w, qtbot, "IMG_0.jpg")
    qtbot.waitUntil(lambda: w.preview.image_view.has_image(), timeout=10000)
    assert w.preview.image_view.badge() == ""


def test_a_scan_in_the_window_fills_the_preview_cache(window, qtbot, tmp_path):
    from luna_desktop.media.preview_cache import PREVIEW, THUMB, PreviewCache

    w = window
    card = tmp_path / "Card"
    for i in range(2):
        make_jpeg(card / f"DSC_{i}.jpg", size=(900, 600), color=(200, 30 * i, 40))
    filled = qtbot.waitSignal(w.drive_life.cache.ended, timeout=60000)
    with filled, qtbot.waitSignal(w.scans.ended, timeout=60000):
        assert w.add_drive(str(card), name="Card")
    cache = PreviewCache()
    for i in range(2):
        oshash = _entry(f"DSC_{i}.jpg").oshash
        assert cache.has(oshash, THUMB) and cache.has(oshash, PREVIEW)
    assert not w.drive_life.cache.status.isVisible()


def test_a_known_drive_plugged_in_is_offered_for_a_rescan(
    window, qtbot, drive, tmp_path, monkeypatch
):
    w = window
    media = tmp_path / "media"
    media.mkdir()
    monkeypatch.setenv("LUNA_MEDIA_ROOTS", str(media))
    w.drive_life.volume_watch.check()
    # Plugged in: the drive's folder appears where removable drives are mounted.
    drive.rename(media / "Field")
    notice = w.drive_life.volume_notice
    qtbot.waitUntil(lambda: notice.isVisible(), timeout=15000)
    assert "Field" in notice.text()
    with qtbot.waitSignal(w.scans.ended, timeout=60000) as ended:
        notice.rescan_current()
    assert ended.args[0].drive == "Field" and ended.args[0].state == "completed"
    assert Drive.get(Drive.name == "Field").mount_path == str(media / "Field")


def test_add_drive_lists_the_mounted_volumes_and_enter_adds_one(
    window, qtbot, tmp_path, monkeypatch
):
    from PySide6.QtCore import QTimer

    from luna_desktop.ui.actions import ActionId
    from luna_desktop.ui.add_drive_dialog import AddDriveDialog
    from tests.ui_helpers import answer_next_dialog

    w = window
    media = tmp_path / "media"
    make_jpeg(media / "NIKON_D750" / "DCIM" / "DSC_1.jpg", size=(300, 200))
    monkeypatch.setenv("LUNA_MEDIA_ROOTS", str(media))
    seen: list[list[str]] = []
    asked: list[list[str]] = []

    def pick(attempts: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, AddDriveDialog) or dialog.loading():
            QTimer.singleShot(20, lambda: pick(attempts + 1))
            return
        item = dialog.list.topLevelItem(0)
        seen.append([item.text(c) for c in range(4)])
        asked.append(answer_next_dialog(text="D750 card"))  # then: name the new drive
        qtbot.keyClick(dialog.list, Qt.Key.Key_Return)

    QTimer.singleShot(0, pick)
    with qtbot.waitSignal(w.scans.ended, timeout=60000):
        w.actions_by_id[ActionId.ADD_DRIVE].trigger()
    assert seen and seen[0][0] == "NIKON_D750" and "New" in seen[0][1]
    assert asked and "NIKON_D750" in asked[0][0]
    assert Drive.get(Drive.name == "D750 card").mount_path == str(media / "NIKON_D750")


def test_a_copy_plugged_in_is_asked_about_not_rescanned_as_the_drive(
    window, qtbot, drive, tmp_path, monkeypatch
):
    import shutil

    from PySide6.QtWidgets import QMessageBox

    w = window
    media = tmp_path / "media"
    media.mkdir()
    monkeypatch.setenv("LUNA_MEDIA_ROOTS", str(media))
    w.drive_life.volume_watch.check()
    shutil.copytree(drive, tmp_path / "backup")
    (tmp_path / "backup").rename(media / "Backup of Field")  # plugged in whole, like a disk
    notice = w.drive_life.volume_notice
    qtbot.waitUntil(lambda: notice.isVisible(), timeout=15000)
    asked: list[str] = []

    def answer(attempts: int = 0) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            if attempts < 500:
                QTimer.singleShot(20, lambda: answer(attempts + 1))
            return
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Cancel).click()

    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, answer)
    notice.rescan_current()
    qtbot.waitUntil(lambda: bool(asked), timeout=15000)
    assert "copy" in asked[0].lower()
    assert not w.scans.running
    assert Drive.get(Drive.name == "Field").mount_path == str(drive)
