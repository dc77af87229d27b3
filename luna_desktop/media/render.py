"""Preview rendering: a still image on a drive → packed RGB/RGBA bytes sized for a pane.

Qt-free on purpose: the UI runs `render_preview` on a worker thread and only wraps the
bytes in a QImage, so the same code can feed a thumbnail cache or the CLI later.

What it promises:
- EXIF orientation is applied, so every result is the right way up; `original_size`
  is the full picture's size after orientation. ``render_preview(p, None)`` returns
  exactly `original_size`.
- JPEG (and MPO) are decoded at 1/2, 1/4 or 1/8 scale by libjpeg when the target is
  small enough (`Image.draft`), which is most of the speed for camera photos.
- Raw files (CR2, NEF, ARW, DNG, RAF…) show the largest embedded JPEG preview; raw
  sensor data is never decoded. For them `original_size` is the preview's size,
  since that is the most this function can show.
- Truncated files: Pillow refuses them unless the process-wide
  `ImageFile.LOAD_TRUNCATED_IMAGES` is set. A plain decode is tried first; only when
  that fails with "truncated" is the decode retried with the flag set, inside a lock,
  and the flag restored straight after. The result is marked ``partial=True``. (A
  different thread decoding a truncated file during that short window would also be
  let through: harmless, it gets a partial picture instead of an error.) A partial
  picture that is a single flat colour holds nothing and is reported as an error.
- Decompression bombs: Pillow's `Image.MAX_IMAGE_PIXELS` is honoured as it is set
  when called (by default an image over ~179 megapixels is refused).
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import io
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import exifread
import numpy as np
import pillow_heif
from PIL import Image, ImageFile

from .tiff_ifd import Entry, read_ifd

__all__ = ["PreviewError", "Rendered", "fit_size", "read_text_preview", "render_preview"]

pillow_heif.register_heif_opener()

_TIFF_MAGICS = (b"II*\x00", b"MM\x00*")
# Raw formats whose container is TIFF with another magic (Olympus ORF, Panasonic RW2).
_TIFFLIKE_MAGICS = (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")
_RAW_EXTENSIONS = frozenset(
    {"3fr", "arw", "cr2", "cr3", "crw", "dcr", "dng", "erf", "fff", "gpr", "iiq", "kdc", "mef"}
    | {"mos", "nef", "nrw", "orf", "pef", "raf", "rw2", "rwl", "sr2", "srf", "srw", "x3f"}
)
# TIFF photometric interpretations of sensor data (CFA, LinearRaw): never a preview.
_SENSOR_PHOTOMETRIC = (32803, 34892)
_MAX_EMBEDDED = 256 * 1024 * 1024
_MAX_IFDS = 32
_ORIENTATION = 0x0112

_TRUNCATED_LOCK = threading.Lock()


@dataclass(frozen=True)
class Rendered:
    """Pixels ready for a QImage: `height` rows of `width` pixels, no row padding."""

    width: int
    height: int
    mode: str  # "RGB" (3 bytes a pixel) or "RGBA" (4, straight alpha)
    data: bytes = field(repr=False)
    # The full picture's size after orientation (for raw files: the embedded preview's).
    original_size: tuple[int, int]
    # "image", "raw-embedded-preview", "raw-thumbnail" or "exif-thumbnail".
    source: str = "image"
    # The file ended early; only the top of the picture (or a few passes) is real.
    partial: bool = False
    # What the decoder produced before the final resize, after orientation: smaller
    # than `original_size` when JPEG draft mode decoded at a reduced scale.
    decoded_size: tuple[int, int] = (0, 0)

    @property
    def stride(self) -> int:
        return self.width * len(self.mode)


class PreviewError(Exception):
    """A file that cannot be shown, with a message meant for the curator.

    `kind` lets the UI choose how to say it: "not-found", "unreadable", "empty",
    "unsupported", "truncated", "too-large", "no-preview" or "video".
    """

    def __init__(self, message: str, kind: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def render_preview(
    path: bytes | str, max_size: tuple[int, int] | None, *, mime: str | None = None
) -> Rendered:
    """Decode the image at `path` to fit inside `max_size` (None: full size).

    Keeps the aspect ratio and never enlarges. `mime` (as the catalogue has it) only
    helps to route raw files and to refuse videos early. Raises `PreviewError`.
    """
    if max_size is not None and (max_size[0] < 1 or max_size[1] < 1):
        raise ValueError(f"max_size must be positive, not {max_size}")
    if mime and mime.startswith(("video/", "audio/")):
        raise PreviewError("video preview is not available yet", "video")
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
            if not head:
                raise PreviewError("the file is empty (0 bytes)", "empty")
            if _is_raw(head, path, mime):
                try:
                    return _render_raw(fh, head, max_size)
                except (EOFError, struct.error) as exc:
                    raise PreviewError("the raw file is cut short or damaged") from exc
            return _decode(lambda: _open(fh), max_size, "image")
    except OSError as exc:
        raise _io_error(exc) from exc


def read_text_preview(path: bytes | str, limit: int = 64 * 1024) -> tuple[str, bool]:
    """The beginning of a text file, decoded, and whether there was more than `limit`."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise _io_error(exc) from exc
    more = len(data) > limit
    data = data[:limit]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), more
    try:
        # final=False: a character cut in half by the limit is dropped, not an error.
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=not more), more
    except UnicodeDecodeError:
        # Old text from Windows machines is far more likely than Latin-1 proper.
        return data.decode("cp1252", errors="replace"), more


