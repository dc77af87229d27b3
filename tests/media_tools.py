"""Tools for tests on media made on the fly: ffmpeg makes videos, exiftool and ffprobe
say what files hold, and `read` is what a scan does with a video.

They are required: a missing tool fails the test with the package to install, never
skips it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from luna_desktop.media import vlc_runtime
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.videos import read_video


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is needed for these tests (apt install ffmpeg libimage-exiftool-perl)"
    return path


def exiftool(path: Path) -> dict:
    """exiftool's numeric values for a file, keyed by tag name without the group."""
    out = subprocess.run(
        [tool("exiftool"), "-j", "-n", "-G1", os.fspath(path)],
        capture_output=True, check=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    tags: dict = {}
    for key, value in json.loads(out)[0].items():
        tags.setdefault(key.split(":")[-1], value)  # the first: the main or video track
        tags[key] = value
    return tags


def ffprobe_duration(path: Path) -> float:
    out = subprocess.run(
        [tool("ffprobe"), "-v", "error", "-show_entries", "format=duration",
         "-of", "csv=p=0", os.fspath(path)],
        capture_output=True, check=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    return float(out)


def ffmpeg(
    out: Path, *args: str, size: str = "320x240", rate: str = "25", seconds: float = 1
) -> Path:
    """A test-pattern video with a tone; `args` are the output options."""
    source = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}"]
    tone = ["-f", "lavfi", "-i", f"sine=duration={seconds}"]
    subprocess.run(
        [tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y", *source, *tone,
         *args, os.fspath(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out


H264 = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")


def read(path: Path) -> MediaInfo:
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    info = MediaInfo()
    read_video(os.fspath(path), info)
    return info


# A clip whose picture tells the time: flat grey, brighter by RAMP_PER_S luma steps a
# second (limited range, 16 at 0 s), so a test reads from a frame where playback is.
RAMP_PER_S = 10


def ramp_video(out: Path, seconds: float = 20, *, keyframe_s: float = 10) -> Path:
    """A 320 × 180, 25 fps H.264 MP4 with a tone, keyframes `keyframe_s` apart (so a
    seek must decode its way from a keyframe to land on time)."""
    # A white band down the left edge keeps every frame from being one flat colour
    # (a poster skips flat frames, as it would a fade to black).
    return _grey_video(out, f"if(lt(X\\,24)\\,235\\,16+T*{RAMP_PER_S})", seconds, keyframe_s)


def counter_video(out: Path, seconds: float = 6, *, keyframe_s: float = 2) -> Path:
    """Like `ramp_video`, but the grey counts frames: frame n is 16 + 8 × (n mod 25)."""
    return _grey_video(out, "16+mod(N\\,25)*8", seconds, keyframe_s)


def frame_number(grey: int) -> int:
    """Which frame (mod 25) a `counter_video` frame is, from its full-range grey."""
    return round(grey * 219 / 255 / 8) % 25


def _grey_video(out: Path, grey: str, seconds: float, keyframe_s: float) -> Path:
    source = (
        f"color=c=black:s=320x180:r=25:d={seconds},format=yuv444p,geq=lum='{grey}':cb=128:cr=128"
    )
    subprocess.run(
        [tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", source, "-f", "lavfi", "-i", f"sine=duration={seconds}",
         *H264, "-g", str(round(25 * keyframe_s)), "-c:a", "aac", "-shortest",
         os.fspath(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out


def ramp_seconds(grey: int) -> float:
    """Where a ramp video is, from a frame's grey level (full range, as libvlc gives
    RV32 frames)."""
    return grey * 219 / 255 / RAMP_PER_S


def tone(out: Path, seconds: float = 3, *args: str) -> Path:
    """A 440 Hz tone in whatever format `out`'s suffix names; `args` add options
    (``-metadata artist=…``)."""
    subprocess.run(
        [tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", *args,
         os.fspath(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out
