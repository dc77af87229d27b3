"""The window's flows around scans and records that change under the curator, and the
keys the README promises, each through the real window."""

import os
import shutil
import sqlite3
import threading
import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from luna_desktop.catalog import curation, filter_matches
from luna_desktop.catalog.models import Drive, FileEntry, ScanRun
from luna_desktop.catalog.status import Status
from luna_desktop.scan.relink import relink_moved_files
from luna_desktop.scan.writer import CatalogWriter
from luna_desktop.ui import scan_flow as scan_flow_module
from luna_desktop.ui.actions import SPECS
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.scan_status import describe
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan
from tests.ui_helpers import answer_next_dialog, click_in_next_dialog


@pytest.fixture
def open_window(qtbot, catalog):
    opened = []

    def make():
        settings = Settings()
        settings.curator_name = "ada"
        w = MainWindow(settings)
        w.show()
        w.activateWindow()
        qtbot.waitExposed(w)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.controller.discard()
        w.scans.cancel()
        qtbot.waitUntil(lambda w=w: not w.scan_running(), timeout=60000)
        w.close()
        w.deleteLater()


def open_row(w, qtbot, row):
    """Select a catalogue row in the window and wait until the form holds it."""
    assert w.select_file(row)
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == row.id)


def focus(qtbot, widget):
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, key, modifier)
    QApplication.processEvents()


def big_folder(root, files):
    source = make_jpeg(root.parent / f"{root.name}-src.jpg", size=(160, 120))
    data = source.read_bytes()
    for i in range(files):
        folder = root / f"roll{i // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:05d}.jpg").write_bytes(data + b"%06d" % i)
    return root


# -- records that change under the curator ---------------------------------------------------


def test_edits_to_a_row_a_scan_relinked_are_saved_onto_the_row_that_holds_the_file(
    open_window, qtbot, tmp_path
):
    # As a rescan sees a move: the old row (curated, now missing) and the new row it added.
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    old = FileEntry.create(
        drive=drive, folder="old", filename="a.jpg", size=9, oshash="ab" * 8, present=False
    )
    curation.replace(old.id, curation.Curation(status=3, notes="their note"), "bob")
    new = FileEntry.create(
        drive=drive, folder="new", filename="a.jpg", size=9, oshash="ab" * 8, added_scan=7
    )
    w = open_window()
    open_row(w, qtbot, new)
    w.form.focus_title()
    qtbot.keyClicks(w.form.title, "typed while the scan ran")
    # The scan ends: the old row takes the new path, the new row goes.
    assert relink_moved_files(drive.id, 0) == 1
    assert FileEntry.get_or_none(FileEntry.id == new.id) is None
    assert w.save()
    kept = FileEntry.get_by_id(old.id)
    assert (kept.folder, kept.title, kept.notes, kept.status) == (
        "new",
        "typed while the scan ran",
        "their note",
        3,
    )
    assert w.current_file.id == old.id and not w.form.is_dirty()
    assert w.model.file_index(old.id).isValid()
    assert w.tree.currentIndex() == w.model.file_index(old.id)


def test_edits_whose_row_is_gone_stay_in_the_form_and_can_be_copied(open_window, qtbot, tmp_path):
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    row = FileEntry.create(drive=drive, folder="f", filename="a.jpg")
    w = open_window()
    open_row(w, qtbot, row)
    w.form.focus_notes()
    qtbot.keyClicks(w.form.notes, "do not lose me")
    row.delete_instance()
    QApplication.clipboard().clear()
    said = click_in_next_dialog("copy_edits")
    assert not w.save()
    assert "no longer in the catalogue" in said[0]
    assert QApplication.clipboard().text() == "Notes: do not lose me"
    assert w.form.notes.toPlainText() == "do not lose me" and w.form.is_dirty()


def test_a_row_marked_missing_while_open_still_takes_the_save(open_window, qtbot, tmp_path):
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    row = FileEntry.create(drive=drive, folder="f", filename="a.jpg")
    w = open_window()
    open_row(w, qtbot, row)
    w.form.set_status(int(Status.UPLOAD))
    FileEntry.update(present=False).where(FileEntry.id == row.id).execute()
    assert w.save()
    assert FileEntry.get_by_id(row.id).status == Status.UPLOAD


