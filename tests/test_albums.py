"""Albums: ordered, named collections of files from any drives; they outlive rescans and
moves, and `luna album …` drives them from the shell."""

from __future__ import annotations

import json
import os

import pytest

from luna_desktop.catalog import albums
from luna_desktop.catalog.albums import AlbumError
from luna_desktop.catalog.database import close_catalog
from luna_desktop.catalog.models import Album, AlbumEntry, Drive, FileEntry
from luna_desktop.cli.main import main
from tests.media_factory import make_jpeg
from tests.scanning import row, run_scan


@pytest.fixture
def files(catalog) -> dict[str, int]:
    """Six files on two drives, by name."""
    one, two = Drive.create(name="One"), Drive.create(name="Two")
    made = {}
    for drive, folder, name in [
        (one, "1998", "a.jpg"),
        (one, "1998", "b.jpg"),
        (one, "", "c.jpg"),
        (two, "x/y", "d.jpg"),
        (two, "x", "e.jpg"),
        (two, "x", "f.jpg"),
    ]:
        made[name] = FileEntry.create(drive=drive, folder=folder, filename=name).id
    return made


def names(album: str, files: dict[str, int]) -> list[str]:
    by_id = {i: n for n, i in files.items()}
    return [by_id[i] for i in albums.album_file_ids(album)]


def stored_positions(album: str) -> list[int]:
    query = AlbumEntry.select(AlbumEntry.position).join(Album).where(Album.name == album)
    return sorted(p for (p,) in query.tuples())


def test_names_are_trimmed_and_must_be_new_and_not_blank(files):
    assert albums.create_album("  Best   of\t1998 ").name == "Best of 1998"
    with pytest.raises(AlbumError, match="already an album named 'Best of 1998'"):
        albums.create_album("Best of 1998")
    with pytest.raises(AlbumError, match="needs a name"):
        albums.create_album("  \n ")
    albums.create_album("Other")
    with pytest.raises(AlbumError, match="already an album named 'Other'"):
        albums.rename_album("Best of 1998", " Other")
    with pytest.raises(AlbumError, match=r"no album named 'Nope' \(albums: Best of 1998, Other\)"):
        albums.album_file_ids("Nope")
    albums.rename_album("Best of 1998", "Best")
    assert [a.name for a in albums.list_albums()] == ["Best", "Other"]


def test_files_are_appended_in_the_order_given_and_those_already_in_it_stay(files):
    albums.create_album("A")
    first = albums.add_files("A", [files["d.jpg"], files["a.jpg"], files["d.jpg"]])
    assert first.added == [files["d.jpg"], files["a.jpg"]] and first.already == []
    second = albums.add_files("A", [files["c.jpg"], files["d.jpg"], 999_999])
    assert second.added == [files["c.jpg"]]
    assert second.already == [files["d.jpg"]] and second.unknown == [999_999]
    assert names("A", files) == ["d.jpg", "a.jpg", "c.jpg"]
    assert stored_positions("A") == [0, 1, 2]


