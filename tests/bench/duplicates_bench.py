"""Duplicate groups after a scan: the refresh of one drive's groups against a refresh of
every group, on a catalogue of N files (default 1,000,000) in which a tenth are copies.

    uv run python tests/bench/duplicates_bench.py [--files 1000000]

Builds the catalogue with rows inserted directly (two big drives sharing copies, and a
small drive of 2,000 files with a few copies of theirs), then times:
  - baseline: refresh_groups() over the whole catalogue (what `luna duplicates` runs);
  - after a scan of the small drive: refresh_groups(drive_id=small), which every scan
    runs at its end, and after a scan of a big drive (which falls back to everything).
Target: the small drive's refresh is under a tenth of the baseline. Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

_INSERT = (
    "INSERT INTO file_entry (uuid, drive_id, folder, filename, size, mtime, oshash, kind,"
    " present, status, title, description, notes, version)"
    " VALUES (?, ?, ?, ?, ?, 0, ?, 'image', 1, 1, '', '', '', 1)"
)


def build(path: Path, files: int) -> None:
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.catalog.models import DB, Drive

    open_catalog(path)
    a, b, small = (Drive.create(name=n) for n in ("A", "B", "Small"))
    connection = DB.obj.connection()
    rows = []

    def flush() -> None:
        with DB.atomic():
            connection.executemany(_INSERT, rows)
        rows.clear()

    for i in range(files):
        key = i // 2 if i % 40 < 4 else i  # a tenth of the rows are pairs across A and B
        drive = a.id if i % 2 == 0 else b.id
        rows.append(
            (str(uuid.uuid4()), drive, f"f{i // 1000}", f"{i}.jpg", 1000 + key, f"{key:016x}")
        )
        if len(rows) >= 50_000:
            flush()
    for i in range(2000):
        key = i * 7  # some are copies of A's and B's files
        rows.append((str(uuid.uuid4()), small.id, "s", f"{i}.jpg", 1000 + key, f"{key:016x}"))
    flush()
    DB.execute_sql("ANALYZE")
    close_catalog()


def timed(action) -> tuple[float, dict]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1_000_000)
    args = parser.parse_args()
    from luna_desktop.catalog import duplicates
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.catalog.models import Drive

    with tempfile.TemporaryDirectory() as work:
        catalog = Path(work) / "bench.sqlite3"
        print(f"building {args.files:,} rows…", flush=True)
        build(catalog, args.files)
        open_catalog(catalog)
        try:
            first, made = timed(duplicates.refresh_groups)
            baseline, _ = timed(duplicates.refresh_groups)
            small = Drive.get(Drive.name == "Small").id
            big = Drive.get(Drive.name == "A").id
            one, touched = timed(lambda: duplicates.refresh_groups(drive_id=small))
            whole, _ = timed(lambda: duplicates.refresh_groups(drive_id=big))
        finally:
            close_catalog()
    print(f"first refresh (makes {made['added']:,} groups): {first:.2f} s")
    print(f"baseline, refresh of every group:             {baseline:.2f} s")
    ratio = one / baseline
    verdict = "PASS" if ratio < 0.1 else "FAIL"
    print(
        f"after a scan of a 2,000-file drive:           {one:.3f} s "
        f"({touched['groups']:,} groups; {ratio:.3f}× baseline, target < 0.1×) {verdict}"
    )
    print(f"after a scan of a big drive (everything):     {whole:.2f} s ({whole / baseline:.2f}×)")


if __name__ == "__main__":
    main()
