"""The preview's decode scheduling: requests, the one decode in flight, the render cache.

Threading. A decode runs in the preview's worker process (`DecoderProcess`), so a
decoder that crashes takes a worker down, never the window. The waiting for it happens
on this object's own one-thread QThreadPool, so the GUI thread never blocks, a scan on
the global pool never delays a preview, and previews never pile up. There is at most
one decode in flight and one pending request; a new request replaces the pending one,
so holding j (a request many times a second) never queues stale work: when the decode
in flight finishes, only the latest request runs next. A prefetch runs only when
nothing else waits. The decode thread builds the QImage (QImage is safe off the GUI
thread, QPixmap is not); the GUI thread only wraps it in a QPixmap.

Results reach the GUI thread through a signal of a QObject child created after the
pool: Qt deletes children in creation order, so when this object goes, the pool is
destroyed first and waits for the running job before the object it emits on
disappears. A child created before the pool stops the worker process as destruction
begins, so that wait is short even when a decoder is stuck.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from luna_desktop.media.render import Rendered, fit_size

from .preview_process import DecoderProcess
from .preview_worker import Decoded, PreviewRequest, decode_file

__all__ = ["CACHE_BYTES", "CacheEntry", "PreviewDecoder", "RenderCache", "Result"]

log = logging.getLogger(__name__)

CACHE_BYTES = 256 * 1024 * 1024


# --- the cache ------------------------------------------------------------------------


@dataclass
class CacheEntry:
    rendered: Rendered  # its pixel bytes dropped: `image` holds them
    image: QImage
    page_count: int = 0  # a PDF's pages, when this is one of them

    @property
    def size(self) -> tuple[int, int]:
        return (self.rendered.width, self.rendered.height)

    def covers(self, box: tuple[int, int] | None) -> bool:
        """Sharp enough to paint fitted into `box` (None: at full size)?"""
        original = self.rendered.original_size
        if self.size == original:
            return True
        if box is None:
            return False
        fitted = fit_size(original, box)
        return self.size[0] >= fitted[0] - 1 and self.size[1] >= fitted[1] - 1


class RenderCache:
    """Recent decodes keyed by (file, path, box), bounded by count and by bytes."""

    def __init__(self, entries: int, max_bytes: int = CACHE_BYTES) -> None:
        self._entries: OrderedDict[tuple, CacheEntry] = OrderedDict()
        self._limit = entries
        self._max_bytes = max_bytes

    def put(self, request: PreviewRequest, entry: CacheEntry) -> None:
        key = (request.file_id, request.path, request.page, request.box)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        total = sum(e.image.sizeInBytes() for e in self._entries.values())
        while len(self._entries) > max(self._limit, 1) or (
            total > self._max_bytes and len(self._entries) > 1
        ):
            _key, dropped = self._entries.popitem(last=False)
            total -= dropped.image.sizeInBytes()

    def best(
        self, file_id: int, path: bytes | str | None, box: tuple[int, int] | None, page: int = 0
    ) -> CacheEntry | None:
        """The smallest entry that covers `box`, or None."""
        fits = [
            (key, e)
            for key, e in self._entries.items()
            if key[:3] == (file_id, path, page) and e.covers(box)
        ]
        if not fits:
            return None
        key, entry = min(fits, key=lambda item: item[1].size[0] * item[1].size[1])
        self._entries.move_to_end(key)
        return entry

    def largest(self, file_id: int, path: bytes | str | None, page: int = 0) -> CacheEntry | None:
        mine = [e for key, e in self._entries.items() if key[:3] == (file_id, path, page)]
        return max(mine, key=lambda e: e.size[0] * e.size[1], default=None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# --- one decode ------------------------------------------------------------------------


@dataclass
class Result:
    request: PreviewRequest
    entry: CacheEntry | None = None  # a picture
    page_count: int = 0  # a PDF's pages
    text: str = ""
    more_text: bool = False
    error: str | None = None
    crashed: bool = False  # the decoder died on this file (`error` says so)


class _Bridge(QObject):
    finished = Signal(object)  # a Result, delivered queued to the GUI thread


class _DecodeJob(QRunnable):
    def __init__(self, request: PreviewRequest, process: DecoderProcess, bridge: _Bridge):
        super().__init__()
        self._request = request
        self._process = process
        self._epoch = process.epoch
        self._bridge = bridge

    def run(self) -> None:
        try:
            result = _result(self._request, self._process.decode(self._request, self._epoch))
        except Exception as exc:  # the pane must hear back, or it would wait for ever
            log.exception("preview of file %s failed", self._request.file_id)
            result = Result(self._request, error=f"unexpected error ({type(exc).__name__})")
        with contextlib.suppress(RuntimeError):  # the pane (and its bridge) are gone
            self._bridge.finished.emit(result)


class _WarmUp(QRunnable):
    def __init__(self, process: DecoderProcess) -> None:
        super().__init__()
        self._process = process
        self._epoch = process.epoch

    def run(self) -> None:
        try:
            self._process.start(self._epoch)
        except Exception:  # the first decode will try again, and say what went wrong
            log.exception("the preview worker could not be started")


def _result(request: PreviewRequest, decoded: Decoded) -> Result:
    if decoded.detail:
        log.error("preview of file %s failed:\n%s", request.file_id, decoded.detail)
    rendered = decoded.rendered
    if rendered is None:
        return Result(
            request,
            text=decoded.text,
            more_text=decoded.more_text,
            error=decoded.error,
            crashed=decoded.crashed,
        )
    entry = CacheEntry(replace(rendered, data=b""), _qimage(rendered), decoded.page_count)
    return Result(request, entry=entry, page_count=decoded.page_count)


def _qimage(rendered: Rendered) -> QImage:
    if rendered.mode == "RGBA":
        source, native = QImage.Format.Format_RGBA8888, QImage.Format.Format_ARGB32_Premultiplied
    else:
        source, native = QImage.Format.Format_RGB888, QImage.Format.Format_RGB32
    image = QImage(rendered.data, rendered.width, rendered.height, rendered.stride, source)
    # A deep copy out of the Python bytes, in the format a QPixmap uses as it is, so
    # QPixmap.fromImage on the GUI thread costs next to nothing.
    return image.convertToFormat(native)


# --- scheduling ----------------------------------------------------------------------


class PreviewDecoder(QObject):
    """Runs the pane's decode requests one at a time, latest first, and caches results.

    `decoded(Result)` is emitted on the GUI thread for every finished decode, whether
    or not its file is still the one on show: the receiver decides. An image result is
    already in `cache` when it is emitted.
    """

    decoded = Signal(object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        cache_entries: int = 8,
        decode: Callable[[PreviewRequest], Decoded] = decode_file,
    ) -> None:
        super().__init__(parent)
        self.process = DecoderProcess(decode)
        # Created first, so destroyed first: see the module docstring.
        self._stopper = QObject(self)
        self._stopper.destroyed.connect(self.process.close)
        app = QCoreApplication.instance()
        if app is not None:  # quitting never waits on a decode
            app.aboutToQuit.connect(self.stop)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._on_finished)
        self.cache = RenderCache(cache_entries)
        self._in_flight: PreviewRequest | None = None
        self._pending: PreviewRequest | None = None
        self._prefetch: PreviewRequest | None = None
        #: Decodes started so far (tests and benchmarks read it).
        self.started = 0

    @property
    def busy(self) -> bool:
        """A decode is in flight."""
        return self._in_flight is not None

    def warm_up(self) -> None:
        """Start the worker process now, on the decode thread, so that the first
        preview does not wait for it (the first worker of a session also starts
        the fork server: about half a second)."""
        if not self.process.running and self._in_flight is None:
            self._pool.start(_WarmUp(self.process))

    def request(self, request: PreviewRequest) -> None:
        """Decode for the file on show: now, or next, replacing any older request."""
        if request == self._in_flight:
            return  # already on its way
        if self._in_flight is None:
            self._start(request)
        else:
            self._pending = request

    def prefetch(self, request: PreviewRequest) -> None:
        """Decode when nothing else waits; only the latest prefetch is kept."""
        if request in (self._in_flight, self._pending):
            return
        self._prefetch = request
        if self._in_flight is None:
            self._start_next()

    def supersede(self, file_id: int | None) -> None:
        """Another file (None: none) goes on show: drop what waited for the old one,
        and a prefetch of the new one (it gets a proper request)."""
        self._pending = None
        if self._prefetch is not None and self._prefetch.file_id == file_id:
            self._prefetch = None

    def stop(self) -> None:
        """Stop the worker process now (it starts again with the next request)."""
        self._pending = self._prefetch = None
        self.process.close()

    def _start(self, request: PreviewRequest) -> None:
        self._in_flight = request
        self.started += 1
        self._pool.start(_DecodeJob(request, self.process, self._bridge))

    def _start_next(self) -> None:
        request, self._pending = self._pending, None
        if request is None:
            request, self._prefetch = self._prefetch, None
        if request is not None:
            self._start(request)

    def _on_finished(self, result: Result) -> None:
        if result.request == self._in_flight:
            self._in_flight = None
        if result.entry is not None:
            self.cache.put(result.request, result.entry)
        self.decoded.emit(result)
        if self._in_flight is None:
            self._start_next()
