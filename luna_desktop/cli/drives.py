"""`luna drives`: the drives in the catalogue, their totals and where they were last seen."""

from __future__ import annotations

import argparse
import os

from luna_desktop.catalog.formatting import human_size

from .common import open_from_args, print_json_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drives", help="list the drives in the catalogue")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from peewee import fn

    from luna_desktop.catalog.models import Drive, FileEntry, ScanRun
    from luna_desktop.catalog.status import Status

    open_from_args(args)
    drives = list(Drive.select().order_by(Drive.name))
    if not drives:
        if not args.json:
            print("No drives yet. Add one with: luna scan /path/to/drive")
        return 0
    reviewed = dict(
        FileEntry.select(FileEntry.drive, fn.COUNT(FileEntry.id))
        .where((FileEntry.status != int(Status.UNREVIEWED)) & (FileEntry.present == True))  # noqa: E712
        .group_by(FileEntry.drive)
        .tuples()
    )
    missing = dict(
        FileEntry.select(FileEntry.drive, fn.COUNT(FileEntry.id))
        .where(FileEntry.present == False)  # noqa: E712
        .group_by(FileEntry.drive)
        .tuples()
    )
    rows = []
    for d in drives:
        last_scan = d.scans.order_by(ScanRun.started_at.desc()).first()
        rows.append(
            {
                "name": d.name,
                "label": d.label,
                "volume_uuid": d.volume_uuid,
                "files": d.total_files,
                "bytes": d.total_bytes,
                "reviewed": reviewed.get(d.id, 0),
                "missing": missing.get(d.id, 0),
                "mount_path": d.mount_path,
                "mounted": bool(d.mount_path and os.path.isdir(d.mount_path)),
                "last_seen": d.last_seen.isoformat(timespec="seconds") if d.last_seen else None,
                "last_scan": last_scan.state if last_scan else None,
            }
        )
    if args.json:
        for row in rows:
            print_json_line(row)
        return 0
    print(
        f"{'DRIVE':<24} {'FILES':>9} {'SIZE':>10} {'REVIEWED':>9} {'MISSING':>8}  "
        f"{'LAST SEEN':<20} PATH"
    )
    for r in rows:
        where = r["mount_path"] or "-"
        if not r["mounted"]:
            where += " (not mounted)"
        scan_note = (
            "" if r["last_scan"] in (None, "completed") else f" [last scan {r['last_scan']}]"
        )
        print(
            f"{r['name']:<24} {r['files']:>9,} {human_size(r['bytes']):>10} {r['reviewed']:>9,} "
            f"{r['missing']:>8,}  {(r['last_seen'] or '-'):<20} {where}{scan_note}"
        )
    return 0
