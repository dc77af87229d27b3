"""Typed words survive a crash of the window: the drafts journal, end to end."""

import os
import signal
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog.drafts import DraftJournal, journal_path
from luna_desktop.catalog.models import FileEntry
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
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
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
