"""Thumbnails from the preview cache, decoded off the GUI thread, for what is on screen.

The contact sheet says which thumbnails it wants, in order, each time what it shows
changes (`want`); the list replaces the previous one, so scrolling through 5,000 files
never queues the thumbnails of the cells scrolled past: only the few decodes already
running finish. A few pool threads take from the list, read the JPEG from the cache
(disk: never on the GUI thread) and decode it with QImageReader at the size it is drawn
(the JPEG reader then decodes at a reduced scale). QImage is safe off the GUI thread,
QPixmap is not: the sheet paints the QImage as it is. Decoded images are kept in a
least-recently-used store bounded by bytes.

A thumbnail not in the cache is remembered as absent (the sheet may ask for it to be
made, then call `forget`); one that cannot be decoded is remembered as broken. Both are
cleared by `forget` and `reset`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QRunnable,
    QSize,
    Qt,
    QThread,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QImage, QImageReader

from luna_desktop.media.preview_cache import THUMB, PreviewCache

__all__ = ["DECODED_BYTES", "ThumbnailLoader", "decode_thumbnail"]

log = logging.getLogger(__name__)

DECODED_BYTES = 96 * 1024 * 1024  # about 1,200 thumbnails of a 168 x 126 cell

LOADED, ABSENT, BROKEN = "loaded", "absent", "broken"


def decode_thumbnail(data: bytes, box: QSize) -> QImage | None:
    """A cache entry's JPEG bytes fitted into `box`, never enlarged; None if they do
    not decode. Safe on any thread.

    The format is named, and Qt told not to guess it: guessing asks every image plugin
    to look at the bytes, and the SVG plugin's look makes a signal connection, which
    takes a lock of Qt's that the GUI thread may hold while it waits for Python's (a
    deadlock, seen while scrolling: PySide keeps Python's lock during `size()`)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, b"jpeg")
    reader.setAutoDetectImageFormat(False)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and (size.width() > box.width() or size.height() > box.height()):
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return None
    # The format the raster engine draws without converting, every paint.
    native = (
        QImage.Format.Format_ARGB32_Premultiplied
        if image.hasAlphaChannel()
        else QImage.Format.Format_RGB32
    )
    return image.convertToFormat(native)


class _Work:
    """What the decode threads take from; the GUI thread replaces it whole."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queue: deque[str] = deque()
        self.busy: set[str] = set()  # being read or decoded now
        self.outdated: set[str] = set()  # busy when forgotten: their answer is stale
        self.runners = 0  # pool jobs taking from the queue
        self.closed = False
        self.box = QSize()  # the size thumbnails are decoded at, in device pixels
        self.epoch = 0  # bumped by a reset: what was decoded before is not wanted

    def take(self) -> tuple[str, QSize, int] | None:
        """The next wanted thumbnail, the size to decode it at and the epoch it was
        wanted in; or None, and the asking job ends."""
        with self.lock:
            if self.closed or not self.queue:
                self.runners -= 1
                return None
            key = self.queue.popleft()
            self.busy.add(key)
            return key, QSize(self.box), self.epoch

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.queue.clear()


class _Bridge(QObject):
    done = Signal(int, str, object, str)  # epoch, oshash, QImage or None, LOADED/ABSENT/BROKEN


class _Decode(QRunnable):
    def __init__(self, work: _Work, cache: PreviewCache, bridge: _Bridge) -> None:
        super().__init__()
        self._work, self._cache, self._bridge = work, cache, bridge

    def run(self) -> None:
        while (taken := self._work.take()) is not None:
            key, box, epoch = taken
            image, outcome = None, BROKEN
            try:
                data = self._cache.load_bytes(key, THUMB)
                if data is None:
                    outcome = ABSENT
                else:
                    image = decode_thumbnail(data, box)
                    outcome = LOADED if image is not None else BROKEN
            except ValueError:  # not an oshash the cache can name (an odd listing's)
                log.debug("no thumbnail can be named %r", key)
            except Exception:  # an unreadable cache file: the cell says so, nothing stops
                log.exception("reading the thumbnail %s failed", key)
            with contextlib.suppress(RuntimeError):  # the loader is gone
                self._bridge.done.emit(epoch, key, image, outcome)


class _WarmUp(QRunnable):
    """Loads Qt's JPEG reader (a plugin, read from disk on first use) and starts a pool
    thread before the first folder is shown, not while the curator waits for it."""

    def run(self) -> None:
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        blank = QImage(16, 16, QImage.Format.Format_RGB32)
        blank.fill(0)
        if blank.save(buffer, "JPEG"):
            decode_thumbnail(bytes(buffer.data()), QSize(8, 8))


class ThumbnailLoader(QObject):
    """Decodes the thumbnails the sheet wants, newest list first.

    `arrived(set[str])` is emitted on the GUI thread with the oshashes whose state
    changed (decoded, absent or broken): the sheet repaints their cells.
    """

    arrived = Signal(object)

    def __init__(
        self,
        cache: PreviewCache,
        box: QSize,
        parent: QObject | None = None,
        *,
        threads: int = 0,
        max_bytes: int = DECODED_BYTES,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self._work = _Work()
        self._work.box = QSize(box)
        # Created before the pool, so destroyed before it: the queue is emptied and the
        # pool's wait at destruction is only for the decodes already running.
        self._stopper = QObject(self)
        self._stopper.destroyed.connect(self._work.close)
        self._threads = threads or max(2, min(4, QThread.idealThreadCount() - 1))
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(self._threads)
        self._bridge = _Bridge(self)
        self._bridge.done.connect(self._on_done)
        self._pool.start(_WarmUp())
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self._absent: set[str] = set()
        self._broken: set[str] = set()
        #: Thumbnails decoded so far, and cache reads made (tests and benchmarks read them).
        self.decoded = 0
        self.reads = 0

    # -- asking -----------------------------------------------------------------------------

    @property
    def box(self) -> QSize:
        """The size thumbnails are decoded to fit, in device pixels."""
        return QSize(self._work.box)

    def image(self, oshash: str) -> QImage | None:
        """The decoded thumbnail, if it is at hand (marked as recently used)."""
        image = self._images.get(oshash)
        if image is not None:
            self._images.move_to_end(oshash)
        return image

    def state(self, oshash: str) -> str | None:
        """LOADED, ABSENT (not in the cache), BROKEN (does not decode), or None: not known yet."""
        if oshash in self._images:
            return LOADED
        if oshash in self._absent:
            return ABSENT
        if oshash in self._broken:
            return BROKEN
        return None

    def want(self, oshashes: Iterable[str]) -> None:
        """Decode these, in this order; whatever an earlier call asked for and has not
        started is dropped."""
        with self._work.lock:
            if self._work.closed:
                return
            queue = deque(
                dict.fromkeys(
                    h for h in oshashes if self.state(h) is None and h not in self._work.busy
                )
            )
            self._work.queue = queue
            start = min(self._threads - self._work.runners, len(queue))
            self._work.runners += max(start, 0)
        for _ in range(max(start, 0)):
            self._pool.start(_Decode(self._work, self.cache, self._bridge))

    def forget(self, oshashes: Iterable[str]) -> None:
        """These thumbnails changed in the cache (made just now): read again when wanted."""
        oshashes = set(oshashes)
        with self._work.lock:
            self._work.outdated.update(oshashes & self._work.busy)
        for h in oshashes:
            self._absent.discard(h)
            self._broken.discard(h)
            image = self._images.pop(h, None)
            if image is not None:
                self._bytes -= image.sizeInBytes()

    def reset(self, box: QSize | None = None) -> None:
        """Forget everything decoded and known (a new folder, or a new cell size)."""
        with self._work.lock:
            if box is not None:
                self._work.box = QSize(box)
            self._work.epoch += 1
            self._work.queue.clear()
            self._work.outdated.clear()
        self._images.clear()
        self._bytes = 0
        self._absent.clear()
        self._broken.clear()

    def forget_unknown(self) -> None:
        """Forget which thumbnails were absent or broken (a new folder is shown: one
        may have been made since), keeping the decoded ones."""
        self._absent.clear()
        self._broken.clear()

    def queued(self) -> int:
        """Thumbnails wanted and not started yet."""
        with self._work.lock:
            return len(self._work.queue)

    @property
    def busy(self) -> bool:
        with self._work.lock:
            return bool(self._work.queue or self._work.busy)

    def close(self) -> None:
        """Stop taking work; the decodes running finish unseen."""
        self._work.close()

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    # -- answers ----------------------------------------------------------------------------

    def _on_done(self, epoch: int, oshash: str, image: QImage | None, outcome: str) -> None:
        with self._work.lock:
            self._work.busy.discard(oshash)
            outdated = oshash in self._work.outdated
            self._work.outdated.discard(oshash)
            current = epoch == self._work.epoch and not outdated
        self.reads += 1
        self.decoded += image is not None
        if not current:
            # Read before a reset, or before the thumbnail was made anew: asked again.
            self.arrived.emit(set())
            return
        if image is not None:
            self._put(oshash, image)
        elif outcome == ABSENT:
            self._absent.add(oshash)
        else:
            self._broken.add(oshash)
        self.arrived.emit({oshash})

    def _put(self, oshash: str, image: QImage) -> None:
        old = self._images.pop(oshash, None)
        if old is not None:
            self._bytes -= old.sizeInBytes()
        self._images[oshash] = image
        self._bytes += image.sizeInBytes()
        while self._bytes > self._max_bytes and len(self._images) > 1:
            _key, dropped = self._images.popitem(last=False)
            self._bytes -= dropped.sizeInBytes()

    def __len__(self) -> int:
        return len(self._images)
