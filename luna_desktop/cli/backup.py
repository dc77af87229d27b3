"""`luna backup DEST`: a consistent copy of the catalogue, even while it is in use."""

from __future__ import annotations

import argparse

from luna_desktop.catalog.errors import CatalogError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup",
        help="copy the catalogue safely while it is in use",
        description="Write a consistent copy of the catalogue to DEST (a new file or a folder).",
    )
    p.add_argument("dest", metavar="DEST")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from luna_desktop.catalog.backup import backup_database
    from luna_desktop.catalog.database import resolve_catalog_path

    source = resolve_catalog_path(args.catalog)
    if not source.is_file():
        raise CatalogError(f"there is no catalogue at {source} yet")
    written = backup_database(source, args.dest)
    print(f"Backed up {source} to {written}")
    return 0
