"""A file's address for libvlc (its "MRL"), exact for any name the drive holds."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

__all__ = ["file_mrl"]


def file_mrl(path: bytes | str) -> str:
    """A file:// MRL. On POSIX the raw bytes are percent-encoded, so names that are not
    UTF-8 (b'clip_\\xff.mp4' -> file:///…/clip_%FF.mp4) reach the file unchanged."""
    if os.name == "nt":
        return Path(os.path.abspath(os.fsdecode(path))).as_uri()
    return "file://" + urllib.parse.quote(os.path.abspath(os.fsencode(path)))
