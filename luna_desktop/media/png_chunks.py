"""PNG metadata from the chunk headers, never the pixel data.

A PNG is a signature and a run of chunks (length, type, data, CRC). The size is in
IHDR; metadata is in eXIf (EXIF), in iTXt/zTXt/tEXt text chunks holding an XMP packet
(keyword "XML:com.adobe.xmp"), and in the "Raw profile type exif|iptc|xmp|8bim|APP1"
text chunks that ImageMagick and .NET write: "\\n<name>\\n<length>\\n<hex digits>".
Writers may put any of these after the image data (IDAT), where a decoder that stops
at the pixels never looks.

Getting past IDAT without reading it: the header chunks come from the bytes the scan
already holds. The chunks after the image data sit in the last few kilobytes, so the
file's tail is read once, the last image-data chunk found in it (checked by its CRC
and by the chunks after it leading exactly to IEND), and the walk goes on from there.
Hopping from chunk header to chunk header instead would read the whole file from a
drive when the chunks are small (libpng writes 8 KiB ones); it is the fallback only
when the tail holds no whole image-data chunk.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import BinaryIO

from luna_desktop.media.byte_source import ByteSource
from luna_desktop.media.exif import apply_exif, exif_from_bytes
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.iptc import apply_iptc_profile
from luna_desktop.media.xmp import apply_xmp

__all__ = ["PNG_SIGNATURE", "read_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TAIL = 64 * 1024
_MAX_BLOCK = 8 * 1024 * 1024  # a metadata chunk larger than this is not read
_MAX_CHUNKS = 100_000  # chunks walked before giving up on a hostile file
_IMAGE_DATA = (b"IDAT", b"fdAT")  # fdAT: the frames of an animated PNG (after acTL)
_TEXT = (b"tEXt", b"zTXt", b"iTXt")
_XMP_KEYWORD = b"XML:com.adobe.xmp"
_RAW_PROFILE = b"raw profile type "
_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # always the same twelve bytes
_RAW_PROFILE_RE = re.compile(rb"\s*\n([^\n]*)\n\s*(\d+)\n(.*)", re.DOTALL)
_WHITESPACE = re.compile(rb"\s+")


class _Blocks:
    """The metadata blocks found, by kind, with their rank: the standard place (eXIf,
    the XMP text chunk) first; a raw profile is a legacy copy, read only without it."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[int, bytes]] = {}

    def add(self, kind: str, rank: int, block: bytes) -> None:
        if kind not in self.found or rank < self.found[kind][0]:
            self.found[kind] = (rank, block)

    def get(self, kind: str) -> bytes | None:
        return self.found[kind][1] if kind in self.found else None


def read_png(fh: BinaryIO, head: bytes, info: MediaInfo) -> None:
    """Fill `info` from a PNG's chunks. A file cut short is read as far as it goes,
    quietly: telling a cut-short PNG is `completeness`'s job, from its end."""
    info.extractor = "png-chunks"
    data = _FileBytes(fh, head)
    blocks = _Blocks()
    pos, jumped, animated = len(PNG_SIGNATURE), False, False
    for _ in range(_MAX_CHUNKS):
        header = data.get(pos, 8)
        if len(header) < 8:
            break
        length, kind = struct.unpack(">I4s", header)
        if not kind.isalpha():
            info.add_error(f"corrupt PNG chunk at byte {pos}")
            break
        if kind == b"IHDR" and info.width is None:
            width, height = struct.unpack(">II", data.get(pos + 8, 8).ljust(8, b"\x00"))
            info.width, info.height = width or None, height or None
        elif kind == b"IEND":
            break
        elif kind == b"acTL":
            animated = True
        elif kind in _IMAGE_DATA and not jumped:
            jumped = True
            kinds = _IMAGE_DATA if animated else _IMAGE_DATA[:1]
            resume = _boundary_in_tail(data, pos + 12 + length, kinds)
            if resume is not None:
                pos = resume
                continue
        elif kind == b"eXIf" and length <= _MAX_BLOCK:
            blocks.add("exif", 0, data.get(pos + 8, length))
        elif kind in _TEXT and length <= _MAX_BLOCK:
            _text_chunk(kind, data, pos + 8, length, blocks)
        pos += 12 + length
    if info.width is None:
        info.add_error("not a readable image: no PNG header chunk (IHDR)")
    _apply(blocks, info)


def _apply(blocks: _Blocks, info: MediaInfo) -> None:
    exif = blocks.get("exif")
    if exif:
        apply_exif(exif_from_bytes(exif, info), info)
    iptc = blocks.get("iptc")
    if iptc:
        apply_iptc_profile(iptc, info)
    xmp = blocks.get("xmp")
    if xmp:
        apply_xmp(xmp, info)


# --- text chunks ------------------------------------------------------------------------


