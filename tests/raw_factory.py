"""Raw files built byte by byte for tests: Panasonic RW2, Olympus ORF, Fujifilm RAF, Canon CR3.

Each is a small but structurally realistic file (the headers, directories and boxes
a camera writes, a few bytes standing in for the sensor data, an embedded JPEG made
by Pillow where the format keeps one), realistic enough that exiftool recognises it
as that format. The tests compare Luna's reading of each with exiftool's.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 2, 3, 4, 5, 7
_SIZES = {ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, UNDEFINED: 1}
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
SENSOR = b"\x5a" * 64  # stands in for the sensor data, which no reader may need


@dataclass
class Shot:
    """The metadata a camera writes about one picture; None leaves a field out."""

    make: str | None = "TestMake"
    model: str | None = "TestCam 1"
    orientation: int | None = 1
    taken: str | None = "2021:06:01 12:34:56"
    gps: tuple[float, float] | None = None


# --- TIFF directories -------------------------------------------------------------------

Value = tuple[int, object]  # (field type, values)
Build = Callable[[dict[str, int]], bytes]


def ifd(order: str, at: int, entries: dict[int, Value], next_ifd: int = 0) -> bytes:
    """One directory laid out at absolute offset `at`, with the values that do not fit
    in an entry right after it. Values: text (ASCII), bytes (UNDEFINED), a list of
    ints (SHORT, LONG) or of (numerator, denominator) pairs (RATIONAL)."""
    count = len(entries)
    extra_at = at + 2 + 12 * count + 4
    head, extra = bytearray(struct.pack(order + "H", count)), bytearray()
    for tag in sorted(entries):
        kind, values = entries[tag]
        raw = _field(order, kind, values)
        n = len(raw) // _SIZES[kind]
        if len(raw) <= 4:
            head += struct.pack(order + "HHI", tag, kind, n) + raw.ljust(4, b"\x00")
        else:
            head += struct.pack(order + "HHI", tag, kind, n) + struct.pack(order + "I", extra_at)
            padded = raw + b"\x00" * (len(raw) % 2)
            extra += padded
            extra_at += len(padded)
    return bytes(head + struct.pack(order + "I", next_ifd) + extra)


def _field(order: str, kind: int, values: object) -> bytes:
    if kind == ASCII:
        assert isinstance(values, str)
        return values.encode() + b"\x00"
    if kind == UNDEFINED:
        assert isinstance(values, bytes)
        return values
    assert isinstance(values, list)
    if kind == RATIONAL:
        return b"".join(struct.pack(order + "II", a, b) for a, b in values)
    return struct.pack(f"{order}{len(values)}{'H' if kind == SHORT else 'I'}", *values)


def assemble(parts: list[tuple[str, Build]], start: int = 0) -> tuple[bytes, dict[str, int]]:
    """Lay named parts out back to back from `start` (each at an even offset), every
    builder given every part's offset: sizes first with offsets unknown, then for real."""
    sizes = [len(build({name: 0 for name, _ in parts})) for _, build in parts]
    offsets, position = {}, start
    for (name, _), size in zip(parts, sizes, strict=True):
        offsets[name] = position
        position += size + size % 2
    out = bytearray()
    for _, build in parts:
        chunk = build(offsets)
        out += chunk + b"\x00" * (len(chunk) % 2)
    return bytes(out), offsets


def _dms(value: float) -> list[tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * 1000)
    return [(degrees, 1), (minutes, 1), (seconds, 1000)]


def camera_tags(shot: Shot) -> dict[int, Value]:
    """IFD0's camera entries."""
    tags: dict[int, Value] = {}
    if shot.make is not None:
        tags[0x010F] = (ASCII, shot.make)
    if shot.model is not None:
        tags[0x0110] = (ASCII, shot.model)
    if shot.orientation is not None:
        tags[0x0112] = (SHORT, [shot.orientation])
    return tags


def exif_tags(shot: Shot) -> dict[int, Value]:
    """The Exif IFD's entries."""
    tags: dict[int, Value] = {0x9000: (UNDEFINED, b"0231"), 0x829A: (RATIONAL, [(1, 250)])}
    if shot.taken is not None:
        tags[0x9003] = (ASCII, shot.taken)
        tags[0x9004] = (ASCII, shot.taken)
    return tags


def gps_tags(shot: Shot) -> dict[int, Value]:
    assert shot.gps is not None
    lat, lng = shot.gps
    return {
        0: (UNDEFINED, b"\x02\x03\x00\x00"),  # GPSVersionID 2.3
        1: (ASCII, "N" if lat >= 0 else "S"),
        2: (RATIONAL, _dms(lat)),
        3: (ASCII, "E" if lng >= 0 else "W"),
        4: (RATIONAL, _dms(lng)),
    }


