"""Walking a drive: one listing per folder, names as exact bytes, never following links.

Bytes paths keep names that are not valid UTF-8 intact. A folder that cannot be read
is reported in its listing and the walk goes on; symbolic links are never followed, and
each folder is entered at most once (bind mounts and the like cannot make it loop).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from luna_desktop.catalog.paths import to_text

from .ignore import IgnoreRules
from .sidecars import count_paired_sidecars, pair_sidecars


@dataclass(slots=True)
class FoundFile:
    name: bytes
    text: str  # display form of the name (escapes for non-UTF-8 bytes)
    exact: bool  # whether text encodes back to name
    size: int
    mtime: float
    uid: int
    inode: int  # where the file system placed it: the reading order on a rotating disk


@dataclass(slots=True)
class FolderListing:
    rel: bytes  # relative to the drive root, b"" for the root
    text: str
    exact: bool
    files: list[FoundFile] = field(default_factory=list)
    error: str | None = None  # the folder could not be read (its old rows stay as they are)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    unexamined: set[bytes] = field(default_factory=set)  # names of the problems' entries
    skipped_links: int = 0
    ignored: int = 0
    # XMP sidecars paired with their images (scan.sidecars), by the image's name; a
    # paired sidecar is not in `files`.
    sidecars: dict[bytes, FoundFile] = field(default_factory=dict)


def walk_drive(
    root: bytes,
    rules: IgnoreRules,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[FolderListing]:
    """Depth-first, names sorted, so two scans of the same drive visit files in one order."""
    visited: set[tuple[int, int]] = set()
    stack: list[bytes] = [b""]
    while stack and not should_stop():
        rel = stack.pop()
        text, exact = to_text(rel)
        listing = FolderListing(rel=rel, text=text, exact=exact)
        try:
            entries = _unvisited_entries(root, rel, visited)
        except OSError as exc:
            listing.error = describe_error(exc)
            yield listing
            continue
        if entries is None:
            continue
        subfolders = list_entries(listing, entries, rules)
        yield listing
        stack.extend(reversed(subfolders))


def list_entries(
    listing: FolderListing, entries: list[os.DirEntry[bytes]], rules: IgnoreRules
) -> list[bytes]:
    """Fill a folder's listing from its entries (names sorted, the ignore rules applied,
    links and special files passed over, sidecars paired); returns its subfolders. The
    walk and a live watch list a folder alike."""
    rel = listing.rel
    subfolders: list[bytes] = []
    for entry in sorted(entries, key=lambda e: e.name):
        name = entry.name
        name_text, name_exact = to_text(name)
        child_rel = os.path.join(rel, name) if rel else name
        if _ignored(rules, name_text, child_rel):
            listing.ignored += 1
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            listing.problems.append((to_text(child_rel)[0], describe_error(exc)))
            listing.unexamined.add(name)
            continue
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            listing.skipped_links += 1
        elif stat.S_ISDIR(mode):
            subfolders.append(child_rel)
        elif stat.S_ISREG(mode):
            listing.files.append(
                FoundFile(
                    name, name_text, name_exact, st.st_size, st.st_mtime, st.st_uid, st.st_ino
                )
            )
        # Sockets, FIFOs and devices are not files a curator can work with; opening
        # a FIFO would even block the scan.
    listing.sidecars = pair_sidecars(listing.files)
    return subfolders


def count_files(
    root: bytes, rules: IgnoreRules, should_stop: Callable[[], bool] = lambda: False
) -> int:
    """How many files `walk_drive` will list, for the progress bar: the same rules, but
    from the directory entries' types alone, without a stat of every file."""
    total = 0
    visited: set[tuple[int, int]] = set()
    stack: list[bytes] = [b""]
    while stack and not should_stop():
        rel = stack.pop()
        try:
            entries = _unvisited_entries(root, rel, visited)
        except OSError:
            continue
        names: list[bytes] = []
        for entry in entries or ():
            name = entry.name
            child_rel = os.path.join(rel, name) if rel else name
            if _ignored(rules, to_text(name)[0], child_rel):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(child_rel)
                elif entry.is_file(follow_symlinks=False):
                    names.append(name)
            except OSError:
                continue
        total += len(names) - count_paired_sidecars(names)
    return total


def _unvisited_entries(
    root: bytes, rel: bytes, visited: set[tuple[int, int]]
) -> list[os.DirEntry[bytes]] | None:
    """A folder's entries, or None for a folder already walked (a loop, a bind mount).
    Raises OSError when the folder cannot be read."""
    full = os.path.join(root, rel) if rel else root
    st = os.stat(full, follow_symlinks=False)
    key = (st.st_dev, st.st_ino)
    if key in visited:
        return None
    visited.add(key)
    with os.scandir(full) as it:
        return list(it)


def _ignored(rules: IgnoreRules, name_text: str, child_rel: bytes) -> bool:
    return rules.ignores_name(name_text) or (
        rules.has_path_patterns and rules.ignores(to_text(child_rel)[0])
    )


def describe_error(exc: OSError) -> str:
    reason = exc.strerror or exc.__class__.__name__
    if isinstance(exc, PermissionError):
        return f"permission denied ({reason})"
    return reason
