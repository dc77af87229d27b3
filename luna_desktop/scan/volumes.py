"""The removable volumes mounted now, and which of them the catalogue knows.

Drives appear under a few folders: /run/media/USER (udisks), /media/USER and /media
(Debian, Ubuntu), /Volumes (macOS), /mnt (mounted by hand); on Windows as drive
letters. `list_volumes` looks at each volume mounted there (its label, size, and
whether Luna knows it by its volume UUID, by the path it was last scanned at, or by
the files near its root) for File → Add Drive… and for noticing a known drive as it
is plugged in. `LUNA_MEDIA_ROOTS` (folders separated by os.pathsep) replaces those
folders; each folder inside one of them counts as a volume, mounted or not, which is
how tests, and folders that hold copies of drives, use it.

All of this reads the disks, so it runs off the GUI thread, and it never hangs on a
stale mount: every look at a folder runs on its own daemon thread and is waited for
until one deadline shared by all, so a volume that has not answered by then is listed
as not responding. A look that still hangs is not started again until it returns, so
listing every few seconds does not pile up stuck threads, and quitting never waits for
them. The catalogue is asked only from the calling thread (a SQLite connection belongs
to its thread), never from the looks.
"""

from __future__ import annotations

import getpass
import os
import shutil
import stat
import string
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from luna_desktop.catalog.models import Drive
from luna_desktop.catalog.paths import to_text

from .drive_identity import holds_drive, match_fingerprint, sample_files, volume_of

__all__ = [
    "BY_FILES",
    "BY_PATH",
    "BY_UUID",
    "MEDIA_ROOTS_ENV",
    "MountedVolume",
    "describe_volumes",
    "list_volumes",
    "mount_points",
    "removable_roots",
]

MEDIA_ROOTS_ENV = "LUNA_MEDIA_ROOTS"
LOOK_TIMEOUT_S = 3.0  # how long one listing waits for a volume (a disk spinning up: ~2 s)
disk_usage = shutil.disk_usage  # what a look asks for sizes (a test makes it hang)
is_mount_point = os.path.ismount  # what a look asks of a folder in a root (a test, too)

# How a volume was recognised, as the dialog words it ("known by its volume UUID").
BY_UUID = "volume UUID"
BY_PATH = "last mount path"
BY_FILES = "its files"

# Mounted under /mnt or /media without being anybody's drive (WSL's /mnt/wsl is tmpfs).
_PSEUDO_FS = frozenset(
    {"tmpfs", "devtmpfs", "proc", "sysfs", "autofs", "cgroup", "cgroup2", "devpts", "binfmt_misc"}
)


@dataclass(frozen=True)
class MountedVolume:
    path: Path
    label: str  # the volume label, or the folder's name
    uuid: str | None = None
    total_bytes: int | None = None
    free_bytes: int | None = None
    known_drive: str | None = None  # the catalogue's name for it
    how_known: str | None = None  # BY_UUID, BY_PATH or BY_FILES
    responding: bool = True  # False: it did not answer in time (a stale or waking mount)


# -- where drives are mounted -----------------------------------------------------------


def removable_roots() -> list[Path]:
    """The folders removable drives are mounted in, those that exist, in that order."""
    override = _override_roots()
    if override:
        candidates = override
    elif sys.platform == "win32":
        return _windows_drives()
    else:
        user = _user_name()
        candidates = [Path("/run/media") / user, Path("/media") / user] if user else []
        candidates += [Path("/media"), Path("/Volumes"), Path("/mnt")]
    looks = _look_all("is-folder", _unique(candidates), os.path.isdir)
    return [path for path, look in looks.items() if look is not None and look.result]


def mount_points(roots: Iterable[Path] | None = None) -> list[Path]:
    """The volumes mounted in `roots` (by default `removable_roots()`): each folder in a
    root that is a mount point, and on Windows each drive letter. A folder whose check
    does not answer in time counts (a plain folder answers at once: it is a hung mount).
    """
    roots = removable_roots() if roots is None else [Path(r) for r in roots]
    every_folder = set(_override_roots())
    listed = _look_all("list", [r for r in roots if not _whole_drive(r)], _subfolders)
    ordered: list[Path] = []  # in the order of the roots, then by name
    plain: set[Path] = set()  # in a LUNA_MEDIA_ROOTS folder: counts without being a mount
    for root in roots:
        if _whole_drive(root):
            ordered.append(root)  # a whole drive (Windows' E:) is one volume
            continue
        look = listed[root]
        if look is None or look.error is not None:
            continue  # a root that hangs or went away holds nothing we can use
        ordered.extend(look.result)
        if root in every_folder:
            plain.update(look.result)
    ordered = _unique(ordered)  # /media and /media/USER may both be listed
    checked = _look_all("mount", [p for p in ordered if p not in plain], _is_volume)
    pseudo = _pseudo_mounts()
    found = set(plain)
    for path, look in checked.items():
        if (look is None or (look.error is None and look.result)) and str(path) not in pseudo:
            found.add(path)
    return [p for p in ordered if p in found]


