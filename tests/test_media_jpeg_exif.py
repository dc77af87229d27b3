"""Luna's own JPEG header and EXIF readers, checked against exiftool on files made here.

The scan reads JPEG segments and EXIF directories itself (for speed); these tests make
files whose layout stresses that reader (segments past the bytes the scan holds, big-
endian EXIF, a thumbnail-only orientation, broken pointers) and compare with exiftool.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from luna_desktop.media.exif import exif_from_bytes
from luna_desktop.media.images import read_image
from luna_desktop.media.info import MediaInfo
from tests.media_tools import exiftool


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _ifd(order: str, entries: list[tuple[int, int, int, bytes]], at: int, next_ifd: int = 0):
    """A directory at offset `at` and the data area after it: entries are (tag, type,
    count, value bytes); values over 4 bytes go to the data area."""
    data_at = at + 2 + 12 * len(entries) + 4
    body, data = b"", b""
    for tag, kind, count, value in sorted(entries):
        if len(value) <= 4:
            field = value.ljust(4, b"\x00")
        else:
            field = struct.pack(order + "I", data_at + len(data))
            data += value + b"\x00" * (len(value) & 1)
        body += struct.pack(order + "HHI", tag, kind, count) + field
    return struct.pack(order + "H", len(entries)) + body + struct.pack(order + "I", next_ifd) + data


def _big_endian_exif() -> bytes:
    """MM EXIF: make, model, no IFD0 orientation but IFD1 orientation 8, an Exif IFD with
    a date and offset, a GPS IFD in the western and southern hemispheres."""
    o = ">"

    def rational(*pairs):
        return b"".join(struct.pack(">II", a, b) for a, b in pairs)

    ifd0_entries = [
        (0x010F, 2, 6, b"Maker\x00"),
        (0x0110, 2, 8, b"Model Z\x00"),
        (0x8769, 4, 1, b"EXIF"),  # patched below
        (0x8825, 4, 1, b"GPS_"),
    ]
    ifd0 = _ifd(o, ifd0_entries, 8, next_ifd=0)
    ifd1_at = 8 + len(ifd0)
    ifd1 = _ifd(o, [(0x0112, 3, 1, struct.pack(">H", 8))], ifd1_at)
    exif_at = ifd1_at + len(ifd1)
    exif_ifd = _ifd(
        o,
        [
            (0x829A, 5, 1, rational((1, 250))),
            (0x9003, 2, 20, b"2019:12:31 23:59:58\x00"),
            (0x9011, 2, 7, b"-05:00\x00"),
        ],
        exif_at,
    )
    gps_at = exif_at + len(exif_ifd)
    gps_ifd = _ifd(
        o,
        [
            (1, 2, 2, b"S\x00"),
            (2, 5, 3, rational((33, 1), (52, 1), (3000, 100))),
            (3, 2, 2, b"W\x00"),
            (4, 5, 3, rational((70, 1), (30, 1), (0, 1))),
        ],
        gps_at,
    )
    ifd0 = _ifd(
        o,
        [
            (0x010F, 2, 6, b"Maker\x00"),
            (0x0110, 2, 8, b"Model Z\x00"),
            (0x8769, 4, 1, struct.pack(">I", exif_at)),
            (0x8825, 4, 1, struct.pack(">I", gps_at)),
        ],
        8,
        next_ifd=ifd1_at,
    )
    return b"MM\x00*" + struct.pack(">I", 8) + ifd0 + ifd1 + exif_ifd + gps_ifd


def _jpeg(*segments: bytes, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "olive").save(out, "JPEG")
    data = out.getvalue()
    return data[:2] + b"".join(segments) + data[2:]


def _read(path: Path, head_bytes: int | None = None) -> MediaInfo:
    info = MediaInfo()
    with path.open("rb") as fh:
        head = None if head_bytes is None else fh.read(head_bytes)
        read_image(fh, info, head)
    return info


def test_big_endian_exif_matches_exiftool(tmp_path):
    path = tmp_path / "mm.jpg"
    path.write_bytes(_jpeg(_segment(0xE1, b"Exif\x00\x00" + _big_endian_exif())))
    info, truth = _read(path), exiftool(path)
    assert info.error is None
    assert (info.camera_make, info.camera_model) == (truth["Make"], truth["Model"])
    assert info.orientation == truth["Orientation"] == 8  # from IFD1 only
    assert info.taken_at == "2019-12-31T23:59:58-05:00"
    assert truth["DateTimeOriginal"] == "2019:12:31 23:59:58"
    assert info.lat == pytest.approx(truth["Composite:GPSLatitude"], abs=1e-6)
    assert info.lng == pytest.approx(truth["Composite:GPSLongitude"], abs=1e-6)
    assert info.lat < 0 and info.lng < 0
    assert info.extra["exposure_time"] == pytest.approx(truth["ExposureTime"])
    assert (info.width, info.height) == (truth["ImageWidth"], truth["ImageHeight"])


def test_segments_past_the_bytes_the_scan_holds_are_read(tmp_path):
    # A 60 KB ICC profile before the EXIF: the EXIF and the size lie past a short head.
    icc = _segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + bytes(60_000))
    path = tmp_path / "icc.jpg"
    path.write_bytes(_jpeg(icc, _segment(0xE1, b"Exif\x00\x00" + _big_endian_exif())))
    whole, short = _read(path), _read(path, head_bytes=100)
    assert short == whole
    assert (short.width, short.height, short.camera_model) == (40, 30, "Model Z")


def test_mpo_frame_count_from_the_mpf_index(tmp_path):
    # MPF index IFD: MPFVersion, NumberOfImages = 3
    mpf = b"MPF\x00II*\x00" + struct.pack("<I", 8)
    mpf += struct.pack("<H", 2) + struct.pack("<HHI4s", 0xB000, 7, 4, b"0100")
    mpf += struct.pack("<HHII", 0xB001, 4, 1, 3) + struct.pack("<I", 0)
    path = tmp_path / "three.mpo"
    path.write_bytes(_jpeg(_segment(0xE2, mpf)))
    info = _read(path)
    assert info.extra["mpo_frames"] == 3 == exiftool(path)["NumberOfImages"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("no_sof.jpg", b"\xff\xd8" + _segment(0xE0, b"JFIF\x00\x01\x01") + b"\xff\xda\x00\x02"),
        ("bad_length.jpg", b"\xff\xd8\xff\xe1\x00\x01"),
        ("not_a_marker.jpg", b"\xff\xd8" + _segment(0xE0, b"JFIF\x00") + b"\x00\x00\x00"),
        ("cut_in_segment.jpg", b"\xff\xd8\xff\xe1\x10\x00Exif\x00\x00MM"),
    ],
)
def test_broken_headers_are_errors_not_crashes(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    info = _read(path)
    assert info.error and info.error.startswith("not a readable image"), info.error
    assert info.width is None


def test_exif_with_broken_pointers_keeps_what_it_can():
    block = bytearray(_big_endian_exif())
    # Point the GPS IFD past the end: IFD0 and the Exif IFD must still be read.
    (count,) = struct.unpack_from(">H", block, 8)
    for i in range(count):
        at = 10 + 12 * i
        if struct.unpack_from(">H", block, at)[0] == 0x8825:
            struct.pack_into(">I", block, at + 8, 0x7FFFFFF0)
    info = MediaInfo()
    tags = exif_from_bytes(bytes(block), info)
    assert tags["Image Model"] == "Model Z"
    assert tags["EXIF DateTimeOriginal"] == "2019:12:31 23:59:58"
    assert "GPS GPSLatitude" not in tags
    assert info.error and "unreadable EXIF" in info.error


def test_exif_directory_that_points_at_itself_ends():
    # IFD0's next-directory pointer is IFD0 itself, and its Exif pointer too.
    ifd0 = _ifd("<", [(0x0110, 2, 4, b"Loo\x00"), (0x8769, 4, 1, struct.pack("<I", 8))], 8, 8)
    info = MediaInfo()
    tags = exif_from_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd0, info)
    assert tags == {"Image Model": "Loo"}


class _CountingFile(io.BytesIO):
    """A file that counts the bytes read from it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def test_segments_nothing_reads_are_stepped_over_not_read():
    # A portrait-mode phone JPEG: 80 extended-XMP segments (5 MB) before the frame header.
    extension = b"http://ns.adobe.com/xmp/extension/\x00" + bytes(65_000)
    data = _jpeg(
        _segment(0xE1, b"Exif\x00\x00" + _big_endian_exif()),
        *[_segment(0xE1, extension)] * 80,
    )
    fh = _CountingFile(data)
    info = MediaInfo()
    read_image(fh, info, data[:65536])
    assert (info.width, info.height, info.camera_model) == (40, 30, "Model Z")
    assert fh.read_bytes < 64 * 1024  # a few bytes per segment, never its payload


