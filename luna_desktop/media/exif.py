"""EXIF: orientation, camera, date taken, GPS and exposure from a TIFF-structured block.

A scan reads a million files, and a general EXIF decoder (exifread) spends most of a
file's time naming and formatting every tag of every directory. Luna needs about a
dozen, so they are read here directly: IFD0, IFD1 (an orientation some cameras write
only there), the Exif IFD and the GPS IFD, each entry's value decoded only when its
tag is wanted. The tags come back named as exifread names them ("Image Make", "EXIF
DateTimeOriginal"…), which is how the rest of the media layer knows them.

exifread stays the reader of last resort for files that are not TIFF-structured at
the start and whose EXIF block nobody else found (an image Luna's own readers cannot
parse, left to Pillow, and cut short): it knows where every container keeps its EXIF.
"""

from __future__ import annotations

import logging
import struct
import sys
from array import array
from collections.abc import Callable
from typing import Any, BinaryIO

from luna_desktop.media.dates import take_date
from luna_desktop.media.info import MediaInfo, describe
from luna_desktop.media.tiff_ifd import TYPE_SIZES

Tags = dict[str, Any]

# exifread logs a warning for every odd field; over a million files that is noise on
# stderr. What matters ends up in MediaInfo.error instead.
logging.getLogger("exifread").setLevel(logging.ERROR)

_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_POINTERS = {_EXIF_IFD: "", _GPS_IFD: ""}  # IFD0's pointers to the other directories
# The tags read from each directory, by number, with the name exifread gives them.
_IFD0_TAGS = {
    0x010F: "Image Make",
    0x0110: "Image Model",
    0x0112: "Image Orientation",
    0x0132: "Image DateTime",
}
_IFD0_LOOKUPS = (*_IFD0_TAGS, *_POINTERS)
_ORIENTATIONS = [[n] for n in range(1, 9)]  # a valid Orientation, as a decoded SHORT
_IFD1_TAGS = {0x0112: "Thumbnail Orientation"}
_EXIF_TAGS = {
    0x829A: "EXIF ExposureTime",
    0x829D: "EXIF FNumber",
    0x8827: "EXIF ISOSpeedRatings",
    0x9003: "EXIF DateTimeOriginal",
    0x9004: "EXIF DateTimeDigitized",
    0x9011: "EXIF OffsetTimeOriginal",
    0x9012: "EXIF OffsetTimeDigitized",
    0x920A: "EXIF FocalLength",
}
_GPS_TAGS = {
    1: "GPS GPSLatitudeRef",
    2: "GPS GPSLatitude",
    3: "GPS GPSLongitudeRef",
    4: "GPS GPSLongitude",
}
# Bytes per value of each TIFF field type, and the struct code of the numeric ones.
# The struct codes of the numeric field types (13: an IFD offset, as some writers type
# the Exif and GPS pointers).
_INT_CODES = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 11: "f", 12: "d", 13: "I"}
_MAX_ENTRIES = 1000  # more entries than any real directory holds: a corrupt count
_MAX_VALUES = 64  # a wanted tag has at most a few values; more is a corrupt count


class Rational:
    """An EXIF rational as written (numerator, denominator), which may be 0/0."""

    __slots__ = ("denominator", "numerator")

    def __init__(self, numerator: int, denominator: int) -> None:
        self.numerator, self.denominator = numerator, denominator

    def __repr__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


def exif_from_bytes(exif: bytes, info: MediaInfo, quiet: bool = False, first: str = "ifd0") -> Tags:
    """The wanted tags of an EXIF block held in memory ("Exif\\0\\0" optional).

    `first` names what the block's first directory is: "ifd0" for every ordinary EXIF
    block, "exif" or "gps" for a block holding only that directory as a TIFF structure
    of its own (Canon CR3 keeps IFD0, the Exif IFD and the GPS IFD in separate boxes).
    """
    if exif.startswith(b"Exif\x00\x00"):
        exif = exif[6:]
    if exif[:2] not in (b"II", b"MM"):
        if not quiet:
            info.add_error("EXIF block has no TIFF header")
        return {}
    return _read_tags(lambda offset, length: exif[offset : offset + length], info, quiet, first)


def exif_from_tiff_file(fh: BinaryIO, info: MediaInfo) -> Tags:
    """The wanted tags of a TIFF-structured file (TIFF, DNG, CR2, NEF, ORF, RW2…)."""

    def read(offset: int, length: int) -> bytes:
        fh.seek(offset)
        return fh.read(length)

    return _read_tags(read, info, quiet=False)


