"""Media made on the fly for tests: real JPEGs with EXIF, GPS and IPTC, written by Pillow."""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from pathlib import Path

from PIL import Image, TiffImagePlugin

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769


def _dms(value: float) -> tuple:
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = Fraction((value - deg - minutes / 60) * 3600).limit_denominator(10000)
    return (
        TiffImagePlugin.IFDRational(deg, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(seconds.numerator, seconds.denominator),
    )


def _iptc_keywords(keywords: list[str]) -> bytes:
    """A Photoshop APP13 payload holding IPTC 2:25 keyword records."""
    iim = b"".join(
        b"\x1c\x02\x19" + struct.pack(">H", len(k.encode())) + k.encode() for k in keywords
    )
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    if len(iim) % 2:
        resource += b"\x00"
    return b"Photoshop 3.0\x00" + resource


def make_jpeg(
    path: Path,
    *,
    size: tuple[int, int] = (64, 48),
    color: tuple[int, int, int] = (200, 120, 40),
    taken: str | None = "2019:04:24 10:11:12",
    make: str | None = "TestMake",
    model: str | None = "TestCam 1",
    orientation: int | None = None,
    gps: tuple[float, float] | None = None,
    keywords: list[str] | None = None,
    trailer: bytes = b"",
) -> Path:
    """Write a JPEG; `trailer` bytes after the image give copies distinct hashes."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif[0x0132] = taken
        exif.get_ifd(_EXIF_IFD)[0x9003] = taken
    if gps:
        lat, lng = gps
        gps_ifd = exif.get_ifd(_GPS_IFD)
        gps_ifd[1] = "N" if lat >= 0 else "S"
        gps_ifd[2] = _dms(lat)
        gps_ifd[3] = "E" if lng >= 0 else "W"
        gps_ifd[4] = _dms(lng)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=85)
    data = buffer.getvalue()
    if keywords:
        app13 = _iptc_keywords(keywords)
        segment = b"\xff\xed" + struct.pack(">H", len(app13) + 2) + app13
        data = data[:2] + segment + data[2:]  # right after SOI
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data + trailer)
    return path
