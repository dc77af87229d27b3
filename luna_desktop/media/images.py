"""Image metadata: size, orientation, date taken, camera, GPS, keywords.

Speed matters (a drive holds a million files), so each file is read once, and only
its header: Pillow parses the header for the size and hands over the raw EXIF, XMP
and IPTC blocks, and exifread decodes the EXIF block from memory. TIFF and the raw
formats built on TIFF (CR2, DNG, NEF, ARW…) are read by exifread from the file, plus
a few IFD entries read directly (sizes, XMP, IPTC). Nothing here decodes pixels.

The truth these readers are checked against is exiftool's output for the shared
corpus; where exiftool and a naive reading differ, the comments say why.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

import pillow_heif
from PIL import Image, JpegImagePlugin

from luna_desktop.media.exif import apply_exif, exif_from_bytes, exif_from_file
from luna_desktop.media.info import MediaInfo, describe
from luna_desktop.media.iptc import apply_iptc
from luna_desktop.media.tiff_ifd import TiffDirectories
from luna_desktop.media.xmp import apply_xmp

__all__ = ["read_image"]

pillow_heif.register_heif_opener()
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")


def read_image(fh: BinaryIO, info: MediaInfo) -> None:
    """Fill `info` from an image file's metadata; never raises.

    `fh` is an open, seekable binary file positioned anywhere; it is left open.
    `info.kind` and `info.mime` are not touched (that is `sniff`'s job). What could
    be read is kept; every problem is recorded with `info.add_error`.
    """
    try:
        fh.seek(0)
        head = fh.read(16)
        if not head:
            info.add_error("empty file (0 bytes)")
            return
        if head[:4] in _TIFF_MAGICS:
            _read_tiff(fh, info, standard=head[:4] in _TIFF_MAGICS[:2])
        else:
            _read_with_pillow(fh, info)
    except Exception as exc:  # a scan of a million files must go on past any one file
        info.add_error(f"could not read image metadata: {describe(exc)}")
    info.keywords = _unique(info.keywords)


# --- file formats ---------------------------------------------------------------


def _read_with_pillow(fh: BinaryIO, info: MediaInfo) -> None:
    """JPEG, MPO, PNG, HEIC, WebP, GIF, BMP…: Pillow reads the header only."""
    info.extractor = "exifread+pillow"
    fh.seek(0)
    try:
        im = _open_header(fh, info.mime)
    except Exception as exc:
        fh.seek(0)
        if fh.read(12)[4:8] == b"ftyp":
            # pillow-heif needs the whole container and only says "cannot identify".
            reason = "truncated, corrupt or an unsupported codec"
        else:
            reason = describe(exc)
        info.add_error(f"not a readable image: {reason}")
        # A file cut short after its EXIF block still has a date and a camera.
        apply_exif(exif_from_file(fh, info, quiet=True), info)
        return
    # Not im.close(): for MPO and HEIF it would close the caller's file.
    info.width, info.height = im.size
    exif = im.info.get("exif")
    if exif:
        tags = exif_from_bytes(exif, info)
    elif im.format == "PNG":
        # PNG may put eXIf after the pixel data, where Pillow only looks after a full
        # decode; exifread walks the chunk headers instead.
        tags = exif_from_file(fh, info)
    else:
        tags = {}
    apply_exif(tags, info)
    if im.format == "MPO":
        info.extra["mpo_frames"] = im.n_frames
    if im.format == "HEIF":
        _fix_heif_orientation(im, info)
        info.extractor = "exifread+pillow-heif"
    photoshop = im.info.get("photoshop")
    if isinstance(photoshop, dict) and isinstance(photoshop.get(0x0404), bytes):
        apply_iptc(photoshop[0x0404], info)
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if xmp:
        apply_xmp(xmp, info)


class _JpegHeader(JpegImagePlugin.JpegImageFile):
    """Pillow's JPEG header reader, minus its DPI lookup.

    On open, Pillow parses the whole EXIF block once more just to find a DPI, which
    nothing here needs and exifread reads anyway: a fifth of a scan's time per JPEG.
    """

    def _read_dpi_from_exif(self) -> None:
        return


def _open_header(fh: BinaryIO, mime: str | None) -> Image.Image:
    if mime == "image/jpeg":
        try:
            im = _JpegHeader(fh)
        except Exception:
            fh.seek(0)
            return Image.open(fh)
        if "mp" not in im.info:
            return im
        fh.seek(0)  # an MPO: Pillow's own factory knows its frames
    return Image.open(fh)


def _fix_heif_orientation(im: Image.Image, info: MediaInfo) -> None:
    """Undo pillow-heif's view so HEIC reads like JPEG: stored size + EXIF orientation.

    libheif applies the container's rotation, reports the rotated size, and
    pillow-heif resets EXIF Orientation to 1, keeping the original aside. The
    container rotation and the EXIF orientation describe the same turn.
    """
    original = im.info.get("original_orientation")
    if isinstance(original, int) and 1 <= original <= 8:
        info.orientation = original
        if original >= 5:  # a quarter turn: the stored pixels are the other way round
            info.width, info.height = info.height, info.width


def _read_tiff(fh: BinaryIO, info: MediaInfo, standard: bool) -> None:
    """TIFF and TIFF-based raw files: exifread for EXIF, IFD entries for the rest."""
    info.extractor = "exifread"
    apply_exif(exif_from_file(fh, info), info)
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


# --- small helpers ----------------------------------------------------------------


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))
