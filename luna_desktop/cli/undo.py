"""`luna undo`: take back the last save or bulk change, one step at a time."""

from __future__ import annotations

import argparse
import getpass

from .common import open_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "undo",
        help="take back the last save or bulk change",
        description=(
            "Take back the last save (in the window) or bulk change (luna set) not yet "
            "taken back; run it again to go further back. A field someone changed again "
            "since is left as it is, and the summary says so."
        ),
    )
    p.add_argument("--mine", action="store_true", help="only changes made as --curator")
    p.add_argument("--curator", metavar="NAME", help="who undoes (default: your login)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.curation import FIELD_LABELS, undo_last

    open_from_args(args)
    curator = (args.curator or "").strip() or getpass.getuser()
    undone = undo_last(curator, by=curator if args.mine else None)
    if undone is None:
        print("Nothing to undo.")
        return 0
    fields = ", ".join(FIELD_LABELS.get(name, name).lower() for name in undone.fields)
    text = f"Undid change {undone.change_set} by {undone.by or 'someone'}: "
    text += f"{fields or 'nothing'} put back on {undone.files:,} files"
    if undone.skipped:
        were = "field was" if undone.skipped == 1 else "fields were"
        text += f"; {undone.skipped:,} {were} left alone (changed again since)"
    print(text + ".")
    return 0
