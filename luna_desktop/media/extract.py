"""One entry point from a file's bytes to its MediaInfo: sniff the type, then read it."""

from __future__ import annotations

from typing import BinaryIO

from .audio import read_audio
from .completeness import image_ending
from .documents import read_pdf
from .images import read_image
from .info import MediaInfo, bytes_after_end
from .sniff import sniff
from .videos import read_video


def extract(
    fh: BinaryIO, path: bytes | str, name: str, head: bytes, tail: bytes, size: int
) -> MediaInfo:
    """Read what the file is and its metadata. Never raises for a bad file.

    `head` and `tail` are the first and last (up to) 64 KiB, already read for the oshash,
    so the type is known and an image cut short (an error) or followed by a trailer (a
    note) is seen without touching the drive again; `fh` is reused by the image readers.
    """
    if not head:
        return MediaInfo(kind="other", error="the file is empty (0 bytes)")
    kind, mime = sniff(head, name)
    info = MediaInfo(kind=kind, mime=mime)
    try:
        if kind == "image":
            read_image(fh, info, head)
        elif kind == "video":
            read_video(path, info)
        elif kind == "audio":
            read_audio(path, info)
        elif mime == "application/pdf":
            read_pdf(path, info)
    except Exception as exc:  # a reader bug must not stop a scan of a million files
        info.add_error(f"could not read {kind} metadata: {exc.__class__.__name__}: {exc}")
    ending = image_ending(mime, head, tail, size)
    if ending.cut_short:
        info.add_error(ending.cut_short)
    elif ending.extra:
        info.add_note(bytes_after_end(ending.extra, "image"))
    return info
