"""`luna ls DRIVE [FOLDER]`: the files catalogued on a drive, at and below a folder."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from luna_desktop.catalog.formatting import format_duration, human_size

from .common import get_drive, open_from_args, print_json_line

if TYPE_CHECKING:
    from luna_desktop.catalog.filters import Criteria
    from luna_desktop.catalog.models import Drive, FileEntry


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ls",
        help="list a drive's catalogued files",
        description=(
            "List every catalogued file of DRIVE at and below FOLDER, in path order; "
            "with --album and no DRIVE, the album's files on every drive, in its order. "
            "Filters combine: a file is listed when it passes all of them."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("drive", metavar="DRIVE", nargs="?")
    p.add_argument("folder", metavar="FOLDER", nargs="?", default="")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per file")
    _add_filters(p)
    p.set_defaults(run=run)


_EPILOG = """\
Kinds: image, video, audio, document, other. Statuses: 1 unreviewed, 2 upload,
3 restricted, 4 keep_offline, 5 discard, 6 needs_attention. --kind and --status take
several values, repeated or separated by commas; every --tag must be on the file.
A date is the curator's date, else the date taken; --from 1998 --to 1998-06 means
1998-01-01 to 1998-06-30, whole days included.
"""


def _add_filters(p: argparse.ArgumentParser) -> None:
    f = p.add_argument_group("filters")
    f.add_argument("--kind", action="append", metavar="KIND", help="image, video, …")
    f.add_argument("--camera", metavar="TEXT", help='make and model words: "Canon EOS 5D"')
    f.add_argument("--from", dest="date_from", metavar="DATE", help="dated on or after DATE")
    f.add_argument("--to", dest="date_to", metavar="DATE", help="dated on or before DATE")
    f.add_argument("--status", action="append", metavar="NAME-OR-NUMBER")
    group = f.add_mutually_exclusive_group()
    group.add_argument("--project-group", metavar="NAME", help="in this project group")
    group.add_argument(
        "--no-project-group",
        dest="project_group",
        action="store_const",
        const="",
        help="in no project group",
    )
    f.add_argument("--tag", action="append", metavar="TAG", help="with this tag or keyword")
    f.add_argument("--album", metavar="NAME", help="in this album")
    f.add_argument(
        "--duplicates",
        metavar="STATE",
        help="unique (no copy), primary, copy; confirmed or unconfirmed copies",
    )
    presence = f.add_mutually_exclusive_group()
    presence.add_argument(
        "--missing", dest="presence", action="store_const", const="missing",
        help="only files missing from the drive",
    )  # fmt: skip
    presence.add_argument(
        "--present", dest="presence", action="store_const", const="present",
        help="only files still on the drive",
    )  # fmt: skip
    presence.add_argument(
        "--all-states", dest="presence", action="store_const", const="both",
        help="present and missing files (the default)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.filters import BOTH, PRESENT, Criteria
    from luna_desktop.catalog.records import file_as_dict
    from luna_desktop.catalog.status import Status

    from .main import UserError

    criteria = _criteria(args)  # bad values fail before the catalogue is opened
    if args.drive is None and not args.album:
        raise UserError("give a DRIVE, or --album NAME to list an album across drives")
    # The listing has always shown missing files too (flagged M): that is no filter.
    filtered = criteria != Criteria(missing=BOTH)
    open_from_args(args)
    drive = get_drive(args.drive) if args.drive is not None else None
    rows = (
        _files(drive, args.folder, criteria if filtered else None)
        if drive is not None
        else _album_files(criteria)
    )
    count = 0
    for row in rows:
        count += 1
        if args.json:
            print_json_line(file_as_dict(row))
            continue
        status = Status(row.status)
        # M missing, E read with an error, n read in full but with notes.
        flags = "M" if not row.present else "E" if row.error else "n" if row.scan_notes else " "
        dims = f"{row.width}x{row.height}" if row.width and row.height else _length(row)
        where = row.display_path if drive is not None else f"{row.drive_name}:{row.display_path}"
        print(
            f"{status.glyph}{flags} {human_size(row.size):>9}  {row.kind:<8} {dims:>11}  "
            f"{(row.taken_at or '')[:19]:<19}  {where}"
        )
    if count == 0 and not args.json and filtered:
        where = f" under {args.folder!r}" if args.folder else ""
        # Missing files are listed by default: no need to say so.
        shown = replace(criteria, missing=PRESENT) if criteria.missing == BOTH else criteria
        on = drive.name if drive is not None else "any drive"
        print(f"No files{where} on {on} match: {shown.describe()}.")
    elif count == 0 and not args.json and args.folder:
        print(f"No files under {args.folder!r} on {drive.name}.")
    return 0


def _criteria(args: argparse.Namespace) -> Criteria:
    from luna_desktop.catalog.filters import Criteria, parse_date, split_values

    return Criteria(
        kinds=split_values(args.kind),
        camera=args.camera or "",
        date_from=parse_date(args.date_from) if args.date_from else None,
        date_to=parse_date(args.date_to, end=True) if args.date_to else None,
        statuses=split_values(args.status),
        project_group=args.project_group,
        tags=args.tag or (),
        album=args.album,
        duplicates=args.duplicates.strip().lower() if args.duplicates else None,
        missing=args.presence or "both",
    )


def _files(drive: Drive, folder: str, criteria: Criteria | None) -> Iterator[FileEntry]:
    """The files of `drive` at and below `folder` that pass `criteria`, in path order."""
    from luna_desktop.catalog.filter_sql import check_names, criteria_expression
    from luna_desktop.catalog.models import FileEntry
    from luna_desktop.catalog.records import file_query, files_under, in_folder

    if criteria is None:
        return files_under(drive, folder)
    check_names(criteria)
    query = file_query().where((FileEntry.drive == drive) & criteria_expression(criteria))
    folder = folder.strip("/")
    if folder:
        query = query.where(in_folder(folder))
    return query.order_by(FileEntry.folder, FileEntry.filename).objects().iterator()


def _album_files(criteria: Criteria) -> Iterator[FileEntry]:
    """An album's files on every drive that pass `criteria`, in the album's order."""
    from luna_desktop.catalog.albums import album_file_ids
    from luna_desktop.catalog.derived import fold
    from luna_desktop.catalog.filter_sql import check_names, criteria_expression
    from luna_desktop.catalog.models import Album, FileEntry
    from luna_desktop.catalog.records import file_query

    check_names(criteria)
    # The album's own name: names match as the filters match them (case and accents aside).
    name = next(
        a.name for a in Album.select(Album.name) if fold(a.name) == fold(criteria.album or "")
    )
    ids = album_file_ids(name)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found = {
            row.id: row
            for row in file_query()
            .where(FileEntry.id.in_(chunk) & criteria_expression(criteria))
            .objects()
        }
        yield from (found[i] for i in chunk if i in found)


def _length(row: FileEntry) -> str:
    """For a file with no picture: a recording's duration, a document's page count."""
    if row.duration is not None:
        return format_duration(row.duration)
    pages = (row.extra or {}).get("pages")
    if isinstance(pages, int) and not isinstance(pages, bool):
        return "1 page" if pages == 1 else f"{pages:,} pages"
    return ""
