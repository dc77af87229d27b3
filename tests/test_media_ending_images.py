"""Bytes after the end of an image are a note; an image cut short is an error.

JPEG and PNG made on the fly with Pillow, the way `extract` sees them in a scan: the
first and last 64 KiB.
"""

from __future__ import annotations

import io
import random
import struct
from pathlib import Path

import pytest
from PIL import Image

from luna_desktop.media.extract import extract
from luna_desktop.media.info import MediaInfo, bytes_after_end
from tests.media_factory import make_jpeg

WINDOW = 64 * 1024  # what the scan reads of each end of a file for the oshash
TRAILER = b"LUNABENCH0000000007"  # what the scan benchmark appends to every file


def _extract(path: Path) -> MediaInfo:
    data = path.read_bytes()
    with path.open("rb") as fh:
        return extract(fh, str(path), path.name, data[:WINDOW], data[-WINDOW:], len(data))


def _noise(size: tuple[int, int], seed: int = 6) -> Image.Image:
    """A picture that compresses badly, so its file is bigger than both 64 KiB windows."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_the_note_wording():
    assert bytes_after_end(12, "video") == "12 bytes after the end of the video"
    assert bytes_after_end(1, "image") == "1 byte after the end of the image"


# --- JPEG ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trailer", "note"),
    [
        (TRAILER, "19 bytes after the end of the image"),
        (b"\xff", "1 byte after the end of the image"),  # a stray fill byte
        (b"\x00" * 512, "512 bytes after the end of the image"),  # padding to a sector
        # Longer than the tail window: the image ended in the first 64 KiB.
        (b"SEFT" * 20_000, "80000 bytes after the end of the image"),
    ],
)
def test_small_jpeg_with_bytes_after_its_end(tmp_path, trailer, note):
    info = _extract(make_jpeg(tmp_path / "photo.jpg", trailer=trailer))
    assert info.error is None
    assert info.notes == [note]
    assert (info.width, info.height, info.camera_model) == (64, 48, "TestCam 1")


def test_big_jpeg_with_a_trailer_is_measured_in_the_tail(tmp_path):
    data = _encoded(_noise((400, 300)), "JPEG", quality=95)
    assert len(data) > 2 * WINDOW  # the end marker lies in the tail window only
    path = tmp_path / "big.jpg"
    path.write_bytes(data + TRAILER)
    info = _extract(path)
    assert (info.error, info.notes) == (None, ["19 bytes after the end of the image"])


def test_jpeg_cut_short_is_an_error_even_with_bytes_appended(tmp_path):
    data = _encoded(_noise((400, 300)), "JPEG", quality=95)
    path = tmp_path / "cut.jpg"
    for tail in (b"", TRAILER):  # a half-copied file that something tagged afterwards
        path.write_bytes(data[: len(data) * 6 // 10] + tail)
        info = _extract(path)
        assert info.error == "the JPEG is truncated (it stops before its end-of-image marker)"
        assert info.notes == []
        assert (info.width, info.height) == (400, 300)  # the header was read all the same


def test_whole_jpeg_and_multi_picture_files_have_no_note(tmp_path):
    info = _extract(make_jpeg(tmp_path / "plain.jpg"))
    assert (info.error, info.notes) == (None, [])
    # MPO (and Ultra HDR): more pictures after the first; the file ends with the last one.
    frames = [Image.new("RGB", (32, 24), c) for c in ((200, 0, 0), (0, 0, 200))]
    mpo = tmp_path / "stereo.mpo"
    frames[0].save(mpo, "MPO", save_all=True, append_images=frames[1:])
    info = _extract(mpo)
    assert (info.error, info.notes) == (None, [])
    # A trailer is measured from the end of the last picture, not the first.
    mpo.write_bytes(mpo.read_bytes() + TRAILER)
    info = _extract(mpo)
    assert (info.error, info.notes) == (None, ["19 bytes after the end of the image"])


def test_motion_photo_video_is_neither_note_nor_error(tmp_path):
    # Google and Samsung append an MP4 after the JPEG: part of the format, not a trailer.
    # Its media data may hold FF D9 anywhere; a trailer must not be measured from there.
    video = struct.pack(">I4s4s", 16, b"ftyp", b"mp42") + b"\x00" * 4
    video += struct.pack(">I4s", 5008, b"mdat") + b"\xff\xd9" * 2500
    video += struct.pack(">I4s", 108, b"moov") + bytes(100)
    path = make_jpeg(tmp_path / "PXL_0001.MP.jpg", trailer=video)
    info = _extract(path)
    assert (info.error, info.notes) == (None, [])


# --- PNG ----------------------------------------------------------------------------------


def _png(tmp_path: Path, data: bytes, name: str = "picture.png") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("trailer_length", [19, 100, 80_000])
def test_small_png_with_bytes_after_its_end(tmp_path, trailer_length):
    data = _encoded(Image.new("RGB", (40, 30), (10, 200, 30)), "PNG")
    info = _extract(_png(tmp_path, data + b"J" * trailer_length))
    assert info.error is None
    assert info.notes == [f"{trailer_length} bytes after the end of the image"]
    assert (info.width, info.height) == (40, 30)


def test_big_png_with_a_trailer_is_measured_in_the_tail(tmp_path):
    data = _encoded(_noise((240, 240)), "PNG")
    assert len(data) > 2 * WINDOW
    info = _extract(_png(tmp_path, data + TRAILER))
    assert (info.error, info.notes) == (None, ["19 bytes after the end of the image"])


@pytest.mark.parametrize("cut", ["IEND", "IDAT"])
def test_png_cut_short_is_an_error(tmp_path, cut):
    data = _encoded(_noise((240, 240)), "PNG")
    kept = data[:-12] if cut == "IEND" else data[: len(data) // 2]
    info = _extract(_png(tmp_path, kept + TRAILER))
    assert info.error == "the PNG is truncated (it stops before its IEND chunk)"
    assert info.notes == []
