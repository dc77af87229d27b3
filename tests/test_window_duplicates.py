"""The window side of duplicates: the panel (Ctrl+Shift+D), the copy marks in the tree,
and the report of files on one drive only. A real window over two drives scanned from
folders made here, one holding byte-identical copies of the other's photo."""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog import curation, duplicate_views, duplicates
from luna_desktop.catalog.models import Drive, DuplicateGroup, EditLog, FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.ui import duplicate_groups
from luna_desktop.ui.actions import ActionId
from luna_desktop.ui.copies_report import CopiesReport
from luna_desktop.ui.duplicates_panel import DuplicatesPanel
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.mount_watch import Mount
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan

ROME = "2019 Rome"
OLD = "old archive"


def _collision_pair() -> tuple[bytes, bytes]:
    """Equal size, equal first and last 64 KiB (all oshash reads), different middles."""
    rng = random.Random(11)
    head, tail = rng.randbytes(65536), rng.randbytes(65536)
    return head + b"\x01" * 4096 + tail, head + b"\x02" * 4096 + tail


@pytest.fixture
def drives(tmp_path) -> tuple[Path, Path]:
    archive, backup = tmp_path / "Archive", tmp_path / "Backup"
    (archive / ROME).mkdir(parents=True)
    (backup / OLD).mkdir(parents=True)
    make_jpeg(archive / ROME / "IMG_1.jpg", size=(320, 240))
    shutil.copy(archive / ROME / "IMG_1.jpg", backup / OLD / "IMG_1.jpg")
    make_jpeg(archive / ROME / "IMG_2.jpg", color=(20, 160, 60))  # on the archive only
    return archive, backup


def _open_window(qtbot, archive: Path, backup: Path) -> MainWindow:
    run_scan(archive, "Archive")  # first by name: the primary by the default rule (largest)
    run_scan(backup, "Backup")
    duplicates.refresh_groups()  # scans may not refresh the groups by themselves yet
    settings = Settings()
    settings.curator_name = "ada"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def window(qtbot, catalog, drives):
    w = _open_window(qtbot, *drives)
    yield w
    _close(w)


def _close(w: MainWindow) -> None:
    w.form.revert()
    for tool in (*w.findChildren(DuplicatesPanel), *w.findChildren(CopiesReport)):
        tool.close()
    w.close()
    w.deleteLater()


def _file(drive: str, name: str) -> FileEntry:
    return (
        FileEntry.select()
        .join(Drive)
        .where((Drive.name == drive) & (FileEntry.filename == name))
        .get()
    )


def open_panel(w: MainWindow, qtbot) -> DuplicatesPanel:
    w.activateWindow()  # a window shortcut works in the active window
    qtbot.waitUntil(w.isActiveWindow)
    w.tree.setFocus()
    qtbot.keyClick(
        w.tree,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    panel = w.findChild(DuplicatesPanel)
    assert panel is not None and panel.isVisible()
    qtbot.waitUntil(lambda: panel.view is not None)
    return panel


def tree_mark(w: MainWindow, entry: FileEntry) -> tuple[str, str]:
    """The status column's text and the row's tooltip, for a file on the drive shown."""
    index = w.model.find_file(entry.id, entry.folder)
    assert index.isValid()
    status = w.model.index(index.row(), 1, index.parent())
    return status.data(), index.data(Qt.ItemDataRole.ToolTipRole)


def show_drive(w: MainWindow, name: str) -> None:
    """Choose a drive in the selector, as a curator does."""
    w.drive_combo.setCurrentIndex(w.drive_combo.findData(Drive.get(Drive.name == name).id))
    assert w.panel.drive_name() == name


def pick(panel: DuplicatesPanel, drive: str) -> None:
    """Select a member of the shown group by its drive, with the arrow keys."""
    view = panel.kept_view
    view.setFocus()
    view.setCurrentIndex(view.model().index(0))
    for _ in range(len(panel.kept_model.members)):
        if panel.picked is not None and panel.picked.member.drive == drive:
            return
        view.keyPressEvent(_key(Qt.Key.Key_Right))
    assert panel.picked is not None and panel.picked.member.drive == drive


def _key(key):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)


