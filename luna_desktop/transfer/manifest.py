"""The BagIt manifest at a destination's root: ``manifest-sha256.txt``, one line per
verified file, ``<sha256>  <path>``, in the format of BagIt 1.0 (RFC 8493 §2.1.3): a path
with a line break or a percent sign has them percent-encoded.

The payload sits at the destination's root in the curator's layout rather than under a
bag's ``data/`` folder, so the destination is not a whole bag; the manifest is what a
bag tool, ``sha256sum -c`` or an auditor reads to check it.

A worker appends a line for each verified file before it marks the job done (a crash in
between lists the file twice, never not at all), and rewrites the manifest whole from
the catalogue at the end of a run in which an append failed or a copy was adopted, so
that it is exact again: one line per verified file, lines Luna did not write kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MANIFEST = "manifest-sha256.txt"
_GLUED = re.compile(r"[0-9a-fA-F]{64}  ")
_TMP = ".luna-writing"


def encode_path(path: str) -> str:
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


def decode_path(path: str) -> str:
    return path.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def line(sha256: str, path: str) -> str:
    return f"{sha256}  {encode_path(path)}\n"


def parse(text: str) -> dict[str, str]:
    """Path → sha256; the last line for a path wins (a file published again)."""
    entries: dict[str, str] = {}
    for raw in text.splitlines():
        digest, _, path = raw.strip("\r").partition(" ")
        path = path.lstrip(" *")  # BagIt separates by spaces; sha256sum may add '*'
        # A line cut by a crash and glued to the next holds a second "<hash>  ": not a path.
        if len(digest) == 64 and path and not _GLUED.search(path):
            entries[decode_path(path)] = digest.lower()
    return entries


def merged(existing: str | None, ours: Iterable[tuple[str, str]]) -> str:
    """The manifest's text: every (path, sha256) Luna verified, plus what the old manifest
    said of paths Luna does not know (written by another catalogue, say)."""
    entries = parse(existing or "")
    for path, digest in ours:
        entries[path] = digest
    return "".join(line(digest, path) for path, digest in sorted(entries.items()))


def append(remote, sha256: str, path: str) -> None:
    # A crash mid-append can leave a last line without its end: start a new one.
    size = remote.size(MANIFEST)
    lead = ""
    if size:
        with remote.open_read(MANIFEST) as fh:
            fh.seek(size - 1)
            lead = "" if fh.read(1) == b"\n" else "\n"
    remote.append_text(MANIFEST, lead + line(sha256, path))


def rewrite(remote, ours: Iterable[tuple[str, str]]) -> None:
    remote.write_text_atomically(
        MANIFEST, merged(remote.read_text(MANIFEST), ours), tmp_suffix=_TMP
    )
