"""Dates as files write them (EXIF, XMP, IPTC, containers) turned into one ISO 8601 form."""

from __future__ import annotations

import re
from datetime import date, datetime

from luna_desktop.media.info import MediaInfo

_DATE_RE = re.compile(
    r"(\d{4})[:-](\d\d)[:-](\d\d)"
    r"(?:[ T](\d\d):(\d\d)(?::(\d\d))?(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)?"
)
_OFFSET_RE = re.compile(r"([+-])(\d\d):?(\d\d)")


def take_date(info: MediaInfo, raw: str | None, offset: str | None = None) -> None:
    """Use `raw` as the date taken unless an earlier, better source already gave one."""
    if info.taken_at or not raw:
        return
    iso = iso_datetime(raw, offset)
    if iso:
        info.taken_at, info.taken_at_raw = iso, raw
    elif info.taken_at_raw is None and any(c.isdigit() for c in raw):
        # Keep what the camera wrote ("0000:00:00 00:00:00") for the curator to see;
        # a later source may still supply a real date.
        info.taken_at_raw = raw


def iso_datetime(raw: str, offset: str | None = None) -> str | None:
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
