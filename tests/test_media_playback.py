"""Playing through the real libvlc, frames drawn by Luna (media.playback, no Qt).

The clips are made by ffmpeg: a grey ramp whose brightness tells the time, so a test
reads where playback is from the frame itself, not from libvlc's clock.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from luna_desktop.media import playback, vlc_runtime
from luna_desktop.media.playback import Frame, Playback
from tests.media_tools import counter_video, frame_number, ramp_seconds, ramp_video, tone


@pytest.fixture(scope="module")
def ramp(tmp_path_factory) -> Path:
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    return ramp_video(tmp_path_factory.mktemp("ramp") / "ramp.mp4")


class Frames:
    """What a Playback delivered, safe to read while libvlc keeps adding."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[Frame] = []

    def __call__(self, frame: Frame) -> None:
        with self._lock:
            self.items.append(frame)

    @property
    def last(self) -> Frame:
        with self._lock:
            return self.items[-1]

    def __len__(self) -> int:
        with self._lock:
            return len(self.items)


def wait_for(condition, timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.01)


def seconds_shown(frame: Frame) -> float:
    """Where a ramp frame is: its centre pixel's grey (BGRX: blue first)."""
    middle = (frame.height // 2 * frame.width + frame.width // 2) * 4
    return ramp_seconds(frame.data[middle])


def lands_near(frames: Frames, pb: Playback, target_s: float) -> float:
    """The time the picture shows once a paused seek has been drawn: the first picture
    within half a second of `target_s`, or the last one after five seconds. Polls
    `status`, as the window does, which makes a seek asked for while libvlc started."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        pb.status()
        if len(frames) and abs(seconds_shown(frames.last) - target_s) <= 0.5:
            break
        time.sleep(0.02)
    return seconds_shown(frames.last)


def open_ramp(ramp: Path, frames: Frames, **kwargs) -> Playback:
    return Playback(os.fsencode(ramp), on_frame=frames, display_size=(320, 180), **kwargs)


def test_plays_pauses_and_holds(ramp):
    frames = Frames()
    pb = open_ramp(ramp, frames)
    try:
        assert pb.status().state == "opening" and len(frames) == 0  # nothing by itself
        pb.play()
        wait_for(lambda: len(frames) > 0, what="the first frame")
        wait_for(lambda: pb.status().time_ms > 600, what="the clock to run")
        first = frames.items[0]
        assert (first.width, first.height) == (320, 180)
        assert len(first.data) == 320 * 180 * 4
        wait_for(lambda: seconds_shown(frames.last) > 0.5, what="the picture to move")
        assert pb.status().state == "playing" and pb.status().length_ms == 20000

        pb.pause()
        wait_for(lambda: pb.status().state == "paused", what="the pause")
        time.sleep(0.3)  # frames decoded before the pause are still shown
        held = pb.status().time_ms
        picture = seconds_shown(frames.last)
        time.sleep(0.6)
        assert pb.status().time_ms == held
        assert seconds_shown(frames.last) == pytest.approx(picture, abs=0.05)
    finally:
        pb.close()


@pytest.mark.parametrize("target_s", [15.0, 3.2, 12.5])
def test_a_seek_lands_within_half_a_second(ramp, target_s):
    frames = Frames()
    pb = open_ramp(ramp, frames)
    try:
        pb.play()
        wait_for(lambda: len(frames) > 0, what="the first frame")
        pb.pause()
        pb.seek(round(target_s * 1000))
        assert lands_near(frames, pb, target_s) == pytest.approx(target_s, abs=0.5)
        assert pb.status().time_ms == pytest.approx(target_s * 1000, abs=500)
        pb.seek_by(-5000)
        back = max(0.0, target_s - 5)
        assert lands_near(frames, pb, back) == pytest.approx(back, abs=0.5)
    finally:
        pb.close()


def test_a_seek_before_playing_opens_paused_there(ramp):
    frames = Frames()
    pb = open_ramp(ramp, frames)
    try:
        pb.seek(8000)
        assert lands_near(frames, pb, 8.0) == pytest.approx(8.0, abs=0.5)
        assert pb.status().state == "paused"
    finally:
        pb.close()


def test_frame_steps(tmp_path):
    clip = counter_video(tmp_path / "counter.mp4")
    frames = Frames()
    pb = Playback(os.fsencode(clip), on_frame=frames, display_size=(320, 180))

    def frame_shown() -> int:
        time.sleep(0.3)
        last = frames.last
        return frame_number(last.data[(last.height // 2 * last.width + last.width // 2) * 4])

    try:
        pb.play()
        wait_for(lambda: pb.status().time_ms > 300, what="playback")
        pb.step_frame(1)  # playing: the first step pauses
        wait_for(lambda: pb.status().state == "paused", what="the pause")
        start, clock = frame_shown(), pb.status().time_ms
        for n in (1, 2, 3):
            pb.step_frame(1)
            assert frame_shown() == (start + n) % 25  # exactly one frame each
        assert pb.status().time_ms == clock + 3 * 40  # the clock follows the steps
        pb.step_frame(-1)
        back = frame_shown()
        # libvlc steps back by seeking from its clock, which lags the picture by a few
        # frames: back it goes, but not always by exactly one
        assert 0 < (start + 3 - back) % 25 <= 12
        assert pb.status().state == "paused"
    finally:
        pb.close()


def test_mute_and_speed(ramp):
    frames = Frames()
    pb = open_ramp(ramp, frames)
    try:
        pb.play()
        wait_for(lambda: pb.status().state == "playing", what="playback")
        assert pb.toggle_mute() is True
        assert pb.status().muted
        assert pb.toggle_mute() is False
        assert not pb.status().muted
        assert pb.change_rate(1) == 1.25
        assert pb.change_rate(10) == 2.0  # stops at the fastest
        assert pb.change_rate(-10) == 0.5
        assert pb.status().rate == 0.5
        start, clock = time.monotonic(), pb.status().time_ms
        wait_for(lambda: pb.status().time_ms > clock + 400, what="the clock at half speed")
        assert time.monotonic() - start > 0.6  # 400 ms of film took more than 600 ms
    finally:
        pb.close()


def test_the_frame_fits_the_box_with_the_catalogues_shape(ramp):
    frames = Frames()
    pb = Playback(os.fsencode(ramp), on_frame=frames, box=(160, 160), display_size=(320, 180))
    try:
        pb.play()
        wait_for(lambda: len(frames) > 0, what="the first frame")
        assert (frames.last.width, frames.last.height) == (160, 90)
    finally:
        pb.close()


def test_no_frame_arrives_after_close(ramp):
    frames = Frames()
    pb = open_ramp(ramp, frames)
    pb.play()
    wait_for(lambda: len(frames) > 2, what="frames")
    pb.close()
    count = len(frames)
    time.sleep(0.3)
    assert len(frames) == count
    assert pb.status().state == "stopped"
    assert playback.reaper_idle(10)


def _threads_and_fds() -> tuple[int, int]:
    return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))


def test_a_hundred_switches_leave_nothing_behind(ramp, tmp_path):
    other = ramp_video(tmp_path / "other.mp4", seconds=3, keyframe_s=1)
    warm = Playback(os.fsencode(ramp), on_frame=lambda f: None)
    warm.play()
    time.sleep(0.2)
    warm.close()
    assert playback.reaper_idle(10)
    before = _threads_and_fds()
    shown = Frames()
    for i in range(100):
        pb = Playback(os.fsencode(other if i % 2 else ramp), on_frame=shown)
        pb.play()
        if i % 10 == 0:  # some play long enough to show pictures, most are skipped past
            wait_for(lambda: len(shown) > 0, what="a frame")
        pb.close()
    assert playback.reaper_idle(30), "players were not all released"
    time.sleep(0.3)  # libvlc's last threads exit just after release returns
    after = _threads_and_fds()
    assert after[0] <= before[0], f"threads: {before[0]} before, {after[0]} after"
    assert after[1] <= before[1], f"open files: {before[1]} before, {after[1]} after"


@pytest.mark.parametrize(
    "content",
    [b"", b"not a video at all " * 1000, b"\x00\x00\x00\x18ftypmp42" + os.urandom(40_000)],
    ids=["empty", "text", "garbage-mp4"],
)
def test_a_file_that_cannot_play_ends_instead_of_hanging(tmp_path, content):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    frames = Frames()
    pb = Playback(os.fsencode(bad), on_frame=frames)
    try:
        pb.play()
        wait_for(lambda: pb.status().state in ("error", "ended"), what="libvlc to give up")
        assert len(frames) == 0
    finally:
        pb.close()


def test_a_truncated_video_plays_what_is_there_then_ends(ramp, tmp_path):
    cut = tmp_path / "cut.mp4"
    data = ramp.read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    frames = Frames()
    pb = Playback(os.fsencode(cut), on_frame=frames)
    try:
        pb.play()
        wait_for(lambda: pb.status().state in ("error", "ended", "playing"), what="a state")
        pb.seek(19000)  # past what the file still holds
        wait_for(lambda: pb.status().state in ("error", "ended"), timeout=20, what="the end")
    finally:
        pb.close()


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".flac", ".ogg", ".m4a"])
def test_audio_plays_and_its_clock_runs(tmp_path, suffix):
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    sound = tone(tmp_path / f"tone{suffix}", 3, "-metadata", "artist=Ada", "-metadata", "title=A")
    frames = Frames()
    pb = Playback(os.fsencode(sound), on_frame=frames)
    try:
        pb.play()
        wait_for(lambda: pb.status().time_ms > 500, what="the clock")
        assert pb.status().state == "playing"
        assert pb.status().length_ms == pytest.approx(3000, abs=150)
        assert len(frames) == 0  # no pictures in a sound
        if suffix != ".wav":  # WAV files carry no tags here
            assert pb.tags() == {"artist": "Ada", "title": "A"}
    finally:
        pb.close()


def test_close_waits_for_a_frame_being_handed_over(ramp):
    """A frame already on its way when `close` is called lands before `close` returns,
    never after (it would be painted as the next file's picture)."""
    started: list[float] = []
    handed: list[float] = []

    def slow_handler(frame: Frame) -> None:
        started.append(time.monotonic())
        time.sleep(0.05)
        handed.append(time.monotonic())

    pb = Playback(os.fsencode(ramp), on_frame=slow_handler)
    pb.play()
    # Close while a frame is in the handler (started, not yet handed over).
    wait_for(lambda: len(handed) > 3 and len(started) > len(handed), what="a frame on its way")
    pb.close()
    closed_at = time.monotonic()
    time.sleep(0.3)
    assert handed and max(handed) <= closed_at


def test_a_closed_player_falls_silent_at_once_however_slow_its_release(ramp, monkeypatch):
    release = Playback.release_blocking

    def slow_release(self) -> None:  # as on a drive that was pulled out
        time.sleep(3)
        release(self)

    monkeypatch.setattr(Playback, "release_blocking", slow_release)
    pb = Playback(os.fsencode(ramp), on_frame=lambda f: None)
    pb.play()
    wait_for(lambda: pb.status().state == "playing", what="playback")
    pb.close()
    # libvlc's own state: paused (and muted) long before the release comes.
    wait_for(lambda: pb._player.get_state().value != 3, timeout=1, what="the pause")
    assert playback.reaper_idle(10)


def test_one_stuck_release_does_not_hold_up_the_next(ramp, monkeypatch):
    release = Playback.release_blocking
    released: list[Playback] = []
    stuck = threading.Event()

    def release_once_slowly(self) -> None:
        if not stuck.is_set():
            stuck.set()
            time.sleep(3)
        release(self)
        released.append(self)

    monkeypatch.setattr(Playback, "release_blocking", release_once_slowly)
    first = Playback(os.fsencode(ramp), on_frame=lambda f: None)
    first.close()
    second = Playback(os.fsencode(ramp), on_frame=lambda f: None)
    second.close()
    wait_for(lambda: second in released, timeout=2, what="the second release")
    assert first not in released
    assert playback.reaper_idle(10)


def test_a_seek_after_the_end_opens_the_file_paused_there(tmp_path):
    clip = ramp_video(tmp_path / "short.mp4", seconds=3, keyframe_s=1)
    frames = Frames()
    pb = Playback(os.fsencode(clip), on_frame=frames, display_size=(320, 180))
    try:
        pb.play()
        wait_for(lambda: pb.status().state == "ended", what="the end")
        pb.seek(1000)
        assert lands_near(frames, pb, 1.0) == pytest.approx(1.0, abs=0.5)
        wait_for(lambda: pb.status().state == "paused", what="the pause")
    finally:
        pb.close()
