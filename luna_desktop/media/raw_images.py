"""TIFF and the raw formats: CR2, DNG, NEF, ARW… (plain TIFF), ORF and RW2 (TIFF with
a magic of their own), and the two that are not TIFF at all, RAF and CR3.

EXIF comes from the fast reader in `exif`; the image sizes of every directory, and
IFD0's XMP and IPTC blocks, are read here directly from the TIFF structure.

One convention for every format: width and height are the stored size before any
rotation, and the rotation is the EXIF orientation. Which stored size is the one
exiftool reports differs by format, and the readers follow it:
- TIFF, DNG, CR2, NEF, ORF…: the largest image of any directory (IFD0 for ORF).
- RW2: the sensor area inside Panasonic's borders (IFD0 tags 4-7), else the size of
  the JpgFromRaw; that JPEG (tag 0x2E) also fills in what IFD0 and the Exif IFD lack.
- RAF (`raw_raf`): the embedded JPEG's. CR3 (`raw_cr3`): CMT1's IFD0.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from luna_desktop.media.exif import apply_exif, exif_from_tiff_file
from luna_desktop.media.info import MediaInfo, describe
from luna_desktop.media.iptc import apply_iptc
from luna_desktop.media.raw_cr3 import is_cr3, read_cr3
from luna_desktop.media.raw_embedded import fill_gaps, read_embedded_jpeg
from luna_desktop.media.raw_raf import RAF_MAGIC, read_raf
from luna_desktop.media.tiff_ifd import TiffDirectories
from luna_desktop.media.xmp import apply_xmp

_TIFF_MAGICS = (b"II*\x00", b"MM\x00*")
_ORF_MAGICS = (b"IIRO", b"IIRS", b"MMOR")
_RW2_MAGIC = b"IIU\x00"  # also Panasonic's older RAW and Leica's RWL


def is_tiff_or_raw(head: bytes) -> bool:
    """Whether the file's first bytes are those of a file `read_tiff_or_raw` reads."""
    magic = head[:4]
    return (
        magic in _TIFF_MAGICS
        or magic in _ORF_MAGICS
        or magic == _RW2_MAGIC
        or head.startswith(RAF_MAGIC)
        or is_cr3(head)
    )


def read_tiff_or_raw(fh: BinaryIO, head: bytes, info: MediaInfo) -> None:
    """TIFF and raw files: Luna's EXIF reader, IFD entries for the rest."""
    if head.startswith(RAF_MAGIC):
        read_raf(fh, head, info)
        return
    if is_cr3(head):
        read_cr3(fh, head, info)
        return
    panasonic = head[:4] == _RW2_MAGIC
    info.extractor = "tiff-ifd"
    apply_exif(exif_from_tiff_file(fh, info), info)
    layout = _TiffLayout(panasonic)
    try:
        layout.read(fh)
    except (OSError, EOFError, struct.error, ValueError) as exc:
        info.add_error(f"unreadable TIFF structure: {describe(exc)}")
    if panasonic:
        info.width, info.height = layout.sensor_area() or (None, None)
    elif layout.sizes:
        # Raw files keep a thumbnail in IFD0 (DNG) or previews beside the sensor
        # data; the largest image is the one the file is about, as exiftool reports.
        info.width, info.height = max(layout.sizes, key=lambda wh: wh[0] * wh[1])
    if layout.iptc:
        apply_iptc(layout.iptc, info)
    if layout.xmp:
        apply_xmp(layout.xmp, info)
    if layout.jpg_from_raw:
        found = read_embedded_jpeg(fh, head, *layout.jpg_from_raw)
        fill_gaps(info, found)
        if found.error:
            info.add_error(f"RW2's JpgFromRaw: {found.error}")
    if info.width is None and not info.error:
        info.add_error("no image size in the TIFF directories")
    own_magic = head[:4] in _ORF_MAGICS or panasonic
    if own_magic and layout.sensor_end > fh.seek(0, 2):
        # The sensor data is never read; its stated end is the evidence of a file cut
        # short (a copy interrupted). Only for these two, whose IFD0 strips are always
        # the sensor data; other TIFFs are judged by nothing yet.
        kind = "RW2" if panasonic else "ORF"
        info.add_error(f"the {kind} is truncated (its sensor data runs past the end of the file)")


# --- TIFF structure ---------------------------------------------------------------

_MAX_BLOB = 4 * 1024 * 1024
_XMP, _IPTC, _WIDTH, _HEIGHT = 700, 33723, 256, 257
# Panasonic's IFD0: the sensor's used area (top, left, bottom, right) and the JPEG.
_BORDERS = (0x0004, 0x0005, 0x0006, 0x0007)
_JPG_FROM_RAW = 0x002E
_STRIPS, _STRIP_COUNTS = 0x0111, 0x0117
_NO_OFFSET = 0xFFFFFFFF  # some Panasonic models' StripOffsets (RawDataOffset says it)


class _TiffLayout:
    """Image sizes of every IFD and SubIFD, with IFD0's XMP and IPTC blocks, and for
    Panasonic files the sensor borders and where the JpgFromRaw is.

    Luna's EXIF reader reads only the EXIF directories and tags it needs, so these
    entries are read here directly. What was read before a failure stays available.
    """

    def __init__(self, panasonic: bool = False) -> None:
        self.panasonic = panasonic
        self.sizes: list[tuple[int, int]] = []
        self.xmp: bytes | None = None
        self.iptc: bytes | None = None
        self.borders: list[int] = []
        self.jpg_from_raw: tuple[int, int] | None = None  # offset, length
        self.sensor_end = 0  # where IFD0's strips end

    def read(self, fh: BinaryIO) -> None:
        """Raises what made a directory unreadable, after reading all the others."""
        fh.seek(0)
        tiff = TiffDirectories(fh, fh.read(8))
        for directory in tiff.walk():
            entries = directory.entries
            width = tiff.first_int(entries, _WIDTH, 0)
            height = tiff.first_int(entries, _HEIGHT, 0)
            if width > 0 and height > 0:
                self.sizes.append((width, height))
            if directory.first:
                self.xmp = tiff.data(entries.get(_XMP), _MAX_BLOB)
                self.iptc = tiff.data(entries.get(_IPTC), _MAX_BLOB)
                strips = tiff.ints(entries.get(_STRIPS))
                counts = tiff.ints(entries.get(_STRIP_COUNTS))
                ends = [s + n for s, n in zip(strips, counts, strict=False) if s != _NO_OFFSET]
                self.sensor_end = max(ends, default=0)
                if self.panasonic:
                    self._read_panasonic(tiff, entries)
        if tiff.failure:
            raise tiff.failure

    def _read_panasonic(self, tiff: TiffDirectories, entries: dict) -> None:
        # Tags below 254 mean nothing in other TIFFs: only Panasonic's IFD0 is read so.
        borders = [tiff.first_int(entries, tag, -1) for tag in _BORDERS]
        if min(borders) >= 0:
            self.borders = borders
        jpeg = entries.get(_JPG_FROM_RAW)
        if jpeg is not None:
            offset, length = tiff.span(jpeg)
            if offset > 0 and length > 0:
                self.jpg_from_raw = (offset, length)

    def sensor_area(self) -> tuple[int, int] | None:
        """What exiftool reports as an RW2's size: right - left by bottom - top."""
        if not self.borders:
            return None
        top, left, bottom, right = self.borders
        if right <= left or bottom <= top:
            return None
        return right - left, bottom - top
