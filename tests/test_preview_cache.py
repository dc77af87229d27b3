"""The preview cache's store: names, atomic saves, damaged entries, the LRU cap, clearing."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from luna_desktop.media.posters import PosterStore
from luna_desktop.media.preview_cache import (
    DEFAULT_MAX_BYTES,
    POSTER,
    PREVIEW,
    THUMB,
    PreviewCache,
    default_cache_dir,
)
from luna_desktop.media.render import Rendered

HASH = "0123456789abcdef"
RED, BLUE = (255, 0, 0), (0, 0, 255)


def picture(width=400, height=300, original=(4000, 3000), source="image") -> Rendered:
    """Blue with a red top-left quarter: which way up it is shows."""
    im = Image.new("RGB", (width, height), BLUE)
    im.paste(RED, (0, 0, width // 2, height // 2))
    return Rendered(width, height, "RGB", im.tobytes(), original, source)


def noise(width=300, height=300) -> Rendered:
    """A picture JPEG cannot squeeze: every entry of it is about the same size."""
    data = np.random.default_rng(7).integers(0, 256, width * height * 3, np.uint8).tobytes()
    return Rendered(width, height, "RGB", data, (width, height), "image")


def pixels(r: Rendered) -> np.ndarray:
    return np.frombuffer(r.data, np.uint8).reshape(r.height, r.width, len(r.mode))


def near(pixel, colour, tolerance=40) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def hashes(n: int, tail: str = "0") -> list[str]:
    return [f"{i:02x}" + tail * 14 for i in range(n)]


# --- names ------------------------------------------------------------------------------


def test_entries_are_named_by_oshash_and_size(tmp_path):
    cache = PreviewCache(tmp_path)
    assert cache.path(HASH, THUMB) == tmp_path / "01" / f"{HASH}.thumb.jpg"
    assert cache.path(HASH, PREVIEW) == tmp_path / "01" / f"{HASH}.preview.jpg"
    assert cache.path(HASH, POSTER) == tmp_path / "01" / f"{HASH}.poster.jpg"
    for wrong in ("0123", "0123456789ABCDEF", "../../etc/passwd", "0123456789abcdeg", None):
        with pytest.raises(ValueError):
            cache.path(wrong, THUMB)
    with pytest.raises(ValueError):
        cache.path(HASH, "huge")
    assert not cache.has(HASH, THUMB)
    assert not tmp_path.joinpath("01").exists()  # asking writes nothing


def test_default_directory_is_the_user_cache_or_the_variable(monkeypatch, tmp_path):
    from luna_desktop.catalog.database import APP_NAME

    monkeypatch.delenv("LUNA_CACHE_DIR", raising=False)
    expected = Path(os.environ["XDG_CACHE_HOME"]) / APP_NAME / "previews"
    assert default_cache_dir() == expected
    assert PreviewCache().directory == expected
    monkeypatch.setenv("LUNA_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"
    assert PreviewCache().directory == tmp_path / "elsewhere"


# --- saving and loading -----------------------------------------------------------------


def test_round_trip_keeps_the_original_size_and_source(tmp_path):
    cache = PreviewCache(tmp_path)
    path = cache.save(HASH, PREVIEW, picture(source="exif-thumbnail"))
    assert path == cache.path(HASH, PREVIEW) and cache.has(HASH, PREVIEW)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    full = cache.load(HASH, PREVIEW, None)
    assert (full.width, full.height, full.original_size) == (400, 300, (4000, 3000))
    assert full.source == "exif-thumbnail" and not full.partial
    assert cache.stored_source(HASH, PREVIEW) == "exif-thumbnail"
    small = cache.load(HASH, PREVIEW, (100, 100))
    assert (small.width, small.height, small.original_size) == (100, 75, (4000, 3000))
    assert near(pixels(small)[10, 10], RED) and near(pixels(small)[60, 90], BLUE)
    # original_size given to save wins over the rendered one's
    cache.save(HASH, THUMB, picture(), original_size=(640, 480))
    assert cache.load(HASH, THUMB, None).original_size == (640, 480)
    data = cache.load_bytes(HASH, THUMB)
    assert data.startswith(b"\xff\xd8") and data == cache.path(HASH, THUMB).read_bytes()
    other = "fedcba9876543210"
    assert cache.load(other, PREVIEW, (100, 100)) is None
    assert cache.load_bytes(other, PREVIEW) is None and cache.stored_source(other, THUMB) is None


def test_transparency_is_stored_over_white(tmp_path):
    im = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    im.paste((255, 0, 0, 255), (0, 0, 20, 40))
    rendered = Rendered(40, 40, "RGBA", im.tobytes(), (40, 40), "image")
    cache = PreviewCache(tmp_path)
    cache.save(HASH, THUMB, rendered)
    got = pixels(cache.load(HASH, THUMB, None))
    assert near(got[20, 5], RED) and near(got[20, 35], (255, 255, 255))


def test_save_is_atomic(tmp_path, monkeypatch):
    cache = PreviewCache(tmp_path)
    cache.save(HASH, PREVIEW, picture(original=(640, 480)))

    def crash(*_args):
        raise OSError("the disk is full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        cache.save(HASH, PREVIEW, picture(original=(1920, 1080)))
    monkeypatch.undo()
    assert sorted(p.name for p in (tmp_path / "01").iterdir()) == [f"{HASH}.preview.jpg"]
    assert cache.load(HASH, PREVIEW, None).original_size == (640, 480)  # the old one, whole


def test_a_damaged_entry_is_deleted_and_reads_as_missing(tmp_path):
    cache = PreviewCache(tmp_path)
    path = cache.save(HASH, PREVIEW, noise())
    whole = path.read_bytes()
    for damaged in (b"", b"not a jpeg at all", whole[: len(whole) // 3]):
        path.write_bytes(damaged)
        assert cache.load(HASH, PREVIEW, (100, 100)) is None
        assert not path.exists() and not cache.has(HASH, PREVIEW)


# --- the cap ----------------------------------------------------------------------------


def _aged(cache: PreviewCache, names: list[str], size: str = PREVIEW) -> int:
    """Save one entry per hash, names[0] the least recently used; returns an entry's size."""
    now = time.time()
    for age, h in enumerate(names):
        path = cache.save(h, size, noise())
        os.utime(path, (now - 1000 + age, now - 1000 + age))
    return cache.path(names[0], size).stat().st_size


