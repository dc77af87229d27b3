"""MP4, QuickTime and 3GP (ISO base media file format): what the `moov` box states.

The top-level boxes are walked by their headers only, seeking past `mdat`; only `moov`
and an XMP `uuid` box are read. That walk also tells a file cut short (a media box that
runs past the end, or sample tables that point past the last whole box) from one that
merely has bytes after its last box (a trailer, padding): the first is an error, the
second a note.
"""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime
from typing import BinaryIO

from luna_desktop.media.bmff import BoxError, TooManyBoxes, boxes, child, file_boxes
from luna_desktop.media.byte_source import ByteSource
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
# A fragmented MP4 has a few top-level boxes a fragment (a day of one-second fragments,
# two boxes each, is 172,800); a file of many more is a damaged or hostile one.
_MAX_TOP_BOXES = 1_000_000
_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
# Adobe's XMP box: a top-level 'uuid' box with this UUID holds the raw packet.
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")


def _is_box_type(kind: bytes) -> bool:
    """Box types are four printable characters (Apple's text atoms start with ©)."""
    return all(0x20 <= c < 0x7F or c == 0xA9 for c in kind)


def read_mp4(f: BinaryIO, size: int, info: ContainerInfo) -> None:
    """Walk the top-level boxes, read `moov`, and judge how the file ends."""
    source = ByteSource(f, b"")  # read_container holds no head: every range is read
    end, moov, overrun, judged = 0, None, None, True  # end: where the last whole box ends
    try:
        for kind, at, header_len, box_size in file_boxes(source, size, _MAX_TOP_BOXES):
            if not _is_box_type(kind):
                break  # not a box: the structure ends here
            body = at + header_len
            if kind == b"moov" and moov is None:
                moov = source.get(body, min(box_size - header_len, MAX_HEADER))
            elif kind == b"uuid" and source.get(body, 16) == XMP_UUID:
                length = min(box_size - header_len - 16, MAX_HEADER)
                info.xmp = info.xmp or (source.get(body + 16, length) if length > 0 else None)
            if at + box_size > size:
                overrun = kind
                break
            end = at + box_size
    except TooManyBoxes:
        # The walk stopped short of the end, so how the file ends is not known.
        judged = False
        info.notes.append(f"its end was not checked: over {_MAX_TOP_BOXES:,} top-level boxes")
    except BoxError:
        pass  # a size no box can have: the structure ends here
    if overrun in _MEDIA_BOXES or (overrun and moov is None):
        name = overrun.decode("latin-1")
        info.problems.append(f"file is truncated: its '{name}' box ends past the end")
    if moov is None:
        if end < size and not overrun and judged:
            info.problems.append(f"corrupt box header at byte {end}")
        info.problems.append("no 'moov' box (truncated, or the recording never finished)")
        return
    try:
        last_chunk = _read_moov(moov, info)
    except (struct.error, ValueError, IndexError):
        if overrun != b"moov":
            raise
        return  # a moov cut short fails somewhere: that it is cut short is said above
    info.has_audio = info.audio_codec is not None
    if end < size and overrun not in _MEDIA_BOXES and judged:
        if last_chunk >= end:  # the sample tables point at data that is not all there
            info.problems.append("file is truncated: its media data runs past the end")
        else:
            info.notes.append(bytes_after_end(size - end, "video"))


def _read_moov(moov: bytes, info: ContainerInfo) -> int:
    """Fill `info` from the movie box; return the furthest chunk offset of any track."""
    last_chunk = 0
    for kind, s, e in boxes(moov, 0, len(moov)):
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
    stbl = child(data, s, e, b"mdia", b"minf", b"stbl")
    last_chunk = _last_chunk(data, stbl) if stbl else 0
    hdlr = child(data, s, e, b"mdia", b"hdlr")
    handler = data[hdlr[0] + 8 : hdlr[0] + 12] if hdlr else b""
    if handler == b"soun" and info.audio_codec is None and stbl:
        stsd = child(data, *stbl, b"stsd")
        if stsd and stsd[1] - stsd[0] >= 16:
            info.audio_codec = codec_name(data[stsd[0] + 12 : stsd[0] + 16])
    if handler != b"vide" or info.width is not None:
        return last_chunk  # only the first video track describes the video
    tkhd = child(data, s, e, b"tkhd")
    if tkhd:
        at = tkhd[0] + 4 + (32 if data[tkhd[0]] == 1 else 20) + 16
        a, b, _, c, d = struct.unpack_from(">5i", data, at)  # the matrix's a b u c d
        width, height = struct.unpack_from(">II", data, at + 36)
        # tkhd gives the size before the matrix turns the picture: the stored size.
        info.width, info.height = (width >> 16) or None, (height >> 16) or None
        rotation = round(math.degrees(math.atan2(b, a))) % 360  # as exiftool computes it
        info.rotation = rotation or None
        orientation = _MATRIX_ORIENTATION.get((_sign(a), _sign(b), _sign(c), _sign(d)))
        info.orientation = orientation if orientation != 1 else None  # 1: as stored
    if not stbl:
        return last_chunk
    stsd = child(data, *stbl, b"stsd")
    if stsd and struct.unpack_from(">I", data, stsd[0] + 4)[0]:
        entry = stsd[0] + 8
        info.codec = codec_name(data[entry + 4 : entry + 8])
        coded = struct.unpack_from(">HH", data, entry + 32)
        if info.width is None:  # tkhd said 0: take the coded size from the sample entry
            info.width, info.height = coded[0] or None, coded[1] or None
        elif info.orientation in _QUARTER_TURNS and coded == (info.height, info.width):
            # A writer that put the displayed (turned) size in tkhd: the stored size is
            # the sample entry's, and the matrix still says how to turn it.
            info.width, info.height = coded
    stts, mdhd = child(data, *stbl, b"stts"), child(data, s, e, b"mdia", b"mdhd")
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


