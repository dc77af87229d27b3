"""Discarding a copy in the form checks it by content at once (oshash only proposes)."""

from __future__ import annotations

import random
import shutil

import pytest
from PySide6.QtCore import Qt

from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan


def _collision_pair() -> tuple[bytes, bytes]:
    """Equal size, equal first and last 64 KiB, different middles: one oshash."""
    rng = random.Random(9)
    head, tail = rng.randbytes(65536), rng.randbytes(65536)
    return head + b"\x01" * 4096 + tail, head + b"\x02" * 4096 + tail


def _open(qtbot, backup_name: str) -> MainWindow:
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.reload_drives(select="Backup")
    copy = FileEntry.get(
        (FileEntry.filename == backup_name) & (FileEntry.drive == Drive.get(Drive.name == "Backup"))
    )
    qtbot.waitUntil(lambda: w.select_file(copy))
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == copy.id)
    w.tree.setFocus()
    return w


@pytest.fixture
def drives(tmp_path):
    archive, backup = tmp_path / "archive", tmp_path / "backup"
    (archive / "roll").mkdir(parents=True)
    (backup / "roll").mkdir(parents=True)
    return archive / "roll", backup / "roll"


def _discard(w: MainWindow, qtbot) -> None:
    qtbot.keyClick(w.tree, Qt.Key.Key_5)
    qtbot.keyClick(w.tree, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_discarding_a_copy_confirms_it_by_content(catalog, qtbot, drives):
    archive, backup = drives
    make_jpeg(archive / "wedding.jpg", size=(80, 60))
    shutil.copyfile(archive / "wedding.jpg", backup / "wedding copy.jpg")
    run_scan(archive.parent, "Archive")
    run_scan(backup.parent, "Backup")
    w = _open(qtbot, "wedding copy.jpg")
    row = w.model.node(w.model.file_index(w.current_file.id)).row
    assert row.copy_of == "Archive:roll/wedding.jpg" and not row.copy_confirmed
    _discard(w, qtbot)
    qtbot.waitUntil(lambda: "Checked:" in w.statusBar().currentMessage(), timeout=10_000)
    assert "exact copy of Archive:roll/wedding.jpg" in w.statusBar().currentMessage()
    assert all(f.content_hash for f in FileEntry.select())  # stored for both
    assert FileEntry.get(FileEntry.filename == "wedding copy.jpg").status == int(Status.DISCARD)
    w.close()


def test_a_file_that_only_looked_like_a_copy_is_said_at_once(catalog, qtbot, drives):
    archive, backup = drives
    one, other = _collision_pair()
    (archive / "clip.bin").write_bytes(one)
    (backup / "clip.bin").write_bytes(other)
    run_scan(archive.parent, "Archive")
    run_scan(backup.parent, "Backup")
    w = _open(qtbot, "clip.bin")
    assert w.model.node(w.model.file_index(w.current_file.id)).row.copy_of
    _discard(w, qtbot)
    qtbot.waitUntil(lambda: "its content differs" in w.statusBar().currentMessage(), timeout=10_000)
    assert "still marked Discard" in w.statusBar().currentMessage()
    mine = FileEntry.get(FileEntry.drive == Drive.get(Drive.name == "Backup"))
    qtbot.waitUntil(lambda: w.model.file_index(mine.id).isValid())
    assert w.model.node(w.model.file_index(mine.id)).row.copy_of is None  # no longer marked
    w.close()


def test_a_primary_or_a_confirmed_copy_is_not_hashed_again(catalog, qtbot, drives):
    archive, backup = drives
    make_jpeg(archive / "a.jpg", size=(80, 60))
    shutil.copyfile(archive / "a.jpg", backup / "a.jpg")
    run_scan(archive.parent, "Archive")
    run_scan(backup.parent, "Backup")
    w = _open(qtbot, "a.jpg")
    w.reload_drives(select="Archive")  # the primary
    primary = FileEntry.get(FileEntry.drive == Drive.get(Drive.name == "Archive"))
    qtbot.waitUntil(lambda: w.select_file(primary))
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == primary.id)
    w.tree.setFocus()
    _discard(w, qtbot)
    qtbot.waitUntil(lambda: FileEntry.get_by_id(primary.id).status == int(Status.DISCARD))
    assert not w.discard_check.busy
    assert not any(f.content_hash for f in FileEntry.select())
    w.close()
