"""A file's bytes by offset: from the first bytes already held, else from the file.

The scan reads each file's first 64 KiB once (for the oshash) and hands them to the
readers, whose headers almost always lie inside them. A reader asks for ranges by
offset; only a range past those bytes touches the drive again, and then only that range.
"""

from __future__ import annotations

from typing import BinaryIO


class ByteSource:
    def __init__(self, fh: BinaryIO, head: bytes) -> None:
        self.fh, self.head = fh, head

    def get(self, start: int, length: int) -> bytes:
        """Up to `length` bytes at `start`; fewer at the end of the file."""
        end = start + length
        if end <= len(self.head):
            return self.head[start:end]
        self.fh.seek(start)
        return self.fh.read(length)
