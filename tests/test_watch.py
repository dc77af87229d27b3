"""Live: a watched drive's changes reach the catalogue within seconds, without a rescan.

Real files changed on the fly under tmp_path, a real catalogue, watchdog's real observer
and the scan's reader in real worker processes; each test waits (with a deadline) for
the catalogue to show the change.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

import luna_desktop.scan.watch_events as watch_events
from luna_desktop.catalog import curation
from luna_desktop.catalog.models import Drive, FileEntry, FileTag, ScanRun
from luna_desktop.scan.watch import WATCH_ENDED, WATCH_LOST, DriveWatcher, WatchBatch
from tests.media_factory import make_jpeg
from tests.scanning import run_scan, wait_for

WITHIN = 5.0  # seconds a change may take to reach the catalogue


class Watched:
    """A DriveWatcher on a scanned drive, with what it reported."""

    def __init__(self, root: Path, **options) -> None:
        self.root = root
        self.batches: list[WatchBatch] = []
        self.lost: list[str] = []
        self.drive_id = Drive.get().id
        options.setdefault("debounce_s", 0.2)
        options.setdefault("max_delay_s", 1.0)
        self.watcher = DriveWatcher(
            root, self.drive_id, on_batch=self.batches.append, on_lost=self.lost.append, **options
        )
        self.watcher.start()

    @property
    def lines(self) -> list[str]:
        return [line for batch in list(self.batches) for line in batch.lines]

    def stop(self) -> None:
        self.watcher.stop()
        assert self.watcher.wait(30), "the watcher did not end"


@pytest.fixture
def watch(catalog):
    started: list[Watched] = []

    def start(root: Path, **options) -> Watched:
        watched = Watched(root, **options)
        started.append(watched)
        return watched

    yield start
    for watched in started:  # never left writing into the next test's catalogue
        watched.stop()


def _row(folder: str, filename: str) -> FileEntry | None:
    return FileEntry.get_or_none((FileEntry.folder == folder) & (FileEntry.filename == filename))


def _raw_row(rel: bytes) -> FileEntry | None:
    return FileEntry.get_or_none(FileEntry.raw_path == rel)


def _present(folder: str, filename: str) -> bool:
    r = _row(folder, filename)
    return r is not None and r.present


def _curate(file_id: int, title: str, tags: list[str]) -> None:
    curation.replace(file_id, curation.Curation(status=2, title=title, tags=tags), "tester")


def _curator_tags(file_id: int) -> set[str]:
    return {
        ft.tag.name
        for ft in FileTag.select().where((FileTag.file == file_id) & (FileTag.source == "curator"))
    }


def test_added_changed_and_deleted_files_reach_the_catalogue(tmp_path, watch):
    root = tmp_path / "drive"
    make_jpeg(root / "Photos" / "a.jpg")
    (root / "Docs").mkdir()
    (root / "Docs" / "notes.txt").write_text("first")
    (root / "Docs" / "old.txt").write_text("to be deleted")
    run_scan(root)
    notes_id = _row("Docs", "notes.txt").id
    watched = watch(root)

    make_jpeg(root / "Photos" / "2024" / "new.jpg", color=(1, 2, 3))  # in a new folder
    (root / "Docs" / "notes.txt").write_text("second, longer")
    (root / "Docs" / "old.txt").unlink()

    wait_for(lambda: _present("Photos/2024", "new.jpg"), "the new file", WITHIN)
    wait_for(lambda: _row("Docs", "notes.txt").size == 14, "the changed file", WITHIN)
    wait_for(lambda: not _row("Docs", "old.txt").present, "the deleted file", WITHIN)
    new = _row("Photos/2024", "new.jpg")
    assert new.kind == "image" and new.width == 64 and new.camera_model == "TestCam 1"
    assert new.added_scan == watched.watcher.run_id
    assert _row("Docs", "notes.txt").id == notes_id
    old = _row("Docs", "old.txt")  # missing, never deleted
    assert old.missing_since is not None
    wait_for(lambda: len(watched.lines) >= 3, "the batches' lines", WITHIN)
    assert set(watched.lines) >= {
        "added Photos/2024/new.jpg",
        "changed Docs/notes.txt",
        "missing Docs/old.txt",
    }
    added = [i for b in watched.batches for i in b.added_ids]
    assert added == [new.id]
    assert "Photos/2024" in set().union(*(b.folders for b in watched.batches))

    watched.stop()
    run = ScanRun.get_by_id(watched.watcher.run_id)
    assert run.state == WATCH_ENDED and run.finished_at is not None
    assert run.counts["added"] == 1 and run.counts["missing"] == 1
    # Nothing was written onto the drive: it holds exactly what the test put there.
    on_drive = {str(p.relative_to(root)) for p in root.rglob("*")}
    assert on_drive == {
        "Photos",
        "Photos/a.jpg",
        "Photos/2024",
        "Photos/2024/new.jpg",
        "Docs",
        "Docs/notes.txt",
    }


def test_a_renamed_file_keeps_its_row_uuid_and_curation(tmp_path, watch):
    root = tmp_path / "drive"
    make_jpeg(root / "Photos" / "a.jpg")
    make_jpeg(root / "Photos" / "other.jpg", color=(9, 9, 9))
    run_scan(root)
    before = _row("Photos", "a.jpg")
    other_id = _row("Photos", "other.jpg").id
    _curate(before.id, "Harbour at dawn", ["harbour"])
    watched = watch(root)

    os.rename(root / "Photos" / "a.jpg", root / "Photos" / "b.jpg")
    os.makedirs(root / "Elsewhere")
    os.rename(root / "Photos" / "other.jpg", root / "Elsewhere" / "other.jpg")

    wait_for(lambda: _row("Photos", "b.jpg") is not None, "the renamed row", WITHIN)
    # (Into a folder made a moment before: see the test of names that are not UTF-8.)
    wait_for(
        lambda: getattr(_row("Elsewhere", "other.jpg"), "id", None) == other_id,
        "the moved row",
        WITHIN,
    )
    after = _row("Photos", "b.jpg")
    assert (after.id, after.uuid) == (before.id, before.uuid)
    assert after.title == "Harbour at dawn" and after.present
    assert _curator_tags(after.id) == {"harbour"}
    assert _row("Photos", "a.jpg") is None  # no row left behind at the old name
    assert FileEntry.select().count() == 2
    wait_for(lambda: len(watched.lines) >= 2, "the lines", WITHIN)
    assert "renamed Photos/a.jpg → Photos/b.jpg" in watched.lines
    assert "moved Photos/other.jpg → Elsewhere/other.jpg" in watched.lines


def test_a_renamed_folder_takes_every_row_below_it_along(tmp_path, watch):
    root = tmp_path / "drive"
    make_jpeg(root / "Trip" / "day1" / "a.jpg")
    make_jpeg(root / "Trip" / "b.jpg", color=(5, 5, 5))
    latin = os.path.join(os.fsencode(root), b"Trip", b"day1", b"caf\xe9.txt")
    with open(latin, "wb") as fh:
        fh.write(b"not UTF-8")
    make_jpeg(root / "Tripod" / "c.jpg", color=(7, 7, 7))  # a name that begins the same
    run_scan(root)
    ids = {(r.folder, r.filename): r.id for r in FileEntry.select()}
    _curate(ids[("Trip/day1", "a.jpg")], "Day one", ["trip"])
    watched = watch(root)

    os.rename(root / "Trip", root / "Journey 2024")

    wait_for(lambda: _row("Journey 2024/day1", "a.jpg") is not None, "the moved rows", WITHIN)
    wait_for(lambda: _row("Journey 2024", "b.jpg") is not None, "the folder's own file", WITHIN)
    moved = _row("Journey 2024/day1", "a.jpg")
    assert moved.id == ids[("Trip/day1", "a.jpg")] and moved.title == "Day one"
    assert _curator_tags(moved.id) == {"trip"}
    assert _row("Journey 2024", "b.jpg").id == ids[("Trip", "b.jpg")]
    odd = _raw_row(b"Journey 2024/day1/caf\xe9.txt")
    assert odd is not None and odd.id == ids[("Trip/day1", "caf\\xe9.txt")]
    assert odd.folder == "Journey 2024/day1" and odd.present
    assert _row("Tripod", "c.jpg").id == ids[("Tripod", "c.jpg")]  # untouched
    assert not FileEntry.select().where(FileEntry.folder.startswith("Trip/")).exists()
    assert FileEntry.select().where(FileEntry.present == False).count() == 0  # noqa: E712
    wait_for(lambda: watched.lines, "the line", WITHIN)
    assert "renamed folder Trip → Journey 2024 (3 files)" in watched.lines


def test_a_deleted_file_is_missing_and_comes_back_with_its_curation(tmp_path, watch):
    root = tmp_path / "drive"
    make_jpeg(root / "a.jpg")
    make_jpeg(root / "keep.jpg", color=(3, 3, 3))
    run_scan(root)
    row = _row("", "a.jpg")
    _curate(row.id, "Keep me", ["family"])
    data = (root / "a.jpg").read_bytes()
    watched = watch(root)

    (root / "a.jpg").unlink()
    wait_for(lambda: not _row("", "a.jpg").present, "the missing mark", WITHIN)
    gone = _row("", "a.jpg")
    assert gone.id == row.id and gone.title == "Keep me"
    assert _curator_tags(row.id) == {"family"}

    (root / "a.jpg").write_bytes(data)
    wait_for(lambda: _row("", "a.jpg").present, "the file back", WITHIN)
    back = _row("", "a.jpg")
    assert (back.id, back.uuid, back.title) == (row.id, row.uuid, "Keep me")
    assert back.missing_since is None
    assert _curator_tags(row.id) == {"family"}
    assert FileEntry.select().count() == 2
    wait_for(lambda: "back a.jpg" in watched.lines, "the line", WITHIN)
    assert "missing a.jpg" in watched.lines


def test_a_file_moved_off_the_drive_and_back_elsewhere_keeps_its_row(tmp_path, watch):
    root = tmp_path / "drive"
    make_jpeg(root / "In" / "a.jpg")
    run_scan(root)
    row = _row("In", "a.jpg")
    _curate(row.id, "Travelled", [])
    watched = watch(root)

    away = tmp_path / "desktop-a.jpg"
    shutil.move(root / "In" / "a.jpg", away)
    wait_for(lambda: not _row("In", "a.jpg").present, "the missing mark", WITHIN)
    (root / "Out").mkdir()
    shutil.move(away, root / "Out" / "a-copy.jpg")

    wait_for(lambda: _row("Out", "a-copy.jpg") is not None, "the file found again", WITHIN)
    wait_for(lambda: _row("Out", "a-copy.jpg").id == row.id, "its old row at the new path", WITHIN)
    found = _row("Out", "a-copy.jpg")
    assert (found.uuid, found.title, found.present) == (row.uuid, "Travelled", True)
    assert FileEntry.select().count() == 1
    wait_for(lambda: "moved In/a.jpg → Out/a-copy.jpg" in watched.lines, "the line", WITHIN)


def test_names_that_are_not_utf8_are_added_renamed_and_deleted(tmp_path, watch):
    root = tmp_path / "drive"
    make_jpeg(root / "a.jpg")
    run_scan(root)
    watched = watch(root)
    raw_root = os.fsencode(root)

    with open(os.path.join(raw_root, b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"latin-1 name")
    wait_for(lambda: _raw_row(b"caf\xe9.txt") is not None, "the added row", WITHIN)
    added = _raw_row(b"caf\xe9.txt")
    assert added.filename == "caf\\xe9.txt" and added.size == 12

    os.makedirs(os.path.join(raw_root, b"d\xfcr"))
    os.rename(
        os.path.join(raw_root, b"caf\xe9.txt"), os.path.join(raw_root, b"d\xfcr", b"na\xefve")
    )
    # Renamed into a folder made a moment before, the move may reach inotify as a
    # deletion and a creation (the folder was not watched yet): then the file is
    # recognised by its content, a moment after its new row was written.
    wait_for(
        lambda: getattr(_raw_row(b"d\xfcr/na\xefve"), "id", None) == added.id,
        "the row at its new name",
        WITHIN,
    )
    renamed = _raw_row(b"d\xfcr/na\xefve")
    assert (renamed.folder, renamed.filename) == ("d\\xfcr", "na\\xefve")

    os.unlink(os.path.join(raw_root, b"d\xfcr", b"na\xefve"))
    wait_for(lambda: not _raw_row(b"d\xfcr/na\xefve").present, "the missing mark", WITHIN)
    wait_for(lambda: "missing d\\xfcr/na\\xefve" in watched.lines, "the line", WITHIN)


def test_ignored_names_are_passed_over(tmp_path, watch):
    root = tmp_path / "drive"
    make_jpeg(root / "a.jpg")
    run_scan(root)
    watched = watch(root, ignore=["Proxies", "*.thm"])

    make_jpeg(root / "Clip" / "Proxies" / "p.jpg")
    (root / "Clip" / "clip.thm").write_bytes(b"thumb")
    (root / "scratch.tmp").write_bytes(b"a default litter pattern")
    (root / ".DS_Store").write_bytes(b"litter")
    (root / "Clip" / "keep.txt").write_text("catalogued")  # after the others

    wait_for(lambda: _present("Clip", "keep.txt"), "the file not ignored", WITHIN)
    names = {r.filename for r in FileEntry.select()}
    assert names == {"a.jpg", "keep.txt"}
    assert not any("Proxies" in line or "thm" in line for line in watched.lines)


def test_a_file_made_and_deleted_between_two_looks_is_never_catalogued(tmp_path, watch):
    root = tmp_path / "drive"
    make_jpeg(root / "a.jpg")
    run_scan(root)
    watched = watch(root, debounce_s=1.5, max_delay_s=5.0)

    # Created, written to twice and deleted, never quiet for as long as the debounce.
    transient = root / "partial.download"
    transient.write_bytes(b"x" * 1000)
    time.sleep(0.3)
    with open(transient, "ab") as fh:
        fh.write(b"y" * 1000)
    time.sleep(0.3)
    transient.unlink()
    (root / "done.txt").write_text("marker")

    wait_for(lambda: _present("", "done.txt"), "the marker", WITHIN)
    # The batch is reported once written (and its arrivals looked at for relinks).
    wait_for(lambda: watched.lines, "the batch's report", WITHIN)
    assert _row("", "partial.download") is None
    assert watched.lines == ["added done.txt"]


def test_a_drive_that_goes_away_stops_the_watch_and_nothing_is_missing(tmp_path, watch):
    root = tmp_path / "drive"
    for i in range(5):
        make_jpeg(root / "Photos" / f"{i}.jpg", color=(i, i, i))
    run_scan(root)
    watched = watch(root)

    os.rename(root, tmp_path / "unplugged")

    wait_for(lambda: watched.lost, "the drive noticed gone", WITHIN)
    assert "went away" in watched.lost[0] and str(root) in watched.lost[0]
    assert "nothing missing" in watched.lost[0]
    assert watched.watcher.wait(10)
    assert not watched.watcher.running
    assert FileEntry.select().where(FileEntry.present == False).count() == 0  # noqa: E712
    assert ScanRun.get_by_id(watched.watcher.run_id).state == WATCH_LOST


def test_a_drive_with_more_folders_than_inotify_watches_is_polled(tmp_path, watch, monkeypatch):
    root = tmp_path / "drive"
    make_jpeg(root / "A" / "a.jpg")
    make_jpeg(root / "B" / "b.jpg", color=(1, 1, 1))
    run_scan(root)
    monkeypatch.setattr(watch_events, "inotify_watch_limit", lambda: 2)  # 3 folders
    watched = watch(root)

    assert watched.watcher.polling
    assert "fs.inotify.max_user_watches" in watched.watcher.notice
    assert "3 folders" in watched.watcher.notice
    make_jpeg(root / "B" / "new.jpg", color=(2, 2, 2))
    os.rename(root / "A" / "a.jpg", root / "A" / "renamed.jpg")
    polled = watch_events.POLL_EVERY_S + WITHIN
    wait_for(lambda: _present("B", "new.jpg"), "the new file, polled", polled)
    wait_for(lambda: _present("A", "renamed.jpg"), "the renamed file, polled", polled)


def test_stop_ends_every_thread_and_reader_of_the_watch(tmp_path, catalog):
    import psutil

    root = tmp_path / "drive"
    make_jpeg(root / "a.jpg")
    run_scan(root)
    before = {t.ident for t in threading.enumerate()}
    children_before = {p.pid for p in psutil.Process().children(recursive=True)}
    watcher = DriveWatcher(root, Drive.get().id, debounce_s=0.1)
    watcher.start()
    make_jpeg(root / "b.jpg", color=(4, 4, 4))  # so the readers start
    wait_for(lambda: _present("", "b.jpg"), "the new file", WITHIN)

    watcher.stop()
    assert watcher.wait(30)
    wait_for(
        lambda: {t.ident for t in threading.enumerate() if t.is_alive()} <= before,
        "the watch's threads to end",
        10,
    )
    wait_for(
        lambda: (
            {p.pid for p in psutil.Process().children(recursive=True) if p.is_running()}
            <= children_before | _forkserver()
        ),
        "the readers to end",
        10,
    )
    assert ScanRun.get_by_id(watcher.run_id).state == WATCH_ENDED


def _forkserver() -> set[int]:
    """multiprocessing's fork server outlives pools by design (it is shared)."""
    import psutil

    return {
        p.pid
        for p in psutil.Process().children()
        if "forkserver" in " ".join(p.cmdline() if p.is_running() else [])
    }


