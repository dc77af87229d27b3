"""The window's transfer service with real workers: a real catalogue, real files on a
drive folder watched by the real mount watch, and a real local-folder destination."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from luna_desktop.catalog.models import Destination, FileEntry, TransferJob
from luna_desktop.catalog.status import Status
from luna_desktop.transfer import destinations, queue
from luna_desktop.ui.mount_watch import Mount, MountWatch
from luna_desktop.ui.transfer_service import TransferService
from luna_desktop.ui.transfer_support import DriveMounts, TransferQuestions
from luna_desktop.ui.transfers_model import state_words
from tests.media_factory import make_jpeg
from tests.scanning import run_scan

WAIT_MS = 20_000  # only stops a hung test


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


class Questions:
    """Answers every message box the service opens, and keeps what each asked."""

    def __init__(self, answer: QMessageBox.StandardButton) -> None:
        self.answer = answer
        self.asked: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._look)
        self.timer.start()

    def _look(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.asked.append(box.text())
            box.button(self.answer).click()


@pytest.fixture
def make_service(qtbot, catalog, drive):
    made = []

    def make(mark_upload: bool = True) -> TransferService:
        run_scan(drive, drive="Field")
        if mark_upload:
            FileEntry.update(status=int(Status.UPLOAD)).execute()
        parent = QWidget()
        qtbot.addWidget(parent)
        watch = MountWatch(parent)
        watch.watch([str(drive)])
        service = TransferService(DriveMounts(watch), TransferQuestions(parent), parent)
        made.append((service, watch))
        return service

    yield make
    for service, watch in made:
        watch.shutdown()
        service.shutdown(wait_s=10)


def _published_names(out: Path) -> set[str]:
    return {p.name for p in (out / "Field" / "Trip").glob("*.jpg")} if out.exists() else set()


def _state(service, name="Archive"):
    state = service.state(name)
    return state_words(state) if state is not None else ""


def test_files_marked_upload_are_published_by_themselves(make_service, published, qtbot, drive):
    destinations.add("Archive", str(published))
    service = make_service()
    seen = []
    service.file_transferred.connect(seen.append)
    service.begin()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert _published_names(published) == {"IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"}
    first = FileEntry.get(FileEntry.filename == "IMG_0.jpg")
    event = next(e for e in seen if e.file_id == first.id)
    # The signal carries the file, where it was read and where it went.
    assert (event.destination, event.source) == ("Archive", "Field:Trip/IMG_0.jpg")
    assert event.source_path == str(drive / "Trip" / "IMG_0.jpg")
    assert event.remote == f"{published}/Field/Trip/IMG_0.jpg"
    assert (published / "Field/Trip/IMG_0.jpg").read_bytes() == (
        drive / "Trip/IMG_0.jpg"
    ).read_bytes()
    qtbot.waitUntil(lambda: not service.running("Archive"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _state(service) == "all published", timeout=WAIT_MS)


def test_a_delayed_destination_waits_for_start(make_service, published, qtbot):
    destinations.add("Archive", str(published), delayed=True)
    service = make_service()
    seen = []
    service.file_transferred.connect(seen.append)
    service.begin()
    qtbot.waitUntil(lambda: _state(service) == "delayed: waiting for Start", timeout=WAIT_MS)
    service.files_changed()  # a save: the queue is synced, and still nothing starts
    qtbot.wait(1500)
    assert not service.running("Archive") and seen == []
    assert _published_names(published) == set()
    service.start("Archive")
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _state(service) == "all published", timeout=WAIT_MS)


def test_pause_stops_after_the_current_file_and_resume_goes_on(
    make_service, published, qtbot, drive
):
    # A big file, so that it is still being sent when Pause is pressed.
    big = drive / "Trip" / "IMG_1.big"
    block = os.urandom(1 << 20)
    with open(big, "wb") as fh:
        for i in range(160):
            fh.write(block[:-8] + i.to_bytes(8, "little"))
    dest = destinations.add("Archive", str(published))
    service = make_service(mark_upload=False)
    # The big file first in the queue, the pictures after it.
    FileEntry.update(status=int(Status.UPLOAD)).where(FileEntry.filename == big.name).execute()
    queue.sync(dest)
    FileEntry.update(status=int(Status.UPLOAD)).execute()
    queue.sync(dest)
    done, started = [], []
    service.file_transferred.connect(done.append)
    service.job_started.connect(started.append)
    service.job_started.connect(lambda e: len(started) == 1 and service.pause("Archive"))
    service.begin()
    qtbot.waitUntil(lambda: bool(started), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not service.running("Archive"), timeout=WAIT_MS)
    # The file in hand was finished and verified; nothing started after it.
    assert [e.source for e in started] == [e.source for e in done] == ["Field:Trip/IMG_1.big"]
    assert (published / "Field/Trip/IMG_1.big").read_bytes() == big.read_bytes()
    assert Destination.get(Destination.name == "Archive").paused
    qtbot.waitUntil(lambda: _state(service).startswith("paused"), timeout=WAIT_MS)
    assert TransferJob.select().where(TransferJob.state == queue.QUEUED).count() == 3
    service.resume("Archive")
    qtbot.waitUntil(lambda: len(done) == 4, timeout=WAIT_MS)
    assert _published_names(published) == {"IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"}


def test_a_job_waits_for_its_drive_and_starts_when_it_is_plugged_in(
    make_service, published, qtbot, drive
):
    destinations.add("Archive", str(published))
    service = make_service()
    away = drive.with_name("unplugged")
    drive.rename(away)  # pulled out before the service looks
    seen = []
    service.file_transferred.connect(seen.append)
    service.begin()
    qtbot.waitUntil(lambda: "waiting for drive Field" in _state(service), timeout=WAIT_MS)
    watch = service.mounts.watch
    qtbot.waitUntil(lambda: watch.state(str(drive)) is Mount.ABSENT, timeout=WAIT_MS)
    assert seen == [] and not service.running("Archive")
    away.rename(drive)  # plugged in again: the mount watch sees it within seconds
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert _published_names(published) == {"IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"}


def test_retry_failed_queues_failed_jobs_again(make_service, tmp_path, qtbot):
    share = tmp_path / "share"  # a network share not mounted yet
    destinations.add("Archive", str(share), max_attempts=1)
    service = make_service()
    failed, seen = [], []
    service.note.connect(lambda n: n.kind == "unreachable" and failed.append(n))
    service.file_transferred.connect(seen.append)
    service.begin()
    qtbot.waitUntil(lambda: "failed 1" in _state(service), timeout=WAIT_MS)
    assert "is not there" in failed[0].message
    job = TransferJob.get(TransferJob.state == queue.FAILED)
    share.mkdir()
    service.retry_failed("Archive")
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert TransferJob.get_by_id(job.id).state == queue.DONE
    assert _published_names(share) == {"IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"}


def test_cancel_stops_the_queue_and_start_brings_it_back(make_service, published, qtbot):
    destinations.add("Archive", str(published), delayed=True)
    service = make_service()
    seen = []
    service.file_transferred.connect(seen.append)
    service.begin()
    qtbot.waitUntil(lambda: _state(service) == "delayed: waiting for Start", timeout=WAIT_MS)
    service.cancel("Archive")
    qtbot.waitUntil(lambda: service.state("Archive").view.count(queue.CANCELLED) == 3)
    service.files_changed()  # a sync does not bring cancelled jobs back
    qtbot.wait(1500)
    assert service.state("Archive").view.count(queue.CANCELLED) == 3
    service.start("Archive")
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No])
def test_removing_local_copies_is_asked_once(make_service, published, qtbot, drive, answer):
    destinations.add("Archive", str(published), remove_local=True)
    service = make_service(mark_upload=False)
    FileEntry.update(status=int(Status.UPLOAD)).where(FileEntry.filename == "IMG_0.jpg").execute()
    questions = Questions(answer)
    seen = []
    service.file_transferred.connect(seen.append)
    service.begin()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=WAIT_MS)
    assert len(questions.asked) == 1 and "delete each file" in questions.asked[0]
    dest = Destination.get(Destination.name == "Archive")
    if answer == QMessageBox.StandardButton.Yes:
        assert dest.remove_local and dest.remove_local_confirmed_at is not None
    else:
        assert not dest.remove_local  # "No" turns the option off
    # The only copy Luna knows of stays on the drive, whatever was answered.
    assert (drive / "Trip" / "IMG_0.jpg").exists() and not seen[0].removed_local
    # More files later: published without asking again.
    FileEntry.update(status=int(Status.UPLOAD)).execute()
    service.files_changed()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=WAIT_MS)
    assert len(questions.asked) == 1
    questions.timer.stop()


def test_closing_stops_a_transfer_and_its_job_is_queued_again(
    make_service, published, qtbot, drive
):
    big = drive / "Trip" / "A_big.bin"
    block = os.urandom(1 << 20)
    with open(big, "wb") as fh:
        for i in range(400):
            fh.write(block[:-8] + i.to_bytes(8, "little"))
    destinations.add("Archive", str(published))
    service = make_service()
    started = []
    service.job_started.connect(lambda e: e.source.endswith("A_big.bin") and started.append(e))
    service.begin()
    qtbot.waitUntil(lambda: bool(started), timeout=WAIT_MS)
    service.shutdown(wait_s=10)
    assert not any(t.name.startswith("luna-transfer") for t in threading.enumerate())
    job = TransferJob.get_by_id(started[0].job_id)
    assert job.state == queue.QUEUED and job.attempts == 0  # put back, no attempt spent
    assert not (published / "Field/Trip/A_big.bin").exists()  # nothing looks complete
