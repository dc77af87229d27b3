"""`luna cache`: the preview cache that keeps drives browsable while they are unplugged.

luna cache fill [DRIVE] [--quick-only]   thumbnails, previews and posters, from the drives
luna cache status                        what it holds, against its cap, and per drive
luna cache limit [SIZE]                  show or set the cap (5GB, 500MB…)
luna cache clear                         delete every entry
"""

from __future__ import annotations

import argparse
import re
import sys

from .common import open_from_args, print_json_line

_MAX_PROBLEMS_SHOWN = 20
# Past this many images and videos a drive's coverage is estimated from a random sample:
# checking a million paths would take a while.
_STATUS_SAMPLE = 5000
_UNITS = {
    "": 1, "b": 1, "byte": 1, "bytes": 1,
    "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6,
    "g": 10**9, "gb": 10**9, "t": 10**12, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*", re.IGNORECASE)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cache",
        help="the preview cache: fill it, see it, cap it, clear it",
        description=(
            "Luna keeps a thumbnail and a preview of every image and the poster frame of "
            "every video in a cache keyed by the file's oshash, so that a drive can be "
            "browsed while it is unplugged. The cache has a cap (5 GB unless set); the "
            "least recently used entries go first. The folder is $LUNA_CACHE_DIR if set, "
            "else one in your cache directory."
        ),
    )
    actions = p.add_subparsers(dest="cache_action", metavar="ACTION", required=True)

    fill = actions.add_parser(
        "fill",
        help="make the missing entries of a drive (or of every connected drive)",
        description=(
            "Make the missing cache entries of DRIVE, or of every drive that is connected "
            "where it was last seen: first a thumbnail of every file (from the EXIF "
            "thumbnail when there is one), then the previews. Only reads the drive. "
            "Ctrl+C stops it cleanly; what was made is kept."
        ),
    )
    fill.add_argument("drive", metavar="DRIVE", nargs="?", help="the drive's name")
    fill.add_argument(
        "--quick-only", action="store_true", help="thumbnails only (the quick first pass)"
    )
    fill.add_argument("--json", action="store_true", help="the summary as one JSON object")
    fill.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    fill.set_defaults(run=run_fill)

    status = actions.add_parser("status", help="what the cache holds, and per drive")
    status.add_argument("--json", action="store_true", help="one JSON object")
    status.set_defaults(run=run_status)

    limit = actions.add_parser(
        "limit",
        help="show or set the cache's cap (e.g. 5GB, 500MB)",
        description="Show the cap, or set it to SIZE and remove the least recently used "
        "entries beyond it. Units: B, KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB.",
    )
    limit.add_argument("size", metavar="SIZE", nargs="?", help="e.g. 5GB, 500MB, 1.5GiB")
    limit.add_argument("--json", action="store_true", help="one JSON object")
    limit.set_defaults(run=run_limit)

    clear = actions.add_parser("clear", help="delete every cached thumbnail, preview and poster")
    clear.add_argument("--json", action="store_true", help="one JSON object")
    clear.set_defaults(run=run_clear)


def parse_size(text: str) -> int:
    """ "5GB", "500 MB", "1.5GiB", "2000000" → bytes. Raises ValueError."""
    match = _SIZE.fullmatch(text)
    unit = match[2].lower() if match else ""
    if not match or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size (say 5GB, 500MB or 1.5GiB)")
    return round(float(match[1]) * _UNITS[unit])


# --- fill ---------------------------------------------------------------------------


