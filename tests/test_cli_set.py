"""`luna set`: one decision for a file, a selection or a whole folder, from the shell."""

from __future__ import annotations

import json

import pytest

from luna_desktop.catalog.database import close_catalog
from luna_desktop.catalog.models import EditLog, FileEntry
from luna_desktop.cli.main import main
from tests.media_factory import make_jpeg


@pytest.fixture
def cat(tmp_path):
    root = tmp_path / "Archive"
    for folder, names in {"1998/Wedding": ("a.jpg", "b.jpg"), "1998/Other": ("c.jpg",)}.items():
        for name in names:
            make_jpeg(root / folder / name, color=(len(name), 2, 3))
    path = tmp_path / "cli.sqlite3"
    assert main(["--catalog", str(path), "scan", str(root)]) == 0
    yield path
    close_catalog()


def luna(cat, *args):
    return main(["--catalog", str(cat), *args])


def rows(cat, capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert luna(cat, "ls", "Archive", "--json") == 0
    return {d["filename"]: d for d in map(json.loads, capsys.readouterr().out.splitlines())}


def test_a_folder_gets_one_decision_with_the_edit_log_and_reviewer(cat, capsys):
    assert luna(cat, "set", "Archive:1998/Wedding", "--status", "upload",
                "--project-group", "Weddings", "--tag", "church", "--tag", "1998",
                "--date", "1998-06", "--curator", "ada") == 0  # fmt: skip
    assert "on 2 files (2 changed) as ada" in capsys.readouterr().out
    found = rows(cat, capsys)
    for name in ("a.jpg", "b.jpg"):
        row = found[name]
        assert (row["status"], row["project_group"], row["date"]) == (
            "upload",
            "Weddings",
            "1998-06",
        )
        assert row["tags"] == ["1998", "church"] or row["tags"] == ["church", "1998"]
        assert row["reviewed_by"] == "ada" and row["reviewed_at"]
    assert found["c.jpg"]["status"] == "unreviewed"  # not under the folder
    a = FileEntry.get(FileEntry.filename == "a.jpg")
    logged = {
        (e.field, e.old_value, e.new_value, e.by) for e in EditLog.select().where(EditLog.file == a)
    }
    assert ("status", "unreviewed", "upload", "ada") in logged


def test_targets_by_uuid_and_by_file_and_a_number_for_the_status(cat, capsys):
    found = rows(cat, capsys)
    assert luna(cat, "set", found["c.jpg"]["uuid"], "Archive:1998/Wedding/a.jpg",
                "--status", "5", "--curator", "bo") == 0  # fmt: skip
    found = rows(cat, capsys)
    assert (found["a.jpg"]["status"], found["c.jpg"]["status"]) == ("discard", "discard")
    assert found["b.jpg"]["status"] == "unreviewed"
    # Setting what is already there changes nothing, and says so.
    assert luna(cat, "set", "Archive:1998/Other/c.jpg", "--status", "discard") == 0
    assert "(0 changed)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["Archive:1998/Nowhere", "--status", "upload"], "is not in the catalogue"),
        (["Archive:1998", "--status", "maybe"], "unknown status 'maybe'"),
        (["Archive:1998", "--date", "June 1998"], "use YYYY, YYYY-MM or YYYY-MM-DD"),
        (["Archive:1998"], "nothing to set"),
        (["Elsewhere:1998", "--status", "upload"], "no drive named 'Elsewhere'"),
    ],
)
def test_bad_targets_and_values_change_nothing(cat, capsys, args, message):
    before = rows(cat, capsys)
    assert luna(cat, "set", *args) != 0
    assert message in capsys.readouterr().err
    assert rows(cat, capsys) == before


