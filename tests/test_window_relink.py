"""The window's side of missing and moved files: Add Drive on a copy of a known drive
asks which it is (both answers work, from the mouse and the keyboard), and the Missing
Files Found Elsewhere dialog relinks or declines with one click or one key."""

import shutil

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QPushButton

from luna_desktop.catalog import curation
from luna_desktop.catalog.models import Drive, FileEntry, RelinkDecline
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.relink_offers import RelinkOffersDialog
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import row, run_scan


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


@pytest.fixture
def field(tmp_path):
    """A drive of eight files in four folders, catalogued as "Field"."""
    root = tmp_path / "Field"
    for i in range(8):
        make_jpeg(root / f"day {i % 4}" / f"{i}.jpg", color=(i, 40, 90))
    run_scan(root, drive="Field")
    return root


def answer_copy_question(button: str | None, name: str | None = None, keys: bool = False):
    """Answer the copy question (click `button`, or press Enter when `keys`), then the
    name question that may follow (type `name`, or keep the suggestion). Returns what
    was asked: the question's text and informative text, then the name dialog's
    suggestion."""
    seen: list[str] = []

    def name_dialog(attempts: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            if attempts < 300:
                QTimer.singleShot(10, lambda: name_dialog(attempts + 1))
            return
        seen.append(dialog.textValue())
        if name is not None:
            dialog.setTextValue(name)
        if keys:
            QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
        else:
            dialog.accept()

    def question(attempts: int = 0) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            if attempts < 300:
                QTimer.singleShot(10, lambda: question(attempts + 1))
            return
        seen.extend([box.text(), box.informativeText()])
        QTimer.singleShot(0, name_dialog)
        target = box.findChild(QPushButton, button) if button else None
        if keys:
            QTest.keyClick(box, Qt.Key.Key_Return)
        elif target is not None:
            target.click()
        else:
            box.done(0)  # not the question expected: the test fails on what it saw

    QTimer.singleShot(0, question)
    return seen


def test_adding_a_copy_as_the_same_drive_moves_the_drive_there(open_window, qtbot, field, tmp_path):
    copy = tmp_path / "new disk"
    shutil.copytree(field, copy)
    w = open_window()
    seen = answer_copy_question("copy_same_drive")
    with qtbot.waitSignal(w.scans.ended, timeout=60000):
        assert w.add_drive(str(copy))
        qtbot.waitUntil(lambda: len(seen) >= 2)
        assert seen[0] == "This looks like a copy of “Field” (8 of 8 sampled files match)."
        assert f"“Field” itself is still at {field.resolve()}" in seen[1]
    assert [d.name for d in Drive.select()] == ["Field"]
    assert Drive.get().mount_path == str(copy.resolve())
    assert FileEntry.select().where(FileEntry.present == True).count() == 8  # noqa: E712


def test_adding_a_partial_copy_as_a_second_drive_asks_its_name(open_window, qtbot, field, tmp_path):
    copy = tmp_path / "half"
    shutil.copytree(
        field, copy, ignore=lambda d, names: [n for n in names if n in ("day 1", "day 3")]
    )
    w = open_window()
    seen = answer_copy_question("copy_second_drive", name="Field backup")
    with qtbot.waitSignal(w.scans.ended, timeout=60000):
        assert w.add_drive(str(copy))
        qtbot.waitUntil(lambda: len(seen) >= 3)
        assert seen[0] == (
            "This looks like a partial copy of “Field” (50 %: 4 of 8 sampled files match)."
        )
        assert seen[2] == "Field copy"  # the suggested name
    assert sorted(d.name for d in Drive.select()) == ["Field", "Field backup"]
    assert Drive.get(Drive.name == "Field").mount_path == str(field.resolve())
    assert Drive.get(Drive.name == "Field backup").total_files == 4
    # Field is untouched: nothing of it was marked missing.
    assert not FileEntry.select().where(FileEntry.present == False).exists()  # noqa: E712


def test_the_copy_question_answers_from_the_keyboard(open_window, qtbot, field, tmp_path):
    copy = tmp_path / "backup"
    shutil.copytree(field, copy)
    w = open_window()
    # Enter takes the safe default, a second drive, and Enter again its suggested name.
    seen = answer_copy_question(None, keys=True)
    with qtbot.waitSignal(w.scans.ended, timeout=60000):
        assert w.add_drive(str(copy))
        qtbot.waitUntil(lambda: len(seen) >= 3)
        assert seen[0].startswith("This looks like a copy of “Field”")
        assert seen[2] == "Field copy"
    assert sorted(d.name for d in Drive.select()) == ["Field", "Field copy"]
    assert Drive.get(Drive.name == "Field").mount_path == str(field.resolve())


@pytest.fixture
def two_candidates(catalog, tmp_path):
    """x.jpg, titled, is gone from A; B holds two copies that came after."""
    a, b = tmp_path / "A", tmp_path / "B"
    make_jpeg(a / "x.jpg", color=(9, 8, 7))
    make_jpeg(b / "own.jpg", color=(4, 5, 6))
    run_scan(a, drive="A")
    run_scan(b, drive="B")
    x = row("", "x.jpg")
    curation.set_fields([x.id], {"title": "Kept"}, "ada")
    for folder in ("one", "two"):
        (b / folder).mkdir()
        shutil.copy2(a / "x.jpg", b / folder / "x.jpg")
    (a / "x.jpg").unlink()
    run_scan(a, drive="A")
    assert run_scan(b, drive="B").counts.relink_offers == 1
    return x, row("one", "x.jpg"), row("two", "x.jpg")


@pytest.fixture
def offers_dialog(qtbot):
    def make():
        dialog = RelinkOffersDialog(None, curator="ada")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: bool(dialog.offers) or "No missing" in dialog.note.text())
        return dialog

    return make


