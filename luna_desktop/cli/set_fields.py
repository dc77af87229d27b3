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

    from .main import UserError

    values = _values(args)
    if not values:
        raise UserError("nothing to set: give --status, --title, --project-group, --tag, "
                        "--date, --description or --notes")  # fmt: skip
    open_from_args(args)
    ids = file_ids_of(args.targets)  # in order, each file once
    curator = (args.curator or "").strip() or getpass.getuser()
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
