"""`luna groups [list|add|rename|merge|delete]`: the project groups and how many files each
holds; tidying the list from the shell as the window's Project Groups dialog does."""

from __future__ import annotations

import argparse
import getpass

from .common import open_from_args, print_json_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "groups",
        help="list, add, rename, merge or delete project groups",
        description=(
            "Without an action: every project group with how many files it holds (files "
            "no drive holds any more included). A merge moves every file of SOURCE into "
            "TARGET and removes SOURCE, as one change that `luna undo` takes back."
        ),
    )
    p.add_argument("--json", action="store_true", help="list: one JSON object per line")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="the groups with their file counts (the default)")
    listing.add_argument("--json", dest="list_json", action="store_true", help="as JSON lines")
    add = actions.add_parser("add", help="add a group")
    add.add_argument("name", metavar="NAME")
    rename = actions.add_parser("rename", help="rename a group; its files stay in it")
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    merge = actions.add_parser("merge", help="move every file of SOURCE into TARGET")
    merge.add_argument("source", metavar="SOURCE")
    merge.add_argument("target", metavar="TARGET")
    merge.add_argument("--curator", metavar="NAME", help="who decides (default: your login)")
    delete = actions.add_parser("delete", help="delete a group that holds no file")
    delete.add_argument("name", metavar="NAME")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog import project_groups

    open_from_args(args)
    action = args.action or "list"
    if action == "list":
        return _list(args.json or getattr(args, "list_json", False))
    if action == "add":
        print(f"Added “{project_groups.add(args.name)}”.")
    elif action == "rename":
        new = project_groups.rename(args.old, args.new)
        print(f"Renamed “{args.old.strip()}” to “{new}”; its files stay in it.")
    elif action == "merge":
        curator = (args.curator or "").strip() or getpass.getuser()
        merged = project_groups.merge(args.source, args.target, curator)
        files = "1 file" if merged.files == 1 else f"{merged.files:,} files"
        text = f"Moved {files} from “{merged.source}” to “{merged.target}”"
        text += f" and removed “{merged.source}” as {curator}."
        print(text + (" `luna undo` takes it back." if merged.files else ""))
    elif action == "delete":
        project_groups.delete(args.name)
        print(f"Deleted “{args.name.strip()}”.")
    return 0


def _list(as_json: bool) -> int:
    from luna_desktop.catalog.project_groups import list_groups

    groups = list_groups()
    if as_json:
        for g in groups:
            print_json_line({"name": g.name, "files": g.files, "missing": g.missing})
        return 0
    if not groups:
        print("No project groups yet. Add one with: luna groups add NAME")
        return 0
    counts = [f"{g.files:,}" + (f" ({g.missing:,} missing)" if g.missing else "") for g in groups]
    width = max(len(c) for c in counts)
    for group, count in zip(groups, counts, strict=True):
        print(f"{count:>{width}}  {group.name}")
    return 0
