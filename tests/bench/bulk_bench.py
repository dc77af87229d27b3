"""Bulk curation: one status change on a folder of 1,000 files (target: under a second).

    uv run python tests/bench/bulk_bench.py [--files 1000]

Builds a catalogue whose folder holds N rows (inserted directly), then times
`luna set DRIVE:folder --status upload` through the real CLI entry point, in-process,
against the baseline of the same N files saved one by one as the window saves them
(each its own transaction). Prints both and the ratio. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def build(path: Path, files: int) -> None:
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.catalog.models import DB, Drive, FileEntry

    open_catalog(path)
    drive = Drive.create(name="Bench")
    rows = [
        {"uuid": str(uuid.uuid4()), "drive": drive.id, "folder": folder, "filename": f"{i:05d}.jpg",
         "size": 1000 + i, "oshash": f"{i:016x}", "kind": "image"}
        for folder in ("roll/a", "roll/b")
        for i in range(files)
    ]  # fmt: skip
    with DB.atomic():
        for start in range(0, len(rows), 500):
            FileEntry.insert_many(rows[start : start + 500]).execute()
    close_catalog()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    from luna_desktop.catalog import curation
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.catalog.models import FileEntry
    from luna_desktop.cli.main import main as luna

    with tempfile.TemporaryDirectory() as work:
        catalog = Path(work) / "bench.sqlite3"
        build(catalog, args.files)
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            assert (
                luna(["--catalog", str(catalog), "set", "Bench:roll/a", "--status", "upload"]) == 0
            )
        bulk_s = time.perf_counter() - t
        open_catalog(catalog)
        ids = [r.id for r in FileEntry.select(FileEntry.id).where(FileEntry.folder == "roll/b")]
        t = time.perf_counter()
        for file_id in ids:  # the baseline: one save per file, as the window makes them
            loaded = curation.load(file_id)
            new = curation.Curation(**{**loaded.curation.__dict__, "status": 2})
            curation.save(file_id, new, loaded.curation, loaded.version, "bench")
        one_by_one_s = time.perf_counter() - t
        close_catalog()
    print(f"luna set on {args.files:,} files: {bulk_s * 1000:.0f} ms (target < 1000 ms) "
          f"{'PASS' if bulk_s < 1 else 'MISS'}")  # fmt: skip
    print(f"the same files saved one by one: {one_by_one_s * 1000:.0f} ms "
          f"(bulk is {one_by_one_s / bulk_s:.1f}x faster)")  # fmt: skip


if __name__ == "__main__":
    main()
