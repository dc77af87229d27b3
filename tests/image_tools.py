"""Images and metadata blocks the image-metadata tests build, and exiftool's truth for them."""

from __future__ import annotations

import io
import random
import struct
import subprocess
import zlib
from pathlib import Path

import pillow_heif
from PIL import Image

from luna_desktop.media.images import read_image
from luna_desktop.media.info import MediaInfo
from tests.media_tools import exiftool, tool

# The tests write HEIF files with Pillow; Luna itself reads HEIF from its boxes.
pillow_heif.register_heif_opener()


# --- tools and truth ----------------------------------------------------------------------


_tool = tool


_truth = exiftool  # exiftool's values, by tag name and by group:name


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
