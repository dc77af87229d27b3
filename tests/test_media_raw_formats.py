"""Raw files whose header is not plain TIFF: Panasonic RW2, Olympus ORF, Fujifilm RAF and
Canon CR3, each built byte by byte (`raw_factory`), shown to be a file exiftool takes
for that format, then read by Luna and compared with exiftool's reading of the same
file. Then broken the ways drives break files: cut short, offsets past the end, loops.

exiftool is required (CI installs it): the tests fail, never skip, when it is missing.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from luna_desktop.media.images import read_image
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.sniff import sniff
from tests import raw_factory as make
from tests.raw_factory import Shot

GH5 = Shot("Panasonic", "DC-GH5", 6, "2021:06:01 12:34:56", (48.858405, 2.294482))
# What a JpgFromRaw says where it differs from IFD0: never seen unless IFD0 is silent.
GH5_JPEG = Shot("Panasonic", "DC-GH5 (JPEG)", 3, "2021:06:01 12:34:57", (10.5, 20.25))
EM1 = Shot("OLYMPUS CORPORATION", "E-M1MarkII", 8, "2019:12:31 23:59:58", (-33.4489, -70.6693))
XT3 = Shot("FUJIFILM", "X-T3", 6, "2020:02:29 08:00:00", (35.658581, 139.745433))
EOS_R = Shot("Canon", "Canon EOS R", 8, "2018:10:05 17:45:01", (51.500729, -0.124625))

# name: (the file, exiftool's FileType, Luna's extractor)
CASES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "rw2": (lambda: make.rw2(GH5, jpg_from_raw=GH5_JPEG), "RW2", "tiff-ifd"),
    "rw2-older-no-jpgfromraw": (lambda: make.rw2(GH5), "RW2", "tiff-ifd"),
    "rw2-exif-only-in-jpgfromraw": (
        lambda: make.rw2(GH5, camera_in_ifd0=False, exif_ifds=False, jpg_from_raw=GH5_JPEG),
        "RW2",
        "tiff-ifd",
    ),
    "rw2-date-and-gps-only-in-jpgfromraw": (
        lambda: make.rw2(GH5, exif_ifds=False, jpg_from_raw=GH5_JPEG),
        "RW2",
        "tiff-ifd",
    ),
    "rw2-no-borders": (lambda: make.rw2(GH5, borders=None, jpg_from_raw=GH5), "RW2", "tiff-ifd"),
    "orf-IIRO": (lambda: make.orf(EM1), "ORF", "tiff-ifd"),
    "orf-IIRS": (lambda: make.orf(EM1, magic=b"IIRS"), "ORF", "tiff-ifd"),
    "orf-MMOR": (lambda: make.orf(EM1, magic=b"MMOR"), "ORF", "tiff-ifd"),
    "raf": (lambda: make.raf(XT3), "RAF", "raf"),
    "raf-no-gps": (lambda: make.raf(Shot("FUJIFILM", "X100V", 1)), "RAF", "raf"),
    "cr3": (lambda: make.cr3(EOS_R), "CR3", "cr3"),
    "cr3-no-gps": (lambda: make.cr3(Shot("Canon", "Canon EOS M50", 1)), "CR3", "cr3"),
}


# --- exiftool -----------------------------------------------------------------------


def _exiftool(path: Path, *tags: str) -> dict:
    tool = shutil.which("exiftool")
    if tool is None:
        pytest.fail("exiftool is required by these tests (CI's package list installs it)")
    out = subprocess.run([tool, "-j", "-n", *tags, str(path)], capture_output=True, check=True)
    return json.loads(out.stdout)[0]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(path: Path) -> MediaInfo:
    info = MediaInfo()
    with path.open("rb") as fh:
        read_image(fh, info)
    return info


def _read_bytes(data: bytes) -> MediaInfo:
    info = MediaInfo()
    read_image(io.BytesIO(data), info)
    return info


def _mismatches(info: MediaInfo, truth: dict) -> list[str]:
    """Where Luna and exiftool disagree on what a catalogue keeps.

    exiftool shows placeholders as written; Luna keeps none: a 0,0 position and an
    all-zero date are no values at all.
    """
    date = truth.get("DateTimeOriginal")
    if date is not None and not date.strip(" :0"):
        date = None
    lat, lng = truth.get("GPSLatitude"), truth.get("GPSLongitude")
    if lat == 0 and lng == 0:
        lat = lng = None
    got = {
        "width": info.width,
        "height": info.height,
        "orientation": info.orientation,
        "make": info.camera_make,
        "model": info.camera_model,
        "date": (info.taken_at or "")[:19] or None,
        "lat": None if info.lat is None else round(info.lat, 6),
        "lng": None if info.lng is None else round(info.lng, 6),
    }
    want = {
        "width": truth.get("ImageWidth"),
        "height": truth.get("ImageHeight"),
        "orientation": truth.get("Orientation"),
        "make": truth.get("Make"),
        "model": truth.get("Model"),
        "date": date and date[:10].replace(":", "-") + "T" + date[11:19],
        "lat": None if lat is None else round(lat, 6),
        "lng": None if lng is None else round(lng, 6),
    }
    return [f"{k}: Luna {got[k]!r}, exiftool {want[k]!r}" for k in got if got[k] != want[k]]


# --- against exiftool ---------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_luna_reads_what_exiftool_reads(tmp_path, case):
    build, file_type, extractor = CASES[case]
    path = _write(tmp_path, f"{case}.{file_type.lower()}", build())
    truth = _exiftool(path)
    # First: the file is one exiftool takes for this format, so the test means something.
    assert truth["FileType"] == file_type, truth.get("Error") or truth.get("Warning")
    assert "Warning" not in truth and "Error" not in truth
    assert sniff(path.read_bytes()[:65536], path.name)[1] == truth["MIMEType"]
    info = _read(path)
    assert _mismatches(info, truth) == []
    assert info.width and info.height and info.camera_model
    assert info.error is None
    assert info.extractor == extractor


def test_rw2_jpgfromraw_fills_only_what_ifd0_leaves_empty(tmp_path):
    # IFD0 names the camera; the date and position are only in the JpgFromRaw.
    path = _write(tmp_path, "P1000001.RW2", make.rw2(GH5, exif_ifds=False, jpg_from_raw=GH5_JPEG))
    info = _read(path)
    assert (info.camera_model, info.orientation) == ("DC-GH5", 6)
    assert (info.taken_at, info.lat) == ("2021-06-01T12:34:57", 10.5)
    # The size is the sensor area inside Panasonic's borders, not the JPEG's.
    assert (info.width, info.height) == (5208 - 24, 3896 - 8)


def test_raf_keeps_the_sensor_size_beside_the_picture_size(tmp_path):
    path = _write(tmp_path, "DSCF0001.RAF", make.raf(XT3, jpeg_size=(320, 213)))
    truth = _exiftool(path, "-RawImageFullSize", "-ImageWidth", "-ImageHeight")
    info = _read(path)
    # exiftool's ImageWidth for a RAF is its embedded JPEG's; the sensor size is apart.
    assert (info.width, info.height) == (truth["ImageWidth"], truth["ImageHeight"]) == (320, 213)
    assert info.extra["raw_size"] == [int(v) for v in truth["RawImageFullSize"].split()]


def test_cr3_without_a_size_in_cmt1_takes_the_first_tracks(tmp_path):
    path = _write(tmp_path, "IMG_0001.CR3", make.cr3(EOS_R, size=(6720, 4480), size_in_cmt1=False))
    truth = _exiftool(path, "-FileType", "-SourceImageWidth", "-SourceImageHeight")
    assert truth["FileType"] == "CR3"
    info = _read(path)
    assert (info.width, info.height) == (truth["SourceImageWidth"], truth["SourceImageHeight"])
    assert info.error is None


@pytest.mark.parametrize("kind", ["raf", "cr3", "rw2"])
def test_placeholder_dates_and_positions_are_no_values(tmp_path, kind):
    blank = Shot("Maker", "Model", 1, "0000:00:00 00:00:00", (0.0, 0.0))
    data = {
        "raf": lambda: make.raf(blank),
        "cr3": lambda: make.cr3(blank),
        "rw2": lambda: make.rw2(blank),
    }[kind]()
    path = _write(tmp_path, f"blank.{kind}", data)
    truth = _exiftool(path)
    assert truth["GPSLatitude"] == 0 and truth["DateTimeOriginal"] == "0000:00:00 00:00:00"
    info = _read(path)
    assert _mismatches(info, truth) == []
    assert (info.taken_at, info.lat, info.lng) == (None, None, None)
    assert info.taken_at_raw == "0000:00:00 00:00:00"  # kept for the curator to see
    assert info.error is None


# --- speed: headers only ------------------------------------------------------------


class _CountingFile(io.BytesIO):
    """A file that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.mark.parametrize("kind", ["rw2", "orf", "raf", "cr3"])
