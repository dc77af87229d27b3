"""What a video container states about itself, and the helpers its readers share.

The readers (`mp4`, `containers` for Matroska and AVI, `mpegts`) each fill one
`ContainerInfo`; `videos` merges it with what libvlc reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_HEADER = 64 << 20  # a moov/hdrl/Tracks bigger than this is not worth reading whole


@dataclass
class ContainerInfo:
    format: str  # "mp4" (ISO-BMFF/QuickTime/3GP), "mkv", "avi" or "m2ts"
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    codec: str | None = None
    rotation: int | None = None  # degrees clockwise to display upright
    created: str | None = None  # ISO 8601
    created_raw: str | None = None  # as the file wrote it, or exiftool's rendering if binary
    lat: float | None = None
    lng: float | None = None
    altitude: float | None = None
    make: str | None = None
    model: str | None = None
    streams: int = 0  # tracks the container declares, of any kind
    problems: list[str] = field(default_factory=list)  # the file could not be read in full
    # Harmless oddities, such as bytes after the end of the video.
    notes: list[str] = field(default_factory=list)
    created_rank: int = field(default=99, repr=False)

    def offer_date(self, iso: str | None, raw: str, rank: int) -> None:
        """Keep the best-ranked date (0 = the camera's local capture time)."""
        if iso and rank < self.created_rank:
            self.created, self.created_raw, self.created_rank = iso, raw, rank


# Fourccs from containers and libvlc, named the way libvlc names the codec.
_CODEC_ALIASES = {
    "avc1": "h264", "avc3": "h264", "x264": "h264", "hvc1": "hevc", "hev1": "hevc",
    "jpeg": "mjpg", "xvid": "mp4v", "divx": "mp4v", "dx50": "mp4v", "fmp4": "mp4v",
    "vp08": "vp80", "vp09": "vp90", "s263": "h263",
}  # fmt: skip


def codec_name(fourcc: bytes) -> str | None:
    """A short readable codec name from a fourcc: b'avc1' -> 'h264', b'MJPG' -> 'mjpg'."""
    name = fourcc.decode("latin-1").strip(" \0").lower()
    if not name or not name.isprintable():
        return None
    return _CODEC_ALIASES.get(name, name)


_DATE = re.compile(
    r"(\d{4})[-:](\d\d)[-:](\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?"
)


def iso_date(text: str) -> str | None:
    """'2019-07-24T11:25:40+0300' -> '2019-07-24T11:25:40+03:00'; None if not a date."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:  # "0000:00:00" and other placeholders
        return None
    if h is None:
        return f"{y}-{mo}-{d}"
    iso = f"{y}-{mo}-{d}T{h}:{mi}:{s or '00'}"
    if tz:
        iso += "+00:00" if tz == "Z" else f"{tz[:3]}:{tz[-2:]}"
    return iso


def utc_date(epoch: datetime, seconds: float) -> tuple[str, str] | None:
    """(ISO with +00:00, exiftool-style raw) for a binary UTC timestamp, None if bogus."""
    try:
        dt = epoch + timedelta(seconds=seconds)
    except OverflowError:
        return None
    if not 1970 < dt.year < 2200:  # 0, or written against the wrong epoch
        return None
    dt = dt.replace(microsecond=0)
    return dt.isoformat(), dt.strftime("%Y:%m:%d %H:%M:%S")


def parse_iso6709(text: str, info: ContainerInfo) -> None:
    """'+32.0929+034.8620+028.516/' (degrees, or ±DDMM[SS] forms) -> lat, lng, altitude."""
    parts = re.findall(r"[+-]\d+(?:\.\d*)?", text)
    if len(parts) < 2:
        return
    values = []
    for part, degree_digits in zip(parts[:2], (2, 3), strict=True):
        sign = -1.0 if part[0] == "-" else 1.0
        number = part[1:]
        whole = len(number.split(".")[0])
        value = float(number)
        if whole == degree_digits + 2:  # DDMM.MMM
            value = value // 100 + (value % 100) / 60
        elif whole == degree_digits + 4:  # DDMMSS.S
            value = value // 10000 + (value // 100 % 100) / 60 + (value % 100) / 3600
        values.append(sign * value)
    lat, lng = values
    if abs(lat) <= 90 and abs(lng) <= 180 and (lat, lng) != (0.0, 0.0):
        info.lat, info.lng = round(lat, 7), round(lng, 7)
        if len(parts) > 2:
            info.altitude = float(parts[2])
