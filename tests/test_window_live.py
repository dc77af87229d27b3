"""A plugged-in drive followed live by the window: what changes on it shows in the
tree within seconds, without a rescan, and the curator's place and words stay."""

from __future__ import annotations

import pytest

from luna_desktop.catalog.models import FileEntry
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan


@pytest.fixture
def drive(tmp_path):
    root = tmp_path / "Field"
    for i in range(3):
        make_jpeg(root / "Trip" / f"IMG_{i}.jpg", size=(300, 200), color=(40 * i, 90, 160))
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
    drive_id = w.panel.drive_id()
    qtbot.waitUntil(lambda: w.live_flow.ready(drive_id), timeout=10000)
    yield w
    w.form.revert()
    w.close()
    w.deleteLater()


def _row(name: str) -> FileEntry | None:
    return FileEntry.get_or_none(FileEntry.filename == name)


def _names_in_tree(w, folder: str) -> set[str]:
    model = w.model
    index = model.folder_index(folder)
    if index is None:
        return set()
    w.tree.expand(index)
    return {model.index(r, 0, index).data() for r in range(model.rowCount(index))}


def test_changes_on_a_watched_drive_reach_the_tree(window, qtbot, drive):
    w = window
    make_jpeg(drive / "Trip" / "IMG_new.jpg", size=(300, 200), color=(9, 9, 9))
    (drive / "Trip" / "IMG_0.jpg").rename(drive / "Trip" / "IMG_zero.jpg")
    (drive / "Trip" / "IMG_2.jpg").unlink()
    # Within seconds (5 s in the issue, with room for a loaded machine).
    qtbot.waitUntil(
        lambda: {"IMG_new.jpg", "IMG_zero.jpg"} <= _names_in_tree(w, "Trip"), timeout=8000
    )
    assert "IMG_0.jpg" not in _names_in_tree(w, "Trip")
    assert _row("IMG_2.jpg").present is False  # missing, never deleted


def test_the_file_on_show_renamed_on_the_drive_keeps_the_curators_words(window, qtbot, drive):
    w = window
    assert w.select_file(_row("IMG_1.jpg"))
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == "IMG_1.jpg")
    w.form.focus_title()
    qtbot.keyClicks(w.form.title, "Ferry")
    (drive / "Trip" / "IMG_1.jpg").rename(drive / "Trip" / "Ferry.jpg")
    qtbot.waitUntil(lambda: _row("Ferry.jpg") is not None, timeout=8000)
    qtbot.waitUntil(lambda: "Ferry.jpg" in _names_in_tree(w, "Trip"), timeout=8000)
    assert w.form.title.text() == "Ferry" and w.form.is_dirty()
    assert _row("Ferry.jpg").id == w.current_file.id  # the same row: curation follows


def test_changes_during_a_scan_are_applied_after_it(window, qtbot, drive):
    w = window
    drive_id = w.panel.drive_id()
    w.scans.started.emit("Field")  # as DriveScans does when a scan of Field begins
    qtbot.waitUntil(lambda: w.live_flow.live.watcher(drive_id).running, timeout=10000)
    make_jpeg(drive / "Trip" / "during.jpg", size=(120, 80))
    qtbot.wait(2500)  # more than a batch's longest delay: held, nothing is written
    assert _row("during.jpg") is None
    w.scans.ended.emit(None)
    qtbot.waitUntil(lambda: _row("during.jpg") is not None, timeout=8000)
    assert w.live_flow.ready(drive_id) or w.live_flow.watching(drive_id)
