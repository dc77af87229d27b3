"""Missing thumbnails made while the contact sheet shows them, in a worker process.

A cell whose thumbnail is not in the preview cache, of a file on a mounted drive, asks
for it here. Making one runs a decoder (Pillow, libjpeg, libvlc for a video's frame),
so it runs in a worker process (process_pool.worker_pool): a decoder that crashes on a
hostile file takes that worker down, never the window, and the next file gets a fresh
worker. One worker, at most two thumbnails handed to it at a time (the second waits in
its queue, so the worker never idles between them). Like the decode threads, the list
of wanted thumbnails is replaced whole each time the sheet scrolls: the files scrolled
past are not made.

Submitting to the pool starts the worker (the first time, the fork server too: about
half a second), so it happens on a one-thread pool, never on the GUI thread. A file is
tried once per sheet: one that fails is not asked for again until `retry`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from luna_desktop.media.cache_entries import CacheRequest, make_entries
from luna_desktop.process_pool import WINDOW_PRELOAD, worker_pool

__all__ = ["IN_FLIGHT", "MakeJob", "ThumbnailMaker"]

log = logging.getLogger(__name__)

IN_FLIGHT = 2


@dataclass(frozen=True)
class MakeJob:
    """One thumbnail to make: the file's absolute path and what the cache needs to know."""

    oshash: str
    path: bytes
    kind: str
    mime: str | None
    duration: float | None


