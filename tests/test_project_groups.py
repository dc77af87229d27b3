"""Project groups as a list to keep tidy: counts, add, rename, merge (undoable), delete."""

from __future__ import annotations

import pytest

from luna_desktop.catalog import curation, project_groups
from luna_desktop.catalog.models import Drive, EditLog, FileEntry, ProjectGroup
from luna_desktop.catalog.project_groups import GroupError


@pytest.fixture
def groups(catalog):
    """Two groups that are one in truth ("Wedding 98" and "Weddings 1998"), a third, and
    an empty one; a file of "Wedding 98" and one of "harbour" are gone from their drives."""
    drive = Drive.create(name="Archive")
    names = ("Wedding 98", "Weddings 1998", "harbour", "Empty")
    made = {name: ProjectGroup.create(name=name) for name in names}
    layout = {
        "Wedding 98": ["w1.jpg", "w2.jpg", "w3.jpg"],
        "Weddings 1998": ["x1.jpg", "x2.jpg"],
        "harbour": ["h1.jpg"],
        None: ["loose.jpg"],
    }
    for group, names in layout.items():
        for name in names:
            FileEntry.create(
                drive=drive,
                folder="1998",
                filename=name,
                project_group=made[group] if group else None,
                present=name != "w3.jpg",
                title=f"title of {name}",
            )
    # A copy on a second drive, gone from it: counted drive by drive, so both drives count.
    backup = Drive.create(name="Backup")
    FileEntry.create(drive=backup, filename="h2.jpg", project_group=made["harbour"], present=False)
    return made


def group_of(filename: str) -> str | None:
    row = FileEntry.get(FileEntry.filename == filename)
    return row.project_group.name if row.project_group_id else None


def test_the_list_is_by_name_with_counts_that_include_missing_files(groups):
    listed = [(g.name, g.files, g.missing) for g in project_groups.list_groups()]
    assert listed == [
        ("Empty", 0, 0),
        ("harbour", 2, 1),  # by name as a person reads it, not capitals first
        ("Wedding 98", 3, 1),
        ("Weddings 1998", 2, 0),
    ]
    counts = project_groups.file_counts()
    assert counts[groups["Wedding 98"].id] == project_groups.GroupCount(3, 1)
    assert groups["Empty"].id not in counts


def test_add_trims_and_refuses_a_name_taken_whatever_its_case(groups):
    assert project_groups.add("  Christening 2001 ") == "Christening 2001"
    assert "Christening 2001" in curation.project_groups()
    with pytest.raises(GroupError, match=r"already exists \(as “Weddings 1998”\).*merge"):
        project_groups.add("WEDDINGS 1998")
    with pytest.raises(GroupError, match="needs a name"):
        project_groups.add("   ")
    assert ProjectGroup.select().count() == 5  # only the first was added


def test_rename_changes_the_name_and_the_files_stay(groups):
    wedding = groups["Wedding 98"]
    assert project_groups.rename("Wedding 98", " Wedding 1998 (Ely) ") == "Wedding 1998 (Ely)"
    assert ProjectGroup.get_by_id(wedding.id).name == "Wedding 1998 (Ely)"
    assert [group_of(n) for n in ("w1.jpg", "w3.jpg")] == ["Wedding 1998 (Ely)"] * 2
    assert EditLog.select().count() == 0  # a rename is not a change to any file

    project_groups.rename("harbour", "Harbour")  # only the case: allowed
    assert group_of("h1.jpg") == "Harbour"
    with pytest.raises(GroupError, match="already exists"):
        project_groups.rename("Harbour", "weddings 1998")
    with pytest.raises(GroupError, match="no project group “Wedding 98”"):
        project_groups.rename("Wedding 98", "Anything")  # it is called otherwise now
    assert group_of("x1.jpg") == "Weddings 1998"


