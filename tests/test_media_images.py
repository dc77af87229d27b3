from __future__ import annotations

import io
import random
import struct
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, TiffImagePlugin

from luna_desktop.media.images import read_image
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.sniff import sniff

# The tests write HEIF files with Pillow; Luna itself reads HEIF from its boxes.
pillow_heif.register_heif_opener()

# --- against exiftool's truth for the corpus --------------------------------------------


def _truth_date(raw: str) -> tuple[str, str] | None:
    """(ISO date-time without zone, zone) from exiftool's text; None for no date."""
    raw = raw.strip()
    if not raw.strip(" :0"):  # "" or "0000:00:00 00:00:00" or "    :  :     :  :  "
        return None
    stamp, zone = raw[:19], raw[19:].strip()
    iso = stamp[:10].replace(":", "-") + "T" + stamp[11:]
    return iso, "+00:00" if zone == "Z" else zone


def _mismatches(row: dict[str, str], info: MediaInfo) -> list[str]:
    problems = []

    def check(field: str, got: object, want: object) -> None:
        if got != want:
            problems.append(f"{field}: got {got!r}, truth {want!r}")

    check("width", info.width, int(row["width"]) if row["width"] else None)
    check("height", info.height, int(row["height"]) if row["height"] else None)
    check("orientation", info.orientation, int(row["orientation"]) if row["orientation"] else None)
    check("make", info.camera_make, row["make"] or None)
    check("model", info.camera_model, row["model"] or None)
    check("keywords", info.keywords, row["keywords"].split("|") if row["keywords"] else [])
    # Exactly 0,0 is a placeholder (a camera without a fix), which Luna does not keep.
    placeholder = row["gps_lat"] and float(row["gps_lat"]) == 0 == float(row["gps_lon"])
    for field, got, want in (("lat", info.lat, row["gps_lat"]), ("lng", info.lng, row["gps_lon"])):
        if not want or placeholder:
            check(field, got, None)
        elif got is None or abs(got - float(want)) > 1e-5:
            problems.append(f"{field}: got {got!r}, truth {want}")
    date = _truth_date(row["datetime_original"])
    if date is None:
        check("taken_at", info.taken_at, None)
    else:
        iso, zone = date
        taken = info.taken_at or ""
        check("taken_at", taken[:19], iso)
        if zone:
            check("taken_at zone", taken[19:], zone)
    check("error", info.error, None)
    return problems


def test_every_corpus_image_matches_the_truth(corpus, truth):
    images = [row for row in truth if row["mime"].startswith("image/")]
    assert len(images) > 40
    wrong = []
    for row in images:
        info = MediaInfo()
        with (corpus / row["relative_path"]).open("rb") as fh:
            read_image(fh, info)
            assert not fh.closed  # the caller's file stays the caller's
        assert info.extractor in (
            "jpeg-header",
            "tiff-ifd",
            "png-chunks",
            "gif-blocks",
            "webp-chunks",
            "heif-boxes",
            "pillow",
            "pillow-heif",
        )
        wrong += [f"{row['relative_path']}: {p}" for p in _mismatches(row, info)]
    assert not wrong, "\n".join(wrong)


def _read(path: Path) -> MediaInfo:
    info = MediaInfo()
    with path.open("rb") as fh:
        read_image(fh, info)
    return info


