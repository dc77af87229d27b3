"""Worker processes: decoders kept out of the scanning process, and a crash blamed on one file."""

import os

import pytest

import luna_desktop.scan.read_pool as read_pool
from luna_desktop.catalog.models import FileEntry
from luna_desktop.scan.reader import CRASH_NOTE, READER_CRASHED
from tests.crashing_reader import read_files_or_die, read_files_recording_pid
from tests.media_factory import make_jpeg
from tests.scanning import row, run_scan


def test_no_file_is_read_in_the_scanning_process(catalog, tmp_path, monkeypatch):
    root = tmp_path / "d"
    for i in range(3):
        make_jpeg(root / f"{i}.jpg", color=(i, i, i))
    monkeypatch.setattr(read_pool, "read_files", read_files_recording_pid)
    # Even a scan of three files reads them in worker processes.
    result = run_scan(root)
    assert result.state == "completed" and result.counts.added == 3
    readers = {r.extra["reader_pid"] for r in FileEntry.select()}
    assert os.getpid() not in readers
    # The readers give way to the scanning process, which every file passes through.
    assert {r.extra["reader_niceness"] for r in FileEntry.select()} == {os.nice(0) + 5}


def test_reading_on_threads_is_seen_by_that_check(catalog, tmp_path, monkeypatch):
    """The other side of the test above: a scan told to read on threads does."""
    root = tmp_path / "d"
    make_jpeg(root / "a.jpg")
    monkeypatch.setattr(read_pool, "read_files", read_files_recording_pid)
    run_scan(root, processes=False)
    assert FileEntry.get().extra["reader_pid"] == os.getpid()


def _drive_with_a_crashing_file(root, crash_at: int):
    """Twelve JPEGs and one whose name kills the worker reading it; tasks of four files
    in name order put the crashing one at `crash_at` in the first task."""
    for i in range(12):
        make_jpeg(root / f"{i:02d}.jpg", color=(i, 2 * i, 3 * i))
    crashing = f"{crash_at:02d}-crash.jpg"
    make_jpeg(root / crashing, color=(9, 9, 9))
    names = sorted(p.name for p in root.iterdir())
    assert names.index(crashing) == crash_at
    return crashing


def _assert_full_metadata(rows):
    for r in rows:
        assert r.error is None and r.width == 64 and r.camera_model == "TestCam 1", r.filename
        assert r.extra["reader_pid"] != os.getpid()  # read in a worker process


@pytest.mark.parametrize("crash_at", [0, 1, 3], ids=["first", "middle", "last"])
def test_only_the_file_that_kills_its_worker_is_blamed(catalog, tmp_path, monkeypatch, crash_at):
    root = tmp_path / "d"
    crashing = _drive_with_a_crashing_file(root, crash_at)
    monkeypatch.setattr(read_pool, "read_files", read_files_or_die)
    result = run_scan(root, task_size=4, workers=2)
    assert result.state == "completed"
    assert result.counts.added == 13 and result.counts.errors == 1
    crashed = row("", crashing)
    assert crashed.error == CRASH_NOTE and crashed.extractor == READER_CRASHED
    assert crashed.kind == "image" and len(crashed.oshash) == 16
    _assert_full_metadata(FileEntry.select().where(FileEntry.filename != crashing))


def test_a_crashed_row_is_read_again_until_the_crash_is_gone(catalog, tmp_path, monkeypatch):
    root = tmp_path / "d"
    crashing = _drive_with_a_crashing_file(root, 1)
    monkeypatch.setattr(read_pool, "read_files", read_files_or_die)
    options = dict(task_size=4, workers=2)
    run_scan(root, **options)
    first = row("", crashing)

    # Size and mtime are unchanged, yet the crashed file alone is read again.
    again = run_scan(root, **options)
    assert again.counts.changed == 1 and again.counts.unchanged == 12
    assert row("", crashing).scanned_at > first.scanned_at
    assert row("", crashing).error == CRASH_NOTE

    # A reader that no longer crashes on it gives it its metadata, once.
    monkeypatch.setattr(read_pool, "read_files", read_files_recording_pid)
    mended = run_scan(root, **options)
    assert mended.counts.changed == 1 and mended.counts.errors == 0
    healed = row("", crashing)
    assert healed.uuid == first.uuid
    _assert_full_metadata([healed])
    assert healed.extractor != READER_CRASHED
    assert run_scan(root, **options).counts.unchanged == 13
