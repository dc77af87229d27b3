"""Releasing closed players off the GUI thread.

Stopping a libvlc player joins its threads, which can take seconds when its file is
on a drive that was just pulled out; so each release runs on a short-lived daemon
thread of its own, and one stuck release never holds up the next. The process's end
takes any still running with it.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

__all__ = ["reaper", "reaper_idle"]

log = logging.getLogger(__name__)


class Releasable(Protocol):
    def release_blocking(self) -> None: ...


class _Reaper:
    """Stops and releases closed players, each on a short-lived daemon thread, so that
    one player stuck on a dead drive never holds up the next."""

    def __init__(self) -> None:
        self._busy = 0
        self._idle = threading.Condition()

    def put(self, playback: Releasable) -> None:
        with self._idle:
            self._busy += 1
        threading.Thread(
            target=self._release, args=(playback,), name="luna-player-release", daemon=True
        ).start()

    def _release(self, playback: Releasable) -> None:
        try:
            playback.release_blocking()
        except Exception:
            log.exception("releasing a player failed")
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def idle(self, timeout: float) -> bool:
        """Wait until every closed player is released; False if `timeout` ran out."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)


reaper = _Reaper()


def reaper_idle(timeout: float = 5.0) -> bool:
    """Wait for closed players to be released (tests and benchmarks; the window never
    waits: the process's end takes libvlc's threads with it)."""
    return reaper.idle(timeout)
