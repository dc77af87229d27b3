"""What the preview pane needs to play a file: libvlc, loaded off the GUI thread, and a
player made for the file on show.

Loading libvlc reads its plugin cache from disk (a few hundred milliseconds the first
time), so `PlayerSupport.warm_up` does it on a background thread when the window
opens. Nothing on the GUI thread waits for it: Space pressed before it has finished
says "Starting VLC …" and plays once it has.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from luna_desktop.media.playback import AUDIO_TAGS, Frame, Playback

__all__ = ["PlayerStarting", "PlayerSupport", "audio_lines", "display_size", "no_vlc_message"]


class PlayerStarting(RuntimeError):
    """libvlc is still loading: the player can be made in a moment."""


def no_vlc_message(reason: str) -> str:
    """What the pane says when libvlc is missing: what for, then how to fix it."""
    hint = reason.split(";", 1)[1].strip() if ";" in reason else reason
    return f"VLC is needed to play videos and audio: {hint}"


class PlayerSupport:
    """libvlc for the window: loaded once, on a background thread."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._started = False
        self._lock = threading.Lock()
        self._problem: str | None = None
        self._posters_dir: str | None = None

    def warm_up(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._load, name="luna-vlc-warm-up", daemon=True).start()

    def _load(self) -> None:
        try:
            from luna_desktop.media.playback import playback_instance
            from luna_desktop.media.vlc_runtime import VlcUnavailableError

            try:
                playback_instance()
            except VlcUnavailableError as exc:
                self._problem = no_vlc_message(str(exc))
        except Exception as exc:  # the pane says so when a file is to be played
            self._problem = f"VLC could not be started ({type(exc).__name__}: {exc})"
        finally:
            self._ready.set()

    def posters_dir(self) -> str:
        """Where poster frames are stored: the preview cache, one store with one cap."""
        return self.cache_dir()

    def cache_dir(self) -> str:
        """The preview cache (the user's cache folder, or $LUNA_CACHE_DIR)."""
        if self._posters_dir is None:
            from luna_desktop.media.preview_cache import default_cache_dir

            self._posters_dir = str(default_cache_dir())
        return self._posters_dir

    def known_problem(self) -> str | None:
        """Like `problem`, but never waits: None while libvlc is still loading."""
        return self._problem if self._ready.is_set() else None

    def opener(
        self, path: bytes | None, facts: dict[str, Any], box: tuple[int, int], unmounted: str
    ) -> Callable[[Callable[[Frame], None]], Playback]:
        """A function that makes the player for this file when Space is first pressed."""

        def open_player(on_frame: Callable[[Frame], None]) -> Playback:
            if path is None:
                raise RuntimeError(unmounted)
            self.warm_up()
            if not self._ready.is_set():  # never waited for on the GUI thread
                raise PlayerStarting("Starting VLC …")
            if self._problem:
                raise RuntimeError(self._problem)
            return Playback(path, on_frame=on_frame, box=box, display_size=display_size(facts))

        return open_player


def display_size(facts: dict[str, Any]) -> tuple[int, int] | None:
    """The picture's size the right way up, from the catalogue (None if unknown)."""
    width, height = facts.get("width"), facts.get("height")
    if not width or not height:
        return None
    # EXIF-style orientations 5–8 turn the picture a quarter (a phone held upright).
    if (facts.get("orientation") or 1) in (5, 6, 7, 8):
        return (height, width)
    return (width, height)


def audio_lines(facts: dict[str, Any], name: str) -> list[str]:
    """The audio card: title, artist and album as the scan read them, or the name."""
    tags = facts.get("tags") or {}
    title = tags.get("title") or name
    lines = ["♪", title]
    lines += [tags[key] for key in AUDIO_TAGS if key != "title" and tags.get(key)]
    return lines