def test_the_offers_dialog_declines_with_delete_and_relinks_with_one_click(
    offers_dialog, qtbot, two_candidates
):
    x, one, two = two_candidates
    dialog = offers_dialog()
    top = dialog.tree.topLevelItem(0)
    assert top.text(0) == "Missing: x.jpg" and top.text(1) == "A"
    assert "Unreviewed — “Kept”" in top.text(3)
    assert [top.child(i).text(0) for i in range(2)] == ["→ one/x.jpg", "→ two/x.jpg"]
    assert dialog.tree.currentItem() is top.child(0)  # ready for Enter or Delete

    dialog.tree.setFocus()
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: RelinkDecline.select().exists())
    qtbot.waitUntil(lambda: dialog.tree.topLevelItem(0).childCount() == 1)
    assert RelinkDecline.get().declined_by == "ada"
    assert "will not be offered" in dialog.note.text()

    with qtbot.waitSignal(dialog.changed, timeout=10000):
        dialog.findChild(QPushButton, f"relink_{x.id}_{two.id}").click()
    kept = FileEntry.get_by_id(x.id)
    assert (kept.drive.name, kept.folder, kept.title, kept.present) == ("B", "two", "Kept", True)
    assert FileEntry.get_by_id(one.id).present  # declined: it stays, a copy
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 0)
    assert "No missing file" in dialog.note.text()
    assert not dialog.relink_button.isEnabled()


def test_enter_relinks_the_selected_candidate(offers_dialog, qtbot, two_candidates):
    x, one, _two = two_candidates
    dialog = offers_dialog()
    dialog.tree.setFocus()
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)
    assert FileEntry.get_by_id(x.id).folder == "one"
    assert not FileEntry.select().where(FileEntry.id == one.id).exists()


def test_a_stale_offer_says_why_and_the_list_is_read_again(offers_dialog, qtbot, two_candidates):
    x, one, _two = two_candidates
    dialog = offers_dialog()
    FileEntry.update(present=True, missing_since=None).where(FileEntry.id == x.id).execute()
    dialog.findChild(QPushButton, f"relink_{x.id}_{one.id}").click()
    qtbot.waitUntil(lambda: "Not done:" in dialog.note.text())
    assert "not missing any more" in dialog.note.text()
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 0)
    assert FileEntry.get_by_id(one.id).present
