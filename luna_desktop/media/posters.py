"""Poster frames for videos: a still from about 10 % into a clip, kept in the preview cache.

Qt-free: the preview's worker process calls `poster_preview`, so a libvlc crash never
takes the window down. libvlc decodes the frame and scales it into a buffer of ours (its
video callbacks, the "vmem" output). libvlc 3's vmem turns the picture upright itself
(the track's rotation) and reports the turned size to the format callback, but that size
is the decoder's padded one (1920x1090 for 1080p) without the pixel aspect ratio, so the
true shape comes from the container, through libvlc's preparser.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from luna_desktop.media import vlc_runtime
from luna_desktop.media.containers import read_container
from luna_desktop.media.mrl import file_mrl
from luna_desktop.media.preview_cache import POSTER, PreviewCache, default_cache_dir, shrink
from luna_desktop.media.render import PreviewError, Rendered, fit_size, read_error
from luna_desktop.media.vlc_args import QUIET_ARGS
from luna_desktop.media.vlc_video import VideoCallbacks, set_video_callbacks

__all__ = ["PosterStore", "default_poster_dir", "grab_poster", "poster_preview"]

_SOURCE = "video-poster"  # Rendered.source of every poster
# Silent, nothing drawn over the picture (title, OSD, subtitles). Late frames are kept:
# the first 1080p frame after a seek is often "late" by the clock.
_INSTANCE_ARGS = (
    *QUIET_ARGS, "--no-audio", "--no-osd", "--no-spu", "--no-video-title-show",
    "--no-drop-late-frames", "--no-skip-frames",
)  # fmt: skip
_FALLBACK_ARGS = ("--intf=dummy", "--no-audio", "--quiet", "--ignore-config")
_FLAT_STD = 6.0  # below this spread of values a frame shows nothing (a fade, a title card)
_QUARTER_TURNS = {4, 5, 6, 7}  # libvlc_video_orient_t values that swap width and height


_instance_lock = threading.Lock()
_instances: list[Any] = []  # this process's playing instance, made on first use


def _instance() -> Any:
    """Not vlc_runtime's: that one parses, with video turned off."""
    hint = vlc_runtime.INSTALL_HINT
    if not vlc_runtime.VLC_AVAILABLE:  # VLC_UNAVAILABLE_REASON speaks of metadata
        raise PreviewError(f"a video's poster frame needs VLC 3's library; {hint}", "no-vlc")
    with _instance_lock:
        if not _instances:
            vlc = vlc_runtime.vlc
            instance = vlc.Instance(list(_INSTANCE_ARGS)) or vlc.Instance(list(_FALLBACK_ARGS))
            if instance is None:
                raise PreviewError(f"VLC is installed but could not start; {hint}", "no-vlc")
            _instances.append(instance)
    return _instances[0]


def grab_poster(
    path: bytes | str,
    *,
    fraction: float = 0.1,
    max_size: tuple[int, int] = (1280, 720),
    timeout_s: float = 5.0,
    duration_s: float | None = None,
) -> Rendered:
    """The first frame shown at or after `fraction` of the clip (the first frame if
    seeking there fails), upright and fitted into `max_size`. Raises `PreviewError`."""
    deadline = time.monotonic() + timeout_s
    try:
        st = os.stat(path)
    except OSError as exc:
        raise read_error(exc) from exc
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block libvlc's reader for good
        raise PreviewError("this is not a regular file", "unsupported")
    if st.st_size == 0:
        raise PreviewError("the file is empty (0 bytes)", "empty")
    instance, mrl = _instance(), file_mrl(path)
    duration, shape = _probe(instance, mrl, timeout_s / 2)
    if shape is None:  # libvlc knows an MPEG-TS picture's size only once it decodes
        with contextlib.suppress(OSError):
            c = read_container(path)
            if c and c.width and c.height:
                shape = (c.height, c.width) if (c.orientation or 0) >= 5 else (c.width, c.height)
    duration = duration_s or duration or 0.0
    start = duration * min(max(fraction, 0.0), 1.0)
    play = functools.partial(_play, instance, mrl, shape=shape, box=max_size, deadline=deadline)
    frame, ended = play(start)
    if frame is None and ended and start > 0:  # seeking failed or went past the end
        frame, ended = play(0.0)
    if frame is None:
        raise PreviewError(
            "VLC found no picture it could decode (a damaged or cut-short file, or not a video)"
            if ended
            else f"VLC showed no picture within {timeout_s:g} s (a slow drive or a damaged file)",
            "unreadable",
        )
    # A fade from black or a title card says nothing of the clip: look further in while
    # there is time, and keep the flat frame if every one is flat.
    for later in (0.25 * duration, 0.5 * duration):
        if _is_flat(frame) and later > start:
            other, _ = play(later)
            frame = other if other is not None and not _is_flat(other) else frame
    return frame


