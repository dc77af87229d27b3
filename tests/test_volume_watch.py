"""Drives plugged in while Luna runs: noticed, recognised, and offered for a rescan.

Tests cannot mount, so "plugging in" is a folder renamed into a LUNA_MEDIA_ROOTS
folder (each folder there counts as a mounted volume), as a mount appears in
/run/media/USER.
"""

import os
import shutil

import pytest
from PySide6.QtCore import Qt

from luna_desktop.scan import volumes
from luna_desktop.ui.volume_notice import VolumeNotice
from luna_desktop.ui.volume_watch import VolumeWatch
from tests.scanning import run_scan
from tests.test_volumes import make_drive

NEVER = 600.0  # no periodic look in the test's time: only the folder watcher can notice


@pytest.fixture
def media(tmp_path, monkeypatch):
    root = tmp_path / "media"
    root.mkdir()
    monkeypatch.setenv(volumes.MEDIA_ROOTS_ENV, str(root))
    return root


def recorded(signal):
    seen = []
    signal.connect(lambda *args: seen.append(args))
    return seen


@pytest.fixture
def watching(qtbot):
    made = []

    def make(**kwargs):
        watch = VolumeWatch(**kwargs)
        made.append(watch)
        qtbot.waitUntil(lambda: watch.present() is not None, timeout=10000)  # the baseline
        return watch

    yield make
    for watch in made:
        watch.shutdown()
        assert watch.wait(10)  # its thread ends (and closes its catalogue connection)


def test_a_known_drive_plugged_in_is_noticed_by_name(qtbot, catalog, media, tmp_path, watching):
    drive = make_drive(tmp_path / "shoebox")
    run_scan(drive, "Shoebox")
    watch = watching(interval_s=NEVER)
    assert watch.present() == []

    known = recorded(watch.known_drive_appeared)
    with qtbot.waitSignals([watch.known_drive_appeared, watch.volumes_changed], timeout=5000):
        os.rename(drive, media / "SHOEBOX")  # plugged in: a new folder in the root

    assert known == [("Shoebox", str(media / "SHOEBOX"))]
    assert watch.present() == [str(media / "SHOEBOX")]


def test_an_unknown_volume_appears_and_a_volume_unplugged_goes(qtbot, catalog, media, watching):
    watch = watching(interval_s=NEVER)
    with qtbot.waitSignal(watch.volume_appeared, timeout=5000) as appeared:
        make_drive(media / "Fresh")
    assert appeared.args == [str(media / "Fresh")]

    gone = recorded(watch.volume_gone)
    with qtbot.waitSignals([watch.volume_gone, watch.volumes_changed], timeout=5000):
        shutil.rmtree(media / "Fresh")
    assert gone == [(str(media / "Fresh"),)]


def test_a_volume_whose_name_is_not_utf8_arrives_exactly(qtbot, catalog, media, watching):
    watch = watching(interval_s=NEVER)
    notice = VolumeNotice()
    qtbot.addWidget(notice)
    path = os.fsdecode(os.fsencode(media) + b"/Disk \xff")
    with qtbot.waitSignal(watch.volume_appeared, timeout=5000) as appeared:
        os.mkdir(path)
    assert appeared.args == [path] and os.path.isdir(appeared.args[0])
    notice.offer("Disk", path)
    with qtbot.waitSignal(notice.rescan_requested) as asked:
        notice.rescan_current()
    assert asked.args == ["Disk", path]


def test_volumes_there_at_start_are_not_news(qtbot, catalog, media, tmp_path, watching):
    drive = make_drive(media / "Card")
    run_scan(drive, "Card")
    watch = watching(interval_s=0.1)
    assert watch.present() == [str(media / "Card")]
    with (
        qtbot.assertNotEmitted(watch.known_drive_appeared),
        qtbot.assertNotEmitted(watch.volumes_changed),
    ):
        for _ in range(3):  # several looks, none of them news
            with qtbot.waitSignal(watch._bridge.round, timeout=5000):
                watch.check()


