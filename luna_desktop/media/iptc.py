"""IPTC-IIM (the Photoshop 0x0404 resource, TIFF tag 33723): keywords and captions."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from luna_desktop.media.info import MediaInfo

# IPTC-IIM record 2 datasets worth keeping besides keywords (2:25).
_IPTC_EXTRA = {80: "creator", 90: "city", 101: "country", 120: "caption"}


def apply_iptc(data: bytes, info: MediaInfo) -> None:
    for record, dataset, value in _iptc_datasets(data):
        if record != 2:
            continue
        text = _decode_iptc(value).strip()
        if not text:
            continue
        if dataset == 25:
            info.keywords.append(text)
        elif dataset in _IPTC_EXTRA:
            info.extra.setdefault(_IPTC_EXTRA[dataset], text)


def _iptc_datasets(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(record, dataset, value) for each IPTC-IIM dataset: 0x1C rec set len(2) value."""
    pos = 0
    while pos + 5 <= len(data):
        if data[pos] != 0x1C:
            if data[pos] == 0:  # padding to an even length
                pos += 1
                continue
            return
        record, dataset = data[pos + 1], data[pos + 2]
        (size,) = struct.unpack_from(">H", data, pos + 3)
        pos += 5
        if size & 0x8000:  # extended dataset: the low bits give the length's length
            width = size & 0x7FFF
            size = int.from_bytes(data[pos : pos + width], "big")
            pos += width
        yield record, dataset, data[pos : pos + size]
        pos += size


def _decode_iptc(value: bytes) -> str:
    # Modern writers use UTF-8; older ones a Windows code page, of which cp1252 is
    # by far the most common; latin-1 decodes anything left.
    for encoding in ("utf-8", "cp1252"):
        try:
            return value.decode(encoding)
        except UnicodeDecodeError:
            pass
    return value.decode("latin-1")