# The signs of a track matrix's a, b, c and d (x' = a·x + c·y, y' = b·x + d·y, y down)
# as the EXIF orientation that displays the stored picture the same way. A matrix with
# any other shape (a skew, 45°) has none.
_MATRIX_ORIENTATION = {
    (1, 0, 0, 1): 1, (-1, 0, 0, 1): 2, (-1, 0, 0, -1): 3, (1, 0, 0, -1): 4,
    (0, 1, 1, 0): 5, (0, 1, -1, 0): 6, (0, -1, -1, 0): 7, (0, -1, 1, 0): 8,
}  # fmt: skip
_QUARTER_TURNS = {5, 6, 7, 8}


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def _last_chunk(data: bytes, stbl: tuple[int, int]) -> int:
    """The largest chunk offset in a sample table's stco (32-bit) or co64 (64-bit) box."""
    for name, fmt, width in ((b"stco", "I", 4), (b"co64", "Q", 8)):
        box = child(data, *stbl, name)
        if box:
            (count,) = struct.unpack_from(">I", data, box[0] + 4)
            count = min(count, (box[1] - box[0] - 8) // width)  # a count past the box lies
            return max(struct.unpack_from(f">{count}{fmt}", data, box[0] + 8), default=0)
    return 0


# QuickTime user-data atoms and Apple metadata keys that carry a date, place or camera.
_DATE_KEYS = {"com.apple.quicktime.creationdate": 0, "©day": 1}
# Apple's key and ©xyz carry the ISO 6709 text; 3GPP's binary 'loci' (rank 2) is coarser.
_PLACE_KEYS = {"com.apple.quicktime.location.ISO6709": 0, "©xyz": 1}
_MAKE_KEYS = {"com.apple.quicktime.make", "©mak"}
_MODEL_KEYS = {"com.apple.quicktime.model", "©mod"}


def _note_text(name: str, text: str, info: ContainerInfo) -> None:
    text = text.strip("\0 ")
    if not text:
        return
    if name in _DATE_KEYS:
        # an all-zero date ("0000-00-00T00:00:00Z") is a placeholder: iso_date refuses it
        info.offer_date(iso_date(text), text, _DATE_KEYS[name])
    elif name in _PLACE_KEYS:
        place = parse_iso6709(text)
        if place:
            info.offer_place(*place, rank=_PLACE_KEYS[name])
    elif name in _MAKE_KEYS:
        info.make = info.make or text
    elif name in _MODEL_KEYS:
        info.model = info.model or text


def _udta(data: bytes, s: int, e: int, info: ContainerInfo) -> None:
    for kind, bs, be in boxes(data, s, e):
        if kind == b"meta":
            _meta(data, bs, be, info)
        elif kind == b"XMP_":  # QuickTime's XMP: the raw packet, as Adobe writes it in MOV
            info.xmp = info.xmp or data[bs:be]
        elif kind == b"loci":
            _loci(data[bs:be], info)
        elif kind[:1] == b"\xa9" and be - bs > 4:
            # QuickTime text atom: 16-bit length, 16-bit language, text
            length = struct.unpack_from(">H", data, bs)[0]
            text = data[bs + 4 : min(bs + 4 + length, be)]
            _note_text(kind.decode("latin-1"), text.decode("utf-8", "replace"), info)


def _loci(box: bytes, info: ContainerInfo) -> None:
    """3GPP LocationInformation (TS 26.244): version and flags, language, a name ending
    in NUL (UTF-8, or UTF-16 with a BOM ending in two), role, then longitude, latitude
    and altitude as signed 16.16 fixed point."""
    if box[6:8] == b"\xfe\xff":
        end = next((i for i in range(8, len(box) - 1, 2) if box[i : i + 2] == b"\0\0"), None)
        at = None if end is None else end + 2
    else:
        end = box.find(b"\0", 6)
        at = None if end < 0 else end + 1
    if at is None or len(box) < at + 13:
        return
    lng, lat, alt = (v / 65536 for v in struct.unpack_from(">3i", box, at + 1))
    # exiftool prints these with five decimals; 1/65536° is already ~1.7 m
    info.offer_place(lat, lng, round(alt, 2), rank=2, digits=5)


def _meta(data: bytes, s: int, e: int, info: ContainerInfo) -> None:
    if data[s + 4 : s + 8] != b"hdlr":  # ISO 'meta' is a full box; QuickTime's is not
        s += 4
    keys: list[str] = []
    for kind, bs, be in boxes(data, s, e):
        if kind == b"keys":
            for _, ks, ke in boxes(data, bs + 8, be):  # each key: size, namespace, name
                keys.append(data[ks:ke].decode("utf-8", "replace"))
        elif kind == b"ilst":
            for item, items, iteme in boxes(data, bs, be):
                index = int.from_bytes(item, "big")
                name = keys[index - 1] if 0 < index <= len(keys) else item.decode("latin-1")
                for dkind, ds, de in boxes(data, items, iteme):
                    # 'data': 32-bit type (1 = UTF-8), 32-bit locale, value
                    if dkind == b"data" and struct.unpack_from(">I", data, ds)[0] == 1:
                        _note_text(name, data[ds + 8 : de].decode("utf-8", "replace"), info)
