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
import io
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pillow_heif
from PIL import Image, ImageFile

from .raw_previews import exif_thumbnail, find_previews, is_raw

__all__ = [
    "PreviewError",
    "Rendered",
    "decode_image",
    "fit_size",
    "read_error",
    "read_text_preview",
    "render_preview",
]

pillow_heif.register_heif_opener()

_ORIENTATION = 0x0112
_RAW_CUT_SHORT = "the raw file is cut short or damaged"
_DAMAGED_HEADER = "the image is damaged: its header cannot be read"
_ALWAYS_KNOWN = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG signatures

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
            if is_raw(head, path, mime):
                try:
                    return _render_raw(fh, head, max_size)
                except (EOFError, struct.error) as exc:
                    raise PreviewError(_RAW_CUT_SHORT, "truncated") from exc
            try:
                return decode_image(lambda: _open(fh), max_size, "image")
            except PreviewError as exc:
                if exc.kind == "unsupported" and head.startswith(_ALWAYS_KNOWN):
                    # Pillow reads every JPEG and PNG: one it cannot identify is damaged.
                    raise PreviewError(_DAMAGED_HEADER, "unreadable") from exc
                raise
    except OSError as exc:
        raise read_error(exc) from exc


def read_text_preview(path: bytes | str, limit: int = 64 * 1024) -> tuple[str, bool]:
    """The beginning of a text file, decoded, and whether there was more than `limit`."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise read_error(exc) from exc
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


def decode_image(
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


def _render_raw(fh: BinaryIO, head: bytes, max_size: tuple[int, int] | None) -> Rendered:
    """The largest embedded JPEG that decodes, else any thumbnail the file holds."""
    previews = find_previews(fh, head)
    for offset, length in previews.jpegs:
        fh.seek(offset)
        data = fh.read(length)
        try:
            return decode_image(
                lambda data=data: Image.open(io.BytesIO(data)),
                max_size,
                "raw-embedded-preview",
                previews.orientation,
            )
        except PreviewError:
            continue  # a damaged or placeholder preview: try the next one
    # DNG and some TIFF-based raws keep an uncompressed thumbnail in IFD0, which is
    # what Pillow sees when it opens them as TIFF.
    if previews.plain_ifd0:
        with contextlib.suppress(PreviewError):
            return decode_image(lambda: _open(fh), max_size, "raw-thumbnail")
    thumbnail = exif_thumbnail(fh)
    if thumbnail:
        with contextlib.suppress(PreviewError):
            return decode_image(
                lambda: Image.open(io.BytesIO(thumbnail)),
                max_size,
                "exif-thumbnail",
                previews.orientation,
            )
    if previews.damaged:  # what was not found may be in the part that is missing
        raise PreviewError(_RAW_CUT_SHORT, "truncated")
    raise PreviewError(
        "this raw file holds no embedded preview that can be shown "
        "(Luna shows a raw file's embedded JPEG; it does not develop raw sensor data)",
        "no-preview",
    )


# --- errors -----------------------------------------------------------------------


def _is_truncation(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and "truncated" in str(exc)


def read_error(exc: OSError) -> PreviewError:
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
        return read_error(exc)  # a read error on a failing drive, not bad data
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
