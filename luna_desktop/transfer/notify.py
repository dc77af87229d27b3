"""The `file_transferred` notification for plug-ins.

After each verified transfer the worker calls every subscribed callback with a
`FileTransferred` (in the worker's thread: a callback that needs the GUI must hand the
event over itself; the window's own signal is made from the worker's events instead).
Plug-ins subscribe in code (`subscribe`) or declare an entry point in the group
``luna_desktop.file_transferred`` naming a callable, loaded once, the first time a
worker runs. A callback that raises is logged and does not stop the transfers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib.metadata import entry_points

from .events import FileTransferred

ENTRY_POINT_GROUP = "luna_desktop.file_transferred"
Listener = Callable[[FileTransferred], None]

log = logging.getLogger(__name__)
_listeners: list[Listener] = []
_lock = threading.Lock()
_plugins_loaded = False


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener` after each verified transfer; returns the function that stops it."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def load_plugins() -> list[str]:
    """Subscribe the entry points of the group, once per process; returns their names
    (and logs those that cannot be loaded)."""
    global _plugins_loaded
    with _lock:
        if _plugins_loaded:
            return []
        _plugins_loaded = True
    names = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            subscribe(ep.load())
            names.append(ep.name)
        except Exception:
            log.exception("the file_transferred plug-in %s could not be loaded", ep.name)
    return names


def emit(event: FileTransferred) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(event)
        except Exception:
            log.exception("a file_transferred listener failed (%r)", listener)
