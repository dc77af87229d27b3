"""The preview pane's videos and sound: the player view, the poster frame, libvlc.

A part of `PreviewPane` (a mixin over its state, kept apart because it is a seam of its
own): a video shows its poster frame (decoded like a picture, in the worker process,
from the store when it was taken before) and plays only on Space, unless the autoplay
preference says so; a sound shows its tags. The player itself is `MediaView`'s.
"""

from __future__ import annotations

from typing import Any

from .media_view import MediaView
from .player_support import audio_lines
from .preview_decoder import CacheEntry, Result
from .preview_messages import failure_headline, file_name, not_mounted
from .preview_worker import PreviewRequest

__all__ = ["PlayerPart"]


class PlayerPart:
    """Video and sound for `PreviewPane`, which owns the state this works on."""

    # --- the player (the window's actions call these) --------------------------------

    @property
    def controls(self) -> str:
        """Which keys apply to the file on show: "media", "document" or ""."""
        return self._controls

    @property
    def media_view(self) -> MediaView:
        return self._media

    def play_pause(self) -> None:
        if self._controls == "media":
            self._media.toggle_play()

    def seek_by(self, delta_ms: int) -> None:
        if self._controls == "media":
            self._media.seek_by(delta_ms)

    def step_frame(self, direction: int) -> None:
        if self._controls == "media":
            self._media.step_frame(direction)

    def toggle_mute(self) -> None:
        if self._controls == "media":
            self._media.toggle_mute()

    def change_rate(self, steps: int) -> None:
        if self._controls == "media":
            self._media.change_rate(steps)

    # --- showing a video or a sound -------------------------------------------------

    def _show_media(self, current, kind: str) -> None:
        """The player, with the poster (a video) or the tags (audio); nothing plays
        until Space, unless the autoplay preference says so."""
        facts, path = current.facts, current.path
        current.mode = "media"
        self._player.warm_up()  # at once: Space may come soon
        self._loading_timer.stop()
        self._media.reset(current.file_id, duration_s=facts.get("duration"))
        box = self._wanted_box(fitted=True)
        unmounted = not_mounted(facts, "play")
        self._media.set_opener(self._player.opener(path, facts, box, unmounted))
        self._stack.setCurrentWidget(self._media)
        problem = self._player.known_problem()
        # The player's keys only where something can play: otherwise Space and the
        # arrows keep their meaning in the tree.
        self._set_controls("media" if path is not None and not problem else "")
        if kind == "audio":
            name = file_name(facts)
            from_player = (
                None if facts.get("tags") else (lambda tags: audio_lines({"tags": tags}, name))
            )
            self._media.set_lines(audio_lines(facts, name), player_tags=from_player)
            if path is None:
                self._media.set_message(unmounted)
            elif problem:
                self._media.set_message(problem)
            current.announced = True
            self.presented.emit(current.file_id)
        else:
            entry = self._cache.best(current.file_id, path, box)
            if entry is not None:
                self._show_poster(current, entry)
            else:
                self._request(self._poster_request(current.file_id, path, facts, box))
        if self.autoplay and path is not None and not problem:
            self._media.toggle_play()

    def _poster_request(
        self, file_id: int, path: bytes | None, facts: dict[str, Any], box: tuple[int, int]
    ) -> PreviewRequest:
        return PreviewRequest(
            file_id,
            path,
            facts.get("mime"),
            box,
            poster=True,
            oshash=facts.get("oshash"),
            duration=facts.get("duration"),
            posters_dir=self._player.posters_dir(),
        )

    def _on_poster(self, result: Result) -> None:
        current = self._current
        assert current is not None
        if result.entry is not None:
            self._show_poster(current, result.entry)
            return
        if current.path is None:  # no stored poster, drive unplugged: the card says so
            self._show_message(not_mounted(current.facts, "play"), failure=True)
            return
        status = self._media.status()
        if status is not None and status.frames:
            return  # it plays (autoplay): what the poster could not do does not matter
        problem = self._player.known_problem()
        self._set_controls("")  # nothing to play: the keys go back to the tree
        if problem:  # no libvlc: not the file's fault, and nothing would play either
            self._media.set_message(problem)
        else:
            headline = failure_headline(result)
            self._media.set_message(headline)
            self.failed.emit(current.file_id, headline)
        current.announced = True
        self.presented.emit(current.file_id)

    def _show_poster(self, current, entry: CacheEntry) -> None:
        current.shown = entry
        self._media.set_poster(entry.image)
        if current.path is None:
            self._media.set_message(not_mounted(current.facts, "play"))
        if not current.announced:
            self._awaiting_paint = current.file_id  # announced once the poster is painted
            if not self._media.isVisible():
                self._on_poster_painted()

    def _on_poster_painted(self) -> None:
        current = self._current
        file_id = self._awaiting_paint
        if current is None or current.mode != "media" or file_id != current.file_id:
            return
        self._awaiting_paint = None
        current.announced = True
        self.rendered.emit(file_id)
        self.presented.emit(file_id)

    def _on_first_frame(self, file_id: int) -> None:
        """Benchmarks and tests wait for this: Space until the first frame is painted."""
        self.first_frame.emit(file_id)
