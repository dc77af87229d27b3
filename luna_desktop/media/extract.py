"""One entry point from a file's bytes to its MediaInfo: sniff the type, then read it."""

from __future__ import annotations

from typing import BinaryIO

from .images import read_image
from .info import MediaInfo
from .sniff import sniff
from .videos import read_video


def extract(fh: BinaryIO, path: bytes | str, name: str, head: bytes) -> MediaInfo:
    """Read what the file is and its metadata. Never raises for a bad file.

    `head` is the first (up to) 64 KiB, already read for the oshash, so the type is
    known without touching the drive again; `fh` is reused for the image readers.
    """
    kind, mime = sniff(head, name)
    info = MediaInfo(kind=kind, mime=mime)
    try:
        if kind == "image":
            read_image(fh, info)
        elif kind == "video":
            read_video(path, info)
    except Exception as exc:  # a reader bug must not stop a scan of a million files
        info.add_error(f"could not read {kind} metadata: {exc.__class__.__name__}: {exc}")
    return info