def test_prune_deletes_the_least_recently_used_first(tmp_path):
    cache = PreviewCache(tmp_path, max_bytes=10**9)
    names = hashes(6)
    size = _aged(cache, names)
    assert cache.load(names[0], PREVIEW, (50, 50)) is not None  # used now: it stays
    assert cache.load_bytes(names[1], PREVIEW) is not None  # so does this one
    stale = tmp_path / "00" / ".crashed.tmp"
    stale.write_bytes(b"half an entry")
    os.utime(stale, (time.time() - 7200,) * 2)
    fresh = tmp_path / "00" / ".writing.tmp"
    fresh.write_bytes(b"being written")
    removed = cache.prune(max_bytes=int(size * 4.2))  # down to 90 %: three entries stay
    left = [h for h in names if cache.has(h, PREVIEW)]
    assert left == [names[0], names[1], names[5]], left
    assert removed == 4 and not stale.exists() and fresh.exists()
    assert cache.prune(max_bytes=0) == 3  # every entry, but not a file being written now
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [fresh.name]


def test_saving_keeps_the_cache_under_its_cap(tmp_path):
    size = len(PreviewCache(tmp_path / "probe").save(HASH, PREVIEW, noise()).read_bytes())
    cap = size * 5
    cache = PreviewCache(tmp_path / "c", max_bytes=cap)
    for h in hashes(12):
        cache.save(h, PREVIEW, noise())
        assert cache.usage().bytes <= cap
    assert cache.usage().files < 12
    # Another process (a new cache object) keeps to it as well.
    again = PreviewCache(tmp_path / "c", max_bytes=cap)
    for h in hashes(6, "1"):
        again.save(h, PREVIEW, noise())
    assert again.usage().bytes <= cap


