"""HEIF and AVIF: stored size, irot/imir as an orientation, EXIF and XMP items, against exiftool."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.image_tools import (
    _exiftool_write,
    _read,
    _tool,
    _truth,
    _truth_size,
    _values,
    _xmp,
)

# --- HEIF and AVIF ------------------------------------------------------------------------

# exiftool reports irot as Rotation, in degrees anticlockwise.
_ORIENTATION_OF_ROTATION = {0: 1, 90: 8, 180: 3, 270: 6}


def _save_still(path: Path, fmt: str, orientation: int | None, **options) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Phone Co"
    if orientation:
        exif[0x0112] = orientation
    Image.new("RGB", (128, 64), "red").save(path, fmt, exif=exif.tobytes(), quality=30, **options)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heif_and_avif_give_stored_size_and_the_orientation_of_irot_and_imir(
    tmp_path, fmt, orientation
):
    # pillow-heif (libheif) and Pillow (libavif) turn an EXIF orientation into irot and
    # imir, each its own way (5 is a quarter turn then a mirror, in either order).
    path = tmp_path / f"o{orientation}.{fmt.lower()}"
    _save_still(path, fmt, orientation)
    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert info.extractor == "heif-boxes"
    stored = tuple(int(n) for n in truth["QuickTime:ImageSpatialExtent"].split())
    assert (info.width, info.height) == stored == (128, 64)
    if "IFD0:Orientation" in truth:  # libheif keeps the EXIF tag beside irot/imir
        assert info.orientation == truth["IFD0:Orientation"]
    if orientation in (1, 3, 6, 8) and (orientation != 1 or fmt == "HEIF"):
        # No mirror: exiftool's Rotation alone says it (this exiftool predates imir).
        assert info.orientation == _ORIENTATION_OF_ROTATION[truth.get("QuickTime:Rotation", 0)]
    expected = None if (fmt, orientation) == ("AVIF", 1) else orientation
    assert info.orientation == expected  # libavif writes nothing at all for 1

    # One convention for every format: it reads like a JPEG with that orientation.
    jpeg = tmp_path / "same.jpg"
    _save_still(jpeg, "JPEG", orientation)
    like = _read(jpeg)
    assert (info.width, info.height) == (like.width, like.height)
    if expected is not None:
        assert info.orientation == like.orientation


def test_heif_turned_by_irot_without_an_exif_orientation(tmp_path):
    path = tmp_path / "irot.heic"
    _save_still(path, "HEIF", 6)
    _exiftool_write(path, "-IFD0:Orientation=")
    truth = _truth(path)
    assert "IFD0:Orientation" not in truth and truth["QuickTime:Rotation"] == 270
    info = _read(path)
    assert (info.width, info.height, info.orientation) == (128, 64, 6)
    assert info.camera_make == truth["IFD0:Make"]


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heif_and_avif_exif_and_xmp_items(tmp_path, fmt):
    path = tmp_path / f"items.{fmt.lower()}"
    exif = Image.Exif()
    exif[0x010F] = "Phone Co"
    exif[0x0110] = "Phone 9"
    exif.get_ifd(0x8769)[0x9003] = "2021:04:11 15:47:53"
    packet = _xmp(
        "Smith, John",
        "harbour",
        body='<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Quay</rdf:li></rdf:Alt></dc:title>',
    )
    Image.new("RGB", (64, 48)).save(path, fmt, exif=exif.tobytes(), xmp=packet, quality=30)
    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert (info.camera_make, info.camera_model) == (truth["IFD0:Make"], truth["IFD0:Model"])
    assert info.taken_at == "2021-04-11T15:47:53"
    assert info.keywords == _values(truth["XMP-dc:Subject"])
    assert info.extra["title"] == truth["XMP-dc:Title"]

    # exiftool rewrites the items (and may move them): still found.
    _exiftool_write(path, "-XMP-dc:Subject=rewritten", "-EXIF:Model=Phone 10")
    truth, info = _truth(path), _read(path)
    assert info.keywords == _values(truth["XMP-dc:Subject"]) == ["rewritten"]
    assert info.camera_model == truth["IFD0:Model"] == "Phone 10"


def test_avif_made_by_ffmpeg(tmp_path):
    path = tmp_path / "ffmpeg.avif"
    subprocess.run(
        [_tool("ffmpeg"), "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=red:s=96x40",
         "-frames:v", "1", "-c:v", "libaom-av1", "-still-picture", "1", str(path)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    truth, info = _truth(path), _read(path)
    assert (info.width, info.height) == _truth_size(truth) == (96, 40)
    assert (info.error, info.orientation, info.extractor) == (None, None, "heif-boxes")


def test_heif_cut_short_keeps_its_metadata_and_says_so(tmp_path):
    path = tmp_path / "cut.heic"
    _save_still(path, "HEIF", 6)
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"mdat") + 12])  # the meta box comes first
    truth, info = _truth(path), _read(path)
    assert (info.width, info.height, info.orientation) == (128, 64, 6)
    assert info.camera_make == truth.get("IFD0:Make") is None  # its EXIF item is gone
    assert info.error == "the HEIF is truncated (its image data runs past the end of the file)"
