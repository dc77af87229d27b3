"""`luna album …`: ordered, named collections of files from any drives.

Positions are shown and given counting from 1, as `luna album show` numbers the files.
"""

from __future__ import annotations

import argparse
import json

from .common import open_from_args, print_json_line
from .targets import TARGETS_HELP, file_ids_of


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "album",
        help="list, make and change albums",
        description="Albums are ordered, named collections of files from any drives.",
    )
    commands = p.add_subparsers(dest="album_command", metavar="ACTION", required=True)

    c = commands.add_parser("list", help="every album, with how many files it holds")
    c.add_argument("--json", action="store_true", help="JSON Lines: one object per album")
    c.set_defaults(run=run_list)

    c = commands.add_parser("create", help="make an empty album")
    c.add_argument("name", metavar="NAME")
    c.add_argument("--description", default="")
    c.set_defaults(run=run_create)

    c = commands.add_parser("add", help="add files at the end of an album")
    c.add_argument("name", metavar="NAME")
    c.add_argument("targets", metavar="TARGET", nargs="+", help=TARGETS_HELP)
    c.set_defaults(run=run_add)

    c = commands.add_parser("remove", help="take files out of an album (not the catalogue)")
    c.add_argument("name", metavar="NAME")
    c.add_argument("targets", metavar="TARGET", nargs="+", help=TARGETS_HELP)
    c.set_defaults(run=run_remove)

    c = commands.add_parser("move", help="move files within an album")
    c.add_argument("name", metavar="NAME")
    c.add_argument("targets", metavar="TARGET", nargs="+", help=TARGETS_HELP)
    where = c.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--to", type=int, metavar="N", help="the first of them goes to place N (1 is the first)"
    )
    where.add_argument("--up", action="store_true", help="each one place up")
    where.add_argument("--down", action="store_true", help="each one place down")
    c.set_defaults(run=run_move)

    c = commands.add_parser("rename", help="give an album a new name")
    c.add_argument("old", metavar="OLD")
    c.add_argument("new", metavar="NEW")
    c.set_defaults(run=run_rename)

    c = commands.add_parser("delete", help="delete an album (never its files)")
    c.add_argument("name", metavar="NAME")
    c.set_defaults(run=run_delete)

    c = commands.add_parser("show", help="an album's files, in order")
    c.add_argument("name", metavar="NAME")
    c.add_argument("--json", action="store_true", help="one JSON object")
    c.set_defaults(run=run_show)


def run_list(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.albums import list_albums

    open_from_args(args)
    albums = list_albums()
    if args.json:
        for a in albums:
            print_json_line({"name": a.name, "description": a.description, "files": a.files})
        return 0
    if not albums:
        print("No albums yet (make one with `luna album create NAME`).")
    for a in albums:
        about = f": {a.description}" if a.description else ""
        print(f"{a.files:>9,} {'file ' if a.files == 1 else 'files'}  {a.name}{about}")
    return 0


def run_create(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.albums import create_album

    open_from_args(args)
    album = create_album(args.name, args.description)
    print(f"Made the album {album.name!r}.")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.albums import add_files, get_album

    open_from_args(args)
    album = get_album(args.name)  # an unknown album before a long walk through targets
    result = add_files(album.name, file_ids_of(args.targets))
    line = f"Added {_files(len(result.added))} to {album.name!r}"
    if result.already:
        kept = "kept its place" if len(result.already) == 1 else "kept their places"
        line += f"; {_files(len(result.already))} already in it {kept}"
    print(line + ".")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.albums import get_album, remove_files

    open_from_args(args)
    album = get_album(args.name)
    removed = remove_files(album.name, file_ids_of(args.targets))
    print(f"Took {_files(removed)} out of {album.name!r}.")
    return 0


def run_move(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.albums import get_album, move_down, move_files, move_up

    from .main import UserError

    open_from_args(args)
    album = get_album(args.name)
    ids = file_ids_of(args.targets)
    if args.up:
        move_up(album.name, ids)
        print(f"Moved {_files(len(ids))} up in {album.name!r}.")
    elif args.down:
        move_down(album.name, ids)
        print(f"Moved {_files(len(ids))} down in {album.name!r}.")
    else:
        if args.to < 1:
            raise UserError(f"--to {args.to}: places count from 1")
        at = move_files(album.name, ids, args.to - 1)
        print(f"Moved {_files(len(ids))} to place {at + 1} in {album.name!r}.")
    return 0


def run_rename(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.albums import get_album, rename_album

    open_from_args(args)
    old = get_album(args.old).name
    album = rename_album(old, args.new)
    print(f"Renamed the album {old!r} to {album.name!r}.")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.albums import delete_album, get_album

    open_from_args(args)
    name = get_album(args.name).name
    held = delete_album(name)
    print(f"Deleted the album {name!r} ({_files(held)} stay in the catalogue).")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.albums import album_files, get_album
    from luna_desktop.catalog.status import Status

    open_from_args(args)
    album = get_album(args.name)
    files = album_files(album.name)
    if args.json:
        data = {
            "name": album.name,
            "description": album.description,
            "created_at": album.created_at.isoformat(),
            "files": [
                {
                    "position": f.position + 1,
                    "uuid": f.uuid,
                    "drive": f.drive,
                    "path": f.folder,
                    "filename": f.filename,
                    "missing": not f.present,
                    "status": Status(f.status).key,
                }
                for f in files
            ],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{album.name}: {_files(len(files))}"
        + (f"; {album.description}" if album.description else "")
    )
    width = len(str(len(files)))
    for f in files:
        flag = "M" if not f.present else " "  # M: missing from its drive when last scanned
        print(
            f"{f.position + 1:>{width}}. {Status(f.status).glyph}{flag} {f.drive}:{f.display_path}"
        )
    return 0


def _files(count: int) -> str:
    return f"{count:,} file" if count == 1 else f"{count:,} files"
