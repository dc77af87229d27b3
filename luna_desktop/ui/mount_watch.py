"""Which drives are mounted, learned off the GUI thread with a time limit.

`os.path.isdir` on a stale network mount can hang for minutes, so the window never
asks the filesystem itself: it reads the last known answer here, and a background
thread checks each drive's mount path with a deadline. A check that does not answer in
time counts as "not responding" (treated as not mounted) until a later check succeeds.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from enum import Enum

from PySide6.QtCore import QObject, QTimer, Signal

CHECK_TIMEOUT_S = 2.0
RECHECK_MS = 15_000


class Mount(Enum):
    UNKNOWN = "unknown"  # not checked yet
    MOUNTED = "mounted"
    ABSENT = "absent"
    NOT_RESPONDING = "not responding"


class MountWatch(QObject):
    changed = Signal()  # some drive's state changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._states: dict[str, Mount] = {}
        self._lock = threading.Lock()
        # A hung check keeps its thread busy: plenty of threads, never joined.
        self._executor = ThreadPoolExecutor(8, thread_name_prefix="luna-mount")
        self._checking = False
        self._paths: list[str] = []
        self._timer = QTimer(self)
        self._timer.setInterval(RECHECK_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        self._result = _Bridge(self)
        self._result.done.connect(self._apply)

    def state(self, path: str | None) -> Mount:
        if not path:
            return Mount.ABSENT
        with self._lock:
            return self._states.get(path, Mount.UNKNOWN)

    def usable(self, path: str | None) -> bool:
        """Worth trying to read from: mounted, or not known yet (a preview finds out)."""
        return self.state(path) in (Mount.MOUNTED, Mount.UNKNOWN)

    def watch(self, paths: list[str]) -> None:
        """The mount paths to keep an eye on; checks them at once."""
        self._paths = sorted({p for p in paths if p})
        self.check()

    def check(self) -> None:
        if self._checking or not self._paths:
            return
        self._checking = True
        paths = list(self._paths)
        threading.Thread(
            target=self._check_all, args=(paths,), name="luna-mount-check", daemon=True
        ).start()

    def _check_all(self, paths: list[str]) -> None:
        futures = {path: self._executor.submit(os.path.isdir, path) for path in paths}
        wait(futures.values(), timeout=CHECK_TIMEOUT_S)
        found = {}
        for path, future in futures.items():
            if not future.done():
                found[path] = Mount.NOT_RESPONDING
            elif future.exception() is None and future.result():
                found[path] = Mount.MOUNTED
            else:
                found[path] = Mount.ABSENT
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            self._result.done.emit(found)

    def _apply(self, found: dict[str, Mount]) -> None:
        self._checking = False
        with self._lock:
            changed = any(self._states.get(p) != s for p, s in found.items())
            self._states.update(found)
        if changed:
            self.changed.emit()

    def shutdown(self) -> None:
        self._timer.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)


class _Bridge(QObject):
    done = Signal(object)
