"""Filters beyond the chips: what a file is, where it came from and what was decided.

A `Criteria` is one immutable set of conditions (kind, camera, date range, status,
project group, tags, album, duplicate state, missing), built by the window's filter bar
or from `luna ls` options with the parse_* functions here. All conditions must hold
(AND); within kinds and statuses any listed value will do (OR); every listed tag must
be present. catalog.filter_sql turns a Criteria into one WHERE expression on FileEntry,
which `luna ls` and the tree both use, so the two never disagree about what a filter
means; catalog.filter_matches finds the tree's matches (with a search text) off the
GUI thread. This module reads nothing from the catalogue.

Dates: the curator's date when set, else the date taken. Both may be known only to the
month or year ("1998-06", "1998"); such a file matches a range that touches that month
or year: filtering on June 1998 may be where a file dated "1998" belongs. A curator's
date of "" (cleared on purpose) is no date, and files with no date are left out of any
range.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .errors import CatalogError
from .status import Status

KINDS = ("image", "video", "audio", "document", "other")  # FileEntry.kind (media.sniff)
_KIND_LABELS = {
    "image": "Images",
    "video": "Videos",
    "audio": "Audio",
    "document": "Documents",
    "other": "Other files",
}
# A file's place among copies, as the duplicates panel and the tree's "copy of" mark
# see it (catalog.duplicates, catalog.queries). confirmed/unconfirmed split the copies:
# full-content hash equal to the primary's, or oshash alone so far.
DUPLICATE_STATES = {
    "unique": "no copies",
    "primary": "primary copies",
    "copy": "duplicate copies",
    "confirmed": "confirmed copies",
    "unconfirmed": "unconfirmed copies",
}
PRESENT, MISSING, BOTH = "present", "missing", "both"
PRESENCE = (PRESENT, MISSING, BOTH)
NO_PROJECT_GROUP = ""  # Criteria.project_group for "files in no project group"
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


class FilterError(CatalogError, ValueError):
    """A filter value that cannot be used; the message says what is accepted."""


@dataclass(frozen=True)
class Criteria:
    """Conditions on a drive's files; the defaults filter nothing (present files only,
    like the chips)."""

    kinds: frozenset[str] = frozenset()  # any of these; empty: every kind
    camera: str = ""  # every word in the make and model ("Canon", "Canon EOS 5D")
    date_from: date | None = None  # inclusive
    date_to: date | None = None  # inclusive
    statuses: frozenset[Status] = frozenset()  # any of these; empty: every status
    project_group: str | None = None  # a name; NO_PROJECT_GROUP: in none; None: any
    tags: tuple[str, ...] = ()  # all of them, curator tags or keywords alike
    album: str | None = None
    duplicates: str | None = None  # a DUPLICATE_STATES key
    missing: str = PRESENT  # one of PRESENCE

    def __post_init__(self) -> None:
        # Accept any iterables (a list from argparse, a set from a widget) and keep them
        # hashable and in one canonical form, so equal filters compare equal.
        set_ = object.__setattr__
        set_(self, "kinds", frozenset(parse_kind(k) for k in _values(self.kinds)))
        set_(self, "statuses", frozenset(parse_status(s) for s in _values(self.statuses)))
        tags = (t.strip() for t in _values(self.tags))
        set_(self, "tags", tuple(dict.fromkeys(t for t in tags if t)))
        set_(self, "camera", " ".join(self.camera.split()))
        if self.project_group is not None:
            set_(self, "project_group", self.project_group.strip())
        if self.album is not None:
            set_(self, "album", self.album.strip() or None)
        if self.duplicates is not None and self.duplicates not in DUPLICATE_STATES:
            raise FilterError(
                f"unknown duplicate state {self.duplicates!r}; "
                f"expected one of {', '.join(DUPLICATE_STATES)}"
            )
        if self.missing not in PRESENCE:
            raise FilterError(f"unknown presence {self.missing!r}; expected one of {PRESENCE}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise FilterError(
                f"the date range ends ({self.date_to}) before it starts ({self.date_from})"
            )

    @property
    def is_empty(self) -> bool:
        return self == Criteria()

    def describe(self) -> str:
        """One line for a person: "Videos · camera Canon · 1998-06-01 – 1998-06-30"."""
        parts = []
        if self.kinds:
            parts.append(_either([_KIND_LABELS[k] for k in KINDS if k in self.kinds]))
        if self.camera:
            parts.append(f"camera {self.camera}")
        if self.date_from and self.date_to:
            parts.append(f"{self.date_from} – {self.date_to}")
        elif self.date_from or self.date_to:
            parts.append(f"since {self.date_from}" if self.date_from else f"until {self.date_to}")
        if self.statuses:
            parts.append(_either([s.label for s in sorted(self.statuses)]))
        if self.project_group == NO_PROJECT_GROUP:
            parts.append("no project group")
        elif self.project_group is not None:
            parts.append(f"group {self.project_group}")
        if self.tags:
            parts.append("tagged " + " + ".join(self.tags))
        if self.album:
            parts.append(f"album {self.album}")
        if self.duplicates:
            parts.append(DUPLICATE_STATES[self.duplicates])
        if self.missing != PRESENT:
            parts.append("missing files" if self.missing == MISSING else "present and missing")
        text = " · ".join(parts) or "all files"
        return text[0].upper() + text[1:]


def _values(values) -> Iterable:
    """One value given alone ("video") is one value, not its letters."""
    return (values,) if isinstance(values, str | int) else values


def _either(labels: list[str]) -> str:
    """Labels as "Images or videos": the first as it is, the rest in lower case."""
    return " or ".join([labels[0], *(label.lower() for label in labels[1:])])


# -- reading values as people type them --------------------------------------------


def parse_kind(text: str) -> str:
    """ "video", "Videos" → "video"."""
    key = text.strip().lower()
    for kind in KINDS:
        if key in (kind, kind + "s"):
            return kind
    raise FilterError(f"unknown kind {text!r}; expected one of {', '.join(KINDS)}")


def parse_status(value: str | int) -> Status:
    """A status by number (1–6) or name ("upload", "keep-offline", "Keep offline")."""
    if isinstance(value, int):
        key = str(int(value))
    else:
        key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key.isdigit():
        try:
            return Status(int(key))
        except ValueError:
            pass
    else:
        try:
            return Status.from_key(key)
        except ValueError:
            pass
    names = ", ".join(f"{s.value} {s.key}" for s in Status)
    raise FilterError(f"unknown status {value!r}; expected a number or name: {names}")


def parse_date(text: str, end: bool = False) -> date:
    """YYYY-MM-DD, or YYYY-MM or YYYY for a whole month or year: its first day, or with
    `end` its last (so `--to 1998` means up to 1998-12-31)."""
    match = _DATE_RE.fullmatch(text.strip())
    try:
        if not match:
            raise ValueError
        year, month, day = (int(g) if g else None for g in match.groups())
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            return date(year, month, monthrange(year, month)[1] if end else 1)
        return date(year, month, day)
    except ValueError:
        raise FilterError(f"bad date {text!r}: use YYYY-MM-DD, YYYY-MM or YYYY") from None


def split_values(values: Iterable[str] | None) -> list[str]:
    """Repeated options and comma lists alike: ["image,video", "audio"] → three values."""
    return [v.strip() for text in values or () for v in text.split(",") if v.strip()]


NO_CRITERIA = Criteria()  # filters nothing (a default that is built once)
