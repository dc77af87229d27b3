"""Video metadata that real files carry, checked against exiftool on files made here.

Each MP4, MOV or 3GP file is made by ffmpeg (as cameras and editors write them), changed
by exiftool (XMP), or has boxes written byte by byte where neither tool writes what a
device does; then `read_video` must report what exiftool reports for the same file.
MPEG transport and program streams are in test_media_mpeg_streams.py. ffmpeg, exiftool
and libvlc are required: these tests fail, never skip, without them.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from luna_desktop.media.containers import read_container
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.sniff import sniff
from tests.media_tools import H264, exiftool, ffmpeg, read, tool


def exif_position(tags: dict) -> tuple[float, float] | None:
    """exiftool's position, as Luna keeps it: none unless numeric, on the globe, not 0,0."""
    lat, lng = tags.get("Composite:GPSLatitude"), tags.get("Composite:GPSLongitude")
    if not all(isinstance(v, int | float) for v in (lat, lng)):
        return None
    if abs(lat) > 90 or abs(lng) > 180 or (lat, lng) == (0, 0):
        return None
    return lat, lng


def exif_altitude(tags: dict) -> float | None:
    if "Composite:GPSAltitude" not in tags:
        return None
    sign = -1 if tags.get("Composite:GPSAltitudeRef") == 1 else 1
    return sign * tags["Composite:GPSAltitude"]


def exif_iso(text: str) -> str:
    """exiftool's '2023:05:01 14:03:22+02:00' (or '…Z') as Luna's ISO 8601."""
    date, time = text.split(" ")
    return f"{date.replace(':', '-')}T{time.replace('Z', '+00:00')}"


def assert_position(info: MediaInfo, tags: dict, digits: float = 1e-7) -> None:
    want = exif_position(tags)
    if want is None:
        assert (info.lat, info.lng) == (None, None)
        assert "gps_altitude" not in info.extra
        return
    assert info.lat == pytest.approx(want[0], abs=digits)
    assert info.lng == pytest.approx(want[1], abs=digits)
    assert info.extra.get("gps_altitude") == pytest.approx(exif_altitude(tags), abs=0.01)


# --- ISO base media boxes, byte by byte ---------------------------------------------------


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, *payload: bytes) -> bytes:
    return box(kind, b"\0\0\0\0", *payload)


def text_atom(kind: bytes, text: str) -> bytes:
    """A QuickTime user-data text atom (©xyz, ©day): length, language, text."""
    raw = text.encode()
    return box(kind, struct.pack(">HH", len(raw), 0x15C7), raw)


def apple_keys(**items: str) -> bytes:
    """A QuickTime 'meta' box with 'mdta' keys and their UTF-8 values."""
    hdlr = full_box(b"hdlr", bytes(4), b"mdta", bytes(13))
    names = list(items)
    keys = full_box(
        b"keys", struct.pack(">I", len(names)), *(box(b"mdta", k.encode()) for k in names)
    )
    values = (
        box(struct.pack(">I", i + 1), box(b"data", struct.pack(">II", 1, 0), v.encode()))
        for i, v in enumerate(items.values())
    )
    return box(b"meta", hdlr, keys, box(b"ilst", *values))


def loci(lat: float, lng: float, alt: float, name: bytes = b"Home\0") -> bytes:
    """3GPP LocationInformation: language, name, role, then 16.16 lng, lat, altitude."""
    fixed = struct.pack(">3i", *(round(v * 65536) for v in (lng, lat, alt)))
    return full_box(b"loci", b"\x15\xc7", name, b"\0", fixed, b"earth\0", b"\0")


def top_boxes(data: bytes) -> list[tuple[bytes, int, int]]:
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        boxes.append((kind, pos, pos + size))
        pos += size
    return boxes


def add_to_moov(path: Path, *children: bytes, out: Path | None = None) -> Path:
    """Append boxes to the movie box, which ffmpeg writes last, so no sample moves."""
    data = path.read_bytes()
    kind, start, end = top_boxes(data)[-1]
    assert kind == b"moov" and end == len(data), "moov must be the last box"
    moov = data[start + 8 : end] + b"".join(children)
    target = out or path.with_name("edited-" + path.name)
    target.write_bytes(data[:start] + box(b"moov", moov))
    return target


