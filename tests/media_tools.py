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
