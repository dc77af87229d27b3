"""EXIF: orientation, camera, date taken, GPS and exposure from a TIFF-structured block."""

from __future__ import annotations

import io
import logging
from typing import Any, BinaryIO

import exifread

from luna_desktop.media.dates import take_date
from luna_desktop.media.info import MediaInfo, describe

# exifread logs a warning for every odd field; over a million files that is noise on
# stderr. What matters ends up in MediaInfo.error instead.
logging.getLogger("exifread").setLevel(logging.ERROR)

_LAST_TAG_USED = "FocalLength"


def exif_from_bytes(exif: bytes, info: MediaInfo) -> dict[str, Any]:
    if exif.startswith(b"Exif\x00\x00"):
        exif = exif[6:]
    if exif[:2] not in (b"II", b"MM"):
        info.add_error("EXIF block has no TIFF header")
        return {}
    return exif_from_file(io.BytesIO(exif), info)


def exif_from_file(fh: BinaryIO, info: MediaInfo, quiet: bool = False) -> dict[str, Any]:
    """exifread's tags for a whole file or a bare EXIF block (`quiet`: a salvage
    attempt on a file already known to be broken, whose failure adds nothing)."""
    try:
        # details=False skips maker notes (the slow part); the thumbnail is not needed.
        # EXIF IFD entries are sorted by tag number and nothing read here comes after
        # FocalLength (0x920A), so stopping there skips a third of the decoding.
        return exifread.process_file(
            fh, details=False, extract_thumbnail=False, stop_tag=_LAST_TAG_USED
        )
    except Exception as exc:
        if not quiet:
            info.add_error(f"unreadable EXIF: {describe(exc)}")
        return {}


def apply_exif(tags: dict[str, Any], info: MediaInfo) -> None:
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


def _text(tags: dict[str, Any], key: str) -> str | None:
    tag = tags.get(key)
    value = getattr(tag, "values", None)
    if isinstance(value, bytes):
        # Not UTF-8: exiftool shows undecodable bytes as "?", and so do we.
        value = value.decode("utf-8", "replace").replace("\ufffd", "?")
    if not isinstance(value, str):
        return None
    return value.strip(" \x00\t\r\n") or None


def _first_number(tags: dict[str, Any], key: str) -> int | float | None:
    values = getattr(tags.get(key), "values", None)
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


def _gps_coordinate(tags: dict[str, Any], key: str, ref_key: str, negative: str) -> float | None:
    values = getattr(tags.get(key), "values", None)
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
    # Only a complete, plausible pair is a position. 0,0 is kept as exiftool keeps
    # it: it is what the camera wrote, and a curator can judge it.
    if info.lat is not None or lat is None or lng is None:
        return
    if abs(lat) <= 90 and abs(lng) <= 180:
        info.lat, info.lng = lat, lng