def set_tkhd(path: Path, out: Path, matrix=None, size=None) -> Path:
    """Rewrite the first (video) track header's matrix (a, b, c, d) or width and height."""
    data = bytearray(path.read_bytes())
    at = data.index(b"tkhd") + 4  # version 0: 20 bytes of times and ids, 16 reserved
    assert data[at] == 0
    if matrix:
        a, b, c, d = matrix
        struct.pack_into(
            ">9i", data, at + 40, a << 16, b << 16, 0, c << 16, d << 16, 0, 0, 0, 1 << 30
        )
    if size:
        struct.pack_into(">II", data, at + 76, size[0] << 16, size[1] << 16)
    out.write_bytes(data)
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, Path]:
    """Plain files of each ISO flavour, with moov last, to add boxes to."""
    folder = tmp_path_factory.mktemp("base")
    return {
        "mp4": ffmpeg(folder / "base.mp4", *H264),
        "mov": ffmpeg(folder / "base.mov", *H264),
        "3gp": ffmpeg(folder / "base.3gp", "-c:v", "h263", "-s", "176x144", "-ar", "8000",
                      "-ac", "1", "-c:a", "aac"),
    }  # fmt: skip


# --- 1. location: ISO 6709 in ©xyz and Apple's key, 3GPP 'loci' --------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("loci.mp4", (*H264, "-metadata", "location=+48.8577+002.2950/")),  # ffmpeg: loci
        ("xyz.mov", (*H264, "-metadata", "location=-33.8568-070.6483+520.000/")),  # ©xyz
        ("loci.3gp", ("-c:v", "h263", "-s", "176x144", "-ar", "8000", "-ac", "1",
                      "-c:a", "aac", "-metadata", "location=-22.9519-043.2105/")),
        ("keys.mov", (*H264, "-movflags", "use_metadata_tags", "-metadata",
                      "com.apple.quicktime.location.ISO6709=-33.8568+151.2153+010.000/")),
        ("keys.mp4", (*H264, "-movflags", "use_metadata_tags", "-metadata",
                      "com.apple.quicktime.location.ISO6709=+12.5-045.25+100.5/")),
    ],
)  # fmt: skip
def test_location_written_by_ffmpeg(tmp_path, name, args):
    path = ffmpeg(tmp_path / name, *args)
    tags = exiftool(path)
    assert exif_position(tags), tags  # each file does carry a place
    info = read(path)
    assert info.error is None, info.error
    # 'loci' stores 16.16 fixed point; exiftool prints it with five decimals
    assert_position(info, tags, 1e-5 if "loci" in name else 1e-7)


ISO6709 = [
    "+48.8577+002.2950/",  # lat and lng only
    "-33.8568+151.2153+010.000/",  # southern, with altitude
    "+40.6892-074.0445-005.5/",  # western, below sea level
    "-22.9519-043.2105+700CRSWGS_84/",  # a coordinate reference system after it
    "-3351.5+15118.25/",  # ±DDMM.M±DDDMM.M
    "+404022.5-0740035.6/",  # ±DDMMSS.S±DDDMMSS.S
    "+00.0000+000.0000/",  # no fix: a placeholder (exiftool says 0 0)
    "+00.0000+000.0000+000.000/",
    "N48.8577 E2.2950",  # malformed: no position, no crash
    "+48.8577/",
    "garbage+48.8577+002.2950/",
    "+91.0000+200.0000/",  # off the globe (exiftool passes it on)
    "",
]


@pytest.mark.parametrize("flavour", ["mp4", "mov", "3gp"])
@pytest.mark.parametrize("text", ISO6709)
def test_iso6709_in_user_data(base, tmp_path, flavour, text):
    path = add_to_moov(base[flavour], box(b"udta", text_atom(b"\xa9xyz", text)),
                       out=tmp_path / f"xyz.{flavour}")  # fmt: skip
    info = read(path)
    assert info.error is None, info.error
    assert_position(info, exiftool(path))


@pytest.mark.parametrize("flavour", ["mp4", "mov", "3gp"])
@pytest.mark.parametrize("text", ISO6709[:8])
def test_iso6709_in_apple_keys(base, tmp_path, flavour, text):
    key = "com.apple.quicktime.location.ISO6709"
    path = add_to_moov(base[flavour], apple_keys(**{key: text}), out=tmp_path / f"k.{flavour}")
    info = read(path)
    assert info.error is None, info.error
    assert_position(info, exiftool(path))


