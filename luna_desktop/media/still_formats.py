"""PNG, GIF, WebP, HEIF and AVIF, each read from its own chunk or box structure.

Opening these with an image library costs more than a scan can afford per file
(Pillow reads a whole WebP into memory; pillow-heif parses the whole container and
reports the size after rotation), and it stops at the pixels, missing metadata that
writers put after them. Each reader here reads only headers and metadata blocks.
"""

from __future__ import annotations

from typing import BinaryIO

from luna_desktop.media.gif_blocks import read_gif
from luna_desktop.media.heif_boxes import read_heif
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.png_chunks import PNG_SIGNATURE, read_png
from luna_desktop.media.webp_chunks import read_webp

__all__ = ["read_still_format"]

# ftyp brands of image-item files (HEIF and AVIF); a CR3 or an MP4 has none of them.
_HEIF_BRANDS = {b"mif1", b"mif2", b"msf1", b"miaf", b"heic", b"heix", b"avif", b"avis"}


def read_still_format(fh: BinaryIO, head: bytes, info: MediaInfo) -> bool:
    """Fill `info` if `head` (the file's first bytes) starts a format read here.

    False: not one of these formats, or a HEIF/AVIF without a readable primary
    image item (an image sequence), which a general reader may still understand.
    """
    if head.startswith(PNG_SIGNATURE):
        read_png(fh, head, info)
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        read_gif(fh, head, info)
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        read_webp(fh, head, info)
    elif head[4:8] == b"ftyp" and _heif_brands(head):
        return read_heif(fh, head, info)
    else:
        return False
    return True


def _heif_brands(head: bytes) -> bool:
    size = min(int.from_bytes(head[:4], "big"), len(head))
    brands = [head[8:12]] + [head[at : at + 4] for at in range(16, size - 3, 4)]
    return any(brand in _HEIF_BRANDS for brand in brands)
