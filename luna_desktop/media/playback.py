"""Playing one video or audio file through libvlc, with Luna drawing the frames.

Qt-free. libvlc decodes and scales each frame into a buffer of ours (its "video
callbacks", the vmem output), and `Playback` hands a copy to `on_frame`: the window
paints it like any picture. That works the same on X11, Wayland, Windows, macOS and in
offscreen tests, where embedding libvlc's own window (set_xwindow, set_hwnd…) does not.

Threads. `on_frame` is called on a libvlc thread; it must only hand the frame over.
Everything else is called from one thread (the GUI's) and never waits on the disk:
libvlc opens and reads the file on its own threads. Stopping a player does wait for
them (a read on a drive that was just pulled out can take seconds), so `close` pauses
and mutes it, hands the stop and release to a background thread, and returns at once.

No libvlc events are used: python-vlc keeps every event manager it hands out alive
for the life of the process, and the window polls `status()` a few times a second
anyway to move its slider.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from luna_desktop.media.mrl import file_mrl
from luna_desktop.media.player_reaper import reaper, reaper_idle
from luna_desktop.media.render import fit_size
from luna_desktop.media.vlc_args import QUIET_ARGS
from luna_desktop.media.vlc_video import VideoCallbacks, set_video_callbacks

__all__ = [
    "AUDIO_TAGS",
    "RATES",
    "Frame",
    "Playback",
    "PlaybackStatus",
    "playback_instance",
    "reaper_idle",  # from player_reaper, for the tests and benchmarks that wait on it
]

log = logging.getLogger(__name__)

# Playback speeds, slowest to fastest; [ and ] step through them.
RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
# What the pane shows of an audio file, as libvlc's metadata names it.
AUDIO_TAGS = ("artist", "title", "album")

# Pictures and sound on, and nothing drawn over the picture.
_INSTANCE_ARGS = (*QUIET_ARGS, "--no-osd", "--no-video-title-show", "--no-snapshot-preview")
# Tests set an audio output that needs no sound card ("adummy"); None: libvlc's choice.
AUDIO_OUTPUT: str | None = os.environ.get("LUNA_AUDIO_OUTPUT") or None
# Frames bigger than this are scaled down by libvlc: a pane is rarely larger, and a
# 4K frame copied 30 times a second would cost more than it shows.
MAX_FRAME = (1920, 1080)

# libvlc drops a pause or a seek asked for in its first moments of playing (and, with
# sound, seeks without ever drawing the new picture); such commands wait this long.
_SETTLE_MS = 200
# After a paused seek, when to step a frame so that the new picture is drawn (seconds).
_KICK_DELAYS = (0.12, 0.45)

_RV32 = b"RV32"  # 32-bit BGRX in memory on little-endian machines: QImage's RGB32

_instance_lock = threading.Lock()
_instance: Any = None


def playback_instance() -> Any:
    """The process's playing instance (sound and pictures on), created on first use.

    Raises `VlcUnavailableError` (whose message says what to install) without libvlc.
    Thread-safe; the window warms it up on a background thread, since libvlc reads its
    plugin cache from disk the first time.
    """
    global _instance
    # Imported here: python-vlc loads libvlc as it is imported, which the window must
    # not pay for at start (see PlayerSupport).
    from luna_desktop.media import vlc_runtime
    from luna_desktop.media.vlc_runtime import VlcUnavailableError

    if _instance is not None:
        return _instance
    if not vlc_runtime.VLC_AVAILABLE:
        raise VlcUnavailableError(vlc_runtime.VLC_UNAVAILABLE_REASON)
    vlc = vlc_runtime.vlc
    with _instance_lock:
        if _instance is None:
            args = list(_INSTANCE_ARGS)
            if AUDIO_OUTPUT:
                args.append(f"--aout={AUDIO_OUTPUT}")
            instance = vlc.Instance(args) or vlc.Instance(["--intf=dummy", "--quiet"])
            if instance is None:
                raise VlcUnavailableError(
                    "VLC's library loaded but could not start (are its plugins installed?)"
                )
            _instance = instance
    return _instance


@dataclass(frozen=True)
class Frame:
    """One picture: `height` rows of `width` 32-bit BGRX pixels (QImage's RGB32)."""

    data: bytes
    width: int
    height: int
    number: int  # 1 for the first frame this playback showed


@dataclass(frozen=True)
class PlaybackStatus:
    state: str  # "opening", "playing", "paused", "ended", "stopped" or "error"
    time_ms: int  # -1 while unknown
    length_ms: int  # 0 while unknown
    rate: float
    muted: bool
    frames: int  # frames shown so far


_STATES = {
    0: "opening",  # NothingSpecial
    1: "opening",
    2: "opening",  # Buffering
    3: "playing",
    4: "paused",
    5: "stopped",
    6: "ended",
    7: "error",
}


class Playback:
    """One file in one libvlc player. Nothing plays until `play`; `close` ends it.

    `box`: the largest frame wanted, in device pixels (the pane's size); libvlc scales
    to fit it. `display_size`: the picture's size the right way up, as the catalogue
    knows it. libvlc's format callback reports the decoder's padded buffer (a 180-pixel
    wide picture arrives as 192), which would stretch the picture, so the catalogue's
    size gives the shape when it is known.
    """

    def __init__(
        self,
        path: bytes | str,
        *,
        on_frame: Callable[[Frame], None],
        box: tuple[int, int] = MAX_FRAME,
        display_size: tuple[int, int] | None = None,
    ) -> None:
        instance = playback_instance()
        self._on_frame = on_frame
        self._box = (
            max(16, min(box[0], MAX_FRAME[0])),
            max(16, min(box[1], MAX_FRAME[1])),
        )
        self._display_size = display_size if display_size and all(display_size) else None
        self._buffer_lock = threading.Lock()
        self._delivering = threading.Lock()  # see _display
        self._buffer: ctypes.Array | None = None
        self._size = (0, 0)
        self._frames = 0
        self._closed = False
        self._rate = 1.0
        self._held_ms: int | None = None  # see _position
        self._pending_pause = False  # see _apply_pending
        self._pausing = False
        self._kicks: list[float] = []  # see _seek_now
        self._muted = False
        self._pending_seek: int | None = None
        self._name = os.path.basename(os.fsdecode(path))
        self._media = instance.media_new_location(file_mrl(path))
        self._player = instance.media_player_new()
        if self._media is None or self._player is None:
            raise RuntimeError("libvlc could not open a player for this file")
        self._player.set_media(self._media)
        # The callbacks must outlive the player: they are kept on this object, which
        # its releasing thread holds until the player is released.
        self._callbacks = VideoCallbacks(
            fmt=self._format, lock=self._lock, unlock=self._unlock, display=self._display
        )
        set_video_callbacks(self._player, self._callbacks)

    # --- commands (the GUI thread) ---------------------------------------------------

    def play(self) -> None:
        if self._closed:
            return
        self._pending_pause = self._pausing = False
        self._kicks = []
        if self._player.get_state().value in (0, 5, 6):  # not started, stopped, ended
            if self._player.get_state().value != 0:
                self._player.stop()  # from the start again
            self._player.play()
        else:
            self._player.set_pause(0)
        self._held_ms = None

    def pause(self) -> None:
        if self._closed:
            return
        if not self._ready():
            self._pending_pause = True  # see _apply_pending
            return
        self._player.set_pause(1)
        self._held_ms = None  # libvlc's clock is right until a step or a seek

    def toggle(self) -> None:
        """Play if paused, not started, stopped or at the end; pause if playing (or
        about to)."""
        if self._closed:
            return
        value = self._player.get_state().value
        if value in (1, 2, 3) and not self._pending_pause:  # opening, buffering, playing
            self.pause()
        else:
            self.play()

    def seek(self, time_ms: int, kicks: tuple[float, ...] = ()) -> None:
        """Go to a time, clamped to the file; playing or paused stays so. A file that
        has not played yet opens paused there."""
        if self._closed:
            return
        length = self._player.get_length()
        target = max(0, int(time_ms))
        if length > 0:
            target = min(target, max(0, length - 1))
        self._held_ms = target
        state = self._player.get_state().value
        if state in (0, 5, 6):  # not started, stopped, ended: open it paused there
            if state != 0:
                self._player.stop()  # libvlc ignores play() on an ended player
            self._player.play()
            self._pending_pause = True
        if not self._ready():
            self._pending_seek = target
            return
        self._seek_now(target, kicks)

    def _seek_now(self, target: int, kicks: tuple[float, ...] = ()) -> None:
        kicks = kicks or _KICK_DELAYS
        self._player.set_time(target)
        if self._player.get_state().value == 4:
            # Paused, libvlc moves but does not draw the new picture; one frame on does,
            # once the seek has been made (asked at once, it is sometimes lost): `status`
            # steps a moment later, and once more in case the seek took longer.
            now = time.monotonic()
            self._kicks = [now + delay for delay in kicks]

    def _ready(self) -> bool:
        """Whether libvlc takes pauses and seeks now. Until its clock has started, it
        drops them, or (with sound) seeks without ever drawing the new picture."""
        return self._player.get_state().value in (3, 4) and self._player.get_time() >= _SETTLE_MS

    def _apply_pending(self) -> None:
        """Carry out a pause or seek asked for while libvlc was starting, and the
        frame steps that show a paused seek; `status` calls this, and the window polls
        it several times a second."""
        if self._kicks and time.monotonic() >= self._kicks[0]:
            self._kicks.pop(0)
            if self._player.get_state().value == 4:
                self._player.next_frame()
        if not (self._pending_pause or self._pending_seek is not None) or not self._ready():
            return
        if self._pending_pause:
            # The seek waits for the pause to be done: the two at once lose the seek.
            self._pending_pause = False
            self._pausing = True
            self._player.set_pause(1)
            return
        if self._pending_seek is not None:
            if self._pausing and self._player.get_state().value != 4:
                return  # not paused yet
            target, self._pending_seek = self._pending_seek, None
            self._seek_now(target)
            self._held_ms = target

    def seek_by(self, delta_ms: int) -> None:
        self.seek(self._position() + delta_ms)

    def _position(self) -> int:
        """Where the picture is: libvlc's clock, or the time a paused seek or step
        went to (libvlc's clock lags behind those)."""
        if self._held_ms is not None:
            return self._held_ms
        return max(0, self._player.get_time())

    def step_frame(self, direction: int) -> None:
        """One frame on (direction 1) or back (-1), pausing first.

        libvlc steps forward exactly (`next_frame`) but not back, and its clock stands
        still while stepping; so the position is counted here, and a step back is a
        seek to one frame before it (exact on most files, a frame off on some).
        """
        if self._closed:
            return
        if self.status().state != "paused":
            self.pause()  # the picture it stops on is the first step
            return
        position = self._position()
        fps = self._player.get_fps() or 25.0
        frame_ms = max(1, round(1000 / fps))
        if direction > 0:
            length = self._player.get_length()
            if length <= 0 or position + frame_ms < length:
                self._player.next_frame()
                self._held_ms = position + frame_ms
        else:
            # One frame early, as the frame step that draws the picture adds one back.
            self.seek(position - 2 * frame_ms, kicks=_KICK_DELAYS[:1])
            self._held_ms = max(0, position - frame_ms)

    def toggle_mute(self) -> bool:
        """Mute or unmute; returns whether it is muted now. Kept here too: libvlc
        forgets a mute set before its sound output has opened (`status` sets it again)."""
        self._muted = not self._muted
        self._player.audio_set_mute(self._muted)
        return self._muted

    def change_rate(self, steps: int) -> float:
        """Move `steps` along RATES (0.5× … 2×); returns the new rate."""
        index = min(range(len(RATES)), key=lambda i: abs(RATES[i] - self._rate))
        self._rate = RATES[max(0, min(len(RATES) - 1, index + steps))]
        self._player.set_rate(self._rate)
        return self._rate

    def status(self) -> PlaybackStatus:
        if self._closed:
            return PlaybackStatus("stopped", -1, 0, self._rate, False, self._frames)
        self._apply_pending()
        player = self._player
        if player.audio_get_mute() in (0, 1) and bool(player.audio_get_mute()) != self._muted:
            player.audio_set_mute(self._muted)
        return PlaybackStatus(
            state=_STATES.get(player.get_state().value, "opening"),
            time_ms=self._held_ms if self._held_ms is not None else player.get_time(),
            length_ms=max(0, player.get_length()),
            rate=self._rate,
            muted=self._muted,
            frames=self._frames,
        )

    def tags(self) -> dict[str, str]:
        """Artist, title and album as libvlc read them (empty until it has parsed)."""
        from luna_desktop.media import vlc_runtime

        meta = vlc_runtime.vlc.Meta
        found = {}
        for name in AUDIO_TAGS:
            value = self._media.get_meta(getattr(meta, name.capitalize()))
            if value:
                found[name] = value
        # Until it has read the file's tags, libvlc answers its name as the title.
        if found.get("title") in (self._name, os.path.splitext(self._name)[0]):
            del found["title"]
        return found

    @property
    def pending(self) -> bool:
        """A pause or seek waits for libvlc to settle (`status` carries it out)."""
        return self._pending_pause or self._pending_seek is not None

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop and release the player on a reaper thread; no frame is delivered
        after this returns. Idempotent.

        The player is paused and muted here first (neither waits): releasing it may
        take seconds on a drive that was pulled out, and it must fall silent at once.
        """
        if self._closed:
            return
        with self._delivering:  # a frame being handed over finishes first
            self._closed = True
        self._player.audio_set_mute(True)
        self._player.set_pause(1)
        reaper.put(self)

    def release_blocking(self) -> None:
        """On the reaper thread: stop (joins libvlc's threads), then free everything."""
        try:
            self._player.stop()
        finally:
            self._player.release()
            self._media.release()
            with self._buffer_lock:
                self._buffer = None

    # --- libvlc's threads --------------------------------------------------------------

    def _format(self, _opaque, chroma, width, height, pitches, lines) -> int:
        source = (width[0], height[0])
        shape = self._display_size or source
        w, h = fit_size(shape, self._box)
        w, h = max(2, w), max(2, h)
        ctypes.memmove(chroma, _RV32, 4)
        width[0], height[0] = w, h
        pitches[0], lines[0] = w * 4, h
        with self._buffer_lock:
            self._buffer = ctypes.create_string_buffer(w * h * 4)
            self._size = (w, h)
        return 1  # one picture buffer

    def _lock(self, _opaque, planes) -> None:
        self._buffer_lock.acquire()
        buffer = self._buffer
        planes[0] = ctypes.addressof(buffer) if buffer is not None else None
        return None

    def _unlock(self, _opaque, _picture, _planes) -> None:
        self._buffer_lock.release()

    def _display(self, _opaque, _picture) -> None:
        # Held from the check to the hand-over, so that once `close` returns no frame
        # of this player can reach the window (and pass for the next file's).
        with self._delivering:
            if self._closed:
                return
            with self._buffer_lock:
                if self._buffer is None:
                    return
                data = self._buffer.raw
                width, height = self._size
            self._frames += 1
            try:
                self._on_frame(Frame(data, width, height, self._frames))
            except Exception:  # an exception must not unwind into libvlc's C thread
                log.exception("the frame handler failed")
