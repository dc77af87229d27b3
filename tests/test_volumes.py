"""Which removable volumes are mounted, and which of them the catalogue knows.

Tests cannot mount, so each folder inside a LUNA_MEDIA_ROOTS folder counts as a
mounted volume; drives are scanned for real, then moved or copied under that root.
"""

import os
import shutil
import threading

import pytest

from luna_desktop.scan import volumes
from luna_desktop.scan.drive_identity import Volume
from luna_desktop.scan.volumes import (
    BY_FILES,
    BY_PATH,
    BY_UUID,
    list_volumes,
    mount_points,
    removable_roots,
)
from tests.scanning import run_scan


def make_drive(root, n=1):
    """A small drive, a few files near its root so that its fingerprint has something to
    match; drives made with another `n` hold files of other sizes."""
    (root / "DCIM" / "100").mkdir(parents=True)
    (root / "DCIM" / "100" / "IMG_0001.txt").write_bytes(b"one" * 100 * n)
    (root / "DCIM" / "100" / "IMG_0002.txt").write_bytes(b"two" * 250 * n)
    (root / "notes.txt").write_text("field notes\n" * n)
    (root / "list.csv").write_text("a,b\n1,2\n" * n)
    return root


@pytest.fixture
def media(tmp_path, monkeypatch):
    root = tmp_path / "media"
    root.mkdir()
    monkeypatch.setenv(volumes.MEDIA_ROOTS_ENV, str(root))
    return root


def by_label(found):
    return {v.label: v for v in found}


def test_the_override_names_the_roots_that_exist(tmp_path, monkeypatch):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    value = os.pathsep.join([str(second), str(tmp_path / "absent"), str(first)])
    monkeypatch.setenv(volumes.MEDIA_ROOTS_ENV, value)
    assert removable_roots() == [second, first]


def test_known_by_last_mount_path_and_by_files_and_new(catalog, media, tmp_path):
    make_drive(media / "CARD_A")
    run_scan(media / "CARD_A", "Card A")  # scanned where it is mounted now
    original = make_drive(tmp_path / "elsewhere" / "T7", n=2)
    run_scan(original, "Travel T7")
    shutil.copytree(original, media / "BACKUP")  # the same files, under another name
    make_drive(media / "Fresh", n=3)

    found = by_label(list_volumes())

    assert list(found) == ["BACKUP", "CARD_A", "Fresh"]
    assert (found["CARD_A"].known_drive, found["CARD_A"].how_known) == ("Card A", BY_PATH)
    assert (found["BACKUP"].known_drive, found["BACKUP"].how_known) == ("Travel T7", BY_FILES)
    assert found["Fresh"].known_drive is None and found["Fresh"].how_known is None
    for volume in found.values():
        assert volume.responding and volume.path.parent == media
        assert volume.total_bytes > 0 and 0 <= volume.free_bytes <= volume.total_bytes


def test_only_folders_count_and_hidden_ones_do_not(catalog, media):
    (media / "Card").mkdir()
    (media / ".Trashes").mkdir()
    (media / "readme.txt").write_text("not a drive")
    assert [v.label for v in list_volumes()] == ["Card"]


def test_a_folder_that_is_no_mount_point_is_no_volume(catalog, tmp_path, monkeypatch):
    monkeypatch.delenv(volumes.MEDIA_ROOTS_ENV, raising=False)
    (tmp_path / "looks like a drive").mkdir()
    assert mount_points([tmp_path]) == []


def test_a_name_that_is_not_utf8_is_shown(catalog, media):
    os.mkdir(os.fsencode(media) + b"/Disk \xff")
    [volume] = list_volumes()
    assert volume.label == "Disk \\xff"
    assert os.fsencode(volume.path).endswith(b"Disk \xff")  # the path still reaches it


def test_the_volume_uuid_comes_first_and_a_different_one_is_another_drive(
    catalog, media, monkeypatch
):
    """A volume UUID outranks the path; a volume whose UUID differs from the drive last
    seen at its path is another drive that took the same place (both called UNTITLED)."""
    first = make_drive(media / "UNTITLED")
    run_scan(first, "Old Card")
    other = media / "OTHER"
    other.mkdir()
    from luna_desktop.catalog.models import Drive

    Drive.update(volume_uuid="1111-AAAA").where(Drive.name == "Old Card").execute()
    uuids = {str(first): "2222-BBBB", str(other): "1111-AAAA"}
    monkeypatch.setattr(
        volumes, "volume_of", lambda p: Volume(str(p), uuids.get(str(p)), "Label " + p.name)
    )
    shutil.rmtree(first / "DCIM")  # so its files do not say which drive it is either
    (first / "notes.txt").unlink()

    found = {v.path.name: v for v in list_volumes()}

    assert (found["OTHER"].known_drive, found["OTHER"].how_known) == ("Old Card", BY_UUID)
    assert found["OTHER"].label == "Label OTHER" and found["OTHER"].uuid == "1111-AAAA"
    assert found["UNTITLED"].known_drive is None


def test_a_hung_volume_is_not_responding_and_not_asked_twice(catalog, media, monkeypatch):
    """A stale mount answers nothing: the list comes back at its deadline without it,
    and the next listing does not start a second look at it while the first still hangs."""
    make_drive(media / "Good")
    (media / "Stale").mkdir()
    release = threading.Event()
    asked: list[str] = []
    real = volumes.disk_usage

    def disk_usage(path):
        asked.append(path.name)
        if path.name == "Stale":
            release.wait(30)
        return real(path)

    monkeypatch.setattr(volumes, "disk_usage", disk_usage)
    monkeypatch.setattr(volumes, "LOOK_TIMEOUT_S", 0.3)
    try:
        for _ in range(3):
            found = by_label(list_volumes())
            assert found["Stale"].responding is False and found["Stale"].total_bytes is None
            assert found["Good"].responding and found["Good"].total_bytes > 0
        assert asked.count("Stale") == 1 and asked.count("Good") == 3
    finally:
        release.set()


def test_a_mount_point_that_hangs_is_asked_once_and_not_looked_into(catalog, tmp_path, monkeypatch):
    """Outside LUNA_MEDIA_ROOTS only mount points count; one whose check hangs (a dead
    NFS mount in /mnt) is listed as not responding, and no second look is started at it
    while the first still hangs, whether to check it or to read its label and size."""
    monkeypatch.delenv(volumes.MEDIA_ROOTS_ENV, raising=False)
    (tmp_path / "usb").mkdir()
    (tmp_path / "nfs").mkdir()
    (tmp_path / "plain").mkdir()
    release = threading.Event()
    asked: list[str] = []

    def is_mount_point(path):
        asked.append(path.name)
        if path.name == "nfs":
            release.wait(30)
        return path.name != "plain"

    monkeypatch.setattr(volumes, "is_mount_point", is_mount_point)
    monkeypatch.setattr(volumes, "LOOK_TIMEOUT_S", 0.3)
    try:
        for _ in range(3):
            found = by_label(list_volumes([tmp_path]))
            assert list(found) == ["nfs", "usb"]
            assert found["nfs"].responding is False and found["usb"].responding
        assert asked.count("nfs") == 1 and asked.count("usb") == 3
    finally:
        release.set()


def test_a_volume_unplugged_while_looked_at_is_listed_without_facts(catalog, media, monkeypatch):
    (media / "Gone").mkdir()

    def unplugged(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(volumes, "sample_files", unplugged)
    [volume] = list_volumes()
    assert volume.label == "Gone" and volume.total_bytes is None and volume.responding
