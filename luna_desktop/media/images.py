"""Image metadata: size, orientation, date taken, camera, GPS, keywords.

Speed matters (a drive holds a million files), so each file is read once, and only
its header: Pillow parses the header for the size and hands over the raw EXIF, XMP
and IPTC blocks, and exifread decodes the EXIF block from memory. TIFF and the raw
formats built on TIFF (CR2, DNG, NEF, ARW…) are read by exifread from the file, plus
a few IFD entries read directly (sizes, XMP, IPTC). Nothing here decodes pixels.

The truth these readers are checked against is exiftool's output for the shared
corpus; where exiftool and a naive reading differ, the comments say why.
"""

from __future__ import annotations

import io
import logging
import re
import struct
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, BinaryIO

import exifread
import pillow_heif
from defusedxml import ElementTree
from PIL import Image, JpegImagePlugin

from luna_desktop.media.info import MediaInfo
from luna_desktop.media.tiff_ifd import TiffDirectories

__all__ = ["read_image"]

pillow_heif.register_heif_opener()
# exifread logs a warning for every odd field; over a million files that is noise on
# stderr. What matters ends up in MediaInfo.error instead.
logging.getLogger("exifread").setLevel(logging.ERROR)

_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XMP_DC_SUBJECT = "{http://purl.org/dc/elements/1.1/}subject"
_XMP_EXIF = "{http://ns.adobe.com/exif/1.0/}"
# XMP dates used when EXIF has none, best first.
_XMP_DATES = (
    _XMP_EXIF + "DateTimeOriginal",
    "{http://ns.adobe.com/photoshop/1.0/}DateCreated",
    _XMP_EXIF + "DateTimeDigitized",
    "{http://ns.adobe.com/xap/1.0/}CreateDate",
)
_DATE_RE = re.compile(
    r"(\d{4})[:-](\d\d)[:-](\d\d)"
    r"(?:[ T](\d\d):(\d\d)(?::(\d\d))?(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)?"
)
_OFFSET_RE = re.compile(r"([+-])(\d\d):?(\d\d)")
_XMP_GPS_RE = re.compile(
    r"\s*(-?\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEWnsew])?\s*"
)
_LAST_TAG_USED = "FocalLength"
# IPTC-IIM record 2 datasets worth keeping besides keywords (2:25).
_IPTC_EXTRA = {80: "creator", 90: "city", 101: "country", 120: "caption"}


def read_image(fh: BinaryIO, info: MediaInfo) -> None:
    """Fill `info` from an image file's metadata; never raises.

    `fh` is an open, seekable binary file positioned anywhere; it is left open.
    `info.kind` and `info.mime` are not touched (that is `sniff`'s job). What could
    be read is kept; every problem is recorded with `info.add_error`.
    """
    try:
        fh.seek(0)
        head = fh.read(16)
        if not head:
            info.add_error("empty file (0 bytes)")
            return
        if head[:4] in _TIFF_MAGICS:
            _read_tiff(fh, info, standard=head[:4] in _TIFF_MAGICS[:2])
        else:
            _read_with_pillow(fh, info)
    except Exception as exc:  # a scan of a million files must go on past any one file
        info.add_error(f"could not read image metadata: {_describe(exc)}")
    info.keywords = _unique(info.keywords)


# --- file formats ---------------------------------------------------------------


def _read_with_pillow(fh: BinaryIO, info: MediaInfo) -> None:
    """JPEG, MPO, PNG, HEIC, WebP, GIF, BMP…: Pillow reads the header only."""
    info.extractor = "exifread+pillow"
    fh.seek(0)
    try:
        im = _open_header(fh, info.mime)
    except Exception as exc:
        fh.seek(0)
        if fh.read(12)[4:8] == b"ftyp":
            # pillow-heif needs the whole container and only says "cannot identify".
            reason = "truncated, corrupt or an unsupported codec"
        else:
            reason = _describe(exc)
        info.add_error(f"not a readable image: {reason}")
        # A file cut short after its EXIF block still has a date and a camera.
        _apply_exif(_exif_from_file(fh, info, quiet=True), info)
        return
    # Not im.close(): for MPO and HEIF it would close the caller's file.
    info.width, info.height = im.size
    exif = im.info.get("exif")
    if exif:
        tags = _exif_from_bytes(exif, info)
    elif im.format == "PNG":
        # PNG may put eXIf after the pixel data, where Pillow only looks after a full
        # decode; exifread walks the chunk headers instead.
        tags = _exif_from_file(fh, info)
    else:
        tags = {}
    _apply_exif(tags, info)
    if im.format == "MPO":
        info.extra["mpo_frames"] = im.n_frames
    if im.format == "HEIF":
        _fix_heif_orientation(im, info)
        info.extractor = "exifread+pillow-heif"
    photoshop = im.info.get("photoshop")
    if isinstance(photoshop, dict) and isinstance(photoshop.get(0x0404), bytes):
        _apply_iptc(photoshop[0x0404], info)
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if xmp:
        _apply_xmp(xmp, info)


