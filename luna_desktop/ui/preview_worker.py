"""What the preview's worker process runs: one decode, answered as plain picklable data.

Qt-free on purpose, although it lives in ui/: the worker process imports this module by
name to run `decode_file`, and must neither pay for nor risk loading Qt there. The one
exception is a PDF: its pages are drawn by QtPdf (`pdf_pages`), imported by the worker
the first time it is asked for one, so a crash in the PDF engine costs a worker too. The
renderer itself (`media.render`) is preloaded by the fork server (`process_pool`).

The request goes in and a `Decoded` comes out pickled, through a pipe; the pixels go
through shared memory instead, since a pipe costs about 2.5 ms a megabyte on top of the
decode (a 1280 × 960 preview is 3.7 MB, a 12 MP picture at 100 % is 36 MB). They stay
few in any case: `render_preview` decodes to fit the pane's box (JPEG draft mode).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, replace
from multiprocessing.shared_memory import SharedMemory

from luna_desktop.media.render import PreviewError, Rendered, read_text_preview, render_preview

__all__ = ["TEXT_LIMIT", "Decoded", "PreviewRequest", "decode_file", "receive"]

TEXT_LIMIT = 64_000  # "the first 64 KB", in the decimal units Luna shows everywhere
# Below this, setting up a shared block costs more than the pipe.
_SHARE_FROM = 64 * 1024


@dataclass(frozen=True)
class PreviewRequest:
    file_id: int
    path: bytes | str | None  # None: the drive is not mounted (a stored poster may do)
    mime: str | None
    box: tuple[int, int] | None  # decode to fit this box; None: full size
    text: bool = False  # the beginning of a text file rather than a picture
    # A video's poster frame, stored under its oshash in `posters_dir`.
    poster: bool = False
    oshash: str | None = None
    duration: float | None = None
    posters_dir: str | None = None
    page: int = 0  # a PDF's page, from 0
    # The drive is not mounted (or the file is gone): the picture comes from the
    # preview cache in `cache_dir`, by `oshash`.
    cached: bool = False
    cache_dir: str | None = None


@dataclass(frozen=True)
class Decoded:
    """A worker's answer; exactly one of `rendered`, `text` (with `more_text`), `error`."""

    rendered: Rendered | None = None
    page_count: int = 0  # a PDF's pages (`rendered` is one of them)
    text: str = ""
    more_text: bool = False
    error: str | None = None  # for the curator
    detail: str = ""  # a traceback, when the error is a bug rather than a bad file
    crashed: bool = False  # set by the parent: the worker died on this request
    # While crossing: the shared-memory block holding `rendered.data` (then b"").
    pixels: str | None = None


def decode_file(request: PreviewRequest) -> Decoded:
    """Decode one request. Never raises for a bad file: the answer says what went wrong."""
    try:
        if request.poster:
            # libvlc and the poster store load only in a worker that shows a video.
            from luna_desktop.media.posters import poster_preview

            rendered = poster_preview(
                request.path,
                request.oshash,
                request.box,
                request.posters_dir,
                duration_s=request.duration,
            )
            return _share_pixels(Decoded(rendered=rendered))
        if request.cached:
            return _share_pixels(Decoded(rendered=_cached_picture(request)))
        if request.path is None:
            return Decoded(error="the drive is not mounted")
        if request.mime == "application/pdf":
            # Qt's PDF renderer, loaded only in a worker that shows a PDF (see module doc).
            from .pdf_pages import forget_document, render_pdf_page

            try:
                page = render_pdf_page(request.path, request.page, request.box)
            finally:
                # Not kept open between pages: an open file keeps its drive from being
                # unmounted, and opening again costs a few milliseconds a page.
                forget_document()
            return _share_pixels(Decoded(rendered=page.rendered, page_count=page.page_count))
        if request.text:
            text, more = read_text_preview(request.path, TEXT_LIMIT)
            return Decoded(text=text, more_text=more)
        rendered = render_preview(request.path, request.box, mime=request.mime)
        return _share_pixels(Decoded(rendered=rendered))
    except PreviewError as exc:
        return Decoded(error=exc.message)
    except Exception as exc:  # a decoder bug: the pane must still hear back
        return Decoded(
            error=f"unexpected error ({type(exc).__name__}: {exc})",
            detail=traceback.format_exc(),
        )


def _cached_picture(request: PreviewRequest) -> Rendered:
    """The cached preview (else the thumbnail) fitted into the box; `PreviewError`
    when the cache holds neither."""
    from luna_desktop.media.preview_cache import PREVIEW, THUMB, PreviewCache

    cache = PreviewCache(request.cache_dir)
    for size in (PREVIEW, THUMB):
        rendered = cache.load(request.oshash, size, request.box) if request.oshash else None
        if rendered is not None:
            return replace(rendered, source=f"cached-{size}")
    raise PreviewError("no cached preview of this file", "not-cached")


def _share_pixels(decoded: Decoded) -> Decoded:
    """In the worker: move the pixels into a shared-memory block that `receive` frees."""
    assert decoded.rendered is not None
    data = decoded.rendered.data
    if len(data) < _SHARE_FROM:
        return decoded
    try:
        block = SharedMemory(create=True, size=len(data))
    except OSError:  # no shared memory here (a full /dev/shm, say): the pipe will do
        return decoded
    try:
        block.buf[: len(data)] = data
    finally:
        block.close()  # unmapped here; the block lives on until `receive` unlinks it
    return replace(decoded, rendered=replace(decoded.rendered, data=b""), pixels=block.name)


def receive(decoded: Decoded) -> Decoded:
    """In Luna: a worker's answer with its pixels back in `rendered.data`, and the
    shared block (if any) freed."""
    if decoded.pixels is None or decoded.rendered is None:
        return decoded
    block = SharedMemory(decoded.pixels)
    try:
        rendered = decoded.rendered
        with block.buf[: rendered.stride * rendered.height] as view:
            data = bytes(view)
    finally:
        block.close()
        block.unlink()
    return replace(decoded, rendered=replace(rendered, data=data), pixels=None)
