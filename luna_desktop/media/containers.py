"""What video containers state about themselves, read from their headers only.

libvlc does not expose a container's creation date or location, reports no size for some
streams and a short duration for some AVI files. These readers take just the structures
that carry those values (MP4/QuickTime `moov`, Matroska `Info`/`Tracks`, AVI `hdrl`,
MPEG-TS via `mpegts`), seek past media data and never read a whole file. The values are
what exiftool reports, which is what the corpus truth was made with.
"""

from __future__ import annotations

import math
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from luna_desktop.media import mpegts

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
    problems: list[str] = field(default_factory=list)
    created_rank: int = field(default=99, repr=False)

    def offer_date(self, iso: str | None, raw: str, rank: int) -> None:
        """Keep the best-ranked date (0 = the camera's local capture time)."""
        if iso and rank < self.created_rank:
            self.created, self.created_raw, self.created_rank = iso, raw, rank


def read_container(path: bytes | str) -> ContainerInfo | None:
    """Parse a known container's header; None if the format is not one we read.

    Corrupt structures become `problems`, keeping what was read; OSError propagates.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(400)
        if head[4:8] in _MP4_FIRST_BOXES:
            info, reader = ContainerInfo("mp4"), _read_mp4
        elif head[:4] == b"\x1a\x45\xdf\xa3":
            info, reader = ContainerInfo("mkv"), _read_mkv
        elif head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
            info, reader = ContainerInfo("avi"), _read_avi
        elif mpegts.packet_layout(head):
            info, reader = ContainerInfo("m2ts"), mpegts.read_m2ts
        else:
            return None
        try:
            reader(f, size, info)
        except (struct.error, ValueError, IndexError, OverflowError, EOFError) as exc:
            info.problems.append(f"corrupt {info.format} header ({exc or type(exc).__name__})")
    return info


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


def _utc(epoch: datetime, seconds: float) -> tuple[str, str] | None:
    """(ISO with +00:00, exiftool-style raw) for a binary UTC timestamp, None if bogus."""
    try:
        dt = epoch + timedelta(seconds=seconds)
    except OverflowError:
        return None
    if not 1970 < dt.year < 2200:  # 0, or written against the wrong epoch
        return None
    dt = dt.replace(microsecond=0)
    return dt.isoformat(), dt.strftime("%Y:%m:%d %H:%M:%S")


def _parse_iso6709(text: str, info: ContainerInfo) -> None:
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


# --- MP4 / QuickTime / 3GP (ISO base media file format) -------------------------------

_MP4_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            raise ValueError(f"bad size in box {kind!r}")
        yield kind, pos + header, min(pos + size, end)
        pos += size


def _child(data: bytes, start: int, end: int, *path: bytes) -> tuple[int, int] | None:
    for name in path:
        for kind, s, e in _boxes(data, start, end):
            if kind == name:
                start, end = s, e
                break
        else:
            return None
    return start, end


def _read_mp4(f: BinaryIO, size: int, info: ContainerInfo) -> None:
    pos, moov = 0, None
    while pos + 8 <= size:
        f.seek(pos)
        header = f.read(16)
        box_size, kind = struct.unpack_from(">I4s", header)
        header_len = 8
        if box_size == 1 and len(header) == 16:
            box_size, header_len = struct.unpack_from(">Q", header, 8)[0], 16
        elif box_size == 0:
            box_size = size - pos
        if box_size < header_len:
            info.problems.append(f"corrupt box header at byte {pos}")
            break
        if pos + box_size > size:
            name = kind.decode("latin-1")
            info.problems.append(f"file is truncated: its '{name}' box ends past the end")
        if kind == b"moov" and moov is None:
            f.seek(pos + header_len)
            moov = f.read(min(box_size - header_len, MAX_HEADER))
        pos += box_size
    if moov is None:
        info.problems.append("no 'moov' box (truncated, or the recording never finished)")
        return
    mvhd_date = None
    for kind, s, e in _boxes(moov, 0, len(moov)):
        if kind == b"mvhd":
            mvhd_date = _mvhd(moov, s, info)
        elif kind == b"trak":
            _trak(moov, s, e, info)
        elif kind == b"udta":
            _udta(moov, s, e, info)
        elif kind == b"meta":
            _meta(moov, s, e, info)
    if mvhd_date:  # UTC by the spec, so a phone's local capture time (rank 0) wins
        info.offer_date(mvhd_date[0], mvhd_date[1], 2)


def _mvhd(data: bytes, s: int, info: ContainerInfo) -> tuple[str, str] | None:
    if data[s] == 1:
        created, _, scale, duration = struct.unpack_from(">QQIQ", data, s + 4)
        unknown = 0xFFFFFFFFFFFFFFFF
    else:
        created, _, scale, duration = struct.unpack_from(">IIII", data, s + 4)
        unknown = 0xFFFFFFFF
    if scale and 0 < duration < unknown:
        info.duration = duration / scale
    return _utc(_EPOCH_1904, created) if created else None


def _trak(data: bytes, s: int, e: int, info: ContainerInfo) -> None:
    info.streams += 1
    hdlr = _child(data, s, e, b"mdia", b"hdlr")
    if not hdlr or data[hdlr[0] + 8 : hdlr[0] + 12] != b"vide" or info.width is not None:
        return  # only the first video track describes the video
    tkhd = _child(data, s, e, b"tkhd")
    if tkhd:
        at = tkhd[0] + 4 + (32 if data[tkhd[0]] == 1 else 20) + 16
        a, b = struct.unpack_from(">2i", data, at)  # matrix: rotation is atan2(b, a)
        width, height = struct.unpack_from(">II", data, at + 36)
        info.width, info.height = (width >> 16) or None, (height >> 16) or None
        rotation = round(math.degrees(math.atan2(b, a))) % 360
        if rotation in (90, 180, 270):
            info.rotation = rotation
    stbl = _child(data, s, e, b"mdia", b"minf", b"stbl")
    if not stbl:
        return
    stsd = _child(data, *stbl, b"stsd")
    if stsd and struct.unpack_from(">I", data, stsd[0] + 4)[0]:
        entry = stsd[0] + 8
        info.codec = codec_name(data[entry + 4 : entry + 8])
        if info.width is None:  # tkhd said 0: take the coded size from the sample entry
            width, height = struct.unpack_from(">HH", data, entry + 32)
            info.width, info.height = width or None, height or None
    stts, mdhd = _child(data, *stbl, b"stts"), _child(data, s, e, b"mdia", b"mdhd")
    if stts and mdhd:
        count = struct.unpack_from(">I", data, stts[0] + 4)[0]
        pairs = struct.unpack_from(f">{2 * count}I", data, stts[0] + 8)
        frames, ticks = (
            sum(pairs[0::2]),
            sum(n * d for n, d in zip(pairs[0::2], pairs[1::2], strict=True)),
        )
        scale = struct.unpack_from(">I", data, mdhd[0] + (20 if data[mdhd[0]] == 1 else 12))[0]
        if frames and ticks:
            info.frame_rate = frames * scale / ticks


# QuickTime user-data atoms and Apple metadata keys that carry a date, place or camera.
_DATE_KEYS = {"com.apple.quicktime.creationdate": 0, "©day": 1}
_PLACE_KEYS = {"com.apple.quicktime.location.ISO6709", "©xyz"}
_MAKE_KEYS = {"com.apple.quicktime.make", "©mak"}
_MODEL_KEYS = {"com.apple.quicktime.model", "©mod"}


def _note_text(name: str, text: str, info: ContainerInfo) -> None:
    text = text.strip("\0 ")
    if not text:
        return
    if name in _DATE_KEYS:
        info.offer_date(iso_date(text), text, _DATE_KEYS[name])
    elif name in _PLACE_KEYS and info.lat is None:
        _parse_iso6709(text, info)
    elif name in _MAKE_KEYS:
        info.make = info.make or text
    elif name in _MODEL_KEYS:
        info.model = info.model or text


def _udta(data: bytes, s: int, e: int, info: ContainerInfo) -> None:
    for kind, bs, be in _boxes(data, s, e):
        if kind == b"meta":
            _meta(data, bs, be, info)
        elif kind[:1] == b"\xa9" and be - bs > 4:
            # QuickTime text atom: 16-bit length, 16-bit language, text
            length = struct.unpack_from(">H", data, bs)[0]
            text = data[bs + 4 : min(bs + 4 + length, be)]
            _note_text(kind.decode("latin-1"), text.decode("utf-8", "replace"), info)


def _meta(data: bytes, s: int, e: int, info: ContainerInfo) -> None:
    if data[s + 4 : s + 8] != b"hdlr":  # ISO 'meta' is a full box; QuickTime's is not
        s += 4
    keys: list[str] = []
    for kind, bs, be in _boxes(data, s, e):
        if kind == b"keys":
            for _, ks, ke in _boxes(data, bs + 8, be):  # each key: size, namespace, name
                keys.append(data[ks:ke].decode("utf-8", "replace"))
        elif kind == b"ilst":
            for item, items, iteme in _boxes(data, bs, be):
                index = int.from_bytes(item, "big")
                name = keys[index - 1] if 0 < index <= len(keys) else item.decode("latin-1")
                for dkind, ds, de in _boxes(data, items, iteme):
                    # 'data': 32-bit type (1 = UTF-8), 32-bit locale, value
                    if dkind == b"data" and struct.unpack_from(">I", data, ds)[0] == 1:
                        _note_text(name, data[ds + 8 : de].decode("utf-8", "replace"), info)


# --- Matroska / WebM (EBML) -------------------------------------------------------------

_EPOCH_2001 = datetime(2001, 1, 1, tzinfo=UTC)
_SEGMENT, _INFO, _TRACKS, _CLUSTER = 0x18538067, 0x1549A966, 0x1654AE6B, 0x1F43B675
_MKV_CODECS = {
    "V_MPEG4/ISO/AVC": "h264", "V_MPEGH/ISO/HEVC": "hevc", "V_VP8": "vp80", "V_VP9": "vp90",
    "V_AV1": "av01", "V_MJPEG": "mjpg", "V_MPEG1": "mpgv", "V_MPEG2": "mpgv",
    "V_MPEG4/ISO/ASP": "mp4v", "V_THEORA": "theo",
}  # fmt: skip


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length integer at pos: (value, length); None for 'unknown size'."""
    length = 9 - data[pos].bit_length()
    if length > 8:
        raise ValueError("invalid EBML number")
    if len(data) < pos + length:
        raise EOFError("EBML number cut off")
    value = int.from_bytes(data[pos : pos + length], "big")
    if keep_marker:  # element IDs keep their length marker
        return value, length
    value &= (1 << (7 * length)) - 1
    return (None if value == (1 << (7 * length)) - 1 else value), length