# --- decoding ---------------------------------------------------------------------


def _decode(
    opener: Callable[[], Image.Image],
    max_size: tuple[int, int] | None,
    source: str,
    orientation: int | None = None,
) -> Rendered:
    """Open, load (retrying a truncated file once) and finish one image.

    `orientation` overrides the image's own EXIF (a raw file's preview takes the raw
    file's orientation).
    """
    partial = False
    try:
        try:
            loaded = _load(opener(), max_size, orientation)
        except Exception as exc:
            if not _is_truncation(exc):
                raise
            partial = True
            with _TRUNCATED_LOCK:
                before = ImageFile.LOAD_TRUNCATED_IMAGES
                ImageFile.LOAD_TRUNCATED_IMAGES = True
                try:
                    loaded = _load(opener(), max_size, orientation)
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = before
        return _finish(*loaded, max_size, source, partial)
    except PreviewError:
        raise
    except Exception as exc:  # Pillow raises almost anything on corrupt data
        raise _decode_error(exc) from exc


def _open(fh: BinaryIO) -> Image.Image:
    fh.seek(0)
    return Image.open(fh)


def _load(
    im: Image.Image, max_size: tuple[int, int] | None, orientation: int | None
) -> tuple[Image.Image, tuple[int, int], int]:
    """Decode the pixels, at a reduced JPEG scale when that still covers the target.

    Returns the image, its full stored size (before any reduction) and orientation.
    """
    full = im.size
    is_jpeg = im.format in ("JPEG", "MPO")
    own_exif = orientation is None
    if own_exif and is_jpeg:
        orientation = _orientation(im)  # known before decoding, and draft needs it
    if max_size is not None and is_jpeg:
        target = fit_size(_oriented(full, orientation or 1), max_size)
        # draft() picks the smallest 1/8…1/1 scale whose result still covers `target`.
        im.draft("RGB", _oriented(target, orientation or 1))
    im.load()
    if own_exif and not is_jpeg:
        orientation = _orientation(im)  # after decoding: PNG may keep eXIf after IDAT
    return im, full, orientation or 1


def _finish(
    im: Image.Image,
    stored_full: tuple[int, int],
    orientation: int,
    max_size: tuple[int, int] | None,
    source: str,
    partial: bool,
) -> Rendered:
    original = _oriented(stored_full, orientation)
    decoded = _oriented(im.size, orientation)
    im = _working_mode(im)
    target = original if max_size is None else fit_size(original, max_size)
    stored_target = _oriented(target, orientation)
    if im.size != stored_target:
        # A box reduction by an integer factor first, then bicubic for the rest: three
        # times faster than a fair resample of a big HEIC or scan, and at preview size
        # the difference does not show. (JPEG arrives here already reduced by draft.)
        im = im.resize(stored_target, Image.Resampling.BICUBIC, reducing_gap=1.5)
    im = _transpose(im, orientation)
    if im.mode in ("RGBA", "LA") and im.getchannel("A").getextrema() == (255, 255):
        im = im.convert("RGB" if im.mode == "RGBA" else "L")  # opaque alpha: drop it
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if im.mode == "LA" else "RGB")
    if partial and _is_blank(im):
        # libjpeg paints what it never received in one flat grey.
        raise PreviewError("the file ends before any of the picture (truncated)", "truncated")
    return Rendered(
        width=im.width,
        height=im.height,
        mode=im.mode,
        data=im.tobytes(),
        original_size=original,
        source=source,
        partial=partial,
        decoded_size=decoded,
    )


def _is_blank(im: Image.Image) -> bool:
    """Nothing but one flat colour, give or take the few pixels of a first block."""
    return float(np.asarray(im).std()) < 1.0


def _working_mode(im: Image.Image) -> Image.Image:
    """An 8-bit mode that resizes well: L, LA, RGB or RGBA."""
    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return im
    if mode == "1":
        return im.convert("L")  # bilevel scans: grey levels give an anti-aliased preview
    if mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode in ("PA", "RGBa"):
        return im.convert("RGBA")
    if mode == "La":
        return im.convert("LA")
    if mode.startswith("I") or mode == "F":
        return _to_8bit_grey(im)
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX…


