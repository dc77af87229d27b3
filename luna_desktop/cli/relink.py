"""`luna relink`: missing files that may have turned up elsewhere, and the curator's
decision on each (scan.relink_across)."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from .common import open_from_args, print_json_line

if TYPE_CHECKING:
    from luna_desktop.scan.relink_across import OfferFile, RelinkOffer

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_FILE_HELP = "a UUID, a catalogue id, DRIVE:folder/file, or a path on a mounted drive"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "relink",
        help="missing files found again elsewhere: list them, relink or decline",
        description=(
            "A file that went missing keeps its curation. A file with the same size and "
            "oshash that turned up later, on any drive, is relinked by the scan that finds "
            "it when it is the only candidate; the others are listed here. Relinking moves "
            "the missing file's row (its UUID, curation, tags, albums and history) to where "
            "the candidate is, and removes the candidate's own row."
        ),
    )
    action = p.add_mutually_exclusive_group()
    action.add_argument(
        "--accept",
        nargs=2,
        metavar=("MISSING", "CANDIDATE"),
        help=f"relink MISSING to CANDIDATE ({_FILE_HELP})",
    )
    action.add_argument(
        "--decline",
        nargs=2,
        metavar=("MISSING", "CANDIDATE"),
        help="CANDIDATE is not MISSING: never offer it again",
    )
    p.add_argument("--curator", metavar="NAME", help="who declines (default: your login)")
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per offer")
    p.add_argument(
        "--limit", type=int, default=500, metavar="N", help="list at most N offers (500)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import getpass

    from luna_desktop.scan import relink_across

    from .main import UserError

    open_from_args(args)
    if args.accept or args.decline:
        missing, candidate = (_file_id(t) for t in (args.accept or args.decline))
        was, there = _where(missing), _where(candidate)
        try:
            if args.accept:
                relink_across.accept(missing, candidate)
            else:
                curator = (args.curator or "").strip() or getpass.getuser()
                relink_across.decline(missing, candidate, by=curator)
        except relink_across.RelinkError as exc:
            raise UserError(str(exc)) from None
        if args.json:
            done = "relinked" if args.accept else "declined"
            print_json_line({"missing": missing, "candidate": candidate, "done": done})
        elif args.accept:
            print(f"Relinked {was} to {there}: it keeps its UUID and curation.")
        else:
            print(f"Declined: {there} is not {was}; it will not be offered again.")
        return 0
    found = relink_across.offers(args.limit)
    for offer in found:
        if args.json:
            print_json_line(offer_as_dict(offer))
        else:
            _print_offer(offer)
    if not found and not args.json:
        print("No missing files to relink.")
    return 0


def _file_id(target: str) -> int:
    """A row id from a UUID, a plain id, DRIVE:folder/file or a mounted path."""
    from luna_desktop.catalog.models import FileEntry

    from .common import find_by_path
    from .main import UserError

    row = None
    if _UUID.match(target):
        row = FileEntry.get_or_none(FileEntry.uuid == target.lower())
    elif target.isdigit():
        row = FileEntry.get_or_none(FileEntry.id == int(target))
    else:
        row = find_by_path(target)
    if row is None:
        raise UserError(f"{target} is not in the catalogue")
    return row.id


def _where(file_id: int) -> str:
    from luna_desktop.catalog.models import FileEntry

    row = FileEntry.get_or_none(FileEntry.id == file_id)
    return f"{row.drive.name}:{row.display_path}" if row else f"file {file_id}"


def _file_dict(f: OfferFile) -> dict:
    return {
        "id": f.id,
        "uuid": f.uuid,
        "drive": f.drive,
        "path": f.folder,
        "filename": f.filename,
        "size": f.size,
        "status": f.status_label,
        "title": f.title,
        "curated": f.curated,
    }


def offer_as_dict(offer: RelinkOffer) -> dict:
    return {
        "missing": {
            **_file_dict(offer.missing),
            "missing_since": offer.missing_since.isoformat() if offer.missing_since else None,
        },
        "candidates": [
            {**_file_dict(c.file), "maybe_copy": c.maybe_copy} for c in offer.candidates
        ],
        "more_candidates": offer.more,
    }


def _print_offer(offer: RelinkOffer) -> None:
    from luna_desktop.catalog.formatting import human_size

    m = offer.missing
    title = f" “{m.title}”" if m.title else ""
    print(f"missing {m.uuid}  {m.drive}:{m.path}  [{m.status_label}]{title}")
    for c in offer.candidates:
        notes = []
        if c.maybe_copy:
            notes.append("may be a copy: catalogued before the file went missing")
        if c.file.curated:
            notes.append("curated since it arrived: the curations are merged")
        note = f"  ({'; '.join(notes)})" if notes else ""
        print(f"  → {c.file.id}  {c.file.drive}:{c.file.path}  {human_size(c.file.size)}{note}")
    if offer.more:
        print(f"  … and {offer.more} more")
    print(f"  relink with: luna relink --accept {m.uuid} CANDIDATE")
