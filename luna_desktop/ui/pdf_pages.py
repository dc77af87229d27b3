"""PDF pages → packed RGB pixels for the preview pane, drawn by pdfium (Qt's QtPdf).

Runs in the preview's worker process (`preview_worker`), which imports this module only
when a PDF is shown, so a crash in pdfium takes a worker down, never the window, and
Qt's PDF and GUI modules are loaded only there and only then.

What it promises:
- No QCoreApplication or QGuiApplication is needed, and none is created: QPdfDocument,
  QImage and QPainter on a QImage all work without one (and without a display). So
  the worker pays nothing for one; the first call pays only for importing QtPdf and
  QtGui (0.25 to 0.5 s measured), later calls only for drawing the page.
- `original_size` is the page's size in pixels at `dpi` (what "100 %" shows), its
  /Rotate applied. A page so large that this would exceed `MAX_PIXELS` (or
  `MAX_SIDE`) is measured at a lower dpi instead, reported in `PdfPage.dpi`, so a
  render at full size is always exactly `original_size`.
- With a box the page is fitted inside it, keeping its aspect ratio, and may be drawn
  up to `MAX_UPSCALE` times `original_size` (a PDF is vector data: a small page in a
  large pane stays sharp), never over `MAX_PIXELS`.
- Pages are paper: whatever the PDF leaves transparent comes out white, so the result
  is always "RGB". Annotations (form fields, stamps, highlights) are drawn.
- A page out of range is an error, not clamped: the caller learns `page_count` from
  the first page it asks for.
- The file is opened by this process (any path Python can open, non-UTF-8 bytes
  included) and handed to pdfium as a file descriptor, so pdfium reads only what the
  page needs. The last document stays open (keyed by path, device, inode, size and
  modification time), so paging through a long PDF parses it once. It holds the file
  open until another PDF is shown or `forget_document` is called: a drive with a PDF
  on show is busy for unmounting while it stays so.
- A file that loads but has no "%%EOF" at its end was cut short: whatever pdfium
  recovers is shown, marked ``partial=True``.
- Bad files raise `PreviewError` (kinds: "not-found", "empty", "unsupported",
  "truncated", "unreadable", "encrypted", "page-out-of-range", "too-large").
  pdfium has no time limit: a file that makes it loop hangs the worker, which
  `DecoderProcess.close` terminates.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QFile, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions

from luna_desktop.media.render import PreviewError, Rendered, read_error

__all__ = [
    "DEFAULT_DPI",
    "MAX_PIXELS",
    "MAX_SIDE",
    "MAX_UPSCALE",
    "PdfPage",
    "forget_document",
    "render_pdf_page",
]

DEFAULT_DPI = 150.0
MAX_UPSCALE = 2.0  # a fitted page is drawn at most this many times original_size
# 30 MP: an A0 poster at 150 dpi is 35 MP and comes out at about 139 dpi. The worker
# holds about 13 bytes a pixel at the peak (pdfium's ARGB, the RGB copy, the bytes).
MAX_PIXELS = 30_000_000
MAX_SIDE = 32_000  # a very long, thin page: keeps QImage and QPainter within their limits

_HEAD = 1024  # the "%PDF-" header may come anywhere in the first 1024 bytes
_TAIL = 1024  # and "%%EOF" anywhere in the last 1024
_DAMAGED = "the PDF is damaged: "

_lock = threading.Lock()


@dataclass(frozen=True)
class PdfPage:
    rendered: Rendered  # mode "RGB", source "image"
    page: int  # 0-based: the page drawn
    page_count: int
    title: str | None  # the document's Title, if it has one
    dpi: float  # what `rendered.original_size` is measured at (below `dpi` for huge pages)


@dataclass
class _Open:
    """The document kept open, and what it was opened from."""

    key: tuple
    file: QFile
    document: QPdfDocument
    partial: bool  # no %%EOF at the end
    title: str | None

    def close(self) -> None:
        self.document.close()
        self.file.close()  # closes the descriptor too (AutoCloseHandle)


_current: _Open | None = None


def render_pdf_page(
    path: bytes | str, page: int, box: tuple[int, int] | None, *, dpi: float = DEFAULT_DPI
) -> PdfPage:
    """Draw page `page` (0-based) of the PDF at `path` to fit `box` (None: full size).

    Raises `PreviewError` for a file that cannot be shown or a page it does not have.
    """
    if box is not None and (box[0] < 1 or box[1] < 1):
        raise ValueError(f"box must be positive, not {box}")
    if not dpi > 0:
        raise ValueError(f"dpi must be positive, not {dpi}")
    with _lock:
        opened = _open(path)
        document = opened.document
        count = document.pageCount()
        if not 0 <= page < count:
            pages = "1 page" if count == 1 else f"{count} pages"
            raise PreviewError(
                f"there is no page {page + 1}: the PDF has {pages}", "page-out-of-range"
            )
        points = document.pagePointSize(page)
        if not (points.width() > 0 and points.height() > 0):
            raise PreviewError(f"{_DAMAGED}page {page + 1} has no size", "unreadable")
        used_dpi = _page_dpi(points.width(), points.height(), dpi)
        exact = (points.width() * used_dpi / 72, points.height() * used_dpi / 72)
        original = _whole(exact)
        size = original if box is None else _fitted(exact, box)
        rendered = _draw(document, page, size)
    return PdfPage(
        rendered=Rendered(
            width=size[0],
            height=size[1],
            mode="RGB",
            data=rendered,
            original_size=original,
            source="image",
            partial=opened.partial,
            decoded_size=size,
        ),
        page=page,
        page_count=count,
        title=opened.title,
        dpi=used_dpi,
    )


def forget_document() -> None:
    """Close the document kept open (and its file), e.g. when no PDF is on show."""
    global _current
    with _lock:
        if _current is not None:
            _current.close()
            _current = None


# --- opening ----------------------------------------------------------------------


def _open(path: bytes | str) -> _Open:
    """The document at `path`: the one kept open if the file has not changed."""
    global _current
    try:
        st = os.stat(path)
    except OSError as exc:
        raise read_error(exc) from exc
    key = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if _current is not None:
        if _current.key == key:
            return _current
        _current.close()
        _current = None
    opened = _load(path, key)
    _current = opened
    return opened


def _load(path: bytes | str, key: tuple) -> _Open:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise read_error(exc) from exc
    file = QFile()
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            raise PreviewError("the file is empty (0 bytes)", "empty")
        head = os.read(fd, _HEAD)
        os.lseek(fd, max(0, size - _TAIL), os.SEEK_SET)
        tail = os.read(fd, _TAIL)
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError as exc:
        os.close(fd)
        raise read_error(exc) from exc
    except PreviewError:
        os.close(fd)
        raise
    if b"%PDF-" not in head:
        os.close(fd)
        raise PreviewError("this file is not a PDF, whatever its name says", "unsupported")
    if not file.open(
        fd, QIODevice.OpenModeFlag.ReadOnly, QFile.FileHandleFlag.AutoCloseHandle
    ):  # not expected: os.open just gave it
        os.close(fd)
        raise PreviewError(f"the file cannot be read ({file.errorString()})", "unreadable")
    document = QPdfDocument()
    document.load(file)  # synchronous for a random-access device
    if document.status() != QPdfDocument.Status.Ready:
        error = document.error()
        document.close()
        file.close()
        raise _load_error(error, truncated=b"%%EOF" not in tail)
    title = document.metaData(QPdfDocument.MetaDataField.Title)
    title = title.strip() if isinstance(title, str) else ""
    if document.pageCount() < 1:
        document.close()
        file.close()
        raise PreviewError(f"{_DAMAGED}it has no pages", "unreadable")
    return _Open(key, file, document, b"%%EOF" not in tail, title or None)


def _load_error(error: QPdfDocument.Error, *, truncated: bool) -> PreviewError:
    errors = QPdfDocument.Error
    if error == errors.IncorrectPassword:
        return PreviewError("the PDF is password-protected", "encrypted")
    if error == errors.UnsupportedSecurityScheme:
        return PreviewError(
            "the PDF is protected by a security scheme Luna cannot open", "encrypted"
        )
    if error == errors.FileNotFound:  # not expected: opened a moment ago
        return PreviewError("the file is not there (is the drive mounted?)", "not-found")
    if truncated:
        return PreviewError(f"{_DAMAGED}it ends early (cut short)", "truncated")
    return PreviewError(f"{_DAMAGED}its structure cannot be read", "unreadable")


# --- sizes ------------------------------------------------------------------------


def _page_dpi(width_pt: float, height_pt: float, dpi: float) -> float:
    """`dpi`, lowered so the page at full size stays within MAX_PIXELS and MAX_SIDE."""
    width, height = width_pt * dpi / 72, height_pt * dpi / 72
    scale = min(1.0, math.sqrt(MAX_PIXELS / (width * height)), MAX_SIDE / max(width, height))
    return dpi * scale


def _whole(size: tuple[float, float]) -> tuple[int, int]:
    """The page's size in whole pixels; rounded down if rounding up would cross a limit."""
    width, height = size
    rounded = (max(1, round(width)), max(1, round(height)))
    if rounded[0] * rounded[1] > MAX_PIXELS or max(rounded) > MAX_SIDE:
        return max(1, math.floor(width)), max(1, math.floor(height))
    return rounded


