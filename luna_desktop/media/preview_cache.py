"""The preview cache: a thumbnail, a preview and a video's poster frame per file, by oshash.

Every drive stays browsable while it is unplugged because what the window shows of a
file can come from here. Entries are JPEGs named for the file's oshash and the entry's
size, fanned out by the oshash's first two digits:

    <cache>/0f/0f1e2d3c4b5a6978.thumb.jpg      256 px on the long side
    <cache>/0f/0f1e2d3c4b5a6978.preview.jpg    1,600 px on the long side
    <cache>/0f/0f1e2d3c4b5a6978.poster.jpg     a video's poster frame

Qt-free, and shared by processes (the window's preview workers, the cache fill's
workers, `luna cache`): an entry is written whole and renamed into place, so a reader
sees the old entry or the new one, never half of one. One cap covers every entry; past
it the least recently used go (`load` touches an entry's mtime: atime is often not
kept). The cap lives in `limits.json` beside the entries, so Preferences and the command
line set the same one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from PIL import Image

from .render import PreviewError, Rendered, decode_image

__all__ = [
    "DEFAULT_MAX_BYTES",
    "POSTER",
    "PREVIEW",
    "PREVIEW_PX",
    "SIZES",
    "THUMB",
    "THUMB_PX",
    "CacheUsage",
    "PreviewCache",
    "default_cache_dir",
    "shrink",
]

THUMB = "thumb"
PREVIEW = "preview"
POSTER = "poster"
SIZES = (THUMB, PREVIEW, POSTER)
THUMB_PX = 256
PREVIEW_PX = 1600
DEFAULT_MAX_BYTES = 5_000_000_000

_APP_NAME = "luna-desktop"  # catalog.database.APP_NAME; media may not import catalog
_ENV_DIR = "LUNA_CACHE_DIR"
_LIMITS = "limits.json"
_QUALITY = {THUMB: 80, PREVIEW: 85, POSTER: 85}
_OSHASH = re.compile(r"[0-9a-f]{16}")
_FOLDER = re.compile(r"[0-9a-f]{2}")
# Only names of this shape are ever deleted: $LUNA_CACHE_DIR may point anywhere.
_ENTRY = re.compile(r"[0-9a-f]{16}\.(thumb|preview|poster)\.jpg")
_TEMP = re.compile(r"\..*\.tmp")
_SIZE_NOTE = re.compile(rb"original-size=(\d+)x(\d+)")
_SOURCE_NOTE = re.compile(rb"source=([\w.-]+)")
_STALE_TEMP_S = 3600  # a temporary file this old was left by a writer that crashed
_PRUNE_TO = 0.9  # prune below the cap, so that the next saves do not each prune
_PRUNE_EVERY = 100  # saves between two prunes in one process (others write too)
_WHITE = (255, 255, 255)


def default_cache_dir() -> Path:
    """$LUNA_CACHE_DIR if set, else a folder in the user's cache directory (which the
    system may clear: everything in it can be made again from the drives)."""
    if value := os.environ.get(_ENV_DIR):
        return Path(value).expanduser()
    return platformdirs.user_cache_path(_APP_NAME) / "previews"


def forget_old_posters() -> None:
    """Before the preview cache, posters had a folder of their own (up to 1 GB): it is
    a cache, so what it held is simply made again into this one."""
    old = platformdirs.user_cache_path(_APP_NAME) / "posters"
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class CacheUsage:
    files: int
    bytes: int
    thumbs: int
    previews: int
    posters: int
    max_bytes: int


@dataclass
class _Schedule:
    """When this process prunes a cache folder next: at its first save, after
    `_PRUNE_EVERY` saves, or when what it wrote may have passed the cap."""

    known: int | None = None  # bytes in the folder after the last prune
    written: int = 0
    saves: int = 0


_schedule_lock = threading.Lock()
_pruning = threading.Lock()  # held while a prune runs aside
_schedules: dict[str, _Schedule] = {}


class PreviewCache:
    """The entries of one cache folder. Cheap to make: the window makes one a request."""

    def __init__(
        self,
        directory: Path | str | None = None,
        max_bytes: int | None = None,
        *,
        prune_aside: bool = False,
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        # Prune on a thread of its own rather than in `save`: a poster made for the
        # curator waiting to see it must not wait for a listing of the whole cache.
        self.prune_aside = prune_aside
        # An explicit cap is kept; the stored one is read again before each prune, so
        # a change made in Preferences or by `luna cache limit` reaches every process.
        self._explicit = max_bytes is not None
        self.max_bytes = max_bytes if max_bytes is not None else self._stored_cap()

    # --- names --------------------------------------------------------------------

    def path(self, oshash: str, size: str) -> Path:
        if not isinstance(oshash, str) or not _OSHASH.fullmatch(oshash):
            raise ValueError(f"an oshash is 16 lowercase hex digits, not {oshash!r}")
        if size not in SIZES:
            raise ValueError(f"a cache entry's size is one of {SIZES}, not {size!r}")
        return self.directory / oshash[:2] / f"{oshash}.{size}.jpg"

    def has(self, oshash: str, size: str) -> bool:
        return self.path(oshash, size).is_file()

    # --- reading ------------------------------------------------------------------

    def load_bytes(self, oshash: str, size: str) -> bytes | None:
        """The entry's JPEG as stored, or None. Counts as a use (for the LRU)."""
        path = self.path(oshash, size)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None
        self._touch(path)
        return data

    def load(self, oshash: str, size: str, box: tuple[int, int] | None) -> Rendered | None:
        """The entry decoded and fitted into `box` (None: as stored), or None if there
        is none. An entry that does not decode in full (a full disk, a power cut while
        it was written by something other than `save`) is deleted.

        `original_size` is the original file's size and `source` what the entry was
        made from ("image", "exif-thumbnail", "video-poster"…), as `save` noted them.
        """
        path, notes = self.path(oshash, size), []

        def opener() -> Image.Image:
            fh.seek(0)
            im = Image.open(fh, formats=["JPEG"])
            notes.append(im.info.get("comment", b""))
            return im

        try:
            with open(path, "rb") as fh:
                rendered = decode_image(opener, box, "cached")
        except (FileNotFoundError, IsADirectoryError):
            return None
        except (OSError, PreviewError):
            rendered = None
        if rendered is None or rendered.partial:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        self._touch(path)
        note = notes[-1] if notes else b""
        changes: dict = {}
        if match := _SIZE_NOTE.search(note):
            changes["original_size"] = (int(match[1]), int(match[2]))
        if match := _SOURCE_NOTE.search(note):
            changes["source"] = match[1].decode("ascii")
        return dataclasses.replace(rendered, **changes)

    def stored_source(self, oshash: str, size: str) -> str | None:
        """What an entry was made from, read from its header alone; None if there is no
        entry (or it does not say)."""
        try:
            with Image.open(self.path(oshash, size), formats=["JPEG"]) as im:
                note = im.info.get("comment", b"")
        except (OSError, Image.UnidentifiedImageError):
            return None
        match = _SOURCE_NOTE.search(note) if isinstance(note, bytes) else None
        return match[1].decode("ascii") if match else None

    def _touch(self, path: Path) -> None:
        with contextlib.suppress(OSError):  # a read-only cache still shows its entries
            os.utime(path)

    # --- writing ------------------------------------------------------------------

    def save(
        self,
        oshash: str,
        size: str,
        rendered: Rendered,
        original_size: tuple[int, int] | None = None,
    ) -> Path:
        """Store `rendered` as the entry (replacing one there), noting the original
        file's size (`original_size`, else the rendered one's) and where it came from.
        Raises OSError when the cache cannot be written."""
        path = self.path(oshash, size)
        im = Image.frombytes(rendered.mode, (rendered.width, rendered.height), rendered.data)
        if im.mode == "RGBA":  # JPEG has no alpha: show transparency as white
            im = Image.alpha_composite(Image.new("RGBA", im.size, (*_WHITE, 255)), im)
        width, height = original_size or rendered.original_size
        note = f"luna-cache original-size={width}x{height} source={rendered.source}"
        jpeg = io.BytesIO()
        im.convert("RGB").save(jpeg, "JPEG", quality=_QUALITY[size], comment=note.encode())
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, jpeg.getbuffer())
        self._after_save(len(jpeg.getbuffer()))
        return path

    def _after_save(self, written: int) -> None:
        with _schedule_lock:
            s = _schedules.setdefault(os.path.abspath(self.directory), _Schedule())
            s.saves += 1
            s.written += written
            due = s.known is None or s.saves >= _PRUNE_EVERY or s.known + s.written > self.max_bytes
        if not due:
            return
        if not self.prune_aside:
            self.prune()
        elif _pruning.acquire(blocking=False):  # one at a time; a save meanwhile skips
            threading.Thread(target=self._prune_and_release, name="luna-prune", daemon=True).start()

    def _prune_and_release(self) -> None:
        try:
            self.prune()
        except OSError:  # a cache folder gone or unwritable: the next save tries again
            pass
        finally:
            _pruning.release()

    def set_max_bytes(self, value: int) -> None:
        """Set the cap, for this cache and every process that opens the folder later
        (or prunes it: they read it again then). Does not prune by itself."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"the cache's cap is a number of bytes, not {value!r}")
        self.directory.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"max_bytes": value}).encode()
        _write_atomically(self.directory / _LIMITS, data)
        self.max_bytes = value

    def _stored_cap(self) -> int:
        try:
            value = json.loads((self.directory / _LIMITS).read_bytes())["max_bytes"]
        except (OSError, ValueError, KeyError, TypeError):
            return DEFAULT_MAX_BYTES  # none yet, or damaged: the default is safe
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return value if ok else DEFAULT_MAX_BYTES

    # --- keeping it bounded -------------------------------------------------------

    def prune(self, max_bytes: int | None = None) -> int:
        """Delete the least recently used entries down to 90 % of the cap (`max_bytes`,
        else the cache's), and temporary files an hour old (a crashed writer's);
        returns how many files went."""
        if max_bytes is None:
            if not self._explicit:
                self.max_bytes = self._stored_cap()
            max_bytes = self.max_bytes
        target = max_bytes * _PRUNE_TO
        files = list(self._files(temporary=True))
        total = sum(size for _, size, path in files if not _is_temp(path))
        removed, crashed = 0, time.time() - _STALE_TEMP_S
        for used, size, path in sorted(files):  # the oldest use first
            if _is_temp(path):
                if used >= crashed:
                    continue  # another process may be writing that temporary file now
            elif total <= target:
                continue
            else:
                total -= size
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed += 1
        with _schedule_lock:
            _schedules[os.path.abspath(self.directory)] = _Schedule(known=total)
        return removed

    def clear(self) -> int:
        """Delete every entry (and any temporary file); keeps the cap. Returns how
        many files went."""
        removed = 0
        for _, _, path in self._files(temporary=True):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed += 1
        with _schedule_lock:
            _schedules[os.path.abspath(self.directory)] = _Schedule(known=0)
        return removed

    def usage(self) -> CacheUsage:
        counts = dict.fromkeys(SIZES, 0)
        files = total = 0
        for _, size, path in self._files(temporary=False):
            files, total = files + 1, total + size
            counts[path.rsplit(".", 2)[-2]] += 1
        if not self._explicit:
            self.max_bytes = self._stored_cap()
        return CacheUsage(
            files=files,
            bytes=total,
            thumbs=counts[THUMB],
            previews=counts[PREVIEW],
            posters=counts[POSTER],
            max_bytes=self.max_bytes,
        )

    def _files(self, temporary: bool):
        """(mtime, size, path) of every entry, and of temporary files if asked."""
        try:
            folders = list(os.scandir(self.directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        for folder in folders:
            if not (_FOLDER.fullmatch(folder.name) and folder.is_dir(follow_symlinks=False)):
                continue
            try:
                entries = list(os.scandir(folder.path))
            except OSError:  # removed meanwhile, or unreadable: nothing of ours to count
                continue
            for entry in entries:
                ours = _ENTRY.fullmatch(entry.name) or (temporary and _TEMP.fullmatch(entry.name))
                if not ours:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    st = entry.stat(follow_symlinks=False)
                    yield st.st_mtime, st.st_size, entry.path


def _is_temp(path: str) -> bool:
    return path.endswith(".tmp")


def _write_atomically(path: Path, data) -> None:
    fd, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)  # readers see the old file or the new, never half
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def shrink(rendered: Rendered, box: tuple[int, int]) -> Rendered:
    """`rendered` fitted into `box` (never enlarged), keeping its original size and
    source: a thumbnail made from a preview or a poster already in memory."""
    im = Image.frombytes(rendered.mode, (rendered.width, rendered.height), rendered.data)
    smaller = decode_image(lambda: im, box, rendered.source)
    return dataclasses.replace(smaller, original_size=rendered.original_size)
