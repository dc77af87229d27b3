"""MP4, QuickTime and 3GP (ISO base media file format): what the `moov` box states.

The top-level boxes are walked by their headers only, seeking past `mdat`; only `moov`
is read. That walk also tells a file cut short (a media box that runs past the end, or
sample tables that point past the last whole box) from one that merely has bytes after
its last box (a trailer, padding): the first is an error, the second a note.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from luna_desktop.media.container_info import (
    MAX_HEADER,
    ContainerInfo,
    codec_name,
    iso_date,
    parse_iso6709,
    utc_date,
)
from luna_desktop.media.info import bytes_after_end

FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
# Boxes whose loss means the video itself is incomplete; a box of any other type that
# runs past the end (a vendor's 'uuid', 'free' padding, or trailing bytes that only
# look like a box header) costs nothing of the video.
_MEDIA_BOXES = {b"moov", b"mdat", b"moof"}
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


def _is_box_type(kind: bytes) -> bool:
    """Box types are four printable characters (Apple's text atoms start with ©)."""
    return all(0x20 <= c < 0x7F or c == 0xA9 for c in kind)


def read_mp4(f: BinaryIO, size: int, info: ContainerInfo) -> None:
    """Walk the top-level boxes, read `moov`, and judge how the file ends."""
    pos, moov, overrun = 0, None, None
    while pos + 8 <= size:
        f.seek(pos)
        header = f.read(16)
        box_size, kind = struct.unpack_from(">I4s", header)
        header_len = 8
        if box_size == 1 and len(header) == 16:
            box_size, header_len = struct.unpack_from(">Q", header, 8)[0], 16
        elif box_size == 0 and _is_box_type(kind):
            box_size = size - pos  # "to the end of the file"
        if box_size < header_len or not _is_box_type(kind):
            break  # not a box: the structure ends here
        if kind == b"moov" and moov is None:
            f.seek(pos + header_len)
            moov = f.read(min(box_size - header_len, MAX_HEADER))
        if pos + box_size > size:
            overrun = kind
            break
        pos += box_size
    # `pos` is now where the last whole box ends; anything after it is not a whole box.
    if overrun in _MEDIA_BOXES or (overrun and moov is None):
        name = overrun.decode("latin-1")
        info.problems.append(f"file is truncated: its '{name}' box ends past the end")
    if moov is None:
        if pos < size and not overrun:
            info.problems.append(f"corrupt box header at byte {pos}")
        info.problems.append("no 'moov' box (truncated, or the recording never finished)")
        return
    try:
        last_chunk = _read_moov(moov, info)
    except (struct.error, ValueError, IndexError):
        if overrun != b"moov":
            raise
        return  # a moov cut short fails somewhere: that it is cut short is said above
    if pos < size and overrun not in _MEDIA_BOXES:
        if last_chunk >= pos:  # the sample tables point at data that is not all there
            info.problems.append("file is truncated: its media data runs past the end")
        else:
            info.notes.append(bytes_after_end(size - pos, "video"))


def _read_moov(moov: bytes, info: ContainerInfo) -> int:
    """Fill `info` from the movie box; return the furthest chunk offset of any track."""
    last_chunk = 0
    for kind, s, e in _boxes(moov, 0, len(moov)):
        if kind == b"mvhd":
            date = _mvhd(moov, s, info)
            if date:  # UTC by the spec, so a phone's local capture time (rank 0) wins
                info.offer_date(date[0], date[1], 2)
        elif kind == b"trak":
            last_chunk = max(last_chunk, _trak(moov, s, e, info))
        elif kind == b"udta":
            _udta(moov, s, e, info)
        elif kind == b"meta":
            _meta(moov, s, e, info)
    return last_chunk


def _mvhd(data: bytes, s: int, info: ContainerInfo) -> tuple[str, str] | None:
    if data[s] == 1:
        created, _, scale, duration = struct.unpack_from(">QQIQ", data, s + 4)
        unknown = 0xFFFFFFFFFFFFFFFF
    else:
        created, _, scale, duration = struct.unpack_from(">IIII", data, s + 4)
        unknown = 0xFFFFFFFF
    if scale and 0 < duration < unknown:
        info.duration = duration / scale
    return utc_date(_EPOCH_1904, created) if created else None


def _trak(data: bytes, s: int, e: int, info: ContainerInfo) -> int:
    """Fill in what the first video track states; return where the track's last chunk of
    media data begins (0: no sample table), which tells how far the media data reaches."""
    info.streams += 1
    stbl = _child(data, s, e, b"mdia", b"minf", b"stbl")
    last_chunk = _last_chunk(data, stbl) if stbl else 0
    hdlr = _child(data, s, e, b"mdia", b"hdlr")
    if not hdlr or data[hdlr[0] + 8 : hdlr[0] + 12] != b"vide" or info.width is not None:
        return last_chunk  # only the first video track describes the video
    tkhd = _child(data, s, e, b"tkhd")
    if tkhd:
        at = tkhd[0] + 4 + (32 if data[tkhd[0]] == 1 else 20) + 16
        a, b = struct.unpack_from(">2i", data, at)  # matrix: rotation is atan2(b, a)
        width, height = struct.unpack_from(">II", data, at + 36)
        info.width, info.height = (width >> 16) or None, (height >> 16) or None
        rotation = round(math.degrees(math.atan2(b, a))) % 360
        if rotation in (90, 180, 270):
            info.rotation = rotation
    if not stbl:
        return last_chunk
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
    return last_chunk


def _last_chunk(data: bytes, stbl: tuple[int, int]) -> int:
    """The largest chunk offset in a sample table's stco (32-bit) or co64 (64-bit) box."""
    for name, fmt, width in ((b"stco", "I", 4), (b"co64", "Q", 8)):
        box = _child(data, *stbl, name)
        if box:
            (count,) = struct.unpack_from(">I", data, box[0] + 4)
            count = min(count, (box[1] - box[0] - 8) // width)  # a count past the box lies
            return max(struct.unpack_from(f">{count}{fmt}", data, box[0] + 8), default=0)
    return 0


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
        parse_iso6709(text, info)
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