@pytest.mark.parametrize(
    ("lat", "lng", "alt"),
    [(-34.6037, -58.3816, 25.0), (64.1466, -21.9426, -3.5), (0.0, 0.0, 0.0)],  # 0,0: no fix
)
def test_3gpp_location_box(base, tmp_path, lat, lng, alt):
    utf8 = add_to_moov(base["3gp"], box(b"udta", loci(lat, lng, alt, "Reykjavík\0".encode())),
                       out=tmp_path / "utf8.3gp")  # fmt: skip
    tags = exiftool(utf8)
    assert tags["LocationInformation"].startswith("Reykjavík Role=shooting Lat=")
    info = read(utf8)
    assert info.error is None, info.error
    assert_position(info, tags, 1e-5)
    # The name may be UTF-16 with a byte-order mark instead. exiftool 12.57 drops the mark
    # before it parses the box, so it takes the name's first zero byte for its end and
    # misreads the rest: the position must be the same as with the UTF-8 name.
    name = b"\xfe\xff" + "Reykjavík".encode("utf-16-be") + b"\0\0"
    utf16 = add_to_moov(base["3gp"], box(b"udta", loci(lat, lng, alt, name)),
                        out=tmp_path / "utf16.3gp")  # fmt: skip
    assert read(utf16) == info


def test_apple_key_beats_user_data_and_loci(base, tmp_path):
    path = add_to_moov(
        base["mp4"],
        box(b"udta", loci(1.5, 2.5, 0), text_atom(b"\xa9xyz", "+10.0000+020.0000/")),
        apple_keys(**{"com.apple.quicktime.location.ISO6709": "+30.0000+040.0000/"}),
        out=tmp_path / "three.mp4",
    )
    info = read(path)
    assert (info.lat, info.lng) == (30.0, 40.0)


# --- 2 and 6. dates: local time with its zone, and placeholders ---------------------------


def test_apple_creation_date_keeps_its_zone_and_beats_mvhd(tmp_path):
    path = ffmpeg(tmp_path / "phone.mov", *H264, "-movflags", "use_metadata_tags",
                  "-metadata", "com.apple.quicktime.creationdate=2023-05-01T14:03:22+0200",
                  "-metadata", "creation_time=2023-05-01T09:00:00Z")  # fmt: skip
    tags = exiftool(path)
    assert tags["QuickTime:CreateDate"] == "2023:05:01 09:00:00"  # the UTC mvhd date is there
    info = read(path)
    assert info.taken_at == exif_iso(tags["Keys:CreationDate"]) == "2023-05-01T14:03:22+02:00"
    assert info.taken_at_raw == "2023-05-01T14:03:22+0200"  # as written


def test_mvhd_date_is_utc(tmp_path):
    path = ffmpeg(tmp_path / "clip.mp4", *H264, "-metadata", "creation_time=2021-02-03T04:05:06Z")
    tags = exiftool(path)
    info = read(path)
    assert info.taken_at == exif_iso(tags["QuickTime:CreateDate"] + "Z")
    assert info.taken_at_raw == tags["QuickTime:CreateDate"]


@pytest.mark.parametrize(
    "zero", ["0000-00-00T00:00:00Z", "0000-00-00T00:00:00+0000", "0000:00:00 00:00:00"]
)
@pytest.mark.parametrize("mvhd", [None, "2021-02-03T04:05:06Z"])
def test_zero_dates_are_placeholders(base, tmp_path, zero, mvhd):
    mvhd_args = ["-metadata", f"creation_time={mvhd}"] if mvhd else []
    key = ["-movflags", "use_metadata_tags", "-metadata",
           f"com.apple.quicktime.creationdate={zero}"]  # fmt: skip
    keys = ffmpeg(tmp_path / "keys.mov", *H264, *key, *mvhd_args)
    day = add_to_moov(ffmpeg(tmp_path / "day.mp4", *H264, *mvhd_args),
                      box(b"udta", text_atom(b"\xa9day", zero)))  # fmt: skip
    for path, tag in ((keys, "Keys:CreationDate"), (day, "UserData:ContentCreateDate")):
        tags = exiftool(path)
        assert tags[tag].startswith("0000"), tags  # exiftool sees the placeholder
        info = read(path)
        if mvhd:  # the placeholder does not hide a real date
            assert info.taken_at == exif_iso(tags["QuickTime:CreateDate"] + "Z"), path
        else:
            assert (info.taken_at, info.taken_at_raw) == (None, None), path


