"""The user's preferences and the window's remembered state, in one INI file.

Every setter writes through to disk at once, so a crash never loses a preference.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from luna_desktop.scan.disk_kind import AUTO, DISK_CHOICES

from .theme import THEMES

ORGANIZATION = "Luna"
APPLICATION = "Luna Desktop"


def default_settings_path() -> Path:
    """``$XDG_CONFIG_HOME/Luna/Luna Desktop.ini`` on Linux (``~/.config`` by default).

    Resolved on every call rather than left to ``QSettings(IniFormat, UserScope, …)``:
    Qt caches that directory for the life of the process, so a changed XDG_CONFIG_HOME
    (each test sets its own) would silently keep writing to the first one.
    """
    config = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(config) / ORGANIZATION / f"{APPLICATION}.ini"


def default_curator_name() -> str:
    try:
        name = getpass.getuser().strip()
    except Exception:  # no login name in some containers and services: KeyError, OSError
        name = ""
    return name or "curator"


class Settings:
    """Typed access to Luna's QSettings; missing or malformed values read as defaults."""

    def __init__(self, qsettings: QSettings | None = None):
        if qsettings is None:
            qsettings = QSettings(str(default_settings_path()), QSettings.Format.IniFormat)
        self._qs = qsettings

    @property
    def file_name(self) -> str:
        return self._qs.fileName()

    def sync(self) -> None:
        self._qs.sync()

    # -- preferences ----------------------------------------------------------------------

    @property
    def curator_name(self) -> str:
        """Stamped as reviewed-by on every save; defaults to the OS login."""
        return self._str("curator/name") or default_curator_name()

    @curator_name.setter
    def curator_name(self, value: str | None) -> None:
        self._set("curator/name", (value or "").strip() or None)

    @property
    def ignore_patterns(self) -> list[str]:
        """Extra glob patterns for scans, on top of the system litter scan/ignore.py skips."""
        return [p for p in (s.strip() for s in self._str_list("scan/ignore_patterns")) if p]

    @ignore_patterns.setter
    def ignore_patterns(self, value: list[str]) -> None:
        patterns = [p.strip() for p in value if p and p.strip()]
        self._set("scan/ignore_patterns", patterns or None)

    @property
    def disk_reading(self) -> str:
        """How scans read drives: "auto" (ask the system), "rotating" or "solid"."""
        value = (self._str("scan/disk") or "").lower()
        return value if value in DISK_CHOICES else AUTO

    @disk_reading.setter
    def disk_reading(self, value: str) -> None:
        if value not in DISK_CHOICES:
            raise ValueError(f"unknown disk reading {value!r}; expected one of {DISK_CHOICES}")
        self._set("scan/disk", None if value == AUTO else value)

    @property
    def autoplay(self) -> bool:
        """Play a video or audio file as soon as it is shown (off: Space plays it)."""
        return self._flag("playback/autoplay")

    @autoplay.setter
    def autoplay(self, value: bool) -> None:
        self._set_flag("playback/autoplay", value)

    @property
    def theme(self) -> str:
        value = (self._str("appearance/theme") or "").lower()
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        if value not in THEMES:
            raise ValueError(f"unknown theme {value!r}; expected one of {', '.join(THEMES)}")
        self._set("appearance/theme", value)

    @property
    def catalog_path(self) -> str | None:
        """The catalogue file to open at start-up; None means the default location."""
        return self._str("catalog/path")

    @catalog_path.setter
    def catalog_path(self, value: str | None) -> None:
        self._set("catalog/path", (value or "").strip() or None)

    # -- window state ---------------------------------------------------------------------

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @window_geometry.setter
    def window_geometry(self, value: QByteArray | None) -> None:
        self._set("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray | None) -> None:
        self._set("window/state", value)

    def splitter_state(self, name: str) -> QByteArray | None:
        return self._bytes(_splitter_key(name))

    def set_splitter_state(self, name: str, value: QByteArray | None) -> None:
        self._set(_splitter_key(name), value)

    @property
    def last_drive(self) -> str | None:
        return self._str("session/last_drive")

    @last_drive.setter
    def last_drive(self, value: str | None) -> None:
        self._set("session/last_drive", value or None)

    @property
    def last_file_uuid(self) -> str | None:
        return self._str("session/last_file_uuid")

    @last_file_uuid.setter
    def last_file_uuid(self, value: str | None) -> None:
        self._set("session/last_file_uuid", value or None)

    @property
    def tree_expanded(self) -> list[str]:
        """Keys of the tree nodes that were expanded, in the tree model's own format."""
        return self._str_list("session/tree_expanded")

    @tree_expanded.setter
    def tree_expanded(self, value: list[str]) -> None:
        self._set("session/tree_expanded", list(value) or None)

    @property
    def welcome_shown(self) -> bool:
        """The first start's welcome has been shown (or that start opened a folder)."""
        return self._flag("session/welcome_shown")

    @welcome_shown.setter
    def welcome_shown(self, value: bool) -> None:
        self._set_flag("session/welcome_shown", value)

    # -- storage --------------------------------------------------------------------------

    @property
    def listing_folder(self) -> str | None:
        """Where the last drive listing was imported from or exported to."""
        return self._str("session/listing_folder")

    @listing_folder.setter
    def listing_folder(self, value: str | None) -> None:
        self._set("session/listing_folder", value or None)

    def _set(self, key: str, value: object) -> None:
        """None (or an empty QByteArray) removes the key, so the default applies again."""
        if value is None or (isinstance(value, QByteArray) and value.isEmpty()):
            self._qs.remove(key)
        else:
            self._qs.setValue(key, value)
        self._qs.sync()

    def _flag(self, key: str) -> bool:
        return (self._str(key) or "").lower() == "true"

    def _set_flag(self, key: str, value: bool) -> None:
        # Off is no key at all: the file holds only what differs from the defaults.
        self._set(key, "true" if value else None)

    def _str(self, key: str) -> str | None:
        value = self._qs.value(key)
        if isinstance(value, str) and value.strip():
            return value
        return None

    def _str_list(self, key: str) -> list[str]:
        # The INI format loses list-ness: an empty list reads back as None and a one-item
        # list as a bare string once the file is re-read in a new process.
        value = self._qs.value(key)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list | tuple):
            return [v for v in value if isinstance(v, str)]
        return []

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._qs.value(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, bytes | bytearray) and value:
            return QByteArray(bytes(value))
        return None


def _splitter_key(name: str) -> str:
    if not name or "/" in name or "\\" in name:
        raise ValueError(f"splitter name {name!r} must be a non-empty word without slashes")
    return f"window/splitters/{name}"
