"""How a file's location on a drive is stored.

Folder and filename are TEXT so that queries, sorting and search stay simple. A name
that is not valid UTF-8 cannot be stored as TEXT as it is, so its text form shows the
bad bytes as ``\\xNN`` escapes (readable, and unique in practice) and the exact bytes of
the relative path go in ``raw_path``; filesystem access always uses the bytes.
"""

from __future__ import annotations

import os


def to_text(raw: bytes) -> tuple[str, bool]:
    """The display text of a path component or relative path, and whether it was exact."""
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), False


def relpath_bytes(folder: str, filename: str, raw_path: bytes | None) -> bytes:
    """The exact relative path on the drive, as bytes."""
    if raw_path is not None:
        return bytes(raw_path)
    rel = f"{folder}/{filename}" if folder else filename
    return rel.encode("utf-8")


def join_folder(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def split_relpath(rel: str) -> tuple[str, str]:
    """``a/b/c.jpg`` → (``a/b``, ``c.jpg``); a file at the drive root has folder ``""``."""
    rel = rel.strip("/")
    folder, _, name = rel.rpartition("/")
    return folder, name


def absolute(mount_path: str, rel: bytes) -> bytes:
    return os.path.join(os.fsencode(mount_path), rel)
