"""Whether a drive spins: a rotating disk is read by one reader, in inode order.

On a hard disk every read that is not next to the last one costs a seek of several
milliseconds. Several readers asking for different files at once make the head jump
between them, and the scan gets slower with every reader added. One reader that takes
each folder's files in the order of their inode numbers follows the order in which
most file systems (ext4, XFS, HFS+, NTFS's MFT) placed them, so the head mostly moves
forward. On an SSD or a network share there is no head, and parallel readers win.

Linux says which kind a block device is in ``/sys/block/<dev>/queue/rotational``. A
path is mapped to its device through ``st_dev`` and ``/sys/dev/block/MAJ:MIN``; a
partition has no queue of its own and inherits its disk's. File systems that give
their files an anonymous device (btrfs; NTFS and exFAT drives mounted through FUSE)
are mapped through the mount table to the block device they were mounted from.
Anything else (a network file system, tmpfs, another OS) is "not known", which Luna
treats as not rotating.
"""

from __future__ import annotations

import os
from pathlib import Path

# What ScanOptions.disk may say: decide from the system, or the user knows better (a
# USB enclosure may report its SSD as rotating, or its hard disk as not).
AUTO, ROTATING, SOLID = "auto", "rotating", "solid"
DISK_CHOICES = (AUTO, ROTATING, SOLID)


def is_rotational(
    path: str | bytes | os.PathLike,
    sys_root: str = "/sys",
    mountinfo: str = "/proc/self/mountinfo",
) -> bool | None:
    """True for a spinning disk, False for one that says it is not, None when unknown."""
    try:
        device = os.stat(path).st_dev
    except OSError:
        return None
    return device_is_rotational(os.major(device), os.minor(device), sys_root, mountinfo)


def device_is_rotational(
    major: int, minor: int, sys_root: str = "/sys", mountinfo: str = "/proc/self/mountinfo"
) -> bool | None:
    if major == 0:  # an anonymous device: ask the block device it was mounted from
        source = _mount_source(f"{major}:{minor}", mountinfo)
        if source is None:
            return None  # tmpfs, overlayfs, NFS…: no disk to ask
        link = Path(sys_root, "class", "block", os.path.basename(os.path.realpath(source)))
    else:
        link = Path(sys_root, "dev", "block", f"{major}:{minor}")
    try:
        device = link.resolve(strict=True)
    except OSError:
        return None
    for folder in (device, device.parent):  # the device itself, else its whole disk
        flag = folder / "queue" / "rotational"
        try:
            text = flag.read_text().strip()
        except OSError:
            continue
        if text in ("0", "1"):
            return text == "1"
    return None


def _mount_source(device: str, mountinfo: str) -> str | None:
    """The /dev path a file system with device number `device` was mounted from."""
    try:
        with open(mountinfo, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) < 10 or fields[2] != device or "-" not in fields:
                    continue
                # After the "-" separator: file system type, then the mount source.
                source = fields[fields.index("-") + 2]
                return source if source.startswith("/dev/") else None
    except OSError:
        return None
    return None


def read_mode(disk: str, path: str | bytes | os.PathLike) -> bool:
    """Whether to read as on a rotating disk, for ScanOptions.disk and the drive's path."""
    if disk == ROTATING:
        return True
    if disk == SOLID:
        return False
    return bool(is_rotational(path))
