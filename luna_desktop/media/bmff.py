"""ISO base media file format (ISO/IEC 14496-12) boxes, for MP4, HEIF/AVIF and CR3 alike.

A box is a 32-bit size, a four-byte type, then its payload; a size of 1 means a 64-bit
size follows the type, and 0 means "to the end" (of the file, or of the parent box). A
size smaller than its own header cannot be, and ends the walk with `BoxError`.

Readers walk a file's top-level boxes by their headers only (`file_boxes`), seeking past
the media data, then the boxes inside the one or two they read whole (`boxes`, `child`).
Both walks are bounded: a hostile file of nothing but tiny boxes must stop somewhere.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from luna_desktop.media.byte_source import ByteSource

__all__ = ["MAX_BOXES", "BoxError", "TooManyBoxes", "boxes", "child", "file_boxes"]

MAX_BOXES = 10_000  # boxes in one parent; a real file has tens
_SIZE_TYPE = struct.Struct(">I4s")
_LARGE_SIZE = struct.Struct(">Q")


class BoxError(ValueError):
    """A box header that cannot be: a size smaller than the header, or a header cut short."""


class TooManyBoxes(BoxError):
    """More boxes than a walk allows: a damaged or hostile file, never a camera's."""


def boxes(
    data: bytes,
    start: int = 0,
    end: int | None = None,
    *,
    whole: bool = False,
    limit: int = MAX_BOXES,
) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each box in data[start:end].

    A box that runs past `end` is the last, given cut short at `end`; with `whole`, it
    raises BoxError instead. Fewer than 8 bytes left (padding) end the walk quietly.
    """
    if end is None or end > len(data):
        end = len(data)
    # A while loop with a count, not `for _ in range(limit)`: walks are short and many
    # (each child lookup is one), so what a walk costs to start matters.
    pos, count = start, 0
    while pos + 8 <= end:
        count += 1
        if count > limit:
            raise TooManyBoxes(f"more than {limit} boxes in one box")
        size, kind = _SIZE_TYPE.unpack_from(data, pos)
        header = 8
        if size < 8:  # 0 and 1 are special; 2 to 7 are damage (one test, the usual case)
            header, size = _odd_size(data, pos, end, size, kind)
        stop = pos + size
        if stop > end:
            if whole:
                raise BoxError(f"box {kind!r} overruns its parent")
            stop = end
        yield kind, pos + header, stop
        pos += size


def child(data: bytes, start: int, end: int, *path: bytes) -> tuple[int, int] | None:
    """The payload span of the box at `path` (types, outermost first) in data[start:end],
    taking the first box of each type; None if any step is missing."""
    for name in path:
        for kind, body, stop in boxes(data, start, end):
            if kind == name:
                start, end = body, stop
                break
        else:
            return None
    return start, end


def file_boxes(source: ByteSource, size: int, limit: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, position, header length, box size) of each top-level box of a file of
    `size` bytes, reading 16 bytes a box.

    The last box given may run past `size`: whether that is a file cut short is the
    reader's to judge. The walk ends quietly where fewer than 8 bytes are left, so a
    reader that tracks where the last whole box ends sees bytes after it.
    """
    pos, count = 0, 0
    while pos + 8 <= size:
        count += 1
        if count > limit:
            raise TooManyBoxes(f"more than {limit} top-level boxes")
        header = source.get(pos, 16)
        if len(header) < 8:
            return  # the file is shorter than `size`: it shrank while being read
        length, kind = _SIZE_TYPE.unpack_from(header)
        header_len = 8
        if length < 8:
            header_len, length = _odd_size(header, 0, size - pos, length, kind)
        yield kind, pos, header_len, length
        pos += length


def _odd_size(data: bytes, pos: int, end: int, size: int, kind: bytes) -> tuple[int, int]:
    """(header length, box size) of the box at `pos` whose 32-bit size is below 8."""
    if size == 0:
        return 8, end - pos
    if size == 1 and pos + 16 <= min(end, len(data)):
        (size,) = _LARGE_SIZE.unpack_from(data, pos + 8)
        if size >= 16:
            return 16, size
    raise BoxError(f"bad size in box {kind!r}")
