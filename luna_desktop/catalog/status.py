"""The curation statuses of DESIGN.md. Colours are a UI concern and live in ui/."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    """Stored as its integer; the value is also the number key that sets it."""

    UNREVIEWED = 1
    UPLOAD = 2
    RESTRICTED = 3
    KEEP_OFFLINE = 4
    DISCARD = 5
    NEEDS_ATTENTION = 6

    @property
    def key(self) -> str:
        """The machine name used in JSON and on the command line, e.g. ``keep_offline``."""
        return self.name.lower()

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def glyph(self) -> str:
        """A letter so that colour is never the only signal (colour-blind curators, print)."""
        return _GLYPHS[self]

    @classmethod
    def from_key(cls, key: str) -> Status:
        try:
            return cls[key.strip().upper()]
        except KeyError:
            names = ", ".join(s.key for s in cls)
            raise ValueError(f"unknown status {key!r}; expected one of {names}") from None


_LABELS = {
    Status.UNREVIEWED: "Unreviewed",
    Status.UPLOAD: "Upload",
    Status.RESTRICTED: "Restricted",
    Status.KEEP_OFFLINE: "Keep offline",
    Status.DISCARD: "Discard",
    Status.NEEDS_ATTENTION: "Needs attention",
}

_GLYPHS = {
    Status.UNREVIEWED: "·",
    Status.UPLOAD: "U",
    Status.RESTRICTED: "R",
    Status.KEEP_OFFLINE: "K",
    Status.DISCARD: "D",
    Status.NEEDS_ATTENTION: "!",
}
