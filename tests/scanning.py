"""Running scans inside a test, and `luna` in a subprocess with a test's reader.

    python -m tests.scanning tests.crashing_reader:read_files_gated --catalog C scan PATH

runs the real command line in a process of its own with the scan's metadata reader
replaced by the named one, which its worker processes import by name.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from luna_desktop.catalog.derived import FOLD_FUNCTION, fold
from luna_desktop.catalog.models import FileEntry
from luna_desktop.scan.pipeline import Cancel, ScanOptions, scan_drive
from luna_desktop.scan.progress import ScanProgress

REPO = Path(__file__).resolve().parent.parent


def run_scan(root: Path, drive: str | None = "TestDrive", **options) -> ScanProgress:
    cancel = options.pop("cancel", None) or Cancel()
    last = None
    for progress in scan_drive(root, drive, ScanOptions(**options), cancel):
        last = progress
    assert last is not None and last.finished
    return last


def row(folder: str, filename: str) -> FileEntry:
    return FileEntry.get((FileEntry.folder == folder) & (FileEntry.filename == filename))


def luna_cmd(catalog: Path, *args: str, reader: str | None = None) -> list[str]:
    """`luna --catalog CATALOG ARGS…`, with the scan's reader replaced when asked."""
    if reader is None:
        return [sys.executable, "-m", "luna_desktop.cli.main", "--catalog", str(catalog), *args]
    return [sys.executable, "-m", "tests.scanning", reader, "--catalog", str(catalog), *args]


def start_luna(catalog: Path, *args: str, reader: str | None = None, env=None) -> subprocess.Popen:
    return subprocess.Popen(
        luna_cmd(catalog, *args, reader=reader),
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, what: str, timeout: float = 120) -> None:
    """Polls until `condition()` holds; a generous limit only stops a hung test."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


def read_line(proc: subprocess.Popen, stream, timeout: float = 60) -> str:
    """The next line of a child's output; kills the child rather than hang the test."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines:
        proc.kill()
        raise AssertionError("the scan printed nothing")
    return lines[0]


def closed_gate(tmp_path: Path) -> Path:
    """A gate folder, closed: gated files wait there until the test removes CLOSED."""
    from tests.crashing_reader import CLOSED

    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / CLOSED).touch()
    return gate


def workers_waiting(gate: Path, scanner_pid: int) -> bool:
    """Whether a process other than the scanner itself waits at the gate."""
    return any(p.name != f"reached-{scanner_pid}" for p in gate.glob("reached-*"))


def assert_all_gone(processes: list[psutil.Process], timeout: float = 5) -> None:
    _gone, alive = psutil.wait_procs(processes, timeout=timeout)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for p in alive:
        p.kill()  # never leave them for the next test
    assert not alive, f"left behind: {[(p.pid, p.cmdline()) for p in alive]}"


def connect(catalog: Path, timeout: float = 5) -> sqlite3.Connection:
    """A raw connection that may write file rows (the catalogue's triggers fold text)."""
    con = sqlite3.connect(catalog, timeout=timeout, isolation_level=None)
    con.create_function(FOLD_FUNCTION, 1, fold)
    return con


def _main(argv: list[str]) -> int:
    module, _, name = argv[0].partition(":")
    reader = getattr(importlib.import_module(module), name)
    import luna_desktop.scan.read_pool as read_pool
    from luna_desktop.cli.main import main

    read_pool.read_files = reader
    return main(argv[1:])


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