def _to_8bit_grey(im: Image.Image) -> Image.Image:
    """16-bit and 32-bit grey: map the format's full range to 0…255.

    Only float images are stretched to their own range, since they have no natural
    one; a dark 16-bit scan stays dark, as it would in any other viewer.
    """
    values = np.asarray(im)
    if im.mode == "F":
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        scaled = (values - low) * (255.0 / (high - low or 1.0))
    elif im.mode == "I" and values.max(initial=0) <= 255:
        scaled = values  # 8-bit data in a 32-bit mode
    else:
        scaled = values.astype(np.float32) * (255.0 / 65535.0)
    return Image.fromarray(np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8), "L")


# --- orientation and geometry -----------------------------------------------------


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_ORIENTATION, 1)
    except Exception:  # broken EXIF must not stop the picture from showing
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _oriented(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """Swap width and height for the orientations with a quarter turn (5–8)."""
    return (size[1], size[0]) if orientation >= 5 else size


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _transpose(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return im.transpose(method) if method is not None else im


def fit_size(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled down (never up) to fit inside `box`, keeping the aspect ratio."""
    width, height = size
    scale = min(box[0] / width, box[1] / height, 1.0)
    if scale >= 1.0:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


# --- raw files: embedded previews -------------------------------------------------


def _is_raw(head: bytes, path: bytes | str, mime: str | None) -> bool:
    if head[:4] in _TIFFLIKE_MAGICS or head.startswith(b"FUJIFILMCCD-RAW"):
        return True
    name = os.fsdecode(path)
    extension = name.rpartition(".")[2].lower() if "." in os.path.basename(name) else ""
    return extension in _RAW_EXTENSIONS or (mime or "") in _RAW_MIMES


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


def _render_raw(fh: BinaryIO, head: bytes, max_size: tuple[int, int] | None) -> Rendered:
    """The largest embedded JPEG that decodes, else any thumbnail the file holds."""
    orientation: int | None = None
    plain_ifd0 = False
    if head.startswith(b"FUJIFILMCCD-RAW"):
        # RAF: a big-endian (offset, length) of the embedded JPEG at byte 84. That JPEG
        # carries its own EXIF, orientation included.
        fh.seek(84)
        offset, length = struct.unpack(">II", fh.read(8))
        spans = [(offset, length)]
    elif head[:4] in _TIFF_MAGICS + _TIFFLIKE_MAGICS:
        spans, orientation, plain_ifd0 = _tiff_jpeg_spans(fh, head)
    else:
        spans = []  # CR3, CRW, X3F: containers not walked here
    for _pixels, offset, length in _usable_jpegs(fh, spans):
        fh.seek(offset)
        data = fh.read(length)
        try:
            return _decode(
                lambda data=data: Image.open(io.BytesIO(data)),
                max_size,
                "raw-embedded-preview",
                orientation,
            )
        except PreviewError:
            continue  # a damaged or placeholder preview: try the next one
    # DNG and some TIFF-based raws keep an uncompressed thumbnail in IFD0, which is
    # what Pillow sees when it opens them as TIFF.
    if plain_ifd0:
        with contextlib.suppress(PreviewError):
            return _decode(lambda: _open(fh), max_size, "raw-thumbnail")
    thumbnail = _exifread_thumbnail(fh)
    if thumbnail:
        with contextlib.suppress(PreviewError):
            return _decode(
                lambda: Image.open(io.BytesIO(thumbnail)), max_size, "exif-thumbnail", orientation
            )
    raise PreviewError(
        "this raw file holds no embedded preview that can be shown "
        "(Luna shows a raw file's embedded JPEG; it does not develop raw sensor data)",
        "no-preview",
    )


def _tiff_jpeg_spans(fh: BinaryIO, head: bytes) -> tuple[list[tuple[int, int]], int, bool]:
    """(offset, length) of every JPEG referenced by IFD0, its chain and its SubIFDs;
    IFD0's orientation; whether IFD0 is an uncompressed RGB or grey picture.

    Previews live in JPEGInterchangeFormat (0x0201/0x0202) entries (NEF, ARW, IFD1 of
    most raws), in single-strip IFDs with JPEG compression (CR2 IFD0, DNG SubIFDs),
    or in Panasonic's JpgFromRaw (0x002E). What cannot be read is skipped.
    """
    order = "<" if head[:2] == b"II" else ">"
    (first,) = struct.unpack(order + "I", head[4:8])
    queue, seen, spans, orientation, plain_ifd0 = [first], set(), [], 1, False
    while queue and len(seen) < _MAX_IFDS:
        offset = queue.pop(0)
        if not offset or offset in seen:
            continue
        seen.add(offset)
        try:
            entries, next_offset = read_ifd(fh, order, offset)
        except (EOFError, struct.error):
            continue
        values = functools.partial(_tag_values, fh, order, entries)
        if len(seen) == 1:
            orientation = next(iter(values(_ORIENTATION)), 1)
            blob = entries.get(0x002E)
            if blob and blob[0] == 7:  # UNDEFINED bytes, stored at an offset
                spans.append((struct.unpack(order + "I", blob[2])[0], blob[1]))
        queue.append(next_offset)
        queue.extend(values(0x014A))  # SubIFDs
        start, length = values(0x0201), values(0x0202)
        if start and length:
            spans.append((start[0], length[0]))
        compression = next(iter(values(0x0103)), 1)
        photometric = next(iter(values(0x0106)), 0)
        if len(seen) == 1:
            plain_ifd0 = compression == 1 and photometric in (1, 2) and 0x0111 in entries
        strips, counts = values(0x0111), values(0x0117)
        if (
            compression in (6, 7)
            and photometric not in _SENSOR_PHOTOMETRIC
            and len(strips) == len(counts) == 1
        ):
            spans.append((strips[0], counts[0]))
    return spans, orientation if 1 <= orientation <= 8 else 1, plain_ifd0


def _usable_jpegs(fh: BinaryIO, spans: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(pixels, offset, length) of the spans that hold a JPEG Pillow can decode,
    largest picture first, judged from the frame header alone (no big reads)."""
    size = os.fstat(fh.fileno()).st_size
    found = {}
    for offset, length in spans:
        if length < 4 or length > _MAX_EMBEDDED or offset + length > size:
            continue
        frame = _jpeg_frame_size(fh, offset, length)
        if frame:
            found[offset] = (frame[0] * frame[1], offset, length)
    return sorted(found.values(), reverse=True)


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


def _exifread_thumbnail(fh: BinaryIO) -> bytes | None:
    fh.seek(0)
    try:
        tags = exifread.process_file(fh, details=False)
    except Exception:
        return None
    thumbnail = tags.get("JPEGThumbnail")
    return thumbnail if isinstance(thumbnail, bytes) else None


_TYPE_FORMATS = {3: ("H", 2), 4: ("I", 4), 13: ("I", 4)}


def _tag_values(fh: BinaryIO, order: str, entries: dict[int, Entry], tag: int) -> list[int]:
    """A tag's SHORT or LONG values (at most 64: enough for SubIFDs and strips)."""
    entry = entries.get(tag)
    if entry is None or entry[0] not in _TYPE_FORMATS:
        return []
    kind, count, value = entry
    fmt, width = _TYPE_FORMATS[kind]
    count = min(count, 64)
    if count * width > 4:
        fh.seek(struct.unpack(order + "I", value)[0])
        value = fh.read(count * width)
    count = min(count, len(value) // width)
    return list(struct.unpack_from(f"{order}{count}{fmt}", value))


# --- errors -----------------------------------------------------------------------


def _is_truncation(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and "truncated" in str(exc)


def _io_error(exc: OSError) -> PreviewError:
    """A failure to read the file itself (as opposed to decoding it)."""
    if isinstance(exc, FileNotFoundError):
        return PreviewError("the file is not there (is the drive mounted?)", "not-found")
    if isinstance(exc, IsADirectoryError):
        return PreviewError("this is a folder, not a file", "unsupported")
    if isinstance(exc, PermissionError):
        return PreviewError("permission denied: the file cannot be read", "unreadable")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return PreviewError(f"the drive could not be read ({reason})", "unreadable")


def _decode_error(exc: BaseException) -> PreviewError:
    if isinstance(exc, OSError) and exc.errno is not None:
        return _io_error(exc)  # a read error on a failing drive, not bad data
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        pixels = _first_number(str(exc))
        size = f" ({pixels / 1e6:.0f} megapixels)" if pixels else ""
        return PreviewError(f"the image is too large to preview safely{size}", "too-large")
    if isinstance(exc, Image.UnidentifiedImageError):
        return PreviewError("not an image format Luna can show", "unsupported")
    message = str(exc)
    if _is_truncation(exc) or isinstance(exc, EOFError | struct.error):
        return PreviewError("the file ends early (truncated or corrupt)", "truncated")
    if isinstance(exc, MemoryError):
        return PreviewError("not enough memory to decode this image", "too-large")
    if message:
        return PreviewError(f"the image data is damaged or unsupported ({message})")
    return PreviewError(f"the image data is damaged or unsupported ({type(exc).__name__})")


def _first_number(text: str) -> int | None:
    digits = "".join(ch if ch.isdigit() else " " for ch in text).split()
    return int(digits[0]) if digits else None
