"""Image metadata: size, orientation, date taken, camera, GPS, keywords.

Speed matters (a drive holds a million files), so each file is read once, and only
its header. JPEG (`jpeg`) and TIFF with the raw formats built on it (`raw_images`)
are read by Luna's own header and EXIF readers, and so are PNG, GIF, WebP, HEIF and
AVIF (`still_formats`, from their chunks and boxes); other formats by Pillow, which
parses the header for the size and hands over the raw EXIF, XMP and IPTC blocks.
Nothing here decodes pixels.

The truth these readers are checked against is exiftool's output for the shared
corpus; where exiftool and a naive reading differ, the comments say why.
"""

from __future__ import annotations

from functools import cache
from typing import BinaryIO

from PIL import Image

from luna_desktop.media.exif import apply_exif, exif_from_bytes, exif_from_file
from luna_desktop.media.info import MediaInfo, describe
from luna_desktop.media.iptc import apply_iptc
from luna_desktop.media.jpeg import read_jpeg
from luna_desktop.media.raw_images import is_tiff_or_raw, read_tiff_or_raw
from luna_desktop.media.still_formats import read_still_format
from luna_desktop.media.xmp import apply_xmp

__all__ = ["read_image"]

_HEAD = 64 * 1024  # what the scan holds of each file anyway


def read_image(fh: BinaryIO, info: MediaInfo, head: bytes | None = None) -> None:
    """Fill `info` from an image file's metadata; never raises.

    `fh` is an open, seekable binary file positioned anywhere; it is left open.
    `head`, the file's first bytes if the caller already holds them (the scan does,
    for the oshash), saves reading them again. `info.kind` and `info.mime` are not
    touched (that is `sniff`'s job). What could be read is kept; every problem is
    recorded with `info.add_error`.
    """
    try:
        if head is None:
            fh.seek(0)
            head = fh.read(_HEAD)
        if not head:
            info.add_error("empty file (0 bytes)")
            return
        if head[:2] == b"\xff\xd8":
            read_jpeg(fh, head, info)
        elif is_tiff_or_raw(head):
            read_tiff_or_raw(fh, head, info)
        elif not read_still_format(fh, head, info):  # PNG, GIF, WebP, HEIF, AVIF
            _read_with_pillow(fh, info)
    except Exception as exc:  # a scan of a million files must go on past any one file
        info.add_error(f"could not read image metadata: {describe(exc)}")
    info.keywords = _unique(info.keywords)


# --- file formats ---------------------------------------------------------------


def _read_with_pillow(fh: BinaryIO, info: MediaInfo) -> None:
    """BMP, ICO, HEIF sequences…: Pillow reads the header only."""
    info.extractor = "pillow"
    _register_heif()
    fh.seek(0)
    try:
        im = Image.open(fh)
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
    # Not im.close(): for HEIF it would close the caller's file.
    info.width, info.height = im.size
    exif = im.info.get("exif")
    if exif:
        apply_exif(exif_from_bytes(exif, info), info)
    if im.format == "HEIF":
        _fix_heif_orientation(im, info)
        info.extractor = "pillow-heif"
    photoshop = im.info.get("photoshop")
    if isinstance(photoshop, dict) and isinstance(photoshop.get(0x0404), bytes):
        apply_iptc(photoshop[0x0404], info)
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if xmp:
        apply_xmp(xmp, info)


@cache
def _register_heif() -> None:
    # Only here: HEIF and AVIF are read from their boxes (heif_boxes), and loading
    # libheif would cost every worker's start for the rare file that needs it.
    import pillow_heif

    pillow_heif.register_heif_opener()


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


# --- small helpers ----------------------------------------------------------------


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))