def _text_chunk(kind: bytes, data: _FileBytes, start: int, length: int, blocks: _Blocks) -> None:
    # The keyword (at most 79 bytes) decides whether the rest is worth reading: most
    # text chunks are comments, dates and ImageMagick's "exif:*" copies of tags.
    keyword = data.get(start, min(length, 80)).split(b"\x00", 1)[0]
    if keyword != _XMP_KEYWORD and not keyword.lower().startswith(_RAW_PROFILE):
        return
    text = _text_of(kind, data.get(start, length)[len(keyword) + 1 :])
    if text is None:
        return
    if keyword == _XMP_KEYWORD:
        blocks.add("xmp", 0, text)
    else:
        _raw_profile(keyword[len(_RAW_PROFILE) :].lower(), text, blocks)


def _text_of(kind: bytes, body: bytes) -> bytes | None:
    """The text of a tEXt, zTXt or iTXt chunk after its keyword, inflated if needed."""
    if kind == b"tEXt":
        return body
    if kind == b"zTXt":
        return _inflate(body[1:])  # compression method, then the zlib stream
    # iTXt: compression flag, method, language tag\0, translated keyword\0, text.
    if len(body) < 2:
        return None
    compressed = body[0] == 1
    parts = body[2:].split(b"\x00", 2)
    if len(parts) < 3:
        return None
    return _inflate(parts[2]) if compressed else parts[2]


def _inflate(stream: bytes) -> bytes | None:
    try:
        return zlib.decompressobj().decompress(stream, _MAX_BLOCK)
    except zlib.error:
        return None


def _raw_profile(name: bytes, text: bytes, blocks: _Blocks) -> None:
    """ImageMagick's hex-encoded profiles: "\\n<name>\\n<length>\\n<hex lines>"."""
    match = _RAW_PROFILE_RE.match(text)
    if not match:
        return
    digits = _WHITESPACE.sub(b"", match.group(3))
    digits = digits[: 2 * min(int(match.group(2)), len(digits) // 2)]
    try:
        block = bytes.fromhex(digits.decode("ascii"))
    except ValueError:
        return
    if name in (b"exif", b"app1"):
        # An APP1 profile is a JPEG APP1 segment's payload: EXIF or XMP.
        if block.startswith(_XMP_APP1):
            blocks.add("xmp", 1, block[len(_XMP_APP1) :])
        elif block.startswith(b"Exif\x00") or block[:2] in (b"II", b"MM"):
            blocks.add("exif", 1, block)
    elif name in (b"iptc", b"8bim"):
        blocks.add("iptc", 0 if name == b"iptc" else 1, block)
    elif name == b"xmp":
        blocks.add("xmp", 1, block)


# --- reading the file -------------------------------------------------------------------


class _FileBytes:
    """The file's bytes by offset: from the file's tail once that has been read (when
    the walk jumps past the image data), else as ByteSource gives them."""

    def __init__(self, fh: BinaryIO, head: bytes) -> None:
        self.source, self.fh, self.head = ByteSource(fh, head), fh, head
        self.size = fh.seek(0, 2)
        self.tail, self.tail_start = b"", self.size

    def get(self, start: int, length: int) -> bytes:
        # The tail starts past the head, so a range in it is never one in the head.
        if start >= self.tail_start:
            return self.tail[start - self.tail_start : start + length - self.tail_start]
        return self.source.get(start, length)

    def read_tail(self, start: int) -> None:
        self.tail_start = start
        self.fh.seek(start)
        self.tail = self.fh.read(max(self.size - start, 0))


def _boundary_in_tail(data: _FileBytes, after: int, kinds: tuple[bytes, ...]) -> int | None:
    """The offset of an image-data chunk in the file's last 64 KiB from which the walk
    can go on, past the chunk ending at `after`; None when there is none to trust.

    Searching backwards finds the last image-data chunk within the few kilobytes of
    metadata that follow it. A candidate counts only if its CRC matches (bytes of
    compressed pixels that spell "IDAT" are no chunk) and the chunks from it lead
    exactly to the file's IEND (a PNG thumbnail inside a metadata chunk does not).
    """
    if data.size <= len(data.head):
        return None  # the whole file is in memory: walking costs nothing
    rest = max(after, len(data.head))
    if data.size - _TAIL <= rest:
        data.read_tail(rest)  # what is left fits in one read: walk all of it
        return None
    data.read_tail(data.size - _TAIL)
    tail = data.tail
    end = tail.rfind(_IEND)
    if end < 0:
        return None
    for kind in kinds:
        at = tail.rfind(kind, 4, end)
        while at >= 4:
            if _leads_to(tail, at - 4, end):
                return data.tail_start + at - 4
            at = tail.rfind(kind, 4, at)
    return None


def _leads_to(tail: bytes, start: int, end: int) -> bool:
    """Whether `start` holds a chunk with a good CRC from which whole chunks reach `end`."""
    (length,) = struct.unpack_from(">I", tail, start)
    crc_at = start + 8 + length
    crc = tail[crc_at : crc_at + 4]
    if len(crc) < 4 or zlib.crc32(tail[start + 4 : crc_at]) != int.from_bytes(crc, "big"):
        return False
    pos = crc_at + 4
    while pos < end:
        if pos + 8 > end:
            return False
        pos += 12 + struct.unpack_from(">I", tail, pos)[0]
    return pos == end