class _Worker:
    """The worker process, started on first use and again after a crash. Qt-free."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        self._busy = 0
        self.closed = False

    @property
    def pid(self) -> int | None:
        """The worker process's id once it has started (tests read it)."""
        with self._lock:
            return self._pid

    def submit(self, request: CacheRequest) -> Future | None:
        """Hand `request` to the worker, starting it if need be (outside the lock: the
        first start also starts the fork server, half a second). None once stopped."""
        for attempt in (1, 2):
            with self._lock:
                if self.closed:
                    return None
                fresh = self._pool is None
                if fresh:
                    self._pool = worker_pool(1, preload=WINDOW_PRELOAD)
                pool = self._pool
                self._busy += 1  # before it runs: `close` must know to end it
            try:
                if fresh:  # the process starts now; its answer says which it is
                    probe = pool.submit(os.getpid)
                    probe.add_done_callback(functools.partial(self._learn_pid, pool))
                future = pool.submit(make_entries, request)
            except BrokenProcessPool:  # died while idle: once more with a new one
                with self._lock:
                    self._busy -= 1
                    self._drop(pool)
                if attempt == 2:
                    raise
                continue
            except RuntimeError:  # shut down meanwhile: the sheet is closing
                with self._lock:
                    self._busy -= 1
                return None
            future.add_done_callback(self._one_done)
            return future
        return None

    def crashed(self) -> None:
        """A thumbnail's worker died: the next thumbnail starts a fresh one."""
        with self._lock:
            if self._pool is not None:
                self._drop(self._pool)

    def close(self) -> None:
        """Stop without waiting: a decode still running is ended (quitting never waits
        on a decoder stuck on a hostile file)."""
        with self._lock:
            self.closed = True
            pool, self._pool = self._pool, None
            pid, busy = self._pid, self._busy
        if pool is None:
            return
        if busy and pid is not None:
            # Busy, so alive and ours: it cannot exit before the shutdown below.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        pool.shutdown(wait=False, cancel_futures=True)

    def _one_done(self, _future: Future) -> None:
        with self._lock:
            self._busy -= 1

    def _learn_pid(self, pool: ProcessPoolExecutor, probe: Future) -> None:
        if probe.cancelled() or probe.exception() is not None:
            return
        with self._lock:
            if self._pool is pool:
                self._pid = probe.result()

    def _drop(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool, self._pid = None, None
        pool.shutdown(wait=False, cancel_futures=True)


class _Bridge(QObject):
    done = Signal(str, bool)  # oshash, made


class _Submit(QRunnable):
    def __init__(self, worker: _Worker, request: CacheRequest, bridge: _Bridge) -> None:
        super().__init__()
        self._worker, self._request, self._bridge = worker, request, bridge

    def run(self) -> None:
        oshash = self._request.oshash
        try:
            future = self._worker.submit(self._request)
        except Exception:
            log.exception("the thumbnail of %s could not be asked for", oshash)
            future = None
        if future is None:  # failed, or the sheet is closing
            self._report(oshash, False)
            return
        future.add_done_callback(functools.partial(self._finished, oshash))

    def _finished(self, oshash: str, future: Future) -> None:
        made = False
        if not future.cancelled():
            error = future.exception()
            if isinstance(error, BrokenProcessPool):
                log.warning("the thumbnail worker crashed on %r", self._request.path)
                self._worker.crashed()
            elif error is not None:
                log.warning("no thumbnail for %r: %s", self._request.path, error)
            elif (problem := future.result().error) is not None:  # a CacheResult
                log.info("no thumbnail for %r: %s", self._request.path, problem)
            else:
                made = True
        self._report(oshash, made)

    def _report(self, oshash: str, made: bool) -> None:
        with contextlib.suppress(RuntimeError):  # the sheet is gone
            self._bridge.done.emit(oshash, made)


class ThumbnailMaker(QObject):
    """Makes the missing thumbnails the sheet wants, newest list first.

    `made(str, bool)`: a thumbnail (by oshash) was made into the cache, or could not be.
    """

    made = Signal(str, bool)

    def __init__(self, cache_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache_dir = Path(cache_dir)
        self._worker = _Worker()
        # Created before the pool, so destroyed before it: the worker is stopped and the
        # pool's wait at destruction is short even when a decoder is stuck.
        self._stopper = QObject(self)
        self._stopper.destroyed.connect(self._worker.close)
        app = QCoreApplication.instance()
        if app is not None:  # quitting never waits on a thumbnail
            app.aboutToQuit.connect(self._worker.close)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._bridge = _Bridge(self)
        self._bridge.done.connect(self._on_done)
        self._queue: list[MakeJob] = []
        self._in_flight: set[str] = set()
        self._tried: set[str] = set()
        #: Thumbnails asked of the worker so far (tests read it).
        self.asked = 0

    def want(self, jobs: list[MakeJob]) -> None:
        """Make these, in this order; what an earlier call asked for and has not been
        handed to the worker is dropped."""
        self._queue = [
            j for j in jobs if j.oshash not in self._tried and j.oshash not in self._in_flight
        ]
        self._pump()

    def tried(self, oshash: str) -> bool:
        """Asked for already (made, failed, or on its way)."""
        return oshash in self._tried

    def making(self, oshash: str) -> bool:
        """Handed to the worker, or waiting to be."""
        return oshash in self._in_flight or any(j.oshash == oshash for j in self._queue)

    def retry(self) -> None:
        """Forget the failures: a new folder is shown, or the drive came back."""
        self._tried = set(self._in_flight)

    @property
    def busy(self) -> bool:
        return bool(self._in_flight)

    @property
    def worker_pid(self) -> int | None:
        return self._worker.pid

    def close(self) -> None:
        self._queue = []
        self._worker.close()

    def _pump(self) -> None:
        while self._queue and len(self._in_flight) < IN_FLIGHT and not self._worker.closed:
            job = self._queue.pop(0)
            self._in_flight.add(job.oshash)
            self._tried.add(job.oshash)
            self.asked += 1
            request = CacheRequest(
                job.path,
                job.oshash,
                job.kind,
                job.mime,
                job.duration,
                os.fspath(self.cache_dir),
                quick=True,
            )
            self._pool.start(_Submit(self._worker, request, self._bridge))

    def _on_done(self, oshash: str, made: bool) -> None:
        self._in_flight.discard(oshash)
        self.made.emit(oshash, made)
        self._pump()
