"""Is the image whole? Seen from the first and last 64 KiB the scan has already read.

Recovered and half-copied files often keep a readable header, so their metadata looks
fine; only a missing end shows that the picture itself is cut off. Bytes *after* the
end of a whole picture (a vendor trailer, padding, a copy tool's tag) are another
matter: the picture is all there, so they are a note, not an error. Each check speaks
only on strong evidence: a file it cannot judge is taken as whole, with no note.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_EOI = b"\xff\xd9"
# Markers without a length field (TEM, RST0-7).
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# The whole IEND chunk: zero length, type, and the CRC of "IEND" (always the same).
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_IEND_NO_CRC = _IEND[:8]  # a writer that got the CRC wrong still ended the image
_VIDEO_BOXES = (b"moov", b"mdat", b"ftyp")
# A trailer this short is taken as it is. A motion photo's video could hide an FF D9
# this close to its end only by a one-in-a-thousand chance of its compressed bytes.
_SHORT_TRAILER = 64


@dataclass(frozen=True)
class Ending:
    """How an image file ends: cut short (an error message), or whole with `extra` bytes
    after the end of the picture (0: the file ends where the picture does)."""

    cut_short: str | None = None
    extra: int = 0


def main_scan_offset(head: bytes) -> int | None:
    """Offset of the main image's SOS marker, walking the length-prefixed segments.

    Walking by length skips the EXIF thumbnail inside APP1, whose own end marker would
    otherwise be mistaken for the main image's.
    """
    pos = 2
    while pos + 4 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:
            return pos
        if marker in _STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", head, pos + 2)
        pos += 2 + length
    return None


def jpeg_ending(head: bytes, tail: bytes, size: int) -> Ending:
    """Where the JPEG's last image ends, or that its main image stops before an end marker.

    An FF D9 pair cannot occur inside entropy-coded data (FF is always stuffed), so an
    end marker anywhere after the main scan means the image is complete. The last such
    marker ends the file's last image (an MPO's second frame, an Ultra HDR gain map);
    what follows it is a trailer. A trailer that itself holds FF D9 is measured from
    there, so the count can come out short, never long.
    """
    if tail.endswith(_EOI):
        return Ending()  # the common case: the marker ends the file
    sos = main_scan_offset(head)
    if sos is None:
        return Ending()  # headers larger than the window: no evidence either way
    tail_start = size - len(tail)
    end = tail.rfind(_EOI, max(sos - tail_start, 0))
    # A few bytes after the last end marker (a copy tool's or a camera's tag) are by far
    # the commonest trailer; taking them at once saves searching the whole tail below.
    if end >= 0 and len(tail) - end - 2 <= _SHORT_TRAILER:
        trailer = tail[end + 2 :]
        if not any(box in trailer for box in _VIDEO_BOXES):
            return Ending(extra=len(trailer))
    # A video appended after the image (motion photos) is part of the format, and its
    # data may hold FF D9 anywhere: no trailer is measured in it.
    if any(box in tail for box in _VIDEO_BOXES):
        return Ending()
    if end >= 0:
        return Ending(extra=len(tail) - end - 2)
    # A small picture with a long trailer ends in the head, before the tail begins.
    end = head.rfind(_EOI, sos, max(tail_start, sos))
    if end >= 0:
        return Ending(extra=size - end - 2)
    return Ending("the JPEG is truncated (it stops before its end-of-image marker)")


def png_ending(head: bytes, tail: bytes, size: int) -> Ending:
    """Where the IEND chunk ends, or that there is none (the PNG was cut short)."""
    tail_start = size - len(tail)
    for window, start in ((tail, tail_start), (head[:tail_start], 0)):
        for marker in (_IEND, _IEND_NO_CRC):
            at = window.rfind(marker)
            if at >= 0:
                return Ending(extra=max(size - (start + at + len(_IEND)), 0))
    return Ending("the PNG is truncated (it stops before its IEND chunk)")


def image_ending(mime: str | None, head: bytes, tail: bytes, size: int) -> Ending:
    """How a JPEG or PNG ends; any other file is taken as whole."""
    if mime == "image/jpeg":
        return jpeg_ending(head, tail, size)
    if mime == "image/png":
        return png_ending(head, tail, size)
    return Ending()