def exif_block(shot: Shot, order: str = "<") -> bytes:
    """A whole EXIF TIFF block (IFD0, Exif IFD, GPS IFD) as a JPEG's APP1 carries it."""
    mark = b"II*\x00" if order == "<" else b"MM\x00*"

    def ifd0(o: dict[str, int]) -> bytes:
        tags = camera_tags(shot) | {EXIF_IFD: (LONG, [o["exif"]])}
        if shot.gps is not None:
            tags[GPS_IFD] = (LONG, [o["gps"]])
        return ifd(order, o["ifd0"], tags)

    parts: list[tuple[str, Build]] = [
        ("header", lambda o: mark + struct.pack(order + "I", o["ifd0"])),
        ("ifd0", ifd0),
        ("exif", lambda o: ifd(order, o["exif"], exif_tags(shot))),
    ]
    if shot.gps is not None:
        parts.append(("gps", lambda o: ifd(order, o["gps"], gps_tags(shot))))
    return assemble(parts)[0]


def jpeg(size: tuple[int, int] = (160, 120), shot: Shot | None = None) -> bytes:
    """A small real JPEG, with `shot` as its EXIF when given."""
    buffer = io.BytesIO()
    options = {"exif": b"Exif\x00\x00" + exif_block(shot)} if shot else {}
    Image.new("RGB", size, (90, 140, 200)).save(buffer, "JPEG", quality=70, **options)
    return buffer.getvalue()


# --- Panasonic RW2 ----------------------------------------------------------------------

RW2_MAGIC = b"\x88\xe7\x74\xd8\xf8\x25\x1d\x4d\x94\x7a\x6e\x77\x82\x2b\x5d\x6a"


def rw2(
    shot: Shot,
    *,
    sensor: tuple[int, int] = (5240, 3912),
    borders: tuple[int, int, int, int] | None = (8, 24, 3896, 5208),  # top, left, bottom, right
    camera_in_ifd0: bool = True,
    exif_ifds: bool = True,
    jpg_from_raw: Shot | None = None,
    jpg_size: tuple[int, int] = (192, 128),
    sensor_data: bytes = SENSOR,
) -> bytes:
    """A Panasonic RW2: "IIU\\0", the RW2 magic, IFD0 with Panasonic's sensor tags and
    the camera's (`camera_in_ifd0`), an Exif and a GPS IFD (`exif_ifds`), and a
    JpgFromRaw carrying EXIF of its own (`jpg_from_raw`), as newer cameras write."""
    order = "<"
    embedded = jpeg(jpg_size, jpg_from_raw) if jpg_from_raw else None

    def ifd0(o: dict[str, int]) -> bytes:
        tags: dict[int, Value] = {
            0x0001: (UNDEFINED, b"0470"),  # PanasonicRawVersion
            0x0002: (SHORT, [sensor[0]]),
            0x0003: (SHORT, [sensor[1]]),
            0x0009: (SHORT, [3]),  # CFAPattern
            0x000A: (SHORT, [12]),  # BitsPerSample
            0x0017: (SHORT, [200]),  # ISO
            0x0111: (LONG, [o["sensor"]]),  # StripOffsets
            0x0116: (SHORT, [sensor[1]]),  # RowsPerStrip
            0x0117: (LONG, [len(sensor_data)]),  # StripByteCounts
            0x0118: (LONG, [o["sensor"]]),  # RawDataOffset
        }
        if borders:
            for tag, value in zip(range(4, 8), borders, strict=True):
                tags[tag] = (SHORT, [value])
        if camera_in_ifd0:
            tags |= camera_tags(shot)
        if exif_ifds:
            tags[EXIF_IFD] = (LONG, [o["exif"]])
            if shot.gps is not None:
                tags[GPS_IFD] = (LONG, [o["gps"]])
        if embedded:
            tags[0x002E] = (UNDEFINED, embedded)
        return ifd(order, o["ifd0"], tags)

    parts: list[tuple[str, Build]] = [
        ("header", lambda o: b"IIU\x00" + struct.pack("<I", o["ifd0"]) + RW2_MAGIC),
        ("ifd0", ifd0),
    ]
    if exif_ifds:
        parts.append(("exif", lambda o: ifd(order, o["exif"], exif_tags(shot))))
        if shot.gps is not None:
            parts.append(("gps", lambda o: ifd(order, o["gps"], gps_tags(shot))))
    parts.append(("sensor", lambda o: sensor_data))
    return assemble(parts)[0]


