"""IPTC-IIM (the Photoshop 0x0404 resource, TIFF tag 33723, PNG raw profiles): keywords,
captions, names and places.

What IPTC says is one source among several: `descriptive.add_source` keeps it under
info.extra["iptc"] and lets XMP win where both say something.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from luna_desktop.media.dates import iso_datetime
from luna_desktop.media.descriptive import add_source
from luna_desktop.media.info import MediaInfo

__all__ = ["apply_iptc", "apply_iptc_profile", "photoshop_resource"]

# IPTC-IIM record 2 datasets Luna reads, named as their XMP counterparts are:
# 2:05 ObjectName is dc:title, 2:120 Caption-Abstract is dc:description.
_SINGLE = {5: "title", 90: "city", 101: "country", 120: "description"}
_REPEATED = {25: "keywords", 80: "creator"}  # 2:80 By-line may name several people
_DATE, _TIME = 55, 60
_IPTC_RESOURCE = 0x0404
_PHOTOSHOP_PREFIX = b"Photoshop 3.0\x00"


def apply_iptc(data: bytes, info: MediaInfo) -> None:
    """Read one IPTC-IIM block (a run of 0x1C datasets)."""
    values: dict[str, object] = {}
    date = time = None
    for record, dataset, raw in _iptc_datasets(data):
        if record != 2:
            continue
        # A keyword holding commas ("Smith, John") is still one keyword: each
        # dataset is one value, and nothing here splits it.
        text = _decode_iptc(raw).strip()
        if not text:
            continue
        if dataset in _REPEATED:
            values.setdefault(_REPEATED[dataset], []).append(text)  # type: ignore[union-attr]
        elif dataset in _SINGLE:
            values.setdefault(_SINGLE[dataset], text)
        elif dataset == _DATE:
            date = date or text
        elif dataset == _TIME:
            time = time or text
    values["date"] = _iptc_date(date, time)
    add_source(info, "iptc", values)


def apply_iptc_profile(data: bytes, info: MediaInfo) -> None:
    """IPTC as bare IIM, or inside a Photoshop image-resource block (with or without
    the "Photoshop 3.0" header): writers of PNG raw profiles use all three."""
    if data.startswith(_PHOTOSHOP_PREFIX):
        data = data[len(_PHOTOSHOP_PREFIX) :]
    if data.startswith(b"8BIM"):
        data = photoshop_resource(data, _IPTC_RESOURCE) or b""
    if data[:1] == b"\x1c":
        apply_iptc(data, info)


def photoshop_resource(data: bytes, wanted: int) -> bytes | None:
    """One resource of a Photoshop image-resource block: '8BIM', id, Pascal name
    (padded to even), size, data (padded to even)."""
    pos = 0
    while pos + 12 <= len(data) and data[pos : pos + 4] == b"8BIM":
        (resource,) = struct.unpack_from(">H", data, pos + 4)
        name_length = data[pos + 6]
        pos += 6 + ((name_length + 2) & ~1)
        if pos + 4 > len(data):
            return None
        (size,) = struct.unpack_from(">I", data, pos)
        pos += 4
        if resource == wanted:
            return data[pos : pos + size]
        pos += (size + 1) & ~1
    return None


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


def _iptc_date(date: str | None, time: str | None) -> str | None:
    """2:55 DateCreated (CCYYMMDD) and 2:60 TimeCreated (HHMMSS±HHMM) as ISO 8601;
    None for a missing or placeholder ("00000000") date."""
    if not date or len(date) < 8 or not date[:8].isdigit():
        return None
    text = f"{date[:4]}:{date[4:6]}:{date[6:8]}"
    if time and len(time) >= 6 and time[:6].isdigit():
        text += f" {time[:2]}:{time[2:4]}:{time[4:6]}{time[6:11]}"
    return iso_datetime(text)
