"""Reading TIFF image file directories by hand, for what exifread and Pillow skip.

exifread without maker notes does not follow SubIFDs and drops long fields, and Pillow
cannot open most RAW files; the metadata reader (sizes, XMP, IPTC) and the preview
renderer (embedded JPEGs) both need only a directory's entries, read here once.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

Entry = tuple[int, int, bytes]  # field type, count, the 4-byte value-or-offset


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
