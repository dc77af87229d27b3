"""`luna show PATH-OR-UUID`: everything the catalogue knows about one file."""

from __future__ import annotations

import argparse
import json
import re

from .common import find_by_path, open_from_args

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "show",
        help="show one catalogued file",
        description=("Show a file by its UUID, its path on a mounted drive, or DRIVE:folder/file."),
    )
    p.add_argument("target", metavar="PATH-OR-UUID")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.models import FileEntry
    from luna_desktop.catalog.records import file_as_dict, file_query

    from .main import UserError

    open_from_args(args)
    if _UUID.match(args.target):
        row = FileEntry.get_or_none(FileEntry.uuid == args.target.lower())
    else:
        row = find_by_path(args.target)
    if row is None:
        raise UserError(f"{args.target} is not in the catalogue (scan its drive first?)")
    data = file_as_dict(file_query().where(FileEntry.id == row.id).objects().get())
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    extra = data.pop("extra")
    width = max(len(k) for k in data)
    for key, value in data.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            # A keyword may hold a comma ("Smith, John"): lists are joined by semicolons.
            value = "; ".join(value)
        print(f"{key:<{width}}  {value}")
    for key, value in sorted(extra.items()):
        print(f"{key:<{width}}  {value}")
    return 0
