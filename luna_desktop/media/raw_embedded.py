"""A JPEG inside a raw file, read as a picture of its own and merged into the raw file's
metadata: Panasonic's JpgFromRaw (RW2) and the preview every Fujifilm RAF begins with.

The JPEG is read by the one JPEG header reader (`jpeg.read_jpeg`) through a window on
the raw file, so only its header segments are read, never its image data.

exiftool reads an RW2's JpgFromRaw as an embedded document whose tags never override
the main document's: they only fill what IFD0 and the Exif IFD left empty. A RAF has
no main document of its own beyond the raw sizes, so there the JPEG gives everything.
`fill_gaps` is that rule for both.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from luna_desktop.media.descriptive import SOURCES, add_source
from luna_desktop.media.exif import set_position
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.jpeg import read_jpeg

__all__ = ["FileWindow", "fill_gaps", "read_embedded_jpeg"]

_HEAD = 64 * 1024  # the JPEG's first bytes read at once: its EXIF almost always fits


class FileWindow(io.RawIOBase):
    """Bytes `start` to `start + length` of an open file, seen as a file of its own.

    Reads stop at the window's end, as they would at a file's: an embedded JPEG whose
    stated length is shorter than its segments reads as one cut short.
    """

    def __init__(self, fh: BinaryIO, start: int, length: int) -> None:
        super().__init__()
        self._fh, self._start, self._length = fh, start, max(length, 0)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(base + offset, 0)
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:
        wanted = min(len(buffer), self._length - self._position)
        if wanted <= 0:
            return 0
        self._fh.seek(self._start + self._position)
        data = self._fh.read(wanted)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def read_embedded_jpeg(fh: BinaryIO, head: bytes, offset: int, length: int) -> MediaInfo:
    """What the JPEG at `offset` (`length` bytes) of the raw file says about itself.

    `head` is the raw file's first bytes: a JPEG that starts inside them (an RW2's
    JpgFromRaw follows IFD0 closely) costs no read for its first segments.
    """
    found = MediaInfo()
    window = FileWindow(fh, offset, length)
    if offset < len(head):
        start = head[offset : offset + min(length, _HEAD)]
    else:
        start = window.read(min(length, _HEAD))
    if not start:
        found.add_error("it lies past the end of the file")
        return found
    read_jpeg(window, start, found)
    return found


def fill_gaps(info: MediaInfo, found: MediaInfo) -> None:
    """Take from `found` (an embedded JPEG's reading) what `info` does not have yet.

    The picture's size comes as a pair; so do the date and the text it was read from.
    Keywords and descriptive fields go through `descriptive`, whose precedence (XMP
    over IPTC) holds across the two documents as within one. A placeholder in the main
    document (a 0,0 position, an all-zero date) is no value, so the JPEG's real one is
    taken where exiftool would show the placeholder.
    """
    if info.width is None and info.height is None:
        info.width, info.height = found.width, found.height
    if info.orientation is None:
        info.orientation = found.orientation
    info.camera_make = info.camera_make or found.camera_make
    info.camera_model = info.camera_model or found.camera_model
    if info.taken_at is None and found.taken_at is not None:
        info.taken_at, info.taken_at_raw = found.taken_at, found.taken_at_raw
    elif info.taken_at_raw is None:
        info.taken_at_raw = found.taken_at_raw
    set_position(info, found.lat, found.lng)
    info.keywords.extend(k for k in found.keywords if k not in info.keywords)
    for key, value in found.extra.items():
        if key in SOURCES and isinstance(value, dict):
            add_source(info, key, value)
    for key, value in found.extra.items():
        info.extra.setdefault(key, value)
    for note in found.notes:
        info.add_note(note)
