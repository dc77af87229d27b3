"""`luna event …`: named points and spans of time, and the files whose date falls inside."""

from __future__ import annotations

import argparse
import json

from .common import open_from_args, print_json_line
from .targets import TARGETS_HELP, file_ids_of

_DATE_HELP = "an ISO date or date and time: 1998, 1998-06, 1998-06-20, 1998-06-20T14:30"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "event",
        help="list, make and change events",
        description=(
            "An event is a named point or span of time. Its files are those whose date (the "
            "curator's, else the date the file states) falls inside it; a date is as long as "
            "it is precise: 1998-06-20 is the whole day."
        ),
    )
    commands = p.add_subparsers(dest="event_command", metavar="ACTION", required=True)

    c = commands.add_parser("list", help="every event, earliest first")
    c.add_argument("--json", action="store_true", help="JSON Lines: one object per event")
    c.set_defaults(run=run_list)

    c = commands.add_parser(
        "create",
        help="make an event from dates, or from the dates of files",
        description="Give --start (and --end for a span), or --from files to span their dates.",
    )
    c.add_argument("name", metavar="NAME")
    c.add_argument("--start", metavar="DATE", help=_DATE_HELP)
    c.add_argument("--end", metavar="DATE", help="the last date, inclusive (none: a point)")
    c.add_argument("--from", dest="sources", metavar="TARGET", nargs="+", help=TARGETS_HELP)
    c.add_argument("--description", default="")
    c.set_defaults(run=run_create)

    c = commands.add_parser("show", help="an event and its files, by date")
    c.add_argument("name", metavar="NAME")
    c.add_argument("--json", action="store_true", help="one JSON object")
    c.set_defaults(run=run_show)

    c = commands.add_parser("rename", help="give an event a new name")
    c.add_argument("old", metavar="OLD")
    c.add_argument("new", metavar="NEW")
    c.set_defaults(run=run_rename)

    c = commands.add_parser("delete", help="delete an event (never its files)")
    c.add_argument("name", metavar="NAME")
    c.set_defaults(run=run_delete)


def run_list(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.events import list_events

    open_from_args(args)
    events = list_events()
    if args.json:
        for e in events:
            print_json_line(_event_json(e))
        return 0
    if not events:
        print("No events yet (make one with `luna event create NAME --start DATE`).")
    for e in events:
        about = f": {e.description}" if e.description else ""
        print(f"{_span(e):<45}  {e.name}{about}")
    return 0


def run_create(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.events import create_event, create_event_from_files

    from .main import UserError

    if args.sources and (args.start or args.end):
        raise UserError("give either --start (and --end) or --from, not both")
    if not args.sources and not args.start:
        raise UserError("give --start DATE (and --end DATE for a span), or --from TARGET…")
    open_from_args(args)
    if args.sources:
        event = create_event_from_files(args.name, file_ids_of(args.sources), args.description)
    else:
        event = create_event(args.name, args.start, args.end, args.description)
    print(f"Made the event {event.name!r}: {_span(event)}.")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.events import event_files, get_event

    open_from_args(args)
    event = get_event(args.name)
    files = event_files(event.name)
    if args.json:
        data = _event_json(event)
        data["files"] = [
            {"uuid": f.uuid, "drive": f.drive, "path": f.folder, "filename": f.filename}
            | {"date": f.date}
            for f in files
        ]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    count = f"{len(files):,} file" + ("" if len(files) == 1 else "s")
    print(f"{event.name}: {_span(event)}, {count}")
    if event.description:
        print(event.description)
    for f in files:
        print(f"{f.date:<25}  {f.drive}:{f.display_path}")
    return 0


def run_rename(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.events import get_event, rename_event

    open_from_args(args)
    old = get_event(args.old).name
    event = rename_event(old, args.new)
    print(f"Renamed the event {old!r} to {event.name!r}.")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.events import delete_event, get_event

    open_from_args(args)
    name = get_event(args.name).name
    delete_event(name)
    print(f"Deleted the event {name!r} (its files stay as they are).")
    return 0


def _span(event) -> str:
    return f"{event.starts_at} – {event.ends_at}" if event.ends_at else event.starts_at


def _event_json(event) -> dict:
    return {
        "name": event.name,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "description": event.description,
    }
