"""XMP packets (RDF/XML): keywords, title, description, rating, creator, places, dates
and GPS, from images, videos and sidecar files.

Descriptive fields are one source among several (`descriptive.add_source`): the file's
own XMP is kept under info.extra["xmp"] and wins over IPTC; a sidecar's is kept under
info.extra["xmp_sidecar"] and wins over both. Dates and GPS only fill in what EXIF left
empty (`take_date` and `set_position` keep the first value they are given), and
placeholders (a 0,0 position, a 0000:00:00 date) are no values at all.
"""

from __future__ import annotations

import re
from typing import Any

from defusedxml import ElementTree

from luna_desktop.media.dates import iso_datetime, take_date
from luna_desktop.media.descriptive import add_source
from luna_desktop.media.exif import set_position
from luna_desktop.media.info import MediaInfo, describe

__all__ = ["apply_sidecar_xmp", "apply_xmp"]

_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DC = "{http://purl.org/dc/elements/1.1/}"
_XMP = "{http://ns.adobe.com/xap/1.0/}"
_PHOTOSHOP = "{http://ns.adobe.com/photoshop/1.0/}"
_EXIF = "{http://ns.adobe.com/exif/1.0/}"
_CONTAINERS = (_RDF + "Bag", _RDF + "Seq", _RDF + "Alt")
# XMP dates used when EXIF has none, best first.
_DATES = (
    _EXIF + "DateTimeOriginal",
    _PHOTOSHOP + "DateCreated",
    _EXIF + "DateTimeDigitized",
    _XMP + "CreateDate",
)
# darktable also writes lr:hierarchicalSubject ("places|Ireland|Dublin"); dc:subject
# holds the same keywords flat, and is what every program reads.
_LISTS = {"keywords": _DC + "subject", "creator": _DC + "creator"}
_SINGLE = {
    "title": _DC + "title",
    "description": _DC + "description",
    "city": _PHOTOSHOP + "City",
    "country": _PHOTOSHOP + "Country",
}
_GPS_RE = re.compile(
    r"\s*(-?\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEWnsew])?\s*"
)


def apply_xmp(packet: bytes | str, info: MediaInfo) -> None:
    """A packet embedded in the file (JPEG APP1, TIFF tag 700, PNG iTXt, a video's
    uuid box…): wins over the file's IPTC, loses to a sidecar."""
    _apply(packet, info, "xmp", "unreadable XMP")


def apply_sidecar_xmp(packet: bytes | str, info: MediaInfo, name: str = "") -> None:
    """An XMP sidecar (IMG_1234.xmp beside IMG_1234.CR2, written by Lightroom or
    darktable), read after or before the file itself: its keywords, title, description,
    rating, creator and places win over what the file embeds, field by field. Its date
    and position only fill in what the file lacks, as embedded XMP's do."""
    # Named, since the error shows on the image's row: the sidecar is what to fix.
    _apply(packet, info, "xmp_sidecar", f"unreadable XMP sidecar {name}".rstrip())


def _apply(packet: bytes | str, info: MediaInfo, source: str, problem: str) -> None:
    try:
        props = _xmp_properties(packet)
    except Exception as exc:
        info.add_error(f"{problem}: {describe(exc)}")
        return
    values: dict[str, Any] = {name: props.get(key) for name, key in _LISTS.items()}
    for name, key in _SINGLE.items():
        values[name] = (props.get(key) or [None])[0]
    values["rating"] = _rating(props.get(_XMP + "Rating"))
    dates = [raw for key in _DATES for raw in props.get(key, [])]
    values["date"] = next(filter(None, map(iso_datetime, dates)), None)
    add_source(info, source, values)
    for raw in dates:
        take_date(info, raw)
    lat = _gps(props.get(_EXIF + "GPSLatitude"), "S")
    lng = _gps(props.get(_EXIF + "GPSLongitude"), "W")
    set_position(info, lat, lng)


def _xmp_properties(packet: bytes | str) -> dict[str, list[str]]:
    """Simple XMP properties as {"{namespace}name": [values]}.

    A property may be an attribute of rdf:Description, a child element with text, or
    a child holding an rdf:Bag/Seq/Alt of rdf:li items; all three are flattened. An
    Alt (a title in several languages) lists its x-default item first.
    """
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    root = ElementTree.fromstring(packet.strip(b"\x00 \t\r\n"))
    props: dict[str, list[str]] = {}
    for description in root.iter(_RDF + "Description"):
        for key, value in description.attrib.items():
            if value.strip():
                props.setdefault(key, []).append(value.strip())
        for child in description:
            container = next((c for c in child if c.tag in _CONTAINERS), None)
            if container is None:
                items = [child]
            else:
                items = [li for li in container if li.tag == _RDF + "li"]
                if container.tag == _RDF + "Alt":
                    items.sort(key=lambda li: li.get(_XML_LANG) != "x-default")
            texts = [li.text.strip() for li in items if li.text and li.text.strip()]
            props.setdefault(child.tag, []).extend(texts)
    return props


def _rating(values: list[str] | None) -> int | float | None:
    """xmp:Rating: 1 to 5 stars, 0 for none, -1 for rejected (a Real in the spec)."""
    try:
        rating = float(values[0]) if values else None
    except ValueError:
        return None
    if rating is None or not -1 <= rating <= 5:
        return None
    return int(rating) if rating.is_integer() else rating


def _gps(values: list[str] | None, negative: str) -> float | None:
    """XMP GPS text ("48,53.323582N", "48,53,19.4N" or "48.888") as signed degrees."""
    if not values:
        return None
    match = _GPS_RE.fullmatch(values[0])
    if not match:
        return None
    degrees, minutes, seconds, ref = match.groups()
    total = abs(float(degrees)) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    negative_value = degrees.startswith("-") or (ref or "").upper() == negative
    return -total if negative_value else total
