"""Typed words survive a crash of the window: the drafts journal, end to end."""

import json
import os
import signal
import subprocess
import sys

import psutil
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog.curation import Curation
from luna_desktop.catalog.drafts import Draft, DraftJournal, journal_path
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.scan.relink import relink_moved_files
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from tests.media_factory import make_jpeg
from tests.scanning import run_scan
from tests.ui_helpers import click_in_next_dialog

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def typed_then_killed(tmp_path, catalog):
    """A window in a child process types a title into a.jpg, then is killed with -9."""
    drive = tmp_path / "Drive"
    make_jpeg(drive / "Roll 1" / "a.jpg")
    make_jpeg(drive / "Roll 1" / "b.jpg")
    run_scan(drive, drive="Drive")
    catalog_path = tmp_path / "catalog.sqlite3"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.window_child",
            str(catalog_path),
            "Roll 1",
            "a.jpg",
            "Grandmother's letter, 1952",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "TYPED", child.stderr.read()
        # The window's own processes: the preview's decoder, its fork server, the
        # resource tracker. Killing the window must end every one of them.
        descendants = psutil.Process(child.pid).children(recursive=True)
        assert descendants
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    _gone, alive = psutil.wait_procs(descendants, timeout=5)
    assert not alive, f"left behind: {[p.pid for p in alive]}"
    assert FileEntry.get(FileEntry.filename == "a.jpg").title == ""  # never saved
    return catalog_path


@pytest.fixture
def windows(qtbot):
    opened = []

    def open_window(catalog_path):
        w = MainWindow(Settings(), journal=DraftJournal(journal_path(catalog_path)))
        w.show()
        qtbot.waitExposed(w)
        opened.append(w)
        return w

    yield open_window
    for w in opened:  # a failed test must not leave a question open at teardown
        w.controller.discard()
        w.close()
        w.deleteLater()


def test_words_typed_before_a_kill_are_offered_back_and_saved(qtbot, windows, typed_then_killed):
    w = windows(typed_then_killed)
    asked = click_in_next_dialog("restore_draft")
    w.offer_drafts()
    assert "editing Roll 1/a.jpg on Drive" in asked[0]
    assert "Title: Grandmother's letter, 1952" in asked[1]
    assert w.current_file.filename == "a.jpg"
    assert w.form.title.text() == "Grandmother's letter, 1952" and w.form.is_dirty()
    assert w.save()
    assert FileEntry.get(FileEntry.filename == "a.jpg").title == "Grandmother's letter, 1952"
    assert w.journal.flush()
    assert not journal_path(typed_then_killed).exists()  # saved: nothing left to offer


def test_a_discarded_draft_is_gone_for_good(qtbot, windows, typed_then_killed):
    w = windows(typed_then_killed)
    click_in_next_dialog("discard_draft")
    w.offer_drafts()
    assert not w.form.is_dirty()
    assert w.journal.flush() and not journal_path(typed_then_killed).exists()
    again = windows(typed_then_killed)
    again.offer_drafts()  # nothing to offer: no dialog
    assert QApplication.activeModalWidget() is None and not again.form.is_dirty()


def _journal_window(qtbot, windows, tmp_path, drafts=()):
    path = journal_path(tmp_path / "catalog.sqlite3")
    if drafts:
        path.write_text(json.dumps({"drafts": [d.to_json() for d in drafts]}), encoding="utf-8")
    w = windows(tmp_path / "catalog.sqlite3")
    return w, path


def _on_disk(path):
    if not path.exists():
        return {}
    return {d["file_uuid"]: d for d in json.loads(path.read_text(encoding="utf-8"))["drafts"]}


def test_steady_typing_is_journaled_before_the_curator_pauses(qtbot, catalog, windows, tmp_path):
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    row = FileEntry.create(drive=drive, folder="f", filename="a.jpg")
    w, path = _journal_window(qtbot, windows, tmp_path)
    assert w.select_file(row)
    qtbot.waitUntil(lambda: w.current_file is not None)
    w.form.focus_title()
    typed = []

    def key():  # a keystroke every 50 ms: never a pause of 400 ms
        QTest.keyClick(w.form.title, "x")
        typed.append(1)

    typist = QTimer()
    typist.timeout.connect(key)
    typist.start(50)
    qtbot.waitUntil(lambda: len(typed) >= 20, timeout=10000)  # a second of steady typing
    assert typist.isActive()
    assert w.journal.flush()
    typist.stop()
    assert _on_disk(path)[row.uuid]["values"]["title"].startswith("xxxx")


def test_passing_through_a_file_keeps_an_earlier_sessions_draft(qtbot, catalog, windows, tmp_path):
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    a = FileEntry.create(drive=drive, folder="f", filename="a.jpg")
    b = FileEntry.create(drive=drive, folder="f", filename="b.jpg")
    older = [
        Draft(a.uuid, "D", "f/a.jpg", Curation(title="A words"), Curation(), 1),
        Draft(b.uuid, "D", "f/b.jpg", Curation(title="B words"), Curation(), 1),
    ]
    older[1].written_at = "2000-01-01T00:00:00"  # a.jpg's is the newer: offered first
    w, path = _journal_window(qtbot, windows, tmp_path, older)
    click_in_next_dialog("restore_draft")
    w.offer_drafts()
    assert w.current_file.filename == "a.jpg" and w.form.title.text() == "A words"
    assert w.save()
    w.panel.step_file(1)  # through b.jpg, whose draft was not offered yet
    assert w.current_file.filename == "b.jpg"
    w.panel.step_file(-1)
    assert w.journal.flush()
    assert set(_on_disk(path)) == {b.uuid}
    assert [d.file_uuid for d in DraftJournal(path).pending()] == [b.uuid]


def test_a_draft_of_a_missing_file_is_restored_under_missing(qtbot, catalog, windows, tmp_path):
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    FileEntry.create(drive=drive, folder="f", filename="b.jpg")
    gone = FileEntry.create(drive=drive, folder="f", filename="a.jpg", present=False)
    draft = Draft(gone.uuid, "D", "f/a.jpg", Curation(title="A words"), Curation(), 1)
    w, _path = _journal_window(qtbot, windows, tmp_path, [draft])
    click_in_next_dialog("restore_draft")
    w.offer_drafts()
    assert w.current_file.id == gone.id and w.form.title.text() == "A words"
    assert w.panel.current_filter().chip == "missing"


def test_a_relocated_save_leaves_no_draft_behind(qtbot, catalog, windows, tmp_path):
    drive = Drive.create(name="D", mount_path=str(tmp_path))
    old = FileEntry.create(
        drive=drive, folder="old", filename="a.jpg", size=9, oshash="ab" * 8, present=False
    )
    new = FileEntry.create(
        drive=drive, folder="new", filename="a.jpg", size=9, oshash="ab" * 8, added_scan=7
    )
    w, path = _journal_window(qtbot, windows, tmp_path)
    assert w.select_file(new)
    qtbot.waitUntil(lambda: w.current_file is not None)
    w.form.focus_title()
    qtbot.keyClicks(w.form.title, "typed")
    w.controller.flush_draft()
    assert w.journal.flush() and new.uuid in _on_disk(path)
    assert relink_moved_files(drive.id, 0) == 1
    assert w.save()
    assert FileEntry.get_by_id(old.id).title == "typed"
    assert w.journal.flush() and _on_disk(path) == {}
