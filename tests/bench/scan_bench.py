"""Scan benchmark: Luna's scanner against a bare floor and exiftool, on one synthetic drive.

    uv run python tests/bench/scan_bench.py [--files 10000] [--keep DIR]

Builds a drive of N files by copying the corpus into nested folders, each copy with a
unique trailer so each has its own hash, then measures in this one run (warm cache):
  - Luna's first scan into a fresh catalogue, and a rescan with nothing changed;
  - a floor: walk + stat + oshash in plain Python, no metadata, no database;
  - `exiftool -fast2 -j -r` over the same tree;
  - peak RSS of a first scan at N and at 4N files (memory must be flat in N).
Each scan runs in its own process so its peak RSS is its own. Prints files/s, the
ratios, and each target with PASS or MISS. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TARGET_FIRST_VS_EXIFTOOL = 20.0
TARGET_RESCAN_FPS = 20_000
TARGET_RSS_GROWTH = 1.25  # peak RSS at 4N over peak RSS at N


def corpus_files() -> list[Path]:
    from tests.corpus import corpus_root

    root = corpus_root()
    if root is None:
        sys.exit("scan_bench: the corpus was not found (../shared/corpus or $LUNA_TEST_CORPUS)")
    return [p for p in sorted(root.rglob("*")) if p.is_file() and p.name != "SOURCES.md"]


def build_drive(root: Path, n: int) -> None:
    """N files in nested folders (year/event/card), 200 files a folder."""
    sources = [(p.name, p.read_bytes()) for p in corpus_files()]
    for i in range(n):
        name, data = sources[i % len(sources)]
        folder = (
            root
            / f"{2000 + i // 20000}"
            / f"event-{(i // 2000) % 10:02d}"
            / f"card-{(i // 200) % 10}"
        )
        if i % 200 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        stem, dot, ext = name.rpartition(".")
        (folder / f"{stem}-{i:07d}{dot}{ext}").write_bytes(data + b"LUNABENCH%010d" % i)


def warm(root: Path) -> None:
    for dirpath, _, files in os.walk(root):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                while fh.read(1 << 20):
                    pass


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM).

    Not getrusage's ru_maxrss: Linux carries the parent's high-water mark across fork
    and exec, so a child started after exiftool's JSON was parsed reported the
    parent's 200 MB as its own.
    """
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_scan(drive: str, catalog: str, disk: str) -> None:
    """Runs in a subprocess: one scan, then its own figures as JSON."""
    from luna_desktop.catalog.database import open_catalog
    from luna_desktop.scan.options import ScanOptions
    from luna_desktop.scan.pipeline import scan_drive

    open_catalog(catalog)
    started = time.perf_counter()
    last = None
    for progress in scan_drive(drive, "Bench", ScanOptions(disk=disk)):
        last = progress
    seconds = time.perf_counter() - started
    assert last is not None and last.state == "completed"
    print(
        json.dumps(
            {
                "files": last.files_done,
                "seconds": seconds,
                "rss_mb": peak_rss_mb(),
                "errors": last.counts.errors,
                "added": last.counts.added,
                "unchanged": last.counts.unchanged,
                "read_mode": last.read_mode,
                **stored_problems(),
            }
        )
    )


def stored_problems() -> dict:
    """What the catalogue holds after the scan: the files with an error (name and error)
    and the count of files with notes, with the commonest notes."""
    from peewee import fn

    from luna_desktop.catalog.models import FileEntry

    errors = FileEntry.select(FileEntry.filename, FileEntry.error).where(
        FileEntry.error.is_null(False)
    )
    notes = list(
        FileEntry.select(FileEntry.scan_notes, fn.COUNT(FileEntry.id))
        .where(FileEntry.scan_notes.is_null(False))
        .group_by(FileEntry.scan_notes)
        .order_by(fn.COUNT(FileEntry.id).desc())
        .tuples()
    )
    return {
        "error_files": [[row.filename, row.error] for row in errors],
        "files_with_notes": sum(n for _, n in notes),
        "top_notes": [[text, n] for text, n in notes[:3]],
    }


def broken_sources(sources: list[Path]) -> set[str]:
    """Names of the corpus files that are broken as they are (before any trailer): their
    copies keep their errors, as they should."""
    from luna_desktop.media.extract import extract
    from luna_desktop.scan.oshash import oshash_file

    broken = set()
    for path in sources:
        size = path.stat().st_size
        with path.open("rb") as fh:
            _, head, tail = oshash_file(fh, size)
            if extract(fh, bytes(path), path.name, head, tail, size).error:
                broken.add(path.name)
    return broken


def report_problems(first: dict) -> None:
    """Every benchmark file carries a trailer after its media, which is a note, never an
    error: the only errors allowed are on copies of the corpus's own broken files."""
    sources = corpus_files()
    broken = broken_sources(sources)
    inherited, unexpected = [], []
    for name, error in first["error_files"]:
        index = int(re.findall(r"-(\d{7})", name)[-1])  # build_drive's numbering
        source = sources[index % len(sources)].name
        (inherited if source in broken else unexpected).append((source, error))
    print(
        f"first scan: {len(first['error_files']):,} files with an error "
        f"({len(inherited):,} copies of the corpus's broken files "
        f"{', '.join(sorted(broken)) or '-'}; {len(unexpected):,} others, target 0  "
        f"{verdict(not unexpected)}), {first['files_with_notes']:,} files with notes"
    )
    for source, error in unexpected[:5]:
        print(f"  unexpected error on a copy of {source}: {error}")
    for text, n in first["top_notes"]:
        print(f"  {n:>6,} × note: {text}")


