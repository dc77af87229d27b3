"""Helpers the subcommands share: opening the catalogue, finding drives and files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a command runs, not when the command line starts
    from luna_desktop.catalog.models import Drive, FileEntry


def open_from_args(args: argparse.Namespace, create: bool = False):
    """Only commands that add to the catalogue may create it."""
    from luna_desktop.catalog.database import open_catalog

    return open_catalog(args.catalog, create=create)


def get_drive(name: str) -> Drive:
    from luna_desktop.catalog.models import Drive

    from .main import UserError

    drive = Drive.get_or_none(Drive.name == name)
    if drive is None:
        known = ", ".join(d.name for d in Drive.select(Drive.name).order_by(Drive.name)) or "none"
        raise UserError(f"no drive named {name!r} in the catalogue (drives: {known})")
    return drive


def find_by_path(path: str) -> FileEntry | None:
    """A catalogued file from a path on a mounted drive, or ``DRIVE:folder/file``."""
    from luna_desktop.catalog.models import Drive, FileEntry
    from luna_desktop.catalog.paths import split_relpath, to_text

    if ":" in path and not os.path.exists(path):
        drive_name, _, rel = path.partition(":")
        drive = Drive.get_or_none(Drive.name == drive_name)
        if drive is not None:
            folder, name = split_relpath(rel)
            return FileEntry.get_or_none(
                (FileEntry.drive == drive)
                & (FileEntry.folder == folder)
                & (FileEntry.filename == name)
            )
    # Mount paths are stored resolved, so resolve symlinks here too.
    absolute = os.path.realpath(os.fsencode(path))
    best: tuple[int, Drive, bytes] | None = None
    for drive in Drive.select().where(Drive.mount_path.is_null(False)):
        mount = os.fsencode(drive.mount_path).rstrip(b"/") or b"/"
        prefix = mount if mount.endswith(b"/") else mount + b"/"
        if absolute.startswith(prefix) and (best is None or len(mount) > best[0]):
            best = (len(mount), drive, absolute[len(prefix) :])
    if best is None:
        return None
    _, drive, rel = best
    folder_b, _, name_b = rel.rpartition(b"/")
    folder, folder_exact = to_text(folder_b)
    name, name_exact = to_text(name_b)
    row = FileEntry.get_or_none(
        (FileEntry.drive == drive) & (FileEntry.folder == folder) & (FileEntry.filename == name)
    )
    if row is not None and not (folder_exact and name_exact) and bytes(row.raw_path or b"") != rel:
        return None
    return row


def print_json_line(data: dict) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
