"""Events: a named point or span of time. A file belongs to every event its date falls in.

Membership is not stored: it follows the files' dates, so it survives rescans, moves and
relinking by itself, and a curator who corrects a date moves the file between events.

A file's date is the curator's `date` when one was set (an empty one means "no date"),
else the date the file states (`taken_at`): the date the curation form shows. Dates are
compared as the wall-clock time they are written in; an offset (+01:00) is ignored, as
most files state none. A date is a period as long as its precision: 1998 is the whole
year, 1998-06-20 the whole day, 1998-06-20T14:03 the whole minute. A file is in an event
when its period lies within the event's, from the start of its first period to the end
of its last: an event on 1998-06-20 holds 1998-06-20T14:03:00+01:00, an event from
1998-06-01 to 1998-06-30 holds a file dated 1998-06, an event on 1998-06-20 does not.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from peewee import SQL, Case, NodeList

from .bulk import plain_rows, rows_among
from .errors import CatalogError
from .locking import write_transaction
from .models import Drive, Event, FileEntry

_ISO = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?)?)?"
)
# Where a wall-clock text may be cut and still be a date: year, month, day, minute, second.
_CUTS = (4, 7, 10, 16, 19)
# Sorts after every character an ISO date holds: "1998-06-20~" follows all of that day.
_AFTER = "~"


class EventError(CatalogError):
    """An unknown event, a name already taken, a date that is not ISO 8601…"""


@dataclass(frozen=True)
class Moment:
    """A date as written, and the first and last instants of its period as fixed-width
    texts (YYYY-MM-DDTHH:MM:SS.ffffff), which compare in time order."""

    text: str  # normalised: T between date and time, offset as ±hh:mm
    wall: str  # the text without its offset
    first: str
    last: str


def parse_moment(text: str | None) -> Moment | None:
    """An ISO 8601 date or date and time (1998, 1998-06, 1998-06-20, 1998-06-20T14:03,
    …:05, …:05.25, each with an optional offset); None for anything else."""
    match = _ISO.fullmatch((text or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        y, mo, d = int(year), int(month or 1), int(day or 1)
        last_day = calendar.monthrange(y, mo)[1] if 1 <= mo <= 12 and y > 0 else 0
        if not 1 <= d <= last_day or int(hour or 0) > 23 or int(minute or 0) > 59:
            return None
        if int(second or 0) > 59:
            return None
    except ValueError:
        return None
    wall = year + (f"-{month}" if month else "") + (f"-{day}" if day else "")
    if hour is not None:
        wall += f"T{hour}:{minute}" + (f":{second}" if second else "") + (fraction or "")
    first = _pad(wall, f"{year}-01-01T00:00:00.000000")
    end_day = calendar.monthrange(y, int(month or 12))[1] if day is None else d
    last = _pad(wall, f"{year}-{month or '12'}-{end_day:02d}T23:59:59.999999")
    if zone == "Z":
        zone = "+00:00"
    elif zone and ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    return Moment(wall + (zone or ""), wall, first, last)


def _pad(wall: str, filler: str) -> str:
    """`wall` completed from the fixed-width `filler`, fraction to six digits."""
    head, _, fraction = wall.partition(".")
    if fraction:
        return f"{head}.{fraction[:6]:0<6}"
    return head + filler[len(head) :]


def contains(start: Moment, end: Moment | None, moment: Moment) -> bool:
    """Whether `moment`'s period lies within the event from `start` to `end`."""
    return moment.first >= start.first and moment.last <= (end or start).last


def get_event(name: str) -> Event:
    event = Event.get_or_none(Event.name == " ".join((name or "").split()))
    if event is None:
        known = [e for (e,) in Event.select(Event.name).order_by(Event.name).limit(11).tuples()]
        listed = ", ".join(known[:10]) + (", …" if len(known) > 10 else "") or "none"
        raise EventError(f"no event named {name!r} (events: {listed})")
    return event


def create_event(
    name: str, starts_at: str, ends_at: str | None = None, description: str = ""
) -> Event:
    """An event from `starts_at` to `ends_at` (inclusive; None for a point in time)."""
    name = _clean_name(name)
    start = _moment(starts_at, "start")
    end = _moment(ends_at, "end") if ends_at and ends_at.strip() else None
    if end is not None and end.last < start.first:
        raise EventError(f"the end {end.text} is before the start {start.text}")
    with write_transaction():
        _check_free(name)
        return Event.create(
            name=name,
            starts_at=start.text,
            ends_at=None if end is None or end.text == start.text else end.text,
            description=description.strip(),
        )


def create_event_from_files(name: str, file_ids: Iterable[int], description: str = "") -> Event:
    """An event spanning the files' dates, from the earliest to the latest; a point in
    time when they all have the same date."""
    name = _clean_name(name)
    ids = list(dict.fromkeys(file_ids))
    first, last, _undated = dates_span(ids)
    if first is None or last is None:
        if len(ids) == 1:
            raise EventError("the file has no date: an event needs one")
        raise EventError(f"none of the {len(ids):,} files has a date: an event needs one")
    with write_transaction():
        _check_free(name)
        return Event.create(
            name=name,
            starts_at=first.text,
            ends_at=None if last.text == first.text else last.text,
            description=description.strip(),
        )