class _JpegHeader(JpegImagePlugin.JpegImageFile):
    """Pillow's JPEG header reader, minus its DPI lookup.

    On open, Pillow parses the whole EXIF block once more just to find a DPI, which
    nothing here needs and exifread reads anyway: a fifth of a scan's time per JPEG.
    """

    def _read_dpi_from_exif(self) -> None:
        return


def _open_header(fh: BinaryIO, mime: str | None) -> Image.Image:
    if mime == "image/jpeg":
        try:
            im = _JpegHeader(fh)
        except Exception:
            fh.seek(0)
            return Image.open(fh)
        if "mp" not in im.info:
            return im
        fh.seek(0)  # an MPO: Pillow's own factory knows its frames
    return Image.open(fh)


def _fix_heif_orientation(im: Image.Image, info: MediaInfo) -> None:
    """Undo pillow-heif's view so HEIC reads like JPEG: stored size + EXIF orientation.

    libheif applies the container's rotation, reports the rotated size, and
    pillow-heif resets EXIF Orientation to 1, keeping the original aside. The
    container rotation and the EXIF orientation describe the same turn.
    """
    original = im.info.get("original_orientation")
    if isinstance(original, int) and 1 <= original <= 8:
        info.orientation = original
        if original >= 5:  # a quarter turn: the stored pixels are the other way round
            info.width, info.height = info.height, info.width


def _read_tiff(fh: BinaryIO, info: MediaInfo, standard: bool) -> None:
    """TIFF and TIFF-based raw files: exifread for EXIF, IFD entries for the rest."""
    info.extractor = "exifread"
    _apply_exif(_exif_from_file(fh, info), info)
    layout = _TiffLayout()
    try:
        layout.read(fh)
    except (OSError, EOFError, struct.error, ValueError) as exc:
        info.add_error(f"unreadable TIFF structure: {_describe(exc)}")
    if layout.sizes:
        # Raw files keep a thumbnail in IFD0 (DNG) or previews beside the sensor
        # data; the largest image is the one the file is about, as exiftool reports.
        info.width, info.height = max(layout.sizes, key=lambda wh: wh[0] * wh[1])
    elif standard and not info.error:
        # (ORF and RW2 have their own magic and may keep the size elsewhere.)
        info.add_error("no image size in the TIFF directories")
    if layout.iptc:
        _apply_iptc(layout.iptc, info)
    if layout.xmp:
        _apply_xmp(layout.xmp, info)


# --- EXIF -----------------------------------------------------------------------


def _exif_from_bytes(exif: bytes, info: MediaInfo) -> dict[str, Any]:
    if exif.startswith(b"Exif\x00\x00"):
        exif = exif[6:]
    if exif[:2] not in (b"II", b"MM"):
        info.add_error("EXIF block has no TIFF header")
        return {}
    return _exif_from_file(io.BytesIO(exif), info)


def _exif_from_file(fh: BinaryIO, info: MediaInfo, quiet: bool = False) -> dict[str, Any]:
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
            info.add_error(f"unreadable EXIF: {_describe(exc)}")
        return {}


def _apply_exif(tags: dict[str, Any], info: MediaInfo) -> None:
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
    _take_date(info, _text(tags, "EXIF DateTimeOriginal"), _text(tags, "EXIF OffsetTimeOriginal"))
    _take_date(info, _text(tags, "EXIF DateTimeDigitized"), _text(tags, "EXIF OffsetTimeDigitized"))
    lat = _gps_coordinate(tags, "GPS GPSLatitude", "GPS GPSLatitudeRef", "S")
    lng = _gps_coordinate(tags, "GPS GPSLongitude", "GPS GPSLongitudeRef", "W")
    _set_position(info, lat, lng)

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


def _set_position(info: MediaInfo, lat: float | None, lng: float | None) -> None:
    # Only a complete, plausible pair is a position. 0,0 is kept as exiftool keeps
    # it: it is what the camera wrote, and a curator can judge it.
    if info.lat is not None or lat is None or lng is None:
        return
    if abs(lat) <= 90 and abs(lng) <= 180:
        info.lat, info.lng = lat, lng


# --- dates ----------------------------------------------------------------------


def _take_date(info: MediaInfo, raw: str | None, offset: str | None = None) -> None:
    """Use `raw` as the date taken unless an earlier, better source already gave one."""
    if info.taken_at or not raw:
        return
    iso = _iso_datetime(raw, offset)
    if iso:
        info.taken_at, info.taken_at_raw = iso, raw
    elif info.taken_at_raw is None and any(c.isdigit() for c in raw):
        # Keep what the camera wrote ("0000:00:00 00:00:00") for the curator to see;
        # a later source may still supply a real date.
        info.taken_at_raw = raw


