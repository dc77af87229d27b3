"""Publishing through the real window: files marked upload reach a local destination by
themselves, a delayed destination waits for Start Transfers, the Transfers panel says
which drive a job waits for, Preferences → Destinations adds destinations (their
secrets in the keyring only), and an SFTP server's unknown key is shown once."""

from __future__ import annotations

import socket
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from luna_desktop.catalog.database import catalog_path
from luna_desktop.catalog.models import Destination, FileEntry, TransferJob
from luna_desktop.catalog.status import Status
from luna_desktop.transfer import destinations, host_keys, queue
from luna_desktop.ui.actions import MENUS, ActionId
from luna_desktop.ui.destination_dialog import DestinationDialog
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.mount_watch import Mount
from luna_desktop.ui.preferences_dialog import PreferencesDialog
from luna_desktop.ui.settings import Settings
from luna_desktop.ui.transfers_model import state_words
from luna_desktop.ui.transfers_panel import TransfersPanel
from tests import sshd_server
from tests.media_factory import make_jpeg
from tests.scanning import run_scan
from tests.ui_helpers import answer_next_dialog, click_in_next_dialog

sshd = sshd_server.sshd
WAIT_MS = 20_000  # only stops a hung test
NAMES = {"IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"}


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv(host_keys.KNOWN_HOSTS_ENV, raising=False)


@pytest.fixture
def drive(tmp_path):
    root = tmp_path / "Field"
    for i in range(3):
        make_jpeg(root / "Trip" / f"IMG_{i}.jpg", size=(300, 200), color=(60 * i, 90, 160))
    return root


@pytest.fixture
def published(tmp_path) -> Path:
    out = tmp_path / "published"
    out.mkdir()
    return out


@pytest.fixture
def open_window(qtbot, catalog, drive, tmp_path, monkeypatch):
    monkeypatch.setenv("LUNA_CACHE_DIR", str(tmp_path / "cache"))
    run_scan(drive, drive="Field")
    opened = []

    def make(mark_upload: bool = False) -> MainWindow:
        if mark_upload:
            FileEntry.update(status=int(Status.UPLOAD)).execute()
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
        w.form.revert()
        w.close()
        w.deleteLater()


def _service(w):
    return w.transfer_flow.service


def _words(w, name="Archive") -> str:
    state = _service(w).state(name)
    return state_words(state) if state is not None else ""


def _published(out: Path) -> set[str]:
    return {p.name for p in (out / "Field" / "Trip").glob("*.jpg")}


def _collect(w) -> list:
    seen: list = []
    _service(w).file_transferred.connect(seen.append)
    return seen


