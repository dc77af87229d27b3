"""Events: named points and spans of time, holding the files whose date falls inside; they
follow the files' dates through rescans and moves, and `luna event …` drives them."""

from __future__ import annotations

import json
import os

import pytest

from luna_desktop.catalog import events
from luna_desktop.catalog.database import close_catalog
from luna_desktop.catalog.events import EventError, contains, parse_moment
from luna_desktop.catalog.models import Drive, Event, FileEntry
from luna_desktop.cli.main import main
from tests.media_factory import make_jpeg
from tests.scanning import row, run_scan


@pytest.fixture
def drive(catalog) -> Drive:
    return Drive.create(name="D")


def dated(drive: Drive, taken_at: str | None, date: str | None = None, name: str = "") -> int:
    filename = name or f"{taken_at}|{date}.jpg"
    return FileEntry.create(drive=drive, filename=filename, taken_at=taken_at, date=date).id


def in_event(name: str) -> set[str]:
    ids = events.files_in_event(name)
    assert len(ids) == len(set(ids))
    return {FileEntry.get_by_id(i).filename for i in ids}


@pytest.mark.parametrize(
    "text, normal, first, last",
    [
        ("1998", "1998", "1998-01-01T00:00:00.000000", "1998-12-31T23:59:59.999999"),
        ("1996-02", "1996-02", "1996-02-01T00:00:00.000000", "1996-02-29T23:59:59.999999"),
        (" 1998-06-20 ", "1998-06-20", "1998-06-20T00:00:00.000000", "1998-06-20T23:59:59.999999"),
        ("1998-06-20 14:03", "1998-06-20T14:03", "1998-06-20T14:03:00.000000",
         "1998-06-20T14:03:59.999999"),
        ("1998-06-20T14:03:05Z", "1998-06-20T14:03:05+00:00", "1998-06-20T14:03:05.000000",
         "1998-06-20T14:03:05.999999"),
        ("1998-06-20T14:03:05.25-0500", "1998-06-20T14:03:05.25-05:00",
         "1998-06-20T14:03:05.250000", "1998-06-20T14:03:05.250000"),
    ],
)  # fmt: skip
def test_iso_dates_are_periods_as_long_as_they_are_precise(text, normal, first, last):
    moment = parse_moment(text)
    assert moment is not None
    assert (moment.text, moment.first, moment.last) == (normal, first, last)


@pytest.mark.parametrize(
    "text",
    ["", "June 1998", "98-06-20", "1998-13", "1998-02-30", "1998-06-20T25:00", "1998-06-20T14",
     "0000-01-01", "1998-06-20+01:00", "1998:06:20 14:03:00"],
)  # fmt: skip
def test_what_is_not_an_iso_date(text):
    assert parse_moment(text) is None


def test_names_dates_and_the_order_of_start_and_end_are_checked(drive):
    event = events.create_event("  Wedding\tday ", "1998-06-20", " ", "  the church ")
    assert (event.name, event.starts_at, event.ends_at, event.description) == (
        "Wedding day", "1998-06-20", None, "the church")  # fmt: skip
    with pytest.raises(EventError, match="already an event named 'Wedding day'"):
        events.create_event("Wedding day", "1999")
    with pytest.raises(EventError, match="needs a name"):
        events.create_event(" ", "1999")
    with pytest.raises(EventError, match="the start 'June 1998' is not an ISO date"):
        events.create_event("Summer", "June 1998")
    with pytest.raises(EventError, match="the end '1998-31-08' is not an ISO date"):
        events.create_event("Summer", "1998-06", "1998-31-08")
    with pytest.raises(EventError, match="the end 1998-06-19 is before the start 1998-06-20"):
        events.create_event("Summer", "1998-06-20", "1998-06-19")
    with pytest.raises(EventError, match="the end 1998-06-20T13:59 is before the start"):
        events.create_event("Afternoon", "1998-06-20T14:00", "1998-06-20T13:59")
    # An end that is the start is a point; a day ending a span that began on it is fine.
    assert events.create_event("Noon", "1998-06-20T12:00", "1998-06-20 12:00").ends_at is None
    assert events.create_event("Evening", "1998-06-20T18:00", "1998-06-20").ends_at == "1998-06-20"
    assert events.event_span("Evening") == ("1998-06-20T18:00", "1998-06-20")
    assert events.event_span("Noon") == ("1998-06-20T12:00", "1998-06-20T12:00")
    assert Event.select().count() == 3