def test_the_panel_shows_the_group_side_by_side_and_the_tree_marks_the_copy(window, qtbot):
    w = window
    primary, copy = _file("Archive", "IMG_1.jpg"), _file("Backup", "IMG_1.jpg")
    panel = open_panel(w, qtbot)
    assert panel.windowTitle() == "Duplicates — 1 group"
    assert panel.groups.rows[0].filename == "IMG_1.jpg"
    members = panel.kept_model.members
    assert [(m.member.drive, m.role) for m in members] == [
        ("Archive", "primary"),
        ("Backup", "copy"),
    ]
    lines = panel.kept_model.lines(members[0])
    assert lines[0] == "★ Primary: the largest file"
    assert lines[2] == f"{ROME}/IMG_1.jpg" and lines[4] == "Content: not hashed yet"
    assert "Not confirmed" in panel.state.text()
    assert not panel.split_view.isVisible()
    # A small preview of each member, decoded in the preview's worker process.
    qtbot.waitUntil(lambda: {primary.id, copy.id} <= set(panel.kept_model.thumbs), timeout=20000)
    thumb = panel.kept_model.thumbs[copy.id]
    assert (thumb.width(), thumb.height()) == (160, 120)  # 320 × 240 fitted in the card

    # The tree (on Archive, the first drive by name) does not mark the primary…
    assert w.panel.drive_name() == "Archive"
    text, tip = tree_mark(w, primary)
    assert text == "" and "A copy" not in tip
    assert tree_mark(w, _file("Archive", "IMG_2.jpg"))[0] == ""
    # …and Show in Tree takes the curator to the copy, on the other drive: marked.
    pick(panel, "Backup")
    panel.tree_button.click()
    assert w.panel.drive_name() == "Backup" and w.current_file.id == copy.id
    text, tip = tree_mark(w, copy)
    assert text == "copy"
    assert f"A copy: the primary is on Archive:{ROME}/IMG_1.jpg" in tip
    assert "not compared yet" in tip


def test_make_primary_changes_the_primary_and_survives_a_refresh(window, qtbot):
    w = window
    primary, copy = _file("Archive", "IMG_1.jpg"), _file("Backup", "IMG_1.jpg")
    panel = open_panel(w, qtbot)
    pick(panel, "Backup")
    assert panel.primary_button.isEnabled()
    panel.primary_button.click()
    qtbot.waitUntil(lambda: panel.view.primary.id == copy.id)
    group = DuplicateGroup.get()
    assert (group.primary_id, group.chosen_by) == (copy.id, "manual")
    assert "now the primary, chosen by hand" in panel.message_text
    assert panel.kept_model.lines(panel.view.primary)[0] == "★ Primary: chosen by hand"
    # The list row and the tree (on Archive) follow at once: the old primary is a copy.
    qtbot.waitUntil(lambda: panel.groups.rows[0].chosen_by == "manual")
    text, tip = tree_mark(w, primary)
    assert text == "copy" and f"the primary is on Backup:{OLD}/IMG_1.jpg" in tip

    duplicates.refresh_groups()
    group = DuplicateGroup.get()
    assert (group.primary_id, group.chosen_by) == (copy.id, "manual")
    pick(panel, "Backup")
    panel.tree_button.click()
    assert tree_mark(w, copy)[0] == ""  # the new primary is not marked


def test_a_status_for_all_copies_is_one_change_undone_at_once(window, qtbot):
    w = window
    primary, copy = _file("Archive", "IMG_1.jpg"), _file("Backup", "IMG_1.jpg")
    show_drive(w, "Backup")
    panel = open_panel(w, qtbot)
    panel.status_combo.setCurrentIndex(panel.status_combo.findData(int(Status.KEEP_OFFLINE)))
    panel.apply_button.click()
    qtbot.waitUntil(lambda: "Keep offline set on 1 copy" in panel.message_text)
    statuses = {(f.drive.name, f.filename): f.status for f in FileEntry.select()}
    assert statuses == {
        ("Archive", "IMG_1.jpg"): Status.UNREVIEWED,
        ("Archive", "IMG_2.jpg"): Status.UNREVIEWED,
        ("Backup", "IMG_1.jpg"): Status.KEEP_OFFLINE,
    }
    assert _file("Backup", "IMG_1.jpg").reviewed_by == "ada"
    assert FileEntry.get_by_id(copy.id).content_hash is None  # not a discard: no hashing
    assert tree_mark(w, copy)[0] == "Keep offline"  # the tree shows it at once
    assert EditLog.select().count() == 1
    undone = curation.undo_last("ada")
    assert undone is not None and undone.files == 1
    assert FileEntry.get_by_id(copy.id).status == Status.UNREVIEWED
    assert FileEntry.get_by_id(primary.id).status == Status.UNREVIEWED


