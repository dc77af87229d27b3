"""`luna import-json`, `luna export-json`, `luna import-repeats`: drive listings (the JSON
contract in DESIGN.md) in and out of the catalogue."""

from __future__ import annotations

import argparse
import sys

from .common import get_drive, open_from_args

_IMPORT_EPILOG = """\
The drive's name is the file's name without a trailing _YYYY-MM-DD
(PHS_copyALL_2026-01-24.json → PHS_copyALL) unless --drive is given. A malformed
listing is refused with a message naming the entry, and nothing is imported.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-json",
        help="import a drive listing (JSON) made elsewhere",
        description=(
            "Import a drive listing: a JSON array of objects with path, filename, "
            "file_type, oshash, size_exif, date_exif, duration, resolution and camera. "
            "Files are added to the drive (created if needed, browsable offline); files "
            "already catalogued change only with --update, and their curation never does."
        ),
        epilog=_IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="the listing (.json)")
    p.add_argument("--drive", metavar="NAME", help="the drive's name in the catalogue")
    p.add_argument(
        "--update",
        action="store_true",
        help="overwrite catalogued files' file fields (size, dates, type…) from the listing",
    )
    p.add_argument(
        "--verbose", action="store_true", help="print each file added, updated or skipped"
    )
    p.set_defaults(run=run_import)

    p = sub.add_parser(
        "export-json",
        help="write a drive's files as a listing (JSON)",
        description=(
            "Write DRIVE's files as a drive listing, in path order: the same shape "
            "import-json reads, so export → import → export gives identical bytes."
        ),
    )
    p.add_argument("drive", metavar="DRIVE")
    p.add_argument("out", metavar="OUT", help="the file to write, or - for standard output")
    p.set_defaults(run=run_export)

    p = sub.add_parser(
        "import-repeats",
        help="record duplicate groups from a repeats file",
        description=(
            'Apply a repeats file {"<oshash>": [["<path>", "<filename>"], …]}: each group '
            "becomes a duplicate group whose primary is chosen by the selection method; a "
            "primary chosen by hand is kept."
        ),
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--selection-method",
        choices=["auto_largest"],
        default="auto_largest",
        help="how to choose each group's primary (auto_largest: the largest file)",
    )
    p.add_argument("--drive", metavar="NAME", help="look for the files on this drive only")
    p.add_argument("--verbose", action="store_true", help="print each listed file not found")
    p.set_defaults(run=run_repeats)


def _user_error(exc: Exception) -> Exception:
    from .main import UserError

    return UserError(str(exc))


def run_import(args: argparse.Namespace) -> int:
    from luna_desktop.interop.listing import (
        ListingError,
        drive_name_from_file,
        import_listing,
        read_listing,
    )

    try:
        # A bad name or a malformed listing fails before the catalogue is touched.
        name = args.drive or drive_name_from_file(args.file)
        entries = read_listing(args.file)
    except ListingError as exc:
        raise _user_error(exc) from None
    open_from_args(args, create=True)
    try:
        result = import_listing(entries, name, update=args.update)
    except ListingError as exc:
        raise _user_error(exc) from None
    if args.verbose:
        for label, paths in (
            ("added", result.added),
            ("updated", result.updated),
            ("skipped", result.skipped),
        ):
            for path in paths:
                print(f"  {label}: {path}")
    if result.drive_created:
        print(f"New drive {result.drive!r} (offline: no mount path until it is scanned).")
    print(result.summary())
    return 0


def run_export(args: argparse.Namespace) -> int:
    from luna_desktop.interop.listing import export_listing

    open_from_args(args)
    drive = get_drive(args.drive)
    data = export_listing(drive)
    if args.out == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        with open(args.out, "wb") as out:
            out.write(data)
    except OSError as exc:
        raise _user_error(OSError(f"cannot write {args.out}: {exc.strerror or exc}")) from None
    count = data.count(b"\n") - 2 if data != b"[]\n" else 0
    print(f"Exported {drive.name}: {count:,} files to {args.out}", file=sys.stderr)
    return 0


def run_repeats(args: argparse.Namespace) -> int:
    from luna_desktop.interop.listing import ListingError, import_repeats

    open_from_args(args)
    try:
        result = import_repeats(args.file, args.selection_method, drive_name=args.drive)
    except ListingError as exc:
        raise _user_error(exc) from None
    if args.verbose:
        for missing in result.not_found:
            print(f"  not in the catalogue: {missing}")
    print(result.summary())
    return 0