def run_child(drive: Path, catalog: Path, disk: str = "auto") -> dict:
    # Python may cache bytecode, as it does on a user's machine (some shells forbid it:
    # then every scan would compile Luna's modules, in the scan and in its fork server).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [sys.executable, __file__, "--child-scan", str(drive), str(catalog), disk],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def floor(root: Path) -> tuple[int, float]:
    """Walk + stat + oshash, the least any scanner must do."""
    from luna_desktop.scan.oshash import oshash_file

    started = time.perf_counter()
    count = 0
    for dirpath, _, files in os.walk(root):
        for f in files:
            path = os.path.join(dirpath, f)
            size = os.stat(path).st_size
            with open(path, "rb") as fh:
                oshash_file(fh, size)
            count += 1
    return count, time.perf_counter() - started


def exiftool(root: Path) -> tuple[int, float] | None:
    if shutil.which("exiftool") is None:
        return None
    started = time.perf_counter()
    out = subprocess.run(
        ["exiftool", "-fast2", "-j", "-r", str(root)], capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    return len(json.loads(out.stdout or b"[]")), seconds


def line(label: str, fps: float, seconds: float, note: str = "") -> None:
    note = f", {note}" if note else ""
    print(f"{label:<28} {fps:>10,.0f} files/s  ({seconds:.2f} s{note})")


def _describe_mode(mode: str, drive: Path) -> str:
    from luna_desktop.scan.disk_kind import is_rotational

    said = {True: "rotating", False: "not rotating", None: "unknown"}[is_rotational(drive)]
    if mode == "rotating":
        return f"one reader in inode order (the system says the disk is {said})"
    return f"parallel readers (the system says the disk is {said})"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the drives here and keep them")
    parser.add_argument("--no-memory", action="store_true", help="skip the 4N memory run")
    parser.add_argument("--child-scan", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_scan:
        child_scan(*args.child_scan)
        return

    work = args.keep or Path(tempfile.mkdtemp(prefix="luna-bench-"))
    n = args.files
    drive = work / f"drive-{n}"
    if not drive.exists():
        print(f"building a drive of {n:,} files in {drive} …", flush=True)
        build_drive(drive, n)
    warm(drive)
    print(f"cpus: {os.cpu_count()}  files: {n:,}")

    def fresh(name: str) -> Path:
        path = work / name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return path

    # The first scan as Luna chooses for this disk, then (if that was the one-reader mode
    # for a rotating disk) the same scan with parallel readers, as on an SSD: the target
    # against exiftool is about reading speed, and one reader is slower by design.
    catalog = fresh(f"catalog-{n}.sqlite3")
    first = run_child(drive, catalog)
    rescan = run_child(drive, catalog)
    parallel = first
    if first["read_mode"] == "rotating":
        parallel = run_child(drive, fresh(f"catalog-{n}-solid.sqlite3"), "solid")
    floor_n, floor_s = floor(drive)
    et = exiftool(drive)

    print(f"read mode chosen: {_describe_mode(first['read_mode'], drive)}\n")
    first_fps = first["files"] / first["seconds"]
    parallel_fps = parallel["files"] / parallel["seconds"]
    rescan_fps = rescan["files"] / rescan["seconds"]
    floor_fps = floor_n / floor_s
    chosen = "one reader" if first["read_mode"] == "rotating" else "parallel readers"
    line(f"first scan, {chosen}", first_fps, first["seconds"], f"{first['errors']} errors")
    if parallel is not first:
        line("first scan, parallel readers", parallel_fps, parallel["seconds"])
    line("rescan, nothing changed", rescan_fps, rescan["seconds"])
    line("floor: walk+stat+oshash", floor_fps, floor_s)
    if et:
        et_fps = et[0] / et[1]
        line("exiftool -fast2 -j -r", et_fps, et[1])
    report_problems(first)
    print()
    print(f"first scan / floor:    {parallel_fps / floor_fps:6.2f}x")
    print(f"rescan / floor:        {rescan_fps / floor_fps:6.2f}x")
    if et:
        ratio = parallel_fps / et_fps
        target = TARGET_FIRST_VS_EXIFTOOL
        print(
            f"first scan / exiftool: {ratio:6.2f}x   target ≥ {target:.0f}x  "
            f"{verdict(ratio >= target)}  (parallel readers)"
        )
        if parallel is not first:
            print(f"  with one reader, as chosen for a rotating disk: {first_fps / et_fps:.2f}x")
    else:
        print("first scan / exiftool: exiftool not installed (Debian: libimage-exiftool-perl)")
    print(
        f"rescan:                {rescan_fps:8,.0f} files/s  target ≥ {TARGET_RESCAN_FPS:,}  "
        f"{verdict(rescan_fps >= TARGET_RESCAN_FPS)}"
    )

    if not args.no_memory:
        big = work / f"drive-{4 * n}"
        if not big.exists():
            print(f"\nbuilding a drive of {4 * n:,} files for the memory check …", flush=True)
            build_drive(big, 4 * n)
        big_cat = work / f"catalog-{4 * n}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{big_cat}{suffix}").unlink(missing_ok=True)
        big_first = run_child(big, big_cat)
        growth = big_first["rss_mb"] / first["rss_mb"]
        print(
            f"peak RSS: {first['rss_mb']:.0f} MB at {n:,} files, {big_first['rss_mb']:.0f} MB at "
            f"{4 * n:,}: {growth:.2f}x  target ≤ {TARGET_RSS_GROWTH:.2f}x  "
            f"{verdict(growth <= TARGET_RSS_GROWTH)}"
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