def test_an_event_on_a_day_holds_that_day_whatever_the_offsets(drive):
    inside = ["1998-06-20T14:03:00+01:00", "1998-06-20T00:00:00-05:00", "1998-06-20T23:59:59",
              "1998-06-20T23:59:59.75", "1998-06-20"]  # fmt: skip
    outside = ["1998-06-19T23:59:59+01:00", "1998-06-21T00:00:00", "1998-06", "1998", None]
    for taken in inside + outside:
        dated(drive, taken)
    events.create_event("Wedding", "1998-06-20")
    assert in_event("Wedding") == {f"{t}|None.jpg" for t in inside}
    # A span ends with the whole of its last day.
    events.create_event("Weekend", "1998-06-19T18:00", "1998-06-20")
    assert in_event("Weekend") == {f"{t}|None.jpg" for t in inside} | {
        "1998-06-19T23:59:59+01:00|None.jpg"
    }


def test_the_curators_date_wins_over_the_files_own(drive):
    dated(drive, "1998-06-20T14:03:00", name="as taken.jpg")
    dated(drive, "1998-06-20T14:03:00", "2001-01-01", name="redated away.jpg")
    dated(drive, "2001-01-01T10:00:00", "1998-06-20", name="redated into it.jpg")
    dated(drive, "1998-06-20T14:03:00", "", name="date cleared.jpg")
    events.create_event("Wedding", "1998-06-20")
    assert in_event("Wedding") == {"as taken.jpg", "redated into it.jpg"}


def test_a_less_precise_date_must_fit_inside_the_event(drive):
    dated(drive, None, "1998-06", name="june.jpg")
    dated(drive, None, "1998", name="year.jpg")
    events.create_event("June", "1998-06-01", "1998-06-30")
    events.create_event("Midsummer", "1998-06-20", "1998-06-24")
    events.create_event("Second half", "1998-06-15", "1998-12-31")
    events.create_event("1998", "1998")
    assert in_event("June") == {"june.jpg"}
    assert in_event("Midsummer") == set()
    assert in_event("Second half") == set()
    assert in_event("1998") == {"june.jpg", "year.jpg"}


# Dates of every precision around a few boundaries, with and without offsets.
_DATES = ["1997", "1998", "1998-05", "1998-06", "1998-07", "1998-05-31", "1998-06-01",
          "1998-06-19", "1998-06-20", "1998-06-30", "1998-07-01", "1998-12-31", "1999-01-01",
          "1998-06-01T00:00", "1998-06-19T23:59:59", "1998-06-20T00:00:00+01:00",
          "1998-06-20T14:02:59", "1998-06-20T14:03", "1998-06-20T14:03:00", "1998-06-20T14:03:30Z",
          "1998-06-20T14:04:00-08:00", "1998-06-20T23:59:59.999", "1998-06-30T23:59:59",
          "1998-12-31T23:59:59"]  # fmt: skip
_SPANS = [("1998", None), ("1998-06", None), ("1998-06-01", "1998-06-30"),
          ("1998-06-20", None), ("1998-06-20T14:03", None), ("1998-06-19T12:00", "1998-06-20"),
          ("1998-06-20", "1998-06-20T14:03:00"), ("1998-01-01", "1998-12-31"),
          ("1998-06-20T14:03+01:00", "1998-07")]  # fmt: skip


def test_the_catalogues_query_agrees_with_the_periods(drive):
    # The query compares texts (so that an index can serve it); `contains` compares the
    # periods themselves. Both must say the same for every pair.
    for date in _DATES:
        dated(drive, None, date, name=date)
        dated(drive, date, None, name=f"taken {date}")
    for number, (start, end) in enumerate(_SPANS):
        events.create_event(f"e{number}", start, end)
        expected = {
            name
            for date in _DATES
            if contains(parse_moment(start), parse_moment(end) if end else None, parse_moment(date))
            for name in (date, f"taken {date}")
        }
        assert in_event(f"e{number}") == expected, (start, end)
        assert expected  # every span holds something: the comparison is not empty
    by_event = {e.name: in_event(e.name) for e in events.list_events()}
    for date in _DATES:
        file_id = FileEntry.get(FileEntry.filename == date).id
        assert {e.name for e in events.events_of_file(file_id)} == {
            name for name, held in by_event.items() if date in held
        }


