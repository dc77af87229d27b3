"""Which drives are mounted, learned off the GUI thread with a time limit.

`os.path.isdir` on a stale network mount can hang for minutes, so the window never
asks the filesystem itself: it reads the last known answer here, and background
threads check each drive's mount path with a deadline. A check that does not answer
in time counts as "not responding" (treated as not mounted) until a later check
succeeds. A path whose check still hangs is not asked again until that check returns,
so one stale mount never ties up the checks of the others, and the hung threads are
daemons: quitting never waits for them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from enum import Enum

from PySide6.QtCore import QObject, QTimer, Signal

from luna_desktop.scan.volumes import holds_something

CHECK_TIMEOUT_S = 2.0
# What a check asks the filesystem (a test makes it hang): a folder with something in
# it, since an unplugged drive's fixed mount point stays behind as an empty folder.
is_folder = holds_something
RECHECK_MS = 3_000  # a drive pulled out shows offline within seconds


class Mount(Enum):
    UNKNOWN = "unknown"  # not checked yet
    MOUNTED = "mounted"
    ABSENT = "absent"
    NOT_RESPONDING = "not responding"


class _Check:
    """One isdir() on its own daemon thread; `done` is set when it has answered."""

    def __init__(self, path: str) -> None:
        self.done = threading.Event()
        self.mounted = False
        threading.Thread(target=self._run, args=(path,), name="luna-mount", daemon=True).start()

    def _run(self, path: str) -> None:
        try:
            self.mounted = is_folder(path)
        finally:
            self.done.set()


class MountWatch(QObject):
    changed = Signal()  # some drive's state changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._states: dict[str, Mount] = {}
        self._lock = threading.Lock()
        self._pending: dict[str, _Check] = {}  # checks that have not answered yet
        self._checking = False
        self._again = False
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
        if self._checking:
            self._again = True  # what is checked now may predate the question: ask again
            return
        if not self._paths:
            return
        self._checking = True
        paths = list(self._paths)
        threading.Thread(
            target=self._check_all, args=(paths,), name="luna-mount-round", daemon=True
        ).start()

    def _check_all(self, paths: list[str]) -> None:
        with self._lock:
            checks = {}
            for path in paths:
                check = self._pending.get(path)
                if check is None or check.done.is_set():
                    check = self._pending[path] = _Check(path)
                checks[path] = check
        found = {}
        deadline = time.monotonic() + CHECK_TIMEOUT_S  # all run at once: one deadline
        for path, check in checks.items():
            check.done.wait(max(0.0, deadline - time.monotonic()))
            if check.done.is_set():
                found[path] = Mount.MOUNTED if check.mounted else Mount.ABSENT
            else:
                found[path] = Mount.NOT_RESPONDING
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            self._result.done.emit(found)

    def _apply(self, found: dict[str, Mount]) -> None:
        self._checking = False
        if self._again:
            self._again = False
            self.check()
        with self._lock:
            changed = any(self._states.get(p) != s for p, s in found.items())
            self._states.update(found)
        if changed:
            self.changed.emit()

    def shutdown(self) -> None:
        self._timer.stop()


class _Bridge(QObject):
    done = Signal(object)
