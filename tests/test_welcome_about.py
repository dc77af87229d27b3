"""The first start's welcome, Help → About, and folders given to `luna-desktop` at start,
each through the real window on a real catalogue (ui.app.after_show is the step main
runs once the window is shown)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
)

from luna_desktop.catalog.database import catalog_path
from luna_desktop.catalog.models import Drive
from luna_desktop.ui.about_dialog import AboutDialog, app_icon
from luna_desktop.ui.actions import MENUS, ActionId, shortcut_rows
from luna_desktop.ui.add_drive_dialog import AddDriveDialog
from luna_desktop.ui.app import after_show, parse_args
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from luna_desktop.ui.welcome_dialog import WelcomeDialog
from luna_desktop.versions import format_report
from tests.media_factory import make_jpeg
from tests.scanning import run_scan


@pytest.fixture
def window(qtbot, catalog, tmp_path, monkeypatch):
    # The Add Drive dialog lists this folder's volumes, not the machine's.
    monkeypatch.setenv("LUNA_MEDIA_ROOTS", str(tmp_path / "media"))
    w = MainWindow(Settings())
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.scans.cancel()
    qtbot.waitUntil(lambda: not w.scan_running(), timeout=60000)
    w.close()
    w.deleteLater()


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start(*argv: str):
    return parse_args(["luna-desktop", *argv])


def texts(widget) -> str:
    """Everything the dialog says, in its labels and fields."""
    parts = [label.text() for label in widget.findChildren(QLabel)]
    parts += [field.text() for field in widget.findChildren(QLineEdit)]
    return "\n".join(parts)


def answer_dialogs(count: int, name: str | list[str] = ""):
    """Answer the next `count` modal questions or warnings in turn: OK to a message box,
    `name` to an input dialog (the next of them, given a list), Cancel to anything else.
    Returns what each one said.

    One responder for the whole sequence: a dialog opened while the test waits runs its
    own event loop inside that wait, so a second responder set up after the wait would
    never get to run."""
    names = [name] * count if isinstance(name, str) else list(name)
    seen: list[str] = []

    def respond(attempts: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isVisible():
            if attempts < 1000:
                QTimer.singleShot(10, lambda: respond(attempts + 1))
            return
        if isinstance(dialog, QMessageBox):
            seen.append(dialog.text())
            dialog.button(QMessageBox.StandardButton.Ok).click()
        elif isinstance(dialog, QInputDialog):
            seen.append(dialog.labelText())
            dialog.setTextValue(names.pop(0))
            dialog.accept()
        else:
            seen.append(type(dialog).__name__)
            dialog.reject()
        if len(seen) < count:
            QTimer.singleShot(10, respond)

    QTimer.singleShot(0, respond)
    return seen


def shown_welcomes(w) -> list[WelcomeDialog]:
    return [d for d in w.findChildren(WelcomeDialog) if d.isVisible()]


# -- the welcome -------------------------------------------------------------------------


def test_the_welcome_shows_on_the_first_start_and_not_the_second(window, qtbot):
    w = window
    settings = Settings()
    assert not settings.welcome_shown
    welcome = after_show(w, settings, start())
    assert isinstance(welcome, WelcomeDialog)
    qtbot.waitExposed(welcome)
    said = texts(welcome)
    # How to start, with the real menu place and key; where the files are, for real.
    assert "File → Add Drive… (Ctrl+O)" in said and "Drop a drive or a folder" in said
    assert str(catalog_path()) in said and settings.file_name in said
    assert Path(settings.file_name).is_file()  # written at once: the next start knows
    # The keys, from the registry.
    keys = [label.text() for label in welcome.findChildren(QLabel, "key")]
    assert "Ctrl+Return / Ctrl+Enter" in keys and "F1 / ?" in keys and "J / K" in keys
    assert [k for k in keys if k.isdigit()] == ["1", "2", "3", "4", "5", "6"]
    assert "Needs attention" in said and "Save and Next" in said
    assert welcome.start_button.isDefault()
    qtbot.keyClick(welcome, Qt.Key.Key_Escape)
    assert not welcome.isVisible()

    # The second start reads the same settings file afresh.
    assert after_show(w, Settings(), start()) is None
    assert shown_welcomes(w) == []


def test_no_welcome_over_a_catalogue_already_in_use(window, qtbot, tmp_path):
    # Luna from before the welcome, upgraded: its curator has started long ago.
    card = tmp_path / "Card"
    make_jpeg(card / "a.jpg")
    run_scan(card, drive="Card")
    settings = Settings()
    assert after_show(window, settings, start()) is None
    assert shown_welcomes(window) == []
    assert Settings().welcome_shown


def test_enter_on_the_welcome_starts(window, qtbot):
    welcome = after_show(window, Settings(), start())
    qtbot.waitExposed(welcome)
    qtbot.keyClick(welcome, Qt.Key.Key_Return)
    assert not welcome.isVisible() and welcome.result() == welcome.DialogCode.Accepted


def test_the_welcome_add_drive_button_opens_the_add_drive_dialog(window, qtbot):
    welcome = after_show(window, Settings(), start())
    qtbot.waitExposed(welcome)
    seen = answer_dialogs(1)  # the Add Drive dialog: cancelled once it is seen
    welcome.add_button.click()
    assert not welcome.isVisible()  # the welcome makes way for it
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [AddDriveDialog.__name__]
    assert QApplication.activeModalWidget() is None


def test_the_welcome_keyboard_shortcuts_button_opens_the_full_sheet(window, qtbot):
    welcome = after_show(window, Settings(), start())
    qtbot.waitExposed(welcome)
    welcome.keys_button.click()
    sheet = welcome.sheet
    assert sheet is not None
    qtbot.waitUntil(sheet.isVisible, timeout=5000)
    assert sheet.table.rowCount() == len(shortcut_rows())
    sheet.reject()
    assert welcome.isVisible()  # beneath it, still there


def test_the_welcome_is_marked_shown_when_it_opens(window, qtbot):
    # A crash while it is open must not bring it back at every start.
    welcome = after_show(window, Settings(), start())
    assert welcome.isVisible()
    assert Settings().welcome_shown


# -- Help → About ------------------------------------------------------------------------


def test_about_shows_the_versions_and_copy_puts_them_on_the_clipboard(window, qtbot):
    w = window
    help_menu = dict(MENUS)["&Help"]
    assert help_menu.index(ActionId.ABOUT) > help_menu.index(ActionId.SHORTCUTS)
    w.actions_by_id[ActionId.ABOUT].trigger()  # open(): returns at once
    about = w.findChild(AboutDialog, "about_dialog")
    qtbot.waitExposed(about)
    rows = dict(about.rows)
    assert about.rows[0][0] == "luna-desktop"
    assert rows["Qt"] == f"{qVersion()} (PySide6 {pyside_version})"
    assert rows["SQLite"] == sqlite3.sqlite_version and rows["libvlc"].startswith("3.")
    said = texts(about)
    for label, value in about.rows:
        assert f"{label}:" in said and value in said
    assert about.findChild(QLineEdit, "catalog_path").text() == str(catalog_path())
    assert about.findChild(QLineEdit, "settings_path").text() == w.settings.file_name

    QApplication.clipboard().clear()
    close = about.findChild(QPushButton, "close")
    assert about.focusWidget() is close  # Escape or Enter closes; Shift+Tab reaches Copy
    qtbot.keyClick(close, Qt.Key.Key_Backtab)
    assert about.focusWidget() is about.copy_button
    qtbot.keyClick(about.copy_button, Qt.Key.Key_Space)
    copied = QApplication.clipboard().text()
    assert copied == format_report(about.rows)
    assert f"SQLite {sqlite3.sqlite_version}" in copied.splitlines()
    assert "Copied" in about.findChild(QLabel, "copied_note").text()

    qtbot.keyClick(about, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.findChild(AboutDialog, "about_dialog") is None, timeout=5000)


def test_the_application_icon_is_the_packaged_svg():
    icon = app_icon()
    assert not icon.isNull()
    pixmap = icon.pixmap(64, 64)
    assert not pixmap.isNull() and pixmap.width() == 64  # drawn by the svg plugin
    # Not blank: the moon's gold is in it.
    image = pixmap.toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, 64, 4) for y in range(0, 64, 4)}
    assert len(colours) > 3


# -- folders and --add-drive at start ----------------------------------------------------


def test_a_folder_given_at_start_is_added_like_a_drop(window, qtbot, tmp_path):
    w = window
    card = tmp_path / "Card 7"
    for i in range(3):
        make_jpeg(card / "DCIM" / f"IMG_{i}.jpg", color=(i * 60, 80, 120))
    asked = answer_dialogs(1, name="Card Seven")
    settings = Settings()
    assert after_show(w, settings, start(str(card))) is None  # no welcome over it
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)
    assert "Name the drive" in asked[0] and str(card) in asked[0]
    qtbot.waitUntil(lambda: Drive.get_or_none(Drive.name == "Card Seven") is not None)
    qtbot.waitUntil(lambda: not w.scan_running(), timeout=60000)
    drive = Drive.get(Drive.name == "Card Seven")
    assert drive.total_files == 3 and drive.mount_path == str(card)
    assert w.drive_combo.currentData() == drive.id  # shown, as a drop shows it
    assert shown_welcomes(w) == []
    assert Settings().welcome_shown  # this was the first start: it counts


def test_folders_that_cannot_be_added_are_warned_about_one_by_one(window, qtbot, tmp_path):
    w = window
    a_file = tmp_path / "photo.jpg"
    make_jpeg(a_file)
    card = tmp_path / "Card"
    make_jpeg(card / "a.jpg")
    asked = answer_dialogs(3, name="Card")
    after_show(w, Settings(), start(str(tmp_path / "nowhere"), str(a_file), str(card)))
    qtbot.waitUntil(lambda: len(asked) == 3, timeout=20000)
    assert "does not exist" in asked[0] and "nowhere" in asked[0]
    assert "is not a folder" in asked[1] and "photo.jpg" in asked[1]
    assert "Name the drive" in asked[2]
    qtbot.waitUntil(lambda: Drive.get_or_none(Drive.name == "Card") is not None)
    qtbot.waitUntil(lambda: not w.scan_running(), timeout=60000)
    assert w.isVisible()  # a bad path is a message, never the end of the window
    assert [d.name for d in Drive.select()] == ["Card"]


def test_after_a_folder_is_not_named_the_next_one_is_still_asked(window, qtbot, tmp_path):
    w = window
    first, second = tmp_path / "First", tmp_path / "Second"
    make_jpeg(first / "a.jpg")
    make_jpeg(second / "b.jpg")
    # OK on an empty name: nothing is added; then the second is named.
    asked = answer_dialogs(2, name=["", "Second card"])
    after_show(w, Settings(), start(str(first), str(second)))
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=20000)
    assert str(first) in asked[0] and str(second) in asked[1]
    qtbot.waitUntil(lambda: Drive.get_or_none(Drive.name == "Second card") is not None)
    qtbot.waitUntil(lambda: not w.scan_running(), timeout=60000)
    assert [d.mount_path for d in Drive.select()] == [str(second)]


def test_add_drive_at_start_opens_the_add_drive_dialog_and_no_welcome(window, qtbot):
    w = window
    seen = answer_dialogs(1)
    assert after_show(w, Settings(), start("--add-drive")) is None
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [AddDriveDialog.__name__]
    assert shown_welcomes(w) == []
    assert Settings().welcome_shown


# -- the command line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--screenshot", "x.png", "/media/card"],
        ["--screenshot", "x.png", "--add-drive"],
        ["--add-drive", "/media/card"],
    ],
)
def test_folders_and_add_drive_are_refused_where_they_make_no_sense(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        start(*argv)
    assert exited.value.code == 2
    assert "FOLDER" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["--catlog", "foo.sqlite3"], ["--screenshot", "x.png", "--thme", "dark"], ["-x", "/media"]],
)
def test_a_mistyped_option_is_refused_not_taken_for_a_folder(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        start(*argv)
    assert exited.value.code == 2
    assert f"unrecognized arguments: {argv[-2]}" in capsys.readouterr().err


def test_folders_are_made_absolute_and_qt_options_are_not_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = start("Card", "-platform", "offscreen", "-reverse", "--catalog", "c.sqlite3", "/media/x")
    assert args.folders == [str(tmp_path / "Card"), "/media/x"]
    assert args.catalog == "c.sqlite3" and not args.add_drive
    assert start("--add-drive").add_drive and start().folders == []
    assert os.path.isabs(start(".").folders[0])


# -- through main, in a real process --------------------------------------------------------


def _luna_desktop(*args: str) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen(
        [sys.executable, "-m", "luna_desktop.ui.app", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_first_real_start_marks_the_welcome_in_a_settings_file_on_disk(tmp_path):
    settings_file = Path(Settings().file_name)
    assert not settings_file.exists()
    child = _luna_desktop("--catalog", str(tmp_path / "catalog.sqlite3"))
    descendants = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if settings_file.exists() and "welcome_shown=true" in settings_file.read_text():
                break
            time.sleep(0.05)
        assert child.poll() is None, child.stderr.read()  # still running, welcome and all
        descendants = psutil.Process(child.pid).children(recursive=True)
    finally:
        os.kill(child.pid, signal.SIGKILL)  # the welcome waits for a click nobody makes
        child.wait(timeout=10)
    _gone, alive = psutil.wait_procs(descendants, timeout=5)
    assert not alive, f"left behind: {[p.pid for p in alive]}"
    assert Settings().welcome_shown


def test_a_screenshot_never_shows_the_welcome_nor_counts_as_a_start(tmp_path):
    shot = tmp_path / "shot.png"
    child = _luna_desktop("--catalog", str(tmp_path / "catalog.sqlite3"), "--screenshot", str(shot))
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert shot.is_file()
    assert not Settings().welcome_shown
