"""PNG, GIF and WebP metadata read from their chunks and blocks, checked against exiftool."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.image_tools import (
    _chunk,
    _exif_block,
    _exiftool_write,
    _iim,
    _noise,
    _photoshop,
    _png,
    _raw_profile,
    _read,
    _read_counting,
    _text_chunk,
    _tool,
    _truth,
    _truth_size,
    _values,
    _xmp,
)

# --- PNG ----------------------------------------------------------------------------------


def test_png_made_by_imagemagick_from_a_tagged_jpeg(tmp_path):
    jpeg = tmp_path / "tagged.jpg"
    Image.new("RGB", (48, 32), "teal").save(jpeg)
    _exiftool_write(
        jpeg,
        "-IPTC:Keywords=a, b",  # one keyword with a comma in it
        "-IPTC:Keywords=c",
        "-IPTC:Caption-Abstract=A caption",
        "-IPTC:ObjectName=An object name",
        "-EXIF:Make=Acme",
        "-EXIF:DateTimeOriginal=2020:01:02 03:04:05",
    )
    png = tmp_path / "tagged.png"
    subprocess.run([_tool("convert"), str(jpeg), str(png)], check=True, capture_output=True)
    assert b"Raw profile type iptc" in png.read_bytes()  # what this test is about

    truth, info = _truth(png), _read(png)
    assert info.error is None
    assert info.extractor == "png-chunks"
    assert (info.width, info.height) == _truth_size(truth)
    assert info.keywords == _values(truth["IPTC:Keywords"]) == ["a, b", "c"]
    assert info.extra["description"] == truth["IPTC:Caption-Abstract"]
    assert info.extra["title"] == truth["IPTC:ObjectName"]
    assert info.camera_make == truth["IFD0:Make"]
    assert info.taken_at == "2020-01-02T03:04:05"


@pytest.mark.parametrize("kind", [b"tEXt", b"zTXt", b"iTXt"])
@pytest.mark.parametrize(
    ("profile", "block"),
    [
        ("exif", "exif"),  # "Exif\0\0" and TIFF
        ("exif", "tiff"),  # TIFF alone
        ("APP1", "exif"),  # a JPEG APP1 payload, as older ImageMagick and .NET name it
        ("iptc", "iim"),  # bare IPTC-IIM
        ("iptc", "8bim"),  # IPTC in a Photoshop resource block
        ("8bim", "8bim"),
    ],
)
def test_png_raw_profiles_after_the_image_data(tmp_path, kind, profile, block):
    iim = _iim((25, "Smith, John"), (25, "harbour"), (120, "On the quay"))
    payload = {
        "exif": _exif_block(),
        "tiff": _exif_block()[6:],
        "iim": iim,
        "8bim": _photoshop(iim),
    }[block]
    text = _text_chunk(kind, f"Raw profile type {profile}".encode(), _raw_profile(profile, payload))
    path = tmp_path / "raw.png"
    path.write_bytes(_png(Image.new("RGB", (40, 30)), after=text))

    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert (info.width, info.height) == _truth_size(truth)
    assert info.camera_make == truth.get("IFD0:Make")
    assert info.orientation == truth.get("IFD0:Orientation")
    assert info.keywords == _values(truth.get("IPTC:Keywords"))
    assert info.extra.get("description") == truth.get("IPTC:Caption-Abstract")
    assert info.keywords or info.camera_make  # the block was there to be read


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("where", ["before", "after"])
def test_png_xmp_text_chunk(tmp_path, compressed, where):
    packet = _xmp("Smith, John", "pier", attrs='xmp:Rating="-1"')
    chunk = _text_chunk(b"iTXt", b"XML:com.adobe.xmp", packet, compressed)
    path = tmp_path / "xmp.png"
    path.write_bytes(_png(Image.new("RGB", (20, 10)), **{where: chunk}))

    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert info.keywords == _values(truth["XMP-dc:Subject"]) == ["Smith, John", "pier"]
    assert info.extra["rating"] == truth["XMP-xmp:Rating"] == -1  # rejected


@pytest.mark.parametrize("idat_size", [8192, None])  # libpng's chunks, or one huge chunk
def test_png_metadata_after_big_image_data_without_reading_it(tmp_path, idat_size):
    after = _chunk(b"eXIf", _exif_block()[6:]) + _text_chunk(
        b"iTXt", b"XML:com.adobe.xmp", _xmp("far", "away")
    )
    data = _png(_noise((400, 400)), after=after, idat_size=idat_size)
    assert len(data) > 400_000
    path = tmp_path / "big.png"
    path.write_bytes(data)
    truth = _truth(path)

    info, bytes_read = _read_counting(data)
    assert info.error is None
    assert (info.width, info.height) == _truth_size(truth)
    assert info.camera_make == truth["IFD0:Make"]
    assert info.orientation == truth["IFD0:Orientation"]
    assert info.keywords == _values(truth["XMP-dc:Subject"])
    # The head, the tail and a few chunk headers: not the pixels in between.
    assert bytes_read < 160 * 1024


def test_png_with_a_broken_chunk_says_so(tmp_path):
    data = bytearray(_png(Image.new("RGB", (20, 10))))
    data[37:41] = b"\x00\x01\x02\x03"  # the type of the chunk after IHDR
    path = tmp_path / "broken.png"
    path.write_bytes(bytes(data))
    info = _read(path)
    assert (info.width, info.height) == (20, 10)
    assert info.error == "corrupt PNG chunk at byte 33"


# --- GIF and WebP -------------------------------------------------------------------------


def _animated_gif(path: Path, frames: int = 3, size: tuple[int, int] = (40, 30)) -> None:
    rng = random.Random(5)  # random palette indices: frames LZW cannot shrink
    images = [Image.frombytes("P", size, rng.randbytes(size[0] * size[1])) for _ in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:])


def test_gif_xmp_written_by_exiftool(tmp_path):
    path = tmp_path / "anim.gif"
    _animated_gif(path)
    _exiftool_write(path, "-XMP-dc:Subject=Smith, John", "-XMP-dc:Subject=gif", "-XMP:Rating=3")
    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert info.extractor == "gif-blocks"
    assert (info.width, info.height) == _truth_size(truth)
    assert info.keywords == _values(truth["XMP-dc:Subject"])
    assert info.extra["rating"] == truth["XMP-xmp:Rating"]


def test_gif_xmp_at_the_end_as_adobe_writes_it_is_found_without_reading_frames(tmp_path):
    path = tmp_path / "adobe.gif"
    _animated_gif(path, frames=12, size=(300, 300))
    gif = path.read_bytes()
    assert gif.endswith(b"\x3b") and len(gif) > 500_000
    magic = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
    extension = b"\x21\xff\x0bXMP DataXMP" + _xmp("end", "of file") + magic
    data = b"GIF89a" + gif[6:-1] + extension + b"\x3b"  # extensions need GIF89a
    path.write_bytes(data)
    truth = _truth(path)

    info, bytes_read = _read_counting(data)
    assert info.error is None
    assert info.keywords == _values(truth["XMP-dc:Subject"]) == ["end", "of file"]
    assert bytes_read < 160 * 1024


@pytest.mark.parametrize("options", [{}, {"lossless": True}])
def test_webp_simple_file_size(tmp_path, options):
    path = tmp_path / "plain.webp"
    Image.new("RGB", (37, 23), "navy").save(path, **options)
    truth, info = _truth(path), _read(path)
    assert (info.width, info.height) == _truth_size(truth) == (37, 23)
    assert (info.error, info.extractor) == (None, "webp-chunks")


def test_webp_exif_and_xmp_chunks(tmp_path):
    path = tmp_path / "meta.webp"
    Image.new("RGB", (37, 23)).save(path, exif=_exif_block(), xmp=_xmp("Smith, John", "web"))
    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert (info.width, info.height) == _truth_size(truth)
    assert info.camera_make == truth["IFD0:Make"]
    assert info.orientation == truth["IFD0:Orientation"]
    assert info.taken_at == "2020-01-02T03:04:05"
    assert info.keywords == _values(truth["XMP-dc:Subject"])


def test_animated_webp_xmp_written_by_exiftool(tmp_path):
    path = tmp_path / "anim.webp"
    frames = [Image.new("RGB", (30, 20), c) for c in ("red", "green", "blue")]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    _exiftool_write(path, "-XMP-dc:Subject=moving", "-XMP-dc:Title=Three colours")
    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert (info.width, info.height) == _truth_size(truth)
    assert info.keywords == _values(truth["XMP-dc:Subject"])
    assert info.extra["title"] == truth["XMP-dc:Title"]