# -- what each one is ---------------------------------------------------------------------


def list_volumes(roots: Iterable[Path] | None = None) -> list[MountedVolume]:
    """Every volume mounted in `roots` (by default the removable roots), described and
    recognised. Reads the disks and the catalogue: call it off the GUI thread."""
    return describe_volumes(mount_points(roots))


def describe_volumes(paths: Iterable[Path]) -> list[MountedVolume]:
    """Label, size and catalogue name of each volume, in the order given.

    Known by the volume UUID first, then by the path the drive was last scanned at
    (unless the volume carries a different UUID than that drive: another drive mounted
    at the same place), then by the files near its root.
    """
    paths = [Path(p) for p in paths]
    by_uuid, by_path = _known_drives()
    hung = [p for p in paths if _still_hanging(p)]
    looks = _look_all("describe", [p for p in paths if p not in hung], _facts)
    volumes = []
    for path in paths:
        look = looks.get(path)
        if look is None or look.error is not None:
            # Nothing can be read; the path alone may still say which drive it was.
            named = by_path.get(str(path))
            volumes.append(
                MountedVolume(
                    path,
                    _display_name(path),
                    known_drive=named[0] if named else None,
                    how_known=BY_PATH if named else None,
                    responding=look is not None,  # an error answered; a hang did not
                )
            )
            continue
        facts: _Facts = look.result
        name, how = None, None
        if facts.uuid and facts.uuid in by_uuid:
            name, how = by_uuid[facts.uuid], BY_UUID
        if name is None:
            for key in (str(path), facts.real):
                named = by_path.get(key)
                if named and not (facts.uuid and named[1] and named[1] != facts.uuid):
                    name, how = named[0], BY_PATH
                    break
        if name is None:
            drive = match_fingerprint(facts.sample)
            if drive is not None:
                name, how = drive.name, BY_FILES
        volumes.append(
            MountedVolume(
                path,
                facts.label or _display_name(path),
                uuid=facts.uuid,
                total_bytes=facts.total,
                free_bytes=facts.free,
                known_drive=name,
                how_known=how,
            )
        )
    return volumes


@dataclass
class _Facts:
    real: str
    uuid: str | None
    label: str | None
    total: int | None
    free: int | None
    sample: list[tuple[str, int]]


def _facts(path: Path) -> _Facts:
    """Everything about a volume that reads its disk (on a look's thread)."""
    real = os.path.realpath(path)
    volume = volume_of(path)
    try:
        usage = disk_usage(path)
        total, free = usage.total, usage.free
    except OSError:
        total = free = None
    label = volume.label if volume else None
    if label is None and sys.platform == "win32":
        label = _windows_label(path)
    # A few files near the root (at most a few hundred folder entries): the fingerprint.
    sample = sample_files(os.fsencode(path))
    return _Facts(real, volume.uuid if volume else None, label, total, free, sample)


def _known_drives() -> tuple[dict[str, str], dict[str, tuple[str, str | None]]]:
    """The catalogue's drives by volume UUID, and by last mount path (name, UUID); a
    path two drives were seen at belongs to the one seen there last."""
    by_uuid: dict[str, str] = {}
    by_path: dict[str, tuple[str, str | None]] = {}
    query = Drive.select(Drive.name, Drive.volume_uuid, Drive.mount_path).order_by(
        Drive.last_seen, Drive.id
    )
    for name, uuid, mount_path in query.tuples():  # NULL last_seen sorts first
        if uuid:
            by_uuid[uuid] = name
        if mount_path:
            by_path[mount_path] = (name, uuid)
    return by_uuid, by_path


# -- looks with a deadline ---------------------------------------------------------------


class _Look:
    """One call of `work(path)` on its own daemon thread; `done` is set when it has answered."""

    def __init__(self, work: Callable[[Path], Any], path: Path) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: Exception | None = None
        self.started = time.monotonic()
        threading.Thread(
            target=self._run, args=(work, path), name="luna-volume", daemon=True
        ).start()

    def _run(self, work: Callable[[Path], Any], path: Path) -> None:
        try:
            self.result = work(path)
        except Exception as exc:  # this volume's problem (unplugged meanwhile), not the list's
            self.error = exc
        finally:
            self.done.set()


_looks: dict[tuple[str, str], _Look] = {}  # those started and not yet collected
_looks_lock = threading.Lock()


