"""`luna watch PATH`: keep a catalogued drive's catalogue up to date while it is mounted.

Prints a line per change (added, changed, missing, back, renamed, moved) until Ctrl+C
or SIGTERM (exit 0), or until the drive goes away (exit 1, nothing marked missing). By
default it first catches up with an incremental scan, so what changed while nobody
watched is caught too; changes made during that scan are gathered and applied after it.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from .common import open_from_args

_EPILOG = """\
exit status: 0 stopped by Ctrl+C or SIGTERM; 1 the drive is not known, the path or the
catalogue is unusable, or the drive went away while watched (nothing was marked missing).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch",
        help="keep a mounted drive's catalogue up to date as its files change",
        description=(
            "Watch PATH, a drive already catalogued with `luna scan`, and bring the "
            "catalogue up to date within seconds of every change: new and changed files "
            "are read, deleted ones marked missing (their curation is kept), renamed and "
            "moved ones keep their identity. Prints one line per change until Ctrl+C. "
            "Nothing is ever written to the drive."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="PATH", help="the drive's mount point or folder")
    p.add_argument("--drive", metavar="NAME", help="the drive's name in the catalogue")
    p.add_argument(
        "--ignore",
        metavar="GLOB",
        nargs="+",
        action="extend",
        default=[],
        help="also pass over names or relative paths matching these globs (as luna scan)",
    )
    p.add_argument(
        "--no-catch-up",
        dest="catch_up",
        action="store_false",
        help="do not scan first for changes made while nobody watched",
    )
    p.set_defaults(run=run)


def _say(line: str, stream) -> None:
    with contextlib.suppress(OSError):  # a closed pipe or terminal loses only the line
        print(line, file=stream, flush=True)


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog import duplicates
    from luna_desktop.scan.options import Cancel, ScanOptions, check_scan_root
    from luna_desktop.scan.watch import DriveWatcher

    path = check_scan_root(args.path)
    open_from_args(args)
    drive = _known_drive(path, args.drive)
    stopping = threading.Event()
    cancel = Cancel()
    lost: list[str] = []

    def on_signal(signum, frame) -> None:
        stopping.set()
        cancel.set()

    def on_lost(message: str) -> None:
        lost.append(message)
        stopping.set()
        cancel.set()

    watcher = DriveWatcher(
        path,
        drive.id,
        ignore=args.ignore,
        on_batch=lambda batch: [_say(line, sys.stdout) for line in batch.lines],
        on_lost=on_lost,
    )
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:
        signal.signal(s, on_signal)
    try:
        _say(f"luna: setting up the watch of {path} (drive {drive.name!r})…", sys.stderr)
        watcher.start(held=args.catch_up)
        if watcher.notice:
            _say(f"luna: {watcher.notice}", sys.stderr)
        if args.catch_up and not stopping.is_set():
            _catch_up(path, drive.name, ScanOptions(ignore=args.ignore), cancel)
        watcher.release()
        if not stopping.is_set():
            _say(f"luna: watching {path} as drive {drive.name!r}; Ctrl+C to stop", sys.stderr)
        while not stopping.wait(0.5) and not watcher.wait(0):
            pass
    finally:
        watcher.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    watcher.wait(30)  # the batch in hand is finished and the watch's run recorded
    counts = watcher.counts
    if counts["added"] or counts["changed"] or counts["moved"]:
        problem = duplicates.refresh_after_change(drive.id)
        if problem:
            _say(f"luna: {problem}", sys.stderr)
    _say(
        f"luna: stopped watching {path}: {counts['added']:,} added, {counts['changed']:,} "
        f"changed, {counts['missing']:,} missing, {counts['moved']:,} moved",
        sys.stderr,
    )
    if lost or watcher.lost_message:
        _say(f"luna: {lost[0] if lost else watcher.lost_message}", sys.stderr)
        return 1
    return 0


def _known_drive(path, name: str | None):
    """The catalogued drive at `path`, recognised as `luna scan` recognises it."""
    from luna_desktop.catalog.models import Drive
    from luna_desktop.scan.drive_identity import identify_drive, recognise
    from luna_desktop.scan.transactions import write_transaction

    from .main import UserError

    if name:
        known = Drive.get_or_none(Drive.name == name)
    else:
        found = recognise(path)
        if found.copy is not None and found.drive is not None:
            # Never taken for that drive by guess (its files would be called missing).
            raise UserError(
                f"{path} may be a copy of the drive {found.drive.name!r} rather than that "
                f"drive: say which with luna scan {path} (see its message), then watch it"
            )
        known = found.drive or _last_seen_here(path)
    if known is None:
        which = f"no drive named {name!r} is catalogued" if name else f"{path} is not a known drive"
        raise UserError(f"{which}: scan it first with luna scan {path}")
    with write_transaction():
        # Refuses a folder that plainly is not that drive; notes where it is mounted.
        drive, _created = identify_drive(path, known.name)
    return drive


def _last_seen_here(path):
    """The drive last seen at `path`, when files near its root are catalogued on it: a
    drive too small for a fingerprint (scan.drive_identity wants three files) is still
    known where it was scanned, but another drive mounted at the same place is not it."""
    import os

    from luna_desktop.catalog.models import Drive, FileEntry
    from luna_desktop.catalog.paths import split_relpath
    from luna_desktop.scan.drive_identity import sample_files

    drive = Drive.get_or_none(Drive.mount_path == str(path))
    if drive is None:
        return None
    for rel, size in sample_files(os.fsencode(path)):
        folder, filename = split_relpath(rel)
        if (
            FileEntry.select()
            .where(
                (FileEntry.drive == drive)
                & (FileEntry.folder == folder)
                & (FileEntry.filename == filename)
                & (FileEntry.size == size)
            )
            .exists()
        ):
            return drive
    return None


def _catch_up(path, name: str, options, cancel) -> None:
    """An incremental scan: reads only what changed since the drive was last scanned."""
    from tqdm import tqdm

    from luna_desktop.scan.pipeline import scan_drive

    bar = tqdm(unit=" files", file=sys.stderr, dynamic_ncols=True, disable=None)
    last = None
    try:
        for progress in scan_drive(path, name, options, cancel):
            last = progress
            if progress.files_total is not None and bar.total != progress.files_total:
                bar.total = progress.files_total
            bar.set_description_str("Catching up ", refresh=False)
            bar.update(progress.files_done - bar.n)
    finally:
        bar.close()
    if last is not None:
        _say(f"luna: caught up with {path}: {last.summary()}", sys.stderr)
        if last.message:
            _say(f"luna: {last.message}", sys.stderr)
