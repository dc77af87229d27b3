"""The duration of an MPEG audio file (MP3, MP2, MP1) from its first frame, without Qt.

libvlc and exiftool estimate an MP3's duration from the first frame's bit rate. That
first frame is, in nearly every MP3 made today, not audio at all but the Xing/"Info"
frame LAME writes (ffmpeg too), whose bit rate is whatever fitted the tag, so a 30 s
mono file comes out at 34.4 s. The tag itself states how many frames the file holds,
which gives the exact duration: frames × samples per frame / sample rate.

What is read: after any ID3v2 tags (whose size the header states, plus 10 bytes for a
v2.4 footer), the first MPEG audio frame within `_MAX_JUNK` bytes whose next frame
follows where its length says (a lone 0xFFE… in junk or in a tag is no frame). Its
header gives the version (1, 2, 2.5), layer (I, II, III), bit rate, sample rate,
padding and channel mode; a Layer III frame may then hold

- a Xing tag ("Xing" for VBR, "Info" for CBR) after the side information (17 or 32
  bytes in MPEG-1, 9 or 17 in MPEG-2/2.5, mono or not), with the frame count, and
  possibly LAME's extension with the encoder delay and padding;
- a Fraunhofer VBRI tag 32 bytes after the header, with the frame count.

The frame count excludes the tag's own frame, as ffmpeg counts. A file shorter than the
stream size its tag states, or than its frame count at the lowest bit rate, was cut
short (truncated, or its tag is corrupt): the result still has the duration the tag
states (as ffprobe has), with `cut_short` set and `stream_bytes` against `stated_bytes`
saying how much of the stream is there; the caller reports the damage. Without a tag,
a file whose frames all have one bit rate (CBR) lasts its audio bytes (the file
less the ID3v2 tags, junk before the first frame, and an ID3v1 or APE tag at the end)
× 8 / bit rate; a VBR file without a tag has no exact duration short of reading every
frame, so None.

`duration` counts every frame, as ffprobe reports it. The encoder delay and padding
LAME records are the silence its encoder added at the start and end; `gapless_duration`
leaves them out, which is what ffmpeg's decoder actually outputs.

At most the first `_WINDOW` bytes after the ID3v2 tags and the last `_TAIL` bytes are
read. Nothing here raises for a bad file: it gives None.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "FrameHeader",
    "Mp3Info",
    "id3v2_length",
    "mp3_info_from_bytes",
    "parse_frame_header",
    "read_mp3",
]

_WINDOW = 64 * 1024  # read after the ID3v2 tags: the first frames, junk before them
_MAX_JUNK = 32 * 1024  # bytes searched for the first frame
_TAIL = 128 + 32  # an ID3v1 tag, and the footer of an APE tag before it
_MAX_ID3V2_TAGS = 8  # chained tags a writer left one after another

_VERSIONS = {0: "2.5", 2: "2", 3: "1"}  # 1 is reserved
_LAYERS = {1: 3, 2: 2, 3: 1}  # 0 is reserved
_SAMPLE_RATES = {
    "1": (44100, 48000, 32000),
    "2": (22050, 24000, 16000),
    "2.5": (11025, 12000, 8000),
}
# kbit/s by bit rate index 1–14 (0 is free format, 15 is invalid).
_BITRATES = {
    ("1", 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    ("1", 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    ("1", 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    ("2", 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    ("2", 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    ("2", 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
CHANNEL_MODES = ("stereo", "joint stereo", "dual channel", "mono")
# Encoders whose Xing frame carries LAME's extension (the ones ffmpeg trusts).
_LAME_ENCODERS = (b"LAME", b"Lavf", b"Lavc")


@dataclass(frozen=True)
class FrameHeader:
    """The four bytes that start an MPEG audio frame."""

    version: str  # "1", "2" or "2.5"
    layer: int  # 1, 2 or 3
    bitrate: int  # bit/s
    sample_rate: int  # Hz
    padding: bool
    channel_mode: str  # one of CHANNEL_MODES
    protected: bool  # a 16-bit CRC follows the header

    @property
    def channels(self) -> int:
        return 1 if self.channel_mode == "mono" else 2

    @property
    def samples_per_frame(self) -> int:
        if self.layer == 1:
            return 384
        return 1152 if self.layer == 2 or self.version == "1" else 576

    @property
    def frame_length(self) -> int:
        """Bytes from this header to the next one."""
        if self.layer == 1:
            return (12 * self.bitrate // self.sample_rate + self.padding) * 4
        return self.samples_per_frame // 8 * self.bitrate // self.sample_rate + self.padding

    @property
    def side_info_length(self) -> int:
        """Layer III side information after the header (and CRC): where a Xing tag is."""
        if self.version == "1":
            return 17 if self.channel_mode == "mono" else 32
        return 9 if self.channel_mode == "mono" else 17


@dataclass(frozen=True)
class Mp3Info:
    """What the first frame and its tag say about an MPEG audio file."""

    # The first frame's header. A Xing or VBRI tag's frame has the file's version, layer,
    # sample rate and channel count, but a bit rate that fits the tag, and may say
    # "stereo" where the audio frames say "joint stereo".
    header: FrameHeader
    offset: int  # of the first frame in the file
    duration: float  # seconds, every frame counted (as ffprobe reports it)
    source: str  # "xing", "info" (LAME's CBR tag), "vbri" or "cbr" (bytes over bit rate)
    frames: int | None = None  # audio frames the tag states
    encoder_delay: int = 0  # samples of encoder silence at the start (LAME's extension)
    encoder_padding: int = 0  # and at the end
    # The file ends before the frames its tag counts (truncated, or a corrupt tag):
    # `duration` is still the tag's, the length the recording was meant to have.
    cut_short: bool = False
    stated_bytes: int = 0  # the MPEG stream's size the tag states (0: not stated)
    stream_bytes: int = 0  # the file's bytes from the first frame to the end of the audio

    @property
    def gapless_duration(self) -> float:
        """The duration less the encoder's delay and padding: what a decoder outputs."""
        rate = self.header.sample_rate
        if not self.encoder_delay and not self.encoder_padding:
            return self.duration
        if self.frames:
            samples = self.frames * self.header.samples_per_frame
        else:
            samples = round(self.duration * rate)
        return max(samples - self.encoder_delay - self.encoder_padding, 0) / rate