def test_merge_moves_every_file_and_undo_puts_everything_back(groups):
    before = {f.filename: (group_of(f.filename), f.title, f.status) for f in FileEntry.select()}
    listed_before = [(g.name, g.files, g.missing) for g in project_groups.list_groups()]
    reviews = {f.filename: (f.reviewed_at, f.reviewed_by) for f in FileEntry.select()}

    merged = project_groups.merge("Wedding 98", "Weddings 1998", "ada")
    # Tidying the groups is no review of the files.
    assert {f.filename: (f.reviewed_at, f.reviewed_by) for f in FileEntry.select()} == reviews

    assert merged == project_groups.Merged("Wedding 98", "Weddings 1998", 3)
    assert ProjectGroup.get_or_none(ProjectGroup.name == "Wedding 98") is None
    for name in ("w1.jpg", "w2.jpg", "w3.jpg", "x1.jpg"):  # the missing w3 too
        assert group_of(name) == "Weddings 1998"
    logged = list(EditLog.select())
    assert len(logged) == 3 and len({e.change_set for e in logged}) == 1  # one step
    assert {(e.field, e.old_value, e.new_value, e.by) for e in logged} == {
        ("project_group", "Wedding 98", "Weddings 1998", "ada")
    }
    assert [g.files for g in project_groups.list_groups() if g.name == "Weddings 1998"] == [5]

    undone = curation.undo_last("ada")

    assert undone is not None and (undone.files, undone.skipped) == (3, 0)
    after = {f.filename: (group_of(f.filename), f.title, f.status) for f in FileEntry.select()}
    assert after == before
    assert [(g.name, g.files, g.missing) for g in project_groups.list_groups()] == listed_before


def test_merge_into_itself_or_into_a_group_that_is_gone_changes_nothing(groups):
    with pytest.raises(GroupError, match="into itself"):
        project_groups.merge("harbour", "harbour", "ada")
    with pytest.raises(GroupError, match="no project group “Nowhere”"):
        project_groups.merge("harbour", "Nowhere", "ada")
    assert group_of("h1.jpg") == "harbour" and EditLog.select().count() == 0


def test_an_empty_group_merges_away_without_a_step_to_undo(groups):
    assert project_groups.merge("Empty", "harbour", "ada").files == 0
    assert "Empty" not in curation.project_groups()
    assert curation.undo_last("ada") is None


def test_delete_refuses_a_group_with_files_even_missing_ones(groups):
    with pytest.raises(GroupError, match="still holds 3 files: merge it into another group"):
        project_groups.delete("Wedding 98")
    FileEntry.update(project_group=None).where(FileEntry.present == True).execute()  # noqa: E712
    with pytest.raises(GroupError, match="still holds 1 file: merge"):  # w3.jpg, missing
        project_groups.delete("Wedding 98")
    project_groups.delete("Empty")
    assert "Empty" not in curation.project_groups()
    assert "Wedding 98" in curation.project_groups()


# --- `luna groups` ------------------------------------------------------------------------


@pytest.fixture
def cli_catalog(tmp_path):
    from luna_desktop.catalog.database import close_catalog
    from luna_desktop.cli.main import main
    from tests.media_factory import make_jpeg

    root = tmp_path / "Archive"
    for folder, names in {"Ely": ("a.jpg", "b.jpg"), "Church": ("c.jpg",)}.items():
        for name in names:
            make_jpeg(root / folder / name, color=(len(name), 2, 3))
    path = tmp_path / "cli.sqlite3"

    def luna(*args: str) -> int:
        return main(["--catalog", str(path), *args])

    assert luna("scan", str(root)) == 0
    assert luna("set", "Archive:Ely", "--project-group", "Wedding 98") == 0
    assert luna("set", "Archive:Church", "--project-group", "Weddings 1998") == 0
    yield luna
    close_catalog()


def test_luna_groups_lists_adds_renames_merges_and_deletes(cli_catalog, capsys):
    import json

    luna = cli_catalog
    capsys.readouterr()
    assert luna("groups") == 0
    assert capsys.readouterr().out.splitlines() == ["2  Wedding 98", "1  Weddings 1998"]
    assert luna("groups", "add", " Harbour ") == 0
    assert luna("groups", "add", "HARBOUR") == 1
    assert "already exists (as “Harbour”)" in capsys.readouterr().err
    assert luna("groups", "rename", "Harbour", "Harbour 2003") == 0
    assert luna("groups", "delete", "Wedding 98") == 1
    assert "still holds 2 files: merge it into another group" in capsys.readouterr().err

    assert luna("groups", "merge", "Wedding 98", "Weddings 1998", "--curator", "ada") == 0
    out = capsys.readouterr().out
    assert (
        "Moved 2 files from “Wedding 98” to “Weddings 1998” and removed “Wedding 98” as ada" in out
    )
    assert luna("groups", "list", "--json") == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed == [
        {"name": "Harbour 2003", "files": 0, "missing": 0},
        {"name": "Weddings 1998", "files": 3, "missing": 0},
    ]
    assert luna("undo") == 0
    assert "project group put back on 2 files" in capsys.readouterr().out
    assert luna("groups") == 0
    assert capsys.readouterr().out.splitlines() == [
        "0  Harbour 2003",
        "2  Wedding 98",
        "1  Weddings 1998",
    ]
    assert luna("groups", "delete", "Harbour 2003") == 0
    assert "Harbour 2003" not in curation.project_groups()
