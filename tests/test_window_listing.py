"""File → Import listing… and Export listing… in the real window: the dialogs driven from
the keyboard, the work on a pool thread, the catalogue checked afterwards."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from luna_desktop.catalog.database import catalog_path
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.interop import listing as interop
from luna_desktop.ui import listing_dialogs
from luna_desktop.ui.actions import ActionId
from luna_desktop.ui.listing_dialogs import ListingFlow, flow_for
from luna_desktop.ui.listing_forms import ExportDialog, ImportDialog
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings

VIDEO = {
    "path": "PHS-Videos",
    "filename": "HD.1080.mp4",
    "file_type": "video/mp4",
    "oshash": "050858a68cab09aa",
    "size_exif": 36256397,
    "size_pretty": "34.6 MB",
    "date_exif": "2021:12:23 17:57:22+05:30",
    "duration": 13.96,
    "duration_tc": "00:00:13.960",
    "resolution": "1920 x 1080",
    "camera": "DC-S1 (Panasonic)",
}
PHOTO = {
    "path": "PHS-Photos/2021",
    "filename": "P1000123.JPG",
    "file_type": "image/jpeg",
    "oshash": "00000000000abcde",
    "size_exif": 5_012_345,
    "date_exif": "2021:12:24 09:00:01",
    "resolution": "6000 x 4000",
}
NOTE = {"path": "", "filename": "README.txt", "file_type": "text/plain", "size_exif": 120}


def write_listing(folder: Path, name: str, entries: list[dict]) -> Path:
    path = folder / name
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def window(qtbot, catalog):
    w = MainWindow(Settings())
    w.show()
    qtbot.waitExposed(w)
    yield w
    flow = w.findChild(ListingFlow, "listing_flow")
    if flow is not None and flow.job is not None:
        flow.job.cancel.set()
    w.pool.waitForDone(10_000)
    w.close()
    w.deleteLater()


def choose_file(monkeypatch, path: Path) -> list[tuple]:
    """The open dialog answers `path`; returns the arguments it was called with."""
    calls: list[tuple] = []

    def fake(*args, **kwargs):
        calls.append(args)
        return str(path), "Drive listings (*.json)"

    monkeypatch.setattr(listing_dialogs.QFileDialog, "getOpenFileName", fake)
    return calls


def import_dialog(w: MainWindow) -> ImportDialog:
    dialog = flow_for(w).dialog
    assert isinstance(dialog, ImportDialog) and dialog.isVisible()
    return dialog


def accept_and_wait(qtbot, w: MainWindow, widget) -> None:
    with qtbot.waitSignal(flow_for(w).ended, timeout=20_000):
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def close_message(qtbot, w: MainWindow) -> tuple[str, str]:
    box = flow_for(w).message_box
    assert box is not None and box.isVisible()
    texts = (box.text(), box.informativeText())
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible())
    return texts


def tree_folders(w: MainWindow) -> list[str]:
    return w.model.folder_paths()


def test_import_from_the_menu_adds_the_drive_and_shows_it(window, qtbot, monkeypatch, tmp_path):
    w = window
    listing = write_listing(tmp_path, "PHS_copyALL_2026-01-24.json", [VIDEO, PHOTO, NOTE])
    asked = choose_file(monkeypatch, listing)

    # Esc in the name dialog: nothing happens.
    w.actions_by_id[ActionId.IMPORT_LISTING].trigger()
    dialog = import_dialog(w)
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and not flow_for(w).busy
    assert Drive.select().count() == 0

    w.actions_by_id[ActionId.IMPORT_LISTING].trigger()
    assert len(asked) == 2 and asked[1][3].startswith("Drive listings (*.json)")
    dialog = import_dialog(w)
    assert dialog.name_edit.hasFocus() or dialog.focusWidget() is dialog.name_edit
    assert dialog.drive_name() == "PHS_copyALL"  # the date is not part of the name
    assert "new drive" in dialog.drive_note.text()
    assert not dialog.update_box.isEnabled()  # nothing to update on a new drive
    accept_and_wait(qtbot, w, dialog.name_edit)

    drive = Drive.get(Drive.name == "PHS_copyALL")
    rows = {(r.folder, r.filename): r for r in FileEntry.select().where(FileEntry.drive == drive)}
    assert set(rows) == {
        ("PHS-Videos", "HD.1080.mp4"),
        ("PHS-Photos/2021", "P1000123.JPG"),
        ("", "README.txt"),
    }
    video = rows[("PHS-Videos", "HD.1080.mp4")]
    assert (video.size, video.width, video.camera_make) == (36256397, 1920, "Panasonic")

    text, informative = close_message(qtbot, w)
    assert text == "PHS_copyALL: 3 files added, 0 updated, 0 unchanged."
    assert "new drive" in informative
    assert "Imported PHS_copyALL" in w.statusBar().currentMessage()
    # The selector lists and shows the drive; the tree holds its folders.
    assert w.panel.drive_name() == "PHS_copyALL"
    assert w.model.drive_id == drive.id
    assert {"PHS-Videos", "PHS-Photos", "PHS-Photos/2021"} <= set(tree_folders(w))
    assert w.select_file(video)
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == video.id)


def test_a_malformed_listing_is_refused_naming_the_entry(window, qtbot, monkeypatch, tmp_path):
    w = window
    bad = dict(PHOTO, size_exif="five megabytes")
    choose_file(monkeypatch, write_listing(tmp_path, "Broken_2026-01-24.json", [VIDEO, bad]))
    w.actions_by_id[ActionId.IMPORT_LISTING].trigger()
    accept_and_wait(qtbot, w, import_dialog(w).name_edit)

    text, informative = close_message(qtbot, w)
    assert text.startswith("Entry 2 (PHS-Photos/2021/P1000123.JPG): size_exif must be")
    assert "Nothing was imported" in informative
    assert Drive.select().count() == 0 and FileEntry.select().count() == 0
    assert w.drive_combo.count() == 0


def test_a_truncated_file_is_refused(window, qtbot, tmp_path):
    w = window
    path = tmp_path / "Cut_2026-01-24.json"
    path.write_text(json.dumps([VIDEO, PHOTO])[:-40], encoding="utf-8")
    listing_dialogs.import_listing(w, path)  # the file given: no file dialog
    accept_and_wait(qtbot, w, import_dialog(w).name_edit)
    text, _ = close_message(qtbot, w)
    assert "not valid JSON" in text and "truncated" in text
    assert FileEntry.select().count() == 0


def test_merging_into_a_known_drive_updates_only_when_asked(window, qtbot, monkeypatch, tmp_path):
    w = window
    interop.import_listing(write_listing(tmp_path, "Archive.json", [VIDEO, NOTE]))
    w.reload_drives()
    changed = dict(VIDEO, size_exif=1000, camera="GH5 (Panasonic)")
    listing = write_listing(tmp_path, "Archive_2026-02-01.json", [changed, NOTE, PHOTO])
    choose_file(monkeypatch, listing)

    w.actions_by_id[ActionId.IMPORT_LISTING].trigger()
    dialog = import_dialog(w)
    assert "already in the catalogue" in dialog.drive_note.text()
    assert "merged" in dialog.drive_note.text()
    assert dialog.update_box.isEnabled() and not dialog.update_box.isChecked()
    accept_and_wait(qtbot, w, dialog.name_edit)
    text, informative = close_message(qtbot, w)
    assert text == "Archive: 1 file added, 0 updated, 1 unchanged, 1 skipped."
    assert "Update existing rows" in informative
    assert FileEntry.get(FileEntry.filename == "HD.1080.mp4").size == 36256397

    w.actions_by_id[ActionId.IMPORT_LISTING].trigger()
    dialog = import_dialog(w)
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)  # the keyboard way to the box
    assert dialog.focusWidget() is dialog.update_box
    qtbot.keyClick(dialog.update_box, Qt.Key.Key_Space)
    assert dialog.update_existing()
    accept_and_wait(qtbot, w, dialog.update_box)
    text, _ = close_message(qtbot, w)
    assert text == "Archive: 0 files added, 1 updated, 2 unchanged."
    video = FileEntry.get(FileEntry.filename == "HD.1080.mp4")
    assert (video.size, video.camera_model) == (1000, "GH5")
    assert Drive.select().count() == 1


def test_a_name_differing_only_in_capitals_is_called_a_new_drive(window, tmp_path):
    w = window
    interop.import_listing(write_listing(tmp_path, "Archive.json", [NOTE]))
    w.reload_drives()
    listing_dialogs.import_listing(w, write_listing(tmp_path, "ARCHIVE.json", [NOTE]))
    dialog = import_dialog(w)
    assert "differ in capitals" in dialog.drive_note.text()
    dialog.name_edit.clear()
    assert not dialog.import_button.isEnabled()  # no name, no import
    dialog.reject()


def _hold_write_lock() -> sqlite3.Connection:
    """Another writer holding the catalogue, as a scan's batch would."""
    blocker = sqlite3.connect(str(catalog_path()), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def test_the_window_stays_live_while_the_import_waits(window, qtbot, tmp_path):
    w = window
    listing = write_listing(tmp_path, "Slow_2026-01-24.json", [VIDEO, PHOTO, NOTE])
    blocker = _hold_write_lock()
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    try:
        listing_dialogs.import_listing(w, listing)
        qtbot.keyClick(import_dialog(w).name_edit, Qt.Key.Key_Return)
        flow = flow_for(w)
        assert flow.busy
        qtbot.waitUntil(lambda: flow.progress is not None and flow.progress.isVisible())
        qtbot.waitUntil(lambda: "Importing into Slow" in flow.progress.label.text())
        # The import is waiting for the catalogue on its thread; this one runs on.
        timer.start(5)
        qtbot.waitUntil(lambda: len(ticks) >= 3)
        assert FileEntry.select().count() == 0
    finally:
        timer.stop()
        blocker.rollback()
        blocker.close()
    with qtbot.waitSignal(flow.ended, timeout=20_000):
        pass
    assert FileEntry.select().count() == 3
    close_message(qtbot, w)


def test_esc_while_importing_cancels_and_writes_nothing(window, qtbot, tmp_path):
    w = window
    listing = write_listing(tmp_path, "Cancelled_2026-01-24.json", [VIDEO, PHOTO, NOTE])
    blocker = _hold_write_lock()
    try:
        listing_dialogs.import_listing(w, listing)
        qtbot.keyClick(import_dialog(w).name_edit, Qt.Key.Key_Return)
        flow = flow_for(w)
        qtbot.waitUntil(lambda: flow.progress is not None and flow.progress.isVisible())
        qtbot.waitUntil(lambda: "Importing into" in flow.progress.label.text())
        progress = flow.progress
        qtbot.keyClick(progress, Qt.Key.Key_Escape)
        assert progress.isVisible() and "Stopping" in progress.label.text()
    finally:
        blocker.rollback()
        blocker.close()
    with qtbot.waitSignal(flow.ended, timeout=20_000):
        pass
    # It got the lock, then stopped inside its transaction: all of it rolled back.
    assert Drive.select().count() == 0 and FileEntry.select().count() == 0
    assert "Import cancelled" in w.statusBar().currentMessage()
    assert flow.progress is None


def choose_save(monkeypatch, target: Path) -> list[tuple]:
    calls: list[tuple] = []

    def fake(*args, **kwargs):
        calls.append(args)
        return str(target), "Drive listings (*.json)"

    monkeypatch.setattr(listing_dialogs.QFileDialog, "getSaveFileName", fake)
    return calls


def test_export_writes_what_the_catalogue_exports(window, qtbot, monkeypatch, tmp_path):
    w = window
    source = tmp_path / "in"
    source.mkdir()
    interop.import_listing(write_listing(source, "Alpha.json", [VIDEO, PHOTO, NOTE]))
    interop.import_listing(write_listing(source, "Beta.json", [NOTE]))
    w.reload_drives(select="Beta")
    target = tmp_path / "out" / "alpha.json"
    target.parent.mkdir()
    target.write_bytes(b"an older listing")  # replaced whole
    asked = choose_save(monkeypatch, target)

    w.actions_by_id[ActionId.EXPORT_LISTING].trigger()
    dialog = flow_for(w).dialog
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    assert dialog.drive_name() == "Beta"  # the drive on show
    qtbot.keyClicks(dialog.drive_combo, "A")  # keyboard search picks Alpha
    assert dialog.drive_name() == "Alpha"
    accept_and_wait(qtbot, w, dialog.drive_combo)

    default = Path(asked[0][2])
    assert default.name == f"Alpha_{date.today().isoformat()}.json"
    assert target.read_bytes() == interop.export_listing(Drive.get(Drive.name == "Alpha"))
    assert sorted(p.name for p in target.parent.iterdir()) == ["alpha.json"]  # no temp left
    assert f"Exported Alpha: 3 files to {target}" in w.statusBar().currentMessage()

    # The next dialog opens where the last listing went.
    w.actions_by_id[ActionId.EXPORT_LISTING].trigger()
    accept_and_wait(qtbot, w, flow_for(w).dialog.drive_combo)
    assert Path(asked[1][2]).parent == target.parent


def test_import_remembers_the_folder_for_the_next_dialog(window, qtbot, monkeypatch, tmp_path):
    w = window
    listing = write_listing(tmp_path, "Gamma_2026-01-24.json", [NOTE])
    asked = choose_file(monkeypatch, listing)
    w.actions_by_id[ActionId.IMPORT_LISTING].trigger()
    assert asked[0][2] == str(Path.home())  # nothing remembered yet
    accept_and_wait(qtbot, w, import_dialog(w).name_edit)
    close_message(qtbot, w)
    saved = choose_save(monkeypatch, tmp_path / "out.json")
    w.actions_by_id[ActionId.EXPORT_LISTING].trigger()
    accept_and_wait(qtbot, w, flow_for(w).dialog.drive_combo)
    assert Path(saved[0][2]).parent == tmp_path


def test_an_export_that_cannot_be_written_says_so(window, qtbot, monkeypatch, tmp_path):
    w = window
    interop.import_listing(write_listing(tmp_path, "Delta.json", [NOTE]))
    w.reload_drives(select="Delta")
    choose_save(monkeypatch, tmp_path / "no such folder" / "delta.json")
    w.actions_by_id[ActionId.EXPORT_LISTING].trigger()
    accept_and_wait(qtbot, w, flow_for(w).dialog.drive_combo)
    text, informative = close_message(qtbot, w)
    assert text.startswith("Cannot write") and "No such file" in text
    assert "was not written" in informative


def test_no_drive_no_export_dialog(window):
    window.actions_by_id[ActionId.EXPORT_LISTING].trigger()
    assert flow_for(window).dialog is None
    assert "no drive to export" in window.statusBar().currentMessage()


def test_unsaved_edits_keep_the_window_on_their_file(window, qtbot, tmp_path):
    w = window
    interop.import_listing(write_listing(tmp_path, "Archive.json", [NOTE]))
    w.reload_drives(select="Archive")
    note = FileEntry.get(FileEntry.filename == "README.txt")
    assert w.select_file(note)
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == note.id)
    qtbot.keyClicks(w.form.title, "Read me first")  # typed: textEdited marks the form
    assert w.form.is_dirty()

    listing_dialogs.import_listing(w, write_listing(tmp_path, "Other_2026-01-24.json", [VIDEO]))
    accept_and_wait(qtbot, w, import_dialog(w).name_edit)
    _, informative = close_message(qtbot, w)
    assert "edits are still in the form" in informative and "“Other”" in informative
    # Nothing typed was dropped; the new drive waits in the selector.
    assert w.form.is_dirty() and w.form.title.text() == "Read me first"
    assert w.current_file.id == note.id and w.panel.drive_name() == "Archive"
    assert w.drive_combo.findText("Other", Qt.MatchFlag.MatchStartsWith) >= 0
    assert FileEntry.select().where(FileEntry.filename == "HD.1080.mp4").count() == 1
    w.controller.discard()


