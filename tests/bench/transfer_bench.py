"""Transfer benchmark: publishing to a local folder against a plain `cp -r` of the same
files (target: at least 0.8x of cp's throughput, verification included).

    uv run python tests/bench/transfer_bench.py [--files 40] [--mb 16] [--rounds 3]
                                                [--dir DIR] [--dest DIR] [--phases]

Builds a "drive" of N random files in a temporary folder (under --dir, the system's
temporary folder unless given), scans it into a temporary catalogue and marks every
file upload. Each round then, in alternating order:
  - copies the drive's folder with `cp -r` to a fresh folder;
  - publishes its files with luna_desktop.transfer.worker.work to a fresh local
    destination (temporary name, copy with its read-back and sha256 comparison, fsync,
    rename, manifest line, catalogue rows), in this process.
Both go to one file system (under --dest, else beside the drive). The drive's files are
in the page cache for both (read once before the first round), and what either left
unwritten is flushed, untimed, before the next step. Prints MB/s per round, the median
of each, the ratio, and for reference cp followed by `sync` (Luna's copies are on disk
when it reports them, cp's are not) and one sha256 pass in one thread. With --phases,
one more publication is timed by phase. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TARGET_RATIO = 0.8
DRIVE = "BenchDrive"


def build_drive(root: Path, files: int, size: int) -> int:
    """N random files, ten a folder; returns the bytes written."""
    for i in range(files):
        folder = root / f"card-{i // 10:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"clip-{i:04d}.mov").write_bytes(os.urandom(size))
    return files * size


def luna(catalog: Path, *args: str) -> None:
    from luna_desktop.cli.main import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--catalog", str(catalog), *args])
    if code != 0:
        sys.exit(f"transfer_bench: luna {' '.join(args)} failed ({code})")


def warm(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                while fh.read(8 << 20):
                    pass


def time_cp(drive: Path, target: Path) -> tuple[float, float]:
    """Seconds for `cp -r`, and for the `sync` after it."""
    os.sync()
    start = time.perf_counter()
    subprocess.run(["cp", "-r", str(drive), str(target)], check=True)
    copied = time.perf_counter() - start
    start = time.perf_counter()
    os.sync()
    return copied, time.perf_counter() - start


def time_sha256(drive: Path) -> float:
    """Seconds for one sha256 pass over the drive's files in one thread (Luna hashes
    each byte twice: the source, and the copy read back)."""
    start = time.perf_counter()
    for path in sorted(drive.rglob("*")):
        if path.is_file():
            with open(path, "rb", buffering=0) as fh:
                hashlib.file_digest(fh, "sha256")
    return time.perf_counter() - start


def time_luna(name: str, target: Path, files: int) -> float:
    from luna_desktop.transfer import destinations, worker

    target.mkdir()
    destinations.add(name, str(target))
    os.sync()
    start = time.perf_counter()
    summary = worker.work(name)
    elapsed = time.perf_counter() - start
    if summary.done != files or summary.failed:
        sys.exit(f"transfer_bench: {name} published {summary.done} of {files} ({summary})")
    return elapsed


@contextlib.contextmanager
def timed_phases():
    """Wall time spent in the main thread's calls of one publication, by phase: each
    file's data path (copying.send: the kernel copy, the fsync, waiting for the two
    hashing threads) and the rest of each job (the catalogue's rows, checks, manifest).
    Wraps module attributes for the length of the block only."""
    from luna_desktop.transfer import copying
    from luna_desktop.transfer import job as one_job

    spent: dict[str, float] = defaultdict(float)
    main_thread = threading.current_thread()
    wrapped = [
        (one_job, "run", "job (all of it)"),
        (copying, "send", "data path: copying.send"),
        (os, "copy_file_range", "  kernel copy (copy_file_range)"),
        (os, "fsync", "  fsync of the copy"),
    ]

    def wrap(fn, phase):
        def timed(*args, **kwargs):
            if threading.current_thread() is not main_thread:
                return fn(*args, **kwargs)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[phase] += time.perf_counter() - start

        return timed

    saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _phase in wrapped]
    for owner, attr, phase in wrapped:
        setattr(owner, attr, wrap(getattr(owner, attr), phase))
    try:
        yield spent
    finally:
        for owner, attr, fn in saved:
            setattr(owner, attr, fn)


def phases_of(name: str, target: Path, files: int) -> str:
    with timed_phases() as spent:
        total = time_luna(name, target, files)
    data = spent["data path: copying.send"]
    kernel = spent["  kernel copy (copy_file_range)"] + spent["  fsync of the copy"]
    rows = [
        ("publication, all of it", total),
        ("  data path (copying.send)", data),
        ("    kernel copy (copy_file_range)", spent["  kernel copy (copy_file_range)"]),
        ("    fsync of the copy", spent["  fsync of the copy"]),
        ("    waiting for the two hashes, the loop", data - kernel),
        ("  the rest of each job (catalogue, manifest)", spent["job (all of it)"] - data),
        ("  the worker's loop between jobs", total - spent["job (all of it)"]),
    ]
    return "\n".join(
        f"  {label:46s} {seconds:7.3f} s {seconds / files * 1000:7.1f} ms/file"
        for label, seconds in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--mb", type=float, default=16, help="size of each file, in MiB")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", help="where to build the drive (and the catalogue)")
    parser.add_argument("--dest", help="where to copy and publish (default: beside the drive)")
    parser.add_argument("--phases", action="store_true", help="time one more run by phase")
    args = parser.parse_args()
    from luna_desktop.catalog.database import close_catalog, open_catalog

    size = int(args.mb * (1 << 20))
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=args.dir)))
        out = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=args.dest or work)))
        drive = work / DRIVE
        total = build_drive(drive, args.files, size)
        catalog = work / "bench.sqlite3"
        luna(catalog, "scan", str(drive), "--drive", DRIVE)
        luna(catalog, "set", f"{DRIVE}:", "--status", "upload")
        open_catalog(catalog)
        stack.callback(close_catalog)
        warm(drive)
        mb = total / 1e6
        cp_s, sync_s, luna_s = [], [], []
        for r in range(args.rounds):
            steps = ["cp", "luna"] if r % 2 == 0 else ["luna", "cp"]
            for step in steps:
                target = out / f"{step}-{r}"
                if step == "cp":
                    copied, synced = time_cp(drive, target)
                    cp_s.append(copied)
                    sync_s.append(synced)
                else:
                    luna_s.append(time_luna(f"Bench{r}", target, args.files))
                shutil.rmtree(target)
            print(
                f"round {r + 1} ({' then '.join(steps)}): cp {mb / cp_s[-1]:,.0f} MB/s, "
                f"luna {mb / luna_s[-1]:,.0f} MB/s, cp + sync {mb / (cp_s[-1] + sync_s[-1]):,.0f}"
                " MB/s",
                flush=True,
            )
        sha_s = min(time_sha256(drive) for _ in range(2))
        phases = phases_of("Phases", out / "phases", args.files) if args.phases else None
    cp_mbs = mb / statistics.median(cp_s)
    luna_mbs = mb / statistics.median(luna_s)
    cp_sync_mbs = mb / statistics.median([c + s for c, s in zip(cp_s, sync_s, strict=True)])
    ratio = luna_mbs / cp_mbs
    print(f"{args.files} files of {args.mb:g} MiB ({mb:,.0f} MB), median of {args.rounds} rounds:")
    print(f"  cp -r                          {cp_mbs:7,.0f} MB/s")
    print(f"  luna (verified, fsynced)       {luna_mbs:7,.0f} MB/s")
    print(f"  cp -r then sync                {cp_sync_mbs:7,.0f} MB/s (reference)")
    print(f"  sha256, one pass, one thread   {mb / sha_s:7,.0f} MB/s (reference)")
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    print(f"  luna / cp = {ratio:.2f} (target >= {TARGET_RATIO}) {verdict}; "
          f"luna / (cp then sync) = {luna_mbs / cp_sync_mbs:.2f}")  # fmt: skip
    if phases:
        print("one more publication, by phase (main thread):")
        print(phases)


if __name__ == "__main__":
    main()
