"""Telling a drive from a copy of it: a scanned drive copied to another path is
recognised as a copy, a partial copy as partial, and the drive itself (where it was,
or moved) as itself. Real folders, real scans."""

import os
import shutil

import pytest

from luna_desktop.catalog.models import Drive
from luna_desktop.scan.drive_copy import (
    COPY,
    DIFFERENT,
    PARTIAL_COPY,
    SAME_PLACE,
    compare,
    sample_files,
)
from luna_desktop.scan.drive_identity import recognise, recognise_drive
from tests.scanning import run_scan

FOLDERS = 12
PER_FOLDER = 10


@pytest.fixture
def drive(tmp_path):
    """A drive of 120 files in 12 folders, two levels deep, plus a few at the root;
    catalogued as "Archive"."""
    root = tmp_path / "Archive"
    for f in range(FOLDERS):
        folder = root / f"year {2000 + f}" / "roll"
        folder.mkdir(parents=True)
        for i in range(PER_FOLDER):
            (folder / f"{i:03d}.txt").write_bytes(b"%d-%d " % (f, i) * (f * 10 + i + 1))
    for name in ("index.txt", "readme.txt", "list.txt"):
        (root / name).write_text(f"{name} of the archive\n")
    run_scan(root, drive="Archive")
    return root


def tree_state(root):
    return sorted(
        (path, os.stat(os.path.join(path, name)).st_mtime_ns, name)
        for path, _dirs, names in os.walk(root)
        for name in names
    )


def test_a_drive_where_it_was_is_the_same_place(catalog, drive):
    verdict = compare(drive, Drive.get())
    assert verdict.kind == SAME_PLACE and not verdict.original_present
    assert verdict.matched == verdict.sampled > 0
    found = recognise(drive)
    assert found.drive.name == "Archive" and found.copy is None


def test_a_scanned_drive_copied_to_another_path_is_recognised_as_a_copy(catalog, drive, tmp_path):
    copy = tmp_path / "new disk" / "Archive"
    shutil.copytree(drive, copy)
    before = tree_state(copy), tree_state(drive)
    verdict = compare(copy, Drive.get())
    assert verdict.kind == COPY and verdict.original_present
    assert verdict.matched == verdict.sampled == FOLDERS * PER_FOLDER + 3
    assert verdict.fraction == 1.0 and verdict.percent == 100
    found = recognise(copy)
    assert found.drive.name == "Archive" and found.copy == verdict
    assert found.copy_name == "Archive copy"
    # Nothing is written on either disk, and the catalogue is unchanged.
    assert (tree_state(copy), tree_state(drive)) == before
    assert Drive.get().mount_path == str(drive.resolve())
    # The old shape still answers for callers that only want the drive.
    assert recognise_drive(copy) == (Drive.get(), "Archive")


def test_a_partial_copy_is_reported_as_partial(catalog, drive, tmp_path):
    # Half the folders, and every file near the root: the root alone looks complete.
    copy = tmp_path / "half"
    shutil.copytree(drive, copy, ignore=lambda d, names: [
        n for n in names if n.startswith("year") and int(n[5:]) % 2
    ])  # fmt: skip
    verdict = compare(copy, Drive.get())
    assert verdict.kind == PARTIAL_COPY and verdict.original_present
    assert 0.4 < verdict.fraction < 0.6, verdict
    found = recognise(copy)
    assert found.copy is not None and found.copy.kind == PARTIAL_COPY


def test_the_drive_moved_to_another_path_is_itself_not_a_copy(catalog, drive, tmp_path):
    moved = tmp_path / "mnt" / "usb0"
    shutil.copytree(drive, moved)
    shutil.rmtree(drive)
    verdict = compare(moved, Drive.get())
    assert verdict.kind == COPY and not verdict.original_present
    found = recognise(moved)
    assert found.drive.name == "Archive" and found.copy is None


def test_half_a_drive_at_a_new_path_with_the_drive_gone_is_asked_about(catalog, drive, tmp_path):
    # It may be the drive with half its files deleted, or half a copy: the curator says.
    half = tmp_path / "half"
    shutil.copytree(drive, half, ignore=lambda d, names: [
        n for n in names if n.startswith("year") and int(n[5:]) % 2
    ])  # fmt: skip
    shutil.rmtree(drive)
    found = recognise(half)
    assert found.copy is not None and found.copy.kind == PARTIAL_COPY
    assert not found.copy.original_present


def test_another_folder_is_different(catalog, drive, tmp_path):
    other = tmp_path / "other"
    (other / "year 2000" / "roll").mkdir(parents=True)
    (other / "year 2000" / "roll" / "000.txt").write_bytes(b"something else")
    verdict = compare(other, Drive.get())
    assert verdict.kind == DIFFERENT and verdict.matched == 0
    assert recognise(other).drive is None


def test_the_sample_is_spread_over_the_whole_drive(catalog, drive):
    paths = [rel for rel, _size in sample_files(Drive.get().id, 12)]
    assert len(paths) == 12 and len(set(paths)) == 12
    folders = {p.rsplit(b"/", 1)[0] for p in paths}
    assert len(folders) >= 8  # not the first folder's files, nor only the root's
    assert sample_files(Drive.get().id, 0) == []
