"""Drive listings and repeats files (the JSON contract in DESIGN.md), through the API and
the `luna import-json / export-json / import-repeats` commands."""

from __future__ import annotations

import json

import pytest

from luna_desktop.catalog.database import close_catalog, open_catalog
from luna_desktop.catalog.models import Drive, DuplicateGroup, FileEntry, ProjectGroup
from luna_desktop.catalog.status import Status
from luna_desktop.cli import listing as listing_cli
from luna_desktop.interop.listing import (
    ListingError,
    drive_name_from_file,
    export_listing,
    import_listing,
    import_repeats,
)

EXAMPLE = {
    "path": "PHS-Videos",
    "filename": "HD.1080.mp4",
    "file_type": "video/mp4",
    "oshash": "050858a68cab09aa",
    "size_exif": 36256397,
    "size_pretty": "34.6 MB",
    "date_exif": "2021:12:23 17:57:22+05:30",
    "duration": 13.96,
    "duration_tc": "00:00:13.960",
    "resolution": "1920 x 1080",
    "camera": "DC-S1 (Panasonic)",
}


def _entry(path: str, filename: str, **fields) -> dict:
    return {"path": path, "filename": filename, **fields}


def _write(tmp_path, name: str, document) -> str:
    path = tmp_path / name
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return str(path)


def luna(cat_path, *args: str) -> int:
    from luna_desktop.cli import main as cli_main

    assert listing_cli in cli_main.COMMANDS  # registered, as `luna --help` shows
    return cli_main.main(["--catalog", str(cat_path), *args])


@pytest.fixture
def cat(tmp_path):
    path = tmp_path / "cli.sqlite3"
    yield path
    close_catalog()


def test_the_design_example_fills_the_columns(catalog, tmp_path):
    extra_fields = {**EXAMPLE, "rating": 4, "source_tool": "phs-lister"}
    result = import_listing(_write(tmp_path, "PHS_copyALL_2026-01-24.json", [extra_fields]))
    assert result.drive == "PHS_copyALL" and len(result.added) == 1
    drive = Drive.get(Drive.name == "PHS_copyALL")
    assert drive.mount_path is None and drive.total_files == 1
    assert drive.total_bytes == 36256397
    row = FileEntry.get()
    assert (row.folder, row.filename) == ("PHS-Videos", "HD.1080.mp4")
    assert row.size == 36256397
    assert row.oshash == "050858a68cab09aa"
    assert (row.mime, row.kind) == ("video/mp4", "video")
    assert row.taken_at == "2021-12-23T17:57:22+05:30"
    assert row.duration == pytest.approx(13.96)
    assert (row.width, row.height) == (1920, 1080)
    assert (row.camera_model, row.camera_make) == ("DC-S1", "Panasonic")
    assert row.extractor == "listing" and row.present
    assert row.extra["taken_at_raw"] == "2021:12:23 17:57:22+05:30"
    # Unknown fields are kept; derived ones (size_pretty, duration_tc) are not stored.
    assert row.extra["listing"] == {"rating": 4, "source_tool": "phs-lister"}
    assert row.status == int(Status.UNREVIEWED)


def test_drive_name_comes_from_the_file_name(catalog, tmp_path):
    assert drive_name_from_file("/x/PHS_copyALL_2026-01-24.json") == "PHS_copyALL"
    assert drive_name_from_file("Card 2.json") == "Card 2"
    assert drive_name_from_file("Backup_2026-01.json") == "Backup_2026-01"
    import_listing(_write(tmp_path, "Card_2025-12-31.json", [_entry("", "a.jpg")]))
    import_listing(_write(tmp_path, "Card_2025-12-31.json", [_entry("", "a.jpg")]), "Other")
    assert sorted(d.name for d in Drive.select()) == ["Card", "Other"]


