"""What a scan is asked to do, and how it is asked to stop."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .disk_kind import AUTO
from .progress import ScanError


@dataclass
class ScanOptions:
    ignore: list[str] = field(default_factory=list)
    full: bool = False  # read every file again, even when size and mtime are unchanged
    # Reading metadata is mostly Python and so bound by the GIL: files are read in worker
    # processes, one per core. None is read in the scanning process: a decoder that
    # crashes takes down a worker, never the window or the command; and the scanning
    # process, which walks the drive and writes the catalogue, keeps its core to itself
    # (reading even a small scan's first files on its threads cost a big scan a tenth of
    # its speed, in loading the media libraries and in contention for the GIL).
    workers: int = max(2, min(8, os.cpu_count() or 2))
    processes: bool = True  # False: read on threads (tests that replace the reader)
    task_size: int = 32  # files per task handed to a worker
    # Rows per write transaction, and per chunk of the work at the end of a walk: a
    # curator's save waits behind one batch, which must stay well under 100 ms (a
    # batch of 500 took up to 90 ms on a busy two-core machine; 200, up to 55 ms).
    batch_size: int = 200
    report_every: float = 0.2  # seconds between progress snapshots
    # "auto", "rotating" or "solid" (scan.disk_kind): a rotating disk is read by one
    # reader taking each folder's files in inode order, instead of `workers` at once.
    disk: str = AUTO


class Cancel:
    """A cancel flag shared between the UI or CLI and the scan."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


def check_scan_root(root: str | os.PathLike) -> Path:
    path = Path(root).expanduser()
    if not path.exists():
        raise ScanError(f"{path} does not exist")
    if not path.is_dir():
        raise ScanError(f"{path} is not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise ScanError(f"{path} cannot be read (permission denied)")
    return path.resolve()