def _fitted(size: tuple[float, float], box: tuple[int, int]) -> tuple[int, int]:
    """The page (`size`: its exact size at full size) fitted inside `box`, at most
    MAX_UPSCALE times its full size and MAX_PIXELS."""
    width, height = size
    scale = min(box[0] / width, box[1] / height, MAX_UPSCALE)
    scale = min(scale, math.sqrt(MAX_PIXELS / (width * height)), MAX_SIDE / max(width, height))
    return _whole((width * scale, height * scale))


# --- drawing ----------------------------------------------------------------------


def _draw(document: QPdfDocument, page: int, size: tuple[int, int]) -> bytes:
    """Page `page` drawn at `size` on white, as packed RGB rows."""
    options = QPdfDocumentRenderOptions()
    options.setRenderFlags(QPdfDocumentRenderOptions.RenderFlag.Annotations)
    drawn = document.render(page, QSize(*size), options)  # ARGB, transparent background
    if drawn.isNull():
        raise PreviewError(
            f"page {page + 1} could not be drawn (damaged, or too large for memory)",
            "unreadable",
        )
    width, height = size
    paper = QImage(width, height, QImage.Format.Format_RGB888)
    if paper.isNull():
        raise PreviewError("not enough memory to draw this page", "too-large")
    paper.fill(Qt.GlobalColor.white)
    painter = QPainter(paper)
    try:
        painter.drawImage(0, 0, drawn)
    finally:
        painter.end()
    del drawn
    row = width * 3
    stride = paper.bytesPerLine()  # rows are padded to a multiple of 4 bytes
    bits = paper.constBits()
    if stride == row:
        return bytes(bits[: row * height])
    rows = np.frombuffer(bits, dtype=np.uint8, count=stride * height).reshape(height, stride)
    return rows[:, :row].tobytes()
