"""Image metadata beyond a JPEG's EXIF, on files made on the fly and checked against
what exiftool reports for the same file: PNG text chunks and raw profiles, GIF and
WebP XMP, HEIF/AVIF sizes, rotations and metadata items, XMP over IPTC, sidecars and
placeholder values.

exiftool, ImageMagick's convert and ffmpeg are required (CI installs them): a test
fails, never skips, when one is missing.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from luna_desktop.media.images import read_image
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.iptc import apply_iptc
from luna_desktop.media.xmp import apply_sidecar_xmp, apply_xmp

# The tests write HEIF files with Pillow; Luna itself reads HEIF from its boxes.
pillow_heif.register_heif_opener()

# --- tools and truth ----------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required by these tests (CI's package list installs it)")
    return path


def _truth(path: Path) -> dict:
    out = subprocess.run(
        [_tool("exiftool"), "-j", "-n", "-G1", str(path)], capture_output=True, check=True
    )
    return json.loads(out.stdout)[0]


def _exiftool_write(path: Path, *args: str) -> None:
    subprocess.run(
        [_tool("exiftool"), "-q", "-overwrite_original", *args, str(path)],
        capture_output=True,
        check=True,
    )


def _values(value: object) -> list[str]:
    """exiftool gives one value bare and several as a list, numbers as numbers."""
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _truth_size(tags: dict) -> tuple[int, int]:
    for group in ("PNG", "GIF", "RIFF", "File"):
        if f"{group}:ImageWidth" in tags:
            return tags[f"{group}:ImageWidth"], tags[f"{group}:ImageHeight"]
    raise AssertionError(f"exiftool reports no size: {sorted(tags)}")


def _read(path: Path) -> MediaInfo:
    info = MediaInfo()
    with path.open("rb") as fh:
        read_image(fh, info)
    return info


class _CountingDisk(io.RawIOBase):
    """File bytes behind a counter. Wrapped in a BufferedReader, as `open` wraps a
    real file, a seek and a small read cost a whole buffer, as they do on a drive."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.bytes_read = data, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = (0, self.pos, len(self.data))[whence] + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: bytearray | memoryview) -> int:
        chunk = self.data[self.pos : self.pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self.pos += len(chunk)
        self.bytes_read += len(chunk)
        return len(chunk)


def _read_counting(data: bytes) -> tuple[MediaInfo, int]:
    """What read_image makes of `data`, and how many bytes it read from the "drive"."""
    disk, info = _CountingDisk(data), MediaInfo()
    read_image(io.BufferedReader(disk), info)
    return info, disk.bytes_read


# --- blocks written byte by byte ---------------------------------------------------------

_NAMESPACES = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
    ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    ' xmlns:exif="http://ns.adobe.com/exif/1.0/"'
    ' xmlns:lr="http://ns.adobe.com/lightroom/1.0/"'
)


def _xmp(*subjects: str, attrs: str = "", body: str = "") -> bytes:
    items = "".join(f"<rdf:li>{s}</rdf:li>" for s in subjects)
    subject = f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>" if subjects else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {_NAMESPACES} {attrs}>{subject}{body}'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _iim(*datasets: tuple[int, str]) -> bytes:
    """IPTC-IIM record 2 datasets."""
    return b"".join(
        b"\x1c\x02" + bytes([n]) + struct.pack(">H", len(v.encode())) + v.encode()
        for n, v in datasets
    )


def _photoshop(iim: bytes) -> bytes:
    """A Photoshop image-resource block holding IPTC (resource 0x0404)."""
    padding = b"\x00" * (len(iim) & 1)
    return b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iim)) + iim + padding


def _exif_block() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Acme Optical"
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2020:01:02 03:04:05"
    return exif.tobytes()  # "Exif\0\0" and a TIFF block


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _text_chunk(kind: bytes, keyword: bytes, text: bytes, compressed: bool = False) -> bytes:
    if kind == b"tEXt":
        return _chunk(kind, keyword + b"\x00" + text)
    if kind == b"zTXt":
        return _chunk(kind, keyword + b"\x00\x00" + zlib.compress(text))
    body = zlib.compress(text) if compressed else text
    return _chunk(kind, keyword + b"\x00" + bytes([compressed]) + b"\x00\x00\x00" + body)


def _raw_profile(name: str, block: bytes) -> bytes:
    """ImageMagick's hex text: "\\n<name>\\n<length>\\n<hex lines>"."""
    digits = block.hex()
    lines = "\n".join(digits[i : i + 72] for i in range(0, len(digits), 72))
    return f"\n{name}\n{len(block):8d}\n{lines}\n".encode()