def exif_from_file(fh: BinaryIO, info: MediaInfo, quiet: bool = False) -> Tags:
    """The EXIF of any file: a TIFF-structured one directly, another through exifread,
    which finds the block in every container (`quiet`: a salvage attempt on a file
    already known to be broken, whose failure adds nothing)."""
    fh.seek(0)
    if fh.read(4) in _TIFF_MAGICS:
        return exif_from_tiff_file(fh, info)
    import exifread  # only here: most files never need it, and it is slow to import

    try:
        fh.seek(0)
        found = exifread.process_file(
            fh, details=False, extract_thumbnail=False, stop_tag="FocalLength"
        )
    except Exception as exc:
        if not quiet:
            info.add_error(f"unreadable EXIF: {describe(exc)}")
        return {}
    return {key: getattr(tag, "values", None) for key, tag in found.items()}


def _read_tags(
    read: Callable[[int, int], bytes], info: MediaInfo, quiet: bool, first: str = "ifd0"
) -> Tags:
    """IFD0, IFD1, the Exif and GPS IFDs; a directory that cannot be read is skipped,
    and said once, after what the others hold has been kept."""
    header = read(0, 8)
    if len(header) < 8:
        if not quiet:
            info.add_error("unreadable EXIF: the file ends early (truncated or corrupt)")
        return {}
    order = "<" if header[:2] == b"II" else ">"
    tags: Tags = {}
    failed = False

    def directory(offset: int, wanted: dict[int, str]) -> tuple[dict[int, Any], int]:
        nonlocal failed
        try:
            return _read_ifd(read, order, offset, wanted, tags)
        except (struct.error, ValueError):
            failed = True
            return {}, 0

    (ifd0,) = struct.unpack(order + "I", header[4:8])
    if first != "ifd0":
        directory(ifd0, _EXIF_TAGS if first == "exif" else _GPS_TAGS)
    else:
        _read_chain(directory, ifd0, tags)
    if failed and not quiet:
        info.add_error("unreadable EXIF: the file ends early (truncated or corrupt)")
    return tags


def _read_chain(
    directory: Callable[[int, dict[int, str]], tuple[dict[int, Any], int]],
    ifd0: int,
    tags: Tags,
) -> None:
    pointers, ifd1 = directory(ifd0, _IFD0_TAGS)
    # IFD1 (the thumbnail's) is read only for an orientation IFD0 lacks.
    if ifd1 and ifd1 != ifd0 and tags.get("Image Orientation") not in _ORIENTATIONS:
        directory(ifd1, _IFD1_TAGS)
    for tag, wanted in ((_EXIF_IFD, _EXIF_TAGS), (_GPS_IFD, _GPS_TAGS)):
        offset = pointers.get(tag)
        if offset and offset != ifd0:
            directory(offset, wanted)


def _read_ifd(
    read: Callable[[int, int], bytes],
    order: str,
    offset: int,
    wanted: dict[int, str],
    tags: Tags,
) -> tuple[dict[int, Any], int]:
    """Put the wanted tags of one directory into `tags`; return its pointers to the
    Exif and GPS IFDs, and the offset of the next directory (0: none)."""
    head = read(offset, 2)
    if len(head) < 2:
        raise ValueError("directory past the end")
    (count,) = struct.unpack(order + "H", head)
    if count > _MAX_ENTRIES:
        raise ValueError("implausible directory")
    data = read(offset + 2, 12 * count + 4)
    if len(data) < 12 * count:
        raise ValueError("directory cut short")
    pointers: dict[int, Any] = {}
    # Every entry's tag number at once (the first 2 of each 12 bytes); each wanted tag is
    # then looked up in C, and only those few entries are decoded.
    numbers = array("H", data[: 12 * count])
    if (order == "<") != (sys.byteorder == "little"):
        numbers.byteswap()
    # The first entry of a tag counts when a writer repeated it, as exiftool reads it.
    where = dict(zip(numbers[::6][::-1], range(count - 1, -1, -1), strict=True))
    for tag in _IFD0_LOOKUPS if wanted is _IFD0_TAGS else wanted:
        i = where.get(tag)
        if i is None:
            continue
        name = wanted.get(tag)
        kind, n = struct.unpack_from(order + "HI", data, 12 * i + 2)
        size = TYPE_SIZES.get(kind)
        if size is None or n == 0 or (kind not in _INT_CODES and kind not in (2, 5, 7, 10)):
            continue
        length = size * min(n, _MAX_VALUES) if kind != 2 else min(n, 4096)
        if size * n <= 4:
            raw = data[12 * i + 8 : 12 * i + 8 + size * n]
        else:
            (at,) = struct.unpack_from(order + "I", data, 12 * i + 8)
            raw = read(at, length)
            if len(raw) < length:
                continue  # its values lie past the end: cut short, not a value
        value = _decode(order, kind, raw)
        if name is None:
            if isinstance(value, list) and value and isinstance(value[0], int):
                pointers[tag] = value[0]
        else:
            tags[name] = value
    tail = data[12 * count : 12 * count + 4]
    next_offset = struct.unpack(order + "I", tail)[0] if len(tail) == 4 else 0
    return pointers, next_offset


