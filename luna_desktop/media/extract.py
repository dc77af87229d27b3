"""One entry point from a file's bytes to its MediaInfo: sniff the type, then read it."""

from __future__ import annotations

from typing import BinaryIO

from .completeness import truncation_note
from .images import read_image
from .info import MediaInfo
from .sniff import sniff
from .videos import read_video


def extract(
    fh: BinaryIO, path: bytes | str, name: str, head: bytes, tail: bytes, size: int
) -> MediaInfo:
    """Read what the file is and its metadata. Never raises for a bad file.

    `head` and `tail` are the first and last (up to) 64 KiB, already read for the oshash,
    so the type is known and truncation is seen without touching the drive again; `fh`
    is reused by the image readers.
    """
    if not head:
        return MediaInfo(kind="other", error="the file is empty (0 bytes)")
    kind, mime = sniff(head, name)
    info = MediaInfo(kind=kind, mime=mime)
    try:
        if kind == "image":
            read_image(fh, info)
        elif kind == "video":
            read_video(path, info)
    except Exception as exc:  # a reader bug must not stop a scan of a million files
        info.add_error(f"could not read {kind} metadata: {exc.__class__.__name__}: {exc}")
    truncated = truncation_note(mime, head, tail, size)
    if truncated:
        info.add_error(truncated)
    return info
