"""The scan pipeline on drives made on the fly: incremental rescans, moves, bad input."""

import os
import shutil

import pytest

from luna_desktop.catalog.models import Drive, FileEntry, FileTag, ScanRun, Tag
from luna_desktop.catalog.status import Status
from luna_desktop.scan.pipeline import Cancel, ScanOptions, scan_drive
from luna_desktop.scan.progress import ScanError
from tests.media_factory import make_jpeg
from tests.scanning import row, run_scan


@pytest.fixture
def drive(tmp_path):
    root = tmp_path / "drive"
    make_jpeg(root / "2019 Trip" / "a.jpg", keywords=["beach", "2019"], gps=(43.5, -11.25))
    make_jpeg(root / "2019 Trip" / "b.jpg", color=(10, 20, 30))
    make_jpeg(root / "2019 Trip" / "day 2" / "c.jpg", color=(1, 2, 3))
    (root / "notes.txt").write_text("field notes\n")
    return root


def test_first_scan_catalogues_every_file(catalog, drive):
    result = run_scan(drive)
    assert result.state == "completed"
    assert result.counts.added == 4 and result.counts.errors == 0
    assert result.files_total == 4 and result.files_done == 4
    a = row("2019 Trip", "a.jpg")
    assert a.kind == "image" and a.mime == "image/jpeg"
    assert (a.width, a.height) == (64, 48)
    assert a.taken_at == "2019-04-24T10:11:12"
    assert a.camera_make == "TestMake" and a.camera_model == "TestCam 1"
    assert a.lat == pytest.approx(43.5, abs=1e-4) and a.lng == pytest.approx(-11.25, abs=1e-4)
    assert a.size == (drive / "2019 Trip" / "a.jpg").stat().st_size
    assert len(a.oshash) == 16 and a.owner
    keywords = {
        t.name
        for t in Tag.select()
        .join(FileTag)
        .where((FileTag.file == a) & (FileTag.source == "keyword"))
    }
    assert keywords == {"beach", "2019"}
    assert row("", "notes.txt").kind == "document"
    d = Drive.get(Drive.name == "TestDrive")
    assert d.total_files == 4 and d.mount_path == str(drive.resolve())
    assert ScanRun.get().state == "completed"


def test_rescan_reads_nothing_unchanged(catalog, drive, monkeypatch):
    run_scan(drive)
    before = {r.uuid: r.scanned_at for r in FileEntry.select()}
    import luna_desktop.scan.read_pool as read_pool

    def must_not_read(*args, **kwargs):
        raise AssertionError("an unchanged file was read again")

    monkeypatch.setattr(read_pool, "read_files", must_not_read)
    result = run_scan(drive)
    assert result.counts.unchanged == 4
    assert result.counts.added == result.counts.changed == result.counts.missing == 0
    assert {r.uuid: r.scanned_at for r in FileEntry.select()} == before


def test_full_rescan_reads_everything_again(catalog, drive):
    run_scan(drive)
    result = run_scan(drive, full=True)
    assert result.counts.changed == 4 and result.counts.unchanged == 0
    assert FileEntry.select().count() == 4


def test_changed_file_is_read_again_and_keeps_curation(catalog, drive):
    run_scan(drive)
    b = row("2019 Trip", "b.jpg")
    FileEntry.update(title="Harbour", status=int(Status.UPLOAD)).where(
        FileEntry.id == b.id
    ).execute()
    make_jpeg(drive / "2019 Trip" / "b.jpg", size=(80, 60), taken="2020:01:02 03:04:05")
    os.utime(drive / "2019 Trip" / "b.jpg", (1_700_000_000, 1_700_000_000))
    result = run_scan(drive)
    assert result.counts.changed == 1 and result.counts.unchanged == 3
    b2 = row("2019 Trip", "b.jpg")
    assert b2.uuid == b.uuid and (b2.width, b2.height) == (80, 60)
    assert b2.taken_at == "2020-01-02T03:04:05"
    assert b2.title == "Harbour" and b2.status == Status.UPLOAD