def test_the_cap_is_stored_with_the_cache_and_shared(tmp_path):
    cache = PreviewCache(tmp_path)
    assert cache.max_bytes == DEFAULT_MAX_BYTES
    names = hashes(5)
    size = _aged(cache, names)
    other = PreviewCache(tmp_path)  # the window's, say, made before the change
    cache.set_max_bytes(size * 3)
    assert json.loads((tmp_path / "limits.json").read_text()) == {"max_bytes": size * 3}
    assert PreviewCache(tmp_path).max_bytes == size * 3  # read by the next one made
    assert PreviewCache(tmp_path, max_bytes=123).max_bytes == 123  # an explicit cap wins
    assert other.max_bytes == DEFAULT_MAX_BYTES
    assert other.prune() == 3  # it reads the stored cap again before pruning
    assert other.max_bytes == size * 3
    assert [h for h in names if cache.has(h, PREVIEW)] == names[3:]
    assert PreviewCache(tmp_path).usage().max_bytes == size * 3
    for wrong in (-1, 1.5, "5GB", True):
        with pytest.raises(ValueError):
            cache.set_max_bytes(wrong)
    (tmp_path / "limits.json").write_text("{damaged")
    assert PreviewCache(tmp_path).max_bytes == DEFAULT_MAX_BYTES


def test_posters_share_the_cache_and_its_cap(tmp_path):
    cache = PreviewCache(tmp_path)
    names = hashes(4)
    size = _aged(cache, names[:2], THUMB)
    store = PosterStore(tmp_path)
    poster = store.save(names[2], picture(source="video-poster"))
    assert poster == cache.path(names[2], POSTER)
    assert cache.load(names[2], POSTER, None).source == "video-poster"
    assert store.load(names[2], None).original_size == (4000, 3000)
    usage = cache.usage()
    assert (usage.thumbs, usage.previews, usage.posters, usage.files) == (2, 0, 1, 3)
    cache.set_max_bytes(poster.stat().st_size + size)
    cache.prune()  # one cap for all: the oldest thumbnail goes before the new poster
    assert not cache.has(names[0], THUMB) and store.load(names[2], None) is not None


def test_usage_and_clear(tmp_path):
    cache = PreviewCache(tmp_path)
    cache.set_max_bytes(10**9)
    for h in hashes(3):
        cache.save(h, THUMB, picture(64, 48))
    cache.save(HASH, PREVIEW, picture())
    cache.save(HASH, POSTER, picture())
    usage = cache.usage()
    assert (usage.files, usage.thumbs, usage.previews, usage.posters) == (5, 3, 1, 1)
    assert usage.bytes == sum(p.stat().st_size for p in tmp_path.rglob("*.jpg"))
    assert usage.max_bytes == 10**9
    # What is not an entry is not the cache's to delete ($LUNA_CACHE_DIR may be anywhere).
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "01" / "holiday.jpg").write_bytes(b"mine too")
    assert cache.clear() == 5
    assert cache.usage() == type(usage)(0, 0, 0, 0, 0, 10**9)
    assert (tmp_path / "notes.txt").exists() and (tmp_path / "01" / "holiday.jpg").exists()
    assert PreviewCache(tmp_path).max_bytes == 10**9  # the cap stays
    assert PreviewCache(tmp_path / "never-made").usage().files == 0


def test_the_old_poster_folder_is_forgotten(tmp_path):
    import platformdirs

    from luna_desktop.media.preview_cache import forget_old_posters

    old = platformdirs.user_cache_path("luna-desktop") / "posters"
    (old / "ab").mkdir(parents=True)
    (old / "ab" / "abababababababab.jpg").write_bytes(b"\xff\xd8old poster")
    kept = platformdirs.user_cache_path("luna-desktop") / "previews"
    kept.mkdir(parents=True)
    forget_old_posters()
    assert not old.exists() and kept.is_dir()


def test_a_prune_aside_keeps_the_cap_without_holding_up_the_save(tmp_path):
    import time

    from luna_desktop.media import preview_cache as module
    from luna_desktop.media.preview_cache import THUMB, PreviewCache
    from luna_desktop.media.render import Rendered

    def picture(seed: int) -> Rendered:
        import numpy as np

        data = np.random.default_rng(seed).integers(0, 255, 64 * 64 * 3, dtype=np.uint8)
        return Rendered(64, 64, "RGB", data.tobytes(), (64, 64))

    cache = PreviewCache(tmp_path, max_bytes=20_000, prune_aside=True)
    for i in range(12):
        cache.save(f"{i:016x}", THUMB, picture(i))
        time.sleep(0.01)  # distinct uses, oldest first
    deadline = time.monotonic() + 10
    busy = lambda: module._pruning.locked() or cache.usage().bytes > 20_000  # noqa: E731
    while busy() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cache.usage().bytes <= 20_000
    assert cache.has(f"{11:016x}", THUMB)  # the newest stays