# --- 3. XMP: Adobe's 'uuid' box and QuickTime's XMP_ ---------------------------------------

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
XMP_ARGS = ("-XMP-dc:Subject=a", "-XMP-dc:Subject=b, c", "-XMP-dc:Title=Opening night",
            "-XMP-dc:Description=The band, from the balcony")  # fmt: skip


def exiftool_write(path: Path, *args: str) -> Path:
    subprocess.run([tool("exiftool"), "-q", "-overwrite_original", *args, os.fspath(path)],
                   check=True, timeout=60)  # fmt: skip
    return path


def assert_xmp(info: MediaInfo, tags: dict) -> None:
    subjects = tags["XMP-dc:Subject"]
    assert info.keywords == (subjects if isinstance(subjects, list) else [subjects])
    # title and description come from xmp.apply_xmp (luna_desktop/media/xmp.py)
    assert info.extra.get("title") == tags["XMP-dc:Title"]
    assert info.extra.get("description") == tags["XMP-dc:Description"]


@pytest.mark.parametrize("flavour", ["mp4", "mov", "3gp"])
def test_xmp_written_by_exiftool(base, tmp_path, flavour):
    path = tmp_path / f"xmp.{flavour}"
    shutil.copyfile(base[flavour], path)
    exiftool_write(path, *XMP_ARGS, "-XMP-exif:GPSLatitude=-12.5", "-XMP-exif:GPSLongitude=-45.25")
    data = path.read_bytes()
    kinds = [kind for kind, _, _ in top_boxes(data)]
    # exiftool puts XMP where Adobe does: a top-level uuid box, or moov/udta/XMP_ in MOV
    assert (b"uuid" in kinds) != (flavour == "mov") and (b"XMP_" in data) == (flavour == "mov")
    tags = exiftool(path)
    info = read(path)
    assert info.error is None, info.error
    assert_xmp(info, tags)
    assert (info.lat, info.lng) == (tags["XMP-exif:GPSLatitude"], tags["XMP-exif:GPSLongitude"])


def test_container_place_beats_xmp(tmp_path):
    path = ffmpeg(tmp_path / "both.mov", *H264, "-metadata", "location=+48.8577+002.2950/")
    exiftool_write(path, *XMP_ARGS, "-XMP-exif:GPSLatitude=10", "-XMP-exif:GPSLongitude=20")
    tags = exiftool(path)
    info = read(path)
    assert_xmp(info, tags)
    assert_position(info, tags)  # exiftool's Composite position is the QuickTime one
    assert (info.lat, info.lng) == (48.8577, 2.295)


def _xmp_packet(path: Path) -> bytes:
    """The XMP uuid box exiftool wrote into a copy of `path`."""
    data = path.read_bytes()
    (start, end), = [(s, e) for k, s, e in top_boxes(data) if k == b"uuid"]  # fmt: skip
    return data[start + 24 : end]


def test_xmp_uuid_after_the_media_data_and_other_uuids(base, tmp_path):
    source = tmp_path / "source.mp4"
    shutil.copyfile(base["mp4"], source)
    packet = _xmp_packet(exiftool_write(source, *XMP_ARGS))
    other = box(b"uuid", bytes(range(16)), packet.replace(b"Opening", b"Closing"))
    data = base["mp4"].read_bytes() + other + box(b"uuid", XMP_UUID, packet)  # after moov
    path = tmp_path / "late.mp4"
    path.write_bytes(data)
    tags = exiftool(path)
    assert tags["XMP-dc:Title"] == "Opening night"  # exiftool skips the other uuid too
    info = read(path)
    assert info.error is None and info.notes == [], (info.error, info.notes)
    assert_xmp(info, tags)


def test_xmp_uuid_box_too_small_for_its_uuid(base, tmp_path):
    # Its size says 20 bytes, less than its header and UUID: there is no packet to read
    # (a negative length would read the rest of the file).
    path = tmp_path / "bogus.mp4"
    path.write_bytes(base["mp4"].read_bytes() + struct.pack(">I4s", 20, b"uuid") + XMP_UUID)
    container = read_container(path)
    assert container.xmp is None and container.problems == []
    assert (container.width, container.height) == (320, 240)


def test_xmp_with_a_zero_position_is_no_place(base, tmp_path):
    path = tmp_path / "zero.mp4"
    shutil.copyfile(base["mp4"], path)
    exiftool_write(path, *XMP_ARGS, "-XMP-exif:GPSLatitude=0", "-XMP-exif:GPSLongitude=0")
    assert exiftool(path)["XMP-exif:GPSLatitude"] == 0
    info = read(path)
    assert (info.lat, info.lng) == (None, None)
    assert info.keywords == ["a", "b, c"]


