"""A drive that goes away mid-scan stops the scan; the catalogue keeps what it knew."""

import errno
import os
import re
import sqlite3

import luna_desktop.scan.read_pool as read_pool
from luna_desktop.catalog.models import FileEntry, ScanRun
from luna_desktop.media.info import MediaInfo
from luna_desktop.scan.pipeline import ScanOptions, scan_drive
from luna_desktop.scan.progress import DRIVE_LOST
from tests.crashing_reader import (
    CLOSED,
    GATE_ENV,
    GATED_MARK,
    read_files_gated,
    read_files_recording_pid,
)
from tests.media_factory import make_jpeg
from tests.scanning import closed_gate, run_scan, start_luna, wait_for

_FACTS = "uuid, folder, filename, size, oshash, kind, width, height, taken_at, camera_model, error"


def _facts(con) -> dict:
    return {r[0]: r for r in con.execute(f"SELECT {_FACTS} FROM file_entry").fetchall()}


def _message_pattern(root, total: int) -> str:
    return (
        rf"the drive at {re.escape(str(root))} went away after (\d+) of {total} files; "
        "scan again when it is back"
    )


def test_a_drive_that_goes_away_mid_scan_keeps_what_the_catalogue_knew(
    catalog, tmp_path, monkeypatch
):
    root = tmp_path / "drive"
    for i in range(40):
        make_jpeg(root / f"f{i // 10}" / f"{i:02d}.jpg", color=(i, i, i))
    make_jpeg(root / "g" / f"{GATED_MARK}.jpg")
    run_scan(root)
    before = _facts(catalog.connection())
    make_jpeg(root / "new" / "n.jpg")  # walked last: read, if at all, after the drive went
    gate = closed_gate(tmp_path)
    monkeypatch.setenv(GATE_ENV, str(gate))
    monkeypatch.setattr(read_pool, "read_files", read_files_gated)
    away = tmp_path / "unplugged"
    options = ScanOptions(
        full=True, processes=False, workers=1, task_size=1, batch_size=5, report_every=0
    )
    for progress in scan_drive(root, "TestDrive", options):
        if (gate / CLOSED).exists() and any(gate.glob("reached-*")):
            # The reader waits at the gated file, the forty before it read: the drive goes.
            os.rename(root, away)  # its mount point is gone; reads fail with ENOENT
            (gate / CLOSED).unlink()
        last = progress
    assert last.state == DRIVE_LOST
    done = re.fullmatch(_message_pattern(root, 42), last.message)
    assert done, last.message
    assert int(done.group(1)) == 40
    assert last.counts.missing == 0
    # What could not be read keeps what an earlier scan read; nothing is called missing.
    assert _facts(catalog.connection()) == before
    assert FileEntry.select().where(FileEntry.present == False).count() == 0  # noqa: E712
    assert not FileEntry.select().where(FileEntry.filename == "n.jpg").exists()
    assert ScanRun.select().order_by(ScanRun.id.desc()).get().state == DRIVE_LOST

    # Back again: the next scan completes and adds what the lost one could not.
    os.rename(away, root)
    again = run_scan(root)
    assert again.state == "completed" and again.counts.missing == 0
    assert again.counts.added == 1 and again.counts.unchanged == 41


def test_luna_scan_says_the_drive_went_away_and_exits_non_zero(tmp_path):
    root = tmp_path / "drive"
    for i in range(40):
        make_jpeg(root / "a" / f"{i:02d}.jpg", color=(i, 0, 0))
    for i in range(20):
        make_jpeg(root / "b" / f"{GATED_MARK}-{i:02d}.jpg", color=(0, i, 0))
    catalog = tmp_path / "cat.sqlite3"
    first = start_luna(catalog, "scan", str(root), "--drive", "D")
    assert first.wait(timeout=300) == 0, first.communicate()
    with sqlite3.connect(catalog) as con:
        before = _facts(con)
        scanned = dict(con.execute("SELECT uuid, scanned_at FROM file_entry"))

    gate = closed_gate(tmp_path)
    proc = start_luna(
        catalog,
        "scan",
        str(root),
        "--drive",
        "D",
        "--full",
        "--workers",
        "1",
        reader="tests.crashing_reader:read_files_gated",
        env={GATE_ENV: str(gate)},
    )
    # One reader: the first task (32 plain files) is read before the second, holding the
    # gated files, waits at the gate.
    wait_for(lambda: any(gate.glob("reached-*")) or proc.poll() is not None, "the gate")
    os.rename(root, tmp_path / "unplugged")
    (gate / CLOSED).unlink()
    out, err = proc.communicate(timeout=300)

    assert proc.returncode == 3, err
    assert out.startswith("Scan stopped: "), out
    said = re.search(r"luna: (.*)\n", err)
    done = said and re.fullmatch(_message_pattern(root, 60), said.group(1))
    assert done and int(done.group(1)) == 32, err
    with sqlite3.connect(catalog) as con:
        assert _facts(con) == before
        assert con.execute("SELECT count(*) FROM file_entry WHERE NOT present").fetchone() == (0,)
        assert con.execute("SELECT state FROM scan_run ORDER BY id DESC").fetchone() == (
            DRIVE_LOST,
        )
        # What was read before the drive went is kept: read again, written again.
        now = dict(con.execute("SELECT uuid, scanned_at FROM file_entry"))
    assert sum(now[u] != scanned[u] for u in scanned) == 32


def _reader_with_a_bad_sector(jobs):
    """Reads as usual, but one file fails with EIO, as on a drive with a bad sector."""
    records = read_files_recording_pid(jobs)
    for record in records:
        if record.filename == "bad.jpg":
            record.info = MediaInfo()
            record.info.add_error("could not read the file: Input/output error")
            record.os_errno = errno.EIO
    return records


def test_one_unreadable_file_on_a_drive_still_there_keeps_its_row(catalog, tmp_path, monkeypatch):
    root = tmp_path / "drive"
    for name in ("a.jpg", "bad.jpg", "c.jpg"):
        make_jpeg(root / name)
    run_scan(root)
    before = _facts(catalog.connection())
    monkeypatch.setattr(read_pool, "read_files", _reader_with_a_bad_sector)
    result = run_scan(root, full=True, processes=False)
    assert result.state == "completed" and not result.message
    assert result.counts.changed == 2 and result.counts.errors == 1
    assert result.problems == [("bad.jpg", "could not read the file: Input/output error")]
    assert _facts(catalog.connection()) == before
