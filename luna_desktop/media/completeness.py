"""Is the file whole? Seen from the first and last 64 KiB the scan has already read.

Recovered and half-copied files often keep a readable header, so their metadata looks
fine; only a missing end shows that the picture itself is cut off. Each check speaks
only on strong evidence: a file it cannot judge is taken as whole.
"""

from __future__ import annotations

import struct

_EOI = b"\xff\xd9"
# Markers without a length field (TEM, RST0-7).
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


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


def jpeg_is_truncated(head: bytes, tail: bytes, size: int) -> bool:
    """True when the main image's entropy-coded data stops before an end-of-image marker.

    An FF D9 pair cannot occur inside entropy-coded data (FF is always stuffed), so an
    end marker anywhere after the main scan means the image is complete, whatever
    trails it (an Ultra HDR gain map, a motion photo's video, a vendor trailer).
    """
    if _EOI in tail[-64:].rstrip(b"\x00")[-8:]:
        return False  # the common case: the marker ends the file
    sos = main_scan_offset(head)
    if sos is None:
        return False  # headers larger than the window: no evidence either way
    tail_start = size - len(tail)
    if tail.find(_EOI, max(sos - tail_start, 0)) >= 0:
        return False
    if tail_start > len(head) and head.find(_EOI, sos) >= 0:
        return False
    # A video appended after the image (motion photos) ends in MP4 boxes, not in FF D9.
    return not any(box in tail for box in (b"moov", b"mdat", b"ftyp"))


def png_is_truncated(tail: bytes) -> bool:
    return b"IEND" not in tail[-64:]


def truncation_note(mime: str | None, head: bytes, tail: bytes, size: int) -> str | None:
    if mime == "image/jpeg" and jpeg_is_truncated(head, tail, size):
        return "the JPEG is truncated (it stops before its end-of-image marker)"
    if mime == "image/png" and png_is_truncated(tail):
        return "the PNG is truncated (it stops before its IEND chunk)"
    return None
