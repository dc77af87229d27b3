"""Worker processes that end when Luna ends, however Luna ends.

Native decoders (libvlc, libheif, Pillow's C plugins) and the metadata readers run
in worker processes, so a decoder that crashes takes a worker down, not the window or a
scan. A `ProcessPoolExecutor` worker whose parent is killed (SIGKILL, a crash) would
otherwise wait on its task queue for ever: it holds that queue's write end itself, so it
never sees end-of-file. Each worker therefore watches its parent and exits the moment
the parent is gone; the fork server and the resource tracker then see their last client
close and exit too.

Qt-free: the scan and the window's preview both use it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait

# What the fork server imports once, so each worker forked from it starts in
# milliseconds with what it runs already loaded: the scan's readers (the reader imports
# the media readers only when it first reads a file, so they are named on their own),
# and, in the window, the preview's renderer as well. What any pool asked for before the
# fork server started is preloaded; a worker needing more imports it itself.
SCAN_PRELOAD = ("luna_desktop.scan.reader", "luna_desktop.media.extract")
WINDOW_PRELOAD = (*SCAN_PRELOAD, "luna_desktop.media.render")
_preload: set[str] = set()


def worker_context(preload: tuple[str, ...] = SCAN_PRELOAD) -> multiprocessing.context.BaseContext:
    """How worker processes start: never a plain fork of this process.

    Forking a process that runs threads (Qt's, libvlc's, a scan's) can deadlock the
    child. A fork server is a fresh, single-threaded process that imports the readers
    once and forks each worker from itself; where there is none (Windows, macOS), each
    worker is spawned.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        _preload.update(preload)
        context.set_forkserver_preload(sorted(_preload))
        return context
    return multiprocessing.get_context("spawn")


def start_worker(niceness: int = 0) -> None:
    """Initializer of every Luna worker process.

    Ctrl+C in a terminal reaches the whole process group: only Luna itself should hear
    it and stop cleanly; a worker just finishes its task. And a worker never outlives
    its parent (see the module's docstring). `niceness` lowers the worker's priority
    (see worker_pool).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if niceness and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(niceness)
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    threading.Thread(
        target=_exit_with, args=(parent.sentinel,), name="luna-watch-parent", daemon=True
    ).start()


def _exit_with(sentinel: int) -> None:
    # The sentinel becomes readable when the parent closes its end, i.e. when it dies.
    wait([sentinel])
    os._exit(0)


def worker_pool(
    workers: int, niceness: int = 0, preload: tuple[str, ...] = SCAN_PRELOAD
) -> ProcessPoolExecutor:
    """A pool of `workers` processes that exit with their parent.

    `niceness` above 0 makes them yield the processor to Luna's own process: a scan's
    readers, one per core, would otherwise take turns on the cores with the process
    that walks the drive and writes the catalogue (and, in the window, draws it), which
    every file passes through.
    """
    return ProcessPoolExecutor(
        workers,
        mp_context=worker_context(preload),
        initializer=start_worker,
        initargs=(niceness,),
    )
