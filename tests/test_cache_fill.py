"""Making cache entries from real files in worker processes, and filling the cache for a
scanned drive: EXIF thumbnails first, orientation, bad files, videos, cancel, the cap.

The video tests need libvlc and ffmpeg and fail (never skip) without them.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image, ImageOps

from luna_desktop.catalog.models import Drive
from luna_desktop.media import vlc_runtime
from luna_desktop.media.cache_entries import CacheRequest, make_entries
from luna_desktop.media.preview_cache import POSTER, PREVIEW, THUMB, PreviewCache
from luna_desktop.scan import cache_fill
from luna_desktop.scan.cache_fill import DONE, FULL, QUICK, fill_cache
from luna_desktop.scan.options import Cancel
from luna_desktop.scan.oshash import oshash_path
from tests import raw_factory
from tests.media_factory import make_jpeg
from tests.media_tools import H264, tool
from tests.scanning import assert_all_gone, row, run_scan

RED, BLUE, GREEN, YELLOW, BLACK = (255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 255, 0), (0, 0, 0)


# --- files made on the fly ----------------------------------------------------------------


def photo(
    path: Path,
    size=(2400, 1600),
    orientation: int | None = None,
    thumbnail: Image.Image | None = None,
    trailer: bytes = b"",
) -> Path:
    """A JPEG, red on its left half and blue on its right as stored, with an EXIF
    orientation and an EXIF thumbnail (written by exiftool) when asked."""
    im = Image.new("RGB", size, BLUE)
    im.paste(RED, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", exif=exif.tobytes(), quality=90)
    if thumbnail is not None:
        thumb = path.with_suffix(".thumb-source.jpg")
        thumbnail.save(thumb, "JPEG", quality=90)
        subprocess.run(
            [tool("exiftool"), "-q", "-overwrite_original", f"-ThumbnailImage<={thumb}", str(path)],
            check=True, timeout=60,
        )  # fmt: skip
        thumb.unlink()
    if trailer:
        with path.open("ab") as fh:
            fh.write(trailer)
    return path


def distinct(i: int) -> bytes:
    """Bytes after the picture that give copies distinct oshashes (whole words: a
    small file's last partial word does not count)."""
    return i.to_bytes(8, "little") * 3


def letterboxed_thumbnail() -> Image.Image:
    """160 × 120 as cameras write for a 3:2 picture: black bars above and below, green
    on the left half and yellow on the right."""
    im = Image.new("RGB", (160, 120), BLACK)
    im.paste(GREEN, (0, 7, 80, 113))
    im.paste(YELLOW, (80, 7, 160, 113))
    return im


def clip(path: Path, seconds: float = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc2=size=320x240:rate=25:duration={seconds}", *H264, str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    return path


def pixels(r) -> np.ndarray:
    return np.frombuffer(r.data, np.uint8).reshape(r.height, r.width, len(r.mode))


def near(pixel, colour, tolerance=50) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def request(path: Path, cache: Path, kind="image", quick=False, mime=None, **more) -> CacheRequest:
    return CacheRequest(
        path=os.fsencode(path),
        oshash=more.pop("oshash", None) or oshash_path(os.fsencode(path)),
        kind=kind,
        mime=mime,
        duration=more.pop("duration", None),
        cache_dir=str(cache),
        quick=quick,
    )


def same_halves(got, reference: Image.Image) -> None:
    """`got` shows the picture the way up `reference` is: its four quarters' colours."""
    ref = np.asarray(reference.convert("RGB"))
    px = pixels(got)
    for fy, fx in ((0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75)):
        want = ref[int(fy * ref.shape[0]), int(fx * ref.shape[1])]
        assert near(px[int(fy * got.height), int(fx * got.width)], want), (fy, fx)


# --- make_entries: images -----------------------------------------------------------------


def test_quick_takes_the_exif_thumbnail_upright_then_full_replaces_it(tmp_path):
    path = photo(tmp_path / "p.jpg", orientation=6, thumbnail=letterboxed_thumbnail())
    req, cache = request(path, tmp_path / "cache", quick=True), PreviewCache(tmp_path / "cache")
    quick = make_entries(req)
    assert (quick.made, quick.error) == ((THUMB,), None)
    thumb = cache.load(req.oshash, THUMB, None)
    assert thumb.source == "exif-thumbnail" and thumb.original_size == (1600, 2400)
    # Turned as the photo is (the stored left half is the top), cropped to its shape:
    # no black bars (160 × 107 of the 160 × 120 thumbnail, on its side).
    assert (thumb.width, thumb.height) == (107, 160)
    px = pixels(thumb)
    assert near(px[2, 50], GREEN) and near(px[-3, 50], YELLOW)
    assert quick.added_bytes == cache.path(req.oshash, THUMB).stat().st_size

    full = make_entries(request(path, tmp_path / "cache"))
    assert (sorted(full.made), full.error) == ([PREVIEW, THUMB], None)
    upright = ImageOps.exif_transpose(Image.open(path))
    preview = cache.load(req.oshash, PREVIEW, None)
    assert (preview.width, preview.height, preview.original_size) == (1067, 1600, (1600, 2400))
    same_halves(preview, upright)
    thumb = cache.load(req.oshash, THUMB, None)  # the quick one is replaced
    assert (thumb.width, thumb.height, thumb.source) == (171, 256, "image")
    assert thumb.original_size == (1600, 2400)
    same_halves(thumb, upright)
    assert near(pixels(thumb)[5, 85], RED)
    # Nothing left to make: nothing is made.
    assert make_entries(request(path, tmp_path / "cache")).made == ()
    assert make_entries(req).made == ()


def test_without_an_exif_thumbnail_quick_decodes_a_reduced_picture(tmp_path):
    path = photo(tmp_path / "p.jpg", size=(1200, 900), orientation=8)
    req = request(path, tmp_path / "cache", quick=True)
    assert make_entries(req).made == (THUMB,)
    thumb = PreviewCache(tmp_path / "cache").load(req.oshash, THUMB, None)
    assert (thumb.width, thumb.height, thumb.source) == (192, 256, "image")
    same_halves(thumb, ImageOps.exif_transpose(Image.open(path)))


def test_a_raw_file_gives_its_embedded_preview(tmp_path):
    path = tmp_path / "P1000001.RW2"
    path.write_bytes(raw_factory.rw2(raw_factory.Shot(), jpg_from_raw=raw_factory.Shot(),
                                     jpg_size=(600, 400)))  # fmt: skip
    cache = PreviewCache(tmp_path / "cache")
    req = request(path, tmp_path / "cache", quick=True)
    assert make_entries(req).made == (THUMB,)
    thumb = cache.load(req.oshash, THUMB, None)
    assert (thumb.width, thumb.height, thumb.source) == (256, 171, "raw-embedded-preview")
    full = make_entries(request(path, tmp_path / "cache"))  # that thumbnail is kept
    assert (full.made, full.error) == ((PREVIEW,), None)
    assert cache.load(req.oshash, PREVIEW, None).width == 600  # never enlarged


def test_a_missing_thumbnail_is_made_from_the_cached_preview(tmp_path):
    path = photo(tmp_path / "p.jpg", size=(1000, 800))
    req, cache = request(path, tmp_path / "cache"), PreviewCache(tmp_path / "cache")
    assert sorted(make_entries(req).made) == [PREVIEW, THUMB]
    cache.path(req.oshash, THUMB).unlink()
    path.unlink()  # the drive is gone: the preview in the cache is enough
    again = make_entries(req)
    assert (again.made, again.error) == ((THUMB,), None)
    assert cache.load(req.oshash, THUMB, None).original_size == (1000, 800)


def test_bad_files_give_an_error_and_no_entry(tmp_path):
    good = photo(tmp_path / "good.jpg", size=(600, 400)).read_bytes()
    files = {
        "empty": b"",
        "header-only": good[:300],
        "garbage": os.urandom(5000),
        "text": b"not a picture\n" * 100,
    }
    cache_dir = tmp_path / "cache"
    for quick in (True, False):
        for name, data in files.items():
            path = tmp_path / f"{name}.jpg"
            path.write_bytes(data)
            result = make_entries(request(path, cache_dir, quick=quick, oshash="00" * 8))
            assert result.made == () and result.error, (name, quick)
        gone = make_entries(request(tmp_path / "gone.jpg", cache_dir, oshash="11" * 8))
        assert "not there" in gone.error
        folder = make_entries(request(tmp_path, cache_dir, quick=quick, oshash="22" * 8))
        assert folder.made == () and folder.error
    sound = make_entries(request(tmp_path / "good.jpg", cache_dir, kind="audio", oshash="33" * 8))
    assert sound.made == () and "audio" in sound.error
    wrong = make_entries(request(tmp_path / "good.jpg", cache_dir, oshash="not-a-hash"))
    assert wrong.made == () and "oshash" in wrong.error
    assert PreviewCache(cache_dir).usage().files == 0


def test_a_file_cut_short_in_its_picture_keeps_what_there_is(tmp_path):
    data = photo(tmp_path / "whole.jpg", size=(800, 600)).read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) * 2 // 3])
    result = make_entries(request(path, tmp_path / "cache"))
    assert sorted(result.made) == [PREVIEW, THUMB] and result.error is None


# --- make_entries: videos -----------------------------------------------------------------


def test_a_video_gets_its_poster_and_a_thumbnail_from_it(tmp_path):
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    path = clip(tmp_path / "clip.mp4")
    cache = PreviewCache(tmp_path / "cache")
    req = request(path, tmp_path / "cache", kind="video", quick=True, mime="video/mp4")
    result = make_entries(req)
    assert (result.made, result.error) == ((POSTER, THUMB), None)
    poster = cache.load(req.oshash, POSTER, None)
    assert (poster.width, poster.height, poster.original_size) == (320, 240, (320, 240))
    assert float(pixels(poster).std()) > 20  # a test pattern, not a blank
    thumb = cache.load(req.oshash, THUMB, None)
    assert (thumb.width, thumb.height, thumb.original_size) == (256, 192, (320, 240))
    assert make_entries(request(path, tmp_path / "cache", kind="video")).made == ()
    fake = tmp_path / "notes.mp4"
    fake.write_text("Notes from the trip, not a video.\n" * 300)
    bad = make_entries(request(fake, tmp_path / "cache", kind="video", mime="video/mp4"))
    assert bad.made == () and bad.error


# --- fill_cache on a scanned drive --------------------------------------------------------


@pytest.fixture
def drive(tmp_path) -> Path:
    root = tmp_path / "drive"
    photo(root / "Trip" / "a.jpg", orientation=6, thumbnail=letterboxed_thumbnail())
    photo(root / "Trip" / "b.jpg", size=(1800, 1200))
    make_jpeg(root / "Trip" / "day 2" / "c.jpg", size=(640, 480))
    shutil.copy(root / "Trip" / "b.jpg", root / "Trip" / "day 2" / "b copy.jpg")  # same oshash
    clip(root / "Video" / "clip.mp4")
    (root / "Trip" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(3000))
    (root / "Trip" / "empty.jpg").write_bytes(b"")
    (root / "notes.txt").write_text("field notes\n")
    return root


def _listing(root: Path) -> list[tuple]:
    return sorted(
        (str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
    )


def _read_only(root: Path) -> None:
    for p in [root, *root.rglob("*")]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _writable(root: Path) -> None:
    for p in [root, *root.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)


def _fill(drive_id, cache, **options) -> list:
    return list(fill_cache(drive_id, cache, options.pop("cancel", None), 2, **options))


def test_fill_makes_thumbnails_previews_and_posters_and_only_reads(catalog, drive, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    run_scan(drive)
    monkeypatch.setattr(cache_fill, "_CHUNK", 2)  # read the catalogue over several chunks
    cache = PreviewCache(tmp_path / "cache")
    before = _listing(drive)
    _read_only(drive)  # a drive mounted read-only is filled all the same
    try:
        progress = _fill(Drive.get().id, cache)
    finally:
        _writable(drive)
    assert _listing(drive) == before  # nothing was written to the drive

    last = progress[-1]
    assert last.finished and last.phase == DONE and not last.cancelled
    phases = [p.phase for p in progress]
    assert phases.index(FULL) > phases.index(QUICK) and FULL not in phases[: phases.index(QUICK)]
    quick_end = [p for p in progress if p.phase == QUICK][-1]
    assert quick_end.done == quick_end.total == 6  # four photos (one a copy), a video, broken
    full_end = [p for p in progress if p.phase == FULL][-1]
    assert full_end.done == full_end.total == 6
    images = [row("Trip", "a.jpg"), row("Trip", "b.jpg"), row("Trip/day 2", "c.jpg")]
    for r in images:
        assert cache.has(r.oshash, THUMB) and cache.has(r.oshash, PREVIEW), r.filename
    video = row("Video", "clip.mp4")
    assert cache.has(video.oshash, POSTER) and cache.has(video.oshash, THUMB)
    assert cache.load(images[0].oshash, THUMB, None).source == "image"  # full replaced quick
    assert last.failed == 2  # broken.jpg, in each pass
    assert [p for p, _ in last.problems] == ["TestDrive:Trip/broken.jpg"] * 2
    usage = cache.usage()
    assert (usage.thumbs, usage.previews, usage.posters) == (4, 3, 1)
    # quick: 3 thumbnails, the poster and its thumbnail; full: 3 previews, and the
    # thumbnail that came from EXIF made again (the others were decoded already)
    assert last.made == 5 + 4
    assert last.added_bytes == usage.bytes

    again = _fill(None, cache)[-1]  # every mounted drive; nothing is missing now
    assert again.finished and again.made == 0 and again.failed == 2


def test_quick_only_makes_thumbnails(catalog, drive, tmp_path):
    run_scan(drive)
    cache = PreviewCache(tmp_path / "cache")
    last = _fill(None, cache, quick_only=True)[-1]
    assert last.finished and FULL not in {p.phase for p in _fill(None, cache, quick_only=True)}
    usage = cache.usage()
    assert (usage.thumbs, usage.previews, usage.posters) == (4, 0, 1)
    assert cache.load(row("Trip", "a.jpg").oshash, THUMB, None).source == "exif-thumbnail"


def test_fill_can_be_cancelled_and_leaves_no_worker_behind(catalog, tmp_path, monkeypatch):
    # A snapshot after every file (not every 0.2 s), so the cancel lands after the
    # first file made however fast the machine makes the rest.
    monkeypatch.setattr(cache_fill, "_REPORT_EVERY", 0.001)
    root = tmp_path / "many"
    for i in range(24):
        photo(root / f"{i:02}.jpg", size=(1600, 1200), trailer=distinct(i))
    run_scan(root)
    cache, cancel = PreviewCache(tmp_path / "cache"), Cancel()
    me = psutil.Process()
    workers: set[psutil.Process] = set()
    progress = []
    for p in fill_cache(None, cache, cancel, 2):
        progress.append(p)
        workers |= {c for c in me.children(recursive=True) if c.ppid() != me.pid}
        if p.made:
            cancel.set()  # once something was made: the rest is left
    last = progress[-1]
    assert last.finished and last.cancelled and FULL not in {p.phase for p in progress}
    assert workers  # the fill ran in worker processes, and they are gone now
    # (A stopped fill does not wait for a file being made: it may land just after.)
    assert_all_gone(list(workers))
    thumbs = cache.usage().thumbs
    assert 0 < thumbs < 24 and cache.usage().previews == 0
    # The next fill carries on where this one stopped (a thumbnail decoded from the
    # picture, rather than taken from EXIF, is kept).
    assert _fill(None, cache)[-1].made == (24 - thumbs) + 24
    assert cache.usage().thumbs == cache.usage().previews == 24


def test_a_cancel_before_any_file_makes_nothing(catalog, drive, tmp_path):
    run_scan(drive)
    cache, cancel = PreviewCache(tmp_path / "cache"), Cancel()
    cancel.set()
    last = _fill(None, cache, cancel=cancel)[-1]
    assert last.finished and last.cancelled and last.made == 0
    assert cache.usage().files == 0


def test_a_drive_that_is_not_connected_is_skipped(catalog, drive, tmp_path):
    run_scan(drive)
    drive.rename(tmp_path / "unplugged")
    cache = PreviewCache(tmp_path / "cache")
    for drive_id in (None, Drive.get().id):
        progress = _fill(drive_id, cache)
        assert progress[-1].finished and progress[-1].made == 0
        messages = [p.message for p in progress if p.message]
        assert len(messages) == 1 and "TestDrive is not connected" in messages[0]
        assert str(drive.resolve()) in messages[0]
    assert cache.usage().files == 0
    with pytest.raises(ValueError):
        _fill(12345, cache)


def test_a_file_changed_since_the_scan_is_not_cached_under_its_old_key(catalog, drive, tmp_path):
    run_scan(drive)
    old = row("Trip", "b.jpg").oshash
    photo(drive / "Trip" / "b.jpg", size=(1800, 1200), orientation=3)  # other bytes
    cache = PreviewCache(tmp_path / "cache")
    last = _fill(None, cache, quick_only=True)[-1]
    assert not cache.has(old, THUMB)
    assert any("changed since the drive was scanned" in e for _, e in last.problems)
    assert cache.has(row("Trip/day 2", "b copy.jpg").oshash, THUMB) is False  # same old key


def test_the_fill_respects_the_cap(catalog, tmp_path):
    root = tmp_path / "big"
    for i in range(12):
        photo(root / f"{i:02}.jpg", size=(2400, 1600), trailer=distinct(i))
    run_scan(root)
    probe = PreviewCache(tmp_path / "probe")
    assert make_entries(request(root / "00.jpg", tmp_path / "probe")).made
    per_file = probe.usage().bytes
    cache = PreviewCache(tmp_path / "cache")
    cache.set_max_bytes(per_file * 4)  # room for about four files of the twelve
    progress = _fill(None, cache)
    last = progress[-1]
    assert last.finished and last.cap_reached and "reached its cap" in last.message
    usage = cache.usage()
    assert usage.bytes <= per_file * 4
    assert 0 < usage.previews < 12


def test_a_drive_unplugged_during_the_fill_stops_its_fill(catalog, drive, tmp_path):
    run_scan(drive)
    cache = PreviewCache(tmp_path / "cache")
    progress = []
    for p in fill_cache(None, cache, None, 1):
        progress.append(p)
        if p.phase == FULL and drive.exists():
            drive.rename(tmp_path / "unplugged")  # before the full pass reads a file
    last = progress[-1]
    assert last.finished and not last.cancelled
    messages = [p.message for p in progress if p.message]
    assert messages == [
        "TestDrive went away (unplugged or unmounted): its cache is filled once it is back"
    ]
    full = [p for p in progress if p.phase == FULL]
    assert full[-1].done < full[-1].total  # it stopped at the first file it could not read
    assert cache.usage().thumbs == 4 and cache.usage().previews == 0  # the quick pass is kept


def test_a_fill_of_some_files_touches_only_them(catalog, tmp_path):
    # A watched drive's arrivals are cached, not the whole drive again.
    root = tmp_path / "Drive"
    for i in range(4):
        make_jpeg(root / f"IMG_{i}.jpg", size=(300 + i, 200), color=(50 * i, 80, 120))
    run_scan(root, drive="Drive")
    cache = PreviewCache(tmp_path / "cache")
    chosen = [row("", "IMG_1.jpg"), row("", "IMG_3.jpg")]
    drive_id = Drive.get().id
    *_, last = fill_cache(drive_id, cache, workers=1, file_ids={r.id for r in chosen})
    assert last.finished
    cached = {
        r.filename
        for r in map(row, [""] * 4, [f"IMG_{i}.jpg" for i in range(4)])
        if cache.has(r.oshash, THUMB) and cache.has(r.oshash, PREVIEW)
    }
    assert cached == {"IMG_1.jpg", "IMG_3.jpg"}
    assert not cache.has(row("", "IMG_0.jpg").oshash, THUMB)