def run_fill(args: argparse.Namespace) -> int:
    import os
    import signal

    from tqdm import tqdm

    from luna_desktop.media.preview_cache import PreviewCache
    from luna_desktop.scan.cache_fill import FULL, FillProgress, fill_cache
    from luna_desktop.scan.options import Cancel

    from .common import get_drive
    from .main import UserError
    from .scan import say, stop_on_signals

    open_from_args(args)
    drive_id = None
    if args.drive:
        drive = get_drive(args.drive)
        if not (drive.mount_path and os.path.isdir(drive.mount_path)):
            where = f"last seen at {drive.mount_path}" if drive.mount_path else "never mounted"
            raise UserError(
                f"{drive.name} is not connected ({where}): connect it to fill its cache"
            )
        drive_id = drive.id
    cache, cancel = PreviewCache(), Cancel()
    bar = tqdm(unit=" files", file=sys.stderr, dynamic_ncols=True, disable=None)
    last: FillProgress | None = None
    showing = None
    with stop_on_signals(cancel) as received:
        try:
            for progress in fill_cache(
                drive_id, cache, cancel, args.workers, quick_only=args.quick_only
            ):
                last = progress
                if progress.message:
                    bar.clear()
                    say(f"luna: {progress.message}", sys.stderr)
                if progress.finished:
                    break
                if (progress.drive, progress.phase) != showing:
                    showing = (progress.drive, progress.phase)
                    bar.reset(total=progress.total)
                    what = "Previews" if progress.phase == FULL else "Thumbnails"
                    bar.set_description_str(f"{what} {progress.drive} ", refresh=False)
                bar.update(progress.done - bar.n)
        finally:
            bar.close()
    assert last is not None
    usage = cache.usage()
    if args.json:
        print_json_line(
            {
                "made": last.made,
                "failed": last.failed,
                "added_bytes": last.added_bytes,
                "cancelled": last.cancelled,
                "cap_reached": last.cap_reached,
                "cache_bytes": usage.bytes,
                "max_bytes": usage.max_bytes,
                "problems": [{"path": p, "error": e} for p, e in last.problems],
            }
        )
    else:
        say(_fill_summary(last, usage), sys.stdout)
        for path, message in last.problems[:_MAX_PROBLEMS_SHOWN]:
            say(f"  problem: {path}: {message}", sys.stderr)
        if last.failed > _MAX_PROBLEMS_SHOWN:
            say(f"  … and {last.failed - _MAX_PROBLEMS_SHOWN} more", sys.stderr)
    if last.cancelled:
        return 128 + (received[0] if received else signal.SIGINT)
    return 0


def _fill_summary(p, usage) -> str:
    from luna_desktop.catalog.formatting import human_size

    verb = "Cache fill cancelled:" if p.cancelled else "Cache filled:"
    failed = f", {p.failed:,} file{'' if p.failed == 1 else 's'} could not be cached"
    return (
        f"{verb} {p.made:,} entries made{failed if p.failed else ''}; the cache holds "
        f"{human_size(usage.bytes)} of its {human_size(usage.max_bytes)} cap"
    )


# --- status -------------------------------------------------------------------------


def run_status(args: argparse.Namespace) -> int:
    import os

    from luna_desktop.catalog.formatting import human_size
    from luna_desktop.catalog.models import Drive
    from luna_desktop.media.preview_cache import PreviewCache

    open_from_args(args)
    cache = PreviewCache()
    usage = cache.usage()
    drives = []
    for drive in Drive.select().order_by(Drive.name):
        row = _coverage(cache, drive.id)
        row["name"] = drive.name
        row["mounted"] = bool(drive.mount_path and os.path.isdir(drive.mount_path))
        drives.append(row)
    if args.json:
        print_json_line(
            {
                "cache_dir": str(cache.directory),
                "files": usage.files,
                "bytes": usage.bytes,
                "max_bytes": usage.max_bytes,
                "thumbs": usage.thumbs,
                "previews": usage.previews,
                "posters": usage.posters,
                "drives": drives,
            }
        )
        return 0
    share = f" ({usage.bytes / usage.max_bytes:.0%})" if usage.max_bytes else ""
    print(f"Preview cache: {cache.directory}")
    print(
        f"  {usage.files:,} files, {human_size(usage.bytes)} of "
        f"{human_size(usage.max_bytes)}{share}"
    )
    print(f"  {usage.thumbs:,} thumbnails, {usage.previews:,} previews, {usage.posters:,} posters")
    if not drives:
        return 0
    print()
    print(f"{'DRIVE':<24} {'IMAGES':>9} {'THUMBS':>9} {'PREVIEWS':>9} {'VIDEOS':>9} {'POSTERS':>9}")
    for d in drives:
        mark = "~" if d["sampled"] else ""
        notes = [] if d["mounted"] else ["not connected"]
        if d["sampled"]:
            notes.append(f"~ estimated from a sample of {d['sampled']:,}")
        print(
            f"{d['name']:<24} {d['images']:>9,} {mark + format(d['images_thumb'], ','):>9} "
            f"{mark + format(d['images_preview'], ','):>9} {d['videos']:>9,} "
            f"{mark + format(d['videos_poster'], ','):>9}"
            + (f"  ({'; '.join(notes)})" if notes else "")
        )
    return 0