def test_a_root_made_at_the_first_mount_is_found_by_the_periodic_look(
    qtbot, catalog, tmp_path, monkeypatch, watching
):
    """udisks makes /run/media/USER only when it mounts the first drive: no folder
    watcher can be on it before, so the periodic look finds the root and the drive."""
    root = tmp_path / "run-media-user"
    monkeypatch.setenv(volumes.MEDIA_ROOTS_ENV, str(root))
    drive = make_drive(tmp_path / "card")
    run_scan(drive, "Card")
    watch = watching(interval_s=0.2)
    for _ in range(3):  # looking every 0.2 s, with nothing to watch for changes
        qtbot.waitSignal(watch._bridge.round, timeout=5000).wait()
    with qtbot.waitSignal(watch.known_drive_appeared, timeout=5000) as appeared:
        root.mkdir()
        os.rename(drive, root / "CARD")
    assert appeared.args == ["Card", str(root / "CARD")]


def test_the_notice_offers_each_drive_in_turn(qtbot):
    notice = VolumeNotice()
    qtbot.addWidget(notice)
    notice.show()
    notice.offer("Shoebox", "/media/SHOEBOX")
    assert notice.isVisible() and notice.text() == "“Shoebox” is plugged in"
    notice.offer("Travel T7", "/media/T7")
    notice.offer("Card", "/media/CARD")
    assert notice.text() == "“Shoebox” is plugged in (1 of 3)"

    rescan = notice.findChild(type(notice._rescan), "volume_notice_rescan")
    with qtbot.waitSignal(notice.rescan_requested) as asked:
        qtbot.mouseClick(rescan, Qt.MouseButton.LeftButton)
    assert asked.args == ["Shoebox", "/media/SHOEBOX"]
    assert notice.text() == "“Travel T7” is plugged in (1 of 2)"

    notice.withdraw("/media/T7")  # unplugged before the curator got to it
    assert notice.text() == "“Card” is plugged in"
    dismiss = notice.findChild(type(notice._dismiss), "volume_notice_dismiss")
    with qtbot.assertNotEmitted(notice.rescan_requested):
        qtbot.mouseClick(dismiss, Qt.MouseButton.LeftButton)
    assert not notice.isVisible() and notice.offers() == []


def test_a_drive_plugged_in_again_is_offered_once_at_its_new_path(qtbot):
    notice = VolumeNotice()
    qtbot.addWidget(notice)
    notice.show()
    notice.offer("Card", "/media/CARD")
    notice.offer("Shoebox", "/media/SHOEBOX")
    notice.offer("Card", "/media/CARD1")
    assert notice.offers() == [("Shoebox", "/media/SHOEBOX"), ("Card", "/media/CARD1")]
    notice.withdraw_drive("Shoebox")  # scanned another way meanwhile
    with qtbot.waitSignal(notice.rescan_requested) as asked:
        notice.rescan_current()
    assert asked.args == ["Card", "/media/CARD1"] and not notice.isVisible()


def test_the_watch_feeds_the_notice(qtbot, catalog, media, tmp_path, watching):
    """The window's wiring, in four lines: a known drive plugged in offers a rescan,
    unplugging it withdraws the offer."""
    drive = make_drive(tmp_path / "shoebox")
    run_scan(drive, "Shoebox")
    watch = watching(interval_s=NEVER)
    notice = VolumeNotice()
    qtbot.addWidget(notice)
    notice.show()
    watch.known_drive_appeared.connect(notice.offer)
    watch.volume_gone.connect(notice.withdraw)

    os.rename(drive, media / "SHOEBOX")
    qtbot.waitUntil(lambda: notice.offers() == [("Shoebox", str(media / "SHOEBOX"))], timeout=5000)
    assert notice.isVisible()
    os.rename(media / "SHOEBOX", drive)
    qtbot.waitUntil(lambda: not notice.isVisible(), timeout=5000)
