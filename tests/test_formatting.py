"""Sizes, durations and the preview's facts as a person reads them (Qt-free)."""

from __future__ import annotations

from datetime import datetime

import pytest

from luna_desktop.catalog.formatting import fact_values, format_duration, human_size


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (None, ""),
        (0, "0 bytes"),
        (1, "1 byte"),
        (512, "512 bytes"),
        (999, "999 bytes"),
        (1000, "1.0 KB"),
        (1234, "1.2 KB"),
        (999_949, "999.9 KB"),
        (999_999, "1.0 MB"),  # never "1000.0 KB"
        (1_936_020, "1.9 MB"),
        (36_256_397, "36.3 MB"),  # decimal units: 34.6 would be MiB
        (4_000_000_000_000, "4.0 TB"),
        (2_500_000_000_000_000, "2.5 PB"),
    ],
)
def test_human_size_in_decimal_units(size, text):
    assert human_size(size) == text


def test_the_cli_and_the_window_share_one_human_size():
    from luna_desktop.cli import drives, ls

    assert ls.human_size is human_size and drives.human_size is human_size


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (7.5, "7.5 s"), (59.97, "1:00"), (125.0, "2:05"), (3725.4, "1:02:05")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_fact_values():
    values = fact_values(
        {
            "camera_make": "Canon",
            "camera_model": "Canon PowerShot S90",
            "lat": -0.3713,
            "lng": 36.0564166666667,
            "duration": 125.0,
            "taken_at": datetime(2013, 7, 14, 12, 34, 56),
            "width": 4128,
            "height": 2322,
        }
    )
    assert values["camera"] == "Canon PowerShot S90"
    assert values["gps"] == "-0.37130, 36.05642"
    assert values["duration"] == "2:05"
    assert values["taken"] == "2013-07-14 12:34:56"
    assert values["dimensions"] == "4128 × 2322"
    assert fact_values({"camera_make": "SAMSUNG", "camera_model": "GT-I9505"})["camera"] == (
        "SAMSUNG GT-I9505"
    )


def test_an_error_is_a_problem_and_notes_are_not():
    values = fact_values({"error": "the file ends early", "notes": None})
    assert (values["problem"], values["notes"]) == ("the file ends early", "")
    values = fact_values({"error": None, "notes": "12 bytes after the end of the video\n\n"})
    assert (values["problem"], values["notes"]) == ("", "12 bytes after the end of the video")
    values = fact_values({"notes": " trailer \n\n second \n"})
    assert values["notes"] == "trailer\nsecond"  # one per line, blank lines dropped


def test_the_path_says_where_else_the_file_is():
    assert fact_values({"display_path": "a/b.jpg"})["path"] == "a/b.jpg"  # not known
    assert fact_values({"display_path": "b.jpg", "copies": []})["path"] == (
        "b.jpg  ·  on this drive only"
    )
    here = fact_values({"display_path": "b.jpg", "copies": [], "copies_here": 1})
    assert here["path"] == "b.jpg  ·  on this drive only (1 more copy)"
    many = fact_values({"display_path": "b.jpg", "copies": ["A", "B", "C", "D", "E"]})
    assert many["path"] == "b.jpg  ·  also on A, B, C and 2 more"