def test_removing_closes_up_and_leaves_the_catalogue_alone(files):
    albums.create_album("A")
    albums.add_files("A", [files[n] for n in ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg")])
    assert albums.remove_files("A", [files["b.jpg"], files["d.jpg"], files["f.jpg"]]) == 2
    assert names("A", files) == ["a.jpg", "c.jpg", "e.jpg"]
    assert stored_positions("A") == [0, 1, 2]
    assert FileEntry.select().count() == 6


def test_moving_to_a_place_takes_the_files_as_one_block_in_album_order(files):
    albums.create_album("A")
    albums.add_files("A", [files[n] for n in ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg")])
    # Given in another order, they keep the album's (b before e).
    assert albums.move_files("A", [files["e.jpg"], files["b.jpg"]], 0) == 0
    assert names("A", files) == ["b.jpg", "e.jpg", "a.jpg", "c.jpg", "d.jpg"]
    assert albums.move_files("A", [files["b.jpg"]], 3) == 3
    assert names("A", files) == ["e.jpg", "a.jpg", "c.jpg", "b.jpg", "d.jpg"]
    assert albums.move_files("A", [files["e.jpg"]], 99) == 4  # past the end: the end
    assert names("A", files) == ["a.jpg", "c.jpg", "b.jpg", "d.jpg", "e.jpg"]
    assert stored_positions("A") == [0, 1, 2, 3, 4]
    with pytest.raises(AlbumError, match="1 of the files is not in 'A'"):
        albums.move_files("A", [files["a.jpg"], files["f.jpg"]], 0)
    assert names("A", files) == ["a.jpg", "c.jpg", "b.jpg", "d.jpg", "e.jpg"]


def test_up_and_down_move_each_file_one_place_past_the_others(files):
    albums.create_album("A")
    albums.add_files("A", [files[n] for n in ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg")])
    albums.move_up("A", [files["a.jpg"], files["b.jpg"], files["d.jpg"]])  # a, b: at the top
    assert names("A", files) == ["a.jpg", "b.jpg", "d.jpg", "c.jpg", "e.jpg"]
    albums.move_up("A", [files["d.jpg"], files["c.jpg"]])
    assert names("A", files) == ["a.jpg", "d.jpg", "c.jpg", "b.jpg", "e.jpg"]
    albums.move_down("A", [files["b.jpg"], files["e.jpg"]])  # b, e: at the bottom
    assert names("A", files) == ["a.jpg", "d.jpg", "c.jpg", "b.jpg", "e.jpg"]
    albums.move_down("A", [files["d.jpg"]])
    assert names("A", files) == ["a.jpg", "c.jpg", "d.jpg", "b.jpg", "e.jpg"]
    assert stored_positions("A") == [0, 1, 2, 3, 4]


def test_a_gap_left_by_a_deleted_file_row_is_closed_by_the_next_change(files):
    albums.create_album("A")
    albums.add_files("A", [files[n] for n in ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg")])
    FileEntry.delete_by_id(files["b.jpg"])  # its album entry goes with it
    assert names("A", files) == ["a.jpg", "c.jpg", "d.jpg", "e.jpg"]
    assert [f.position for f in albums.album_files("A")] == [0, 1, 2, 3]  # counted
    # c, not moved, must not keep its stale place beside the one e moves to.
    albums.move_up("A", [files["e.jpg"]])
    assert names("A", files) == ["a.jpg", "c.jpg", "e.jpg", "d.jpg"]
    assert stored_positions("A") == [0, 1, 2, 3]
    FileEntry.delete_by_id(files["a.jpg"])
    albums.add_files("A", [files["f.jpg"]])
    assert names("A", files) == ["c.jpg", "e.jpg", "d.jpg", "f.jpg"]
    assert stored_positions("A") == [0, 1, 2, 3]


def test_many_files_in_chunks(files):
    drive = Drive.get(Drive.name == "One")
    FileEntry.insert_many(
        [{"drive": drive, "folder": "many", "filename": f"{i:04d}.jpg"} for i in range(1200)]
    ).execute()
    many = [i for (i,) in FileEntry.select(FileEntry.id).where(FileEntry.folder == "many").tuples()]
    albums.create_album("Big")
    albums.add_files("Big", many[600:])
    result = albums.add_files("Big", many)  # 600 already in it, across chunks
    assert len(result.added) == 600 and result.already == many[600:]
    assert albums.album_file_ids("Big") == many[600:] + many[:600]
    albums.move_files("Big", many[:600], 0)  # every position changes
    assert albums.album_file_ids("Big") == many
    assert stored_positions("Big") == list(range(1200))
    assert albums.remove_files("Big", many[::2]) == 600
    assert albums.album_file_ids("Big") == many[1::2]
    assert [(a.name, a.files) for a in albums.list_albums()] == [("Big", 600)]


def test_listing_rows_counts_and_deleting(files):
    albums.create_album("Mixed", "from both drives")
    albums.create_album("Empty")
    albums.add_files("Mixed", [files["d.jpg"], files["c.jpg"]])
    FileEntry.update(present=False).where(FileEntry.id == files["c.jpg"]).execute()
    rows = albums.album_files("Mixed")
    assert [(r.position, r.drive, r.display_path, r.present) for r in rows] == [
        (0, "Two", "x/y/d.jpg", True),
        (1, "One", "c.jpg", False),
    ]
    assert [r.display_path for r in albums.album_files("Mixed", offset=1, limit=5)] == ["c.jpg"]
    assert [(a.name, a.description, a.files) for a in albums.list_albums()] == [
        ("Empty", "", 0),
        ("Mixed", "from both drives", 2),
    ]
    assert albums.albums_of_file(files["d.jpg"]) == ["Mixed"]
    assert albums.delete_album("Mixed") == 2
    assert AlbumEntry.select().count() == 0 and FileEntry.select().count() == 6
    assert albums.albums_of_file(files["d.jpg"]) == []


# --- surviving a rescan and a move ------------------------------------------------------


def test_an_album_keeps_its_files_in_place_through_a_rescan_and_a_move(catalog, tmp_path):
    root = tmp_path / "drive"
    for i, name in enumerate(("a.jpg", "b.jpg", "c.jpg")):
        make_jpeg(root / "Trip" / name, color=(i * 40, 2, 3))
    run_scan(root)
    before = {n: row("Trip", n) for n in ("a.jpg", "b.jpg", "c.jpg")}
    albums.create_album("Trip")
    albums.add_files("Trip", [before["c.jpg"].id, before["a.jpg"].id, before["b.jpg"].id])

    # A rescan of a changed file rewrites its row in place.
    make_jpeg(root / "Trip" / "b.jpg", color=(99, 99, 99), trailer=b"edited")
    assert run_scan(root).counts.changed == 1
    # A file moved to another folder is relinked onto its old row.
    (root / "Sorted").mkdir()
    os.rename(root / "Trip" / "a.jpg", root / "Sorted" / "harbour.jpg")
    result = run_scan(root)
    assert result.counts.moved == 1 and result.counts.added == 0

    shown = albums.album_files("Trip")
    assert [(f.uuid, f.display_path, f.present) for f in shown] == [
        (before["c.jpg"].uuid, "Trip/c.jpg", True),
        (before["a.jpg"].uuid, "Sorted/harbour.jpg", True),
        (before["b.jpg"].uuid, "Trip/b.jpg", True),
    ]
    assert stored_positions("Trip") == [0, 1, 2]


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cat(tmp_path):
    root = tmp_path / "Archive"
    for folder, names_ in {"1998/Wedding": ("a.jpg", "b.jpg"), "1998/Other": ("c.jpg",)}.items():
        for name in names_:
            make_jpeg(root / folder / name, color=(len(name), ord(name[0]), 3))
    path = tmp_path / "cli.sqlite3"
    assert main(["--catalog", str(path), "scan", str(root)]) == 0
    yield path
    close_catalog()


def luna(cat, *args) -> int:
    return main(["--catalog", str(cat), *args])


def shown(cat, capsys, album: str) -> list[str]:
    capsys.readouterr()
    assert luna(cat, "album", "show", album, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["position"] for f in data["files"]] == list(range(1, len(data["files"]) + 1))
    return [f"{f['path']}/{f['filename']}" for f in data["files"]]


def test_cli_makes_fills_orders_and_empties_an_album(cat, capsys):
    assert luna(cat, "album", "create", "Best of", "--description", "the keepers") == 0
    assert "Made the album 'Best of'" in capsys.readouterr().out
    assert (
        luna(cat, "album", "add", "Best of", "Archive:1998/Other/c.jpg", "Archive:1998/Wedding")
        == 0
    )
    assert "Added 3 files" in capsys.readouterr().out
    assert shown(cat, capsys, "Best of") == [
        "1998/Other/c.jpg",
        "1998/Wedding/a.jpg",
        "1998/Wedding/b.jpg",
    ]

    uuid = FileEntry.get(FileEntry.filename == "b.jpg").uuid
    assert luna(cat, "album", "add", "Best of", uuid) == 0
    assert (
        "Added 0 files to 'Best of'; 1 file already in it kept its place."
        in capsys.readouterr().out
    )
    assert luna(cat, "album", "move", "Best of", uuid, "--to", "1") == 0
    assert "to place 1" in capsys.readouterr().out
    assert shown(cat, capsys, "Best of") == [
        "1998/Wedding/b.jpg",
        "1998/Other/c.jpg",
        "1998/Wedding/a.jpg",
    ]
    assert luna(cat, "album", "move", "Best of", "Archive:1998/Wedding/a.jpg", "--up") == 0
    assert shown(cat, capsys, "Best of") == [
        "1998/Wedding/b.jpg",
        "1998/Wedding/a.jpg",
        "1998/Other/c.jpg",
    ]
    assert luna(cat, "album", "move", "Best of", uuid, "--down") == 0
    assert shown(cat, capsys, "Best of") == [
        "1998/Wedding/a.jpg",
        "1998/Wedding/b.jpg",
        "1998/Other/c.jpg",
    ]

    capsys.readouterr()
    assert luna(cat, "album", "show", "Best of") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Best of: 3 files; the keepers"
    assert out[1].startswith("1. ") and out[1].endswith(" Archive:1998/Wedding/a.jpg")
    assert luna(cat, "album", "remove", "Best of", "Archive:1998/Wedding") == 0
    assert "Took 2 files out of 'Best of'." in capsys.readouterr().out
    assert shown(cat, capsys, "Best of") == ["1998/Other/c.jpg"]

    assert luna(cat, "album", "rename", "Best of", "Keepers") == 0
    assert luna(cat, "album", "create", "Spare") == 0
    capsys.readouterr()
    assert luna(cat, "album", "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        "        1 file   Keepers: the keepers",
        "        0 files  Spare",
    ]
    assert luna(cat, "album", "list", "--json") == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(a["name"], a["files"]) for a in listed] == [("Keepers", 1), ("Spare", 0)]
    assert luna(cat, "album", "delete", "Keepers") == 0
    assert "1 file stay" in capsys.readouterr().out
    assert [a.name for a in albums.list_albums()] == ["Spare"] and FileEntry.select().count() == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["album", "show", "Nope"], "no album named 'Nope' (albums: Best of)"),
        (["album", "create", "Best of"], "there is already an album named 'Best of'"),
        (["album", "create", "  "], "an album needs a name"),
        (["album", "rename", "Nope", "New"], "no album named 'Nope'"),
        (["album", "add", "Best of", "Archive:1998/Nowhere"], "is not in the catalogue"),
        (["album", "add", "Nope", "Archive:1998"], "no album named 'Nope'"),
        (
            ["album", "move", "Best of", "Archive:1998/Other/c.jpg", "--to", "1"],
            "1 of the files is not in 'Best of'",
        ),
        (["album", "move", "Best of", "Archive:1998/Wedding", "--to", "0"], "places count from 1"),
        (["album", "delete", "Nope"], "no album named 'Nope'"),
    ],
)
def test_cli_mistakes_exit_1_with_one_line(cat, capsys, args, message):
    assert luna(cat, "album", "create", "Best of") == 0
    assert luna(cat, "album", "add", "Best of", "Archive:1998/Wedding") == 0
    capsys.readouterr()
    assert luna(cat, *args) == 1
    err = capsys.readouterr().err
    assert err.startswith("luna: ") and message in err and err.count("\n") == 1
    assert shown(cat, capsys, "Best of") == ["1998/Wedding/a.jpg", "1998/Wedding/b.jpg"]
