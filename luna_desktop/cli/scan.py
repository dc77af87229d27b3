"""`luna scan PATH`: catalogue a drive or folder, with a progress bar and a summary."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from luna_desktop.scan.disk_kind import AUTO, DISK_CHOICES
from luna_desktop.scan.progress import (
    CANCELLED,
    CATALOG_FULL,
    COMPLETED,
    DRIVE_LOST,
    ScanProgress,
)

from .common import open_from_args

if TYPE_CHECKING:  # the scanner is imported when a scan runs, not when `luna` starts
    from luna_desktop.scan.drive_identity import Recognition
    from luna_desktop.scan.options import Cancel

_MAX_PROBLEMS_SHOWN = 20

# Exit statuses beside 0 (completed) and 1 (a bad path, a catalogue that is locked,
# damaged or full). A scan stopped by a signal exits as shells report a process killed
# by it, 128 + its number (130 Ctrl+C, 143 SIGTERM, 129 SIGHUP), though it stopped
# cleanly and kept what it read.
EXIT_DRIVE_LOST = 3
_STOPPING_SIGNALS = tuple(
    s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None
)

_EPILOG = """\
exit status: 0 the scan completed; 1 the path or the catalogue is unusable (missing,
locked, damaged, or its disk is full); 3 the drive went away during the scan;
130, 143, 129 stopped by Ctrl+C, SIGTERM or SIGHUP (what was read is kept).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scan",
        help="catalogue the files under a folder or drive",
        description=(
            "Walk PATH and catalogue every file: size, oshash, type, and image and video "
            "metadata. Rescans read only new and changed files; files that are gone are "
            "marked missing and keep their curation; moved files keep their identity. "
            "Ctrl+C, SIGTERM or SIGHUP stop it cleanly; the next scan carries on."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="PATH", help="the drive's mount point or a folder")
    p.add_argument("--drive", metavar="NAME", help="the drive's name in the catalogue")
    p.add_argument(
        "--ignore",
        metavar="GLOB",
        nargs="+",
        action="extend",
        default=[],
        help="also skip names or relative paths matching these globs (e.g. '*.thm' 'Proxies')",
    )
    p.add_argument("--full", action="store_true", help="read every file again, even if unchanged")
    p.add_argument(
        "--disk",
        choices=DISK_CHOICES,
        default=AUTO,
        help="how to read the drive: 'rotating' reads with one reader in on-disk order, "
        "'solid' with one reader per core; 'auto' (the default) asks the system",
    )
    p.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--batch-size", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


@contextmanager
def stop_on_signals(cancel: Cancel) -> Iterator[list[int]]:
    """The first Ctrl+C, SIGTERM or SIGHUP asks the scan to stop cleanly (what was read
    is kept, the summary printed); a second one acts as it always does. Yields the list
    that receives the number of the signal that stopped the scan."""
    received: list[int] = []
    previous = {s: signal.getsignal(s) for s in _STOPPING_SIGNALS}

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)

    def on_signal(signum, frame):
        received.append(signum)
        cancel.set()
        restore()

    for s in _STOPPING_SIGNALS:
        signal.signal(s, on_signal)
    try:
        yield received
    finally:
        restore()


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from luna_desktop.scan.options import Cancel, ScanOptions, check_scan_root
    from luna_desktop.scan.pipeline import scan_drive

    root = check_scan_root(args.path)  # a bad path fails before the catalogue is touched
    open_from_args(args, create=True)
    drive_name = args.drive
    if drive_name is None:
        from luna_desktop.scan.drive_identity import recognise

        # Asked before the scan, outside its transactions: a copy of a known drive is
        # named by the curator, never taken for that drive (or a new one) by guess.
        found = recognise(root)
        if found.copy is not None:
            say(copy_message(args.path, found), sys.stderr)
            return 1
        drive_name = found.drive.name if found.drive is not None else found.suggestion
    options = ScanOptions(ignore=args.ignore, full=args.full, disk=args.disk)
    if args.workers:
        options.workers = args.workers
    if args.batch_size:
        options.batch_size = args.batch_size
    cancel = Cancel()
    bar = tqdm(
        unit=" files",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=None,  # no bar when stderr is not a terminal
    )
    last: ScanProgress | None = None
    told_stopping = False
    with stop_on_signals(cancel) as received:
        try:
            for progress in scan_drive(args.path, drive_name, options, cancel):
                if progress.stopping and received and not told_stopping:
                    # Files being read are finished first, which can take a moment.
                    told_stopping = True
                    bar.clear()
                    say("luna: stopping; what was read is kept", sys.stderr)
                last = progress
                if progress.files_total is not None and bar.total != progress.files_total:
                    bar.total = progress.files_total
                bar.set_description_str(f"Scanning {progress.drive} ", refresh=False)
                bar.update(progress.files_done - bar.n)
        finally:
            bar.close()
    assert last is not None
    say(summary(last, args.path), sys.stdout)
    for path, message in last.problems[:_MAX_PROBLEMS_SHOWN]:
        say(f"  problem: {path}: {message}", sys.stderr)
    if len(last.problems) > _MAX_PROBLEMS_SHOWN:
        more = len(last.problems) - _MAX_PROBLEMS_SHOWN
        say(f"  … and {more} more", sys.stderr)
    if last.message:
        say(f"luna: {last.message}", sys.stderr)
    return exit_status(last, received[0] if received else signal.SIGINT)


def copy_message(path: str, found: Recognition) -> str:
    """What `luna scan` says of a folder that looks like a copy of a known drive."""
    import shlex

    assert found.drive is not None and found.copy is not None
    name, verdict = found.drive.name, found.copy
    share = f"{verdict.matched:,} of {verdict.sampled:,} sampled files match"
    if verdict.kind == "copy":
        what = f"a copy of the drive {name!r} ({share})"
    else:
        what = f"a partial copy of the drive {name!r} ({verdict.percent} %: {share})"
    where = ""
    if verdict.original_present:
        where = f"; {name!r} itself is still at {found.drive.mount_path}"
    scan = f"luna scan {shlex.quote(path)} --drive"
    same, second = f"{scan} {shlex.quote(name)}", f"{scan} {shlex.quote(found.copy_name)}"
    width = max(len(same), len(second))
    return (
        f"luna: {path} looks like {what}{where}.\n"
        "Say which it is, and scan again:\n"
        f"  {same:<{width}}  the same drive, moved here (its files not here are marked "
        "missing, keeping their curation)\n"
        f"  {second:<{width}}  a second drive holding copies"
    )


def say(line: str, stream) -> None:
    # After SIGHUP the terminal may be gone; the scan's work is kept all the same.
    with contextlib.suppress(OSError):
        print(line, file=stream, flush=True)


def exit_status(progress: ScanProgress, stopped_by: int) -> int:
    if progress.state == COMPLETED:
        return 0
    if progress.state == CANCELLED:
        return 128 + stopped_by
    if progress.state == DRIVE_LOST:
        return EXIT_DRIVE_LOST
    assert progress.state == CATALOG_FULL, progress.state
    return 1


def summary(p: ScanProgress, path: str) -> str:
    verb = {COMPLETED: "Scanned", CANCELLED: "Scan cancelled:"}.get(p.state, "Scan stopped:")
    rate = f"{p.rate:,.0f} files/s" if p.elapsed > 0 else ""
    if p.read_mode == "rotating":
        rate += ", rotating disk: one reader, in on-disk order"
    return f"{verb} {path} as drive {p.drive!r} in {p.elapsed:.1f} s ({rate}): {p.summary()}"
