"""`luna ls DRIVE [FOLDER]`: the files catalogued on a drive, at and below a folder."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from luna_desktop.catalog.formatting import format_duration, human_size

from .common import get_drive, open_from_args, print_json_line

if TYPE_CHECKING:
    from luna_desktop.catalog.models import FileEntry


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ls",
        help="list a drive's catalogued files",
        description="List every catalogued file of DRIVE at and below FOLDER, in path order.",
    )
    p.add_argument("drive", metavar="DRIVE")
    p.add_argument("folder", metavar="FOLDER", nargs="?", default="")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.records import file_as_dict, files_under
    from luna_desktop.catalog.status import Status

    open_from_args(args)
    drive = get_drive(args.drive)
    count = 0
    for row in files_under(drive, args.folder):
        count += 1
        if args.json:
            print_json_line(file_as_dict(row))
            continue
        status = Status(row.status)
        # M missing, E read with an error, n read in full but with notes.
        flags = "M" if not row.present else "E" if row.error else "n" if row.scan_notes else " "
        dims = f"{row.width}x{row.height}" if row.width and row.height else _length(row)
        print(
            f"{status.glyph}{flags} {human_size(row.size):>9}  {row.kind:<8} {dims:>11}  "
            f"{(row.taken_at or '')[:19]:<19}  {row.display_path}"
        )
    if count == 0 and not args.json and args.folder:
        print(f"No files under {args.folder!r} on {drive.name}.")
    return 0


def _length(row: FileEntry) -> str:
    """For a file with no picture: a recording's duration, a document's page count."""
    if row.duration is not None:
        return format_duration(row.duration)
    pages = (row.extra or {}).get("pages")
    if isinstance(pages, int) and not isinstance(pages, bool):
        return "1 page" if pages == 1 else f"{pages:,} pages"
    return ""
