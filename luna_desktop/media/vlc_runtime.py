"""The guarded libvlc binding: one shared, headless `vlc.Instance` for the media layer.

python-vlc loads libvlc when it is imported and fails in several ways when the native
library is missing or broken (ImportError, OSError, AttributeError, NotImplementedError,
even `sys.exit` on a bad PYTHON_VLC_LIB_PATH). Importing this module never raises: it
sets `VLC_AVAILABLE` and, when false, `VLC_UNAVAILABLE_REASON` for the user.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from luna_desktop.media.vlc_args import QUIET_ARGS

INSTALL_HINT = (
    "install VLC's library and plugins (Debian/Ubuntu: `sudo apt install libvlc5 "
    "vlc-plugin-base`; Windows/macOS: install VLC 3 from videolan.org, same 32/64-bit "
    "as Python)"
)

VLC_AVAILABLE = False
VLC_UNAVAILABLE_REASON = ""
try:
    import vlc

    _version = vlc.libvlc_get_version() or b""
    if not _version.startswith(b"3."):
        # parse_with_options/tracks_get below are the libvlc 3 API.
        raise ImportError(f"libvlc {_version.decode(errors='replace')} found, 3.x is needed")
    VLC_AVAILABLE = True
except (Exception, SystemExit) as exc:  # SystemExit: python-vlc exits on a bad lib path
    vlc = None
    _detail = (
        "PYTHON_VLC_LIB_PATH names a library that cannot be loaded"
        if isinstance(exc, SystemExit)
        else f"{type(exc).__name__}: {exc}"
    )
    VLC_UNAVAILABLE_REASON = (
        f"video and audio metadata need libvlc, which could not be loaded ({_detail}); "
        f"{INSTALL_HINT}"
    )

# Headless: no pictures and no sound, only parsing.
INSTANCE_ARGS = (*QUIET_ARGS, "--no-video", "--no-audio")
# libvlc_new() rejects an option its build lacks; these are in every libvlc 3 core.
_FALLBACK_ARGS = ("--intf=dummy", "--no-video", "--no-audio", "--quiet")


class VlcUnavailableError(RuntimeError):
    """libvlc is missing or could not start; the message says how to fix it."""


def unavailable_note(unread: str, exc: VlcUnavailableError) -> str:
    """The note for a file read without libvlc: the file is not at fault, so this is a
    note, not an error. It says what is missing, why, how to install libvlc, and that a
    full rescan fills it in: "duration not read: video and audio metadata need libvlc…".
    """
    return (
        f"{unread} not read: {exc}; once it is installed, `luna scan --full` reads the files again"
    )


_lock = threading.Lock()
_instance: Any = None


def get_instance() -> Any:
    """The process-wide parsing instance, created on first use (thread-safe)."""
    global _instance, VLC_AVAILABLE, VLC_UNAVAILABLE_REASON
    if _instance is not None:
        return _instance
    if not VLC_AVAILABLE:
        raise VlcUnavailableError(VLC_UNAVAILABLE_REASON)
    with _lock:
        if _instance is None:
            instance = vlc.Instance(list(INSTANCE_ARGS)) or vlc.Instance(list(_FALLBACK_ARGS))
            if instance is None:  # libvlc_new() failed, typically no plugins found
                VLC_AVAILABLE = False
                VLC_UNAVAILABLE_REASON = f"libvlc could not start; {INSTALL_HINT}"
                raise VlcUnavailableError(VLC_UNAVAILABLE_REASON)
            _instance = instance
    return _instance


# python-vlc declares libvlc_media_track_t's audio/video/subtitle union as three separate
# pointers, so its `.video` reads garbage (and can crash). These are the real layouts.
class _VideoTrackT(ctypes.Structure):
    _fields_ = (
        ("height", ctypes.c_uint),
        ("width", ctypes.c_uint),
        ("sar_num", ctypes.c_uint),
        ("sar_den", ctypes.c_uint),
        ("frame_rate_num", ctypes.c_uint),
        ("frame_rate_den", ctypes.c_uint),
        ("orientation", ctypes.c_int),  # libvlc_video_orient_t
    )


class _TrackT(ctypes.Structure):
    _fields_ = (
        ("codec", ctypes.c_uint32),
        ("original_fourcc", ctypes.c_uint32),
        ("id", ctypes.c_int),
        ("type", ctypes.c_int),
        ("profile", ctypes.c_int),
        ("level", ctypes.c_int),
        ("detail", ctypes.c_void_p),  # union { audio*, video*, subtitle* }
    )


_TRACK_TYPES = {0: "audio", 1: "video", 2: "text"}
_MEDIA_PARSED_CHANGED = 3  # libvlc_MediaParsedChanged
_EventCallback = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_tracks_get: Any = None
_tracks_release: Any = None
_event_manager: Any = None
_event_attach: Any = None
_event_detach: Any = None
if VLC_AVAILABLE:
    _event_manager = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)(
        ("libvlc_media_event_manager", vlc.dll)
    )
    _event_attach = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.c_void_p, ctypes.c_int, _EventCallback, ctypes.c_void_p
    )(("libvlc_event_attach", vlc.dll))
    _event_detach = ctypes.CFUNCTYPE(
        None, ctypes.c_void_p, ctypes.c_int, _EventCallback, ctypes.c_void_p
    )(("libvlc_event_detach", vlc.dll))
    _TrackArray = ctypes.POINTER(ctypes.POINTER(_TrackT))
    _tracks_get = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_void_p, ctypes.POINTER(_TrackArray))(
        ("libvlc_media_tracks_get", vlc.dll)
    )
    _tracks_release = ctypes.CFUNCTYPE(None, _TrackArray, ctypes.c_uint)(
        ("libvlc_media_tracks_release", vlc.dll)
    )


@dataclass(frozen=True)
class Track:
    """One elementary stream as libvlc's preparser saw it."""

    kind: str  # "audio", "video", "text" or "unknown"
    codec: bytes  # libvlc's fourcc, e.g. b"h264", b"MJPG", b"mp4a"
    width: int = 0
    height: int = 0
    frame_rate_num: int = 0
    frame_rate_den: int = 0
    sar_num: int = 1  # the pixel's shape (anamorphic DV: 10/11, 40/33…)
    sar_den: int = 1
    orientation: int = 0  # libvlc_video_orient_t: 4–7 turn the picture a quarter


