"""Which names a scan passes over: system litter, plus the user's glob patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import translate

# Litter that operating systems, cameras and backup tools leave on drives. Matching is
# case-insensitive: drives move between Windows, macOS and Linux, and THUMBS.DB is litter too.
DEFAULT_IGNORES: tuple[str, ...] = (
    ".DS_Store",
    "._*",
    ".AppleDouble",
    ".AppleDB",
    ".AppleDesktop",
    ".LSOverride",
    ".Spotlight-V100",
    ".Trashes",
    ".Trash",
    ".Trash-*",
    ".fseventsd",
    ".TemporaryItems",
    ".DocumentRevisions-V100",
    ".VolumeIcon.icns",
    ".com.apple.timemachine.donotpresent",
    "Thumbs.db",
    "ehthumbs.db",
    "desktop.ini",
    "$RECYCLE.BIN",
    "RECYCLER",
    "System Volume Information",
    "lost+found",
    "*.tmp",
    "~$*",
)


class IgnoreRules:
    """Glob patterns matched against any component of a path, or the whole relative path.

    ``*.xmp`` ignores every sidecar; ``Exports`` ignores every folder named Exports;
    ``Clients/*/Proxies`` ignores that pattern of relative path.
    """

    def __init__(self, patterns: Iterable[str] = (), *, defaults: bool = True):
        user = [p.strip().strip("/") for p in patterns if p and p.strip().strip("/")]
        self.patterns: tuple[str, ...] = (*(DEFAULT_IGNORES if defaults else ()), *user)
        # One compiled alternation each: a drive has millions of names, dozens of patterns.
        self._component_re = _compile(p for p in self.patterns if "/" not in p)
        self._whole_re = _compile(p for p in self.patterns if "/" in p)
        self.has_path_patterns = self._whole_re is not None

    def ignores_name(self, name: str) -> bool:
        return bool(self._component_re and self._component_re.match(name))

    def ignores(self, relpath: str) -> bool:
        """True when a relative path (``a/b/c.jpg``) or any of its components matches."""
        if any(self.ignores_name(part) for part in relpath.split("/")):
            return True
        return bool(self._whole_re and self._whole_re.match(relpath))


def _compile(patterns: Iterable[str]) -> re.Pattern[str] | None:
    parts = [f"(?:{translate(p)})" for p in patterns]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None
