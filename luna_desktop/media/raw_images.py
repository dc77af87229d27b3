"""TIFF and the raw formats built on it: CR2, DNG, NEF, ARW, ORF, RW2…

exifread reads the EXIF; the image sizes of every directory, and IFD0's XMP and IPTC
blocks, are read here directly from the TIFF structure.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from luna_desktop.media.exif import apply_exif, exif_from_tiff_file
from luna_desktop.media.info import MediaInfo, describe
from luna_desktop.media.iptc import apply_iptc
from luna_desktop.media.tiff_ifd import TiffDirectories
from luna_desktop.media.xmp import apply_xmp

_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")


def is_tiff_or_raw(head: bytes) -> bool:
    """Whether the file's first bytes are those of a file `read_tiff_or_raw` reads."""
    return head[:4] in _TIFF_MAGICS


def read_tiff_or_raw(fh: BinaryIO, head: bytes, info: MediaInfo) -> None:
    """TIFF and TIFF-based raw files: exifread for EXIF, IFD entries for the rest."""
    standard = head[:4] in _TIFF_MAGICS[:2]
    info.extractor = "tiff-ifd"
    apply_exif(exif_from_tiff_file(fh, info), info)
    layout = _TiffLayout()
    try:
        layout.read(fh)
    except (OSError, EOFError, struct.error, ValueError) as exc:
        info.add_error(f"unreadable TIFF structure: {describe(exc)}")
    if layout.sizes:
        # Raw files keep a thumbnail in IFD0 (DNG) or previews beside the sensor
        # data; the largest image is the one the file is about, as exiftool reports.
        info.width, info.height = max(layout.sizes, key=lambda wh: wh[0] * wh[1])
    elif standard and not info.error:
        # (ORF and RW2 have their own magic and may keep the size elsewhere.)
        info.add_error("no image size in the TIFF directories")
    if layout.iptc:
        apply_iptc(layout.iptc, info)
    if layout.xmp:
        apply_xmp(layout.xmp, info)


# --- TIFF structure ---------------------------------------------------------------

_MAX_BLOB = 4 * 1024 * 1024
_XMP, _IPTC, _WIDTH, _HEIGHT = 700, 33723, 256, 257


class _TiffLayout:
    """Image sizes of every IFD and SubIFD, with IFD0's XMP and IPTC blocks.

    exifread does not go into SubIFDs without also decoding maker notes (slow), and
    it drops long byte fields such as XMP and IPTC, so these few entries are read
    here directly. What was read before a failure stays available.
    """

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []
        self.xmp: bytes | None = None
        self.iptc: bytes | None = None

    def read(self, fh: BinaryIO) -> None:
        """Raises what made a directory unreadable, after reading all the others."""
        fh.seek(0)
        tiff = TiffDirectories(fh, fh.read(8))
        for directory in tiff.walk():
            width = tiff.first_int(directory.entries, _WIDTH, 0)
            height = tiff.first_int(directory.entries, _HEIGHT, 0)
            if width > 0 and height > 0:
                self.sizes.append((width, height))
            if directory.first:
                self.xmp = tiff.data(directory.entries.get(_XMP), _MAX_BLOB)
                self.iptc = tiff.data(directory.entries.get(_IPTC), _MAX_BLOB)
        if tiff.failure:
            raise tiff.failure