def dates_span(
    file_ids: list[int], stale: Callable[[], bool] = lambda: False
) -> tuple[Moment | None, Moment | None, int]:
    """The earliest and latest of the files' dates (the curator's, else the date taken)
    and how many have none; (None, None, n) when none has. Stops early when `stale()`."""
    sql = f'SELECT date, taken_at FROM "{FileEntry._meta.table_name}" WHERE id IN ({{ids}})'
    first = last = None
    dated = 0
    for curator, stated in rows_among(sql, file_ids):
        moment = parse_moment(_date_of(curator, stated))
        if moment is None:
            continue
        dated += 1
        if first is None or moment.first < first.first:
            first = moment
        if last is None or moment.last > last.last:
            last = moment
        if dated % 5_000 == 0 and stale():
            break
    return first, last, len(file_ids) - dated


def rename_event(old: str, new: str) -> Event:
    new = _clean_name(new)
    with write_transaction():
        event = get_event(old)
        if new != event.name:
            _check_free(new)
            event.name = new
            event.save()
        return event


def delete_event(name: str) -> None:
    """Deletes the event; its files stay as they are."""
    with write_transaction():
        get_event(name).delete_instance()


def list_events() -> list[Event]:
    """Every event, earliest first."""
    return list(Event.select().order_by(Event.starts_at, Event.name))


def event_span(name: str) -> tuple[str, str]:
    """The event's first and last date as stored (the same for a point in time)."""
    event = get_event(name)
    return event.starts_at, event.ends_at or event.starts_at


def file_date():
    """SQL: a file's date as events see it (the curator's, else the one the file states)."""
    return Case(None, [(FileEntry.date.is_null(False), FileEntry.date)], FileEntry.taken_at)


def event_condition(event: Event):
    """SQL: the files of `event`, for a `FileEntry` query's where clause.

    Plain text comparisons, so that an index on the date columns serves them: from the
    shortest text whose period starts with the event's, to just after every text the
    event's last date begins; less precise dates that begin it but outlast it
    (1998-06 for an event ending on 1998-06-20) are left out by name.
    """
    start = parse_moment(event.starts_at)
    end = parse_moment(event.ends_at) if event.ends_at else start
    if start is None or end is None:  # not written here: nothing can be said to be in it
        return FileEntry.id.is_null()
    low = next(start.wall[:cut] for cut in (*_CUTS, len(start.wall)) if _starts_alike(start, cut))
    high = end.wall + _AFTER
    outlasting = [end.wall[:cut] for cut in _CUTS if cut < len(end.wall) and _outlasts(end, cut)]

    def within(column):
        inside = (column >= low) & (column < high)
        return inside & column.not_in(outlasting) if outlasting else inside

    curator = FileEntry.date.is_null(False) & within(FileEntry.date)
    # "+date": most files have no curator's date, so an index on date must not be used
    # to find them; the taken_at index finds the few in range.
    unindexed_date = NodeList((SQL("+"), FileEntry.date), glue="")
    stated = unindexed_date.is_null() & within(FileEntry.taken_at)
    return curator | stated


def _starts_alike(start: Moment, cut: int) -> bool:
    """Whether `start` cut short still starts when it does (1998-06-01 as 1998-06)."""
    shorter = parse_moment(start.wall[:cut]) if cut <= len(start.wall) else None
    return shorter is not None and shorter.first == start.first


def _outlasts(end: Moment, cut: int) -> bool:
    """Whether `end` cut short ends later (1998-06 for 1998-06-20, not for 1998-06-30)."""
    shorter = parse_moment(end.wall[:cut])
    return shorter is not None and shorter.last > end.last


def files_in_event(name: str) -> list[int]:
    """The ids of the files in the event, by date."""
    event = get_event(name)
    query = (
        FileEntry.select(FileEntry.id)
        .where(event_condition(event))
        .order_by(file_date(), FileEntry.id)
    )
    return [file_id for (file_id,) in plain_rows(query)]


@dataclass(frozen=True)
class EventFile:
    """One file of an event, with what a listing shows of it."""

    file_id: int
    uuid: str
    drive: str
    folder: str
    filename: str
    date: str  # the date that puts it in the event (see file_date)

    @property
    def display_path(self) -> str:
        return f"{self.folder}/{self.filename}" if self.folder else self.filename


def event_files(name: str) -> list[EventFile]:
    """The files in the event, by date, with drive and path."""
    event = get_event(name)
    query = (
        FileEntry.select(
            FileEntry.id,
            FileEntry.uuid,
            Drive.name,
            FileEntry.folder,
            FileEntry.filename,
            file_date(),
        )
        .join(Drive)
        .where(event_condition(event))
        .order_by(file_date(), FileEntry.id)
    )
    return [EventFile(*row) for row in plain_rows(query)]


def events_of_file(file_id: int) -> list[Event]:
    """The events a file's date falls in, earliest first."""
    row = (
        FileEntry.select(FileEntry.date, FileEntry.taken_at).where(FileEntry.id == file_id).first()
    )
    moment = parse_moment(_date_of(row.date, row.taken_at)) if row else None
    if moment is None:
        return []
    found = []
    for event in list_events():
        start = parse_moment(event.starts_at)
        end = parse_moment(event.ends_at) if event.ends_at else None
        if start is not None and contains(start, end, moment):
            found.append(event)
    return found


def _date_of(curator: str | None, stated: str | None) -> str | None:
    return curator if curator is not None else stated


def _moment(text: str | None, what: str) -> Moment:
    moment = parse_moment(text)
    if moment is None:
        raise EventError(
            f"the {what} {text!r} is not an ISO date or date and time "
            "(1998-06-20, 1998-06-20T14:30, 1998-06 or 1998)"
        )
    return moment


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise EventError("an event needs a name")
    return cleaned


def _check_free(name: str) -> None:
    if Event.select().where(Event.name == name).exists():
        raise EventError(f"there is already an event named {name!r}")
