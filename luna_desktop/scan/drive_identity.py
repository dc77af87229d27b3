"""Recognising a drive whatever path it is mounted at.

First by the volume UUID the OS gives for a mounted volume, then by a fingerprint of
files the catalogue already holds (a sample of relative paths and sizes near the root),
and only then as a new drive named after its volume label or folder.

A folder that holds a known drive's files may also be a copy of it (a drive copied to
a new disk): `recognise` says so when the drive itself is still at its own mount path,
when the folder is on another volume than the drive was, or when only part of the
drive's files are there (scan.drive_copy), and the curator decides which it is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from luna_desktop.catalog.models import Drive, FileEntry, utcnow
from luna_desktop.catalog.paths import split_relpath, to_text

from .drive_copy import COPY, DIFFERENT, CopyVerdict, compare

# How many files near the root a fingerprint samples, and how many must match.
_SAMPLE = 24
_MATCH_RATIO = 0.75


@dataclass
class Volume:
    mount_point: str
    uuid: str | None
    label: str | None


def volume_of(root: Path) -> Volume | None:
    """The volume mounted exactly at `root`, when root is a mount point (Linux)."""
    try:
        real = os.path.realpath(root)
        if not os.path.ismount(real):
            return None
        st = os.stat(real)
    except OSError:
        return None
    uuid = _by_id_link("/dev/disk/by-uuid", st.st_dev)
    label = _by_id_link("/dev/disk/by-label", st.st_dev)
    if label:
        label = label.replace("\\x20", " ")
    return Volume(mount_point=real, uuid=uuid, label=label)


def _by_id_link(folder: str, dev: int) -> str | None:
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    for name in names:
        try:
            if os.stat(os.path.join(folder, name)).st_rdev == dev:
                return name
        except OSError:
            continue
    return None


def sample_files(
    root: bytes, limit: int = _SAMPLE, max_entries: int = 400
) -> list[tuple[str, int]]:
    """Up to `limit` (relative path, size) pairs from the first folders, breadth first."""
    found: list[tuple[str, int]] = []
    queue = [b""]
    seen = 0
    while queue and len(found) < limit and seen < max_entries:
        rel = queue.pop(0)
        try:
            with os.scandir(os.path.join(root, rel) if rel else root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            child = os.path.join(rel, entry.name) if rel else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    queue.append(child)
                elif entry.is_file(follow_symlinks=False) and len(found) < limit:
                    found.append((to_text(child)[0], entry.stat(follow_symlinks=False).st_size))
            except OSError:
                continue
    return found


def fingerprint_votes(sample: list[tuple[str, int]]) -> dict[int, int]:
    """Drive id → how many of the sampled files it holds at the same paths and sizes."""
    votes: dict[int, int] = {}
    for rel, size in sample:
        folder, name = split_relpath(rel)
        query = FileEntry.select(FileEntry.drive).where(
            (FileEntry.folder == folder) & (FileEntry.filename == name) & (FileEntry.size == size)
        )
        for (drive_id,) in query.tuples():
            votes[drive_id] = votes.get(drive_id, 0) + 1
    return votes


def match_fingerprint(sample: list[tuple[str, int]]) -> Drive | None:
    """The drive that holds most of the sampled files at the same paths with the same sizes."""
    if len(sample) < 3:
        return None
    votes = fingerprint_votes(sample)
    if not votes:
        return None
    drive_id, count = max(votes.items(), key=lambda kv: kv[1])
    if count < _MATCH_RATIO * len(sample):
        return None
    return Drive.get_by_id(drive_id)


def unique_drive_name(base: str) -> str:
    name = base or "Drive"
    n = 2
    while Drive.select().where(Drive.name == name).exists():
        name = f"{base} ({n})"
        n += 1
    return name


def _check_same_drive(drive: Drive, root: Path, volume: Volume | None) -> None:
    """Refuse to scan a folder into a named drive it plainly is not.

    Scanning another folder as drive B would mark all of B's files missing. A folder
    is taken as B when it is where B was last seen, carries B's volume UUID, or holds
    any of the files sampled near its root at the same paths and sizes.
    """
    from .progress import ScanError

    if volume and volume.uuid and drive.volume_uuid:
        if volume.uuid == drive.volume_uuid:
            return
        # Two disks with one label mount at one path: the place does not make it B.
    elif drive.mount_path == str(root):
        return
    if not FileEntry.select().where(FileEntry.drive == drive).exists():
        return
    sample = sample_files(os.fsencode(root))
    if not sample:
        return
    for rel, size in sample:
        folder, name = split_relpath(rel)
        if (
            FileEntry.select()
            .where(
                (FileEntry.drive == drive)
                & (FileEntry.folder == folder)
                & (FileEntry.filename == name)
                & (FileEntry.size == size)
            )
            .exists()
        ):
            return
    raise ScanError(
        f"{root} does not look like the drive {drive.name!r}: none of its files are "
        f"catalogued there (it was last seen at {drive.mount_path}). Scan it under "
        "another name, so that drive's files are not marked missing"
    )


@dataclass(frozen=True)
class Recognition:
    """What a folder is to the catalogue (see `recognise`)."""

    drive: Drive | None  # the known drive it is, or resembles when `copy` is set
    suggestion: str  # the name to offer: the known drive's own, or a new unique one
    # Set when the folder looks like a copy of `drive` rather than the drive itself:
    # the curator says which (the same drive moved here, or a second drive).
    copy: CopyVerdict | None = None
    copy_name: str = ""  # a free name for a second drive holding copies ("X copy")


def recognise(root: Path) -> Recognition:
    """Which known drive a folder is, or is a copy of, without writing anything.

    A folder found by its volume UUID or its fingerprint is that drive when it is where
    the drive was last seen, or when the drive is not there any more and the folder
    holds (nearly) all its files on the same volume: a drive mounted somewhere else.
    It is a copy to ask about when the drive is still at its own mount path, when the
    volume differs from the drive's, or when only part of the drive's files are there.
    """
    volume = volume_of(root)
    drive = None
    if volume and volume.uuid:
        drive = Drive.get_or_none(Drive.volume_uuid == volume.uuid)
    by_volume = drive is not None
    if drive is None:
        drive = match_fingerprint(sample_files(os.fsencode(root)))
    if drive is None:
        base = (volume.label if volume and volume.label else None) or root.name or "root"
        return Recognition(None, unique_drive_name(base))
    other_volume = bool(
        volume and volume.uuid and drive.volume_uuid and volume.uuid != drive.volume_uuid
    )
    same_place = drive.mount_path and os.path.realpath(drive.mount_path) == os.path.realpath(root)
    if same_place and not other_volume:
        return Recognition(drive, drive.name)  # a rescan where it always was: no sampling
    verdict = compare(root, drive)
    if not verdict.sampled:
        return Recognition(drive, drive.name)  # nothing present to compare: as before
    if not verdict.original_present:
        if by_volume or (verdict.kind == COPY and not other_volume):
            return Recognition(drive, drive.name)  # the drive itself, mounted elsewhere
    elif verdict.kind == DIFFERENT and not by_volume:
        # The drive is at its own place and this folder shares only a few files near
        # the root with it: another drive.
        base = (volume.label if volume and volume.label else None) or root.name or "root"
        return Recognition(None, unique_drive_name(base))
    return Recognition(drive, drive.name, verdict, unique_drive_name(f"{drive.name} copy"))


def recognise_drive(root: Path) -> tuple[Drive | None, str]:
    """Which known drive a folder is, without writing anything, and a suggested name.

    For the window's "name this drive" question: a known drive suggests its own name,
    a new one its volume label or folder name. A folder that may be a copy of a known
    drive gives that drive; `recognise` tells the two apart.
    """
    found = recognise(root)
    return found.drive, found.suggestion


def identify_drive(root: Path, name: str | None = None) -> tuple[Drive, bool]:
    """Find or create the Drive for a folder: (drive, created). Call inside a transaction."""
    volume = volume_of(root)
    drive = None
    if name:
        drive = Drive.get_or_none(Drive.name == name)
        if drive is not None:
            _check_same_drive(drive, root, volume)
    else:
        if volume and volume.uuid:
            drive = Drive.get_or_none(Drive.volume_uuid == volume.uuid)
        if drive is None:
            drive = match_fingerprint(sample_files(os.fsencode(root)))
    created = drive is None
    if drive is None:
        base = name or (volume.label if volume and volume.label else None) or root.name or "root"
        drive = Drive.create(name=name or unique_drive_name(base))
    if volume:
        drive.volume_uuid = volume.uuid or drive.volume_uuid
        drive.label = volume.label or drive.label
    drive.mount_path = str(root)
    drive.last_seen = utcnow()
    drive.save()
    return drive, created


def holds_drive(root: Path, drive: Drive) -> bool:
    """Whether the folder at a drive's place is that drive, before anything is written
    from it: two cards with one label mount at one path, and a stale mount point stays.

    The volume UUID decides when both have one; else the files near the root must be
    the drive's (a drive with too few files to tell is taken at its own mount path).
    """
    volume = volume_of(root)
    if volume and volume.uuid and drive.volume_uuid:
        return volume.uuid == drive.volume_uuid
    sample = sample_files(os.fsencode(root))
    if len(sample) < 3:
        return drive.mount_path == str(root)
    # The drive's own share of the sample, not whether it is the single best match: a
    # drive that mirrors another holds the same files, and is itself all the same.
    return fingerprint_votes(sample).get(drive.id, 0) >= _MATCH_RATIO * len(sample)