def _png(
    image: Image.Image, before: bytes = b"", after: bytes = b"", idat_size: int | None = None
) -> bytes:
    """A PNG with chunks put before and after its image data, whose IDAT chunks may be
    cut to `idat_size` (libpng writes 8 KiB chunks)."""
    out = io.BytesIO()
    image.save(out, "PNG")
    data, pos, pixels, ihdr = out.getvalue(), 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4 : pos + 8]
        if kind == b"IHDR":
            ihdr = data[pos : pos + 12 + length]
        elif kind == b"IDAT":
            pixels += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    size = idat_size or len(pixels)
    idats = b"".join(_chunk(b"IDAT", pixels[i : i + size]) for i in range(0, len(pixels), size))
    return data[:8] + ihdr + before + idats + after + _chunk(b"IEND", b"")


def _noise(size: tuple[int, int]) -> Image.Image:
    rng = random.Random(7)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


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


# --- XMP wins over IPTC; sidecars win over both -------------------------------------------


def test_xmp_wins_over_iptc_and_both_are_kept(tmp_path):
    path = tmp_path / "both.jpg"
    Image.new("RGB", (32, 24)).save(path)
    _exiftool_write(
        path,
        "-IPTC:Keywords=old",
        "-IPTC:Keywords=Smith, John",
        "-IPTC:ObjectName=Old title",
        "-IPTC:Caption-Abstract=What IPTC says",
        "-IPTC:City=Paris",
        "-IPTC:By-line=Ann Writer",
        "-XMP-dc:Subject=new",
        "-XMP-dc:Subject=Smith, John",
        "-XMP-dc:Title=New title",
        "-XMP-dc:Creator=Bo Shooter",
    )
    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert info.keywords == _values(truth["XMP-dc:Subject"])
    assert info.extra["title"] == truth["XMP-dc:Title"]
    assert info.extra["creator"] == _values(truth["XMP-dc:Creator"])
    # Where XMP says nothing, IPTC's value stands.
    assert info.extra["description"] == truth["IPTC:Caption-Abstract"]
    assert info.extra["city"] == truth["IPTC:City"]
    # Both sources are kept as they were.
    assert info.extra["iptc"]["keywords"] == _values(truth["IPTC:Keywords"])
    assert info.extra["iptc"]["title"] == truth["IPTC:ObjectName"]
    assert info.extra["iptc"]["creator"] == _values(truth["IPTC:By-line"])
    assert info.extra["xmp"]["keywords"] == _values(truth["XMP-dc:Subject"])


def test_the_precedence_does_not_depend_on_reading_order():
    iim = _iim((25, "a, b"), (25, "iptc only"), (5, "IPTC title"), (120, "IPTC caption"))
    packet = _xmp(
        "a, b",
        "xmp",
        body='<dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
        "XMP title</rdf:li></rdf:Alt></dc:title>",
    )
    sidecar = _xmp("sidecar", attrs='xmp:Rating="5"')
    steps = {
        "iptc": lambda i: apply_iptc(iim, i),
        "xmp": lambda i: apply_xmp(packet.decode(), i),  # videos hand over text
        "sidecar": lambda i: apply_sidecar_xmp(sidecar, i),
    }
    results = []
    for order in itertools.permutations(steps):
        info = MediaInfo(keywords=["from the container"])
        for step in order:
            steps[step](info)
        results.append((info.keywords, info.extra))
    assert all(result == results[0] for result in results)
    keywords, extra = results[0]
    assert keywords == ["from the container", "sidecar"]
    assert (extra["title"], extra["description"], extra["rating"]) == (
        "XMP title",
        "IPTC caption",
        5,
    )
    assert extra["iptc"]["keywords"] == ["a, b", "iptc only"]


def test_blocks_of_one_kind_merge_their_lists_and_the_first_keeps_its_value():
    # A file may hold two IPTC blocks (or two XMP packets): a leftover of some editor.
    info = MediaInfo()
    apply_iptc(_iim((25, "first"), (5, "First title")), info)
    apply_iptc(_iim((25, "second"), (5, "Second title")), info)
    assert info.keywords == ["first", "second"]
    assert info.extra["title"] == info.extra["iptc"]["title"] == "First title"


