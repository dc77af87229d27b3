"""What video containers state about themselves, read from their headers only.

libvlc does not expose a container's creation date or location, reports no size for some
streams and a short duration for some AVI files. These readers take just the structures
that carry those values (MP4/QuickTime `moov` via `mp4`, Matroska `Info`/`Tracks`, AVI
`hdrl`, MPEG-TS via `mpegts`, MPEG program streams via `mpegps`), seek past media data
and never read a whole file. The values are what exiftool reports, which is what the
corpus truth was made with.

Each reader also tells a file cut short (an entry in `problems`) from a whole one with
bytes after the end of its video (an entry in `notes`, worded by `bytes_after_end`).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from luna_desktop.media import mp4, mpegps, mpegts
from luna_desktop.media.container_info import (
    MAX_HEADER,
    ContainerInfo,
    codec_name,
    iso_date,
    utc_date,
)
from luna_desktop.media.info import bytes_after_end

__all__ = ["ContainerInfo", "codec_name", "iso_date", "read_container"]


def read_container(path: bytes | str) -> ContainerInfo | None:
    """Parse a known container's header; None if the format is not one we read.

    Corrupt structures become `problems`, keeping what was read; OSError propagates.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(400)
        if head[4:8] in mp4.FIRST_BOXES:
            info, reader = ContainerInfo("mp4"), mp4.read_mp4
        elif head[:4] == b"\x1a\x45\xdf\xa3":
            info, reader = ContainerInfo("mkv"), _read_mkv
        elif head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
            info, reader = ContainerInfo("avi"), _read_avi
        elif mpegts.packet_layout(head):
            info, reader = ContainerInfo("m2ts"), mpegts.read_m2ts
        elif mpegps.is_program_stream(head):
            info, reader = ContainerInfo("mpegps"), mpegps.read_ps
        elif mpegps.is_video_stream(head):
            info, reader = ContainerInfo("mpegv"), mpegps.read_video_stream
        else:
            return None
        try:
            reader(f, size, info)
        except (struct.error, ValueError, IndexError, OverflowError, EOFError) as exc:
            info.problems.append(f"corrupt {info.format} header ({exc or type(exc).__name__})")
    return info


# --- Matroska / WebM (EBML) -------------------------------------------------------------

_EPOCH_2001 = datetime(2001, 1, 1, tzinfo=UTC)
_SEGMENT, _INFO, _TRACKS, _CLUSTER = 0x18538067, 0x1549A966, 0x1654AE6B, 0x1F43B675
# Audio CodecIDs (before any "/" variant), named as libvlc names them.
_MKV_AUDIO = {
    "A_AAC": "mp4a", "A_MPEG": "mpga", "A_AC3": "a52", "A_EAC3": "eac3", "A_DTS": "dts",
    "A_VORBIS": "vorb", "A_OPUS": "opus", "A_FLAC": "flac", "A_PCM": "araw",
}  # fmt: skip
# AVI WAVEFORMATEX format tags, likewise.
_WAVE_FORMATS = {
    0x0001: "araw", 0x0002: "ms\x00\x02", 0x0011: "ms\x00\x11", 0x0050: "mpga",
    0x0055: "mpga", 0x00FF: "mp4a", 0x2000: "a52", 0x2001: "dts",
}  # fmt: skip
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
            if end < size:  # the Segment holds all of the video; the rest is not part of it
                info.notes.append(bytes_after_end(size - end, "video"))
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
            date = utc_date(_EPOCH_2001, ns / 1e9)
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
        kind = _uint(data, *fields[0x83]) if 0x83 in fields else None
        if kind == 2 and info.audio_codec is None and 0x86 in fields:  # the first audio track
            codec_id = data[slice(*fields[0x86])].decode("ascii", "replace").strip("\0")
            info.audio_codec = _MKV_AUDIO.get(codec_id.split("/")[0], codec_id.lower())
        info.has_audio = info.audio_codec is not None
        if kind != 1 or info.width is not None:
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
    pos = 0
    # A RIFF 'AVI ' chunk, then (OpenDML, over 1 GB) a RIFF 'AVIX' for each further part.
    while pos + 12 <= size:
        f.seek(pos)
        fourcc, riff_size, form = struct.unpack("<4sI4s", f.read(12))
        if fourcc != b"RIFF" or form not in (b"AVI ", b"AVIX"):
            break  # not part of the AVI
        end = pos + 8 + riff_size
        if pos == 0:
            _avi_headers(f, min(size, end), info)
        if end > size:
            info.problems.append("file is truncated: its RIFF header says it is longer")
            return
        pos = end + (riff_size & 1)  # chunks are padded to an even length
    if pos < size:
        info.notes.append(bytes_after_end(size - pos, "video"))


def _avi_headers(f: BinaryIO, end: int, info: ContainerInfo) -> None:
    pos = 12
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
            stream_type = (
                data[parts[b"strh"][0] : parts[b"strh"][0] + 4] if b"strh" in parts else b""
            )
            if stream_type == b"auds" and info.audio_codec is None and b"strf" in parts:
                (tag,) = struct.unpack_from("<H", data, parts[b"strf"][0])
                info.audio_codec = _WAVE_FORMATS.get(tag, f"0x{tag:04x}")
            if stream_type != b"vids":
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
    info.has_audio = info.audio_codec is not None
    # exiftool's figure: frames x the main header's frame period
    if usec_per_frame and total_frames:
        info.duration = total_frames * usec_per_frame / 1e6
    if not info.width:
        info.width = info.height = None