def test_discarding_an_unconfirmed_copy_hashes_both_first(window, qtbot, drives):
    w = window
    archive, _backup = drives
    primary, copy = _file("Archive", "IMG_1.jpg"), _file("Backup", "IMG_1.jpg")
    show_drive(w, "Backup")
    panel = open_panel(w, qtbot)
    assert Status(panel.status_combo.currentData()) is Status.DISCARD  # the usual decision
    panel.apply_button.click()
    qtbot.waitUntil(lambda: "Discard set on 1 copy" in panel.message_text)
    digest = hashlib.sha256((archive / ROME / "IMG_1.jpg").read_bytes()).hexdigest()
    assert FileEntry.get_by_id(primary.id).content_hash == digest
    assert FileEntry.get_by_id(copy.id).content_hash == digest
    assert DuplicateGroup.get().confirmed
    assert FileEntry.get_by_id(copy.id).status == Status.DISCARD
    assert FileEntry.get_by_id(primary.id).status == Status.UNREVIEWED
    assert "Confirmed" in panel.state.text() and not panel.confirm_button.isEnabled()
    assert panel.kept_model.lines(panel.view.copies[0])[4] == "Content: same as the primary"
    text, tip = tree_mark(w, copy)
    assert text == "Discard" and "Same content, checked byte for byte" in tip


def test_a_group_whose_contents_differ_is_split_and_only_copies_are_discarded(
    qtbot, catalog, tmp_path
):
    one, other = _collision_pair()
    archive, backup = tmp_path / "Archive", tmp_path / "Backup"
    for path, data in (
        (archive / "one.bin", one),
        (backup / "copy of one.bin", one),
        (backup / "impostor.bin", other),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    w = _open_window(qtbot, archive, backup)
    try:
        show_drive(w, "Backup")
        panel = open_panel(w, qtbot)
        assert len(panel.view.kept) == 3 and not panel.view.split  # oshash proposes all three
        impostor = _file("Backup", "impostor.bin")
        assert tree_mark(w, impostor)[0] == "copy"
        panel.apply_button.click()  # Discard, on a group not confirmed
        qtbot.waitUntil(lambda: "Discard set on 1 copy" in panel.message_text)
        assert "split off" in panel.message_text and "Backup:impostor.bin" in panel.message_text
        assert FileEntry.get_by_id(impostor.id).status == Status.UNREVIEWED
        assert _file("Backup", "copy of one.bin").status == Status.DISCARD
        assert _file("Archive", "one.bin").status == Status.UNREVIEWED
        # Shown apart, with a plain explanation.
        assert panel.split_view.isVisible() and panel.split_note.isVisible()
        assert "Different content: split off" in panel.split_note.text()
        assert [m.member.filename for m in panel.split_model.members] == ["impostor.bin"]
        assert panel.split_model.lines(panel.split_model.members[0])[0] == (
            "Split off: different content"
        )
        assert [m.member.filename for m in panel.view.kept] == ["one.bin", "copy of one.bin"]
        qtbot.waitUntil(lambda: panel.groups.rows[0].differs)
        assert panel.groups.index(0, 3).data() == "differs: split"
        assert panel.groups.index(0, 1).data() == "2 on 2 drives"  # what the group keeps
        assert tree_mark(w, impostor)[0] == ""  # no longer marked a copy
    finally:
        _close(w)


def test_a_copy_on_an_unmounted_drive_is_not_discarded_and_the_panel_says_why(
    window, qtbot, drives
):
    w = window
    _archive, backup = drives
    backup.rename(backup.with_name("unplugged"))
    w.mounts.check()
    qtbot.waitUntil(lambda: w.mounts.state(str(backup)) is Mount.ABSENT)
    panel = open_panel(w, qtbot)
    assert "Backup — not mounted" in panel.kept_model.lines(panel.view.copies[0])[1]
    panel.apply_button.click()
    qtbot.waitUntil(lambda: "was set on no file" in panel.message_text)
    assert f"Backup:{OLD}/IMG_1.jpg (drive Backup is not mounted)" in panel.message_text
    assert _file("Backup", "IMG_1.jpg").status == Status.UNREVIEWED
    assert _file("Backup", "IMG_1.jpg").content_hash is None
    assert _file("Archive", "IMG_1.jpg").content_hash is not None  # its drive is here


def test_unsaved_edits_on_a_copy_are_never_overwritten(window, qtbot):
    w = window
    copy = _file("Backup", "IMG_1.jpg")
    show_drive(w, "Backup")
    assert w.select_file(copy)
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == copy.id)
    qtbot.keyClicks(w.form.title, "typed, not saved")  # as a curator types
    assert w.form.is_dirty()
    panel = open_panel(w, qtbot)
    panel.status_combo.setCurrentIndex(panel.status_combo.findData(int(Status.RESTRICTED)))
    panel.apply_button.click()
    assert "unsaved edits" in panel.message_text
    assert FileEntry.get_by_id(copy.id).status == Status.UNREVIEWED
    assert w.form.value().title == "typed, not saved"


def test_esc_closes_the_panel_and_the_key_brings_it_back(window, qtbot):
    w = window
    panel = open_panel(w, qtbot)
    assert panel.groups_view.hasFocus() or QApplication.focusWidget() is panel.groups_view
    qtbot.keyClick(panel.groups_view, Qt.Key.Key_Escape)
    assert not panel.isVisible()
    assert open_panel(w, qtbot) is panel


