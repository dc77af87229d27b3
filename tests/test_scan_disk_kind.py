"""A rotating disk is read by one reader in inode order; anything else in parallel."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from luna_desktop.catalog.database import close_catalog, open_catalog
from luna_desktop.cli.main import main
from luna_desktop.scan import read_pool
from luna_desktop.scan.disk_kind import device_is_rotational, is_rotational, read_mode
from luna_desktop.scan.options import ScanOptions
from luna_desktop.scan.pipeline import scan_drive


def _fake_sys(root: Path, disk: str, partition: str | None, rotational: str) -> None:
    """/sys as Linux lays it out: dev/block/MAJ:MIN links to the device's folder; a
    partition's folder sits inside its disk's, which alone has queue/rotational."""
    disk_dir = root / "devices" / "pci0000:00" / "block" / disk
    (disk_dir / "queue").mkdir(parents=True)
    (disk_dir / "queue" / "rotational").write_text(rotational + "\n")
    links = root / "dev" / "block"
    links.mkdir(parents=True)
    (links / "8:0").symlink_to(disk_dir)
    if partition:
        (disk_dir / partition).mkdir()
        (links / "8:1").symlink_to(disk_dir / partition)


def test_partition_inherits_its_disks_answer(tmp_path):
    _fake_sys(tmp_path, "sda", "sda1", "1")
    assert device_is_rotational(8, 1, str(tmp_path)) is True
    assert device_is_rotational(8, 0, str(tmp_path)) is True


def test_solid_state_disk_and_unknown_devices(tmp_path):
    _fake_sys(tmp_path, "nvme0n1", "nvme0n1p1", "0")
    assert device_is_rotational(8, 1, str(tmp_path)) is False
    assert device_is_rotational(8, 7, str(tmp_path)) is None  # no such device
    assert device_is_rotational(0, 42, str(tmp_path)) is None  # tmpfs, NFS, overlayfs


def test_the_user_overrides_the_system(tmp_path):
    assert read_mode("rotating", tmp_path) is True
    assert read_mode("solid", tmp_path) is False
    assert is_rotational(tmp_path / "gone") is None


@pytest.fixture
def reversed_folder(tmp_path):
    """Files whose name order is the opposite of their inode order."""
    root = tmp_path / "Spinning"
    (root / "Roll").mkdir(parents=True)
    for name in reversed([f"{c}.txt" for c in "abcdefghij"]):
        (root / "Roll" / name).write_text(name)
    names = sorted(os.listdir(root / "Roll"), key=lambda n: os.stat(root / "Roll" / n).st_ino)
    assert names != sorted(names)  # the file system did hand out rising inodes
    return root, names


def _reading_order(monkeypatch, root: Path, disk: str, catalog: Path):
    """(file names in the order they were read, the threads that read them, read mode)."""
    seen: list[str] = []
    readers: set[int] = set()
    real = read_pool.read_files

    def recording(jobs):
        seen.extend(job.filename for job in jobs)
        readers.add(threading.get_ident())
        return real(jobs)

    monkeypatch.setattr(read_pool, "read_files", recording)
    open_catalog(catalog)
    try:
        options = ScanOptions(disk=disk, processes=False, task_size=1, workers=4)
        progress = list(scan_drive(root, "Spin", options))[-1]
    finally:
        close_catalog()
    return seen, readers, progress.read_mode


def test_rotating_disk_reads_in_inode_order_with_one_reader(monkeypatch, reversed_folder, tmp_path):
    root, inode_order = reversed_folder
    seen, readers, mode = _reading_order(monkeypatch, root, "rotating", tmp_path / "a.sqlite3")
    assert (seen, mode) == (inode_order, "rotating")
    assert len(readers) == 1


def test_solid_disk_reads_in_parallel(monkeypatch, reversed_folder, tmp_path):
    root, inode_order = reversed_folder
    seen, _readers, mode = _reading_order(monkeypatch, root, "solid", tmp_path / "b.sqlite3")
    assert mode == "parallel"
    assert sorted(seen) == sorted(inode_order)


def test_cli_says_how_a_rotating_disk_was_read(reversed_folder, tmp_path, capsys):
    root, _ = reversed_folder
    status = main(
        ["--catalog", str(tmp_path / "c.sqlite3"), "scan", str(root), "--disk", "rotating"]
    )
    close_catalog()
    assert status == 0
    assert "rotating disk: one reader, in on-disk order" in capsys.readouterr().out


def test_a_fuse_or_btrfs_drive_is_asked_through_the_device_it_was_mounted_from(tmp_path):
    _fake_sys(tmp_path, "sdb", "sdb1", "1")
    (tmp_path / "class" / "block").mkdir(parents=True)
    disk = tmp_path / "devices" / "pci0000:00" / "block" / "sdb"
    (tmp_path / "class" / "block" / "sdb1").symlink_to(disk / "sdb1")
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "24 1 0:21 / /proc rw,nosuid - proc proc rw\n"
        "88 30 0:52 / /media/ada/Archive rw,nosuid shared:50 - fuseblk /dev/sdb1 rw,user_id=0\n"
        "90 30 0:53 / /mnt/share rw - nfs4 server:/export rw\n"
    )
    assert device_is_rotational(0, 52, str(tmp_path), str(mountinfo)) is True  # ntfs-3g
    assert device_is_rotational(0, 53, str(tmp_path), str(mountinfo)) is None  # NFS
    assert device_is_rotational(0, 21, str(tmp_path), str(mountinfo)) is None  # proc
