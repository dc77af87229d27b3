"""`luna set TARGET… [--status …] [--title …] …`: one decision for many files."""

from __future__ import annotations

import argparse
import getpass
import re

from .common import open_from_args
from .targets import file_ids_of


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "set",
        help="set curation fields on files or whole folders",
        description=(
            "Set the same fields on every TARGET: a UUID, a file's path on a mounted drive, "
            "or DRIVE:folder[/file]. A folder means every file under it. As a save in the "
            "window: only what changes is written, the edit log records it, and reviewed-at "
            "and reviewed-by are stamped. All files change, or none."
        ),
    )
    p.add_argument("targets", metavar="TARGET", nargs="+")
    p.add_argument("--status", help="a status name (upload, discard…) or number 1–6")
    p.add_argument("--title")
    p.add_argument("--project-group", metavar="GROUP")
    p.add_argument("--tag", action="append", metavar="TAG", help="repeat for several tags")
    p.add_argument("--date", help="YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--description")
    p.add_argument("--notes")
    p.add_argument("--curator", metavar="NAME", help="who decides (default: your login)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.curation import set_fields
    from luna_desktop.catalog.status import Status

    from .main import UserError

    values = _values(args)
    if not values:
        raise UserError("nothing to set: give --status, --title, --project-group, --tag, "
                        "--date, --description or --notes")  # fmt: skip
    open_from_args(args)
    ids = file_ids_of(args.targets)  # in order, each file once
    curator = (args.curator or "").strip() or getpass.getuser()
    if values.get("status") == int(Status.DISCARD):
        _confirm_copies(ids)
    result = set_fields(ids, values, curator)
    fields = ", ".join(name.replace("_", " ") for name in values)
    files = "1 file" if result.files == 1 else f"{result.files:,} files"
    print(f"Set {fields} on {files} ({result.changed:,} changed) as {curator}.")
    return 0


def _values(args: argparse.Namespace) -> dict[str, object]:
    from luna_desktop.catalog.status import Status

    from .main import UserError

    values: dict[str, object] = {}
    if args.status is not None:
        try:
            text = args.status.strip()
            status = (
                Status(int(text)) if text.isdigit() else Status.from_key(text.replace(" ", "_"))
            )
            values["status"] = int(status)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    for name in ("title", "project_group", "description", "notes"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name).strip() if name != "notes" else args.notes
    if args.date is not None:
        date = args.date.strip()
        if date and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
            raise UserError(f"--date {args.date!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
        values["date"] = date
    if args.tag:
        values["tags"] = [t.strip() for t in args.tag if t.strip()]
    return values


def _confirm_copies(ids: list[int]) -> None:
    """Before discarding copies, confirm their groups by content (oshash only proposes):
    what is hashed is stored; a file whose content differs is said, and is then no
    copy of anything. The decision stands either way: it is the curator's."""
    import sys

    from luna_desktop.catalog import duplicates
    from luna_desktop.catalog.models import DuplicateGroup, FileEntry
    from luna_desktop.scan.oshash import content_hash

    oshashes = set()
    for start in range(0, len(ids), 500):
        rows = FileEntry.select(FileEntry.oshash).where(
            FileEntry.id.in_(ids[start : start + 500]) & FileEntry.oshash.is_null(False)
        )
        oshashes.update(row.oshash for row in rows)
    groups = [
        g
        for g in DuplicateGroup.select().where(DuplicateGroup.oshash.in_(sorted(oshashes)))
        if not g.confirmed
    ]
    chosen = set(ids)
    for group in groups:
        result = duplicates.confirm_group(group, hasher=content_hash)
        for file_id in result.split:
            if file_id in chosen:
                row = FileEntry.get_by_id(file_id)
                print(f"luna: {row.display_path} is not a copy: its content differs from "
                      "its group's; it is discarded as asked", file=sys.stderr)  # fmt: skip
        for file_id, why in result.skipped:
            if file_id in chosen:
                row = FileEntry.get_by_id(file_id)
                print(f"luna: {row.display_path} not confirmed by content ({why})",
                      file=sys.stderr)  # fmt: skip
