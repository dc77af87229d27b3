"""The per-file work a scanner thread does: open once, hash, sniff, read metadata."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from functools import lru_cache

from luna_desktop.media.info import MediaInfo

from .oshash import oshash_file


@dataclass(slots=True)
class FileRecord:
    """Everything a scan learned about one file, ready for the writer."""

    folder: str
    filename: str
    raw_path: bytes | None
    size: int
    mtime: float
    owner: str | None
    oshash: str | None
    info: MediaInfo
    # Set when the file could not be opened or read at all: the errno, so the scan can
    # tell a vanished drive from one bad file, and keep the row's earlier metadata.
    os_errno: int | None = None
    sidecar: Sidecar | None = None  # the XMP sidecar read with the file


@dataclass(slots=True)
class Sidecar:
    """An XMP sidecar as it was read: its name beside the file, its size and mtime."""

    name: str
    size: int
    mtime: float


# The extractor of a row whose file crashed the metadata reader. Such a row is read
# again by the next scan even when its size and mtime are unchanged: the crash may
# have been the reader's fault, and a newer reader may get through.
READER_CRASHED = "crashed"
CRASH_NOTE = "reading this file crashed the metadata reader; it is catalogued without metadata"


@dataclass(slots=True)
class FileJob:
    """One file to read, as the walk found it; small and picklable for worker processes."""

    abs_path: bytes
    folder: str
    filename: str
    raw_path: bytes | None
    size: int
    mtime: float
    uid: int
    file_id: int | None  # the catalogue row to update, None for a new file
    sidecar_path: bytes | None = None  # its XMP sidecar (scan.sidecars)
    sidecar_name: str | None = None  # the sidecar's name as the catalogue shows it


@lru_cache(maxsize=256)
def owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return str(uid)


def read_file(
    abs_path: bytes,
    folder: str,
    filename: str,
    raw_path: bytes | None,
    size: int,
    mtime: float,
    uid: int,
    sidecar_path: bytes | None = None,
    sidecar_name: str | None = None,
) -> FileRecord:
    """Never raises for a bad file: unreadable or vanished files come back with an error.

    The XMP sidecar at `sidecar_path`, if any, is read after the file and its keywords,
    title, description and rating win over the file's own (media.descriptive).
    """
    # The media readers load Pillow, libheif and libvlc: imported on the first file read,
    # so a scan (or a command) that reads no file never loads them.
    from luna_desktop.media.extract import extract

    record = FileRecord(folder, filename, raw_path, size, mtime, owner_name(uid), None, MediaInfo())
    try:
        with open(abs_path, "rb") as fh:
            st = os.fstat(fh.fileno())
            # Trust the open file over the earlier stat: it may have changed in between.
            record.size, record.mtime = st.st_size, st.st_mtime
            record.oshash, head, tail = oshash_file(fh, st.st_size)
            record.info = extract(fh, abs_path, filename, head, tail, st.st_size)
    except OSError as exc:
        record.info.add_error(f"could not read the file: {exc.strerror or exc}")
        record.os_errno = exc.errno or 0
        return record
    if sidecar_path is not None:
        record.sidecar = _read_sidecar(sidecar_path, sidecar_name or "", record.info)
    return record


# Real sidecars are a few KiB; a .xmp far larger than this is not one worth reading.
_MAX_SIDECAR = 4 * 1024 * 1024


def _read_sidecar(path: bytes, name: str, info: MediaInfo) -> Sidecar:
    from luna_desktop.media.xmp import apply_sidecar_xmp

    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            packet = fh.read(_MAX_SIDECAR + 1)
    except OSError as exc:
        # The image itself was read: say what is missing, keep the rest. The sidecar is
        # recorded as never seen (size -1), so the next scan reads the file again.
        info.add_error(f"could not read its XMP sidecar {name}: {exc.strerror or exc}")
        return Sidecar(name, -1, -1.0)
    if len(packet) > _MAX_SIDECAR:
        info.add_error(f"its XMP sidecar {name} is too large to be one ({st.st_size:,} bytes)")
    elif packet.strip(b"\x00 \t\r\n"):
        apply_sidecar_xmp(packet, info, name)
    return Sidecar(name, st.st_size, st.st_mtime)


def read_files(jobs: list[FileJob]) -> list[FileRecord]:
    """A batch of files: one task per batch keeps the cost of handing work to a pool low."""
    return [
        read_file(
            j.abs_path,
            j.folder,
            j.filename,
            j.raw_path,
            j.size,
            j.mtime,
            j.uid,
            j.sidecar_path,
            j.sidecar_name,
        )
        for j in jobs
    ]


def read_identity(job: FileJob, error: str, extractor: str | None = None) -> FileRecord:
    """Size, oshash and type only, with an error: for a file whose metadata read failed.

    Safe to run in the scanning process itself: it uses nothing but Python, no decoder.
    """
    from luna_desktop.media.sniff import sniff

    record = FileRecord(
        job.folder,
        job.filename,
        job.raw_path,
        job.size,
        job.mtime,
        owner_name(job.uid),
        None,
        MediaInfo(),
    )
    try:
        with open(job.abs_path, "rb") as fh:
            st = os.fstat(fh.fileno())
            record.size, record.mtime = st.st_size, st.st_mtime
            record.oshash, head, _tail = oshash_file(fh, st.st_size)
        kind, mime = sniff(head, job.filename)
        record.info = MediaInfo(kind=kind, mime=mime)
    except OSError as exc:
        record.info.add_error(f"could not read the file: {exc.strerror or exc}")
        record.os_errno = exc.errno or 0
    record.info.add_error(error)
    if extractor:
        record.info.extractor = extractor
    return record