def _look_all(
    kind: str, paths: list[Path], work: Callable[[Path], Any]
) -> dict[Path, _Look | None]:
    """`work(path)` for every path at once, waited for until one deadline: each path's
    answered look, or None when it has not answered. A look of the same kind still
    hanging from an earlier call is waited for again rather than started twice."""
    with _looks_lock:
        for key in [k for k, look in _looks.items() if look.done.is_set()]:
            del _looks[key]
        looks = {}
        for path in paths:
            look = _looks.get((kind, str(path)))
            if look is None:
                look = _looks[(kind, str(path))] = _Look(work, path)
            looks[path] = look
    deadline = time.monotonic() + LOOK_TIMEOUT_S
    for look in looks.values():
        look.done.wait(max(0.0, deadline - time.monotonic()))
    return {path: look if look.done.is_set() else None for path, look in looks.items()}


def _still_hanging(path: Path) -> bool:
    """Whether a look at `path` has gone unanswered for a whole deadline: a new one
    would hang as well. (One just started, by another listing, is only busy.)"""
    now = time.monotonic()
    with _looks_lock:
        return any(
            key[1] == str(path) and not look.done.is_set() and now - look.started >= LOOK_TIMEOUT_S
            for key, look in _looks.items()
        )


# -- the platform's part -----------------------------------------------------------------


def _override_roots() -> list[Path]:
    value = os.environ.get(MEDIA_ROOTS_ENV, "")
    return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]


def _subfolders(root: Path) -> list[Path]:
    # Hidden folders are the system's (.Trashes, .timemachine), never a drive.
    with os.scandir(root) as entries:
        names = [e.name for e in entries if not e.name.startswith(".") and e.is_dir()]
    return [root / name for name in sorted(names)]


def _whole_drive(path: Path) -> bool:
    return sys.platform == "win32" and path.parent == path


def _is_volume(path: Path) -> bool:
    if _whole_drive(path):
        return os.path.isdir(path)  # a drive letter with a disk in it
    # A symlink is not a mount (macOS' /Volumes/Macintosh HD points at /).
    return is_mount_point(path) and not os.path.islink(path)


def _pseudo_mounts() -> set[str]:
    """Mount points whose top filesystem is a pseudo one (Linux; empty elsewhere)."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError:
        return set()
    top: dict[str, str] = {}
    for line in lines:
        fields = line.split()
        if len(fields) >= 3:
            # Spaces and tabs in mount points are written as octal escapes.
            point = fields[1].replace("\\040", " ").replace("\\011", "\t")
            top[point.replace("\\134", "\\")] = fields[2]  # a later mount covers an earlier
    return {point for point, fs in top.items() if fs in _PSEUDO_FS}


def _display_name(path: Path) -> str:
    text = to_text(os.fsencode(path.name))[0] if path.name else ""
    return text or str(path).rstrip("\\/")  # "E:" for a whole drive


def _user_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return None


def _unique(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


def _windows_drives() -> list[Path]:
    """Every drive letter but the system's, without touching any of them."""
    import ctypes

    system = os.environ.get("SYSTEMDRIVE", "C:").rstrip("\\").upper()
    mask = ctypes.windll.kernel32.GetLogicalDrives()  # type: ignore[attr-defined]
    return [
        Path(f"{letter}:\\")
        for i, letter in enumerate(string.ascii_uppercase)
        if mask >> i & 1 and f"{letter}:" != system
    ]


def _windows_label(path: Path) -> str | None:
    import ctypes

    buffer = ctypes.create_unicode_buffer(261)
    ok = ctypes.windll.kernel32.GetVolumeInformationW(  # type: ignore[attr-defined]
        str(path), buffer, len(buffer), None, None, None, None, 0
    )
    return (buffer.value or None) if ok else None


def holds_something(path: str | bytes) -> bool:
    """A folder with at least one entry. A drive unplugged from a fixed mount point
    (an fstab entry, /mnt/archive) leaves that folder behind, empty: it is not the
    drive, and reading its files there would only fail one by one."""
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is not None
    except OSError:
        return False


class DrivesInPlace:
    """Drive id → mount path, for each drive whose last mount path holds that drive now
    (for workers that read from drives while they come and go: the transfer queue).

    Called every few seconds, so a verdict is kept while the folder at the path is the
    same mounted volume (its device and inode); a disk swapped in is looked at again.
    """

    def __init__(self) -> None:
        self._verdicts: dict[int, tuple[tuple[int, int], bool]] = {}

    def __call__(self) -> dict[int, str]:
        found: dict[int, str] = {}
        for drive in Drive.select().where(Drive.mount_path.is_null(False)):
            root = Path(drive.mount_path)
            try:
                st = os.stat(root)
            except OSError:
                continue
            if not stat.S_ISDIR(st.st_mode):
                continue
            key = (st.st_dev, st.st_ino)
            cached = self._verdicts.get(drive.id)
            if cached is None or cached[0] != key:
                cached = (key, holds_something(root) and holds_drive(root, drive))
                self._verdicts[drive.id] = cached
            if cached[1]:
                found[drive.id] = drive.mount_path
        return found
