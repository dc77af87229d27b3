"""`luna duplicates`: groups of files that share an oshash across every drive, and
`luna report copies`: files held on only one drive."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from luna_desktop.catalog.formatting import human_size

from .common import open_from_args, print_json_line

if TYPE_CHECKING:
    from luna_desktop.catalog.duplicates import Member, Split


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "duplicates",
        help="list groups of duplicate files across drives",
        description=(
            "Rebuild and list the duplicate groups: present files on any drive that share "
            "a size and an oshash. Members whose full-content hash differs are shown as split."
        ),
    )
    p.add_argument("--json", action="store_true", help="JSON Lines: one object per group")
    p.add_argument(
        "--confirm",
        action="store_true",
        help="first compute the full-content hash of members on mounted drives",
    )
    p.add_argument(
        "--rule",
        metavar="RULE",
        help="choose automatic primaries by largest, earliest, shortest_path or "
        "preferred_drive (with --prefer-drive, or as preferred_drive:NAME); "
        "a manual choice is always kept",
    )
    p.add_argument("--prefer-drive", metavar="NAME", help="the drive of the preferred_drive rule")
    p.set_defaults(run=run)

    report = sub.add_parser("report", help="reports over the whole catalogue")
    kinds = report.add_subparsers(dest="report", metavar="REPORT", required=True)
    copies = kinds.add_parser(
        "copies",
        help="files held on only one drive",
        description="List the present files no other drive holds a copy of.",
    )
    copies.add_argument("--json", action="store_true", help="JSON Lines: one object per file")
    copies.set_defaults(run=run_copies)


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog import duplicates

    from .main import UserError

    open_from_args(args)
    try:
        rule = duplicates.parse_rule(args.rule, args.prefer_drive) if args.rule else None
    except duplicates.RuleError as exc:
        raise UserError(str(exc)) from None
    duplicates.refresh_groups(rule)
    if args.confirm:
        _confirm_all()
    count = 0
    for group in duplicates.all_groups():
        count += 1
        if args.json:
            print_json_line(group_as_dict(group))
        else:
            _print_group(group)
    if count == 0 and not args.json:
        print("No duplicates.")
    return 0


def _confirm_all() -> None:
    from luna_desktop.catalog import duplicates
    from luna_desktop.catalog.models import DuplicateGroup, FileEntry
    from luna_desktop.scan.oshash import content_hash

    mounts = duplicates.mounted_drives()
    groups = list(DuplicateGroup.select().order_by(DuplicateGroup.oshash))
    # Hashing reads whole files: a long job says where it is (on a terminal), and
    # Ctrl+C keeps the hashes stored so far.
    show_progress = sys.stderr.isatty()
    for number, group in enumerate(groups, 1):
        if show_progress:
            print(f"\rconfirming group {number:,} of {len(groups):,}", end="", file=sys.stderr)
        result = duplicates.confirm_group(group, mounts, hasher=content_hash)
        for file_id, why in result.skipped:
            entry = FileEntry.get_or_none(FileEntry.id == file_id)
            name = f"{entry.drive.name}:{entry.display_path}" if entry else f"file {file_id}"
            print(f"\rluna: {name} was not hashed: {why}", file=sys.stderr)
    if show_progress and groups:
        print(file=sys.stderr)


def _file_dict(m: Member) -> dict:
    return {
        "uuid": m.uuid,
        "drive": m.drive,
        "path": m.folder,
        "filename": m.filename,
        "size": m.size,
        "content_hash": m.content_hash,
    }


def _ordered(members: list[Member]) -> list[Member]:
    return sorted(members, key=lambda m: (m.drive, m.folder, m.filename))


def group_as_dict(group: Split) -> dict:
    return {
        "oshash": group.oshash,
        "primary": group.primary.uuid,
        "how": group.chosen_by,
        "confirmed": group.confirmed,
        "files": [_file_dict(m) for m in _ordered(group.kept)],
        # Members whose content hash differs from the group's: not copies after all.
        "split": [_file_dict(m) for m in _ordered(group.split)],
    }


def _print_group(group: Split) -> None:
    state = "confirmed" if group.confirmed else "by oshash only"
    print(
        f"{group.oshash}  {len(group.kept)} files, {human_size(group.primary.size)} each, "
        f"{state}, primary by {group.chosen_by}"
    )
    for m in _ordered(group.kept):
        mark = "*" if m.id == group.primary.id else " "
        path = f"{m.folder}/{m.filename}" if m.folder else m.filename
        print(f"  {mark} {m.drive}:{path}")
    for m in _ordered(group.split):
        path = f"{m.folder}/{m.filename}" if m.folder else m.filename
        print(f"  ! {m.drive}:{path}  (split: different content)")


def run_copies(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.duplicates import files_on_one_drive
    from luna_desktop.catalog.models import Drive, FileEntry

    open_from_args(args)
    ids = files_on_one_drive()
    names = {d.id: d.name for d in Drive.select(Drive.id, Drive.name)}
    count = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = {r.id: r for r in FileEntry.select().where(FileEntry.id.in_(chunk))}
        for file_id in chunk:
            row = rows[file_id]
            count += 1
            drive = names[row.drive_id]
            if args.json:
                print_json_line(
                    {
                        "uuid": row.uuid,
                        "drive": drive,
                        "path": row.folder,
                        "filename": row.filename,
                        "size": row.size,
                        "oshash": row.oshash,
                        "copies": 1,
                    }
                )
            else:
                print(f"{human_size(row.size):>9}  {drive}:{row.display_path}")
    if not args.json:
        print(f"{count:,} files held on only one drive.")
    return 0
