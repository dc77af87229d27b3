"""Fujifilm RAF: a header of Fujifilm's own, an embedded JPEG, the CFA header and data.

The header ("FUJIFILMCCD-RAW 0201FF383501", the camera model, a version) holds at
byte 84 big-endian (offset, length) pairs: the JPEG, the CFA header, the CFA (sensor)
data. Everything a catalogue wants except the raw sensor size is in the JPEG's EXIF:
date, camera, orientation, GPS. exiftool reads that JPEG as the RAF's own picture, so
its ImageWidth and ImageHeight for a RAF are the JPEG's frame size; Luna reports the
same, and keeps the sensor's full size (RawImageFullSize, from the CFA header's
records) in extra["raw_size"] as [width, height].
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from luna_desktop.media.info import MediaInfo
from luna_desktop.media.raw_embedded import fill_gaps, read_embedded_jpeg

__all__ = ["RAF_MAGIC", "read_raf"]

RAF_MAGIC = b"FUJIFILMCCD-RAW"
_POINTERS = 84  # JPEG, CFA header and CFA data: (offset, length) each, big-endian
_HEADER = _POINTERS + 24
_RAW_FULL_SIZE = 0x0100  # height, width (int16u each), borders included
_MAX_RECORDS = 256  # exiftool's own limit: more is not a CFA header
_MAX_CFA_HEADER = 64 * 1024  # real ones are a few KB; the raw size record comes first


def read_raf(fh: BinaryIO, head: bytes, info: MediaInfo) -> None:
    """Fill `info` from a RAF's header, embedded JPEG and CFA header records."""
    info.extractor = "raf"
    header = head[:_HEADER]
    if len(header) < _HEADER:
        fh.seek(0)
        header = fh.read(_HEADER)
    if len(header) < _POINTERS + 8:
        info.add_error(f"RAF header cut short (the file ends at byte {len(header)})")
        return
    size = fh.seek(0, 2)
    jpeg_at, jpeg_length = struct.unpack_from(">II", header, _POINTERS)
    if jpeg_length == 0 or jpeg_at < _POINTERS:
        info.add_error("RAF header names no embedded JPEG (corrupt header)")
    else:
        found = read_embedded_jpeg(fh, head, jpeg_at, jpeg_length)
        fill_gaps(info, found)
        if found.error:
            info.add_error(f"RAF's embedded JPEG: {found.error}")
    if len(header) < _HEADER:
        info.add_error(f"RAF header cut short (the file ends at byte {len(header)})")
        return
    cfa_header_at, cfa_header_length, cfa_at, cfa_length = struct.unpack_from(
        ">IIII", header, _POINTERS + 8
    )
    if cfa_header_at:
        _read_cfa_header(fh, cfa_header_at, cfa_header_length, info)
    if cfa_at + cfa_length > size:
        # The sensor data is never read; its stated end is the evidence of a file cut
        # short (a copy interrupted), which the picture's header alone would not show.
        info.add_error("the RAF is truncated (its sensor data runs past the end of the file)")


def _read_cfa_header(fh: BinaryIO, at: int, length: int, info: MediaInfo) -> None:
    """The raw sensor size from the CFA header's records: a big-endian record count,
    then (tag, length, bytes) records."""
    wanted = min(length or _MAX_CFA_HEADER, _MAX_CFA_HEADER)
    fh.seek(at)
    data = fh.read(wanted)
    if len(data) < 4:
        info.add_error("RAF CFA header lies past the end of the file")
        return
    (count,) = struct.unpack_from(">I", data)
    if count > _MAX_RECORDS:
        info.add_error("RAF CFA header is corrupt (implausible record count)")
        return
    position = 4
    for _ in range(count):
        if position + 4 > len(data):
            break
        tag, size = struct.unpack_from(">HH", data, position)
        value = data[position + 4 : position + 4 + size]
        if len(value) < size:
            break
        if tag == _RAW_FULL_SIZE and size >= 4:
            height, width = struct.unpack_from(">HH", value)
            if width and height:
                info.extra["raw_size"] = [width, height]
            return  # the only record wanted
        position += 4 + size
    else:
        return  # every record read; none gives the size
    cut = len(data) < wanted  # else the records run past the header's stated length
    info.add_error(f"RAF CFA header {'cut short (the file ends early)' if cut else 'is corrupt'}")
