"""Where a raw file (CR2, NEF, ARW, DNG, RAF, ORF, RW2…) keeps a picture Luna can show.

Luna shows a raw file's embedded JPEG preview and never develops raw sensor data. This
module only finds the previews, reading the file's structure through the one TIFF
directory reader (`tiff_ifd`) and the JPEG frame headers; `render` decodes them.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

import exifread

from .tiff_ifd import TiffDirectories

__all__ = ["RawPreviews", "exif_thumbnail", "find_previews", "is_raw"]

_TIFF_MAGICS = (b"II*\x00", b"MM\x00*")
# Raw formats whose container is TIFF with another magic (Olympus ORF, Panasonic RW2).
_TIFFLIKE_MAGICS = (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")
_RAW_EXTENSIONS = frozenset(
    {"3fr", "arw", "cr2", "cr3", "crw", "dcr", "dng", "erf", "fff", "gpr", "iiq", "kdc", "mef"}
    | {"mos", "nef", "nrw", "orf", "pef", "raf", "rw2", "rwl", "sr2", "srf", "srw", "x3f"}
)
_RAW_MIMES = frozenset(
    {
        "image/x-adobe-dng",
        "image/x-canon-cr2",
        "image/x-canon-cr3",
        "image/x-canon-crw",
        "image/x-fuji-raf",
        "image/x-nikon-nef",
        "image/x-nikon-nrw",
        "image/x-olympus-orf",
        "image/x-panasonic-rw2",
        "image/x-pentax-pef",
        "image/x-sony-arw",
        "image/x-sony-sr2",
        "image/x-sony-srf",
    }
)
# TIFF photometric interpretations of sensor data (CFA, LinearRaw): never a preview.
_SENSOR_PHOTOMETRIC = (32803, 34892)
_MAX_EMBEDDED = 256 * 1024 * 1024
# TIFF tags read here.
_ORIENTATION, _COMPRESSION, _PHOTOMETRIC = 0x0112, 0x0103, 0x0106
_STRIPS, _STRIP_COUNTS = 0x0111, 0x0117
_JPEG_OFFSET, _JPEG_LENGTH = 0x0201, 0x0202  # JPEGInterchangeFormat(Length)
_PANASONIC_JPG_FROM_RAW = 0x002E


@dataclass
class RawPreviews:
    """What a raw file holds to show, best first."""

    # (offset, length) of each embedded JPEG Pillow can decode, largest picture first.
    jpegs: list[tuple[int, int]] = field(default_factory=list)
    # The raw file's EXIF orientation, for previews that have none of their own; None
    # when the previews carry their own (RAF).
    orientation: int | None = None
    # IFD0 is an uncompressed RGB or grey picture (a DNG thumbnail) Pillow opens as TIFF.
    plain_ifd0: bool = False
    # A directory could not be read (cut short, or an offset past the end of the file).
    damaged: bool = False


def is_raw(head: bytes, path: bytes | str, mime: str | None) -> bool:
    if head[:4] in _TIFFLIKE_MAGICS or head.startswith(b"FUJIFILMCCD-RAW"):
        return True
    name = os.fsdecode(path)
    extension = name.rpartition(".")[2].lower() if "." in os.path.basename(name) else ""
    return extension in _RAW_EXTENSIONS or (mime or "") in _RAW_MIMES


def find_previews(fh: BinaryIO, head: bytes) -> RawPreviews:
    """The embedded previews of a raw file; raises EOFError or struct.error if even its
    header is cut short."""
    if head.startswith(b"FUJIFILMCCD-RAW"):
        # RAF: a big-endian (offset, length) of the embedded JPEG at byte 84. That JPEG
        # carries its own EXIF, orientation included.
        fh.seek(84)
        offset, length = struct.unpack(">II", fh.read(8))
        return RawPreviews(jpegs=_usable_jpegs(fh, [(offset, length)]))
    if head[:4] in _TIFF_MAGICS + _TIFFLIKE_MAGICS:
        return _tiff_previews(fh, head)
    return RawPreviews()  # CR3, CRW, X3F: containers not walked here


def _tiff_previews(fh: BinaryIO, head: bytes) -> RawPreviews:
    """Every JPEG referenced by IFD0, its chain and the SubIFDs, and IFD0's orientation.

    Previews live in JPEGInterchangeFormat entries (NEF, ARW, IFD1 of most raws), in
    single-strip directories with JPEG compression (CR2 IFD0, DNG SubIFDs), or in
    Panasonic's JpgFromRaw. What cannot be read is skipped.
    """
    tiff = TiffDirectories(fh, head)
    found = RawPreviews(orientation=1)
    spans = []
    for directory in tiff.walk():
        entries = directory.entries
        compression = tiff.first_int(entries, _COMPRESSION, 1)
        photometric = tiff.first_int(entries, _PHOTOMETRIC, 0)
        if directory.first:
            orientation = tiff.first_int(entries, _ORIENTATION, 1)
            found.orientation = orientation if 1 <= orientation <= 8 else 1
            found.plain_ifd0 = compression == 1 and photometric in (1, 2) and _STRIPS in entries
            blob = entries.get(_PANASONIC_JPG_FROM_RAW)
            if blob and blob[0] == 7:  # UNDEFINED bytes, stored at an offset
                spans.append(tiff.span(blob))
        start, length = tiff.ints(entries.get(_JPEG_OFFSET)), tiff.ints(entries.get(_JPEG_LENGTH))
        if start and length:
            spans.append((start[0], length[0]))
        strips, counts = tiff.ints(entries.get(_STRIPS)), tiff.ints(entries.get(_STRIP_COUNTS))
        if (
            compression in (6, 7)
            and photometric not in _SENSOR_PHOTOMETRIC
            and len(strips) == len(counts) == 1
        ):
            spans.append((strips[0], counts[0]))
    found.damaged = tiff.failure is not None
    found.jpegs = _usable_jpegs(fh, spans)
    return found


def _usable_jpegs(fh: BinaryIO, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans that hold a JPEG Pillow can decode, largest picture first, judged from
    the frame header alone (no big reads)."""
    size = os.fstat(fh.fileno()).st_size
    found = {}
    for offset, length in spans:
        if offset < 0 or length < 4 or length > _MAX_EMBEDDED or offset + length > size:
            continue
        frame = _jpeg_frame_size(fh, offset, length)
        if frame:
            found[offset] = (frame[0] * frame[1], offset, length)
    return [(offset, length) for _, offset, length in sorted(found.values(), reverse=True)]


