"""Consistent copies of a catalogue through SQLite's online backup API.

A file copy of a WAL database can miss committed pages that still sit in the -wal file;
the backup API copies a consistent snapshot even while another process writes.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from .errors import CatalogError


def backup_database(source: Path, dest: Path) -> Path:
    """Copy the catalogue at `source` to `dest` (a new file, or a folder to put one in).

    The copy is written beside its destination under a temporary name, checked, and
    renamed into place, so a failure never leaves a half-written backup behind.
    """
    source = Path(source)
    dest = Path(dest)
    if not source.is_file():
        raise CatalogError(f"there is no catalogue at {source}")
    if dest.is_dir():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = dest / f"{source.stem}-{stamp}.sqlite3"
    if dest.exists():
        raise CatalogError(f"{dest} already exists; choose a new file name or a folder")
    if not dest.parent.is_dir():
        raise CatalogError(f"the folder {dest.parent} does not exist")

    partial = dest.with_name(dest.name + ".partial")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        try:
            out = sqlite3.connect(partial)
            try:
                src.backup(out, pages=4096)
                result = out.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise CatalogError(f"the backup of {source} failed its check: {result}")
                # A backup should be a single self-contained file.
                out.execute("PRAGMA journal_mode=DELETE")
            finally:
                out.close()
        finally:
            src.close()
        os.replace(partial, dest)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise CatalogError(f"could not back up {source}: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return dest
