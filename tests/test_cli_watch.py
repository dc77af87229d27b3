"""`luna watch` in a process of its own: a line per change, Ctrl+C, a drive that goes away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from luna_desktop.catalog.models import FileEntry
from tests.media_factory import make_jpeg
from tests.scanning import REPO, run_scan

# The `luna` command as installed in the project's environment (what `uv run luna` runs).
LUNA = str(Path(sys.executable).with_name("luna"))


class Luna:
    """`luna --catalog C watch …` with its output read as it comes."""

    def __init__(self, catalog: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [LUNA, "--catalog", str(catalog), "watch", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=_read, args=(stream, lines), daemon=True).start()

    def wait_for(self, lines: list[str], text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in lines):
            if time.monotonic() > deadline or (self.proc.poll() is not None and not lines):
                self.proc.kill()
                raise AssertionError(f"no {text!r} in {lines} (stderr: {self.err})")
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def _read(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))


@pytest.fixture
def drive(tmp_path, catalog) -> Path:
    root = tmp_path / "drive"
    make_jpeg(root / "Photos" / "a.jpg")
    make_jpeg(root / "Photos" / "b.jpg", color=(1, 2, 3))
    (root / "Docs").mkdir()
    (root / "Docs" / "old.txt").write_text("old")
    run_scan(root)
    return root


def test_luna_watch_prints_a_line_per_change_and_stops_on_ctrl_c(drive, tmp_path):
    luna = Luna(tmp_path / "catalog.sqlite3", str(drive))
    try:
        luna.wait_for(luna.err, "Ctrl+C to stop")
        make_jpeg(drive / "Photos" / "new.jpg", color=(9, 9, 9))
        os.rename(drive / "Photos" / "a.jpg", drive / "Photos" / "renamed.jpg")
        (drive / "Docs" / "old.txt").unlink()
        luna.wait_for(luna.out, "added Photos/new.jpg", 5)
        luna.wait_for(luna.out, "renamed Photos/a.jpg → Photos/renamed.jpg", 5)
        luna.wait_for(luna.out, "missing Docs/old.txt", 5)
        luna.proc.send_signal(signal.SIGINT)
        assert luna.finish() == 0
    finally:
        if luna.proc.poll() is None:
            luna.proc.kill()
    luna.wait_for(luna.err, "stopped watching")
    assert "1 added, 0 changed, 1 missing, 1 moved" in luna.err[-1]
    assert len(luna.out) == 3, luna.out
    old = FileEntry.get((FileEntry.folder == "Docs") & (FileEntry.filename == "old.txt"))
    assert not old.present


def test_luna_watch_catches_up_first_with_what_changed_unwatched(drive, tmp_path):
    (drive / "Docs" / "old.txt").unlink()  # while nobody watched
    make_jpeg(drive / "Photos" / "unwatched.jpg", color=(4, 4, 4))
    luna = Luna(tmp_path / "catalog.sqlite3", str(drive))
    try:
        luna.wait_for(luna.err, "Ctrl+C to stop")
        assert any("caught up" in line and "1 added" in line for line in luna.err), luna.err
        old = FileEntry.get((FileEntry.folder == "Docs") & (FileEntry.filename == "old.txt"))
        assert not old.present
        luna.proc.send_signal(signal.SIGTERM)
        assert luna.finish() == 0
    finally:
        if luna.proc.poll() is None:
            luna.proc.kill()


def test_luna_watch_without_catch_up_leaves_unwatched_changes(drive, tmp_path):
    (drive / "Docs" / "old.txt").unlink()
    luna = Luna(tmp_path / "catalog.sqlite3", "--no-catch-up", str(drive))
    try:
        luna.wait_for(luna.err, "Ctrl+C to stop")
        assert not any("caught up" in line for line in luna.err)
        luna.proc.send_signal(signal.SIGINT)
        assert luna.finish() == 0
    finally:
        if luna.proc.poll() is None:
            luna.proc.kill()
    old = FileEntry.get((FileEntry.folder == "Docs") & (FileEntry.filename == "old.txt"))
    assert old.present


def test_luna_watch_says_when_the_drive_goes_away_and_exits_1(drive, tmp_path):
    luna = Luna(tmp_path / "catalog.sqlite3", "--drive", "TestDrive", str(drive))
    try:
        luna.wait_for(luna.err, "Ctrl+C to stop")
        os.rename(drive, tmp_path / "unplugged")
        assert luna.finish(30) == 1
    finally:
        if luna.proc.poll() is None:
            luna.proc.kill()
    assert any("went away" in line and "nothing missing" in line for line in luna.err), luna.err
    assert FileEntry.select().where(FileEntry.present == False).count() == 0  # noqa: E712


def test_luna_watch_wants_a_drive_it_knows(drive, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("never scanned")
    result = subprocess.run(
        [LUNA, "--catalog", str(tmp_path / "catalog.sqlite3"), "watch", str(other)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"scan it first with luna scan {other}" in result.stderr
    named = subprocess.run(
        [
            LUNA,
            "--catalog",
            str(tmp_path / "catalog.sqlite3"),
            "watch",
            "--drive",
            "Nope",
            str(drive),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert named.returncode == 1
    assert "no drive named 'Nope'" in named.stderr and "scan it first" in named.stderr