# --- Olympus ORF ------------------------------------------------------------------------


def orf(
    shot: Shot,
    *,
    magic: bytes = b"IIRO",
    size: tuple[int, int] = (4640, 3472),
    sensor_data: bytes = SENSOR,
) -> bytes:
    """An Olympus ORF: a TIFF with magic "IIRO", "IIRS" or "MMOR", the raw image's size
    in IFD0, IFD1 a thumbnail, the usual Exif and GPS IFDs."""
    order = "<" if magic[:2] == b"II" else ">"
    thumbnail = jpeg((160, 120))

    def ifd0(o: dict[str, int]) -> bytes:
        tags: dict[int, Value] = {
            0x0100: (LONG, [size[0]]),
            0x0101: (LONG, [size[1]]),
            0x0102: (SHORT, [12]),
            0x0103: (SHORT, [1]),
            0x0106: (SHORT, [32803]),  # CFA
            0x0111: (LONG, [o["sensor"]]),
            0x0115: (SHORT, [1]),
            0x0116: (LONG, [size[1]]),
            0x0117: (LONG, [len(sensor_data)]),
            0x0131: (ASCII, "Version 1.0"),
            EXIF_IFD: (LONG, [o["exif"]]),
        } | camera_tags(shot)
        if shot.gps is not None:
            tags[GPS_IFD] = (LONG, [o["gps"]])
        return ifd(order, o["ifd0"], tags, next_ifd=o["ifd1"])

    def ifd1(o: dict[str, int]) -> bytes:
        tags: dict[int, Value] = {
            0x0103: (SHORT, [6]),
            0x0201: (LONG, [o["thumbnail"]]),
            0x0202: (LONG, [len(thumbnail)]),
        }
        return ifd(order, o["ifd1"], tags)

    parts: list[tuple[str, Build]] = [
        ("header", lambda o: magic + struct.pack(order + "I", o["ifd0"])),
        ("ifd0", ifd0),
        ("ifd1", ifd1),
        ("exif", lambda o: ifd(order, o["exif"], exif_tags(shot))),
    ]
    if shot.gps is not None:
        parts.append(("gps", lambda o: ifd(order, o["gps"], gps_tags(shot))))
    parts += [("thumbnail", lambda o: thumbnail), ("sensor", lambda o: sensor_data)]
    return assemble(parts)[0]


# --- Fujifilm RAF -----------------------------------------------------------------------


def raf_cfa_header(records: dict[int, bytes]) -> bytes:
    """Fujifilm's own directory: a big-endian count, then (tag, length, bytes) records."""
    out = struct.pack(">I", len(records))
    for tag, data in records.items():
        out += struct.pack(">HH", tag, len(data)) + data
    return out


def raf(
    shot: Shot | None,
    *,
    model: str = "X-T3",
    jpeg_size: tuple[int, int] = (320, 213),
    full_size: tuple[int, int] | None = (6384, 4182),  # width, height (stored height first)
    records: dict[int, bytes] | None = None,
    sensor_data: bytes = SENSOR,
) -> bytes:
    """A Fujifilm RAF: the 0x94-byte header ("FUJIFILMCCD-RAW 0201FF383501", model,
    version, then big-endian offset/length pairs at 84), the embedded JPEG with the
    camera's EXIF, the CFA header records and a stand-in for the CFA data."""
    picture = jpeg(jpeg_size, shot)
    if records is None:
        records = {0x0130: b"\x00\x00\x00\x00"}  # FujiLayout
        if full_size:
            records[0x0100] = struct.pack(">HH", full_size[1], full_size[0])
            records[0x0111] = struct.pack(">HH", full_size[1] - 8, full_size[0] - 12)
    cfa_header = raf_cfa_header(records)

    def header(o: dict[str, int]) -> bytes:
        out = b"FUJIFILMCCD-RAW 0201FF383501"
        out += model.encode().ljust(32, b"\x00") + b"0100" + b"\x00" * 20
        out += struct.pack(">II", o["jpeg"], len(picture))
        out += struct.pack(">II", o["cfa_header"], len(cfa_header))
        out += struct.pack(">II", o["cfa"], len(sensor_data))
        return out.ljust(0x94, b"\x00")

    parts: list[tuple[str, Build]] = [
        ("header", header),
        ("jpeg", lambda o: picture),
        ("cfa_header", lambda o: cfa_header),
        ("cfa", lambda o: sensor_data),
    ]
    return assemble(parts)[0]


# --- Canon CR3 --------------------------------------------------------------------------

CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")


def box(kind: bytes, *children: bytes) -> bytes:
    payload = b"".join(children)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, payload: bytes, version: int = 0) -> bytes:
    return box(kind, struct.pack(">I", version << 24), payload)


def cmt_block(entries: dict[int, Value], order: str = "<") -> bytes:
    """One of CR3's CMT boxes: a TIFF structure of its own with a single directory."""
    mark = b"II*\x00" if order == "<" else b"MM\x00*"
    return mark + struct.pack(order + "I", 8) + ifd(order, 8, entries)


def craw_entry(width: int, height: int) -> bytes:
    """An stsd sample entry of type CRAW: a visual sample entry, then Canon's boxes."""
    visual = b"\x00" * 6 + struct.pack(">H", 1) + b"\x00" * 16
    visual += struct.pack(">HHII", width, height, 0x00480000, 0x00480000)
    visual += b"\x00" * 4 + struct.pack(">H", 1) + b"\x00" * 32 + struct.pack(">Hh", 24, -1)
    return box(b"CRAW", visual, box(b"JPEG", b"\x00" * 4))


def trak(track_id: int, entry: bytes, sample_size: int) -> bytes:
    """A video track of one sample; its header says 0 by 0, as Canon's do."""
    tkhd = struct.pack(">IIIII", 0, 0, track_id, 0, 1) + b"\x00" * 8
    tkhd += b"\x00" * 8 + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    tkhd += struct.pack(">II", 0, 0)
    hdlr = struct.pack(">I", 0) + b"vide" + b"\x00" * 12 + b"\x00"
    stsd = full_box(b"stsd", struct.pack(">I", 1) + entry)
    stbl = box(
        b"stbl",
        stsd,
        full_box(b"stts", struct.pack(">III", 1, 1, 1)),
        full_box(b"stsc", struct.pack(">IIII", 1, 1, 1, 1)),
        full_box(b"stsz", struct.pack(">III", sample_size, 1, sample_size)),
        full_box(b"co64", struct.pack(">IQ", 1, 0)),
    )
    mdhd = struct.pack(">IIIII", 0, 0, 1, 1, 0x55C40000)
    minf = box(b"minf", full_box(b"vmhd", b"\x00" * 8), stbl)
    return box(
        b"trak",
        full_box(b"tkhd", tkhd, version=0),
        box(b"mdia", full_box(b"mdhd", mdhd), full_box(b"hdlr", hdlr), minf),
    )


def cr3(
    shot: Shot,
    *,
    size: tuple[int, int] = (6000, 4000),
    size_in_cmt1: bool = True,
    cmt: dict[bytes, bytes] | None = None,
    sensor_data: bytes = SENSOR,
) -> bytes:
    """A Canon CR3: ftyp "crx ", moov holding Canon's uuid box (CNCV, CMT1 IFD0,
    CMT2 Exif IFD, CMT3 maker notes, CMT4 GPS IFD), mvhd and a first trak whose CRAW
    sample entry gives the picture's size, then mdat. `cmt` replaces CMT boxes."""
    ifd0: dict[int, Value] = camera_tags(shot)
    if size_in_cmt1:
        ifd0 |= {0x0100: (SHORT, [size[0]]), 0x0101: (SHORT, [size[1]])}
    blocks = {
        b"CMT1": cmt_block(ifd0),
        b"CMT2": cmt_block(exif_tags(shot)),
        # Canon's maker notes (CanonImageType, CanonFirmwareVersion): never read.
        b"CMT3": cmt_block({0x0006: (ASCII, "Canon EOS R"), 0x0007: (ASCII, "1.0.0")}),
        b"CMT4": cmt_block(gps_tags(shot) if shot.gps else {0: (UNDEFINED, b"\x02\x03\x00\x00")}),
    }
    blocks |= cmt or {}
    canon = box(
        b"uuid",
        CANON_UUID,
        box(b"CNCV", b"CanonCR3_001/00.09.00/00.00.00"),
        *(box(kind, data) for kind, data in blocks.items()),
    )
    mvhd = struct.pack(">IIII", 0, 0, 1, 1) + struct.pack(">IH", 0x10000, 0x100) + b"\x00" * 10
    mvhd += struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd += b"\x00" * 24 + struct.pack(">I", 2)
    moov = box(
        b"moov", canon, full_box(b"mvhd", mvhd), trak(1, craw_entry(*size), len(sensor_data))
    )
    ftyp = box(b"ftyp", b"crx ", struct.pack(">I", 1), b"crx isom")
    return ftyp + moov + box(b"mdat", sensor_data)