def test_a_file_marked_upload_in_the_window_is_published_and_signalled(
    open_window, published, qtbot, drive
):
    destinations.add("Archive", str(published))
    w = open_window()
    # The window has looked at the queues and its drives: from here on only the save can
    # start a transfer (or the sync every 30 s).
    qtbot.waitUntil(lambda: w.mounts.state(str(drive)) is Mount.MOUNTED, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _words(w) == "nothing to publish", timeout=WAIT_MS)
    qtbot.wait(500)
    entry = FileEntry.get(FileEntry.filename == "IMG_1.jpg")
    assert w.select_file(entry)
    w.tree.setFocus()
    qtbot.waitUntil(lambda: w.current_file is not None and w.current_file.id == entry.id)
    qtbot.waitUntil(w.tree.hasFocus)
    with qtbot.waitSignal(w.file_transferred, timeout=WAIT_MS) as signal:
        qtbot.keyClick(w.tree, Qt.Key.Key_2)  # status: upload
        QApplication.processEvents()
        assert w.form.value().status == Status.UPLOAD
        qtbot.keyClick(w.tree, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    event = signal.args[0]
    assert (event.file_id, event.destination) == (entry.id, "Archive")
    assert event.source == "Field:Trip/IMG_1.jpg"
    assert event.source_path == str(drive / "Trip" / "IMG_1.jpg")
    assert event.remote == f"{published}/Field/Trip/IMG_1.jpg"
    assert _published(published) == {"IMG_1.jpg"}  # the others are not marked upload


def test_a_delayed_destination_publishes_only_after_start_transfers(open_window, published, qtbot):
    destinations.add("Archive", str(published), delayed=True)
    w = open_window(mark_upload=True)
    seen = _collect(w)
    qtbot.waitUntil(lambda: _words(w) == "delayed: waiting for Start", timeout=WAIT_MS)
    qtbot.wait(1500)  # the window has synced and looked: nothing starts by itself
    assert seen == [] and _published(published) == set()
    hints: list[str] = []
    hint = w.transfer_flow.hint

    def sending(name: str) -> None:  # the hint while each file is in hand
        if _service(w).state(name).live.current is not None:
            hints.append(hint.text())

    _service(w).state_changed.connect(sending)
    action = w.actions_by_id[ActionId.START_TRANSFERS]
    assert any(ActionId.START_TRANSFERS in items for _title, items in MENUS)
    action.trigger()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    # The status bar said how far it got while the files went.
    assert set(hints) == {f"Publishing {n} of 3 to Archive…" for n in (1, 2, 3)}
    qtbot.waitUntil(lambda: not hint.isVisible(), timeout=WAIT_MS)
    assert _published(published) == NAMES
    qtbot.waitUntil(lambda: _words(w) == "all published", timeout=WAIT_MS)


def test_the_panel_says_which_drive_a_job_waits_for_and_it_starts_when_plugged_in(
    open_window, published, qtbot, drive
):
    destinations.add("Archive", str(published))
    away = drive.with_name("pulled-out")
    drive.rename(away)
    w = open_window(mark_upload=True)
    seen = _collect(w)
    qtbot.waitUntil(lambda: "offline" in w.drive_combo.currentText(), timeout=WAIT_MS)
    qtbot.keyClick(
        w, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    panel = w.findChild(TransfersPanel)
    assert panel is not None and panel.isVisible()
    qtbot.waitUntil(lambda: "waiting for drive Field" in panel.state_label.text(), timeout=WAIT_MS)
    assert panel.model.data(panel.model.index(0, 1)) == "waiting for drive Field"
    jobs = panel.jobs_model
    qtbot.waitUntil(lambda: len(jobs.rows) == 3, timeout=WAIT_MS)
    assert {jobs.data(jobs.index(r, 3)) for r in range(3)} == {"waiting for drive Field"}
    assert seen == []
    away.rename(drive)  # plugged in again, at its place: the window's mount watch sees it
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert _published(published) == NAMES
    qtbot.waitUntil(lambda: "all published" in panel.state_label.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: {r.state for r in jobs.rows} == {queue.DONE}, timeout=WAIT_MS)


def test_retry_failed_in_the_panel_queues_the_failed_jobs_again(open_window, tmp_path, qtbot):
    share = tmp_path / "share"  # a share not mounted: every attempt fails
    destinations.add("Archive", str(share), max_attempts=1)
    w = open_window(mark_upload=True)
    seen = _collect(w)
    panel = w.transfer_flow.toggle_panel()
    qtbot.waitUntil(lambda: "failed 1" in panel.state_label.text(), timeout=WAIT_MS)
    jobs = panel.jobs_model
    qtbot.waitUntil(lambda: any(r.state == queue.FAILED for r in jobs.rows), timeout=WAIT_MS)
    failed = next(r for r in jobs.rows if r.state == queue.FAILED)
    assert "is not there" in failed.detail and "after 1 attempts" in failed.detail
    assert panel.retry_button.isEnabled()
    share.mkdir()
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert TransferJob.select().where(TransferJob.state != queue.DONE).count() == 0


def test_pause_in_the_panel_stops_the_destination_and_resume_goes_on(open_window, published, qtbot):
    destinations.add("Archive", str(published), delayed=True)
    w = open_window(mark_upload=True)
    seen = _collect(w)
    panel = w.transfer_flow.toggle_panel()
    qtbot.waitUntil(lambda: "waiting for Start" in panel.state_label.text(), timeout=WAIT_MS)
    qtbot.keyClick(panel, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # &Pause
    qtbot.waitUntil(lambda: panel.pause_button.text() == "&Resume", timeout=WAIT_MS)
    assert Destination.get(Destination.name == "Archive").paused
    assert "paused" in panel.state_label.text()
    assert not panel.start_button.isEnabled()  # a paused destination is resumed, not started
    qtbot.keyClick(panel, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # &Resume
    qtbot.waitUntil(lambda: panel.pause_button.text() == "&Pause", timeout=WAIT_MS)
    qtbot.keyClick(panel, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # &Start Transfers
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)


# -- Preferences → Destinations ----------------------------------------------------------


def _destinations_page(w, qtbot) -> PreferencesDialog:
    dialog = PreferencesDialog(w.settings, w, transfers=_service(w), page="destinations")
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _add_dialog(page, qtbot) -> DestinationDialog:
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(DestinationDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def test_preferences_adds_a_destination_that_files_are_published_to(open_window, published, qtbot):
    w = open_window(mark_upload=True)
    seen = _collect(w)
    prefs = _destinations_page(w, qtbot)
    page = prefs.destinations_page
    dialog = _add_dialog(page, qtbot)
    qtbot.keyClicks(dialog.name_edit, "Archive")
    qtbot.keyClicks(dialog.url_edit, str(published))
    assert not dialog.secret_edit.isEnabled()  # a folder needs no password
    dialog.layout_edit.selectAll()
    qtbot.keyClicks(dialog.layout_edit, "{drive}/{year}/{filename}")
    assert dialog.layout_example.text() == "e.g. K7/2024/IMG_0042.jpg"
    qtbot.keyClick(dialog.delay_spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.delay_spin, "30")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.names() == ["Archive"], timeout=WAIT_MS)
    dest = Destination.get(Destination.name == "Archive")
    assert (dest.url, dest.layout, dest.retry_delay) == (
        str(published),
        "{drive}/{year}/{filename}",
        30,
    )
    assert not dest.delayed and not dest.remove_local and dest.max_attempts == 6
    assert "Archive — " in page.list.item(0).text()
    # Not delayed: the window publishes to it at once.
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert {p.name for p in (published / "Field").rglob("*.jpg")} == NAMES
    prefs.reject()


def test_a_bad_url_and_a_taken_name_are_said_under_their_fields(open_window, published, qtbot):
    destinations.add("Archive", str(published))
    w = open_window()
    prefs = _destinations_page(w, qtbot)
    page = prefs.destinations_page
    qtbot.waitUntil(lambda: page.names() == ["Archive"], timeout=WAIT_MS)
    dialog = _add_dialog(page, qtbot)
    qtbot.keyClicks(dialog.name_edit, "Archive")
    qtbot.keyClicks(dialog.url_edit, "ftp://example.org/x")
    dialog.layout_edit.clear()
    qtbot.keyClicks(dialog.layout_edit, "{drive}/{nonsense}")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "already a destination called Archive" in dialog.name_error.text()
    assert "not ftp://" in dialog.url_error.text()
    assert "nonsense" in dialog.layout_error.text()
    assert Destination.select().count() == 1
    dialog.reject()
    prefs.reject()


def test_removing_a_destination_drops_its_jobs_and_its_secret(open_window, published, qtbot):
    from luna_desktop.transfer import secrets

    destinations.add("Archive", str(published), delayed=True)
    secrets.store("Archive", "password", "old-secret")
    w = open_window(mark_upload=True)
    qtbot.waitUntil(lambda: _words(w) == "delayed: waiting for Start", timeout=WAIT_MS)
    prefs = _destinations_page(w, qtbot)
    page = prefs.destinations_page
    qtbot.waitUntil(lambda: page.names() == ["Archive"], timeout=WAIT_MS)
    said = answer_next_dialog(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.names() == [], timeout=WAIT_MS)
    assert "Remove the destination Archive?" in said[0]
    assert Destination.select().count() == 0 and TransferJob.select().count() == 0
    qtbot.waitUntil(lambda: secrets.lookup("Archive", "password") is None, timeout=WAIT_MS)
    assert "3 transfers not done were dropped" in page.note.text()
    qtbot.waitUntil(lambda: _service(w).names() == [], timeout=WAIT_MS)
    prefs.reject()


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: a connection to it is refused


def test_a_password_goes_to_the_keyring_never_the_catalogue(open_window, qtbot):
    w = open_window()
    prefs = _destinations_page(w, qtbot)
    page = prefs.destinations_page
    dialog = _add_dialog(page, qtbot)
    qtbot.waitUntil(lambda: "Kept only in" in dialog.keyring_note.text(), timeout=WAIT_MS)
    assert "PlaintextKeyring" in dialog.keyring_note.text()
    qtbot.keyClicks(dialog.name_edit, "Backup")
    qtbot.keyClicks(dialog.url_edit, f"sftp://ada@127.0.0.1:{_refused_port()}/photos")
    assert dialog.secret_edit.isEnabled()
    qtbot.keyClicks(dialog.secret_edit, "s3cret-Pa55word")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    # The server cannot be reached to check its key: said, and OK once more saves anyway.
    qtbot.waitUntil(lambda: "Could not check" in dialog.error.text(), timeout=WAIT_MS)
    assert Destination.select().count() == 0
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.names() == ["Backup"], timeout=WAIT_MS)
    assert keyring.get_password("luna-desktop", "Backup:password") == "s3cret-Pa55word"
    for path in Path(catalog_path()).parent.glob("catalog.sqlite3*"):
        assert b"s3cret-Pa55word" not in path.read_bytes(), path
    w.settings.sync()
    assert "s3cret" not in Path(w.settings.file_name).read_text()
    prefs.reject()


def test_an_unknown_server_key_is_shown_once_when_the_destination_is_added(
    open_window, qtbot, sshd, tmp_path
):
    folder = tmp_path / "server-side"
    folder.mkdir()
    w = open_window(mark_upload=True)
    seen = _collect(w)
    prefs = _destinations_page(w, qtbot)
    dialog = _add_dialog(prefs.destinations_page, qtbot)
    qtbot.keyClicks(dialog.name_edit, "Remote")
    qtbot.keyClicks(dialog.url_edit, f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{folder}")
    qtbot.keyClicks(dialog.key_edit, str(sshd.client_key_path))
    said = click_in_next_dialog("trust_host_key")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: prefs.destinations_page.names() == ["Remote"], timeout=WAIT_MS)
    assert "127.0.0.1" in said[0] and sshd.host_key_fingerprint in said[1]
    # Trusted once: the window's worker connects without asking again.
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert {p.name for p in (folder / "Field").rglob("*.jpg")} == NAMES
    prefs.reject()


def test_an_unknown_server_key_met_by_the_worker_is_asked_and_trusted(
    open_window, qtbot, sshd, tmp_path
):
    folder = tmp_path / "server-side"
    folder.mkdir()
    url = f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{folder}"
    destinations.add("Remote", url, key_file=str(sshd.client_key_path))
    said = click_in_next_dialog("trust_host_key")
    w = open_window(mark_upload=True)
    seen = _collect(w)
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert sshd.host_key_fingerprint in said[1]
    assert TransferJob.select().where(TransferJob.attempts > 0).count() == 0
    QApplication.processEvents()
