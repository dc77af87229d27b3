"""What a video container states about itself, and the helpers its readers share.

The readers (`mp4`, `containers` for Matroska and AVI, `mpegts`, `mpegps`) each fill one
`ContainerInfo`; `videos` merges it with what libvlc reports.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_HEADER = 64 << 20  # a moov/hdrl/Tracks bigger than this is not worth reading whole


@dataclass
class ContainerInfo:
    # "mp4" (ISO-BMFF/QuickTime/3GP), "mkv", "avi", "m2ts", "mpegps" or "mpegv" (bare video)
    format: str
    duration: float | None = None
    # The stored picture size, before any rotation: what exiftool reports with -n.
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    codec: str | None = None
    # The first audio track's codec, named as libvlc names it ("mp4a", "mpga", "a52"…);
    # has_audio is False when the container declares no audio at all.
    audio_codec: str | None = None
    has_audio: bool | None = None
    orientation: int | None = None  # EXIF-style (6: turn 90° clockwise to display)
    rotation: int | None = None  # exiftool's Composite:Rotation, degrees clockwise
    created: str | None = None  # ISO 8601
    created_raw: str | None = None  # as the file wrote it, or exiftool's rendering if binary
    lat: float | None = None
    lng: float | None = None
    altitude: float | None = None
    make: str | None = None
    model: str | None = None
    streams: int = 0  # tracks the container declares, of any kind
    xmp: bytes | None = None  # a raw XMP packet (an MP4 'uuid' or 'XMP_' box)
    # True when the format has no timestamps to measure (a raw MPEG video stream), so an
    # unknown duration says nothing about the file being cut short.
    duration_unstated: bool = False
    problems: list[str] = field(default_factory=list)  # the file could not be read in full
    # Harmless oddities, such as bytes after the end of the video.
    notes: list[str] = field(default_factory=list)
    created_rank: int = field(default=99, repr=False)
    place_rank: int = field(default=99, repr=False)

    def offer_date(self, iso: str | None, raw: str, rank: int) -> None:
        """Keep the best-ranked date (0 = the camera's local capture time)."""
        if iso and rank < self.created_rank:
            self.created, self.created_raw, self.created_rank = iso, raw, rank

    def offer_place(
        self, lat: float, lng: float, altitude: float | None, rank: int, digits: int = 7
    ) -> None:
        """Keep the best-ranked plausible position (0 = the most precise source).

        0,0 is what a device writes when it has no fix, not a place in the Gulf of
        Guinea, so it is no position; nor is anything off the globe.
        """
        if rank >= self.place_rank or (lat, lng) == (0.0, 0.0):
            return
        if abs(lat) <= 90 and abs(lng) <= 180:
            self.lat, self.lng = round(lat, digits), round(lng, digits)
            self.altitude, self.place_rank = altitude, rank


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


# The three ISO 6709 forms exiftool reads (QuickTime.pm ConvertISO6709), anchored at
# the start as there: ±DD.D±DDD.D, ±DDMM.M±DDDMM.M and ±DDMMSS.S±DDDMMSS.S, each with
# an optional ±altitude. Anything else ("N48.85 E2.29", one number) is no position.
_ISO6709_DEGREES = re.compile(r"([-+]\d{1,2}(?:\.\d*)?)([-+]\d{1,3}(?:\.\d*)?)([-+]\d+(?:\.\d*)?)?")
_ISO6709_MINUTES = re.compile(
    r"([-+])(\d{2})(\d{2}(?:\.\d*)?)([-+])(\d{3})(\d{2}(?:\.\d*)?)([-+]\d+(?:\.\d*)?)?"
)
_ISO6709_SECONDS = re.compile(
    r"([-+])(\d{2})(\d{2})(\d{2}(?:\.\d*)?)([-+])(\d{3})(\d{2})(\d{2}(?:\.\d*)?)"
    r"([-+]\d+(?:\.\d*)?)?"
)


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """'+32.0929+034.8620+028.516/' -> (32.0929, 34.862, 28.516); None if not ISO 6709."""
    text = text.strip()
    if m := _ISO6709_DEGREES.match(text):
        lat, lng, alt = float(m[1]), float(m[2]), m[3]
    elif m := _ISO6709_MINUTES.match(text):
        lat = _signed(m[1], float(m[2]) + float(m[3]) / 60)
        lng = _signed(m[4], float(m[5]) + float(m[6]) / 60)
        alt = m[7]
    elif m := _ISO6709_SECONDS.match(text):
        lat = _signed(m[1], float(m[2]) + float(m[3]) / 60 + float(m[4]) / 3600)
        lng = _signed(m[5], float(m[6]) + float(m[7]) / 60 + float(m[8]) / 3600)
        alt = m[9]
    else:
        return None
    return lat, lng, (float(alt) if alt else None)


def _signed(sign: str, value: float) -> float:
    return -value if sign == "-" else value


# --- MPEG system clocks (transport and program streams) ---------------------------------

CLOCK_WRAP = 1 << 33  # PTS, SCR and PCR bases count 90 kHz ticks in 33 bits (~26.5 h)
_MAX_STEP_S = 1.0  # the standards space clock readings 0.1 s (PCR) or 0.7 s (SCR) apart
# How far the clocks may disagree with the bitrate before they are taken to have jumped:
# a rate measured over half a second or more is close (variable bitrate and all);
# one over a few readings (a high bitrate fills the windows read in a fraction of a
# second) still tells a clock that restarted hours away from the first.
_FIRM_SPAN_S, _FIRM_RATIO = 0.5, 1.5
_ROUGH_RATIO = 4.0


@dataclass
class ByteRate:
    """Bytes per second of a stream, measured over `seconds` of its clock."""

    rate: float
    seconds: float


def elapsed(start: int, end: int, wrap: int = CLOCK_WRAP) -> int:
    """Ticks from start to end of a clock that wraps at `wrap` (one wrap at most)."""
    return (end - start) % wrap


def byte_rate(readings: list[tuple[int, int]], hz: int, wrap: int = CLOCK_WRAP) -> ByteRate | None:
    """The rate from (byte position, clock) readings in file order; None if no two are
    a step apart. Only small forward steps count, so a jump inside a window does not
    skew it."""
    total_bytes = total_ticks = 0
    for (pos0, t0), (pos1, t1) in itertools.pairwise(readings):
        step = elapsed(t0, t1, wrap)
        if 0 < step <= _MAX_STEP_S * hz and pos1 > pos0:
            total_bytes, total_ticks = total_bytes + pos1 - pos0, total_ticks + step
    if not total_ticks:
        return None
    return ByteRate(total_bytes * hz / total_ticks, total_ticks / hz)


def checked_duration(
    seconds: float, byte_span: int, rate: ByteRate | None, info: ContainerInfo
) -> float:
    """`seconds` between the first and last timestamps, unless the clock jumped.

    A stream's clock may restart (files joined end to end, a broadcast recorded across
    programmes): then first-to-last says nothing about its length. When the bytes
    between the two readings, at the rate measured near the start and end, would take a
    clearly different time, that estimate is the better one, and a note says so.
    """
    if rate is None:
        return seconds
    ratio = _FIRM_RATIO if rate.seconds >= _FIRM_SPAN_S else _ROUGH_RATIO
    estimate = byte_span / rate.rate
    if estimate / ratio <= seconds <= estimate * ratio:
        return seconds
    info.notes.append(
        "the timestamps jump (files joined, or a recording across programmes): "
        "the duration is estimated from the bitrate"
    )
    return estimate
