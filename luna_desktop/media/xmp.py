"""XMP packets (RDF/XML): keywords, dates and GPS, from images, videos and sidecars."""

from __future__ import annotations

import re

from defusedxml import ElementTree

from luna_desktop.media.dates import take_date
from luna_desktop.media.exif import set_position
from luna_desktop.media.info import MediaInfo, describe

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
_XMP_GPS_RE = re.compile(
    r"\s*(-?\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEWnsew])?\s*"
)


def apply_xmp(packet: bytes | str, info: MediaInfo) -> None:
    try:
        props = _xmp_properties(packet)
    except Exception as exc:
        info.add_error(f"unreadable XMP: {describe(exc)}")
        return
    info.keywords.extend(props.get(_XMP_DC_SUBJECT, []))
    for key in _XMP_DATES:
        for raw in props.get(key, []):
            take_date(info, raw)
    lat = _xmp_gps(props.get(_XMP_EXIF + "GPSLatitude"), "S")
    lng = _xmp_gps(props.get(_XMP_EXIF + "GPSLongitude"), "W")
    set_position(info, lat, lng)


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
