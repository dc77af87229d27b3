"""GIF: the logical screen size and the XMP packet, without reading the frames.

A GIF is a header, a logical screen descriptor (the size), an optional colour table,
then blocks: extensions (0x21), images (0x2C) and the trailer (0x3B). XMP lives in
an application extension named "XMP DataXMP" whose packet is written raw, not in
sub-blocks, followed by a 258-byte "magic trailer" that lets a GIF decoder skip it.

Writers put it in one of two places: before the first image (exiftool) or just before
the file's trailer (Adobe's XMP Toolkit, so Photoshop and Bridge). The blocks before
the first image are walked; the end of the file is looked at once. The frames between
are never read: an animation can be megabytes of them.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from luna_desktop.media.byte_source import ByteSource
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.xmp import apply_xmp

__all__ = ["read_gif"]

_XMP_APPLICATION = b"XMP DataXMP"
_XMP_EXTENSION = b"\x21\xff\x0b" + _XMP_APPLICATION
# 0x01, 0xFF down to 0x00, then the block terminator: whatever byte a decoder reads
# as a sub-block length inside it leads it to the terminator.
_MAGIC_TRAILER = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
_CHUNK = 64 * 1024
_MAX_XMP = 8 * 1024 * 1024
_MAX_BLOCKS = 10_000  # blocks walked before the first image, for a hostile file


def read_gif(fh: BinaryIO, head: bytes, info: MediaInfo) -> None:
    info.extractor = "gif-blocks"
    if len(head) < 13:
        info.add_error("not a readable image: the file ends early (truncated or corrupt)")
        return
    width, height, flags = struct.unpack_from("<HHB", head, 6)
    info.width, info.height = width or None, height or None
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # global colour table
    packet = _xmp_before_first_image(ByteSource(fh, head), pos)
    if packet is None:
        packet = _xmp_at_end(fh)
    if packet:
        apply_xmp(packet, info)


def _xmp_before_first_image(source: ByteSource, pos: int) -> bytes | None:
    for _ in range(_MAX_BLOCKS):
        block = source.get(pos, 14)
        if len(block) < 2 or block[0] != 0x21:
            return None  # an image, the trailer, or the file ends
        if block == _XMP_EXTENSION:
            return _packet_from(source, pos + len(_XMP_EXTENSION))
        pos = _skip_sub_blocks(source, pos + 2)
        if pos is None:
            return None
    return None


def _skip_sub_blocks(source: ByteSource, pos: int) -> int | None:
    """The offset after a chain of sub-blocks (a length byte, then that many bytes,
    until a zero length)."""
    for _ in range(_MAX_BLOCKS):
        size = source.get(pos, 1)
        if not size:
            return None
        pos += 1 + size[0]
        if size[0] == 0:
            return pos
    return None


def _packet_from(source: ByteSource, start: int) -> bytes | None:
    """The raw packet from `start` up to the magic trailer. Valid UTF-8 never holds
    the bytes 0xFE and 0xFF, so the trailer's start cannot occur inside the packet."""
    data = b""
    while len(data) < _MAX_XMP:
        chunk = source.get(start + len(data), _CHUNK)
        if not chunk:
            return None
        data += chunk
        end = data.find(_MAGIC_TRAILER[:3], max(len(data) - len(chunk) - 2, 0))
        if end >= 0:
            return data[:end]
    return None


def _xmp_at_end(fh: BinaryIO) -> bytes | None:
    """A packet just before the trailer, as Adobe's XMP Toolkit appends it."""
    size = fh.seek(0, 2)
    ending = _MAGIC_TRAILER + b"\x3b"
    start = max(size - len(ending), 0)
    fh.seek(start)
    tail = fh.read()
    if tail != ending:
        return None  # most GIFs: a few hundred bytes read, and done
    # Read backwards until the extension's start is in view, searching each new
    # stretch once (with an overlap for a header split between two reads).
    searched = 0
    while (at := tail.rfind(_XMP_EXTENSION, 0, len(tail) - searched + 13)) < 0:
        if start == 0 or len(tail) > _MAX_XMP:
            return None
        searched = len(tail)
        step = min(_CHUNK, start)
        start -= step
        fh.seek(start)
        tail = fh.read(step) + tail
    return tail[at + len(_XMP_EXTENSION) : -len(ending)]
