"""`luna scan PATH`: catalogue a drive or folder, with a progress bar and a summary."""

from __future__ import annotations

import argparse
import signal
import sys

from tqdm import tqdm

from luna_desktop.scan.pipeline import Cancel, ScanOptions, check_scan_root, scan_drive
from luna_desktop.scan.progress import ScanProgress

from .common import open_from_args

_MAX_PROBLEMS_SHOWN = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scan",
        help="catalogue the files under a folder or drive",
        description=(
            "Walk PATH and catalogue every file: size, oshash, type, and image and video "
            "metadata. Rescans read only new and changed files; files that are gone are "
            "marked missing and keep their curation; moved files keep their identity."
        ),
    )
    p.add_argument("path", metavar="PATH", help="the drive's mount point or a folder")
    p.add_argument("--drive", metavar="NAME", help="the drive's name in the catalogue")
    p.add_argument(
        "--ignore",
        metavar="GLOB",
        nargs="+",
        action="extend",
        default=[],
        help="also skip names or relative paths matching these globs (e.g. '*.xmp' 'Proxies')",
    )
    p.add_argument("--full", action="store_true", help="read every file again, even if unchanged")
    p.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--batch-size", type=int, default=500, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_scan_root(args.path)  # a bad path fails before the catalogue is touched
    open_from_args(args, create=True)
    options = ScanOptions(ignore=args.ignore, full=args.full, batch_size=args.batch_size)
    if args.workers:
        options.workers = args.workers
    cancel = Cancel()
    # First Ctrl+C asks the scan to stop cleanly (what was read is kept); a second one
    # is the usual KeyboardInterrupt.
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum, frame):
        cancel.set()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_interrupt)
    bar = tqdm(
        unit=" files",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=None,  # no bar when stderr is not a terminal
    )
    last: ScanProgress | None = None
    try:
        for progress in scan_drive(args.path, args.drive, options, cancel):
            last = progress
            if progress.files_total is not None and bar.total != progress.files_total:
                bar.total = progress.files_total
            bar.set_description_str(f"Scanning {progress.drive} ", refresh=False)
            bar.update(progress.files_done - bar.n)
    finally:
        bar.close()
        signal.signal(signal.SIGINT, previous)
    assert last is not None
    print(summary(last, args.path))
    for path, message in last.problems[:_MAX_PROBLEMS_SHOWN]:
        print(f"  problem: {path}: {message}", file=sys.stderr)
    if len(last.problems) > _MAX_PROBLEMS_SHOWN:
        more = len(last.problems) - _MAX_PROBLEMS_SHOWN
        print(f"  … and {more} more", file=sys.stderr)
    return 130 if last.state == "cancelled" else 0


def summary(p: ScanProgress, path: str) -> str:
    verb = "Scanned" if p.state == "completed" else "Scan cancelled:"
    rate = f"{p.rate:,.0f} files/s" if p.elapsed > 0 else ""
    return f"{verb} {path} as drive {p.drive!r} in {p.elapsed:.1f} s ({rate}): {p.summary()}"
