"""The curation window, driven by keys as a curator drives it, on a scanned corpus copy."""

import shutil

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from luna_desktop.catalog import curation
from luna_desktop.catalog.models import Drive, EditLog, FileEntry, ScanRun
from luna_desktop.catalog.status import Status
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan
from tests.ui_helpers import answer_conflict, answer_next_dialog

TUSCANY = "2008 Tuscany Trip"


@pytest.fixture
def drive_copy(tmp_path, corpus):
    root = tmp_path / "Corpus"
    shutil.copytree(corpus, root)
    return root


@pytest.fixture
def window(qtbot, catalog, drive_copy):
    run_scan(drive_copy, drive="Corpus")
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    yield w
    # Closed here, not by qtbot: closing must not stop on the unsaved-edits question.
    w.form.revert()
    w.scans.cancel()
    w.close()
    w.deleteLater()


def entry(folder, name):
    return FileEntry.get((FileEntry.folder == folder) & (FileEntry.filename == name))


def open_file(w, qtbot, folder, name):
    assert w.select_file(entry(folder, name))
    w.tree.setFocus()
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.filename == name)


def folder_counts(w, path):
    node = w.model._folders[path]
    return w.model.index_of(node, 1).data()


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, key, modifier)
    QApplication.processEvents()


def test_the_whole_loop_by_keys(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0010.jpg")
    press(qtbot, w.tree, Qt.Key.Key_J)
    assert w.current_file.filename == "DSCN0012.jpg"
    press(qtbot, w.tree, Qt.Key.Key_K)
    assert w.current_file.filename == "DSCN0010.jpg"
    assert folder_counts(w, TUSCANY) == "0/5"

    press(qtbot, w.tree, Qt.Key.Key_2)
    assert w.form.value().status == Status.UPLOAD
    press(qtbot, w.tree, Qt.Key.Key_T)
    assert w.form.title.hasFocus()
    qtbot.keyClicks(w.form.title, "Harbour at dusk")
    assert w.form.is_dirty() and w.isWindowModified()
    press(qtbot, w.form.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    saved = entry(TUSCANY, "DSCN0010.jpg")
    assert saved.status == Status.UPLOAD and saved.title == "Harbour at dusk"
    assert saved.reviewed_by == "ada" and saved.reviewed_at is not None and saved.version == 2
    assert {(e.field, e.new_value) for e in EditLog.select().where(EditLog.file == saved)} == {
        ("status", "upload"),
        ("title", "Harbour at dusk"),
    }
    assert w.current_file.filename == "DSCN0012.jpg"
    assert folder_counts(w, TUSCANY) == "1/5"
    assert not w.form.is_dirty()
    # The tree shows the new status at once.
    index = w.model.file_index(saved.id)
    assert index.siblingAtColumn(1).data() == "Upload"


def test_single_keys_type_in_text_fields(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0010.jpg")
    press(qtbot, w.tree, Qt.Key.Key_N)
    assert w.form.notes.hasFocus()
    qtbot.keyClicks(w.form.notes, "jk 12 u")
    assert w.form.notes.toPlainText() == "jk 12 u"
    assert w.current_file.filename == "DSCN0010.jpg"
    assert w.form.value().status == Status.UNREVIEWED
    # Ctrl+S works from inside the notes.
    press(qtbot, w.form.notes, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert entry(TUSCANY, "DSCN0010.jpg").notes == "jk 12 u"


def test_esc_discards_pending_edits(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0010.jpg")
    press(qtbot, w.tree, Qt.Key.Key_T)
    qtbot.keyClicks(w.form.title, "oops")
    press(qtbot, w.form.title, Qt.Key.Key_Escape)
    assert w.form.title.text() == "" and not w.form.is_dirty()


def test_u_jumps_to_the_next_unreviewed_file_across_folders(window, qtbot):
    w = window
    # Read in full before writing: a write while this query's cursor is still open
    # would have to upgrade its read snapshot, which a commit by the window's watch in
    # between makes stale (SQLITE_BUSY_SNAPSHOT).
    for row in list(FileEntry.select().where(FileEntry.folder == TUSCANY)):
        if row.filename != "DSCN0010.jpg":
            curation.replace(row.id, curation.Curation(status=int(Status.KEEP_OFFLINE)), "bob")
    w.model.reload()
    open_file(w, qtbot, TUSCANY, "DSCN0010.jpg")
    press(qtbot, w.tree, Qt.Key.Key_1)
    press(qtbot, w.tree, Qt.Key.Key_U)  # unsaved? no: 1 keeps the status as it was
    assert w.current_file.folder == "2012-06 Dublin"
    assert w.current_file.filename == "Canon Powershot S90.jpg"


@pytest.mark.parametrize("way_out", ["j", "k", "u", "click", "drive", "filter"])
def test_unsaved_edits_guard_every_way_out(window, qtbot, tmp_path, way_out):
    w = window
    other = tmp_path / "Other"
    make_jpeg(other / "x.jpg")
    run_scan(other, drive="Other")
    w.reload_drives(select="Corpus")
    open_file(w, qtbot, TUSCANY, "DSCN0012.jpg")
    press(qtbot, w.tree, Qt.Key.Key_T)
    qtbot.keyClicks(w.form.title, "typed")
    w.tree.setFocus()

    def leave():
        if way_out in ("j", "k", "u"):
            press(qtbot, w.tree, getattr(Qt.Key, f"Key_{way_out.upper()}"))
        elif way_out == "click":
            target = w.model.file_index(entry(TUSCANY, "DSCN0025.jpg").id)
            rect = w.tree.visualRect(target)
            qtbot.mouseClick(w.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        elif way_out == "drive":
            w.drive_combo.setCurrentIndex(
                w.drive_combo.findData(Drive.get(Drive.name == "Other").id)
            )
        else:
            w.findChild(type(w.chips.buttons()[0]), "chip_unreviewed").click()

    asked = answer_next_dialog(QMessageBox.StandardButton.Cancel)
    leave()
    qtbot.waitUntil(lambda: bool(asked))
    assert "Save your edits to DSCN0012.jpg?" in asked[0]
    assert w.current_file.filename == "DSCN0012.jpg" and w.form.title.text() == "typed"
    assert w.model.drive_id == Drive.get(Drive.name == "Corpus").id

    assert w.chips.checkedButton().property("chip") == "all"

    answer_next_dialog(QMessageBox.StandardButton.Save)
    leave()
    qtbot.waitUntil(lambda: entry(TUSCANY, "DSCN0012.jpg").title == "typed")
    if way_out == "filter":
        assert w.model.file_filter.chip == "unreviewed"
    elif way_out == "drive":
        assert w.model.drive_id == Drive.get(Drive.name == "Other").id
    else:
        assert w.current_file.filename != "DSCN0012.jpg"


def test_discard_answer_drops_the_edits(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0012.jpg")
    press(qtbot, w.tree, Qt.Key.Key_T)
    qtbot.keyClicks(w.form.title, "never mind")
    w.tree.setFocus()
    answer_next_dialog(QMessageBox.StandardButton.Discard)
    press(qtbot, w.tree, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: w.current_file.filename == "DSCN0021.jpg")
    assert entry(TUSCANY, "DSCN0012.jpg").title == ""


def test_closing_with_unsaved_edits_asks(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0012.jpg")
    press(qtbot, w.tree, Qt.Key.Key_N)
    qtbot.keyClicks(w.form.notes, "keep me")
    asked = answer_next_dialog(QMessageBox.StandardButton.Cancel)
    assert not w.close()
    assert asked and w.isVisible()
    answer_next_dialog(QMessageBox.StandardButton.Save)
    assert w.close()
    assert entry(TUSCANY, "DSCN0012.jpg").notes == "keep me"


def test_new_project_group_asks_once(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0010.jpg")
    w.form.group.setFocus()
    qtbot.keyClicks(w.form.group.lineEdit(), "Tuscany 2008")
    asked = answer_next_dialog(QMessageBox.StandardButton.Yes)
    press(qtbot, w.form.group, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert asked and "Tuscany 2008" in asked[0]
    assert entry(TUSCANY, "DSCN0010.jpg").project_group.name == "Tuscany 2008"
    # The next file: the group is known now, so no question.
    assert w.current_file.filename == "DSCN0012.jpg"
    w.form.group.setFocus()
    qtbot.keyClicks(w.form.group.lineEdit(), "Tuscany 2008")
    press(qtbot, w.form.group, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.activeModalWidget() is None
    assert entry(TUSCANY, "DSCN0012.jpg").project_group.name == "Tuscany 2008"


def test_filter_chips_and_search(window, qtbot, drive_copy):
    w = window
    (drive_copy / TUSCANY / "DSCN0027.jpg").unlink()
    run_scan(drive_copy, drive="Corpus")
    row = entry("2012-06 Dublin", "Nokia Lumia 800.jpg")
    curation.replace(row.id, curation.Curation(status=int(Status.NEEDS_ATTENTION)), "bob")

    def visible_files():
        names = []
        for node in w.model._folders.values():
            index = w.model.index_of(node)
            if w.model.canFetchMore(index):
                w.model.fetchMore(index)
            names += [f.row.filename for f in node.files or []]
        return sorted(names)

    w.findChild(type(w.chips.buttons()[0]), "chip_missing").click()
    assert visible_files() == ["DSCN0027.jpg"]
    w.findChild(type(w.chips.buttons()[0]), "chip_needs_attention").click()
    assert visible_files() == ["Nokia Lumia 800.jpg"]
    w.findChild(type(w.chips.buttons()[0]), "chip_all").click()
    qtbot.keyClicks(w.search, "dscn00")
    qtbot.waitUntil(
        lambda: visible_files() == ["DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg", "DSCN0025.jpg"]
    )
    w.search.clear()
    qtbot.keyClicks(w.search, "ireland")  # an IPTC keyword
    qtbot.waitUntil(lambda: visible_files() == ["Canon Powershot S90.jpg", "Nokia Lumia 800.jpg"])


def test_dropping_a_folder_scans_it_and_fills_the_tree(window, qtbot, tmp_path):
    w = window
    dropped = tmp_path / "Card 7"
    for i in range(12):
        make_jpeg(dropped / "DCIM" / f"IMG_{i:04d}.jpg", color=(i * 9, 80, 120))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    asked = answer_next_dialog(text="Card Seven")
    enter = QDragEnterEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(w, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(w, event)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert "Name the drive" in asked[0]
    qtbot.waitUntil(lambda: not w.scan_running(), timeout=60000)
    drive = Drive.get(Drive.name == "Card Seven")
    assert drive.total_files == 12
    assert w.drive_combo.currentData() == drive.id
    assert w.model.root.total == 12 and w.model.folder_index("DCIM") is not None
    assert w.tree.currentIndex() == w.model.folder_index("DCIM")  # ready for j at once
    w.panel.step_file(1)
    assert w.current_file.filename == "IMG_0000.jpg"


def test_cancelling_a_scan(window, qtbot, tmp_path):
    w = window
    big = tmp_path / "Big"
    source = make_jpeg(tmp_path / "src.jpg", size=(320, 240))
    data = source.read_bytes()
    for i in range(1500):
        folder = big / f"roll{i // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i}.jpg").write_bytes(data + b"%06d" % i)
    cancel = w.actions_by_id[next(a for a in w.actions_by_id if a.name == "CANCEL_SCAN")]
    # Cancel as soon as the first progress arrives, the way a curator's click would.
    w.scans.progressed.connect(lambda _p: cancel.trigger())
    w.add_drive(str(big), name="Big")
    qtbot.waitUntil(lambda: w.scans.status.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: not w.scan_running(), timeout=60000)
    run = ScanRun.select().join(Drive).where(Drive.name == "Big").get()
    assert run.state == "cancelled"
    assert FileEntry.select().join(Drive).where(Drive.name == "Big").count() < 1500
    assert not w.scans.status.isVisible()
    assert "Scan cancelled: " in w.statusBar().currentMessage()


def test_f1_and_question_mark_open_the_shortcuts_sheet(window, qtbot):
    w = window
    w.tree.setFocus()
    seen = answer_next_dialog()
    press(qtbot, w.tree, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == ["ShortcutsSheet"]
    seen = answer_next_dialog()
    press(qtbot, w.tree, Qt.Key.Key_Question)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == ["ShortcutsSheet"]


def test_layout_and_last_place_persist_across_a_restart(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0021.jpg")
    w.resize(780, 560)  # within the offscreen screen, which clamps restored geometry
    w.main_split.setSizes([300, 480])
    sizes = w.main_split.sizes()
    w.close()
    again = MainWindow(Settings())
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.main_split.sizes() == sizes
    assert again.current_file is not None and again.current_file.filename == "DSCN0021.jpg"


def test_unmounted_drive_still_browses_and_says_why_there_is_no_preview(window, qtbot, drive_copy):
    w = window
    drive_copy.rename(drive_copy.with_name("unplugged"))
    w.reload_drives(select="Corpus")
    qtbot.waitUntil(lambda: "offline" in w.drive_combo.currentText())
    open_file(w, qtbot, TUSCANY, "DSCN0010.jpg")
    qtbot.waitUntil(lambda: "not mounted" in w.preview.placeholder_text.lower())
    # Curation goes on without the drive.
    press(qtbot, w.tree, Qt.Key.Key_5)
    press(qtbot, w.tree, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert entry(TUSCANY, "DSCN0010.jpg").status == Status.DISCARD


def test_preview_paints_the_selected_image(window, qtbot):
    w = window
    with qtbot.waitSignal(w.preview.rendered, timeout=10000) as blocker:
        open_file(w, qtbot, "Orientation Test", "landscape_6.jpg")
    assert blocker.args == [entry("Orientation Test", "landscape_6.jpg").id]


def test_a_damaged_catalogue_is_reported_at_start(tmp_path, monkeypatch):
    from luna_desktop.ui import app as app_module

    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    shown = []
    from PySide6.QtWidgets import QMessageBox as Box

    monkeypatch.setattr(Box, "critical", lambda _parent, _title, text: shown.append(text))
    assert app_module.main(["luna-desktop", "--catalog", str(bad)]) == 1
    assert shown and "damaged or is not a Luna catalogue" in shown[0]
    assert bad.read_bytes() == b"not a database at all" * 100


def test_a_scan_ending_never_touches_the_form(window, qtbot, tmp_path, drive_copy):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0012.jpg")
    press(qtbot, w.tree, Qt.Key.Key_T)
    qtbot.keyClicks(w.form.title, "half-typed")
    other = tmp_path / "Other"
    make_jpeg(other / "x.jpg")
    for root, name in [(other, "Other"), (drive_copy, "Corpus")]:  # another drive, then this one
        w.start_scan(root, name)
        qtbot.waitUntil(lambda: not w.scan_running(), timeout=60000)
        assert w.model_drive_name() == "Corpus"
        assert w.current_file.filename == "DSCN0012.jpg"
        assert w.form.title.text() == "half-typed" and w.form.is_dirty()
    assert w.drive_combo.findText("Other") >= 0


def test_a_locked_catalogue_keeps_the_edits_and_says_so(window, qtbot, catalog, tmp_path):
    import sqlite3

    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0012.jpg")
    press(qtbot, w.tree, Qt.Key.Key_T)
    qtbot.keyClicks(w.form.title, "precious words")
    catalog.execute_sql("PRAGMA busy_timeout=200")
    holder = sqlite3.connect(catalog.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        asked = answer_next_dialog(QMessageBox.StandardButton.Ok)
        press(qtbot, w.form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: bool(asked))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "could not be written" in asked[0]
    assert w.form.title.text() == "precious words" and w.form.is_dirty()
    press(qtbot, w.form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert entry(TUSCANY, "DSCN0012.jpg").title == "precious words"


def test_u_ignores_the_chip_but_keeps_the_search(window, qtbot):
    w = window
    w.findChild(type(w.chips.buttons()[0]), "chip_upload").click()
    assert w.tree_stack.currentWidget() is w.empty_note  # nothing is for upload yet
    w.empty_note.setFocus()
    press(qtbot, w.empty_note, Qt.Key.Key_U)
    assert w.current_file is not None and w.current_file.status == Status.UNREVIEWED


def test_dropping_a_known_drive_rescans_it_under_its_own_name(window, qtbot, drive_copy):
    w = window
    moved = drive_copy.rename(drive_copy.with_name("mounted-elsewhere"))
    asked = answer_next_dialog(QMessageBox.StandardButton.Yes)
    assert w.add_drive(str(moved))
    qtbot.waitUntil(lambda: bool(asked))  # asked once Luna has looked at the drive
    assert "This is the drive “Corpus”" in asked[0]
    qtbot.waitUntil(lambda: not w.scan_running(), timeout=60000)
    assert Drive.select().count() == 1
    assert Drive.get().mount_path == str(moved.resolve())
    # The drive's scan, not the live watch's run that may have started right after it.
    scan = ScanRun.select().where(ScanRun.counts.is_null(False)).order_by(ScanRun.id.desc())
    assert scan.get().counts["unchanged"] == 65


def test_saves_merge_field_by_field_with_a_save_made_elsewhere(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0021.jpg")
    row = entry(TUSCANY, "DSCN0021.jpg")
    # Someone else saves other fields of the same file meanwhile.
    curation.replace(row.id, curation.Curation(notes="their note", status=3), "bob")
    press(qtbot, w.tree, Qt.Key.Key_T)
    qtbot.keyClicks(w.form.title, "mine")
    press(qtbot, w.form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.activeModalWidget() is None  # nothing to ask: both are kept
    saved = entry(TUSCANY, "DSCN0021.jpg")
    assert (saved.title, saved.notes, saved.status) == ("mine", "their note", 3)
    assert w.form.notes.toPlainText() == "their note" and not w.form.is_dirty()
    assert "kept the" in w.statusBar().currentMessage()


def test_a_field_both_changed_is_asked_side_by_side(window, qtbot):
    w = window
    open_file(w, qtbot, TUSCANY, "DSCN0021.jpg")
    row = entry(TUSCANY, "DSCN0021.jpg")
    curation.replace(row.id, curation.Curation(title="theirs", notes="their note"), "bob")
    press(qtbot, w.tree, Qt.Key.Key_T)
    qtbot.keyClicks(w.form.title, "mine")
    # Keep editing: nothing is written, their untouched note shows, my title stays.
    asked = answer_conflict(save=False)
    press(qtbot, w.form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(asked))
    assert asked == [("title", "theirs", "mine")]
    assert entry(TUSCANY, "DSCN0021.jpg").title == "theirs"
    assert w.form.title.text() == "mine" and w.form.notes.toPlainText() == "their note"
    # Again, after bob saves once more; this time theirs stands for the title.
    curation.replace(row.id, curation.Curation(title="theirs again", notes="their note"), "bob")
    asked = answer_conflict({"title": False})
    press(qtbot, w.form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(asked))
    assert asked == [("title", "theirs again", "mine")]
    assert entry(TUSCANY, "DSCN0021.jpg").title == "theirs again"
    assert w.form.title.text() == "theirs again" and not w.form.is_dirty()
    # And once more with mine chosen: the edit log holds every save.
    curation.replace(row.id, curation.Curation(title="third", notes="their note"), "bob")
    w.form.title.setFocus()
    w.form.title.selectAll()
    qtbot.keyClicks(w.form.title, "my final title")
    asked = answer_conflict({"title": True})
    press(qtbot, w.form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(asked))
    assert entry(TUSCANY, "DSCN0021.jpg").title == "my final title"
    log = [(e.new_value, e.by) for e in EditLog.select().where(EditLog.field == "title")]
    assert log == [
        ("theirs", "bob"),
        ("theirs again", "bob"),
        ("third", "bob"),
        ("my final title", "ada"),
    ]


@pytest.mark.parametrize("layout", ["flat", "subfolders", "mixed"])
def test_a_drive_shows_its_root_files_whatever_else_it_holds(qtbot, catalog, tmp_path, layout):
    card = tmp_path / "100CANON"
    root_names = [f"IMG_{i:04d}.JPG" for i in range(5)] if layout != "subfolders" else []
    for name in root_names:
        make_jpeg(card / name)
    if layout != "flat":
        make_jpeg(card / "Edits" / "crop.jpg")
    run_scan(card, drive="Card")
    # As after a restart: a new window on the catalogue.
    w = MainWindow(Settings())
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    assert w.tree_stack.currentWidget() is w.tree
    shown = [w.model.index(r, 0).data() for r in range(w.model.rowCount())]
    assert shown == (["Edits"] if layout != "flat" else []) + root_names
    if root_names:
        first = w.model.index(len(shown) - len(root_names), 0)
        w.tree.setCurrentIndex(first)
        w.tree.setFocus()
        qtbot.waitUntil(lambda: w.current_file is not None and w.tree.hasFocus())
        press(qtbot, w.tree, Qt.Key.Key_J)
        assert w.current_file.filename == root_names[1]
    assert w.model.root.total == len(root_names) + (layout != "flat")