def test_new_and_deleted_files(catalog, drive):
    run_scan(drive)
    c = row("2019 Trip/day 2", "c.jpg")
    FileEntry.update(notes="check the horizon").where(FileEntry.id == c.id).execute()
    shutil.rmtree(drive / "2019 Trip" / "day 2")
    (drive / "2019 Trip" / "b.jpg").unlink()
    make_jpeg(drive / "new" / "d.jpg", color=(90, 90, 90))
    result = run_scan(drive)
    assert result.counts.added == 1 and result.counts.missing == 2 and result.counts.moved == 0
    gone = row("2019 Trip/day 2", "c.jpg")
    assert not gone.present and gone.missing_since is not None
    assert gone.notes == "check the horizon"
    assert Drive.get().total_files == 3

    # The folder comes back: the same row is present again, curation intact.
    make_jpeg(drive / "2019 Trip" / "day 2" / "c.jpg", color=(1, 2, 3))
    os.utime(drive / "2019 Trip" / "day 2" / "c.jpg", (gone.mtime, gone.mtime))
    result = run_scan(drive)
    back = row("2019 Trip/day 2", "c.jpg")
    assert back.present and back.uuid == gone.uuid and back.notes == "check the horizon"
    assert result.counts.reappeared == 1


def test_moved_and_renamed_files_keep_uuid_and_curation(catalog, drive):
    run_scan(drive)
    a = row("2019 Trip", "a.jpg")
    FileEntry.update(title="Lighthouse", status=int(Status.RESTRICTED)).where(
        FileEntry.id == a.id
    ).execute()
    tag = Tag.create(name="favourite")
    FileTag.create(file=a, tag=tag, source="curator")
    (drive / "Sorted").mkdir()
    os.rename(drive / "2019 Trip" / "a.jpg", drive / "Sorted" / "lighthouse.jpg")
    result = run_scan(drive)
    assert result.counts.moved == 1
    assert result.counts.added == 0 and result.counts.missing == 0
    moved = row("Sorted", "lighthouse.jpg")
    # The very row: same id and UUID, its curation and tags, and no second row for it.
    assert moved.id == a.id and moved.uuid == a.uuid and moved.present
    assert moved.title == "Lighthouse" and moved.status == Status.RESTRICTED
    names = {(t.tag.name, t.source) for t in FileTag.select().where(FileTag.file == moved)}
    assert ("favourite", "curator") in names and ("beach", "keyword") in names
    assert FileEntry.select().where(FileEntry.oshash == a.oshash).count() == 1
    assert FileEntry.select().where(FileEntry.filename == "a.jpg").count() == 0
    assert FileEntry.select().count() == 4
    assert Drive.get().total_files == 4