def parse_frame_header(data: bytes, pos: int = 0) -> FrameHeader | None:
    """The frame header at data[pos:pos + 4]; None if those bytes are not one (free
    format, whose frame length no header states, is not one either)."""
    if pos < 0 or len(data) < pos + 4 or data[pos] != 0xFF or data[pos + 1] & 0xE0 != 0xE0:
        return None
    b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
    version = _VERSIONS.get((b1 >> 3) & 3)
    layer = _LAYERS.get((b1 >> 1) & 3)
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if version is None or layer is None or bitrate_index in (0, 15) or rate_index == 3:
        return None
    kbps = _BITRATES[("1" if version == "1" else "2", layer)][bitrate_index - 1]
    return FrameHeader(
        version=version,
        layer=layer,
        bitrate=kbps * 1000,
        sample_rate=_SAMPLE_RATES[version][rate_index],
        padding=bool(b2 & 2),
        channel_mode=CHANNEL_MODES[b3 >> 6],
        protected=not b1 & 1,
    )


def read_mp3(path: bytes | str | os.PathLike) -> Mp3Info | None:
    """The duration and first frame of the MPEG audio file at `path`; None if it holds
    no MPEG audio frame, or a VBR one without a Xing or VBRI tag. Never raises."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            start = 0
            for _ in range(_MAX_ID3V2_TAGS):
                fh.seek(start)
                tag = id3v2_length(fh.read(10))
                if not tag:
                    break
                start += tag
            if start >= size:
                return None
            fh.seek(start)
            window = fh.read(_WINDOW)
            fh.seek(max(0, size - _TAIL))
            tail = fh.read(_TAIL)
    except (OSError, ValueError):  # unreadable; ValueError: a NUL in the path
        return None
    return mp3_info_from_bytes(window, start, tail, size)


def mp3_info_from_bytes(window: bytes, start: int, tail: bytes, size: int) -> Mp3Info | None:
    """`read_mp3` on bytes already read: `window` is the file from `start` (the end of
    its ID3v2 tags), `tail` its last bytes (up to 160), `size` its length."""
    end = size - _trailer_length(tail, size)  # where the audio ends
    found = _first_frame(window, end - start)
    if found is None:
        return None
    pos, header = found
    offset = start + pos
    tag = _xing(window, pos, header) or _vbri(window, pos, header)
    if tag is None:
        if not _constant_bitrate(window, pos, header, end - start):
            return None  # VBR without a tag: only reading every frame would tell
        duration = (end - offset) * 8 / header.bitrate
        return Mp3Info(header, offset, duration, "cbr", stream_bytes=end - offset)
    after_tag = end - offset - header.frame_length  # the audio frames' bytes
    if tag.frames:
        # A tag that describes more than the file holds still gives the duration: the
        # caller says the file is damaged (cut_short) rather than take a shorter guess.
        cut_short = _cut_short(tag, header, after_tag, end)
        duration = tag.frames * header.samples_per_frame / header.sample_rate
        return Mp3Info(
            header, offset, duration, tag.source, tag.frames, tag.delay, tag.padding,
            cut_short=cut_short, stated_bytes=tag.stated_bytes, stream_bytes=end - offset,
        )  # fmt: skip
    following = parse_frame_header(window, pos + header.frame_length)
    if tag.source != "info" or following is None or after_tag <= 0:
        return None  # a VBR tag without a frame count
    # An "Info" (CBR) tag without the count: the frames after it, by their bit rate.
    duration = after_tag * 8 / following.bitrate
    return Mp3Info(header, offset, duration, "cbr", stream_bytes=end - offset)


class _Tag(NamedTuple):
    source: str  # "xing", "info" or "vbri"
    frames: int  # 0: not stated
    stated_bytes: int  # the MPEG stream's size (0: not stated)
    delay: int = 0
    padding: int = 0


def _cut_short(tag: _Tag, header: FrameHeader, after_tag: int, end: int) -> bool:
    """Whether the file ends before the frames its tag counts: it is shorter than the
    stream's stated size, or too short for that many frames at the lowest bit rate."""
    if tag.stated_bytes > end:  # some writers count the ID3v2 tag in, so not `> audio`
        return True
    lowest = FrameHeader(header.version, header.layer, _lowest_bitrate(header),
                         header.sample_rate, False, header.channel_mode, False)  # fmt: skip
    return tag.frames * lowest.frame_length > after_tag


