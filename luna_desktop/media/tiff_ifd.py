"""Reading TIFF image file directories by hand, for what exifread and Pillow skip.

exifread without maker notes does not follow SubIFDs and drops long fields, and Pillow
cannot open most RAW files. The metadata reader (`images`: sizes, XMP, IPTC), the
preview finder (`raw_previews`: embedded JPEGs) and `sniff` (is it a DNG?) need only
some directories' entries, so this is the one place that reads them: IFD0, the chain
after it, and the SubIFDs of each, reading an entry's values only when asked.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

Entry = tuple[int, int, bytes]  # field type, count, the 4-byte value-or-offset

SUB_IFDS = 0x014A
# Bytes per value of each TIFF field type (BYTE, ASCII, SHORT, LONG, RATIONAL…, IFD, IFD8),
# shared by every reader of TIFF directories.
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
TYPE_SIZES |= {13: 4, 16: 8}
_INT_FORMATS = {3: "H", 4: "I", 13: "I"}  # SHORT, LONG, IFD: the integer types used here
_MAX_IFDS = 32  # real files have a handful; a loop or a hostile file must stop somewhere
_MAX_INTS = 64  # enough for SubIFDs and a preview's strips


def read_ifd(fh: BinaryIO, order: str, offset: int) -> tuple[dict[int, Entry], int]:
    """The entries of the directory at `offset` and the offset of the next one (0: none).

    `order` is the struct byte order of the file, "<" (II) or ">" (MM).
    """
    fh.seek(offset)
    (count,) = struct.unpack(order + "H", fh.read(2))
    data = fh.read(12 * count + 4)
    if len(data) < 12 * count:
        raise EOFError("IFD cut short")
    entries: dict[int, Entry] = {}
    for i in range(count):
        tag, kind, n = struct.unpack_from(order + "HHI", data, 12 * i)
        entries[tag] = (kind, n, data[12 * i + 8 : 12 * i + 12])
    tail = data[12 * count : 12 * count + 4]
    next_offset = struct.unpack(order + "I", tail)[0] if len(tail) == 4 else 0
    return entries, next_offset


def ifd0_has_tag(head: bytes, wanted: int) -> bool:
    """Whether IFD0 carries the tag `wanted`, judged from the file's first bytes only
    (sniffing must not read more): the entries that lie inside `head` are looked at."""
    if len(head) < 8 or head[2:4] not in (b"*\x00", b"\x00*"):  # BigTIFF: never a raw
        return False
    order = "<" if head[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(order + "I", head, 4)
    if ifd + 2 > len(head):
        return False
    (count,) = struct.unpack_from(order + "H", head, ifd)
    for i in range(min(count, (len(head) - ifd - 2) // 12)):
        (tag,) = struct.unpack_from(order + "H", head, ifd + 2 + 12 * i)
        if tag == wanted:
            return True
    return False


@dataclass(frozen=True)
class Directory:
    entries: dict[int, Entry]
    first: bool  # IFD0, the main image's (or a raw file's thumbnail's) directory


class TiffDirectories:
    """The directories of one TIFF-structured file (TIFF, DNG, CR2, NEF, ORF, RW2…).

    `header` is the file's first 8 bytes: byte order, magic, offset of IFD0. The magic
    is not checked, since Olympus and Panasonic use their own.
    """

    def __init__(self, fh: BinaryIO, header: bytes) -> None:
        if len(header) < 8:
            raise EOFError("TIFF header cut short")
        self.fh = fh
        self.order = "<" if header[:2] == b"II" else ">"
        (self._first,) = struct.unpack(self.order + "I", header[4:8])
        # The first directory that could not be read; walking goes on past it.
        self.failure: Exception | None = None

    def walk(self) -> Iterator[Directory]:
        """IFD0 first, then breadth first: each directory's successor and SubIFDs.

        A directory that cannot be read (cut short, an offset past the end) is skipped
        and remembered in `failure`, so what the rest of the file holds is still found.
        """
        queue, seen = [self._first], set()
        while queue and len(seen) < _MAX_IFDS:
            offset = queue.pop(0)
            if not offset or offset in seen:
                continue
            seen.add(offset)
            try:
                entries, next_offset = read_ifd(self.fh, self.order, offset)
                sub_ifds = self.ints(entries.get(SUB_IFDS))
            except (OSError, EOFError, struct.error) as exc:
                self.failure = self.failure or exc
                continue
            queue.append(next_offset)
            queue.extend(sub_ifds)
            yield Directory(entries, first=len(seen) == 1)

    def ints(self, entry: Entry | None) -> list[int]:
        """The SHORT, LONG or IFD values of an entry (at most 64); [] for other types."""
        if entry is None or entry[0] not in _INT_FORMATS:
            return []
        kind, count, value = entry
        fmt = _INT_FORMATS[kind]
        width = TYPE_SIZES[kind]
        count = min(count, _MAX_INTS)
        if count * width > 4:
            self.fh.seek(struct.unpack(self.order + "I", value)[0])
            value = self.fh.read(count * width)
        count = min(count, len(value) // width)
        return list(struct.unpack_from(f"{self.order}{count}{fmt}", value))

    def first_int(self, entries: dict[int, Entry], tag: int, default: int) -> int:
        values = self.ints(entries.get(tag))
        return values[0] if values else default

    def span(self, entry: Entry) -> tuple[int, int]:
        """(offset, length) of an entry's values in the file; values of 4 bytes or fewer
        live in the entry itself, which has no offset of its own: (-1, length) then."""
        kind, count, value = entry
        length = TYPE_SIZES.get(kind, 1) * count
        if length <= 4:
            return -1, length
        return struct.unpack(self.order + "I", value)[0], length

    def data(self, entry: Entry | None, limit: int) -> bytes | None:
        """An entry's raw value bytes; None if absent or longer than `limit`."""
        if entry is None:
            return None
        offset, length = self.span(entry)
        if offset < 0:
            return entry[2][:length]
        if length > limit:
            return None
        self.fh.seek(offset)
        return self.fh.read(length)
