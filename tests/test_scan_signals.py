"""`luna scan` stopped by a signal or killed: a clean stop when asked, no process left behind."""

import os
import signal
import sqlite3

import psutil
import pytest

from tests.crashing_reader import CLOSED, GATE_ENV, GATED_MARK
from tests.scanning import (
    assert_all_gone,
    read_line,
    start_luna,
    wait_for,
    workers_waiting,
)

GATED_READER = "tests.crashing_reader:read_files_gated"


def _tree(root, plain: int, gated: int):
    """Small files: `plain` read at once, then `gated` that wait at the test's gate.
    More than the 256 files read on threads, so worker processes are started."""
    for i in range(plain):
        path = root / "a" / f"{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"plain {i}\n")
    for i in range(gated):
        path = root / "b" / f"{GATED_MARK}-{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"gated {i}\n")
    return plain + gated


def _count(catalog) -> int:
    try:
        with sqlite3.connect(catalog, timeout=5) as con:
            return con.execute("SELECT count(*) FROM file_entry").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.fixture
def gate(tmp_path):
    folder = tmp_path / "gate"
    folder.mkdir()
    (folder / CLOSED).touch()
    yield folder
    (folder / CLOSED).unlink(missing_ok=True)


def _start_scan_at_gate(tmp_path, gate, plain=0, gated=400):
    root = tmp_path / "drive"
    total = _tree(root, plain, gated)
    catalog = tmp_path / "cat.sqlite3"
    proc = start_luna(
        catalog,
        "scan",
        str(root),
        "--drive",
        "D",
        "--workers",
        "2",
        "--batch-size",
        "50",
        reader=GATED_READER,
        env={GATE_ENV: str(gate)},
    )
    wait_for(
        lambda: workers_waiting(gate, proc.pid) or proc.poll() is not None,
        "a worker process at the gate",
    )
    assert proc.poll() is None, proc.communicate()
    return proc, root, catalog, total


def _open_gate_once_stopping(proc, gate):
    """Once the scan says it is stopping, no file is started any more: only then may
    the files waiting at the gate go on, so the stop lands mid-scan for certain."""
    try:
        line = read_line(proc, proc.stderr)
    finally:
        (gate / CLOSED).unlink()
    assert line == "luna: stopping; what was read is kept\n", line


def _descendants(pid: int) -> list[psutil.Process]:
    found = psutil.Process(pid).children(recursive=True)
    # The scan's worker processes, their fork server and the resource tracker.
    assert len(found) >= 3, [p.cmdline() for p in found]
    return found


def test_a_killed_scan_leaves_no_process_behind(tmp_path, gate):
    proc, *_ = _start_scan_at_gate(tmp_path, gate)
    descendants = _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Before reading its output: what is left behind holds its pipes open.
    assert_all_gone(descendants)
    proc.communicate()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_the_scan_as_ctrl_c_does(tmp_path, gate, signum):
    proc, _root, catalog, total = _start_scan_at_gate(tmp_path, gate)
    descendants = _descendants(proc.pid)
    os.kill(proc.pid, signum)
    _open_gate_once_stopping(proc, gate)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert out.startswith("Scan cancelled: "), (out, err)
    assert "as drive 'D'" in out and "added" in out
    assert_all_gone(descendants)
    # A clean stop: what was read is written, and the run is on record as cancelled.
    with sqlite3.connect(catalog) as con:
        assert con.execute("SELECT state FROM scan_run").fetchall() == [("cancelled",)]
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert 0 < _count(catalog) < total


def test_ctrl_c_stops_cleanly_and_the_next_scan_carries_on(tmp_path, gate):
    proc, root, catalog, total = _start_scan_at_gate(tmp_path, gate, plain=300, gated=200)
    # Tasks of plain files only are read and written in batches of 50, while the
    # gated ones wait: 250 are certain to land.
    wait_for(lambda: _count(catalog) >= 250, "the first files to be catalogued")
    with sqlite3.connect(catalog) as con:
        first = dict(con.execute("SELECT uuid, scanned_at FROM file_entry").fetchall())
    proc.send_signal(signal.SIGINT)
    _open_gate_once_stopping(proc, gate)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert out.startswith("Scan cancelled: "), (out, err)
    partial = _count(catalog)
    assert 250 <= partial < total
    assert f" {partial} added" in out

    again = start_luna(catalog, "scan", str(root), "--drive", "D")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f"{total - partial} added" in out and f"{partial} unchanged" in out
    assert _count(catalog) == total
    with sqlite3.connect(catalog) as con:
        now = dict(con.execute("SELECT uuid, scanned_at FROM file_entry").fetchall())
        states = [r[0] for r in con.execute("SELECT state FROM scan_run ORDER BY id")]
    assert {u: now[u] for u in first} == first  # the first files were not read again
    assert states == ["cancelled", "completed"]