def _lowest_bitrate(header: FrameHeader) -> int:
    return _BITRATES[("1" if header.version == "1" else "2", header.layer)][0] * 1000


def id3v2_length(head: bytes) -> int:
    """The bytes an ID3v2 tag takes (header, body, footer) from its 10-byte header; 0
    if `head` is not the start of one."""
    if len(head) < 10 or head[:3] != b"ID3" or head[3] == 0xFF or head[4] == 0xFF:
        return 0
    body = 0
    for byte in head[6:10]:
        if byte & 0x80:  # a syncsafe integer has seven bits a byte
            return 0
        body = body << 7 | byte
    footer = 10 if head[3] >= 4 and head[5] & 0x10 else 0
    return 10 + body + footer


def _trailer_length(tail: bytes, size: int) -> int:
    """Bytes of ID3v1 and APE tags at the end of the file (from its last bytes)."""
    length = 128 if len(tail) >= 128 and tail[-128:-125] == b"TAG" else 0
    footer = tail[len(tail) - length - 32 : len(tail) - length] if len(tail) >= length + 32 else b""
    if footer[:8] == b"APETAGEX":
        ape = int.from_bytes(footer[12:16], "little")  # items and footer, not the header
        if int.from_bytes(footer[20:24], "little") & 0x80000000:
            ape += 32  # the header
        if ape <= size - length:
            length += ape
    return length