# Baseline, extended, progressive, and their arithmetic-coded twins. Lossless JPEG
# (SOF3: Canon's and DNG's raw sensor data) is what Pillow cannot decode.
_DECODABLE_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC9, 0xCA})
_OTHER_SOF = frozenset({0xC3, 0xC5, 0xC6, 0xC7, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg_frame_size(fh: BinaryIO, offset: int, length: int) -> tuple[int, int] | None:
    fh.seek(offset)
    if fh.read(2) != b"\xff\xd8":
        return None
    position, end = offset + 2, offset + length
    while position + 4 <= end:
        fh.seek(position)
        marker = fh.read(4)
        if len(marker) < 4 or marker[0] != 0xFF:
            return None
        code = marker[1]
        if code == 0xFF:  # fill byte
            position += 1
            continue
        if code in _DECODABLE_SOF:
            frame = fh.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return (width, height) if width and height else None
        if code in _OTHER_SOF or code in (0xD9, 0xDA):
            return None
        position += 2 + struct.unpack(">H", marker[2:4])[0]
    return None


def exif_thumbnail(fh: BinaryIO) -> bytes | None:
    """The EXIF thumbnail (IFD1's JPEG) as exifread finds it, the last resort."""
    fh.seek(0)
    try:
        tags = exifread.process_file(fh, details=False)
    except Exception:
        return None
    thumbnail = tags.get("JPEGThumbnail")
    return thumbnail if isinstance(thumbnail, bytes) else None