def _coverage(cache, drive_id: int) -> dict:
    """How many of a drive's images and videos have entries: every file checked up to
    _STATUS_SAMPLE files, past that a random sample of them, scaled up."""
    from peewee import fn

    from luna_desktop.catalog.models import FileEntry
    from luna_desktop.media.preview_cache import POSTER, PREVIEW, THUMB
    from luna_desktop.scan.cache_fill import cacheable_files

    totals = {"image": 0, "video": 0}
    query = cacheable_files(drive_id).select(FileEntry.kind, fn.COUNT(FileEntry.id))
    for kind, count in query.group_by(FileEntry.kind).tuples():
        totals[kind] = count
    rows = cacheable_files(drive_id).select(FileEntry.oshash, FileEntry.kind)
    sampled = sum(totals.values()) > _STATUS_SAMPLE
    if sampled:
        rows = rows.order_by(fn.Random()).limit(_STATUS_SAMPLE)
    seen = {"image": 0, "video": 0}
    found = {"image_thumb": 0, "image_preview": 0, "video_poster": 0}
    for oshash, kind in rows.tuples().iterator():
        seen[kind] += 1
        if kind == "image":
            found["image_thumb"] += cache.has(oshash, THUMB)
            found["image_preview"] += cache.has(oshash, PREVIEW)
        else:
            found["video_poster"] += cache.has(oshash, POSTER)

    def scaled(count: int, kind: str) -> int:
        return round(count * totals[kind] / seen[kind]) if sampled and seen[kind] else count

    return {
        "images": totals["image"],
        "images_thumb": scaled(found["image_thumb"], "image"),
        "images_preview": scaled(found["image_preview"], "image"),
        "videos": totals["video"],
        "videos_poster": scaled(found["video_poster"], "video"),
        "sampled": sum(seen.values()) if sampled else None,
    }


# --- limit and clear ----------------------------------------------------------------


def run_limit(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.formatting import human_size
    from luna_desktop.media.preview_cache import PreviewCache

    from .main import UserError

    cache = PreviewCache()
    if args.size is None:
        if args.json:
            print_json_line({"max_bytes": cache.max_bytes})
        else:
            print(f"The preview cache's cap is {human_size(cache.max_bytes)}.")
        return 0
    try:
        value = parse_size(args.size)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    try:
        cache.set_max_bytes(value)
    except OSError as exc:
        raise UserError(f"the cap could not be saved in {cache.directory} ({exc})") from None
    removed = cache.prune()
    usage = cache.usage()
    if args.json:
        print_json_line({"max_bytes": value, "removed": removed, "bytes": usage.bytes})
        return 0
    gone = f"; {removed:,} least recently used files removed" if removed else ""
    print(
        f"The preview cache's cap is now {human_size(value)} "
        f"(it holds {human_size(usage.bytes)}{gone})."
    )
    return 0


def run_clear(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.formatting import human_size
    from luna_desktop.media.preview_cache import PreviewCache

    from .main import UserError

    cache = PreviewCache()
    try:
        before = cache.usage().bytes
        removed = cache.clear()
    except OSError as exc:
        where = cache.directory
        raise UserError(f"the preview cache in {where} cannot be cleared ({exc})") from None
    if args.json:
        print_json_line(
            {"removed": removed, "freed_bytes": before, "cache_dir": str(cache.directory)}
        )
    else:
        freed = human_size(before)
        print(f"Removed {removed:,} files ({freed}) from {cache.directory}.")
    return 0