def test_corpus_details_the_truth_table_does_not_show(corpus):
    # A zero date is no date, but what the camera wrote is kept.
    e885 = _read(corpus / "Digital Camera Archive/Nikon/Nikon E885.jpg")
    assert e885.taken_at is None
    assert e885.taken_at_raw == "0000:00:00 00:00:00"
    # A blank date is no date and nothing worth keeping.
    dx5 = _read(corpus / "Digital Camera Archive/FujiFilm/FujiFilm DX-5.jpg")
    assert (dx5.taken_at, dx5.taken_at_raw) == (None, None)
    # EXIF is broken here; the date comes from XMP, with its Z kept as +00:00.
    broken = _read(corpus / "Recovered/30-type_error.jpg")
    assert broken.taken_at == "2013-07-05T03:18:27+00:00"
    assert broken.taken_at_raw == "2013-07-05T03:18:27Z"
    # OffsetTimeOriginal is applied when present.
    heic = _read(corpus / "Phone/DCIM/100APPLE/IMG_5195.HEIC")
    assert heic.taken_at == "2021-04-11T15:47:53-05:00"
    assert heic.extractor == "heif-boxes"
    # A modification date is not a date taken.
    scan = _read(corpus / "Scans/DudleyLeavittUtah.tiff")
    assert scan.taken_at is None
    assert scan.extra["modified"] == "2009:09:26 01:11:52"
    # IPTC city and country are kept as extras.
    budapest = _read(corpus / "2006 Budapest/iptc.jpg")
    assert budapest.extra["city"] == "Budapest"
    assert budapest.extra["country"] == "Hungary"
    mpo = _read(corpus / "Misc/frozenpond.mpo")
    assert mpo.extra["mpo_frames"] == 2


def test_truncated_real_jpeg(corpus, tmp_path):
    data = (corpus / "2006 Budapest/iptc.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[:2048])
    info = _read(path)  # must not raise
    assert info.error and "truncated" in info.error
    assert info.width is None
    # The EXIF block lies inside the first 2 KB and is salvaged.
    assert info.camera_make == "Nokia"
    assert info.taken_at == "2006-07-08T21:14:45"


# --- files made on the fly ----------------------------------------------------------------


def _iptc(*datasets: tuple[int, bytes]) -> bytes:
    """An APP13 Photoshop segment holding IPTC-IIM record 2 datasets."""
    iim = b"".join(b"\x1c\x02" + bytes([n]) + struct.pack(">H", len(v)) + v for n, v in datasets)
    iim += b"\x00" * (len(iim) & 1)
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim))
    payload = b"Photoshop 3.0\x00" + resource + iim
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def _xmp(*subjects: str, extra: str = "") -> bytes:
    items = "".join(f"<rdf:li>{s}</rdf:li>" for s in subjects)
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        f' xmlns:exif="http://ns.adobe.com/exif/1.0/" {extra}>'
        f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _exif(
    original: str | None = "2021:05:06 07:08:09",
    offset: str | None = "+02:00",
    digitized: str | None = None,
    gps: bool = True,
) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Acme Optical  "
    exif[0x0110] = "Model 7"
    exif[0x0112] = 6
    exif[0x0132] = "2022:01:01 00:00:00"  # DateTime: a modification date
    sub = exif.get_ifd(0x8769)
    if original is not None:
        sub[0x9003] = original
    if offset is not None:
        sub[0x9011] = offset
    if digitized is not None:
        sub[0x9004] = digitized
    if gps:
        position = exif.get_ifd(0x8825)
        position[1] = "S"
        # 0/0 seconds: "not used", as some Nikons write it.
        position[2] = (33.0, 51.0, TiffImagePlugin.IFDRational(0, 0))
        position[3] = "E"
        position[4] = (151.0, 12.0, 33.84)
    return exif


