"""`luna cache fill | status | limit | clear`, driven as a user would."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import psutil
import pytest

from luna_desktop.catalog.database import close_catalog
from luna_desktop.cli import cache as cache_command
from luna_desktop.cli.main import main
from luna_desktop.media.preview_cache import THUMB, PreviewCache
from tests.media_factory import make_jpeg
from tests.scanning import assert_all_gone, start_luna, wait_for
from tests.test_cache_fill import distinct, photo


@pytest.fixture
def cat(tmp_path):
    path = tmp_path / "cli.sqlite3"
    yield path
    close_catalog()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("LUNA_CACHE_DIR", str(path))
    return path


@pytest.fixture
def drive(tmp_path) -> Path:
    root = tmp_path / "PHS_copyALL"
    photo(root / "Trip" / "a.jpg", size=(2000, 1500), orientation=6)
    make_jpeg(root / "Trip" / "b.jpg", size=(300, 200), color=(1, 1, 1))
    make_jpeg(root / "Trip" / "c.jpg", size=(300, 200), color=(200, 1, 1))
    (root / "readme.txt").write_text("hello")
    return root


def luna(cat, *args) -> int:
    return main(["--catalog", str(cat), *args])


def scanned(cat, root: Path, capsys) -> None:
    assert luna(cat, "scan", str(root)) == 0
    capsys.readouterr()


def status_json(cat, capsys) -> dict:
    assert luna(cat, "cache", "status", "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_fill_then_status(cat, cache_dir, drive, capsys):
    scanned(cat, drive, capsys)
    before = status_json(cat, capsys)
    assert before["cache_dir"] == str(cache_dir) and before["files"] == 0
    assert before["drives"] == [
        {"images": 3, "images_thumb": 0, "images_preview": 0, "videos": 0, "videos_poster": 0,
         "sampled": None, "name": "PHS_copyALL", "mounted": True}
    ]  # fmt: skip
    assert luna(cat, "cache", "fill", "PHS_copyALL") == 0
    out = capsys.readouterr().out
    assert "Cache filled: 6 entries made; the cache holds" in out and "of its 5.0 GB cap" in out
    cache = PreviewCache(cache_dir)
    usage = cache.usage()
    assert (usage.thumbs, usage.previews, usage.posters) == (3, 3, 0)
    after = status_json(cat, capsys)
    assert (after["files"], after["thumbs"], after["previews"]) == (6, 3, 3)
    assert after["bytes"] == usage.bytes and after["max_bytes"] == 5_000_000_000
    assert after["drives"][0]["images_thumb"] == after["drives"][0]["images_preview"] == 3
    assert luna(cat, "cache", "status") == 0
    text = capsys.readouterr().out
    assert f"Preview cache: {cache_dir}" in text
    assert "6 files" in text and "3 thumbnails, 3 previews, 0 posters" in text
    assert "PHS_copyALL" in text and "sample" not in text


def test_quick_only_and_json(cat, cache_dir, drive, capsys):
    scanned(cat, drive, capsys)
    assert luna(cat, "cache", "fill", "--quick-only", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["made"] == 3 and data["failed"] == 0 and not data["cancelled"]
    assert data["cache_bytes"] == data["added_bytes"] > 0
    usage = PreviewCache(cache_dir).usage()
    assert (usage.thumbs, usage.previews) == (3, 0)


def test_status_samples_a_big_drive(cat, cache_dir, drive, capsys, monkeypatch):
    scanned(cat, drive, capsys)
    assert luna(cat, "cache", "fill", "--quick-only") == 0
    capsys.readouterr()
    monkeypatch.setattr(cache_command, "_STATUS_SAMPLE", 2)
    row = status_json(cat, capsys)["drives"][0]
    assert row["sampled"] == 2 and row["images"] == 3
    assert row["images_thumb"] == 3 and row["images_preview"] == 0  # scaled from the sample
    assert luna(cat, "cache", "status") == 0
    assert "estimated from a sample of 2" in capsys.readouterr().out


def test_limit_is_shared_and_prunes(cat, cache_dir, drive, capsys):
    scanned(cat, drive, capsys)
    assert luna(cat, "cache", "limit") == 0
    assert "cap is 5.0 GB" in capsys.readouterr().out
    assert luna(cat, "cache", "limit", "500MB") == 0
    assert "cap is now 500.0 MB" in capsys.readouterr().out
    assert PreviewCache(cache_dir).max_bytes == 500_000_000  # the window reads the same
    assert luna(cat, "cache", "fill") == 0
    capsys.readouterr()
    cache = PreviewCache(cache_dir)
    total = cache.usage().bytes
    assert luna(cat, "cache", "limit", f"{total // 2}", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["max_bytes"] == total // 2 and data["removed"] > 0
    assert data["bytes"] == cache.usage().bytes <= total // 2
    for wrong in ("lots", "5 XB", "GB"):
        assert luna(cat, "cache", "limit", wrong) == 1
        assert "is not a size" in capsys.readouterr().err
    assert PreviewCache(cache_dir).max_bytes == total // 2


def test_clear(cat, cache_dir, drive, capsys):
    scanned(cat, drive, capsys)
    assert luna(cat, "cache", "fill") == 0
    capsys.readouterr()
    assert luna(cat, "cache", "clear") == 0
    assert "Removed 6 files" in capsys.readouterr().out
    assert PreviewCache(cache_dir).usage().files == 0
    assert luna(cat, "cache", "clear", "--json") == 0
    assert json.loads(capsys.readouterr().out)["removed"] == 0


def test_fill_of_a_drive_that_is_not_there(cat, cache_dir, drive, tmp_path, capsys):
    scanned(cat, drive, capsys)
    assert luna(cat, "cache", "fill", "Nope") == 1
    assert "no drive named 'Nope'" in capsys.readouterr().err
    drive.rename(tmp_path / "unplugged")
    assert luna(cat, "cache", "fill", "PHS_copyALL") == 1
    err = capsys.readouterr().err
    assert "PHS_copyALL is not connected" in err and "connect it" in err
    assert luna(cat, "cache", "fill") == 0  # every connected drive: none, and it says so
    captured = capsys.readouterr()
    assert "PHS_copyALL is not connected" in captured.err
    assert "Cache filled: 0 entries made" in captured.out
    assert PreviewCache(cache_dir).usage().files == 0


def test_parse_size():
    parse = cache_command.parse_size
    assert parse("5GB") == 5_000_000_000 and parse("500 MB") == 500_000_000
    assert parse("1.5GiB") == 3 * 2**29 and parse("2000") == 2000 and parse("64kb") == 64_000
    for wrong in ("", "GB", "5 parsecs", "1e9", "-1"):
        with pytest.raises(ValueError):
            parse(wrong)


def test_ctrl_c_stops_the_fill_cleanly(cat, cache_dir, tmp_path, capsys):
    root = tmp_path / "many"
    for i in range(60):
        photo(root / f"{i:02}.jpg", size=(2400, 1600), trailer=distinct(i))
    scanned(cat, root, capsys)
    close_catalog()
    proc = start_luna(
        cat, "cache", "fill", "--workers", "1", env={"LUNA_CACHE_DIR": str(cache_dir)}
    )
    workers: set[psutil.Process] = set()

    def started() -> bool:
        workers.update(psutil.Process(proc.pid).children(recursive=True))
        return any(cache_dir.rglob(f"*.{THUMB}.jpg"))

    try:
        wait_for(started, "the first thumbnail")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Cache fill cancelled:" in out and "Traceback" not in err
    usage = PreviewCache(cache_dir).usage()
    assert usage.previews < 60  # it stopped before the end
    assert not list(cache_dir.rglob("*.tmp"))  # nothing left half written
    assert_all_gone([w for w in workers if w.pid != proc.pid])
    assert os.path.isdir(root)
