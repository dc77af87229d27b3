"""XMP sidecars: the `.xmp` file beside an image that holds what a curator's program wrote.

Lightroom writes `IMG_1234.xmp` beside `IMG_1234.CR2` (the raw file itself is never
changed); darktable writes `IMG_1234.CR2.xmp`. Either way the sidecar's keywords, title,
description and rating belong to the image, so the sidecar is not a file to review of
its own: the scan pairs it with its image, reads it with the image, and records it in
the image's row (name, size, mtime), so a rescan reads the image again when only the
sidecar changed. A `.xmp` with no image beside it is catalogued as an ordinary file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .walk import FoundFile

# Raw formats first: Lightroom writes sidecars for raw files and embeds XMP in JPEGs,
# so IMG_1234.xmp beside both IMG_1234.CR2 and IMG_1234.JPG is the CR2's.
_RAW_EXTENSIONS = {
    b".3fr", b".arw", b".cr2", b".cr3", b".crw", b".dcr", b".dng", b".erf", b".iiq",
    b".k25", b".kdc", b".mef", b".mos", b".mrw", b".nef", b".nrw", b".orf", b".pef",
    b".raf", b".raw", b".rw2", b".rwl", b".sr2", b".srf", b".srw", b".x3f",
}  # fmt: skip
_IMAGE_EXTENSIONS = {
    b".jpg", b".jpeg", b".tif", b".tiff", b".png", b".heic", b".heif", b".avif",
    b".webp", b".gif", b".psd", b".jxl",
}  # fmt: skip
# Video formats programs keep sidecars for (Lightroom for AVCHD and others).
_VIDEO_EXTENSIONS = {
    b".mov", b".mp4", b".m4v", b".avi", b".mts", b".m2ts", b".mpg", b".mkv", b".3gp",
}  # fmt: skip
_MEDIA_EXTENSIONS = _RAW_EXTENSIONS | _IMAGE_EXTENSIONS | _VIDEO_EXTENSIONS
_SIDECAR_EXTENSION = b".xmp"


def is_sidecar_name(name: bytes) -> bool:
    return name.lower().endswith(_SIDECAR_EXTENSION) and len(name) > len(_SIDECAR_EXTENSION)


@dataclass(slots=True)
class _Named:
    name: bytes


def count_paired_sidecars(names: list[bytes]) -> int:
    """How many of a folder's file names are sidecars `pair_sidecars` would pair."""
    if not any(is_sidecar_name(n) for n in names):
        return 0
    return len(pair_sidecars([_Named(n) for n in names]))  # type: ignore[misc]


def pair_sidecars(files: list[FoundFile]) -> dict[bytes, FoundFile]:
    """The sidecar of each image that has one, by the image's name; the paired sidecars
    are taken out of `files`, so they are not catalogued as files of their own."""
    sidecars = [f for f in files if is_sidecar_name(f.name)]
    if not sidecars:
        return {}
    # Only pictures and videos have sidecars: a report.xmp beside report.pdf is a file.
    others = [f for f in files if _extension(f.name) in _MEDIA_EXTENSIONS]
    by_name = {f.name: f for f in others}
    by_stem: dict[bytes, list[FoundFile]] = {}
    for f in others:
        stem, ext = os.path.splitext(f.name)
        if ext:
            by_stem.setdefault(stem, []).append(f)
    paired: dict[bytes, FoundFile] = {}
    # darktable's IMG_1234.CR2.xmp names its image exactly: those pairs come first.
    for sidecar in sidecars:
        image = by_name.get(sidecar.name[: -len(_SIDECAR_EXTENSION)])
        if image is not None and image.name not in paired:
            paired[image.name] = sidecar
    taken = {id(s) for s in paired.values()}
    for sidecar in sidecars:
        if id(sidecar) in taken:
            continue
        candidates = by_stem.get(sidecar.name[: -len(_SIDECAR_EXTENSION)], [])
        if not candidates:
            continue
        # It is the sidecar of the file a catalogue program keeps sidecars for (the raw
        # file); if that file has its own (IMG_1.CR2.xmp), this one is nobody's.
        image = min(candidates, key=_preference)
        if image.name not in paired:
            paired[image.name] = sidecar
            taken.add(id(sidecar))
    files[:] = [f for f in files if not is_sidecar_name(f.name) or id(f) not in taken]
    return paired


def _extension(name: bytes) -> bytes:
    return os.path.splitext(name)[1].lower()


def _preference(found: FoundFile) -> tuple[int, bytes]:
    ext = _extension(found.name)
    rank = 0 if ext in _RAW_EXTENSIONS else 1 if ext in _IMAGE_EXTENSIONS else 2
    return rank, found.name