def test_no_import_while_a_scan_runs(window, qtbot, monkeypatch, tmp_path):
    from tests.ui_helpers import answer_next_dialog

    w = window
    asked = choose_file(monkeypatch, write_listing(tmp_path, "Busy_2026-01-24.json", [NOTE]))
    monkeypatch.setattr(w, "scan_running", lambda: True)
    seen = answer_next_dialog()
    w.actions_by_id[ActionId.IMPORT_LISTING].trigger()
    assert seen and "Wait for the running scan" in seen[0]
    assert asked == [] and flow_for(w).dialog is None and not flow_for(w).busy


def test_the_listing_folder_is_remembered_across_sessions(window, qtbot, monkeypatch, tmp_path):
    w = window
    listing = write_listing(tmp_path, "Eta.json", [NOTE])
    choose_file(monkeypatch, listing)
    w.actions_by_id[ActionId.IMPORT_LISTING].trigger()
    accept_and_wait(qtbot, w, import_dialog(w).name_edit)
    close_message(qtbot, w)
    assert Settings().listing_folder == str(tmp_path)  # in the settings file, not the flow


def test_closing_the_window_during_an_import_asks_and_stops_it(window, qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from tests.ui_helpers import answer_next_dialog

    w = window
    listing = write_listing(tmp_path, "Closing_2026-01-24.json", [VIDEO, PHOTO, NOTE])
    blocker = _hold_write_lock()  # the import waits for the catalogue
    try:
        listing_dialogs.import_listing(w, listing)
        qtbot.keyClick(import_dialog(w).name_edit, Qt.Key.Key_Return)
        flow = flow_for(w)
        qtbot.waitUntil(lambda: flow.progress is not None and flow.progress.isVisible())
        asked = answer_next_dialog(QMessageBox.StandardButton.No)
        assert not w.close()  # No: the window stays, the import goes on
        assert asked and "being imported or exported" in asked[0] and flow.busy
        job = flow.job
        asked = answer_next_dialog(QMessageBox.StandardButton.Yes)
        w.close()
        assert asked and job.cancel.is_set()
    finally:
        blocker.rollback()
        blocker.close()
    qtbot.waitUntil(lambda: not flow.busy, timeout=15_000)
    assert FileEntry.select().count() == 0  # a stopped import keeps nothing
