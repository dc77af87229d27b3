"""MPEG program streams (.mpg, .vob) and raw MPEG video streams (.m1v, .m2v).

libvlc's preparser often finds no stream in a program stream at all, and exiftool gives
no duration for a variable-bitrate one (only an estimate from the bitrate for others).
So this reads the start of the file for the video's sequence header (MPEG-1/2) or SPS
(H.264) and the first presentation timestamps (PTS), and a bounded window at the end for
the last ones: the duration is first to last PTS plus one frame, as ffprobe measures it.

A program stream has no length of its own either: it is packs, each a pack header and
packets that state their lengths. The walk through the last window tells a last packet
cut short (an error) from bytes after the last pack, or after the end code (a note).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from luna_desktop.media.container_info import (
    CLOCK_WRAP,
    ContainerInfo,
    byte_rate,
    checked_duration,
    elapsed,
)
from luna_desktop.media.info import bytes_after_end
from luna_desktop.media.mpegts import find_sequence_header, find_sps

HEAD_WINDOW = 256 << 10  # the start read for headers, first timestamps and the bitrate…
MAX_HEAD = 1 << 20  # …widened to this if the video's header was not in it
TAIL_WINDOW = 256 << 10  # the end read for the last timestamps…
MAX_TAIL = 1 << 20  # …widened to this until every stream's last one is in it
PTS_HZ = 90_000
PACK, END_CODE = 0xBA, 0xB9
_SKEW_S = 2  # streams' stamps at one place in a file lie within this of each other
_NO_PES_HEADER = {0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF}  # map, padding, private 2…


def is_program_stream(head: bytes) -> bool:
    return head[:4] == b"\x00\x00\x01\xba"


def is_video_stream(head: bytes) -> bool:
    return head[:4] == b"\x00\x00\x01\xb3"


def read_ps(f: BinaryIO, size: int, info: ContainerInfo) -> None:
    head = _Walk()
    f.seek(0)
    data = f.read(HEAD_WINDOW)
    while True:
        head.walk(data, 0, info=info)
        if head.video_found or len(data) >= min(size, MAX_HEAD):
            break
        data += f.read(min(size, MAX_HEAD) - len(data))
        head = _Walk()
    info.streams = len(head.streams)
    # MPEG audio streams are C0-DF; private stream 1 (BD) carries a DVD's AC-3 or LPCM.
    audio = sorted(code for code in head.streams if 0xC0 <= code <= 0xDF or code == 0xBD)
    info.has_audio = bool(audio)
    if audio:
        info.audio_codec = "mpga" if audio[0] != 0xBD else "a52"
    if len(data) >= size:
        tail = head  # the head already reached the end
        tail.end_problem(size, len(data), info)
    else:
        tail = _read_tail(f, size, set(head.stamped), info)
        if tail is None:
            return
    if not head.pts or not tail.pts:
        return
    first, last = _extreme(head.pts, 0, min), _extreme(tail.pts, -1, max)
    ticks = elapsed(first[1], last[1])
    scrs = head.scr + [r for r in tail.scr if not head.scr or r[0] > head.scr[-1][0]]
    rate = byte_rate(scrs, PTS_HZ)
    if not ticks or (ticks >= CLOCK_WRAP // 2 and rate is None):
        return  # one stamp, or the last is before the first and no rate to mend it by
    frame = 1 / info.frame_rate if info.frame_rate else 0.0  # the last frame's own time
    info.duration = checked_duration(ticks / PTS_HZ, last[0] - first[0], rate, info) + frame


def _read_tail(f: BinaryIO, size: int, streams: set[int], info: ContainerInfo) -> _Walk | None:
    """Walk a window at the end, widened until it holds a timestamp of each of `streams`.

    Muxers send video well ahead of audio (ffmpeg by most of a second), so the last
    packets may all be one stream's; and only a frame's first packet has a timestamp.
    """
    window = TAIL_WINDOW
    while True:
        start = max(size - window, 0)
        f.seek(start)
        data = f.read(size - start)
        sync = _first_pack(data)
        if sync is None:
            info.problems.append(f"no MPEG pack in the last {len(data)} bytes (corrupt?)")
            return None
        tail = _Walk()
        tail.walk(data, sync, base=start)
        if streams <= set(tail.stamped) or start == 0 or window >= MAX_TAIL:
            tail.end_problem(size, start + len(data), info)
            return tail
        window *= 4


def read_video_stream(f: BinaryIO, size: int, info: ContainerInfo) -> None:
    """A bare MPEG-1/2 video stream: its sequence header, and no timestamps at all."""
    f.seek(0)
    info.streams, info.codec, info.duration_unstated = 1, "mpgv", True
    if not find_sequence_header(f.read(min(size, 4096)), info):
        info.problems.append("no whole MPEG sequence header at the start")


def _extreme(readings: list[tuple[int, int]], at: int, pick: Callable = min) -> tuple[int, int]:
    """The earliest (or latest) stamp among those near readings[at] in the file.

    Streams are interleaved a second or so apart, and frames reordered, so the first
    stamp in the file need not be the earliest; but a stamp far off is another clock
    (a file joined on), not this part's start or end.
    """
    ref = readings[at][1]
    near = [r for r in readings if abs(_signed(elapsed(ref, r[1]))) <= _SKEW_S * PTS_HZ]
    return pick(near, key=lambda r: _signed(elapsed(ref, r[1])))


def _signed(ticks: int) -> int:
    """A wrapped clock difference as -2**32 … 2**32: which of two readings comes first."""
    return ticks - CLOCK_WRAP if ticks >= CLOCK_WRAP // 2 else ticks


def _first_pack(data: bytes, start: int = 0) -> int | None:
    """The first pack header in `data` from `start` that really is one (its marker bits
    are set)."""
    at = data.find(b"\x00\x00\x01\xba", start)
    while at >= 0:
        if _pack_length(data, at):
            return at
        at = data.find(b"\x00\x00\x01\xba", at + 1)
    return None


def _pack_length(data: bytes, at: int) -> int | None:
    """The length of the pack header at `at` (MPEG-2: 14 + stuffing, MPEG-1: 12), or None
    if its marker bits say it is not one (or it is cut off)."""
    b = data[at + 4 : at + 14]
    if len(b) >= 10 and b[0] & 0xC4 == 0x44 and b[2] & 4 and b[4] & 4 and b[5] & 1:
        return 14 + (b[9] & 7)
    if len(b) >= 8 and b[0] & 0xF1 == 0x21 and b[2] & 1 and b[4] & 1 and b[5] & 0x80:
        return 12
    return None


def _timestamp(b: bytes) -> int:
    """A 33-bit PTS, or MPEG-1 SCR, from its five bytes (3 + 15 + 15 bits, markers)."""
    return (b[0] >> 1 & 7) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1


def _mpeg2_scr(b: bytes) -> int:
    """The 33-bit base of an MPEG-2 SCR (90 kHz), from pack header bytes 4 to 8."""
    return (
        (b[0] >> 3 & 7) << 30
        | (b[0] & 3) << 28
        | b[1] << 20
        | (b[2] >> 3) << 15
        | (b[2] & 3) << 13
        | b[3] << 5
        | b[4] >> 3
    )


class _Walk:
    """What one pass over a run of packs finds: (byte position, clock) readings of SCR
    and PTS, the streams, the video's headers, and where the walk stopped."""

    def __init__(self) -> None:
        self.scr: list[tuple[int, int]] = []
        self.pts: list[tuple[int, int]] = []
        self.streams: set[int] = set()
        self.stamped: set[int] = set()  # the streams that had a PTS
        self.video_id: int | None = None
        self.video_found = False
        self.es = bytearray()
        self.stop = 0  # where the last whole unit ends (relative to the file)
        self.overrun = False  # the last unit's stated length runs past the data

    def walk(self, data: bytes, pos: int, base: int = 0, info: ContainerInfo | None = None) -> None:
        """Walk the units from pos; with `info`, also take the video's headers."""
        while pos + 4 <= len(data):
            self.stop = base + pos
            if data[pos : pos + 3] != b"\x00\x00\x01":
                resync = _first_pack(data, pos)
                if resync is None:
                    return  # not a unit, and no pack after: the stream ended here
                pos = resync
                continue
            code = data[pos + 3]
            if code == END_CODE:
                self.stop = base + pos + 4
                return
            if code == PACK:
                length = _pack_length(data, pos)
                if length is None:
                    self.overrun = len(data) - pos < 14
                    return
                b = data[pos + 4 : pos + 9]
                scr = _mpeg2_scr(b) if b[0] & 0xC0 == 0x40 else _timestamp(b)
                self.scr.append((base + pos, scr))
            elif code >= 0xBB:
                if pos + 6 > len(data):
                    self.overrun = True
                    return
                length = 6 + int.from_bytes(data[pos + 4 : pos + 6], "big")
                if code not in _NO_PES_HEADER and code != 0xBB:
                    self._pes(data, pos, min(pos + length, len(data)), base, info)
            else:
                return  # a video start code outside any packet: not a program stream
            if pos + length > len(data):
                self.overrun = True
                return
            pos += length
        self.stop = base + pos

    def _pes(self, data: bytes, pos: int, end: int, base: int, info: ContainerInfo | None) -> None:
        code = data[pos + 3]
        if 0xC0 <= code <= 0xEF or code == 0xBD:  # audio, video, private 1 (AC-3 on DVD)
            self.streams.add(code)
        at, pts = _pes_header(data, pos + 6, end)
        if pts is not None:
            self.pts.append((base + pos, pts))
            self.stamped.add(code)
        if info is None or self.video_found or not 0xE0 <= code <= 0xEF:
            return
        if self.video_id is None:
            self.video_id = code
        if code == self.video_id and len(self.es) < MAX_HEAD:
            self.es += data[at:end]
            if find_sequence_header(self.es, info):
                self.video_found, info.codec = True, "mpgv"
            elif find_sps(self.es, info) is not None:
                self.video_found, info.codec = True, "h264"

    def end_problem(self, size: int, read_to: int, info: ContainerInfo) -> None:
        """Judge how the stream ends, from a walk that reached `read_to` (the file's end)."""
        if read_to < size:
            return
        if self.overrun:
            info.problems.append("file is truncated: its last MPEG packet is cut short")
        elif self.stop < size:
            info.notes.append(bytes_after_end(size - self.stop, "video"))


def _pes_header(data: bytes, at: int, end: int) -> tuple[int, int | None]:
    """(where the payload starts, the PTS or None) of a PES packet's header at `at`."""
    if at < end and data[at] & 0xC0 == 0x80:  # MPEG-2: flags, header length, fields
        if at + 3 > end:
            return end, None
        payload = at + 3 + data[at + 2]
        has_pts = data[at + 1] & 0x80 and at + 8 <= end
        return payload, _timestamp(data[at + 3 : at + 8]) if has_pts else None
    while at < end and data[at] == 0xFF:  # MPEG-1: stuffing, buffer size, then stamps
        at += 1
    if at < end and data[at] & 0xC0 == 0x40:
        at += 2
    if at + 5 <= end and data[at] & 0xE0 == 0x20:  # '0010' PTS, or '0011' PTS and DTS
        return at + (10 if data[at] & 0x10 else 5), _timestamp(data[at : at + 5])
    return at + 1, None  # '0000 1111': no stamps