# -- scans and the window --------------------------------------------------------------------


def test_closing_during_a_scan_asks_then_stops_it_then_closes(open_window, qtbot, tmp_path):
    big = big_folder(tmp_path / "Big", 3000)
    w = open_window()
    w.start_scan(big, "Big")
    qtbot.waitUntil(lambda: w.scans.status.isVisible(), timeout=10000)
    asked = answer_next_dialog(QMessageBox.StandardButton.Yes)
    assert not w.close()  # not yet: the scan must stop cleanly first
    assert "A scan is running. Stop it and quit?" in asked[0]
    assert "Stopping the scan" in w.statusBar().currentMessage()
    assert w.isVisible() and w.scan_running()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=60000)
    assert not w.scan_running()
    run = ScanRun.select().join(Drive).where(Drive.name == "Big").get()
    assert run.state == "cancelled" and run.finished_at is not None


def test_answering_no_keeps_the_window_and_the_scan(open_window, qtbot, tmp_path):
    big = big_folder(tmp_path / "Big", 1500)
    w = open_window()
    w.start_scan(big, "Big")
    answer_next_dialog(QMessageBox.StandardButton.No)
    assert not w.close()
    assert w.isVisible() and not w.closing and w.scan_running()  # nothing set in motion


def test_the_tree_fills_while_a_scan_runs(open_window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(scan_flow_module, "TREE_REFRESH_MS", 50)
    big = big_folder(tmp_path / "Big", 4000)
    w = open_window()
    seen_mid_scan = []
    shown = threading.Event()

    def look():
        if w.scan_running() and w.model_drive_name() == "Big":
            seen_mid_scan.append(w.model.root.total)
            if 0 < w.model.root.total < 4000:
                shown.set()

    watch = QTimer()
    watch.timeout.connect(look)
    watch.start(10)
    # A scan can be over before the tree's first refresh: until the tree has shown some
    # of its rows, each batch takes a little longer (the scan keeps reporting progress,
    # which is what drives the refreshes).
    real_flush = CatalogWriter.flush

    def flush(self):
        real_flush(self)
        if not shown.is_set():
            time.sleep(0.03)

    monkeypatch.setattr(CatalogWriter, "flush", flush)
    w.start_scan(big, "Big")
    qtbot.waitUntil(lambda: not w.scan_running(), timeout=120000)
    watch.stop()
    assert any(0 < total < 4000 for total in seen_mid_scan), seen_mid_scan
    assert w.model.root.total == 4000


def test_ignore_patterns_from_preferences_reach_the_scan(open_window, qtbot, tmp_path):
    card = tmp_path / "Card"
    make_jpeg(card / "keep.jpg")
    (card / "keep.xmp").write_text("<x/>")
    make_jpeg(card / "Proxies" / "small.jpg")
    w = open_window()

    def fill(attempts=0):
        from luna_desktop.ui.preferences_dialog import PreferencesDialog

        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PreferencesDialog):
            if attempts < 300:
                QTimer.singleShot(10, lambda: fill(attempts + 1))
            return
        dialog.ignore_edit.setPlainText("*.xmp\nProxies")
        dialog.accept()

    QTimer.singleShot(0, fill)
    w.show_preferences()
    assert w.settings.ignore_patterns == ["*.xmp", "Proxies"]
    with qtbot.waitSignal(w.scans.ended, timeout=60000):
        assert w.add_drive(str(card), name="Card")
    names = {f.filename for f in FileEntry.select()}
    assert names == {"keep.jpg"}
    assert ScanRun.get().counts["ignored"] == 2


def test_how_drives_are_read_comes_from_preferences_and_shows(open_window, qtbot, tmp_path):
    # Both ways round, so that whatever this machine's disk says, one of them overrides it.
    for choice, shown in (("rotating", True), ("solid", False)):
        card = tmp_path / choice
        for i in range(3):
            make_jpeg(card / f"{i}.jpg", color=(i, i, i))
        Settings().disk_reading = choice  # an external disk the system misreports
        w = open_window()
        seen = []
        w.scans.progressed.connect(lambda progress, seen=seen: seen.append(describe(progress)))
        w.start_scan(card, choice)
        qtbot.waitUntil(lambda w=w: not w.scan_running(), timeout=60000)
        assert seen, choice
        assert all(("rotating disk: one reader" in text) is shown for text in seen), seen