def test_xmp_title_description_rating_creator_and_places(tmp_path):
    body = (
        '<dc:title><rdf:Alt><rdf:li xml:lang="de">Hafen</rdf:li>'
        '<rdf:li xml:lang="x-default">Harbour</rdf:li></rdf:Alt></dc:title>'
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Boats at dusk</rdf:li>'
        "</rdf:Alt></dc:description>"
        "<dc:creator><rdf:Seq><rdf:li>Smith, John</rdf:li><rdf:li>Ann Lee</rdf:li>"
        "</rdf:Seq></dc:creator>"
    )
    attrs = 'xmp:Rating="4" photoshop:City="Sydney" photoshop:Country="Australia"'
    chunk = _text_chunk(b"iTXt", b"XML:com.adobe.xmp", _xmp("boats", attrs=attrs, body=body))
    path = tmp_path / "described.png"
    path.write_bytes(_png(Image.new("RGB", (8, 8)), before=chunk))
    truth, info = _truth(path), _read(path)
    assert info.extra["title"] == truth["XMP-dc:Title"] == "Harbour"  # x-default first
    assert info.extra["description"] == truth["XMP-dc:Description"]
    assert info.extra["creator"] == _values(truth["XMP-dc:Creator"])
    assert info.extra["rating"] == truth["XMP-xmp:Rating"]
    assert info.extra["city"] == truth["XMP-photoshop:City"]
    assert info.extra["country"] == truth["XMP-photoshop:Country"]


def test_sidecar_wins_over_what_the_image_embeds(tmp_path):
    image = tmp_path / "IMG_1234.jpg"
    Image.new("RGB", (32, 24)).save(image)
    _exiftool_write(
        image,
        "-XMP-dc:Subject=embedded",
        "-XMP-dc:Title=Embedded title",
        "-XMP-dc:Description=Embedded description",
        "-XMP:Rating=2",
        "-IPTC:Keywords=iptc",
    )
    # What darktable writes: dc:subject, and the same keywords as a hierarchy.
    sidecar = tmp_path / "IMG_1234.xmp"
    sidecar.write_bytes(
        _xmp(
            "Smith, John",
            "Dublin",
            attrs='xmp:Rating="5"',
            body="<lr:hierarchicalSubject><rdf:Bag><rdf:li>people|Smith, John</rdf:li>"
            "<rdf:li>places|Ireland|Dublin</rdf:li></rdf:Bag></lr:hierarchicalSubject>"
            '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Sidecar title</rdf:li>'
            "</rdf:Alt></dc:title>",
        )
    )
    embedded, side = _truth(image), _truth(sidecar)

    for sidecar_first in (False, True):
        info = MediaInfo()
        if sidecar_first:
            apply_sidecar_xmp(sidecar.read_bytes(), info)
        with image.open("rb") as fh:
            read_image(fh, info)
        if not sidecar_first:
            apply_sidecar_xmp(sidecar.read_bytes(), info)
        assert info.error is None
        assert info.keywords == _values(side["XMP-dc:Subject"])  # not the hierarchy
        assert info.extra["title"] == side["XMP-dc:Title"]
        assert info.extra["rating"] == side["XMP-xmp:Rating"]
        # The sidecar has no description: the image's stands.
        assert info.extra["description"] == embedded["XMP-dc:Description"]
        assert info.extra["xmp_sidecar"]["keywords"] == _values(side["XMP-dc:Subject"])
        assert info.extra["xmp"]["keywords"] == _values(embedded["XMP-dc:Subject"])
        assert info.extra["xmp"]["rating"] == embedded["XMP-xmp:Rating"]
        assert info.extra["iptc"]["keywords"] == _values(embedded["IPTC:Keywords"])


# --- placeholders -------------------------------------------------------------------------


def test_zero_gps_and_zero_dates_in_xmp_and_iptc_are_no_values(tmp_path):
    path = tmp_path / "zero.jpg"
    Image.new("RGB", (32, 24)).save(path)
    _exiftool_write(
        path,
        "-XMP-exif:GPSLatitude=0",
        "-XMP-exif:GPSLongitude=0",
        # "#=": written as given; exiftool would refuse a zero date otherwise.
        "-XMP-exif:DateTimeOriginal#=0000:00:00 00:00:00",
        "-IPTC:DateCreated#=00000000",
        "-IPTC:Keywords=zero",
    )
    truth, info = _truth(path), _read(path)
    assert truth["XMP-exif:GPSLatitude"] == 0 == truth["XMP-exif:GPSLongitude"]
    assert truth["XMP-exif:DateTimeOriginal"].startswith("0000")
    assert truth["IPTC:DateCreated"].startswith("0000")
    assert (info.lat, info.lng) == (None, None)
    assert info.taken_at is None
    assert "date" not in info.extra["iptc"] and "xmp" not in info.extra
    # The same as the text cameras and programs write it.
    info = MediaInfo()
    apply_xmp(
        _xmp(attrs='exif:GPSLatitude="0,0.0N" exif:GPSLongitude="0,0.0E"'
             ' exif:DateTimeOriginal="0000:00:00"'),
        info,
    )  # fmt: skip
    assert (info.lat, info.lng, info.taken_at, info.error) == (None, None, None, None)
    assert "xmp" not in info.extra  # nothing worth keeping