def _first_frame(window: bytes, audio_length: int) -> tuple[int, FrameHeader] | None:
    """The first frame in the window that another of the same stream follows (or that
    ends where the audio does)."""
    last = min(len(window), audio_length) - 4
    last = min(last, _MAX_JUNK)
    pos = window.find(b"\xff", 0, last + 1) if last >= 0 else -1
    while pos >= 0:
        header = parse_frame_header(window, pos)
        if header is not None:
            after = pos + header.frame_length
            if after == audio_length:  # a file of one frame
                return pos, header
            follower = parse_frame_header(window, after)
            if follower is not None and _same_stream(header, follower):
                return pos, header
        pos = window.find(b"\xff", pos + 1, last + 1)
    return None


def _same_stream(a: FrameHeader, b: FrameHeader) -> bool:
    return (a.version, a.layer, a.sample_rate) == (b.version, b.layer, b.sample_rate)


def _xing(window: bytes, pos: int, header: FrameHeader) -> _Tag | None:
    """The Xing or Info tag in the Layer III frame at `pos`, if it has one."""
    if header.layer != 3:
        return None
    frame_end = pos + header.frame_length
    base = pos + 4 + header.side_info_length
    # LAME and ffmpeg put the tag right after the side information; in a CRC-protected
    # frame it may be after the CRC.
    for at in (base, base + 2) if header.protected else (base,):
        if window[at : at + 4] in (b"Xing", b"Info") and at + 8 <= frame_end:
            break
    else:
        return None
    flags = int.from_bytes(window[at + 4 : at + 8], "big")
    fields = [0, 0]  # frames, bytes
    field = at + 8
    for i, (flag, length) in enumerate(((1, 4), (2, 4), (4, 100), (8, 4))):
        if flags & flag:
            if i < 2:
                fields[i] = int.from_bytes(window[field : field + 4], "big")
            field += length
    if field > frame_end:
        return None
    source = "xing" if window[at : at + 4] == b"Xing" else "info"
    # LAME's extension: a 9-byte encoder name, 12 bytes, then the delay and padding in
    # samples as two 12-bit numbers.
    delay = padding = 0
    if window[field : field + 4] in _LAME_ENCODERS and field + 24 <= frame_end:
        both = int.from_bytes(window[field + 21 : field + 24], "big")
        delay, padding = both >> 12, both & 0xFFF
    return _Tag(source, fields[0], fields[1], delay, padding)


def _vbri(window: bytes, pos: int, header: FrameHeader) -> _Tag | None:
    """The Fraunhofer VBRI tag 32 bytes after the header of the Layer III frame at
    `pos`, if it has one: "VBRI", version 1, delay, quality, bytes, frames."""
    at = pos + 4 + 32
    if header.layer != 3 or window[at : at + 4] != b"VBRI" or at + 18 > pos + header.frame_length:
        return None
    if int.from_bytes(window[at + 4 : at + 6], "big") != 1:  # the one version there is
        return None
    stated_bytes = int.from_bytes(window[at + 10 : at + 14], "big")
    return _Tag("vbri", int.from_bytes(window[at + 14 : at + 18], "big"), stated_bytes)


def _constant_bitrate(window: bytes, pos: int, first: FrameHeader, audio_length: int) -> bool:
    """Whether the frames in the window all have the first one's bit rate."""
    while pos + 4 <= min(len(window), audio_length):
        header = parse_frame_header(window, pos)
        if header is None or not _same_stream(first, header):
            break  # damage, or the window's end: the frames so far decide
        if header.bitrate != first.bitrate:
            return False
        pos += header.frame_length
    return True
