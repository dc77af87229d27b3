"""A scan killed at any moment leaves a consistent catalogue; the next one finishes the job."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import psutil
import pytest

from tests.corpus import require_corpus
from tests.scanning import assert_all_gone

_COLUMNS = (
    "folder, filename, size, oshash, kind, mime, width, height, orientation, taken_at, "
    "camera_make, camera_model, lat, lng, duration, present"
)


def _build_drive(root, copies=6):
    """Copies of the corpus images, each with a unique trailer so each has its own hash."""
    corpus = require_corpus()
    sources = [
        p
        for p in sorted(corpus.rglob("*"))
        if p.suffix.lower() in {".jpg", ".tif", ".tiff", ".png"}
    ]
    n = 0
    for copy in range(copies):
        for src in sources:
            dest = root / f"set{copy}" / src.parent.name / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes() + b"LUNA%08d" % n)
            n += 1
    return n


def _scan_cmd(catalog, root, *extra):
    return [
        sys.executable,
        "-m",
        "luna_desktop.cli.main",
        "--catalog",
        str(catalog),
        "scan",
        str(root),
        "--drive",
        "D",
        *extra,
    ]


def _rows(catalog):
    with sqlite3.connect(catalog) as con:
        return sorted(con.execute(f"SELECT {_COLUMNS} FROM file_entry").fetchall(), key=repr)


def _count(catalog):
    try:
        with sqlite3.connect(catalog, timeout=5) as con:
            return con.execute("SELECT count(*) FROM file_entry").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("kill_after", [1, 150])
def test_killed_scan_resumes_to_the_same_catalogue(tmp_path, kill_after):
    root = tmp_path / "drive"
    total = _build_drive(root)
    killed_cat = tmp_path / "killed.sqlite3"
    proc = subprocess.Popen(
        _scan_cmd(killed_cat, root, "--batch-size", "7", "--workers", "1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while _count(killed_cat) < kill_after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    # Its worker processes, their fork server, the resource tracker: none may outlive it.
    descendants = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the scan ended before it could be killed"
    assert_all_gone(descendants)
    partial = _count(killed_cat)
    assert kill_after <= partial < total

    with sqlite3.connect(killed_cat) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT state FROM scan_run").fetchall() == [("running",)]

    resumed = subprocess.run(
        _scan_cmd(killed_cat, root), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{total - partial} added" in resumed.stdout
    assert f"{partial} unchanged" in resumed.stdout

    clean_cat = tmp_path / "clean.sqlite3"
    clean = subprocess.run(_scan_cmd(clean_cat, root), capture_output=True, text=True, timeout=300)
    assert clean.returncode == 0, clean.stderr
    assert _rows(killed_cat) == _rows(clean_cat)
    assert len(_rows(clean_cat)) == total
    with sqlite3.connect(killed_cat) as con:
        states = [r[0] for r in con.execute("SELECT state FROM scan_run ORDER BY id")]
        assert states == ["interrupted", "completed"]