def _elements(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(element ID, payload start, payload end) of the EBML elements in data[start:end]."""
    pos = start
    while pos < end:
        eid, n = _vint(data, pos, True)
        size, m = _vint(data, pos + n, False)
        s = pos + n + m
        e = end if size is None else min(s + size, end)
        yield eid, s, e
        pos = e


def _read_mkv(f: BinaryIO, size: int, info: ContainerInfo) -> None:
    pos = 0
    while pos < size:  # top level: the EBML header, then the Segment
        f.seek(pos)
        head = f.read(12)
        eid, n = _vint(head, 0, True)
        length, m = _vint(head, n, False)
        pos += n + m
        if eid == _SEGMENT:
            end = size if length is None else pos + length
            if end > size:
                info.problems.append("file is truncated: its Segment ends past the end")
            _mkv_segment(f, pos, min(end, size), info)
            return
        if length is None:
            break
        pos += length
    info.problems.append("no Matroska Segment found")


def _mkv_segment(f: BinaryIO, pos: int, end: int, info: ContainerInfo) -> None:
    while pos < end:
        f.seek(pos)
        head = f.read(12)
        eid, n = _vint(head, 0, True)
        length, m = _vint(head, n, False)
        pos += n + m
        if eid == _CLUSTER or length is None:
            return  # Info and Tracks come before the media data
        if eid in (_INFO, _TRACKS):
            f.seek(pos)
            data = f.read(min(length, MAX_HEADER))
            (_mkv_info if eid == _INFO else _mkv_tracks)(data, info)
        pos += length


def _uint(data: bytes, s: int, e: int) -> int:
    return int.from_bytes(data[s:e], "big")


def _mkv_info(data: bytes, info: ContainerInfo) -> None:
    scale, duration = 1_000_000, None
    for eid, s, e in _elements(data, 0, len(data)):
        if eid == 0x2AD7B1:  # TimestampScale, ns per tick
            scale = _uint(data, s, e)
        elif eid == 0x4489:  # Duration in ticks, a float
            duration = struct.unpack(">f" if e - s == 4 else ">d", data[s:e])[0]
        elif eid == 0x4461:  # DateUTC, ns since 2001-01-01 UTC
            ns = int.from_bytes(data[s:e], "big", signed=True)
            date = _utc(_EPOCH_2001, ns / 1e9)
            if date:
                info.offer_date(date[0], date[1] + "Z", 1)
    if duration and duration > 0:
        info.duration = duration * scale / 1e9


def _mkv_tracks(data: bytes, info: ContainerInfo) -> None:
    for eid, s, e in _elements(data, 0, len(data)):
        if eid != 0xAE:  # TrackEntry
            continue
        info.streams += 1
        fields = {i: (ts, te) for i, ts, te in _elements(data, s, e)}
        if 0x83 not in fields or _uint(data, *fields[0x83]) != 1 or info.width is not None:
            continue  # not the first video track
        if 0x86 in fields:
            codec_id = data[slice(*fields[0x86])].decode("ascii", "replace").strip("\0")
            info.codec = _MKV_CODECS.get(codec_id, codec_id.removeprefix("V_").lower())
        if 0x23E383 in fields:  # DefaultDuration, ns per frame
            ns = _uint(data, *fields[0x23E383])
            info.frame_rate = 1e9 / ns if ns else None
        if 0xE0 in fields:
            video = {i: _uint(data, ts, te) for i, ts, te in _elements(data, *fields[0xE0])}
            info.width, info.height = video.get(0xB0), video.get(0xBA)


# --- AVI (RIFF) -------------------------------------------------------------------------


def _chunks(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """RIFF chunks: (fourcc, or 'LIST'+list type, payload start, payload end)."""
    pos = start
    while pos + 8 <= end:
        fourcc, size = struct.unpack_from("<4sI", data, pos)
        s = pos + 8
        if fourcc == b"LIST":
            fourcc, s = b"LIST" + data[s : s + 4], s + 4
        yield fourcc, s, min(pos + 8 + size, end)
        pos += 8 + size + (size & 1)


def _read_avi(f: BinaryIO, size: int, info: ContainerInfo) -> None:
    f.seek(0)
    riff_size = struct.unpack("<4sI4s", f.read(12))[1]
    if riff_size + 8 > size:
        info.problems.append("file is truncated: its RIFF header says it is longer")
    pos, end = 12, min(size, riff_size + 8)
    while pos + 12 <= end:  # top-level chunks: LIST hdrl, LIST movi (skipped), LIST INFO
        f.seek(pos)
        fourcc, chunk_size, list_type = struct.unpack("<4sI4s", f.read(12))
        if fourcc == b"LIST" and list_type in (b"hdrl", b"INFO"):
            data = f.read(min(chunk_size - 4, MAX_HEADER))
            for kind, s, e in _chunks(data, 0, len(data)):
                text = data[s:e].split(b"\0")[0].decode("latin-1").strip()
                if kind == b"IDIT":  # DateTimeOriginal, e.g. "Sat Aug 28 12:34:56 2010"
                    info.offer_date(_ctime_date(text) or iso_date(text), text, 0)
                elif kind == b"ICRD":  # DateCreated
                    info.offer_date(iso_date(text), text, 3)
            if list_type == b"hdrl":
                _avi_hdrl(data, info)
        pos += 8 + chunk_size + (chunk_size & 1)


def _ctime_date(text: str) -> str | None:
    try:
        return datetime.strptime(text, "%a %b %d %H:%M:%S %Y").isoformat()
    except ValueError:
        return None


def _avi_hdrl(data: bytes, info: ContainerInfo) -> None:
    usec_per_frame = total_frames = 0
    for kind, s, e in _chunks(data, 0, len(data)):
        if kind == b"avih":
            usec_per_frame, _, _, _, total_frames = struct.unpack_from("<5I", data, s)
            info.width, info.height = struct.unpack_from("<II", data, s + 32)
        elif kind == b"LISTodml":  # OpenDML (>1 GB): avih counts the first RIFF only
            for sub, ss, _ in _chunks(data, s, e):
                if sub == b"dmlh":
                    total_frames = max(total_frames, struct.unpack_from("<I", data, ss)[0])
        elif kind == b"LISTstrl":
            info.streams += 1
            parts = {sub: (ss, se) for sub, ss, se in _chunks(data, s, e)}
            if b"strh" not in parts or data[parts[b"strh"][0] : parts[b"strh"][0] + 4] != b"vids":
                continue
            strh = parts[b"strh"][0]
            scale, rate = struct.unpack_from("<II", data, strh + 20)
            if scale and rate and info.frame_rate is None:
                info.frame_rate = rate / scale
            if b"strf" in parts and info.codec is None:  # BITMAPINFOHEADER.biCompression
                strf = parts[b"strf"][0]
                info.codec = codec_name(data[strf + 16 : strf + 20])
                if not info.width:
                    width, height = struct.unpack_from("<ii", data, strf + 4)
                    info.width, info.height = width, abs(height)
    # exiftool's figure: frames x the main header's frame period
    if usec_per_frame and total_frames:
        info.duration = total_frames * usec_per_frame / 1e6
    if not info.width:
        info.width = info.height = None