def test_upsert_rules_update_file_fields_never_curation(catalog, tmp_path):
    first = [
        _entry("Trip", "a.jpg", size_exif=100, file_type="image/jpeg", camera="X (Y)"),
        _entry("Trip", "b.jpg", size_exif=200),
        _entry("", "c.txt", size_exif=5, note="old"),
    ]
    import_listing(_write(tmp_path, "Disk.json", first))
    group = ProjectGroup.create(name="Tuscany")
    curated = {
        "status": int(Status.KEEP_OFFLINE),
        "title": "Sunset",
        "project_group": group,
        "date": "2008-06-01",
        "description": "on the hill",
        "notes": "check",
        "reviewed_by": "ana",
    }
    FileEntry.update(**curated).where(FileEntry.filename == "a.jpg").execute()

    second = [
        _entry("Trip", "a.jpg", size_exif=150, file_type="image/png", camera="Z"),  # differs
        _entry("Trip", "b.jpg", size_exif=200),  # the same
        _entry("", "c.txt", size_exif=5, note="new"),  # an unknown field differs
        _entry("Trip", "d.jpg", size_exif=7),  # new
    ]
    path = _write(tmp_path, "Disk.json", second)
    result = import_listing(path)
    assert (len(result.added), len(result.updated), len(result.unchanged)) == (1, 0, 1)
    assert sorted(result.skipped) == ["Trip/a.jpg", "c.txt"]
    a = FileEntry.get(FileEntry.filename == "a.jpg")
    assert (a.size, a.mime, a.camera_model) == (100, "image/jpeg", "X")
    assert FileEntry.get(FileEntry.filename == "c.txt").extra["listing"] == {"note": "old"}

    result = import_listing(path, update=True)
    assert (len(result.added), len(result.updated), len(result.unchanged)) == (0, 2, 2)
    assert result.skipped == []
    a = FileEntry.get(FileEntry.filename == "a.jpg")
    assert (a.size, a.mime, a.kind, a.camera_model, a.camera_make) == (
        150,
        "image/png",
        "image",
        "Z",
        None,
    )
    assert FileEntry.get(FileEntry.filename == "c.txt").extra["listing"] == {"note": "new"}
    for name, value in curated.items():
        got = getattr(a, name)
        assert (got.id if name == "project_group" else got) == (
            value.id if name == "project_group" else value
        ), name
    assert FileEntry.select().count() == 4
    assert Drive.get().total_bytes == 150 + 200 + 5 + 7


def test_cli_import_prints_a_summary_and_skips_without_update(cat, tmp_path, capsys):
    path = _write(tmp_path, "PHS_copyALL_2026-01-24.json", [EXAMPLE, _entry("", "b.jpg")])
    assert luna(cat, "import-json", path) == 0
    out = capsys.readouterr().out
    assert "Imported PHS_copyALL: 2 added, 0 updated, 0 unchanged" in out
    changed = [{**EXAMPLE, "size_exif": 1}, _entry("", "b.jpg")]
    path = _write(tmp_path, "PHS_copyALL_2026-01-25.json", changed)
    assert luna(cat, "import-json", path, "--verbose") == 0
    out = capsys.readouterr().out
    assert "Imported PHS_copyALL: 0 added, 0 updated, 1 unchanged, 1 skipped" in out
    assert "use --update" in out and "skipped: PHS-Videos/HD.1080.mp4" in out
    assert luna(cat, "import-json", path, "--update") == 0
    assert "0 added, 1 updated, 1 unchanged" in capsys.readouterr().out
    assert luna(cat, "ls", "PHS_copyALL", "--json") == 0  # browsable offline
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["path"], r["filename"], r["size"]) for r in lines] == [
        ("", "b.jpg", 0),
        ("PHS-Videos", "HD.1080.mp4", 1),
    ]