def test_an_event_from_files_spans_their_dates(drive):
    ids = [
        dated(drive, "1998-06-20T14:03:00+01:00"),
        dated(drive, "2001-01-01T00:00:00", "1998-06-21"),  # the curator's date counts
        dated(drive, "1998-06-20T09:00:00"),
        dated(drive, None),
    ]
    event = events.create_event_from_files("Wedding", ids, "from the card")
    assert (event.starts_at, event.ends_at) == ("1998-06-20T09:00:00", "1998-06-21")
    assert set(events.files_in_event("Wedding")) == set(ids[:3])
    same = [dated(drive, "1998-06-20T14:03:00", name=n) for n in ("x.jpg", "y.jpg")]
    assert events.create_event_from_files("Kiss", same).ends_at is None  # a point
    # A month and a day inside it: the month, which is the whole span.
    mixed = [dated(drive, None, "1998-07", name="july.jpg"), dated(drive, "1998-07-04T10:00:00")]
    event = events.create_event_from_files("July", reversed(mixed))
    assert (event.starts_at, event.ends_at) == ("1998-07", None)
    assert set(events.files_in_event("July")) == set(mixed)
    with pytest.raises(EventError, match="none of the 2 files has a date"):
        events.create_event_from_files("Nothing", [ids[3], dated(drive, None, "", name="z")])
    with pytest.raises(EventError, match="the file has no date"):
        events.create_event_from_files("Nothing", [ids[3]])
    with pytest.raises(EventError, match="already an event named 'Kiss'"):
        events.create_event_from_files("Kiss", ids)


def test_many_files_in_chunks(drive):
    times = [f"2000-01-01T00:{i // 60:02d}:{i % 60:02d}" for i in range(1200)]
    FileEntry.insert_many(
        [{"drive": drive, "filename": f"{i}.jpg", "taken_at": t} for i, t in enumerate(times)]
    ).execute()
    ids = [i for (i,) in FileEntry.select(FileEntry.id).order_by(FileEntry.id).tuples()]
    event = events.create_event_from_files("Party", ids[::-1])
    assert (event.starts_at, event.ends_at) == ("2000-01-01T00:00:00", "2000-01-01T00:19:59")
    assert events.files_in_event("Party") == ids  # by date


def test_listing_renaming_and_deleting(drive):
    events.create_event("Later", "2001-05-01")
    events.create_event("Earlier", "1998-06-20", "1998-06-21")
    assert [e.name for e in events.list_events()] == ["Earlier", "Later"]
    with pytest.raises(EventError, match="already an event named 'Later'"):
        events.rename_event("Earlier", "Later")
    events.rename_event("Earlier", " Wedding ")
    with pytest.raises(EventError, match=r"no event named 'Earlier' \(events: Later, Wedding\)"):
        events.files_in_event("Earlier")
    file_id = dated(drive, "1998-06-20T10:00:00")
    assert [e.name for e in events.events_of_file(file_id)] == ["Wedding"]
    events.delete_event("Wedding")
    assert events.events_of_file(file_id) == [] and FileEntry.select().count() == 1


def test_an_event_keeps_its_files_through_a_rescan_and_a_move(catalog, tmp_path):
    root = tmp_path / "drive"
    make_jpeg(root / "Card" / "a.jpg", taken="1998:06:20 14:03:00")
    make_jpeg(root / "Card" / "b.jpg", color=(1, 2, 3), taken="1998:06:21 09:30:00")
    make_jpeg(root / "Card" / "c.jpg", color=(9, 2, 3), taken="1998:07:01 09:30:00")
    run_scan(root)
    a, b = row("Card", "a.jpg"), row("Card", "b.jpg")
    events.create_event_from_files("Wedding", [a.id, b.id])
    assert {f.uuid for f in events.event_files("Wedding")} == {a.uuid, b.uuid}

    make_jpeg(root / "Card" / "b.jpg", color=(7, 7, 7), taken="1998:06:21 09:30:00", trailer=b"x")
    (root / "Sorted").mkdir()
    os.rename(root / "Card" / "a.jpg", root / "Sorted" / "kiss.jpg")
    result = run_scan(root)
    assert result.counts.moved == 1 and result.counts.changed == 1

    held = events.event_files("Wedding")
    assert [(f.uuid, f.display_path, f.date) for f in held] == [
        (a.uuid, "Sorted/kiss.jpg", "1998-06-20T14:03:00"),
        (b.uuid, "Card/b.jpg", "1998-06-21T09:30:00"),
    ]
    assert FileEntry.select().count() == 3


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cat(tmp_path):
    root = tmp_path / "Archive"
    make_jpeg(root / "1998/Wedding/a.jpg", taken="1998:06:20 14:03:00")
    make_jpeg(root / "1998/Wedding/b.jpg", color=(1, 2, 3), taken="1998:06:21 10:00:00")
    make_jpeg(root / "1998/Other/c.jpg", color=(4, 2, 3), taken=None)
    path = tmp_path / "cli.sqlite3"
    assert main(["--catalog", str(path), "scan", str(root)]) == 0
    yield path
    close_catalog()