def _decode(order: str, kind: int, raw: bytes) -> Any:
    """A field's values as exifread gives them: text for ASCII (bytes if it is not
    UTF-8), else a list of numbers or Rationals."""
    if kind == 2:
        text = raw.split(b"\x00", 1)[0]
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            return text
    if kind in (5, 10):
        code = "I" if kind == 5 else "i"
        count = len(raw) // 8
        pairs = struct.unpack(f"{order}{2 * count}{code}", raw[: 8 * count])
        return [Rational(a, b) for a, b in zip(pairs[0::2], pairs[1::2], strict=True)]
    if kind == 7:
        return list(raw)
    code = _INT_CODES[kind]
    count = len(raw) // TYPE_SIZES[kind]
    return list(struct.unpack(f"{order}{count}{code}", raw[: count * TYPE_SIZES[kind]]))


def apply_exif(tags: Tags, info: MediaInfo) -> None:
    if not tags:
        return
    # Some cameras (Nikon D5000) write Orientation only in IFD1, the thumbnail's
    # directory; exiftool reports it then, and it matches the main image.
    for key in ("Image Orientation", "Thumbnail Orientation"):
        orientation = _first_number(tags, key)
        if isinstance(orientation, int) and 1 <= orientation <= 8:
            info.orientation = orientation
            break
    info.camera_make = _text(tags, "Image Make") or info.camera_make
    info.camera_model = _text(tags, "Image Model") or info.camera_model
    take_date(info, _text(tags, "EXIF DateTimeOriginal"), _text(tags, "EXIF OffsetTimeOriginal"))
    take_date(info, _text(tags, "EXIF DateTimeDigitized"), _text(tags, "EXIF OffsetTimeDigitized"))
    lat = _gps_coordinate(tags, "GPS GPSLatitude", "GPS GPSLatitudeRef", "S")
    lng = _gps_coordinate(tags, "GPS GPSLongitude", "GPS GPSLongitudeRef", "W")
    set_position(info, lat, lng)

    extra = {
        # IFD0 DateTime is when the file was last changed (an edit, a scan), not when
        # the picture was taken, so it is kept here rather than in taken_at.
        "modified": _text(tags, "Image DateTime"),
        "exposure_time": _first_number(tags, "EXIF ExposureTime"),
        "f_number": _first_number(tags, "EXIF FNumber"),
        "iso": _first_number(tags, "EXIF ISOSpeedRatings"),
        "focal_length": _first_number(tags, "EXIF FocalLength"),
    }
    info.extra.update({k: v for k, v in extra.items() if v not in (None, 0)})


def _text(tags: Tags, key: str) -> str | None:
    value = tags.get(key)
    if isinstance(value, bytes):
        # Not UTF-8: exiftool shows undecodable bytes as "?", and so do we.
        value = value.decode("utf-8", "replace").replace("\ufffd", "?")
    if not isinstance(value, str):
        return None
    return value.strip(" \x00\t\r\n") or None


def _first_number(tags: Tags, key: str) -> int | float | None:
    values = tags.get(key)
    if not isinstance(values, list) or not values:
        return None
    value = _number(values[0])
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _number(value: Any) -> int | float | None:
    """An EXIF number as int or float; None for a rational with a zero denominator."""
    if isinstance(value, tuple):  # exifread wraps float fields in a 1-tuple
        value = value[0] if value else None
    if isinstance(value, int | float):
        return value
    numerator = getattr(value, "numerator", None)
    denominator = getattr(value, "denominator", None)
    if not isinstance(numerator, int) or not isinstance(denominator, int) or not denominator:
        return None
    return numerator if denominator == 1 else numerator / denominator


def _gps_coordinate(tags: Tags, key: str, ref_key: str, negative: str) -> float | None:
    values = tags.get(key)
    if not isinstance(values, list) or not values:
        return None  # absent, or an empty GPS IFD
    degrees = _number(values[0])
    if degrees is None:
        return None
    total = float(degrees)
    # A 0/0 minute or second field means "not used" (seen from Nikon): count it as 0.
    for part, scale in zip(values[1:3], (60.0, 3600.0), strict=False):
        total += (_number(part) or 0.0) / scale
    ref = (_text(tags, ref_key) or "").upper()[:1]
    return -total if ref == negative else total


def set_position(info: MediaInfo, lat: float | None, lng: float | None) -> None:
    """Take a position from any source unless an earlier, better one gave one.

    Only a complete, plausible pair is a position. Exactly 0,0 is a placeholder, not a
    place: cameras without a fix and programs that blank GPS write it, and a map pin
    in the Gulf of Guinea would mislead a curator more than no pin at all.
    """
    if info.lat is not None or lat is None or lng is None:
        return
    if lat == 0 and lng == 0:
        return
    if abs(lat) <= 90 and abs(lng) <= 180:
        info.lat, info.lng = lat, lng
