"""Making one file's preview-cache entries: what a cache-filling worker process runs.

Two passes over a drive, so that every file can be browsed soon and looks right later:
- quick: a thumbnail only, from the EXIF thumbnail the camera embedded when there is one
  (a raw file's embedded preview otherwise), else from a reduced decode;
- full: the preview (1,600 px) from a reduced decode, and the thumbnail made from it
  (replacing a quick one, whose EXIF thumbnail is small and often letterboxed).
A video gets its poster frame and a thumbnail made from it in either pass: a frame must
be decoded for either, and the poster is most of the work.

Qt-free, and never raises for a bad file: the answer says what went wrong. Runs in a
worker process (see process_pool), so a decoder that crashes takes down only a worker.
"""

from __future__ import annotations

import functools
import io
import os
from dataclasses import dataclass

from PIL import Image

from .preview_cache import POSTER, PREVIEW, PREVIEW_PX, THUMB, THUMB_PX, PreviewCache, shrink
from .raw_previews import exif_thumbnail, is_raw
from .render import PreviewError, Rendered, decode_image, read_error, render_preview

__all__ = ["QUICK_SOURCES", "CacheRequest", "CacheResult", "make_entries"]

# Thumbnails made this way are the quick pass's, which the full pass replaces.
QUICK_SOURCES = frozenset({"exif-thumbnail"})
_ORIENTATION = 0x0112
_THUMB_BOX = (THUMB_PX, THUMB_PX)
_PREVIEW_BOX = (PREVIEW_PX, PREVIEW_PX)
# An EXIF thumbnail whose shape is this far from the picture's is letterboxed (many
# cameras put a 3:2 picture in a 4:3 thumbnail with black bars): it is cropped.
_ASPECT_SLACK = 0.02


@dataclass(frozen=True)
class CacheRequest:
    path: bytes | str  # the file on its mounted drive
    oshash: str
    kind: str  # "image" or "video", as the catalogue has it
    mime: str | None
    duration: float | None  # a video's, in seconds (the poster is 10 % in)
    cache_dir: str
    quick: bool = False


@dataclass(frozen=True)
class CacheResult:
    oshash: str
    made: tuple[str, ...]  # the sizes written (THUMB, PREVIEW, POSTER)
    error: str | None = None  # for the curator; what was made before it is kept
    # How much the cache grew: bytes written less the bytes of entries replaced.
    added_bytes: int = 0


@functools.lru_cache(maxsize=4)
def _cache(directory: str) -> PreviewCache:
    return PreviewCache(directory)  # one a folder and worker: its cap is read once


class _Writer:
    """Saves entries and keeps count of what was made and what it added."""

    def __init__(self, cache: PreviewCache, oshash: str) -> None:
        self.cache, self.oshash = cache, oshash
        self.made: list[str] = []
        self.added = 0

    def save(self, size: str, rendered: Rendered) -> None:
        before = _size_of(self.cache.path(self.oshash, size))
        path = self.cache.save(self.oshash, size, rendered)
        self.added += _size_of(path) - before
        self.made.append(size)


