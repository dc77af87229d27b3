"""The preview's worker process: decodes run there, so a decoder that crashes on a
hostile file (a segfault in libheif, libjpeg, a raw parser) kills the worker, not Luna.

Qt-free. `decode` is called from the pane's one decode thread and blocks that thread
(never the GUI thread) until the worker answers; `close` may come from any thread.
The worker is started lazily, and again straight after a crash so the next file does
not wait for it. It ends with its parent however the parent ends (`process_pool`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from luna_desktop.process_pool import WINDOW_PRELOAD, worker_pool

from .preview_worker import Decoded, PreviewRequest, decode_file, receive

__all__ = ["CRASH_MESSAGE", "STOPPED_MESSAGE", "DecoderProcess"]

log = logging.getLogger(__name__)

CRASH_MESSAGE = "The decoder crashed on this file. Luna is fine: the next file previews as usual."
STOPPED_MESSAGE = "the preview was stopped"


class DecoderProcess:
    """One worker process for preview decodes, replaced whenever a decoder kills it."""

    def __init__(self, decode: Callable[[PreviewRequest], Decoded] = decode_file) -> None:
        # `decode` runs in the worker, which imports it by name: a module-level function.
        self._decode = decode
        # Reentrant: a future that is already done runs its callback (which takes this
        # lock) inside add_done_callback, while the caller may hold the lock.
        self._lock = threading.RLock()
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        self._waiting: threading.Event | None = None  # set while a decode is running
        self._epoch = 0  # bumped by `close`

    @property
    def epoch(self) -> int:
        """Work queued before a `close` must not start a worker after it: callers
        pass the epoch they were queued in, and get "stopped" if it has passed."""
        with self._lock:
            return self._epoch

    @property
    def pid(self) -> int | None:
        """The worker's process id once it has started, else None."""
        with self._lock:
            return self._pid

    @property
    def running(self) -> bool:
        """A worker is running or starting."""
        with self._lock:
            return self._pool is not None

    def start(self, epoch: int) -> None:
        """Start the worker now (it would start with the first decode anyway)."""
        with self._lock:
            if self._pool is None and epoch == self._epoch:
                self._new_pool()

    def decode(self, request: PreviewRequest, epoch: int) -> Decoded:
        """Decode in the worker and wait for it. A worker that dies answers `crashed`;
        `close` meanwhile answers "stopped" at once instead of waiting for the decode."""
        with self._lock:
            if epoch != self._epoch:
                return Decoded(error=STOPPED_MESSAGE)
            if self._pool is None:
                self._new_pool()
            pool = self._pool
            assert pool is not None
            try:
                future = pool.submit(self._decode, request)
            except BrokenProcessPool:  # died while idle (killed from outside, say)
                self._discard(pool)
                self._new_pool()
                pool = self._pool
                future = pool.submit(self._decode, request)
            finished = self._waiting = threading.Event()
        future.add_done_callback(lambda _future: finished.set())
        finished.wait()
        with self._lock:
            self._waiting = None
            closed = self._pool is not pool
        if closed or not future.done():
            # Abandoned: whatever it still answers must free its shared pixels.
            future.add_done_callback(_free_abandoned)
            return Decoded(error=STOPPED_MESSAGE)
        try:
            return receive(future.result())
        except BrokenProcessPool:
            log.warning("the preview decoder crashed on %r; starting a fresh one", request.path)
            with self._lock:
                if self._pool is pool:  # not closed meanwhile
                    self._discard(pool)
                    self._new_pool()
            return Decoded(error=CRASH_MESSAGE, crashed=True)
        except CancelledError:
            return Decoded(error=STOPPED_MESSAGE)
        except Exception as exc:  # e.g. an answer that cannot be unpickled
            log.exception("preview of %r failed in the worker", request.path)
            return Decoded(error=f"unexpected error ({type(exc).__name__}: {exc})")

    def close(self) -> None:
        """Stop the worker without waiting for it. A decode still running is abandoned
        (its worker is terminated, so quitting never waits on a stuck decoder) and
        answers "stopped". A later `decode` starts a new worker."""
        with self._lock:
            self._epoch += 1
            pool, self._pool = self._pool, None
            pid, self._pid = self._pid, None
            waiting = self._waiting
        if pool is None:
            return
        if waiting is not None and pid is not None:
            # Busy, so certainly alive and ours: it cannot exit before `shutdown` below
            # tells it to. Terminated first, so a pid is never signalled after its exit.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        pool.shutdown(wait=False, cancel_futures=True)
        if waiting is not None:
            waiting.set()

    # --- with the lock held ---------------------------------------------------------

    def _new_pool(self) -> None:
        pool = self._pool = worker_pool(1, preload=WINDOW_PRELOAD)
        # Submitting starts the worker process now; the answer tells us who it is.
        probe = pool.submit(os.getpid)
        probe.add_done_callback(functools.partial(self._learn_pid, pool))

    def _learn_pid(self, pool: ProcessPoolExecutor, probe: Future) -> None:
        if probe.cancelled() or probe.exception() is not None:
            return
        with self._lock:
            if self._pool is pool:
                self._pid = probe.result()

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
            self._pid = None
        pool.shutdown(wait=False, cancel_futures=True)


def _free_abandoned(future: Future) -> None:
    with contextlib.suppress(Exception):  # cancelled, crashed, or freed already
        receive(future.result())
