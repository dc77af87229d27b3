"""WebP: size, EXIF and XMP from the RIFF chunk headers, without decoding a frame.

A WebP is a RIFF file of chunks (fourcc, little-endian size, data padded to even). A
simple file holds one VP8 (lossy) or VP8L (lossless) bitstream, whose first bytes
give the size, and no metadata. An extended file starts with VP8X: its flags say
whether EXIF and XMP chunks follow (after the image data) and it gives the canvas
size, which is what exiftool reports. Without those flags nothing past VP8X is read.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from luna_desktop.media.byte_source import ByteSource
from luna_desktop.media.exif import apply_exif, exif_from_bytes
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.xmp import apply_xmp

__all__ = ["read_webp"]

_HAS_EXIF, _HAS_XMP = 0x08, 0x04
_MAX_BLOCK = 8 * 1024 * 1024
_MAX_CHUNKS = 100_000  # an animation has a chunk per frame; more is a hostile file


def read_webp(fh: BinaryIO, head: bytes, info: MediaInfo) -> None:
    info.extractor = "webp-chunks"
    size = fh.seek(0, 2)
    source = ByteSource(fh, head)
    end = min(8 + struct.unpack_from("<I", head, 4)[0], size) if len(head) >= 12 else 0
    exif = xmp = None
    wanted = 0  # metadata chunks the VP8X flags announce and not yet found
    pos = 12
    for _ in range(_MAX_CHUNKS):
        header = source.get(pos, 18)
        if len(header) < 8 or pos + 8 > end:
            break
        kind, length = header[:4], struct.unpack_from("<I", header, 4)[0]
        body = header[8:]
        if kind == b"VP8X" and len(body) >= 10:
            flags = body[0]
            info.width = 1 + int.from_bytes(body[4:7], "little")
            info.height = 1 + int.from_bytes(body[7:10], "little")
            wanted = flags & (_HAS_EXIF | _HAS_XMP)
        elif kind in (b"VP8 ", b"VP8L") and info.width is None:
            _bitstream_size(kind, body, info)
        elif kind == b"EXIF" and exif is None and length <= _MAX_BLOCK:
            exif = source.get(pos + 8, length)
            wanted &= ~_HAS_EXIF
        elif kind == b"XMP " and xmp is None and length <= _MAX_BLOCK:
            xmp = source.get(pos + 8, length)
            wanted &= ~_HAS_XMP
        if info.width is not None and not wanted:
            break  # the size is known and no metadata is announced (or left)
        pos += 8 + length + (length & 1)
    if info.width is None:
        info.add_error("not a readable image: no WebP image size found")
    if exif:
        apply_exif(exif_from_bytes(exif, info), info)
    if xmp:
        apply_xmp(xmp, info)


def _bitstream_size(kind: bytes, body: bytes, info: MediaInfo) -> None:
    if kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        # A key frame: 3-byte frame tag, start code, then 14-bit width and height
        # (the top two bits of each are an upscaling hint).
        width, height = struct.unpack_from("<HH", body, 6)
        info.width, info.height = width & 0x3FFF, height & 0x3FFF
    elif kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        info.width, info.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
