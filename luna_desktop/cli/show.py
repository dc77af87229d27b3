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
    for key, value in _file_facts(data, extra):
        print(f"{key:<{width}}  {value}")
    return 0


# What the file says about itself first (a document's, a recording's), then the rest.
_FIRST = ("title", "author", "artist", "album", "album_artist", "genre", "date", "track")


def _file_facts(data: dict, extra: dict) -> list[tuple[str, object]]:
    """The extra metadata as (label, value) lines. A key that is also one of the row's
    own (title, date, description: the curator's) is labelled "(file)", and dropped when
    it only repeats the row (pages); a track number shows its total, as 3/12."""
    extra = dict(extra)
    if "track" in extra and "track_total" in extra:
        extra["track"] = f"{extra['track']}/{extra.pop('track_total')}"
    keys = [k for k in _FIRST if k in extra] + sorted(k for k in extra if k not in _FIRST)
    lines = []
    for key in keys:
        value = extra[key]
        if key in data:
            if data[key] == value:
                continue
            key = f"{key} (file)"
        lines.append((key, value))
    return lines
