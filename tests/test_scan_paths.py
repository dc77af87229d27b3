"""The two reading paths agree, and a backup taken while a scan writes is whole."""

import os
import sqlite3

import luna_desktop.scan.read_pool as read_pool
from luna_desktop.catalog.backup import backup_database
from luna_desktop.catalog.database import open_catalog
from luna_desktop.catalog.models import FileEntry, FileTag, Tag
from tests.crashing_reader import CLOSED, GATE_ENV, GATED_MARK, read_files_recording_pid
from tests.scanning import closed_gate, run_scan, start_luna

_SKIP = {"id", "uuid", "scanned_at", "added_scan", "extra"}


def _rows_and_readers() -> tuple[dict, set[int]]:
    rows, readers = {}, set()
    for r in FileEntry.select().dicts():
        extra = dict(r["extra"] or {})
        readers.add(extra.pop("reader_pid"))
        extra.pop("reader_niceness")  # the readers in processes run at a lower priority
        key = (r["folder"], r["filename"])
        keywords = {t.name for t in Tag.select().join(FileTag).where(FileTag.file == r["id"])}
        rows[key] = {k: v for k, v in r.items() if k not in _SKIP} | {
            "extra": extra,
            "keywords": keywords,
        }
    return rows, readers


def test_worker_processes_give_exactly_the_rows_threads_give(
    catalog, corpus, tmp_path, monkeypatch
):
    monkeypatch.setattr(read_pool, "read_files", read_files_recording_pid)
    on_threads = run_scan(corpus, drive="Corpus", processes=False)
    threads_rows, threads_readers = _rows_and_readers()
    assert threads_readers == {os.getpid()}

    open_catalog(tmp_path / "processes.sqlite3")
    in_processes = run_scan(corpus, drive="Corpus", task_size=4, workers=2)
    processes_rows, processes_readers = _rows_and_readers()
    assert os.getpid() not in processes_readers

    assert in_processes.counts == on_threads.counts
    assert processes_rows.keys() == threads_rows.keys() and len(threads_rows) > 50
    for key, expected in threads_rows.items():
        assert processes_rows[key] == expected, key


def _check_backup(path, total: int, batch: int, final: dict) -> int:
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if not con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            return 0  # taken before the catalogue's schema was committed: empty, and whole
        rows = con.execute("SELECT uuid, folder, filename, size, oshash FROM file_entry").fetchall()
        stats = con.execute("SELECT COALESCE(SUM(s1), 0) FROM folder_stats").fetchone()[0]
        indexed = con.execute("SELECT count(*) FROM file_search").fetchone()[0]
    # Whole batches only, as the scan committed them, with the counts and search index
    # their triggers keep; and every row exactly as the finished scan left it.
    assert len(rows) % batch == 0 or len(rows) == total
    assert stats == indexed == len(rows)
    for uuid, *facts in rows:
        assert final[uuid] == tuple(facts)
    return len(rows)


def test_a_backup_taken_while_a_scan_writes_is_a_consistent_prefix(tmp_path):
    root = tmp_path / "drive"
    for i in range(300):
        path = root / "a" / f"{i:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"plain {i}\n")
    for i in range(40):
        path = root / "b" / f"{GATED_MARK}-{i:02d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"gated {i}\n")
    total, batch = 340, 20
    catalog = tmp_path / "cat.sqlite3"
    gate = closed_gate(tmp_path)
    proc = start_luna(
        catalog,
        "scan",
        str(root),
        "--batch-size",
        str(batch),
        reader="tests.crashing_reader:read_files_gated",
        env={GATE_ENV: str(gate)},
    )
    backups = []

    def backup():
        if catalog.exists():
            backups.append(backup_database(catalog, tmp_path / f"backup-{len(backups)}.sqlite3"))

    try:
        while not any(gate.glob("reached-*")) and proc.poll() is None:
            backup()  # while batches are being written
        backup()  # the gated files wait: mid-way for certain
        (gate / CLOSED).unlink()
        while proc.poll() is None:
            backup()
    finally:
        (gate / CLOSED).unlink(missing_ok=True)
        _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    with sqlite3.connect(catalog) as con:
        final = {
            uuid: tuple(facts)
            for uuid, *facts in con.execute(
                "SELECT uuid, folder, filename, size, oshash FROM file_entry"
            )
        }
    assert len(final) == total
    sizes = [_check_backup(b, total, batch, final) for b in backups]
    assert any(0 < n < total for n in sizes), sizes