def _little_exif(ifd0: list, exif: list | None = None, exif_type: int = 4) -> bytes:
    """II EXIF with IFD0 entries and an Exif IFD pointed at by a pointer of `exif_type`."""
    first = 8
    size0 = 2 + 12 * (len(ifd0) + (exif is not None)) + 4
    data0 = sum(len(v) + (len(v) & 1) for _, _, _, v in ifd0 if len(v) > 4)
    entries = list(ifd0)
    if exif is not None:
        entries.append((0x8769, exif_type, 1, struct.pack("<I", first + size0 + data0)))
    block = _ifd("<", entries, first)
    if exif is not None:
        block += _ifd("<", exif, first + len(block))
    return b"II*\x00" + struct.pack("<I", first) + block


def _jpeg_with_exif(tmp_path, name: str, exif: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(_jpeg(_segment(0xE1, b"Exif\x00\x00" + exif)))
    return path


def test_a_repeated_tag_counts_once_as_exiftool_reads_it(tmp_path):
    # Entries kept in tag order: two Orientation entries, 6 then 3.
    ifd0 = _ifd("<", [(0x0110, 2, 4, b"Dup\x00")], 8)
    count = struct.pack("<H", 3)
    entries = ifd0[2 : 2 + 12]
    orientation = [
        struct.pack("<HHI", 0x0112, 3, 1) + struct.pack("<H", n) + b"\x00\x00" for n in (6, 3)
    ]
    block = count + entries + orientation[0] + orientation[1] + struct.pack("<I", 0)
    path = _jpeg_with_exif(tmp_path, "dup.jpg", b"II*\x00" + struct.pack("<I", 8) + block)
    assert _read(path).orientation == exiftool(path)["Orientation"] == 6


def test_an_exif_pointer_typed_as_an_ifd_is_followed(tmp_path):
    date = b"2019:12:31 23:59:58\x00"
    exif = _little_exif([(0x0110, 2, 4, b"T13\x00")], [(0x9003, 2, len(date), date)], 13)
    path = _jpeg_with_exif(tmp_path, "ifd13.jpg", exif)
    assert exiftool(path)["DateTimeOriginal"] == "2019:12:31 23:59:58"
    assert _read(path).taken_at == "2019-12-31T23:59:58"


def test_values_cut_short_by_the_end_of_the_block_are_no_values(tmp_path):
    # A JPEG cut in the middle of its GPS longitude: exiftool gives no longitude, and
    # nor may Luna (its degrees alone would be a place 20 km off).
    data = _jpeg(_segment(0xE1, b"Exif\x00\x00" + _big_endian_exif()))
    block = b"Exif\x00\x00" + _big_endian_exif()
    cut_at = data.index(block) + len(block) - 10  # inside the last rational
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[:cut_at])
    truth = exiftool(path)
    info = _read(path)
    assert "GPSLongitude" not in truth and info.lng is None