def _size_of(path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def make_entries(request: CacheRequest) -> CacheResult:
    """Make the entries `request` asks for that the cache does not hold yet."""
    writer = None
    try:
        writer = _Writer(_cache(request.cache_dir), request.oshash)
        if request.kind == "video":
            _video(request, writer)
        elif request.kind == "image":
            (_quick_image if request.quick else _full_image)(request, writer)
        else:
            raise PreviewError(f"no preview is cached for a {request.kind} file", "unsupported")
        error = None
    except PreviewError as exc:
        error = exc.message
    except ValueError as exc:  # a malformed oshash: a caller's mistake, said plainly
        error = str(exc)
    except OSError as exc:  # writing the cache failed (a full or read-only disk)
        reason = exc.strerror or str(exc) or type(exc).__name__
        error = f"the preview cache could not be written ({reason})"
    except Exception as exc:  # a decoder bug must not stop the fill
        error = f"unexpected error ({type(exc).__name__}: {exc})"
    made = tuple(writer.made) if writer else ()
    added = writer.added if writer else 0
    return CacheResult(request.oshash, made, error, added)


# --- images -----------------------------------------------------------------------


def _quick_image(request: CacheRequest, writer: _Writer) -> None:
    if writer.cache.has(request.oshash, THUMB):
        return
    thumb = _embedded_thumbnail(request.path, request.mime)
    if thumb is None:
        thumb = render_preview(request.path, _THUMB_BOX, mime=request.mime)
    writer.save(THUMB, thumb)


def _full_image(request: CacheRequest, writer: _Writer) -> None:
    cache, oshash = writer.cache, request.oshash
    thumb_done = cache.has(oshash, THUMB) and (
        cache.stored_source(oshash, THUMB) not in QUICK_SOURCES
    )
    preview = None
    if cache.has(oshash, PREVIEW):
        if thumb_done:
            return
        preview = cache.load(oshash, PREVIEW, None)  # None if it turned out damaged
    if preview is None:
        preview = render_preview(request.path, _PREVIEW_BOX, mime=request.mime)
        writer.save(PREVIEW, preview)
    if not thumb_done:
        writer.save(THUMB, shrink(preview, _THUMB_BOX))


def _embedded_thumbnail(path: bytes | str, mime: str | None) -> Rendered | None:
    """The EXIF thumbnail, upright, cropped to the picture's shape and fitted into a
    thumbnail's box; None when there is none that decodes (or for a raw file, whose
    embedded preview `render_preview` reads as quickly)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
            if not head or is_raw(head, path, mime):
                return None
            fh.seek(0)
            with Image.open(fh) as im:  # reads the headers only
                stored = im.size
                orientation = _orientation(im)
            data = exif_thumbnail(fh)
    except OSError as exc:
        raise read_error(exc) from exc
    except Exception:  # not an image Pillow knows, or damaged headers: decode it fully
        return None
    if not data:
        return None
    try:
        rendered = decode_image(
            lambda: _cropped(Image.open(io.BytesIO(data)), stored),
            _THUMB_BOX,
            "exif-thumbnail",
            orientation,
        )
    except PreviewError:
        return None
    if rendered.partial:
        return None
    turned = (stored[1], stored[0]) if orientation >= 5 else stored
    return Rendered(
        rendered.width,
        rendered.height,
        rendered.mode,
        rendered.data,
        original_size=turned,
        source=rendered.source,
        decoded_size=rendered.decoded_size,
    )


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_ORIENTATION, 1)
    except Exception:  # broken EXIF: the picture as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _cropped(thumb: Image.Image, picture: tuple[int, int]) -> Image.Image:
    """The middle of a letterboxed thumbnail, in the picture's shape (both as stored,
    before orientation)."""
    width, height = thumb.size
    want = picture[0] / picture[1]
    if abs(width / height - want) <= _ASPECT_SLACK * want:
        return thumb
    if width / height > want:  # bars left and right
        keep = max(1, round(height * want))
        left = (width - keep) // 2
        return thumb.crop((left, 0, left + keep, height))
    keep = max(1, round(width / want))  # bars above and below
    top = (height - keep) // 2
    return thumb.crop((0, top, width, top + keep))


# --- videos -----------------------------------------------------------------------


def _video(request: CacheRequest, writer: _Writer) -> None:
    cache, oshash = writer.cache, request.oshash
    has_thumb = cache.has(oshash, THUMB)
    poster = None
    if cache.has(oshash, POSTER):
        if has_thumb:
            return
        poster = cache.load(oshash, POSTER, None)
    if poster is None:
        from .posters import grab_poster  # libvlc loads only in a worker that needs it

        poster = grab_poster(request.path, duration_s=request.duration)
        writer.save(POSTER, poster)
    if not has_thumb:
        writer.save(THUMB, shrink(poster, _THUMB_BOX))
