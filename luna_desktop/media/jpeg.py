"""JPEG (and MPO) metadata from the marker segments before the image data.

A JPEG's header is a run of segments: APP1 holds EXIF or XMP, APP13 Photoshop's IPTC,
APP2 the MPF index of a multi-picture file, SOFn the size. They all come before the
first scan (SOS), almost always within the first 64 KiB the scan already holds for the
oshash, so the header is read from those bytes and the drive is touched again only
when a segment reaches past them. Nothing here decodes pixels, and no general image
library is involved: opening a JPEG with one costs more than reading these segments.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from luna_desktop.media.byte_source import ByteSource
from luna_desktop.media.exif import apply_exif, exif_from_bytes
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.iptc import apply_iptc, photoshop_resource
from luna_desktop.media.tiff_ifd import TiffDirectories
from luna_desktop.media.xmp import apply_xmp

__all__ = ["read_jpeg"]

_XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
_PHOTOSHOP_PREFIX = b"Photoshop 3.0\x00"
_IPTC_RESOURCE = 0x0404
# Start-of-frame markers; C4 (DHT), C8 (reserved) and CC (DAC) share the range.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_SOS, _EOI = 0xDA, 0xD9
_MPF_IMAGES = 0xB001  # MPF index IFD: NumberOfImages
_SIGNATURE = len(_XMP_PREFIX)  # bytes of a segment's start that tell what it holds
_MAX_SEGMENTS = 4096  # far more than any real header; a hostile file must stop somewhere


@dataclass
class _Header:
    width: int | None = None
    height: int | None = None
    exif: bytes | None = None
    exif_cut: bool = False  # the EXIF block is cut short with the file: read what is there
    xmp: bytes | None = None
    iptc: list[bytes] = field(default_factory=list)
    frames: int | None = None  # pictures an MPF index lists (MPO: 2 or more)
    problem: str | None = None  # why the header could not be read to its first scan


def read_jpeg(fh: BinaryIO, head: bytes, info: MediaInfo) -> None:
    """Fill `info` from a JPEG's header. `head` is the file's first bytes (any length).

    A header cut short still gives what its complete segments hold: a file truncated
    after its EXIF block keeps its date and camera, with the error saying why the
    size is missing.
    """
    info.extractor = "jpeg-header"
    header = _read_header(fh, head)
    if header.exif:
        apply_exif(exif_from_bytes(header.exif, info, quiet=header.exif_cut), info)
    for block in header.iptc:
        apply_iptc(block, info)
    if header.xmp:
        apply_xmp(header.xmp, info)
    if header.frames and header.frames > 1:
        info.extra["mpo_frames"] = header.frames
    if header.width and header.height:
        info.width, info.height = header.width, header.height
    else:
        info.add_error(f"not a readable image: {header.problem or 'no image size in the header'}")


def _read_header(fh: BinaryIO, head: bytes) -> _Header:
    header = _Header()
    data = ByteSource(fh, head)
    if data.get(0, 2) != b"\xff\xd8":
        header.problem = "no JPEG start-of-image marker"
        return header
    pos = 2
    for _ in range(_MAX_SEGMENTS):
        marker = data.get(pos, 2)
        if len(marker) < 2:
            header.problem = "the file ends early (truncated or corrupt)"
            return header
        if marker[0] != 0xFF:
            header.problem = f"corrupt JPEG header (no marker at byte {pos})"
            return header
        code = marker[1]
        if code == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if code == 0x01 or 0xD0 <= code <= 0xD7:  # markers without a length
            pos += 2
            continue
        if code in (_SOS, _EOI):
            if header.width is None:
                header.problem = "no image size before the image data"
            return header
        length_bytes = data.get(pos + 2, 2)
        if len(length_bytes) < 2:
            header.problem = "the file ends early (truncated or corrupt)"
            return header
        (length,) = struct.unpack(">H", length_bytes)
        if length < 2:
            header.problem = f"corrupt JPEG segment at byte {pos}"
            return header
        if not _wanted(code, data.get(pos + 4, _SIGNATURE)):
            # An ICC profile, a comment, extended XMP…: not read, only stepped over.
            pos += 2 + length
            continue
        payload = data.get(pos + 4, length - 2)
        if len(payload) < length - 2:
            header.problem = "the file ends early (truncated or corrupt)"
            if code == 0xE1 and payload.startswith(b"Exif\x00") and header.exif is None:
                # Salvage: the tags near the start of a cut EXIF block are often whole.
                header.exif, header.exif_cut = payload[6:], True
            return header
        _segment(code, payload, header)
        pos += 2 + length
    header.problem = "too many segments before the image data"
    return header


def _wanted(code: int, start: bytes) -> bool:
    """Whether a segment (by its marker and first bytes) holds anything read here."""
    if code in _SOF:
        return True
    if code == 0xE1:
        return start.startswith((b"Exif\x00", _XMP_PREFIX))
    if code == 0xED:
        return start.startswith(_PHOTOSHOP_PREFIX)
    return code == 0xE2 and start.startswith(b"MPF\x00")


def _segment(code: int, payload: bytes, header: _Header) -> None:
    if code in _SOF and len(payload) >= 5 and header.width is None:
        height, width = struct.unpack_from(">HH", payload, 1)
        header.width, header.height = width or None, height or None
    elif code == 0xE1:
        # The first of each kind counts, as in every reader: later copies are
        # leftovers of editing programs.
        if payload.startswith(b"Exif\x00") and header.exif is None:
            header.exif = payload[6:]
        elif payload.startswith(_XMP_PREFIX) and header.xmp is None:
            header.xmp = payload[len(_XMP_PREFIX) :]
    elif code == 0xED and payload.startswith(_PHOTOSHOP_PREFIX):
        block = photoshop_resource(payload[len(_PHOTOSHOP_PREFIX) :], _IPTC_RESOURCE)
        if block:
            header.iptc.append(block)
    elif code == 0xE2 and payload.startswith(b"MPF\x00") and header.frames is None:
        header.frames = _mpf_image_count(payload[4:])


def _mpf_image_count(tiff: bytes) -> int | None:
    """NumberOfImages from the MPF index IFD (a little TIFF structure of its own)."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    directories = TiffDirectories(io.BytesIO(tiff), tiff[:8])
    first = next(directories.walk(), None)
    return directories.first_int(first.entries, _MPF_IMAGES, 0) or None if first else None
