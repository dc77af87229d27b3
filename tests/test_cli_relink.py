"""`luna relink` and `luna scan` of a copy, driven as a user would."""

import json
import shutil

import pytest

from luna_desktop.catalog.database import close_catalog
from luna_desktop.catalog.models import Drive, FileEntry, RelinkDecline, ScanRun
from luna_desktop.cli.main import main
from tests.media_factory import make_jpeg


@pytest.fixture
def cat(tmp_path):
    path = tmp_path / "cli.sqlite3"
    yield path
    close_catalog()


def luna(cat, *args):
    return main(["--catalog", str(cat), *args])


@pytest.fixture
def lost_and_found_twice(cat, tmp_path, capsys):
    """x.jpg, titled on drive A, is gone from A; drive B holds two copies that came
    after: two candidates, so an offer."""
    a, b = tmp_path / "A", tmp_path / "B"
    make_jpeg(a / "x.jpg", color=(9, 8, 7))
    make_jpeg(a / "y.jpg", color=(1, 2, 3))
    make_jpeg(b / "own.jpg", color=(4, 5, 6))
    assert luna(cat, "scan", str(a), "--drive", "A") == 0
    assert luna(cat, "scan", str(b), "--drive", "B") == 0
    assert luna(cat, "set", "A:x.jpg", "--title", "Kept") == 0
    for folder in ("one", "two"):
        (b / folder).mkdir()
        shutil.copy2(a / "x.jpg", b / folder / "x.jpg")
    (a / "x.jpg").unlink()
    assert luna(cat, "scan", str(a), "--drive", "A") == 0
    assert luna(cat, "scan", str(b), "--drive", "B") == 0
    out = capsys.readouterr().out
    assert "1 possible relinks to decide" in out
    return a, b


def test_relink_lists_offers_and_says_when_there_are_none(cat, tmp_path, capsys):
    make_jpeg(tmp_path / "A" / "a.jpg")
    assert luna(cat, "scan", str(tmp_path / "A")) == 0
    capsys.readouterr()
    assert luna(cat, "relink") == 0
    assert "No missing files to relink." in capsys.readouterr().out
    assert luna(cat, "relink", "--json") == 0
    assert capsys.readouterr().out == ""


def test_relink_offers_then_decline_and_accept(cat, lost_and_found_twice, capsys):
    assert luna(cat, "relink") == 0
    out = capsys.readouterr().out
    missing = FileEntry.get(FileEntry.filename == "x.jpg", FileEntry.present == False)  # noqa: E712
    one = FileEntry.get(FileEntry.folder == "one")
    assert f"missing {missing.uuid}  A:x.jpg  [Unreviewed] “Kept”" in out
    assert f"→ {one.id}  B:one/x.jpg" in out and "B:two/x.jpg" in out

    assert luna(cat, "relink", "--json") == 0
    (line,) = capsys.readouterr().out.splitlines()
    offer = json.loads(line)
    assert offer["missing"]["uuid"] == missing.uuid and offer["missing"]["title"] == "Kept"
    assert [c["path"] for c in offer["candidates"]] == ["one", "two"]
    assert not offer["candidates"][0]["maybe_copy"]

    assert luna(cat, "relink", "--decline", missing.uuid, str(one.id), "--curator", "ada") == 0
    assert "Declined: B:one/x.jpg is not A:x.jpg" in capsys.readouterr().out
    assert RelinkDecline.get().declined_by == "ada"
    assert luna(cat, "relink", "--json") == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert [c["path"] for c in json.loads(line)["candidates"]] == ["two"]

    assert luna(cat, "relink", "--accept", missing.uuid, "B:two/x.jpg") == 0
    assert "Relinked A:x.jpg to B:two/x.jpg" in capsys.readouterr().out
    kept = FileEntry.get_by_id(missing.id)
    assert (kept.drive.name, kept.folder, kept.title, kept.present) == ("B", "two", "Kept", True)
    assert luna(cat, "relink") == 0
    assert "No missing files to relink." in capsys.readouterr().out

    # Stale or unknown: a clear message, exit 1, nothing changed.
    assert luna(cat, "relink", "--accept", missing.uuid, str(one.id)) == 1
    assert "not missing any more" in capsys.readouterr().err
    assert luna(cat, "relink", "--accept", "B:nowhere.jpg", str(one.id)) == 1
    assert "B:nowhere.jpg is not in the catalogue" in capsys.readouterr().err


def test_a_file_found_on_another_drive_is_relinked_by_the_scan(cat, tmp_path, capsys):
    a, b = tmp_path / "A", tmp_path / "B"
    make_jpeg(a / "x.jpg", color=(9, 8, 7))
    make_jpeg(b / "own.jpg", color=(4, 5, 6))
    luna(cat, "scan", str(a), "--drive", "A")
    luna(cat, "set", "A:x.jpg", "--title", "Kept")
    shutil.move(a / "x.jpg", tmp_path / "x.jpg")
    luna(cat, "scan", str(a), "--drive", "A")
    shutil.move(tmp_path / "x.jpg", b / "x.jpg")
    capsys.readouterr()
    assert luna(cat, "scan", str(b), "--drive", "B") == 0
    assert "1 missing files found here and relinked" in capsys.readouterr().out
    row = FileEntry.get(FileEntry.filename == "x.jpg")
    assert (row.drive.name, row.title, row.present) == ("B", "Kept", True)


def test_scanning_a_copy_of_a_known_drive_asks_which_it_is(cat, tmp_path, capsys):
    drive = tmp_path / "Field"
    for i in range(6):
        make_jpeg(drive / f"day {i}" / f"{i}.jpg", color=(i, i, 9))
    assert luna(cat, "scan", str(drive)) == 0
    copy = tmp_path / "backup disk"
    shutil.copytree(drive, copy)
    capsys.readouterr()
    assert luna(cat, "scan", str(copy)) == 1
    err = capsys.readouterr().err
    assert "looks like a copy of the drive 'Field' (6 of 6 sampled files match)" in err
    assert f"'Field' itself is still at {drive.resolve()}" in err
    assert f"luna scan '{copy}' --drive Field " in err
    assert f"luna scan '{copy}' --drive 'Field copy' " in err
    assert [d.name for d in Drive.select()] == ["Field"] and ScanRun.select().count() == 1

    # A second drive holding copies, then the same drive moved: both as asked.
    assert luna(cat, "scan", str(copy), "--drive", "Field copy") == 0
    assert sorted(d.name for d in Drive.select()) == ["Field", "Field copy"]
    assert luna(cat, "scan", str(copy), "--drive", "Field") == 0
    assert Drive.get(Drive.name == "Field").mount_path == str(copy.resolve())
