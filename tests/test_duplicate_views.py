"""What the duplicates panel, the copies report and the tree read: groups by pages, one
group's members, the copy marks of files_in_folder, a status for every copy, hashing
with progress and a stop. Real catalogue, real scans, files made on the fly."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

from luna_desktop.catalog import curation, duplicate_views, duplicates, queries
from luna_desktop.catalog.models import DB, Drive, DuplicateGroup, EditLog, FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.scan.oshash import content_hash
from tests.scanning import run_scan


def _put(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _collision_pair() -> tuple[bytes, bytes]:
    """Equal size, equal first and last 64 KiB, different middles: one oshash."""
    rng = random.Random(5)
    head, tail = rng.randbytes(65536), rng.randbytes(65536)
    return head + b"\x01" * 4096 + tail, head + b"\x02" * 4096 + tail


def _scan(*drives: tuple[Path, str]) -> None:
    for root, name in drives:
        run_scan(root, name)
    duplicates.refresh_groups()


def _file(name: str) -> FileEntry:
    return FileEntry.get(FileEntry.filename == name)


def test_groups_come_a_page_at_a_time_in_primary_order(catalog, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for n in range(7):
        data = os.urandom(2000 + n)
        _put(a, f"roll/{n:02d}.bin", data)
        _put(b, f"backup/{n:02d} copy.bin", data)
    _put(b, "backup/00 again.bin", (a / "roll/00.bin").read_bytes())  # three of one
    _put(a, "alone.bin", os.urandom(3000))
    _scan((a, "A"), (b, "B"))

    assert duplicate_views.group_count() == 7
    pages, after = [], None
    while page := duplicate_views.group_page(after, limit=3):
        pages.append(page)
        after = page[-1].key
    assert [len(p) for p in pages] == [3, 3, 1]
    rows = [g for p in pages for g in p]
    # Primaries by the largest rule: all sizes equal, so the first catalogued (drive A).
    assert [g.path for g in rows] == [f"roll/{n:02d}.bin" for n in range(7)]
    assert {g.drive for g in rows} == {"A"}
    first = rows[0]
    assert (first.members, first.drives, first.confirmed, first.differs) == (3, 2, False, False)
    assert all((g.members, g.drives) == (2, 2) for g in rows[1:])
    assert duplicate_views.group_summary(first.oshash) == first


def test_the_page_query_reads_a_page_of_member_counts_by_index(catalog, tmp_path):
    plan = DB.execute_sql(
        "EXPLAIN QUERY PLAN " + duplicate_views._COUNTS_SQL.format(marks="?, ?"), ("a", "b")
    ).fetchall()
    assert any("USING INDEX" in row[-1] for row in plan), plan


def test_files_in_folder_marks_copies_not_primaries_nor_split_members(catalog, tmp_path):
    one, other = _collision_pair()
    a, b = tmp_path / "a", tmp_path / "b"
    _put(a, "x/one.bin", one)
    _put(b, "copy of one.bin", one)
    _put(b, "impostor.bin", other)
    _put(b, "own.bin", os.urandom(9000))
    _scan((a, "A"), (b, "B"))
    drive_b = Drive.get(Drive.name == "B").id

    def marks() -> dict[str, tuple[str | None, bool]]:
        rows = queries.files_in_folder(drive_b, "")
        rows += queries.files_in_folder(Drive.get(Drive.name == "A").id, "x")
        return {r.filename: (r.copy_of, r.copy_confirmed) for r in rows}

    # oshash only proposes: both B files are copies of A's, not confirmed.
    assert marks() == {
        "one.bin": (None, False),
        "copy of one.bin": ("A:x/one.bin", False),
        "impostor.bin": ("A:x/one.bin", False),
        "own.bin": (None, False),
    }
    duplicates.confirm_group(DuplicateGroup.get().oshash, hasher=content_hash)
    assert marks() == {
        "one.bin": (None, False),
        "copy of one.bin": ("A:x/one.bin", True),
        "impostor.bin": (None, False),  # split off: not a copy
        "own.bin": (None, False),
    }
    # A manual primary moves the mark.
    duplicates.set_primary(DuplicateGroup.get(), _file("copy of one.bin"))
    assert marks()["one.bin"] == ("B:copy of one.bin", True)
    assert marks()["copy of one.bin"] == (None, False)


def test_files_in_folder_stays_an_index_seek(catalog):
    seen: list[str] = []
    execute = DB.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        if "duplicate_group" in sql and not sql.startswith("EXPLAIN"):
            seen.extend(r[-1] for r in execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        return execute(sql, params, *args, **kwargs)

    DB.obj.execute_sql = spy
    try:
        queries.files_in_folder(1, "a folder")
    finally:
        DB.obj.execute_sql = execute
    assert seen and all(step.startswith("SEARCH") for step in seen), seen
    assert not any("TEMP B-TREE" in step for step in seen), seen


def test_a_status_for_every_copy_is_one_undoable_change(catalog, tmp_path):
    data = os.urandom(5000)
    for name in "abc":
        _put(tmp_path / name, f"{name}.bin", data)
    _put(tmp_path / "a", "other.bin", os.urandom(5000))
    _scan(*((tmp_path / n, n.upper()) for n in "abc"))
    oshash = DuplicateGroup.get().oshash

    applied = duplicate_views.apply_status_to_copies(oshash, Status.KEEP_OFFLINE, "ada")
    assert sorted(m.member.filename for m in applied.changed) == ["b.bin", "c.bin"]
    statuses = {f.filename: f.status for f in FileEntry.select()}
    assert statuses == {
        "a.bin": Status.UNREVIEWED,
        "b.bin": Status.KEEP_OFFLINE,
        "c.bin": Status.KEEP_OFFLINE,
        "other.bin": Status.UNREVIEWED,
    }
    assert EditLog.select(EditLog.change_set).distinct().count() == 1
    assert _file("b.bin").reviewed_by == "ada"
    undone = curation.undo_last("ada")
    assert undone is not None and undone.files == 2
    assert all(f.status == Status.UNREVIEWED for f in FileEntry.select())

    # Discard waits for the content: nothing is confirmed yet, so nothing changes.
    applied = duplicate_views.apply_status_to_copies(oshash, Status.DISCARD, "ada")
    assert not applied.changed and len(applied.unconfirmed) == 2
    assert all(f.status == Status.UNREVIEWED for f in FileEntry.select())
    duplicates.confirm_group(oshash, hasher=content_hash)
    applied = duplicate_views.apply_status_to_copies(oshash, Status.DISCARD, "ada")
    assert len(applied.changed) == 2 and not applied.unconfirmed
    assert _file("a.bin").status == Status.UNREVIEWED
    assert _file("b.bin").status == _file("c.bin").status == Status.DISCARD


def test_hashing_reports_progress_and_stops_inside_a_file(catalog, tmp_path):
    data = os.urandom(3 * 1024 * 1024)  # three blocks of the content hash
    for name in "ab":
        _put(tmp_path / name, "big.bin", data)
    _scan((tmp_path / "a", "A"), (tmp_path / "b", "B"))
    group = DuplicateGroup.get()
    mounts = {d.id: d.mount_path for d in Drive.select()}

    read: list[int] = []
    files: list[bytes | str] = []
    outcome = duplicate_views.confirm_with_progress(
        group.oshash,
        mounts,
        hasher=content_hash,
        on_file=files.append,
        on_bytes=read.append,
        # Stop once the second file is a block in.
        cancel=lambda: sum(read) > len(data) + 1024 * 1024,
    )
    assert outcome.cancelled and len(outcome.result.hashed) == 1
    assert len(files) == 2 and os.fsdecode(files[0]).endswith("big.bin")
    digest = hashlib.sha256(data).hexdigest()
    assert sorted((f.content_hash for f in FileEntry.select()), key=bool) == [None, digest]
    assert not DuplicateGroup.get().confirmed

    read.clear()
    outcome = duplicate_views.confirm_with_progress(
        group.oshash, mounts, hasher=content_hash, on_bytes=read.append
    )
    assert not outcome.cancelled and outcome.result.confirmed
    assert sum(read) == len(data)  # only the file not hashed before was read
    assert DuplicateGroup.get().confirmed


def test_one_drive_report_by_drive(catalog, tmp_path):
    shared = os.urandom(4000)
    _put(tmp_path / "a", "shared.bin", shared)
    _put(tmp_path / "a", "z only on a.bin", os.urandom(4000))
    _put(tmp_path / "b", "shared.bin", shared)
    _put(tmp_path / "b", "only on b.bin", os.urandom(4000))
    _put(tmp_path / "b", "sub/also only on b.bin", os.urandom(4000))
    _scan((tmp_path / "b", "B"), (tmp_path / "a", "A"))
    report = duplicate_views.one_drive_report(duplicates.files_on_one_drive())
    names = [(drive, [r.path for r in duplicate_views.report_rows(ids)]) for drive, ids in report]
    assert names == [
        ("A", ["z only on a.bin"]),
        ("B", ["only on b.bin", "sub/also only on b.bin"]),
    ]
