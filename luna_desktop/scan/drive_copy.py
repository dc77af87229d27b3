"""Is this folder a known drive, or a copy of it?

A drive copied to a new disk carries the same paths and sizes, so recognising drives by
their files (scan.drive_identity) takes the copy for the drive itself. `compare` looks
closer: it samples the drive's catalogued present files spread over the whole drive (not
only near the root, where a partial copy may look complete), looks for each under the
folder with the same size, and says whether the drive's own mount path is there now,
holding its files. The caller then decides, with the curator, what the folder is.

Only reads: a few hundred stats on the folder and on the drive's mount path, and a few
hundred index lookups in the catalogue; never every row of a drive that may hold a
million files, and nothing is ever written on either disk.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from luna_desktop.catalog.models import DB, Drive
from luna_desktop.catalog.paths import relpath_bytes

SAME_PLACE = "same place"  # the folder is where the drive was last seen
COPY = "copy"  # (nearly) every sampled file is in the folder
PARTIAL_COPY = "partial copy"  # a good share of them is
DIFFERENT = "different"  # few or none

# Shares of the sampled files found: at least COPY_AT is a copy, PARTIAL_AT a partial
# copy. A folder that merely shares some names with a drive matches far fewer: a file
# counts only with its full relative path and its exact size.
COPY_AT = 0.9
PARTIAL_AT = 0.2

# How many of the sample are looked for at the drive's own mount path, and the share
# that must be there for the drive to count as present (a drive half full of the same
# files is still that drive).
_ORIGINAL_PROBE = 24
_ORIGINAL_AT = 0.5


@dataclass(frozen=True)
class CopyVerdict:
    """How a folder compares with a known drive."""

    drive: str  # the known drive's name
    matched: int  # sampled files found in the folder with the same path and size
    sampled: int
    fraction: float  # matched / sampled (0 when nothing could be sampled)
    original_present: bool  # the drive's own mount path is there now, holding its files
    kind: str  # SAME_PLACE, COPY, PARTIAL_COPY or DIFFERENT

    @property
    def percent(self) -> int:
        return round(self.fraction * 100)


def compare(root: os.PathLike | str, drive: Drive, sample: int = 300) -> CopyVerdict:
    """Compare the folder `root` with the catalogued drive `drive`; reads only."""
    root_b = os.fsencode(os.path.realpath(root))
    rows = sample_files(drive.id, sample)
    matched = sum(_holds(root_b, rel, size) for rel, size in rows)
    fraction = matched / len(rows) if rows else 0.0
    mount = os.fsencode(os.path.realpath(drive.mount_path)) if drive.mount_path else None
    here = mount is not None and mount == root_b
    original = not here and mount is not None and _holds_its_files(mount, rows)
    if here:
        kind = SAME_PLACE
    elif rows and fraction >= COPY_AT:
        kind = COPY
    elif rows and fraction >= PARTIAL_AT:
        kind = PARTIAL_COPY
    else:
        kind = DIFFERENT
    return CopyVerdict(drive.name, matched, len(rows), fraction, original, kind)


def sample_files(drive_id: int, count: int) -> list[tuple[bytes, int]]:
    """Up to `count` (relative path, size) pairs of the drive's present files, spread
    evenly over its rows: a scan adds rows folder by folder, so rows evenly spread are
    files from all over the drive, each folder in proportion to its files.

    One index seek per pick on (drive, present), whose entries are ordered by row id:
    a few hundred lookups whatever the drive's size.
    """
    db = DB.obj
    low, high = db.execute_sql(
        "SELECT MIN(id), MAX(id) FROM file_entry WHERE drive_id = ? AND present = 1",
        (drive_id,),
    ).fetchone()
    if low is None or count <= 0:
        return []
    step = (high - low + 1) / count
    picked: list[tuple[bytes, int]] = []
    after = low - 1
    for i in range(count):
        row = db.execute_sql(
            "SELECT id, folder, filename, raw_path, size FROM file_entry "
            "WHERE drive_id = ? AND present = 1 AND id >= ? ORDER BY id LIMIT 1",
            (drive_id, max(low + int(i * step), after + 1)),
        ).fetchone()
        if row is None:
            break
        after, folder, filename, raw_path, size = row
        picked.append((relpath_bytes(folder, filename, raw_path), size))
    return picked


def _holds(root: bytes, rel: bytes, size: int) -> bool:
    """Whether `root` holds a regular file at `rel` of exactly `size` bytes."""
    try:
        st = os.stat(os.path.join(root, rel), follow_symlinks=False)
    except (OSError, ValueError):  # ValueError: a name with a NUL byte
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size == size


def _holds_its_files(mount: bytes, rows: list[tuple[bytes, int]]) -> bool:
    """Whether the drive is at its own mount path now: the folder is there and holds
    most of a few of the sampled files (an empty mount point of an unplugged drive
    holds none)."""
    if not rows or not os.path.isdir(mount):
        return False
    probe = rows[:: max(1, len(rows) // _ORIGINAL_PROBE)][:_ORIGINAL_PROBE]
    found = sum(_holds(mount, rel, size) for rel, size in probe)
    return found >= _ORIGINAL_AT * len(probe)
