"""libvlc's video callbacks ("vmem"): frames decoded into a buffer of ours.

Declared here rather than taken from python-vlc: its format callback passes `chroma`
as a c_char_p, which ctypes turns into a bytes copy, so the chroma could not be
written back. The player (`playback`) and the poster grabber (`posters`) both draw
through these.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

__all__ = ["VideoCallbacks", "set_video_callbacks"]

_VoidP = ctypes.c_void_p
_UIntP = ctypes.POINTER(ctypes.c_uint)
FormatCb = ctypes.CFUNCTYPE(
    ctypes.c_uint, ctypes.POINTER(_VoidP), _VoidP, _UIntP, _UIntP, _UIntP, _UIntP
)
CleanupCb = ctypes.CFUNCTYPE(None, _VoidP)
LockCb = ctypes.CFUNCTYPE(_VoidP, _VoidP, ctypes.POINTER(_VoidP))
UnlockCb = ctypes.CFUNCTYPE(None, _VoidP, _VoidP, ctypes.POINTER(_VoidP))
DisplayCb = ctypes.CFUNCTYPE(None, _VoidP, _VoidP)

_bound: list[Any] = []  # (set_callbacks, set_format_callbacks), bound on first use


class VideoCallbacks:
    """The five C callbacks of one player, kept alive as long as this object is: it
    must outlive the player (libvlc calls them until the player is released)."""

    def __init__(
        self,
        *,
        fmt: Callable[..., int],
        lock: Callable[..., Any],
        display: Callable[..., None],
        unlock: Callable[..., None] = lambda *_: None,
        cleanup: Callable[..., None] = lambda *_: None,
    ) -> None:
        self.fmt, self.cleanup = FormatCb(fmt), CleanupCb(cleanup)
        self.lock, self.unlock, self.display = LockCb(lock), UnlockCb(unlock), DisplayCb(display)


def set_video_callbacks(player: Any, callbacks: VideoCallbacks) -> None:
    """Send `player`'s pictures to `callbacks` (before it plays)."""
    if not _bound:
        from luna_desktop.media import vlc_runtime  # loads libvlc: only once it is needed

        dll = vlc_runtime.vlc.dll
        _bound.append(
            ctypes.CFUNCTYPE(None, _VoidP, LockCb, UnlockCb, DisplayCb, _VoidP)(
                ("libvlc_video_set_callbacks", dll)
            )
        )
        _bound.append(
            ctypes.CFUNCTYPE(None, _VoidP, FormatCb, CleanupCb)(
                ("libvlc_video_set_format_callbacks", dll)
            )
        )
    set_callbacks, set_format = _bound
    handle = player._as_parameter_  # ctypes' own protocol: the libvlc_media_player_t*
    set_format(handle, callbacks.fmt, callbacks.cleanup)
    set_callbacks(handle, callbacks.lock, callbacks.unlock, callbacks.display, None)