def test_a_file_gone_from_the_selection_changes_nothing_at_all(cat, capsys):
    from luna_desktop.catalog import curation
    from luna_desktop.catalog.database import open_catalog

    rows(cat, capsys)
    open_catalog(cat)
    ids = [r.id for r in FileEntry.select(FileEntry.id)]
    with pytest.raises(curation.RowGoneError):
        curation.set_fields([*ids, 10_000], {"status": 5}, "ada")
    with pytest.raises(ValueError, match="cannot set size"):
        curation.set_fields(ids, {"size": 1}, "ada")
    assert {r.status for r in FileEntry.select()} == {1}
    assert EditLog.select().count() == 0


def test_undo_takes_back_one_step_at_a_time(cat, capsys):
    assert luna(cat, "set", "Archive:1998", "--status", "upload", "--curator", "ada") == 0
    assert luna(cat, "set", "Archive:1998/Wedding", "--status", "discard",
                "--tag", "blurred", "--curator", "ada") == 0  # fmt: skip
    found = rows(cat, capsys)
    assert [found[n]["status"] for n in ("a.jpg", "b.jpg", "c.jpg")] == [
        "discard",
        "discard",
        "upload",
    ]

    assert luna(cat, "undo", "--curator", "bo") == 0
    out = capsys.readouterr().out
    assert "put back on 2 files" in out and "status, tags" in out
    found = rows(cat, capsys)
    assert [found[n]["status"] for n in ("a.jpg", "b.jpg", "c.jpg")] == ["upload"] * 3
    assert found["a.jpg"]["tags"] == []

    assert luna(cat, "undo") == 0  # further back
    found = rows(cat, capsys)
    assert {found[n]["status"] for n in found} == {"unreviewed"}
    assert luna(cat, "undo") == 0
    assert "Nothing to undo." in capsys.readouterr().out


def test_undo_leaves_a_field_changed_again_since(cat, capsys):
    assert luna(cat, "set", "Archive:1998/Wedding", "--status", "upload", "--title", "Vows",
                "--curator", "ada") == 0  # fmt: skip
    assert luna(cat, "set", "Archive:1998/Wedding/a.jpg", "--title", "The vows",
                "--curator", "bo") == 0  # fmt: skip
    assert luna(cat, "undo", "--mine", "--curator", "ada") == 0
    assert "; 1 field was left alone (changed again since)" in capsys.readouterr().out
    found = rows(cat, capsys)
    assert (found["a.jpg"]["status"], found["a.jpg"]["title"]) == ("unreviewed", "The vows")
    assert (found["b.jpg"]["status"], found["b.jpg"]["title"]) == ("unreviewed", "")


def test_a_folder_of_a_thousand_files_is_one_step_undone_whole(tmp_path, capsys):
    """The issue's figure (under a second) is tests/bench/bulk_bench.py's; this is the
    step: one change set for all 1,000 files, and one undo that puts every one back."""
    from luna_desktop.catalog.database import open_catalog
    from luna_desktop.catalog.models import DB, Drive

    path = tmp_path / "many.sqlite3"
    open_catalog(path)
    drive = Drive.create(name="Big")
    DB.obj.connection().executemany(
        "INSERT INTO file_entry (uuid, drive_id, folder, filename, size, kind, present, "
        "status, title, description, notes, version) "
        "VALUES (?, ?, ?, ?, 1, 'image', 1, 1, '', '', '', 1)",
        [(f"00000000-0000-0000-0000-{i:012d}", drive.id, "roll" if i < 1000 else "other",
          f"{i:04d}.jpg") for i in range(1010)],
    )  # fmt: skip
    DB.obj.connection().commit()
    close_catalog()
    assert main(["--catalog", str(path), "set", "Big:roll", "--status", "upload"]) == 0
    assert "on 1,000 files (1,000 changed)" in capsys.readouterr().out
    assert FileEntry.select().where(FileEntry.status == 2).count() == 1000
    assert EditLog.select().count() == 1000
    assert len({e.change_set for e in EditLog.select()}) == 1
    assert main(["--catalog", str(path), "undo"]) == 0
    assert "1,000 files" in capsys.readouterr().out
    assert FileEntry.select().where(FileEntry.status == 1).count() == 1010