MALFORMED = [
    ("truncated", '[{"path": "a", "filename": "b.jpg"', "not valid JSON"),
    ("not an array", {"path": "a", "filename": "b.jpg"}, "must be a JSON array"),
    ("entry not an object", [_entry("", "ok.jpg"), ["a", "b"]], "entry 2: is an array"),
    ("path not a string", [_entry("", "ok.jpg"), _entry(3, "x.jpg")], "entry 2 (x.jpg)"),
    ("absolute path", [_entry("", "ok.jpg"), _entry("/etc", "passwd")], "entry 2 (/etc/passwd)"),
    ("windows path", [_entry("C:\\Users", "x.jpg")], "is absolute"),
    ("climbs out", [_entry("", "ok.jpg"), _entry("a/../../b", "x.jpg")], "climbs out"),
    ("negative size", [_entry("a", "ok.jpg"), _entry("a", "x.jpg", size_exif=-1)], "negative"),
    ("size as text", [_entry("a", "x.jpg", size_exif="12")], "whole number"),
    ("non-hex oshash", [_entry("a", "x.jpg", oshash="050858a68cab09zz")], "hexadecimal"),
    ("short oshash", [_entry("a", "x.jpg", oshash="0508")], "16 hexadecimal"),
    ("missing filename", [_entry("", "ok.jpg"), {"path": "a"}], "entry 2 (a): filename is missing"),
    ("missing path", [{"filename": "x.jpg"}], "path is missing"),
    ("filename with a slash", [_entry("a", "b/c.jpg")], "contains '/'"),
    ("bad resolution", [_entry("a", "x.jpg", resolution="big")], "resolution"),
    ("duration as text", [_entry("a", "x.jpg", duration="13s")], "duration"),
    ("same file twice", [_entry("a", "x.jpg"), _entry("a/", "x.jpg")], "same file as entry 1"),
]