def _jpeg(exif: Image.Exif | None = None, segments: bytes = b"", size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG", **({"exif": exif} if exif else {}))
    data = out.getvalue()
    return data[:2] + segments + data[2:]  # extra APPn segments right after SOI


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_jpeg_with_exif_gps_iptc_and_xmp(tmp_path):
    segments = _iptc(
        (25, b"harbour"),
        (25, "Z\u00fcrich".encode()),
        (25, "caf\u00e9".encode("cp1252")),  # an old writer's code page
        (90, b"Sydney"),
        (101, b"Australia"),
    ) + _xmp("harbour", "ferry")
    path = _write(tmp_path, "made.jpg", _jpeg(_exif(), segments))
    assert sniff(path.read_bytes(), path.name) == ("image", "image/jpeg")

    info = _read(path)
    assert info.error is None
    assert (info.width, info.height) == (64, 48)
    assert info.orientation == 6
    assert info.camera_make == "Acme Optical"
    assert info.camera_model == "Model 7"
    assert info.taken_at == "2021-05-06T07:08:09+02:00"
    assert info.taken_at_raw == "2021:05:06 07:08:09"
    assert info.lat == pytest.approx(-(33 + 51 / 60), abs=1e-9)
    assert info.lng == pytest.approx(151 + 12 / 60 + 33.84 / 3600, abs=1e-9)
    # XMP's dc:subject wins over IPTC's keywords, which are kept aside.
    assert info.keywords == ["harbour", "ferry"]
    assert info.extra["iptc"]["keywords"] == ["harbour", "Z\u00fcrich", "caf\u00e9"]
    assert info.extra["city"] == "Sydney"
    assert info.extra["country"] == "Australia"
    assert info.extra["modified"] == "2022:01:01 00:00:00"
    assert info.extractor == "jpeg-header"


@pytest.mark.parametrize(
    ("original", "offset", "digitized", "taken_at", "raw"),
    [
        ("2013:07:05 03:18:27Z", None, None, "2013-07-05T03:18:27+00:00", "2013:07:05 03:18:27Z"),
        ("2013:07:05 03:18:27", "-0500", None, "2013-07-05T03:18:27-05:00", "2013:07:05 03:18:27"),
        ("0000:00:00 00:00:00", None, None, None, "0000:00:00 00:00:00"),
        (
            "0000:00:00 00:00:00",
            None,
            "2020:01:02 03:04:05",
            "2020-01-02T03:04:05",
            "2020:01:02 03:04:05",
        ),
        ("    :  :     :  :  ", None, None, None, None),
        ("2019:02:30 10:00:00", None, None, None, "2019:02:30 10:00:00"),  # no 30 February
        (None, None, None, None, None),  # only IFD0 DateTime, which is not a date taken
    ],
)
def test_date_taken(tmp_path, original, offset, digitized, taken_at, raw):
    exif = _exif(original=original, offset=offset, digitized=digitized, gps=False)
    info = _read(_write(tmp_path, "d.jpg", _jpeg(exif)))
    assert (info.taken_at, info.taken_at_raw) == (taken_at, raw)
    assert info.error is None


def test_xmp_gps_and_date_fill_in_when_exif_has_none(tmp_path):
    xmp = _xmp(
        "alps",
        extra='exif:GPSLatitude="48,53.323582N" exif:GPSLongitude="21,2.59507W"'
        ' exif:DateTimeOriginal="2011-03-12T15:36:11.00+01:00"',
    )
    info = _read(_write(tmp_path, "x.jpg", _jpeg(segments=xmp)))
    assert info.lat == pytest.approx(48 + 53.323582 / 60, abs=1e-9)
    assert info.lng == pytest.approx(-(21 + 2.59507 / 60), abs=1e-9)
    assert info.taken_at == "2011-03-12T15:36:11+01:00"
    assert info.keywords == ["alps"]
    assert info.orientation is None
    assert info.error is None


def test_exif_wins_over_xmp(tmp_path):
    xmp = _xmp(extra='exif:GPSLatitude="10,0N" exif:GPSLongitude="10,0E"')
    info = _read(_write(tmp_path, "both.jpg", _jpeg(_exif(), segments=xmp)))
    assert info.lat == pytest.approx(-(33 + 51 / 60))
    assert info.taken_at == "2021-05-06T07:08:09+02:00"


def test_broken_xmp_is_reported_and_exif_kept(tmp_path):
    payload = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:RDF"
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    info = _read(_write(tmp_path, "badxmp.jpg", _jpeg(_exif(), segments=segment)))
    assert info.error and "XMP" in info.error
    assert info.camera_model == "Model 7"
    assert (info.width, info.height) == (64, 48)


def test_truncated_generated_jpeg(tmp_path):
    data = _jpeg(_exif(), _iptc((25, b"kept?")))
    info = _read(_write(tmp_path, "half.jpg", data[: len(data) // 3]))
    assert info.error is not None
    assert info.width is None


def test_zero_byte_file(tmp_path):
    path = _write(tmp_path, "FILE0001.JPG", b"")
    assert sniff(b"", path.name) == ("other", None)
    info = _read(path)
    assert info.error == "empty file (0 bytes)"
    assert (info.width, info.height, info.taken_at) == (None, None, None)


def test_garbage_named_jpg(tmp_path):
    data = random.Random(42).randbytes(16384)
    path = _write(tmp_path, "IMG_1234.jpg", data)
    kind, mime = sniff(data, path.name)
    assert (kind, mime) == ("other", None)  # the content decides, not the name
    info = MediaInfo(kind=kind, mime=mime)
    with path.open("rb") as fh:
        read_image(fh, info)
    assert info.error and "not a readable image" in info.error
    assert info.width is None
    assert (info.kind, info.mime) == ("other", None)  # read_image leaves these to sniff


def test_png_with_exif(tmp_path):
    out = io.BytesIO()
    Image.new("RGB", (20, 10)).save(out, "PNG", exif=_exif())
    info = _read(_write(tmp_path, "e.png", out.getvalue()))
    assert (info.width, info.height, info.orientation) == (20, 10, 6)
    assert info.camera_make == "Acme Optical"
    assert info.lat == pytest.approx(-(33 + 51 / 60))
    assert info.error is None


def test_tiff_with_iptc_and_xmp_blocks(tmp_path):
    xmp_packet = _xmp("sea", "dunes")[4 + len(b"http://ns.adobe.com/xap/1.0/\x00") :]
    iim = b"\x1c\x02\x19\x00\x04boat\x1c\x02\x19\x00\x03sea\x1c\x02\x5a\x00\x04Nice"
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(
        out, "TIFF", tiffinfo={271: "ScanCo", 274: 3, 700: xmp_packet, 33723: iim}
    )
    info = _read(_write(tmp_path, "scan.tif", out.getvalue()))
    assert (info.width, info.height, info.orientation) == (40, 30, 3)
    assert info.camera_make == "ScanCo"
    assert info.keywords == ["sea", "dunes"]  # XMP's, not IPTC's
    assert info.extra["iptc"]["keywords"] == ["boat", "sea"]
    assert info.extra["city"] == "Nice"  # XMP has no city: IPTC's stands
    assert info.extractor == "tiff-ifd"
    assert info.error is None


def test_heic_reports_stored_size_and_exif_orientation(tmp_path):
    # libheif rotates by the container's irot and pillow-heif resets EXIF Orientation;
    # read_image must still give what exiftool gives: 128x64 stored, orientation 6.
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Phone Co"
    out = io.BytesIO()
    Image.new("RGB", (128, 64), "red").save(out, "HEIF", exif=exif.tobytes(), quality=30)
    path = _write(tmp_path, "rot.heic", out.getvalue())
    assert sniff(path.read_bytes(), path.name) == ("image", "image/heic")
    info = _read(path)
    assert (info.width, info.height, info.orientation) == (128, 64, 6)
    assert info.camera_make == "Phone Co"
    assert info.error is None


def test_never_raises_on_hostile_headers(tmp_path):
    samples = {
        "tiff_loop.tif": b"II*\x00\x08\x00\x00\x00\x00\x00\x08\x00\x00\x00",  # IFD points to itself
        "tiff_far.tif": b"MM\x00*\xff\xff\xff\xf0" + bytes(64),
        "jpeg_soi.jpg": b"\xff\xd8\xff",
        "ftyp.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00heicmif1",
        "png_sig.png": b"\x89PNG\r\n\x1a\n",
    }
    for name, data in samples.items():
        info = _read(_write(tmp_path, name, data))
        assert info.error, name