# -- keys the README promises ----------------------------------------------------------------


@pytest.fixture
def corpus_window(open_window, qtbot, tmp_path, corpus):
    root = tmp_path / "Corpus"
    shutil.copytree(corpus / "2008 Tuscany Trip", root / "2008 Tuscany Trip")
    shutil.copytree(corpus / "Orientation Test", root / "Orientation Test")
    run_scan(root, drive="Corpus")
    w = open_window()
    row = FileEntry.get(FileEntry.filename == "DSCN0010.jpg")
    with qtbot.waitSignal(w.preview.rendered, timeout=15000):
        assert w.select_file(row)
    focus(qtbot, w.tree)
    return w


@pytest.mark.parametrize("status", list(Status))
def test_each_number_key_sets_its_status(corpus_window, qtbot, status):
    w = corpus_window
    other = Status.UPLOAD if status is not Status.UPLOAD else Status.DISCARD
    w.form.set_status(int(other))
    press(qtbot, w.tree, getattr(Qt.Key, f"Key_{int(status)}"))
    assert w.form.value().status == int(status)
    press(qtbot, w.tree, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert FileEntry.get(FileEntry.filename == "DSCN0010.jpg").status == int(status)


def test_z_zooms_the_preview_to_100_percent_and_back(corpus_window, qtbot):
    w = corpus_window
    assert not w.preview.is_zoomed()
    press(qtbot, w.tree, Qt.Key.Key_Z)
    assert w.preview.is_zoomed()
    press(qtbot, w.tree, Qt.Key.Key_Z)
    assert not w.preview.is_zoomed()


def test_ctrl_f_goes_to_the_search_and_ctrl_1_back_to_the_tree(corpus_window, qtbot):
    w = corpus_window
    press(qtbot, w.tree, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(w.search.hasFocus)
    with qtbot.waitSignal(w.panel.searchDone, timeout=10000):
        qtbot.keyClicks(w.search, "dscn0012")
    press(qtbot, w.search, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(w.tree.hasFocus)
    press(qtbot, w.tree, Qt.Key.Key_J)  # a key of the tree, not typed into the search
    assert w.search.text() == "dscn0012"


def test_the_shortcuts_sheet_lists_every_key(corpus_window):
    from PySide6.QtGui import QKeySequence

    from luna_desktop.ui.shortcuts_sheet import ShortcutsSheet

    sheet = ShortcutsSheet(corpus_window)
    rows = {
        sheet.table.item(r, 1).text(): sheet.table.item(r, 0).text()
        for r in range(sheet.table.rowCount())
    }
    for spec in SPECS.values():
        if not spec.keys:
            continue
        command = spec.text.replace("&", "").rstrip("…")
        assert command in rows, f"{command} is missing from the sheet"
        shown = rows[command].split(" / ")
        for key in spec.keys:
            native = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or key
            assert native in shown, (command, key, shown)
    sheet.deleteLater()


def test_search_ignores_accents_and_case_through_the_window(open_window, qtbot, tmp_path):
    drive = tmp_path / "D"
    make_jpeg(drive / "Café Crème" / "x.jpg")
    make_jpeg(drive / "other" / "Ærø.jpg")
    run_scan(drive, drive="D")
    w = open_window()
    with qtbot.waitSignal(w.panel.searchDone, timeout=10000):
        qtbot.keyClicks(w.search, "CAFE CREME")
    assert w.model.folder_index("Café Crème") is not None
    assert w.tree.isExpanded(w.model.folder_index("Café Crème"))  # a few hits: opened
    assert w.model.folder_index("other") is None
    with qtbot.waitSignal(w.panel.searchDone, timeout=10000):
        w.search.setText("aerø")
    with qtbot.waitSignal(w.panel.searchDone, timeout=10000):
        w.search.setText("ærø")
    assert w.model.folder_index("other") is not None


def test_a_catalogue_written_under_the_window_is_still_consistent(open_window, tmp_path):
    open_window()
    with sqlite3.connect(tmp_path / "catalog.sqlite3") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- what a background answer or a busy catalogue must not do to typed words ----------------


def test_a_search_that_lands_while_the_form_has_edits_asks_first(
    open_window, qtbot, tmp_path, monkeypatch
):
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    a = FileEntry.create(drive=drive, folder="f", filename="alpha.jpg")
    FileEntry.create(drive=drive, folder="f", filename="beta.jpg")
    real = filter_matches.matching

    def slow_search(*args, **kwargs):  # a search on a busy catalogue
        time.sleep(0.4)
        return real(*args, **kwargs)

    monkeypatch.setattr(filter_matches, "matching", slow_search)
    w = open_window()
    open_row(w, qtbot, a)
    w.search.setText("beta")
    qtbot.waitUntil(lambda: w.panel.search_note.text() == "Searching…")
    w.form.focus_title()
    qtbot.keyClicks(w.form.title, "typed meanwhile")
    asked = answer_next_dialog(QMessageBox.StandardButton.Cancel)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert "Save your edits to alpha.jpg?" in asked[0]
    assert w.form.title.text() == "typed meanwhile" and w.form.is_dirty()
    assert w.search.text() == "" and w.model.file_index(a.id).isValid()  # tree as it was
    # The same again, and this time the words are saved before the hits show.
    w.search.setText("beta")
    answer_next_dialog(QMessageBox.StandardButton.Save)
    with qtbot.waitSignal(w.panel.searchDone, timeout=5000):
        pass
    assert FileEntry.get_by_id(a.id).title == "typed meanwhile"
    assert not w.model.file_index(a.id).isValid()


def test_u_with_a_search_under_a_chip_still_finds_the_unreviewed_match(
    open_window, qtbot, tmp_path
):
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    done = FileEntry.create(drive=drive, folder="f", filename="beach1.jpg")
    curation.replace(done.id, curation.Curation(status=int(Status.UPLOAD)), "bob")
    todo = FileEntry.create(drive=drive, folder="g", filename="beach2.jpg")
    w = open_window()
    w.findChild(type(w.chips.buttons()[0]), "chip_upload").click()
    with qtbot.waitSignal(w.panel.searchDone, timeout=5000):
        w.search.setText("beach")
    focus(qtbot, w.tree)
    press(qtbot, w.tree, Qt.Key.Key_U)  # the tree searches again under All, then goes there
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == todo.id)
    assert w.panel.current_filter().chip == "all" and w.search.text() == "beach"


def test_a_dropped_path_that_is_not_a_folder_says_so(open_window, qtbot, tmp_path):
    w = open_window()
    a_file = tmp_path / "photo.jpg"
    a_file.write_bytes(b"x")
    for path, says in ((tmp_path / "nowhere", "does not exist"), (a_file, "is not a folder")):
        told = answer_next_dialog()
        assert w.add_drive(str(path))  # looked at off the GUI thread, answered after
        qtbot.waitUntil(lambda told=told: bool(told), timeout=5000)
        assert says in told[0]
    assert not w.scan_running() and Drive.select().count() == 0


def test_a_decoder_crash_during_a_window_scan_takes_a_worker_not_the_window(
    open_window, qtbot, tmp_path, monkeypatch
):
    from luna_desktop.scan import read_pool
    from tests.crashing_reader import CRASH_NAME, read_files_or_die

    monkeypatch.setattr(read_pool, "read_files", read_files_or_die)
    card = tmp_path / "Card"
    for name in ("a.jpg", CRASH_NAME, "b.jpg"):  # three files: a scan far below the threshold
        make_jpeg(card / name)
    w = open_window()
    with qtbot.waitSignal(w.scans.ended, timeout=60000):
        w.start_scan(card, "Card")
    crashed = FileEntry.get(FileEntry.filename == CRASH_NAME)
    assert "crashed the metadata reader" in crashed.error
    for name in ("a.jpg", "b.jpg"):
        read = FileEntry.get(FileEntry.filename == name)
        assert read.error is None and read.width == 64
        assert read.extra["reader_pid"] != os.getpid()  # read in a worker, never here