@pytest.mark.parametrize(("what", "document", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_listing_is_refused_and_nothing_imported(
    catalog, tmp_path, what, document, message
):
    path = _write(tmp_path, "Bad.json", document)
    with pytest.raises(ListingError) as caught:
        import_listing(path)
    assert message in str(caught.value)
    assert "nothing was imported" in str(caught.value) or what in ("truncated", "not an array")
    assert FileEntry.select().count() == 0
    assert Drive.select().count() == 0


def test_cli_refuses_a_malformed_listing_in_one_line(cat, tmp_path, capsys):
    bad = _write(tmp_path, "Disk.json", '[{"path": "a", "filename": "b.jpg"}')
    assert luna(cat, "import-json", bad) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert not cat.exists()  # refused before a catalogue was created
    good = _write(tmp_path, "Disk.json", [_entry("", "keep.jpg")])
    assert luna(cat, "import-json", good, "--drive", "  ") == 1
    assert "the drive's name is empty" in capsys.readouterr().err
    good = _write(tmp_path, "Disk.json", [_entry("", "keep.jpg")])
    assert luna(cat, "import-json", good) == 0
    capsys.readouterr()
    bad = _write(tmp_path, "Disk.json", [_entry("", "new.jpg"), _entry("x", "y", size_exif=-5)])
    assert luna(cat, "import-json", bad) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("luna: entry 2 (x/y): size_exif is negative")
    open_catalog(cat, create=False)
    assert [r.filename for r in FileEntry.select()] == ["keep.jpg"]


def test_export_import_export_is_byte_identical(catalog, tmp_path):
    listing = [
        EXAMPLE,
        _entry("", "zeta.txt", size_exif=0, file_type="text/plain"),
        _entry(
            "Fotos 2008/Tüscany trip",
            "Été à la plage 1.JPG",
            size_exif=2048,
            file_type="image/jpeg",
            date_exif="2008:06:01 10:00:00",
            camera="EOS 5D",
        ),
        _entry(
            "Fotos 2008/Tüscany trip",
            "日本 photo.heic",
            oshash="ABCDEF0123456789",
            resolution="4032x3024",
            custom={"nested": [1, 2]},
            another="kept",
        ),
        _entry("docs", "scan.pdf", date_exif="0000:00:00 00:00:00", duration=0),
        _entry("A", "b.jpg", camera="(Nikon)"),
    ]
    import_listing(_write(tmp_path, "Source.json", listing))
    first = export_listing(Drive.get(Drive.name == "Source"))
    close_catalog()

    open_catalog(tmp_path / "fresh.sqlite3")
    out = tmp_path / "Source_2026-02-01.json"
    out.write_bytes(first)
    import_listing(str(out))
    second = export_listing(Drive.get(Drive.name == "Source"))
    assert second == first

    entries = json.loads(first)
    assert [(e["path"], e["filename"]) for e in entries] == sorted(
        (e["path"], e["filename"]) for e in entries
    )
    example = next(e for e in entries if e["filename"] == "HD.1080.mp4")
    assert list(example) == list(EXAMPLE)  # the contract's keys, in its order
    assert example == EXAMPLE
    photo = next(e for e in entries if e["filename"] == "日本 photo.heic")
    assert photo["oshash"] == "abcdef0123456789" and photo["resolution"] == "4032 x 3024"
    assert list(photo)[-2:] == ["another", "custom"]
    assert photo["custom"] == {"nested": [1, 2]}
    assert "Été à la plage 1.JPG".encode() in first  # UTF-8, not \u escapes
    undated = next(e for e in entries if e["filename"] == "scan.pdf")
    assert undated["date_exif"] == "0000:00:00 00:00:00"


def test_cli_export_to_a_file_and_to_stdout(cat, tmp_path, capsysbinary):
    path = _write(tmp_path, "Disk.json", [EXAMPLE, _entry("", "naïve name.txt", size_exif=3)])
    assert luna(cat, "import-json", path) == 0
    out = tmp_path / "out.json"
    assert luna(cat, "export-json", "Disk", str(out)) == 0
    assert b"Exported Disk: 2 files" in capsysbinary.readouterr().err
    assert luna(cat, "export-json", "Disk", "-") == 0
    assert capsysbinary.readouterr().out == out.read_bytes()
    names = [e["filename"] for e in json.loads(out.read_bytes())]
    assert names == ["naïve name.txt", "HD.1080.mp4"]  # path order: the top folder first
    assert luna(cat, "export-json", "Nope", "-") == 1
    assert b"no drive named 'Nope'" in capsysbinary.readouterr().err


def _repeat_files():
    return [
        _entry("a", "clip.mp4", oshash="00000000000000aa", size_exif=10),
        _entry("b", "clip copy.mp4", oshash="00000000000000aa", size_exif=30),
        _entry("c", "clip.mp4", oshash="00000000000000aa", size_exif=20),
        _entry("a", "p.jpg", oshash="00000000000000bb", size_exif=5),
        _entry("b", "p.jpg", oshash="00000000000000bb", size_exif=9),
    ]


def test_repeats_pick_the_largest_and_keep_a_manual_primary(catalog, tmp_path):
    import_listing(_write(tmp_path, "Disk.json", _repeat_files()))
    rows = {(r.folder, r.filename): r for r in FileEntry.select()}
    manual = DuplicateGroup.create(
        oshash="00000000000000bb", primary=rows[("a", "p.jpg")], chosen_by="manual"
    )
    repeats = {
        "00000000000000AA": [["a", "clip.mp4"], ["b", "clip copy.mp4"], ["c", "clip.mp4"]],
        "00000000000000bb": [["a", "p.jpg"], ["b", "p.jpg"]],
        "00000000000000cc": [["z", "gone.jpg"]],
    }
    result = import_repeats(_write(tmp_path, "repeats.json", repeats), "auto_largest")
    assert (result.groups, result.created, result.primary_set, result.kept_manual) == (2, 1, 1, 1)
    assert result.empty_groups == ["00000000000000cc"]
    clip = DuplicateGroup.get(DuplicateGroup.oshash == "00000000000000aa")
    assert clip.primary_id == rows[("b", "clip copy.mp4")].id
    assert clip.chosen_by == "largest" and not clip.confirmed  # the duplicate rule it is
    manual = DuplicateGroup.get_by_id(manual.id)
    assert manual.primary_id == rows[("a", "p.jpg")].id and manual.chosen_by == "manual"
    # Applying it again changes nothing.
    again = import_repeats(_write(tmp_path, "repeats.json", repeats))
    assert (again.created, again.primary_set, again.kept_manual) == (0, 0, 1)
    assert DuplicateGroup.select().count() == 2


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"00000000000000aa": [["a", "b"]', "not valid JSON"),
        ([["a", "b"]], "must be a JSON object"),
        ({"nothex0000000000": [["a", "b"]]}, "16 hexadecimal"),
        ({"00000000000000aa": "a/b"}, "array of [path, filename]"),
        ({"00000000000000aa": [["a", "b", "c"]]}, "member 0"),
        ({"00000000000000aa": [["ok", "x"], ["/abs", "b"]]}, "member 1 (/abs/b): path '/abs'"),
        ({"00000000000000aa": [["../up", "b"]]}, "climbs out"),
        ({"00000000000000aa": [["a", ""]]}, "is not a file name"),
    ],
)
def test_a_malformed_repeats_file_is_refused_and_nothing_recorded(
    catalog, tmp_path, document, message
):
    import_listing(_write(tmp_path, "Disk.json", _repeat_files()))
    good = {"00000000000000bb": [["a", "p.jpg"], ["b", "p.jpg"]]}
    bad = {**good, **document} if isinstance(document, dict) else document
    with pytest.raises(ListingError) as caught:
        import_repeats(_write(tmp_path, "repeats.json", bad))
    assert message in str(caught.value)
    assert DuplicateGroup.select().count() == 0


def test_cli_import_repeats(cat, tmp_path, capsys):
    assert luna(cat, "import-json", _write(tmp_path, "Disk.json", _repeat_files())) == 0
    repeats = {"00000000000000aa": [["a", "clip.mp4"], ["c", "clip.mp4"], ["q", "no.mp4"]]}
    path = _write(tmp_path, "repeats.json", repeats)
    capsys.readouterr()
    assert luna(cat, "import-repeats", path, "--selection-method", "auto_largest", "--verbose") == 0
    out = capsys.readouterr().out
    assert "Applied 1 duplicate groups: 1 new, 1 primaries chosen by size" in out
    assert "not in the catalogue: 00000000000000aa: q/no.mp4" in out
    with pytest.raises(SystemExit) as bad_method:  # argparse: exit status 2
        luna(cat, "import-repeats", path, "--selection-method", "earliest")
    assert bad_method.value.code == 2
    assert luna(cat, "import-repeats", str(tmp_path / "missing.json")) == 1
    assert "cannot read" in capsys.readouterr().err


def test_an_update_that_changes_a_file_forgets_its_content_hash(catalog, tmp_path):
    entry = _entry("a", "x.jpg", size_exif=100, oshash="00000000000000aa")
    import_listing(_write(tmp_path, "Disk.json", [entry]))
    FileEntry.update(content_hash="ab" * 32).execute()
    changed = {**entry, "size_exif": 101}
    import_listing(_write(tmp_path, "Disk.json", [changed]), update=True)
    row = FileEntry.get()
    assert row.size == 101 and row.content_hash is None  # the hash was another content's


def test_groups_that_cannot_be_refreshed_leave_the_import_standing(catalog, tmp_path, monkeypatch):
    from peewee import OperationalError

    from luna_desktop.catalog import duplicates

    def locked(*_args, **_kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(duplicates, "refresh_groups", locked)
    result = import_listing(_write(tmp_path, "Disk.json", [_entry("a", "x.jpg")]))
    assert FileEntry.select().count() == 1  # written, and said so
    assert result.note and "database is locked" in result.note
    assert "luna duplicates" in result.summary()