def luna(cat, *args) -> int:
    return main(["--catalog", str(cat), *args])


def test_cli_makes_shows_lists_renames_and_deletes_events(cat, capsys):
    assert luna(cat, "event", "create", "Wedding", "--start", "1998-06-20",
                "--description", "the church") == 0  # fmt: skip
    assert "Made the event 'Wedding': 1998-06-20." in capsys.readouterr().out
    assert luna(cat, "event", "create", "Weekend", "--from", "Archive:1998") == 0
    out = capsys.readouterr().out
    assert "Made the event 'Weekend': 1998-06-20T14:03:00 – 1998-06-21T10:00:00." in out

    assert luna(cat, "event", "show", "Weekend") == 0
    assert capsys.readouterr().out.splitlines() == [
        "Weekend: 1998-06-20T14:03:00 – 1998-06-21T10:00:00, 2 files",
        "1998-06-20T14:03:00        Archive:1998/Wedding/a.jpg",
        "1998-06-21T10:00:00        Archive:1998/Wedding/b.jpg",
    ]
    assert luna(cat, "event", "show", "Wedding", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    a = FileEntry.get(FileEntry.filename == "a.jpg")
    assert data == {
        "name": "Wedding", "starts_at": "1998-06-20", "ends_at": None,
        "description": "the church",
        "files": [{"uuid": a.uuid, "drive": "Archive", "path": "1998/Wedding",
                   "filename": "a.jpg", "date": "1998-06-20T14:03:00"}],
    }  # fmt: skip

    assert luna(cat, "event", "rename", "Weekend", "The weekend") == 0
    capsys.readouterr()
    assert luna(cat, "event", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in lines] == [
        "1998-06-20", "1998-06-20T14:03:00 – 1998-06-21T10:00:00"]  # fmt: skip
    assert lines[0].endswith("Wedding: the church") and lines[1].endswith("The weekend")
    assert luna(cat, "event", "list", "--json") == 0
    assert [json.loads(line)["name"] for line in capsys.readouterr().out.splitlines()] == [
        "Wedding", "The weekend"]  # fmt: skip
    assert luna(cat, "event", "delete", "Wedding") == 0
    assert [e.name for e in events.list_events()] == ["The weekend"]
    assert FileEntry.select().count() == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["show", "Nope"], "no event named 'Nope' (events: Wedding)"),
        (["create", "Wedding", "--start", "1999"], "there is already an event named 'Wedding'"),
        (["create", "Later", "--start", "20 June"], "the start '20 June' is not an ISO date"),
        (["create", "Later", "--start", "1999", "--end", "1998"], "the end 1998 is before"),
        (["create", "Later"], "give --start DATE"),
        (["create", "Later", "--start", "1999", "--from", "Archive:1998"], "not both"),
        (["create", "Later", "--from", "Archive:1998/Other"], "the file has no date"),
        (["create", "Later", "--from", "Archive:1998/Nowhere"], "is not in the catalogue"),
        (["rename", "Nope", "New"], "no event named 'Nope'"),
        (["delete", "Nope"], "no event named 'Nope'"),
    ],
)  # fmt: skip
def test_cli_mistakes_exit_1_with_one_line(cat, capsys, args, message):
    assert luna(cat, "event", "create", "Wedding", "--start", "1998-06-20") == 0
    capsys.readouterr()
    assert luna(cat, "event", *args) == 1
    err = capsys.readouterr().err
    assert err.startswith("luna: ") and message in err and err.count("\n") == 1
    assert [e.name for e in events.list_events()] == ["Wedding"]