def test_a_folder_that_cannot_be_watched_is_refused_with_a_message(tmp_path, catalog):
    from luna_desktop.scan.progress import ScanError

    root = tmp_path / "drive"
    make_jpeg(root / "a.jpg")
    run_scan(root)
    watcher = DriveWatcher(tmp_path / "nowhere", Drive.get().id)
    with pytest.raises(ScanError, match="does not exist"):
        watcher.start()


def test_a_file_missing_from_another_drive_that_arrives_here_takes_its_curation(catalog, tmp_path):
    # Drive A held the file; it went missing there (A was rescanned without it).
    a, b = tmp_path / "A", tmp_path / "B"
    make_jpeg(a / "Old" / "harbour.jpg", size=(320, 200), color=(10, 120, 200))
    make_jpeg(a / "Old" / "keep.jpg", size=(320, 200), color=(200, 10, 10))
    run_scan(a, drive="A")
    original = _row("Old", "harbour.jpg")
    _curate(original.id, "Harbour at dusk", ["boats"])
    shutil.move(a / "Old" / "harbour.jpg", tmp_path / "harbour.jpg")
    run_scan(a, drive="A")
    assert _row("Old", "harbour.jpg").present is False
    make_jpeg(b / "Other.jpg", size=(50, 50))
    run_scan(b, drive="B")
    drive_b = Drive.get(Drive.name == "B")

    batches: list[WatchBatch] = []
    watcher = DriveWatcher(b, drive_b.id, on_batch=batches.append, debounce_s=0.2, max_delay_s=1)
    watcher.start()
    try:
        # The file turns up on drive B, under another name: the watch relinks it.
        (b / "Found").mkdir()
        shutil.move(tmp_path / "harbour.jpg", b / "Found" / "h.jpg")
        wait_for(
            lambda: FileEntry.get_by_id(original.id).drive_id == drive_b.id,
            "the missing file relinked to drive B",
            WITHIN,
        )
        # Reported once the batch is handed on, just after the relink is written.
        wait_for(lambda: any(b.relinked for b in batches), "the relink reported", WITHIN)
    finally:
        watcher.stop()
        assert watcher.wait(30)
    moved = FileEntry.get_by_id(original.id)
    assert (moved.folder, moved.filename, moved.present) == ("Found", "h.jpg", True)
    assert moved.title == "Harbour at dusk" and moved.uuid == original.uuid
    assert [t.tag.name for t in FileTag.select().where(FileTag.file == moved.id)] == ["boats"]
    # One row for the file: the arrival's own row went into the old one.
    assert FileEntry.select().where(FileEntry.oshash == original.oshash).count() == 1
    assert any(b.relinked == 1 for b in batches)
    assert any("relinked 1 missing file" in line for b in batches for line in b.lines)


