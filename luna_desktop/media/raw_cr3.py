"""Canon CR3: an ISO base media file (brand "crx ") whose metadata lives in `moov`.

`moov` begins with a Canon `uuid` box (85c0b687-820f-11e0-8111-f4ce462b6a48) holding
CNCV (the format version) and four TIFF structures of their own: CMT1 is IFD0 (make,
model, orientation, the picture's size), CMT2 the Exif IFD (dates), CMT3 Canon's maker
notes (not needed) and CMT4 the GPS IFD. The tracks follow: the first is the full-size
JPEG, whose CRAW sample entry also gives the size. The picture and sensor data are in
`mdat`, after all of this, and are never read.

exiftool's ImageWidth and ImageHeight for a CR3 are CMT1's; its tracks' headers say 0.
When CMT1 has no size, the first track's CRAW entry is the next best witness.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import BinaryIO

from luna_desktop.media import bmff
from luna_desktop.media.byte_source import ByteSource
from luna_desktop.media.exif import apply_exif, exif_from_bytes
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.tiff_ifd import TiffDirectories

__all__ = ["is_cr3", "read_cr3"]

_CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
_MAX_MOOV = 16 * 1024 * 1024  # a CR3's moov is ~30 KB (a thumbnail included)
_MAX_BOXES = 1000  # top-level boxes walked before giving up on a hostile file
_WIDTH, _HEIGHT = 0x0100, 0x0101
# Which directory each CMT box holds, as `exif_from_bytes` names it; CMT3 is skipped.
_CMT_FIRST = {b"CMT1": "ifd0", b"CMT2": "exif", b"CMT4": "gps"}
_CRAW_SIZE = 32  # width and height (int16u) in a CRAW sample entry, from its start


def is_cr3(head: bytes) -> bool:
    return head[4:12] == b"ftypcrx "


def read_cr3(fh: BinaryIO, head: bytes, info: MediaInfo) -> None:
    """Fill `info` from a CR3's moov box: CMT1, CMT2, CMT4 and the first track."""
    info.extractor = "cr3"
    size = fh.seek(0, 2)
    moov, problem = _read_moov(fh, head, size)
    if moov is None:
        info.add_error(problem or "CR3 has no moov box (not a CR3, or corrupt)")
        return
    canon, first_trak = None, None
    for kind, start, end in _boxes(moov, 0, len(moov)):
        if kind == b"uuid" and moov[start : start + 16] == _CANON_UUID and canon is None:
            canon = (start + 16, end)
        elif kind == b"trak" and first_trak is None:
            first_trak = (start, end)
    if canon is None:
        info.add_error("CR3 has no Canon metadata box (corrupt moov)")
    else:
        _read_canon_box(moov, *canon, info)
    if info.width is None and first_trak is not None:
        info.width, info.height = _craw_size(moov, *first_trak) or (None, None)
    if problem:
        info.add_error(problem)
    elif info.width is None:
        info.add_error("no image size in the CR3")


def _read_canon_box(moov: bytes, start: int, end: int, info: MediaInfo) -> None:
    tags: dict = {}
    missing = [b"CMT1", b"CMT2"]  # every CR3 has them (camera, date)
    for kind, body, stop in _boxes(moov, start, end):
        first = _CMT_FIRST.get(kind)
        if first is None:
            continue
        if kind in missing:
            missing.remove(kind)
        block = moov[body:stop]
        # Collected, then applied once, as the directories of one EXIF block would be.
        tags.update(exif_from_bytes(block, info, first=first))
        if kind == b"CMT1":
            size = _ifd0_size(block)
            if size:
                info.width, info.height = size
    apply_exif(tags, info)
    if missing:
        names = ", ".join(kind.decode() for kind in missing)
        info.add_error(f"CR3's Canon metadata box is incomplete (no {names}): corrupt")


def _ifd0_size(block: bytes) -> tuple[int, int] | None:
    """ImageWidth and ImageHeight of CMT1's IFD0 (exif.py reads only camera tags)."""
    try:
        tiff = TiffDirectories(io.BytesIO(block), block[:8])
        for directory in tiff.walk():
            width = tiff.first_int(directory.entries, _WIDTH, 0)
            height = tiff.first_int(directory.entries, _HEIGHT, 0)
            return (width, height) if width > 0 and height > 0 else None
    except (EOFError, struct.error):
        pass  # exif_from_bytes has said the block is unreadable
    return None


def _craw_size(moov: bytes, start: int, end: int) -> tuple[int, int] | None:
    """Width and height of a track's first sample entry, if it is CRAW."""
    stsd = _child(moov, start, end, b"mdia", b"minf", b"stbl", b"stsd")
    if stsd is None:
        return None
    entry = stsd[0] + 8  # version and flags, entry count
    if moov[entry + 4 : entry + 8] != b"CRAW" or entry + _CRAW_SIZE + 4 > stsd[1]:
        return None
    width, height = struct.unpack_from(">HH", moov, entry + _CRAW_SIZE)
    return (width, height) if width and height else None


# --- boxes ------------------------------------------------------------------------


def _read_moov(fh: BinaryIO, head: bytes, size: int) -> tuple[bytes | None, str | None]:
    """The moov box's payload, and what is wrong with the file if anything: walking the
    top-level boxes' headers (never their contents) shows a file cut short."""
    source = ByteSource(fh, head)
    moov, end = None, 0  # end: where the last whole box ends
    try:
        for kind, at, header_len, length in bmff.file_boxes(source, size, _MAX_BOXES):
            if kind == b"moov" and moov is None:
                if length > _MAX_MOOV:
                    return None, "CR3 moov box is implausibly large (corrupt)"
                moov = source.get(at + header_len, length - header_len)
            if at + length > size:
                if kind == b"moov":
                    return moov, "CR3 moov box cut short (the file ends early)"
                what = "image data" if kind == b"mdat" else f"{kind.decode('latin-1')!r} box"
                return moov, f"the CR3 is truncated (its {what} runs past the end of the file)"
            end = at + length
    except bmff.TooManyBoxes:
        return moov, "too many boxes in the CR3 (corrupt)"
    except bmff.BoxError:
        return moov, f"corrupt CR3 box at byte {end}"
    if end < size:
        return moov, "CR3 box header cut short (the file ends early)"
    return moov, None


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The boxes from `start` to `end`, ending quietly at a damaged one: what came
    before it is kept, and a Canon box it hides is reported missing by its reader."""
    try:
        yield from bmff.boxes(data, start, end)
    except bmff.BoxError:
        return


def _child(data: bytes, start: int, end: int, *path: bytes) -> tuple[int, int] | None:
    try:
        return bmff.child(data, start, end, *path)
    except bmff.BoxError:
        return None
