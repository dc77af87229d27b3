"""Duplicate groups across drives: found by oshash, confirmed or split by content hash,
primaries by rule or by hand, and the copies report. Real catalogue, real scans."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from pathlib import Path

import pytest

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.models import DuplicateGroup, FileEntry
from luna_desktop.scan.oshash import content_hash, oshash_path
from tests.scanning import run_scan as _run_scan

BACKUP = "Backup 2013 (old laptop)"
# The corpus's byte-identical copies (SOURCES.md): copy → original.
COPIES = {
    "Tuscany 2.jpg": "2008 Tuscany Trip/DSCN0012.jpg",
    "IMG_5195 copy.HEIC": "Phone/DCIM/100APPLE/IMG_5195.HEIC",
    "clip_0306.avi": "Video/100_0306.AVI",
}


def _put(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _collision_pair() -> tuple[bytes, bytes]:
    """Equal size, equal first and last 64 KiB, different middles: one oshash."""
    rng = random.Random(9)
    head, tail = rng.randbytes(65536), rng.randbytes(65536)
    return head + b"\x01" * 4096 + tail, head + b"\x02" * 4096 + tail


def _group(oshash: str) -> duplicates.Split:
    found = duplicates.group_details(oshash)
    assert found is not None
    return found


def _paths(members) -> set[str]:
    return {f"{m.drive}:{m.folder}/{m.filename}".replace(":/", ":") for m in members}


def run_scan(root, drive, **options):
    """A scan, which refreshes the groups its drive touches: nothing else is called."""
    _run_scan(root, drive, **options)


def _cli(catalog_path: Path, monkeypatch, capsys, *args: str) -> tuple[int, str]:
    from luna_desktop.cli import duplicates as dup_cli
    from luna_desktop.cli import main as cli_main

    if dup_cli not in cli_main.COMMANDS:  # once main.py registers it, as it is
        monkeypatch.setattr(cli_main, "COMMANDS", (*cli_main.COMMANDS, dup_cli))
    capsys.readouterr()
    code = cli_main.main(["--catalog", str(catalog_path), *args])
    return code, capsys.readouterr().out


@pytest.fixture
def catalog_path(catalog, tmp_path) -> Path:
    return tmp_path / "catalog.sqlite3"


def test_corpus_copies_are_found_and_confirmed_by_content(catalog, corpus, tmp_path):
    laptop, backup = tmp_path / "laptop", tmp_path / "backup"
    for copy, original in COPIES.items():
        (laptop / original).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / original, laptop / original)
        (backup / BACKUP).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / BACKUP / copy, backup / BACKUP / copy)
    run_scan(laptop, "Laptop")
    run_scan(backup, "Backup")

    groups = {g.oshash: g for g in duplicates.all_groups()}
    assert len(groups) == 3 and DuplicateGroup.select().count() == 3
    for copy, original in COPIES.items():
        g = groups[oshash_path(corpus / original)]
        assert _paths(g.kept) == {f"Laptop:{original}", f"Backup:{BACKUP}/{copy}"}
        assert not g.confirmed and not g.split  # oshash only proposes

    for oshash in groups:
        result = duplicates.confirm_group(oshash, hasher=content_hash)
        assert result.confirmed and not result.split and len(result.hashed) == 2
    for original in COPIES.values():
        g = _group(oshash_path(corpus / original))
        digest = hashlib.sha256((corpus / original).read_bytes()).hexdigest()
        assert g.confirmed and {m.content_hash for m in g.kept} == {digest}
        assert DuplicateGroup.get(DuplicateGroup.oshash == g.oshash).confirmed
    duplicates.refresh_groups()
    assert all(g.confirmed for g in duplicates.all_groups())


def test_crafted_oshash_collision_is_split(catalog, tmp_path):
    one, other = _collision_pair()
    a, b = tmp_path / "a", tmp_path / "b"
    _put(a, "x/one.bin", one)
    _put(b, "copy of one.bin", one)
    _put(b, "deep/er/impostor.bin", other)
    assert oshash_path(a / "x/one.bin") == oshash_path(b / "deep/er/impostor.bin")
    run_scan(a, "A")
    run_scan(b, "B")
    (oshash,) = [g.oshash for g in DuplicateGroup.select()]
    assert len(_group(oshash).kept) == 3

    result = duplicates.confirm_group(oshash, hasher=content_hash)
    impostor = FileEntry.get(FileEntry.filename == "impostor.bin")
    assert result.split == [impostor.id] and result.confirmed
    g = _group(oshash)
    assert _paths(g.kept) == {"A:x/one.bin", "B:copy of one.bin"}
    assert _paths(g.split) == {"B:deep/er/impostor.bin"}
    assert g.confirmed and g.primary.filename != "impostor.bin"

    # The split is kept through a refresh and a rescan.
    duplicates.refresh_groups()
    run_scan(b, "B")
    assert _paths(_group(oshash).split) == {"B:deep/er/impostor.bin"}
    # The copies report does not count the impostor as a copy of the others.
    assert duplicates.other_drives_with_copy(FileEntry.get_by_id(impostor.id)) == []
    assert duplicates.other_drives_with_copy(FileEntry.get(FileEntry.filename == "one.bin")) == [
        "B"
    ]
    assert impostor.id in duplicates.files_on_one_drive()
    assert duplicates.copies_by_file()[impostor.id] == 1


def test_two_files_colliding_are_not_confirmed(catalog, tmp_path):
    one, other = _collision_pair()
    a, b = tmp_path / "a", tmp_path / "b"
    _put(a, "one.bin", one)
    _put(b, "other.bin", other)
    run_scan(a, "A")
    run_scan(b, "B")
    (group,) = DuplicateGroup.select()
    result = duplicates.confirm_group(group, hasher=content_hash)
    assert not result.confirmed and len(result.split) == 1
    assert not DuplicateGroup.get_by_id(group.id).confirmed
    assert len(_group(group.oshash).kept) == 1


def _three_copies(tmp_path) -> None:
    data = os.urandom(3000)
    _put(tmp_path / "a", "a very/long folder name/copy.bin", data)
    _put(tmp_path / "b", "b.bin", data)
    _put(tmp_path / "c", "mid/c.bin", data)
    for name in "abc":
        run_scan(tmp_path / name, name.upper())


def test_primary_rules(catalog, tmp_path):
    _three_copies(tmp_path)
    (group,) = DuplicateGroup.select()
    # largest: the sizes are equal, so the first catalogued.
    assert _group(group.oshash).primary.drive == "A"
    assert DuplicateGroup.get_by_id(group.id).chosen_by == "largest"

    duplicates.refresh_groups("shortest_path")
    assert DuplicateGroup.get_by_id(group.id).primary.filename == "b.bin"
    assert DuplicateGroup.get_by_id(group.id).chosen_by == "shortest_path"

    duplicates.refresh_groups("preferred_drive", preferred_drive="C")
    assert DuplicateGroup.get_by_id(group.id).primary.filename == "c.bin"
    assert DuplicateGroup.get_by_id(group.id).chosen_by == "preferred_drive:C"

    FileEntry.update(taken_at="2010-05-01T10:00:00").where(FileEntry.filename == "b.bin").execute()
    FileEntry.update(taken_at="2009-01-01T10:00:00").where(
        FileEntry.filename == "copy.bin"
    ).execute()
    duplicates.refresh_groups("earliest")
    assert DuplicateGroup.get_by_id(group.id).primary.filename == "copy.bin"

    # Without a rule, a refresh keeps the group's own.
    duplicates.refresh_groups()
    assert DuplicateGroup.get_by_id(group.id).chosen_by == "earliest"
    with pytest.raises(duplicates.RuleError):
        duplicates.refresh_groups("biggest")


def test_manual_primary_survives_refresh_and_rescan(catalog, tmp_path):
    _three_copies(tmp_path)
    (group,) = DuplicateGroup.select()
    mid = FileEntry.get(FileEntry.filename == "c.bin")
    duplicates.set_primary(group, mid)
    for rule in (None, "shortest_path", "largest"):
        duplicates.refresh_groups(rule)
        g = DuplicateGroup.get_by_id(group.id)
        assert (g.primary_id, g.chosen_by) == (mid.id, "manual")
    for name in "abc":
        run_scan(tmp_path / name, name.upper())
    g = DuplicateGroup.get_by_id(group.id)
    assert (g.primary_id, g.chosen_by) == (mid.id, "manual")

    # A file outside the group cannot be made its primary.
    outsider = _put(tmp_path / "c", "other.bin", b"something else entirely")
    run_scan(tmp_path / "c", "C")
    with pytest.raises(ValueError):
        duplicates.set_primary(group, FileEntry.get(FileEntry.filename == outsider.name))

    # Once the file is gone, the group falls back to a rule.
    (tmp_path / "c/mid/c.bin").unlink()
    run_scan(tmp_path / "c", "C")
    g = DuplicateGroup.get_by_id(group.id)
    assert g.chosen_by != "manual" and g.primary_id != mid.id

    # And a group whose members are gone is deleted.
    (tmp_path / "b/b.bin").unlink()
    run_scan(tmp_path / "b", "B")
    assert DuplicateGroup.select().count() == 0


def test_copies_report(catalog, tmp_path):
    shared = os.urandom(5000)
    _put(tmp_path / "a", "shared.bin", shared)
    _put(tmp_path / "a", "only here.bin", os.urandom(5000))
    _put(tmp_path / "a", "twice/on a.bin", shared)  # a second copy on the same drive
    _put(tmp_path / "a", "empty.bin", b"")
    _put(tmp_path / "b", "shared copy.bin", shared)
    _put(tmp_path / "b", "lonely.bin", os.urandom(7000))
    twin = os.urandom(6000)  # two copies, but both on drive B
    _put(tmp_path / "b", "twin 1.bin", twin)
    _put(tmp_path / "b", "twin 2.bin", twin)
    run_scan(tmp_path / "a", "A")
    run_scan(tmp_path / "b", "B")

    names = {f.id: f.filename for f in FileEntry.select()}
    assert [names[i] for i in duplicates.files_on_one_drive()] == [
        "only here.bin",
        "lonely.bin",
        "twin 1.bin",
        "twin 2.bin",
    ]
    copies = {names[i]: n for i, n in duplicates.copies_by_file().items()}
    assert copies == {
        "shared.bin": 2,
        "on a.bin": 2,
        "shared copy.bin": 2,
        "only here.bin": 1,
        "lonely.bin": 1,
        "twin 1.bin": 1,
        "twin 2.bin": 1,
    }


def test_duplicates_cli_json_and_text(catalog, catalog_path, tmp_path, monkeypatch, capsys):
    one, other = _collision_pair()
    data = os.urandom(2000)
    _put(tmp_path / "a", "pics/p.jpg.bin", data)
    _put(tmp_path / "b", "p.bin", data)
    _put(tmp_path / "a", "one.bin", one)
    _put(tmp_path / "b", "x/one again.bin", one)
    _put(tmp_path / "b", "imp.bin", other)
    run_scan(tmp_path / "a", "A")
    run_scan(tmp_path / "b", "B")

    code, out = _cli(catalog_path, monkeypatch, capsys, "duplicates", "--json")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert set(line) == {"oshash", "primary", "how", "confirmed", "files", "split"}
        assert line["how"] == "largest" and line["confirmed"] is False
        for f in line["files"]:
            assert set(f) == {"uuid", "drive", "path", "filename", "size", "content_hash"}
            assert f["content_hash"] is None
        assert line["primary"] in {f["uuid"] for f in line["files"]}

    code, out = _cli(
        catalog_path,
        monkeypatch,
        capsys,
        "duplicates",
        "--json",
        "--confirm",
        "--rule",
        "shortest_path",
    )
    by_hash = {line["oshash"]: line for line in map(json.loads, out.splitlines())}
    small = by_hash[oshash_path(tmp_path / "b/p.bin")]
    assert small["confirmed"] is True and small["how"] == "shortest_path"
    assert [f["filename"] for f in small["files"]] == ["p.jpg.bin", "p.bin"]
    assert small["primary"] == FileEntry.get(FileEntry.filename == "p.bin").uuid
    digest = hashlib.sha256(data).hexdigest()
    assert {f["content_hash"] for f in small["files"]} == {digest}
    big = by_hash[oshash_path(tmp_path / "a/one.bin")]
    assert big["confirmed"] is True
    assert [f["filename"] for f in big["split"]] == ["imp.bin"]
    assert {(f["drive"], f["path"]) for f in big["files"]} == {("A", ""), ("B", "x")}

    code, out = _cli(catalog_path, monkeypatch, capsys, "duplicates")
    assert code == 0 and "imp.bin  (split: different content)" in out
    assert "  * B:p.bin" in out

    code, out = _cli(catalog_path, monkeypatch, capsys, "duplicates", "--rule", "nope")
    assert code == 1


def test_report_copies_cli(catalog, catalog_path, tmp_path, monkeypatch, capsys):
    shared = os.urandom(3000)
    _put(tmp_path / "a", "shared.bin", shared)
    _put(tmp_path / "a", "alone.bin", os.urandom(3000))
    _put(tmp_path / "b", "shared.bin", shared)
    run_scan(tmp_path / "a", "A")
    run_scan(tmp_path / "b", "B")
    code, out = _cli(catalog_path, monkeypatch, capsys, "report", "copies", "--json")
    assert code == 0
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert (line["drive"], line["filename"], line["copies"]) == ("A", "alone.bin", 1)
    code, out = _cli(catalog_path, monkeypatch, capsys, "report", "copies")
    assert "A:alone.bin" in out and "1 files held on only one drive." in out


def test_each_scan_keeps_the_groups_of_its_drive_up_to_date(catalog, tmp_path):
    data = random.Random(3).randbytes(200_000)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _put(a, "x.bin", data)
    _put(c, "other.bin", random.Random(4).randbytes(1000))
    _put(c, "other copy.bin", random.Random(4).randbytes(1000))
    run_scan(a, "A")
    assert DuplicateGroup.select().count() == 0
    copy = _put(b, "kept/x copy.bin", data)
    run_scan(b, "B")  # a copy appears: the group is made
    (group,) = DuplicateGroup.select()
    assert _paths(_group(group.oshash).kept) == {"A:x.bin", "B:kept/x copy.bin"}
    original = FileEntry.get(FileEntry.filename == "x.bin")
    assert duplicates.other_drives_with_copy(original) == ["B"]  # what the preview says
    run_scan(c, "C")  # a group within one drive, and A and B's group untouched
    assert DuplicateGroup.select().count() == 2
    other = FileEntry.get(FileEntry.filename == "other.bin")
    assert duplicates.other_drives_with_copy(other) == []
    assert duplicates.copies_on_same_drive(other) == 1  # "other copy.bin", on C too

    copy.unlink()
    run_scan(b, "B")  # the copy went: so did its group
    assert [g.oshash for g in DuplicateGroup.select()] != [group.oshash]
    assert DuplicateGroup.get_or_none(DuplicateGroup.oshash == group.oshash) is None
    assert DuplicateGroup.select().count() == 1


def test_a_file_changed_since_it_was_hashed_forgets_its_hash(catalog, tmp_path):
    one, other = _collision_pair()
    a, b = tmp_path / "a", tmp_path / "b"
    _put(a, "one.bin", one)
    changing = _put(b, "one.bin", one)
    run_scan(a, "A")
    run_scan(b, "B")
    (group,) = DuplicateGroup.select()
    assert duplicates.confirm_group(group, hasher=content_hash).confirmed

    changing.write_bytes(other)  # same size and oshash, other content, a new mtime
    os.utime(changing, (1_000_000_000, 1_000_000_000))
    run_scan(b, "B")
    row_a, row_b = (FileEntry.get(FileEntry.drive == d) for d in (1, 2))
    assert row_a.content_hash == hashlib.sha256(one).hexdigest()
    assert row_b.content_hash is None  # read again; the old hash no longer holds
    assert not _group(group.oshash).confirmed
    result = duplicates.confirm_group(group.oshash, hasher=content_hash)
    assert result.split == [row_b.id] and result.hashed == [row_b.id]

    run_scan(b, "B", full=True)  # read again without a change: the hash still holds
    assert FileEntry.get_by_id(row_b.id).content_hash == hashlib.sha256(other).hexdigest()


def test_an_import_makes_the_groups_its_rows_join(catalog, tmp_path):
    from luna_desktop.interop.listing import import_listing

    data = random.Random(5).randbytes(300_000)
    _put(tmp_path / "a", "clip.bin", data)
    run_scan(tmp_path / "a", "A")
    row = FileEntry.get(FileEntry.filename == "clip.bin")
    listing = [{"path": "old", "filename": "clip.bin", "size_exif": row.size, "oshash": row.oshash}]
    import_listing(json.dumps(listing).encode(), "Elsewhere")
    (group,) = duplicates.all_groups()
    assert _paths(group.kept) == {"A:clip.bin", "Elsewhere:old/clip.bin"}


def test_a_primary_edited_on_its_drive_leaves_its_copies_grouped(catalog, tmp_path):
    data = random.Random(6).randbytes(200_000)
    for name in "abc":
        _put(tmp_path / name, "x.bin", data)
    for name in "abc":
        run_scan(tmp_path / name, name.upper())
    for i in range(20):  # so that A is a small part of the catalogue, refreshed alone
        _put(tmp_path / "d", f"{i}.bin", random.Random(100 + i).randbytes(1000))
    run_scan(tmp_path / "d", "D")
    (group,) = DuplicateGroup.select()
    assert _group(group.oshash).primary.drive == "A"
    (tmp_path / "a" / "x.bin").write_bytes(random.Random(7).randbytes(200_000))
    run_scan(tmp_path / "a", "A")  # A's file has another key now
    (group,) = DuplicateGroup.select()  # B's and C's copies are still one group
    assert _paths(_group(group.oshash).kept) == {"B:x.bin", "C:x.bin"}
    assert _group(group.oshash).primary.drive == "B"


def test_luna_set_discard_confirms_copies_by_content_first(
    catalog, catalog_path, tmp_path, monkeypatch, capsys
):
    one, other = _collision_pair()
    _put(tmp_path / "a", "one.bin", one)
    _put(tmp_path / "b", "same.bin", one)
    _put(tmp_path / "b", "looks alike.bin", other)
    run_scan(tmp_path / "a", "A")
    run_scan(tmp_path / "b", "B")
    from luna_desktop.cli import main as cli_main

    capsys.readouterr()
    assert cli_main.main(["--catalog", str(catalog_path), "set", "B:", "--status", "discard"]) == 0
    err = capsys.readouterr().err
    assert "looks alike.bin is not a copy: its content differs" in err
    assert "same.bin" not in err
    assert all(f.content_hash for f in FileEntry.select())  # hashed, and stored
    (oshash,) = [g.oshash for g in DuplicateGroup.select()]
    assert _group(oshash).confirmed and _paths(_group(oshash).split) == {"B:looks alike.bin"}
    assert {f.filename: f.status for f in FileEntry.select()} == {
        "one.bin": 1, "same.bin": 5, "looks alike.bin": 5
    }  # fmt: skip
