"""What the media layer learns about one file, independent of how it was read."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

# Kinds a catalogue row can have; DESIGN.md lists exactly these.
KINDS = ("image", "video", "audio", "document", "other")


@dataclass
class MediaInfo:
    """Metadata extracted from one file.

    Every field is optional: a corrupt or truncated file yields what could be read
    and a human-readable `error`; `notes` say what is odd but harmless. `taken_at` is
    ISO 8601 (``2008-10-22T16:28:39``, with an offset such as ``+02:00`` only when the
    file states one); `taken_at_raw` keeps the string exactly as the file wrote it.
    """

    kind: str = "other"
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    taken_at: str | None = None
    taken_at_raw: str | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lat: float | None = None
    lng: float | None = None
    keywords: list[str] = field(default_factory=list)
    duration: float | None = None
    frame_rate: float | None = None
    codec: str | None = None
    # Anything else worth keeping (lens, exposure, city, XMP fields…) as JSON-safe values.
    extra: dict[str, Any] = field(default_factory=dict)
    # Which readers produced this, e.g. "exifread+pillow" or "libvlc".
    extractor: str = ""
    error: str | None = None
    # What is worth knowing but is not a fault: bytes after the end of a video, a
    # vendor trailer. A file with only notes was read completely.
    notes: list[str] = field(default_factory=list)

    def add_note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def add_error(self, message: str) -> None:
        """Record a problem without losing earlier ones."""
        self.error = message if not self.error else f"{self.error}; {message}"


def bytes_after_end(count: int, media: str) -> str:
    """The one wording of the note for bytes after the end of the media, so every format
    says it alike: ``bytes_after_end(12, "video")`` -> "12 bytes after the end of the video".

    `media` is "image" or "video".
    """
    return f"{count} {'byte' if count == 1 else 'bytes'} after the end of the {media}"


def describe(exc: BaseException) -> str:
    """An exception as a short reason for a curator: a truncated read says so plainly."""
    message = str(exc)
    if "Truncated File Read" in message or isinstance(exc, EOFError | struct.error):
        return "the file ends early (truncated or corrupt)"
    # Pillow names the file object in this message, which helps nobody.
    if message.startswith("cannot identify image file"):
        return "no known image format"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