def test_only_headers_are_read_never_the_sensor_data(kind):
    sensor = b"\x5a" * (8 * 1024 * 1024)
    data = {
        "rw2": lambda: make.rw2(GH5, jpg_from_raw=GH5, sensor_data=sensor),
        "orf": lambda: make.orf(EM1, sensor_data=sensor),
        "raf": lambda: make.raf(XT3, sensor_data=sensor),
        "cr3": lambda: make.cr3(EOS_R, sensor_data=sensor),
    }[kind]()
    fh = _CountingFile(data)
    info = MediaInfo()
    read_image(fh, info)
    assert info.error is None and info.taken_at is not None
    # The 64 KiB the scan holds of every file anyway, and a few small reads.
    assert fh.bytes_read < 96 * 1024


# --- hostile files ------------------------------------------------------------------

_BUILDS = {
    "rw2": lambda: make.rw2(GH5, jpg_from_raw=GH5_JPEG),
    "orf": lambda: make.orf(EM1),
    "raf": lambda: make.raf(XT3),
    "cr3": lambda: make.cr3(EOS_R),
}


def _escaped(info: MediaInfo) -> bool:
    """Whether an exception left the raw reader (read_image's catch-all caught it)."""
    return "could not read image metadata" in (info.error or "")


@pytest.mark.parametrize("kind", list(_BUILDS))
def test_a_file_cut_anywhere_says_so_and_keeps_what_it_could_read(kind):
    whole = _BUILDS[kind]()
    sensor_start = len(whole) - len(make.SENSOR)
    cuts = {1, 4, 8, 12, 20, 40, 90, 100, 120, 200, 400, 1000, 2000, sensor_start + 1}
    cuts |= {len(whole) * i // 10 for i in range(1, 10)} | {len(whole) - 1}
    for cut in sorted(c for c in cuts if c < len(whole)):
        info = _read_bytes(whole[:cut])
        assert info.error, f"cut at {cut} of {len(whole)}: no error"
        assert not _escaped(info), f"cut at {cut}: {info.error}"
    # Cut inside the sensor data: everything else is whole, and still read.
    info = _read_bytes(whole[: sensor_start + 1])
    assert info.taken_at and info.camera_model and info.width
    assert f"the {kind.upper()} is truncated" in (info.error or "")


def _raf_pointers(data: bytes, **values: int) -> bytes:
    """The RAF with some of its header's offset/length fields replaced."""
    fields = ("jpeg", "jpeg_length", "cfa_header", "cfa_header_length", "cfa", "cfa_length")
    out = bytearray(data)
    for name, value in values.items():
        struct.pack_into(">I", out, 84 + 4 * fields.index(name), value)
    return bytes(out)


def test_raf_damage_is_named_for_a_curator():
    whole = make.raf(XT3)
    jpeg_at, _, cfa_header_at = struct.unpack_from(">III", whole, 84)
    expected = {
        "RAF header cut short": whole[:60],
        "RAF's embedded JPEG: not a readable image: the file ends early": whole[: jpeg_at + 300],
        "RAF CFA header cut short": whole[: cfa_header_at + 6],
        "the RAF is truncated": whole[:-1],
        "RAF's embedded JPEG: it lies past the end of the file": _raf_pointers(
            whole, jpeg=0x7FFF0000
        ),
        "RAF header names no embedded JPEG": _raf_pointers(whole, jpeg_length=0),
        "RAF CFA header lies past the end of the file": _raf_pointers(whole, cfa_header=0x7FFF0000),
        "RAF CFA header is corrupt (implausible record count)": (
            whole[:cfa_header_at] + b"\xff\xff\xff\xff" + whole[cfa_header_at + 4 :]
        ),
    }
    for message, data in expected.items():
        info = _read_bytes(data)
        assert message in (info.error or ""), (message, info.error)
    # The JPEG cut after its EXIF still names the camera and the date.
    info = _read_bytes(whole[: jpeg_at + 300])
    assert (info.camera_model, info.taken_at) == ("X-T3", "2020-02-29T08:00:00")


def test_cr3_damage_is_named_for_a_curator():
    whole = make.cr3(EOS_R)
    moov_at = whole.index(b"moov") - 4
    mdat_at = whole.index(b"mdat") - 4
    huge_moov = bytearray(whole)
    struct.pack_into(">I", huge_moov, moov_at, 0x7FFF0000)
    tiny_box = bytearray(whole)
    struct.pack_into(">I", tiny_box, mdat_at, 3)  # shorter than its own header
    expected = {
        "CR3 moov box cut short": whole[: moov_at + 200],
        "the CR3 is truncated (its image data runs past the end": whole[:-1],
        "CR3 moov box is implausibly large": bytes(huge_moov),
        f"corrupt CR3 box at byte {mdat_at}": bytes(tiny_box),
        "CR3 has no Canon metadata box": whole.replace(make.CANON_UUID, b"\x00" * 16),
    }
    for message, data in expected.items():
        info = _read_bytes(data)
        assert message in (info.error or ""), (message, info.error)


def test_rw2_jpgfromraw_past_the_end_is_named():
    whole = bytearray(make.rw2(GH5, exif_ifds=False, jpg_from_raw=GH5_JPEG))
    entry = whole.index(struct.pack("<HH", 0x002E, 7))
    struct.pack_into("<I", whole, entry + 8, 0x7FFF0000)
    info = _read_bytes(bytes(whole))
    assert "RW2's JpgFromRaw: it lies past the end of the file" in (info.error or "")
    assert info.camera_model == "DC-GH5" and info.width == 5184  # IFD0 is still read


def test_directory_and_box_loops_end():
    # RW2: IFD0's next directory is itself, and its Exif IFD pointer is IFD0 too.
    rw2 = bytearray(make.rw2(GH5))
    ifd0 = struct.unpack_from("<I", rw2, 4)[0]
    (count,) = struct.unpack_from("<H", rw2, ifd0)
    struct.pack_into("<I", rw2, ifd0 + 2 + 12 * count, ifd0)
    exif_entry = rw2.index(struct.pack("<HHI", 0x8769, 4, 1))
    struct.pack_into("<I", rw2, exif_entry + 8, ifd0)
    info = _read_bytes(bytes(rw2))
    assert info.camera_model == "DC-GH5" and not _escaped(info)
    # CR3: a box of size 0 ("to the end") inside moov, where it would loop if read as 0.
    cr3 = bytearray(make.cr3(EOS_R))
    struct.pack_into(">I", cr3, cr3.index(b"CNCV") - 4, 0)
    info = _read_bytes(bytes(cr3))
    assert not _escaped(info)
    assert info.error  # the Canon box's other children are lost: said, not hidden


def _damaged(whole: bytes, rng: random.Random) -> bytes:
    """`whole` with a few bytes changed, or a few words turned into the values that
    break readers: zero, tiny, the file's length, past the end, all ones."""
    data = bytearray(whole)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) - 4)
        if rng.random() < 0.5:
            data[at] = rng.randrange(256)
        else:
            value = rng.choice((0, 1, 7, 8, len(data), 0x7FFFFFFF, 0xFFFFFFFF))
            struct.pack_into(rng.choice("<>") + "I", data, at, value)
    return bytes(data)


@pytest.mark.parametrize("kind", list(_BUILDS))
def test_random_damage_never_escapes_the_reader(kind):
    whole = _BUILDS[kind]()
    rng = random.Random(f"raw-{kind}")
    for _ in range(1500):
        info = _read_bytes(_damaged(whole, rng))
        assert not _escaped(info), info.error