def test_identical_empty_files_are_not_taken_for_moves(catalog, tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    (root / "one.txt").write_bytes(b"")
    run_scan(root)
    (root / "one.txt").unlink()
    (root / "two.txt").write_bytes(b"")
    result = run_scan(root)
    assert result.counts.moved == 0 and result.counts.added == 1 and result.counts.missing == 1


def test_zero_byte_and_truncated_files_are_catalogued_with_errors(catalog, tmp_path):
    root = tmp_path / "d"
    good = make_jpeg(root / "good.jpg", size=(300, 200))
    (root / "FILE0001.JPG").write_bytes(b"")
    (root / "cut.jpg").write_bytes(good.read_bytes()[:300])
    (root / "noise.mov").write_bytes(os.urandom(5000))
    data = good.read_bytes()
    (root / "cut70.jpg").write_bytes(data[: len(data) * 7 // 10])
    (root / "trailer.jpg").write_bytes(data + b"vendor trailer after the image")
    result = run_scan(root)
    assert result.state == "completed" and result.counts.added == 6
    empty = row("", "FILE0001.JPG")
    assert empty.size == 0 and empty.oshash == "0000000000000000"
    assert empty.error == "the file is empty (0 bytes)"
    cut = row("", "cut.jpg")
    assert cut.kind == "image" and cut.error
    assert row("", "good.jpg").error is None
    cut70 = row("", "cut70.jpg")
    assert (cut70.width, cut70.height) == (300, 200)
    assert "truncated" in cut70.error
    assert row("", "trailer.jpg").error is None
    assert row("", "noise.mov").kind == "other"


def test_names_that_are_not_utf8_round_trip(catalog, tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    folder = os.path.join(os.fsencode(root), b"Sc\xe4ns")
    os.mkdir(folder)
    name = os.path.join(folder, b"caf\xe9 \xff.jpg")
    make_jpeg(root / "tmp.jpg")
    os.rename(root / "tmp.jpg", name)
    result = run_scan(root)
    assert result.counts.added == 1 and result.counts.errors == 0
    entry = FileEntry.get()
    assert entry.relpath == b"Sc\xe4ns/caf\xe9 \xff.jpg"
    assert entry.kind == "image" and entry.width == 64
    with open(os.path.join(os.fsencode(root), entry.relpath), "rb") as fh:
        assert fh.read(2) == b"\xff\xd8"
    # And the rescan recognises it as the same, unchanged file.
    again = run_scan(root)
    assert again.counts.unchanged == 1 and FileEntry.select().count() == 1


def test_symlink_loops_and_links_are_not_followed(catalog, tmp_path):
    root = tmp_path / "d"
    make_jpeg(root / "a" / "x.jpg")
    os.symlink(root, root / "a" / "loop")
    os.symlink(root / "a" / "x.jpg", root / "link.jpg")
    os.symlink(root / "nowhere", root / "dangling")
    result = run_scan(root)
    assert result.state == "completed"
    assert FileEntry.select().count() == 1
    assert result.counts.skipped_links == 3


def test_system_litter_and_user_patterns_are_ignored(catalog, tmp_path):
    root = tmp_path / "d"
    make_jpeg(root / "keep.jpg")
    for litter in [".DS_Store", "._keep.jpg", "Thumbs.db", "desktop.ini"]:
        (root / litter).write_bytes(b"x")
    (root / ".Spotlight-V100").mkdir()
    (root / ".Spotlight-V100" / "store.db").write_bytes(b"x")
    (root / "$RECYCLE.BIN").mkdir()
    (root / "$RECYCLE.BIN" / "old.jpg").write_bytes(b"x")
    (root / "keep.xmp").write_text("<x/>")
    make_jpeg(root / "Clients" / "A" / "Proxies" / "p.jpg")
    make_jpeg(root / "Clients" / "A" / "final.jpg")
    result = run_scan(root, ignore=["*.XMP", "Clients/*/Proxies"])
    names = {e.filename for e in FileEntry.select()}
    assert names == {"keep.jpg", "final.jpg"}
    assert result.counts.ignored == 8


def test_cancel_keeps_what_was_read_and_marks_nothing_missing(catalog, tmp_path):
    root = tmp_path / "d"
    for i in range(60):
        make_jpeg(root / f"f{i // 10}" / f"{i}.jpg", color=(i, i, i))
    run_scan(root)
    (root / "f0" / "0.jpg").unlink()
    # New folders sort before the old ones, so the cancel lands before f0 is walked.
    for i in range(60, 120):
        make_jpeg(root / f"a{i // 10}" / f"{i}.jpg", color=(i, 0, i))
    cancel = Cancel()
    states = []
    for progress in scan_drive(
        root, "TestDrive", ScanOptions(batch_size=5, workers=1, task_size=1, report_every=0), cancel
    ):
        states.append(progress.state)
        if progress.counts.added >= 5:
            cancel.set()
    assert states[-1] == "cancelled"
    assert ScanRun.select().order_by(ScanRun.id.desc()).get().state == "cancelled"
    added = FileEntry.select().count() - 60
    assert 5 <= added < 60
    assert FileEntry.select().where(FileEntry.present == False).count() == 0  # noqa: E712
    # The next scan finishes the job.
    result = run_scan(root)
    assert FileEntry.select().where(FileEntry.present == True).count() == 119  # noqa: E712
    assert result.counts.added == 60 - added


def test_bad_roots_are_refused_before_anything_is_written(catalog, tmp_path):
    with pytest.raises(ScanError, match="does not exist"):
        next(scan_drive(tmp_path / "nope"))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ScanError, match="is not a folder"):
        next(scan_drive(tmp_path / "file.txt"))
    assert Drive.select().count() == 0


def test_drive_is_recognised_at_another_mount_path(catalog, drive, tmp_path):
    run_scan(drive, drive=None)
    first = Drive.get()
    assert first.name == "drive"
    elsewhere = tmp_path / "mnt" / "usb0"
    elsewhere.parent.mkdir()
    shutil.copytree(drive, elsewhere, copy_function=shutil.copy2)
    shutil.rmtree(drive)
    result = run_scan(elsewhere, drive=None)
    assert Drive.select().count() == 1
    assert Drive.get().mount_path == str(elsewhere.resolve())
    assert result.counts.unchanged == 4 and result.counts.added == 0


def test_a_different_folder_becomes_a_new_drive(catalog, drive, tmp_path):
    run_scan(drive, drive=None)
    other = tmp_path / "other" / "drive"
    make_jpeg(other / "z.jpg")
    run_scan(other, drive=None)
    assert sorted(d.name for d in Drive.select()) == ["drive", "drive (2)"]


def test_a_move_seen_by_a_cancelled_scan_is_linked_by_the_next(catalog, tmp_path):
    root = tmp_path / "d"
    make_jpeg(root / "a" / "keep.jpg", color=(1, 1, 1))
    make_jpeg(root / "b" / "moving.jpg", color=(2, 2, 2))
    run_scan(root)
    old = row("b", "moving.jpg")
    FileEntry.update(title="The one").where(FileEntry.id == old.id).execute()
    os.rename(root / "b" / "moving.jpg", root / "a" / "moved.jpg")
    cancel = Cancel()
    for progress in scan_drive(root, "TestDrive", ScanOptions(task_size=1, report_every=0), cancel):
        if progress.counts.added:
            cancel.set()
    assert ScanRun.select().order_by(ScanRun.id.desc()).get().state == "cancelled"
    result = run_scan(root)
    assert result.counts.moved == 1
    # The cancelled scan added the new row: this one added nothing, lost nothing.
    assert result.counts.added == 0 and result.counts.missing == 0
    moved = row("a", "moved.jpg")
    assert moved.uuid == old.uuid and moved.title == "The one"
    assert FileEntry.select().count() == 2


def test_a_new_row_curated_during_the_scan_is_never_deleted_by_relinking(catalog, drive):
    from luna_desktop.scan.relink import relink_moved_files

    run_scan(drive)
    pairs = []
    for name, version in (("a.jpg", 2), ("b.jpg", 1)):
        old = row("2019 Trip", name)
        FileEntry.update(present=False, title=f"old {name}").where(FileEntry.id == old.id).execute()
        twin = FileEntry.create(
            drive=old.drive,
            folder="Sorted",
            filename=name,
            size=old.size,
            oshash=old.oshash,
            added_scan=99,
            version=version,
            title="curated while the scan ran" if version > 1 else "",
        )
        pairs.append((old, twin))
    # b's twin is an ordinary move, and relinked; a's was curated, and is left alone.
    assert relink_moved_files(pairs[0][0].drive_id, 0) == 1
    (a_old, a_twin), (b_old, b_twin) = pairs
    assert FileEntry.get_by_id(a_twin.id).title == "curated while the scan ran"
    assert not FileEntry.get_by_id(a_old.id).present
    moved = FileEntry.get_by_id(b_old.id)
    assert moved.folder == "Sorted" and moved.present and moved.title == "old b.jpg"
    assert moved.uuid == b_old.uuid
    assert not FileEntry.select().where(FileEntry.id == b_twin.id).exists()


def test_files_ignored_later_are_not_marked_missing(catalog, drive):
    run_scan(drive)
    result = run_scan(drive, ignore=["*.txt", "day 2"])
    assert result.counts.missing == 0
    assert FileEntry.select().where(FileEntry.present == False).count() == 0  # noqa: E712


def test_a_scan_leaves_the_planner_statistics_of_the_catalogue_it_filled(catalog, drive):
    from luna_desktop.catalog.models import DB

    def rows_of(table: str) -> int | None:
        if not DB.table_exists("sqlite_stat1"):
            return None
        stat = DB.execute_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = ? AND idx IS NOT NULL "
                              "LIMIT 1", (table,)).fetchone()  # fmt: skip
        return int(stat[0].split()[0]) if stat else None

    assert rows_of("file_entry") is None  # a new catalogue has none
    run_scan(drive)
    assert rows_of("file_entry") == 4  # the search and the filters plan by these


def test_statistics_are_refreshed_only_when_the_files_changed_much(catalog, drive, tmp_path):
    from luna_desktop.catalog.models import DB

    def analysed_rows() -> int:
        stat = DB.execute_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'file_entry' "
                              "AND idx IS NOT NULL LIMIT 1").fetchone()  # fmt: skip
        return int(stat[0].split()[0])

    run_scan(drive)
    assert analysed_rows() == 4
    make_jpeg(drive / "one more.jpg")
    run_scan(drive)  # 5 rows is within a quarter (and a hundred) of 4: no new ANALYZE
    assert analysed_rows() == 4
    for i in range(200):
        (drive / "many" / f"{i}.txt").parent.mkdir(exist_ok=True)
        (drive / "many" / f"{i}.txt").write_text(str(i))
    run_scan(drive)
    assert analysed_rows() == 205