def test_the_copies_report_lists_files_held_on_one_drive(window, qtbot, tmp_path):
    w = window
    w.actions_by_id[ActionId.COPIES_REPORT].trigger()
    report = w.findChild(CopiesReport)
    assert report is not None and report.isVisible()
    qtbot.waitUntil(lambda: report.model.total > 0)
    assert report.windowTitle() == "Files on One Drive Only — 1 file"
    assert [d.name for d in report.model.drives] == ["Archive"]
    drive = report.model.index(0, 0)
    assert drive.data() == "Archive — 1 file"
    qtbot.waitUntil(lambda: report.model.rowCount(drive) == 1)
    row = report.model.index(0, 0, drive)
    assert row.data() == f"{ROME}/IMG_2.jpg"
    report.write_csv(str(tmp_path / "one drive.csv"))  # what Export CSV… writes, off the GUI thread
    qtbot.waitUntil(lambda: "Wrote 1 file to" in report.note.text())
    lines = (tmp_path / "one drive.csv").read_text(encoding="utf-8").splitlines()
    size = _file("Archive", "IMG_2.jpg").size
    assert lines == ["drive,path,size,status", f"Archive,{ROME}/IMG_2.jpg,{size},unreviewed"]

    show_drive(w, "Backup")  # Enter switches the tree to the file's drive
    report.view.setCurrentIndex(row)
    qtbot.keyClick(report.view, Qt.Key.Key_Return)
    assert w.current_file is not None and w.current_file.filename == "IMG_2.jpg"
    assert w.panel.drive_name() == "Archive"


def test_a_long_list_of_groups_is_read_a_page_at_a_time(qtbot, catalog, drives, monkeypatch):
    archive, backup = drives
    # 450 more groups, as catalogue rows (their files need not exist for the list).
    a, b = (Drive.create(name=n, mount_path=f"/nowhere/{n}") for n in ("Card A", "Card B"))
    rows = [
        {"drive": d, "folder": "dcim", "filename": f"P{n:04d}.jpg", "size": 5000 + n,
         "oshash": f"{n + 1:016x}"}
        for n in range(450)
        for d in (a, b)
    ]  # fmt: skip
    for start in range(0, len(rows), 100):
        FileEntry.insert_many(rows[start : start + 100]).execute()
    pages: list[int] = []  # the size of each page read

    def page(*args, **kwargs):
        found = duplicate_views.group_page(*args, **kwargs)
        pages.append(len(found))
        return found

    monkeypatch.setattr(duplicate_groups, "group_page", page)
    w = _open_window(qtbot, archive, backup)
    try:
        panel = open_panel(w, qtbot)
        assert panel.windowTitle() == "Duplicates — 451 groups"
        while panel.groups.rowCount() < 451:
            count = panel.groups.rowCount()
            panel.groups_view.scrollToBottom()  # the view asks for more as it reaches the end
            qtbot.waitUntil(lambda n=count: panel.groups.rowCount() > n)
        assert pages == [200, 200, 51]  # never the whole list at once
        names = [g.filename for g in panel.groups.rows]
        assert names[0] == "IMG_1.jpg"  # Archive sorts first
        assert names[1:] == [f"P{n:04d}.jpg" for n in range(450)]
        panel.groups_view.setCurrentIndex(panel.groups.index(450, 0))
        qtbot.waitUntil(lambda: panel.view.primary.member.filename == "P0449.jpg")
        assert [m.member.drive for m in panel.view.members] == ["Card A", "Card B"]
    finally:
        _close(w)


def test_typing_that_starts_while_the_copies_are_written_is_kept(window, qtbot):
    """Apply was clicked with a clean form; the curator types before the change lands
    (hashing a discard can take minutes): the form keeps the typing."""
    w = window
    copy = _file("Backup", "IMG_1.jpg")
    show_drive(w, "Backup")
    assert w.select_file(copy)
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == copy.id)
    panel = open_panel(w, qtbot)
    panel.status_combo.setCurrentIndex(panel.status_combo.findData(int(Status.RESTRICTED)))
    real = panel._applied

    def typed_first(*args) -> None:  # the change lands after the curator typed
        qtbot.keyClicks(w.form.title, "typed meanwhile")
        real(*args)

    panel._applied = typed_first
    panel.apply_button.click()
    qtbot.waitUntil(lambda: "Restricted set on 1 copy" in panel.message_text)
    assert FileEntry.get_by_id(copy.id).status == Status.RESTRICTED
    assert w.form.value().title == "typed meanwhile" and w.form.is_dirty()