def _is_flat(frame: Rendered) -> bool:
    pixels = np.frombuffer(frame.data, np.uint8)
    return float(pixels[:: max(1, pixels.size // 65536)].std()) < _FLAT_STD


def _probe(instance: Any, mrl: str, timeout_s: float) -> tuple[float | None, tuple | None]:
    """(duration in seconds, display size after pixel aspect and rotation) as libvlc's
    preparser reads them from the container; None for what it does not say."""
    media = instance.media_new_location(mrl)
    try:
        with vlc_runtime.parsed_event(media) as done:
            local = vlc_runtime.vlc.MediaParseFlag.local
            if media.parse_with_options(local, max(1, int(timeout_s * 1000))) == 0:
                done.wait(timeout_s)
        if not done.is_set():  # a stuck read: playing may still show a picture
            media.parse_stop()
            return None, None
        seconds = media.get_duration() / 1000 if media.get_duration() > 0 else None
        for t in vlc_runtime.media_tracks(media):
            if t.kind == "video" and t.width and t.height:
                width = t.width * t.sar_num // t.sar_den
                turned = t.orientation in _QUARTER_TURNS
                return seconds, (t.height, width) if turned else (width, t.height)
        return seconds, None
    finally:
        media.release()


def _play(
    instance: Any, mrl: str, start: float, *, shape: tuple | None, box: tuple, deadline: float
) -> tuple[Rendered | None, bool]:
    """(the first frame shown from `start` or None, whether playback ended without one)."""
    got: dict[str, Any] = {}  # written on libvlc's video output thread
    shown = threading.Event()

    def on_format(_opaque, chroma, width, height, pitches, lines) -> int:
        turned = (width[0], height[0])
        display = shape or turned
        if (display[0] - display[1]) * (turned[0] - turned[1]) < 0:
            display = display[::-1]  # vmem turned it; the container's size did not say
        w, h = got["size"] = fit_size(display, box)
        ctypes.memmove(chroma, b"RV32", 4)  # BGRX in memory on little-endian machines
        width[0], height[0], pitches[0], lines[0] = w, h, w * 4, h
        got.update(display=display, buffer=ctypes.create_string_buffer(w * h * 4))
        return 1  # one buffer: libvlc writes the next picture only after on_display

    def on_lock(_opaque, planes) -> None:
        planes[0] = ctypes.addressof(got["buffer"])

    def on_display(_opaque, _picture) -> None:
        if not shown.is_set():
            got["data"] = got["buffer"].raw
            shown.set()

    callbacks = VideoCallbacks(fmt=on_format, lock=on_lock, display=on_display)
    media, player = instance.media_new_location(mrl), instance.media_player_new()
    try:
        if start > 0:  # libvlc decodes from the keyframe before and shows nothing earlier
            media.add_option(f":start-time={start:.3f}")
        set_video_callbacks(player, callbacks)
        player.set_media(media)
        ended = player.play() != 0
        gone = (vlc_runtime.vlc.State.Ended, vlc_runtime.vlc.State.Error)
        while not ended and not shown.wait(0.02) and time.monotonic() < deadline:
            ended = player.get_state() in gone
    finally:
        # stop() joins libvlc's threads, which must be gone before the callbacks and the
        # buffer are freed. (It takes ~0.5 s once an MPEG-TS file has started playing.)
        player.stop()
        player.release()
        media.release()
    if not shown.is_set():
        return None, ended
    (w, h), data = got["size"], got["data"]
    rgb = Image.frombuffer("RGB", (w, h), data, "raw", "BGRX", 0, 1).tobytes()
    return Rendered(w, h, "RGB", rgb, got["display"], _SOURCE, decoded_size=(w, h)), False


# Where posters are kept: the preview cache, under one cap with thumbnails and previews.
# (The window's player and duplicate views ask for it by this name.)
default_poster_dir = default_cache_dir


class PosterStore:
    """Video posters in the preview cache (size POSTER), by the video's oshash.

    Processes may share one: a poster is written whole, then renamed into place. One
    cap covers posters, thumbnails and previews; past it the least recently used entries
    go (see `PreviewCache`).
    """

    def __init__(
        self, directory: Path | str, max_bytes: int | None = None, *, prune_aside: bool = False
    ) -> None:
        self.cache = PreviewCache(directory, max_bytes, prune_aside=prune_aside)
        self.directory = self.cache.directory

    @property
    def max_bytes(self) -> int:
        return self.cache.max_bytes

    def path(self, oshash: str) -> Path:
        return self.cache.path(oshash, POSTER)

    def load(self, oshash: str, box: tuple[int, int] | None) -> Rendered | None:
        """The poster fitted into `box` (None: as stored), or None if there is none. One
        that does not decode in full (a full disk, a power cut) is deleted."""
        return self.cache.load(oshash, POSTER, box)

    def save(self, oshash: str, rendered: Rendered) -> Path:
        return self.cache.save(oshash, POSTER, rendered)

    def prune(self, max_bytes: int | None = None) -> int:
        """See `PreviewCache.prune`: it prunes the whole cache, not only posters."""
        return self.cache.prune(max_bytes)


@functools.lru_cache(maxsize=8)
def _store(directory: Path) -> PosterStore:
    # One a folder and process: its cap is read once. The preview's worker makes a
    # poster while the curator waits: the cache is pruned beside it, not before it shows.
    return PosterStore(directory, prune_aside=True)


def poster_preview(
    path: bytes | str | None,
    oshash: str | None,
    box: tuple[int, int] | None,
    store_dir: Path | str | None = None,
    duration_s: float | None = None,
) -> Rendered:
    """A video's poster fitted into `box`: the stored one if there is one (the drive need
    not be connected), else grabbed from `path` and stored. Raises `PreviewError`."""
    store = _store(Path(store_dir) if store_dir is not None else default_cache_dir())
    cached = store.load(oshash, box) if oshash else None
    if cached is not None:
        return cached
    if path is None:
        raise PreviewError(
            "no poster frame yet: connect the drive that holds this video to make one",
            "not-mounted",
        )
    rendered = grab_poster(path, duration_s=duration_s)
    if oshash:
        with contextlib.suppress(OSError):  # a full or read-only cache: show it anyway
            store.save(oshash, rendered)
    return shrink(rendered, box) if box is not None else rendered