# --- 4. stored size and orientation -------------------------------------------------------

ROTATION_TO_ORIENTATION = {0: None, 90: 6, 180: 3, 270: 8}


def _rotation_options(degrees: str) -> tuple[list[str], list[str]]:
    """ffmpeg's (input, output) options to turn a copied video: -display_rotation (6.0
    on, counter-clockwise) where ffmpeg has it, else the older "rotate" stream tag."""
    help_text = subprocess.run([tool("ffmpeg"), "-hide_banner", "-h", "full"],
                               capture_output=True, text=True, timeout=60).stdout  # fmt: skip
    if "display_rotation" in help_text:
        return ["-display_rotation", degrees], []
    return [], ["-metadata:s:v:0", f"rotate={degrees}"]


@pytest.mark.parametrize("flavour", ["mp4", "mov"])
@pytest.mark.parametrize("rotate", ["90", "180", "270"])
def test_rotation_written_by_ffmpeg(base, tmp_path, flavour, rotate):
    # Which way ffmpeg turns for "90" has differed between versions (ffmpeg 5.1 writes a
    # matrix that exiftool reads as 270° clockwise): compare with exiftool, don't guess.
    path = tmp_path / f"turned.{flavour}"
    before, after = _rotation_options(rotate)
    subprocess.run([tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y", *before,
                    "-i", os.fspath(base[flavour]), "-c", "copy", *after, os.fspath(path)],
                   check=True, timeout=60)  # fmt: skip
    tags = exiftool(path)
    assert tags["Composite:Rotation"] in (90, 180, 270)
    info = read(path)
    assert (info.width, info.height) == (tags["ImageWidth"], tags["ImageHeight"]) == (320, 240)
    assert info.orientation == ROTATION_TO_ORIENTATION[tags["Composite:Rotation"]]
    assert info.extra["rotation"] == tags["Composite:Rotation"]


@pytest.mark.parametrize(
    ("matrix", "orientation"),
    [
        ((1, 0, 0, 1), None), ((-1, 0, 0, 1), 2), ((-1, 0, 0, -1), 3), ((1, 0, 0, -1), 4),
        ((0, 1, 1, 0), 5), ((0, 1, -1, 0), 6), ((0, -1, -1, 0), 7), ((0, -1, 1, 0), 8),
    ],
)  # fmt: skip
def test_track_matrix_as_exif_orientation(base, tmp_path, matrix, orientation):
    # exiftool has no tag for a mirrored track: its Rotation is atan2(b, a) whatever the
    # mirror, so only the rotation and the size are compared with it.
    path = set_tkhd(base["mp4"], tmp_path / "matrix.mp4", matrix=matrix)
    tags = exiftool(path)
    info = read(path)
    assert info.orientation == orientation
    assert info.extra.get("rotation", 0) == tags["Composite:Rotation"]
    assert (info.width, info.height) == (tags["ImageWidth"], tags["ImageHeight"])


def test_tkhd_with_the_turned_size_gives_the_stored_size(base, tmp_path):
    path = set_tkhd(base["mp4"], tmp_path / "swapped.mp4", matrix=(0, 1, -1, 0), size=(240, 320))
    tags = exiftool(path)
    assert (tags["ImageWidth"], tags["ImageHeight"]) == (240, 320)  # exiftool reports tkhd
    info = read(path)
    assert (info.width, info.height) == (tags["SourceImageWidth"], tags["SourceImageHeight"])
    assert info.orientation == 6


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("clip.mkv", H264), ("clip.avi", ("-c:v", "mjpeg")), ("clip.mp4", H264),
        ("clip.ts", ("-c:v", "mpeg2video")), ("clip.mpg", ("-c:v", "mpeg2video")),
        ("clip.m2ts", ("-c:v", "mpeg2video", "-mpegts_m2ts_mode", "1", "-f", "mpegts")),
    ],
)  # fmt: skip
def test_every_format_gives_the_stored_size(tmp_path, name, args):
    path = ffmpeg(tmp_path / name, *args, size="352x288")
    tags = exiftool(path)
    info = read(path)
    assert info.error is None, info.error
    assert (info.width, info.height) == (tags["ImageWidth"], tags["ImageHeight"]) == (352, 288)
    assert info.orientation is None
    assert sniff(path.read_bytes()[:65536], name)[1] == tags["MIMEType"]