def _iso_datetime(raw: str, offset: str | None = None) -> str | None:
    """EXIF/XMP date text as ISO 8601; None for zero, blank or impossible dates.

    An offset is kept only when the file states one: a trailing Z or ±hh:mm, or
    EXIF OffsetTime*. Z is written as +00:00 so every offset has one form.
    """
    match = _DATE_RE.match(raw.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day)).isoformat()
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:  # year 0, month 00, 31 February…
        return None
    text = moment.isoformat()
    zone = zone or (offset or "").strip()
    if zone == "Z":
        return text + "+00:00"
    zone_match = _OFFSET_RE.fullmatch(zone)
    if zone_match:
        sign, hours, minutes = zone_match.groups()
        return f"{text}{sign}{hours}:{minutes}"
    return text


# --- IPTC -----------------------------------------------------------------------


def _apply_iptc(data: bytes, info: MediaInfo) -> None:
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


# --- XMP ------------------------------------------------------------------------


def _apply_xmp(packet: bytes | str, info: MediaInfo) -> None:
    try:
        props = _xmp_properties(packet)
    except Exception as exc:
        info.add_error(f"unreadable XMP: {_describe(exc)}")
        return
    info.keywords.extend(props.get(_XMP_DC_SUBJECT, []))
    for key in _XMP_DATES:
        for raw in props.get(key, []):
            _take_date(info, raw)
    lat = _xmp_gps(props.get(_XMP_EXIF + "GPSLatitude"), "S")
    lng = _xmp_gps(props.get(_XMP_EXIF + "GPSLongitude"), "W")
    _set_position(info, lat, lng)


def _xmp_properties(packet: bytes | str) -> dict[str, list[str]]:
    """Simple XMP properties as {"{namespace}name": [values]}.

    A property may be an attribute of rdf:Description, a child element with text, or
    a child holding an rdf:Bag/Seq/Alt of rdf:li items; all three are flattened.
    """
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    root = ElementTree.fromstring(packet.strip(b"\x00 \t\r\n"))
    props: dict[str, list[str]] = {}
    for description in root.iter(_RDF + "Description"):
        for key, value in description.attrib.items():
            props.setdefault(key, []).append(value.strip())
        for child in description:
            items = [li.text.strip() for li in child.iter(_RDF + "li") if li.text]
            if not items and child.text and child.text.strip():
                items = [child.text.strip()]
            props.setdefault(child.tag, []).extend(i for i in items if i)
    return props


def _xmp_gps(values: list[str] | None, negative: str) -> float | None:
    """XMP GPS text ("48,53.323582N", "48,53,19.4N" or "48.888") as signed degrees."""
    if not values:
        return None
    match = _XMP_GPS_RE.fullmatch(values[0])
    if not match:
        return None
    degrees, minutes, seconds, ref = match.groups()
    total = abs(float(degrees)) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    negative_value = degrees.startswith("-") or (ref or "").upper() == negative
    return -total if negative_value else total


# --- TIFF structure ---------------------------------------------------------------

_MAX_BLOB = 4 * 1024 * 1024
_XMP, _IPTC, _WIDTH, _HEIGHT = 700, 33723, 256, 257


class _TiffLayout:
    """Image sizes of every IFD and SubIFD, with IFD0's XMP and IPTC blocks.

    exifread does not go into SubIFDs without also decoding maker notes (slow), and
    it drops long byte fields such as XMP and IPTC, so these few entries are read
    here directly. What was read before a failure stays available.
    """

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []
        self.xmp: bytes | None = None
        self.iptc: bytes | None = None

    def read(self, fh: BinaryIO) -> None:
        """Raises what made a directory unreadable, after reading all the others."""
        fh.seek(0)
        tiff = TiffDirectories(fh, fh.read(8))
        for directory in tiff.walk():
            width = tiff.first_int(directory.entries, _WIDTH, 0)
            height = tiff.first_int(directory.entries, _HEIGHT, 0)
            if width > 0 and height > 0:
                self.sizes.append((width, height))
            if directory.first:
                self.xmp = tiff.data(directory.entries.get(_XMP), _MAX_BLOB)
                self.iptc = tiff.data(directory.entries.get(_IPTC), _MAX_BLOB)
        if tiff.failure:
            raise tiff.failure


# --- small helpers ----------------------------------------------------------------


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _describe(exc: BaseException) -> str:
    message = str(exc)
    if "Truncated File Read" in message or isinstance(exc, EOFError | struct.error):
        return "the file ends early (truncated or corrupt)"
    # Pillow names the file object in this message, which helps nobody.
    if message.startswith("cannot identify image file"):
        return "no known image format"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