def media_tracks(media: Any) -> list[Track]:
    """The parsed media's streams, copied out and freed (python-vlc never frees them)."""
    array = ctypes.POINTER(ctypes.POINTER(_TrackT))()
    count = _tracks_get(media._as_parameter_, ctypes.byref(array))
    if not count:
        return []
    try:
        tracks = []
        for i in range(count):
            t = array[i].contents
            kind = _TRACK_TYPES.get(t.type, "unknown")
            codec = t.codec.to_bytes(4, "little")
            if kind == "video" and t.detail:
                v = ctypes.cast(t.detail, ctypes.POINTER(_VideoTrackT)).contents
                tracks.append(
                    Track(
                        kind,
                        codec,
                        v.width,
                        v.height,
                        v.frame_rate_num,
                        v.frame_rate_den,
                        v.sar_num or 1,
                        v.sar_den or 1,
                        v.orientation,
                    )
                )
            else:
                tracks.append(Track(kind, codec))
        return tracks
    finally:
        _tracks_release(array, count)


# python-vlc's Media.event_manager() caches every manager (and so every Media) in a
# process-wide dict, leaking ~0.4 KB per file scanned. One C callback, keyed waiters.
_waiters: dict[int, threading.Event] = {}
_keys = itertools.count(1)


@_EventCallback
def _on_event(_event: Any, key: int | None) -> None:
    # Runs on a libvlc thread, which must not call back into libvlc.
    waiter = _waiters.get(key or 0)
    if waiter is not None:
        waiter.set()


@contextmanager
def parsed_event(media: Any) -> Iterator[threading.Event]:
    """An Event that is set when libvlc reports this media's parse has ended."""
    key, done = next(_keys), threading.Event()
    manager = _event_manager(media._as_parameter_)
    _waiters[key] = done
    try:
        if _event_attach(manager, _MEDIA_PARSED_CHANGED, _on_event, key) != 0:
            raise MemoryError("libvlc could not attach an event handler")
        try:
            yield done
        finally:
            _event_detach(manager, _MEDIA_PARSED_CHANGED, _on_event, key)
    finally:
        del _waiters[key]
