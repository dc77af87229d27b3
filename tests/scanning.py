"""Running a scan to the end inside a test."""

from __future__ import annotations

from pathlib import Path

from luna_desktop.catalog.models import FileEntry
from luna_desktop.scan.pipeline import Cancel, ScanOptions, scan_drive
from luna_desktop.scan.progress import ScanProgress


def run_scan(root: Path, drive: str | None = "TestDrive", **options) -> ScanProgress:
    cancel = options.pop("cancel", None) or Cancel()
    last = None
    for progress in scan_drive(root, drive, ScanOptions(**options), cancel):
        last = progress
    assert last is not None and last.finished
    return last


def row(folder: str, filename: str) -> FileEntry:
    return FileEntry.get((FileEntry.folder == folder) & (FileEntry.filename == filename))