def test_an_overflow_is_heard_only_by_the_watch_it_happened_to():
    import logging

    flags = {name: threading.Event() for name in ("A", "B")}
    alarms = {
        name: watch_events.OverflowAlarm(flag, f"/media/u/{name}") for name, flag in flags.items()
    }
    logger = logging.getLogger("watchdog.observers.inotify")
    for alarm in alarms.values():
        logger.addHandler(alarm)
    try:
        logger.warning("Inotify queue overflowed; filesystem events were lost")
        assert not any(flag.is_set() for flag in flags.values())
        logger.warning(
            "Inotify queue overflowed; reconciling recursive watches below %r", "/media/u/A"
        )
        assert flags["A"].is_set() and not flags["B"].is_set()
    finally:
        for alarm in alarms.values():
            logger.removeHandler(alarm)


def test_a_drive_too_big_to_poll_is_not_watched_and_says_why(tmp_path, catalog, monkeypatch):
    from luna_desktop.scan.progress import ScanError

    root = tmp_path / "drive"
    for name in "ABCD":
        make_jpeg(root / name / "a.jpg", color=(ord(name), 1, 1))
    run_scan(root)
    monkeypatch.setattr(watch_events, "inotify_watch_limit", lambda: 2)  # 5 folders
    monkeypatch.setattr(watch_events, "POLL_MAX_FOLDERS", 4)
    watcher = DriveWatcher(root, Drive.get().id)
    with pytest.raises(ScanError, match=r"too big to check by polling.*rescan"):
        watcher.start()
    assert not watcher.running
