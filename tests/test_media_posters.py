"""Poster frames through real libvlc, from ffmpeg-made clips and the corpus, and their store.

These tests need libvlc and ffmpeg and fail (never skip) without them.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from luna_desktop.media import posters, vlc_runtime
from luna_desktop.media.posters import PosterStore, default_poster_dir, grab_poster, poster_preview
from luna_desktop.media.render import PreviewError, Rendered
from tests.corpus import truth_json
from tests.media_tools import H264, tool

RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture(autouse=True)
def _libvlc(request):
    if {"clips", "corpus"} & set(request.fixturenames):  # the store's tests need no libvlc
        assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON


def _ffmpeg(out: Path, *args: str) -> Path:
    subprocess.run(
        [tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y", *args, os.fspath(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    # 10 s: red for 0.5 s, then blue. One keyframe only, so a poster at 1 s can only be
    # blue if libvlc decodes from the start and shows nothing before the target.
    red_blue = _ffmpeg(
        d / "red_blue.mp4",
        "-f", "lavfi", "-i", "color=red:size=320x240:rate=25:duration=0.5",
        "-f", "lavfi", "-i", "color=blue:size=320x240:rate=25:duration=9.5",
        "-filter_complex", "[0][1]concat=n=2:v=1", *H264, "-g", "250",
    )  # fmt: skip
    # The top-left quarter red, the rest blue: which way up it is shows.
    quarter = _ffmpeg(
        d / "quarter.mp4",
        "-f", "lavfi", "-i", "color=blue:size=320x240:rate=25:duration=2",
        "-vf", "drawbox=x=0:y=0:w=160:h=120:color=red:t=fill", *H264,
    )  # fmt: skip
    big = _ffmpeg(
        d / "big.mp4",
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=6", *H264,
    )  # fmt: skip
    made = {"red_blue": red_blue, "quarter": quarter, "big": big}
    for turn in (90, 270):  # ffmpeg 5 writes a display matrix from the old rotate tag
        made[f"turned{turn}"] = _ffmpeg(
            d / f"turned{turn}.mp4", "-i", str(quarter), "-c", "copy",
            "-metadata:s:v", f"rotate={turn}",
        )  # fmt: skip
    made["anamorphic"] = _ffmpeg(  # stored 320x180, pixels twice as wide as tall
        d / "anamorphic.mp4",
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2",
        "-vf", "setsar=2/1", *H264,
    )  # fmt: skip
    made["tiny"] = _ffmpeg(  # 0.17 s, like the corpus's phone clip: five frames
        d / "tiny.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=0.17", *H264
    )  # fmt: skip
    made["fade"] = _ffmpeg(  # white for 1.5 s of 4, then a picture: 10 % in shows nothing
        d / "fade.mp4",
        "-f", "lavfi", "-i", "color=white:size=320x240:rate=25:duration=1.5",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2.5",
        "-filter_complex", "[0][1]concat=n=2:v=1", *H264,
    )  # fmt: skip
    return made


def _pixels(r: Rendered) -> np.ndarray:
    assert r.mode == "RGB" and len(r.data) == r.width * r.height * 3  # packed, no padding
    return np.frombuffer(r.data, np.uint8).reshape(r.height, r.width, 3)


def _near(pixel, colour, tolerance=40) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def _ffmpeg_frame(path: Path, out: Path) -> np.ndarray:
    """ffmpeg's first frame, turned upright as ffmpeg turns it (the reference)."""
    _ffmpeg(out, "-i", str(path), "-frames:v", "1")
    return np.asarray(Image.open(out).convert("RGB"))


# --- grab_poster -------------------------------------------------------------------


def test_poster_is_the_frame_ten_percent_in(clips):
    r = grab_poster(clips["red_blue"])
    assert (r.width, r.height, r.original_size, r.source) == (320, 240, (320, 240), "video-poster")
    assert _near(_pixels(r)[120, 160], BLUE)
    # the fraction is honoured, and a duration from the catalogue is used as given
    assert _near(_pixels(grab_poster(clips["red_blue"], fraction=0.0))[120, 160], RED)
    assert _near(_pixels(grab_poster(clips["red_blue"], duration_s=2.0))[120, 160], RED)


def test_poster_is_scaled_to_fit_keeping_its_shape(clips):
    r = grab_poster(clips["big"], max_size=(160, 160))
    assert (r.width, r.height, r.original_size) == (160, 90, (640, 360))
    assert float(_pixels(r).std()) > 20  # a test pattern, not a blank
    wide = grab_poster(clips["anamorphic"])  # the pixel aspect ratio is applied
    assert (wide.width, wide.height, wide.original_size) == (640, 180, (640, 180))


@pytest.mark.parametrize("turn", [90, 270])
def test_rotated_clip_comes_out_upright(clips, tmp_path, turn):
    r = grab_poster(clips[f"turned{turn}"])
    assert (r.width, r.height, r.original_size) == (240, 320, (240, 320))
    reference = _ffmpeg_frame(clips[f"turned{turn}"], tmp_path / "reference.png")
    assert reference.shape == (320, 240, 3)
    got = _pixels(r)
    for y, x in ((20, 20), (20, 220), (300, 20), (300, 220)):  # the four corners
        assert _near(got[y, x], reference[y, x]), (y, x, got[y, x], reference[y, x])


def test_a_flat_frame_gives_way_to_a_later_one(clips):
    r = grab_poster(clips["fade"])
    assert float(_pixels(r).std()) > 20


def test_tiny_clip_and_a_duration_past_the_end(clips):
    for r in (grab_poster(clips["tiny"]), grab_poster(clips["tiny"], duration_s=100.0)):
        assert (r.width, r.height) == (320, 240)
        assert float(_pixels(r).std()) > 20


def test_corpus_videos(corpus, truth):
    rotation = {
        e["SourceFile"].removeprefix("corpus/"): e.get("Composite:Rotation", 0)
        for e in truth_json()
    }
    rows = [r for r in truth if r["mime"].startswith("video/") or "matroska" in r["mime"]]
    assert len(rows) >= 7
    for row in rows:
        path = corpus / row["relative_path"]
        if not row["width"]:  # sample.mkv: damaged, no stream exiftool can read
            with pytest.raises(PreviewError):
                grab_poster(path)
            continue
        r = grab_poster(path)
        width, height = int(row["width"]), int(row["height"])
        if rotation.get(row["relative_path"]) in (90, 270):
            width, height = height, width
        assert r.original_size == (width, height), row["relative_path"]
        assert r.width <= 1280 and r.height <= 720
        assert abs(r.width / r.height - width / height) < 0.02, row["relative_path"]
        assert float(_pixels(r).std()) > 10, f"{row['relative_path']}: a blank poster"


def test_the_rotated_corpus_clip_is_portrait(corpus):
    r = grab_poster(corpus / "Phone/DCIM/100APPLE/with-gps.mov")
    assert r.height > r.width


def _broken_files(clips, d: Path) -> dict[str, Path]:
    rng = random.Random(7)
    data = clips["big"].read_bytes()  # ffmpeg writes the index (moov) at the end
    files = {
        "empty": d / "zero.mp4",
        "cut-short": d / "cut.mp4",
        "not-a-video": d / "notes.mp4",
        "random-bytes": d / "noise.mp4",
        "damaged-header": d / "header.mp4",
    }
    files["empty"].write_bytes(b"")
    files["cut-short"].write_bytes(data[: len(data) // 2])
    files["not-a-video"].write_text("Notes from the trip, not a video.\n" * 300)
    files["random-bytes"].write_bytes(rng.randbytes(200_000))
    files["damaged-header"].write_bytes(rng.randbytes(len(data) - 20_000) + data[-20_000:])
    return files


def test_broken_files_raise_a_preview_error(clips, tmp_path):
    for name, path in _broken_files(clips, tmp_path).items():
        with pytest.raises(PreviewError) as caught:
            grab_poster(path, timeout_s=5.0)
        assert caught.value.kind == ("empty" if name == "empty" else "unreadable"), name
        assert caught.value.message, name
    with pytest.raises(PreviewError) as caught:
        grab_poster(tmp_path / "gone.mp4")
    assert caught.value.kind == "not-found"
    with pytest.raises(PreviewError) as caught:
        grab_poster(tmp_path)
    assert caught.value.kind == "unsupported"


def test_without_libvlc_the_error_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "clip.mp4").write_bytes(b"\0" * 1000)
    monkeypatch.setattr(vlc_runtime, "VLC_AVAILABLE", False)
    monkeypatch.setattr(
        vlc_runtime,
        "VLC_UNAVAILABLE_REASON",
        f"libvlc could not be loaded; {vlc_runtime.INSTALL_HINT}",
    )
    with pytest.raises(PreviewError) as caught:
        grab_poster(tmp_path / "clip.mp4")
    assert caught.value.kind == "no-vlc"
    assert "VLC" in caught.value.message and "apt install libvlc5" in caught.value.message


def _counts() -> tuple[int, int]:
    return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))


def test_no_threads_or_files_left_open_after_many_grabs(clips, tmp_path):
    bad = _broken_files(clips, tmp_path)
    paths = [clips["red_blue"], bad["cut-short"], clips["turned90"], bad["not-a-video"]]

    def grab(path):
        with contextlib.suppress(PreviewError):
            grab_poster(path)

    for path in paths:  # libvlc's own threads and plugin cache start with the first
        grab(path)
    before = _counts()
    for i in range(30):
        grab(paths[i % len(paths)])
    settle = time.monotonic() + 5  # libvlc's preparser thread lingers a moment when idle
    while (after := _counts()) > before and time.monotonic() < settle:
        time.sleep(0.1)
    assert after[0] <= before[0] and after[1] <= before[1], (before, after)


# --- PosterStore ---------------------------------------------------------------------

HASH = "0123456789abcdef"


def _picture(width=400, height=300, original=(1920, 1080)) -> Rendered:
    im = Image.new("RGB", (width, height), BLUE)
    im.paste(RED, (0, 0, width // 2, height // 2))
    return Rendered(width, height, "RGB", im.tobytes(), original, "video-poster")


def test_store_round_trip(tmp_path):
    store = PosterStore(tmp_path)
    path = store.save(HASH, _picture())
    assert path == tmp_path / "01" / f"{HASH}.poster.jpg"  # in the preview cache
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    full = store.load(HASH, None)
    assert (full.width, full.height, full.original_size) == (400, 300, (1920, 1080))
    small = store.load(HASH, (100, 100))
    assert (small.width, small.height, small.original_size) == (100, 75, (1920, 1080))
    assert _near(_pixels(small)[10, 10], RED) and _near(_pixels(small)[60, 90], BLUE)
    assert store.load("fedcba9876543210", (100, 100)) is None
    for wrong in ("0123", "0123456789ABCDEF", "../../etc/passwd", "0123456789abcdeg"):
        with pytest.raises(ValueError):
            store.path(wrong)


def test_save_is_atomic(tmp_path, monkeypatch):
    store = PosterStore(tmp_path)
    store.save(HASH, _picture(original=(640, 480)))

    def crash(*_args):
        raise OSError("the disk is full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.save(HASH, _picture(original=(1920, 1080)))
    monkeypatch.undo()
    assert sorted(p.name for p in (tmp_path / "01").iterdir()) == [f"{HASH}.poster.jpg"]
    assert store.load(HASH, None).original_size == (640, 480)  # the old poster, whole


def test_corrupt_poster_is_deleted_and_missing(tmp_path):
    store = PosterStore(tmp_path)
    path = store.save(HASH, _picture())
    whole = path.read_bytes()
    for damaged in (b"", b"not a jpeg at all", whole[: len(whole) // 3]):
        path.write_bytes(damaged)
        assert store.load(HASH, (100, 100)) is None
        assert not path.exists()


def test_prune_deletes_the_least_recently_used(tmp_path):
    store = PosterStore(tmp_path)
    hashes = [f"{i:02x}" + "0" * 14 for i in range(6)]
    now = time.time()
    for age, h in enumerate(hashes):
        path = store.save(h, _picture())
        os.utime(path, (now - 1000 + age, now - 1000 + age))  # hashes[0] the oldest
    store.load(hashes[0], (50, 50))  # used just now: it stays
    stale = tmp_path / "00" / ".crashed.tmp"
    stale.write_bytes(b"half a poster")
    os.utime(stale, (now - 7200, now - 7200))
    fresh = tmp_path / "00" / ".writing.tmp"
    fresh.write_bytes(b"being written")
    size = store.path(hashes[0]).stat().st_size
    removed = store.prune(max_bytes=int(size * 3.5))
    left = {h for h in hashes if store.path(h).exists()}
    assert left == {hashes[0], hashes[4], hashes[5]}, left
    assert removed == 4 and not stale.exists() and fresh.exists()
    assert store.prune(max_bytes=0) == 3  # every poster, but not a file being written now
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [fresh.name]


def test_save_prunes_by_itself(tmp_path):
    size = len(PosterStore(tmp_path / "probe").save(HASH, _picture()).read_bytes())
    store = PosterStore(tmp_path / "posters", max_bytes=size * 3)
    for i in range(3):
        store.save(f"{i:02x}" + "1" * 14, _picture())
    store2 = PosterStore(tmp_path / "posters", max_bytes=size * 3)  # a new process
    store2.save("ff" + "1" * 14, _picture())
    files = list((tmp_path / "posters").rglob("*.jpg"))
    assert sum(f.stat().st_size for f in files) <= size * 3


# --- poster_preview ------------------------------------------------------------------


def test_poster_preview_grabs_once_then_serves_the_store(clips, tmp_path, monkeypatch):
    store = tmp_path / "posters"
    first = poster_preview(clips["big"], HASH, (320, 320), store)
    assert (first.width, first.height, first.original_size) == (320, 180, (640, 360))
    assert (store / "01" / f"{HASH}.poster.jpg").is_file()

    def no_vlc(*_args, **_kwargs):
        raise AssertionError("the stored poster should have been used")

    monkeypatch.setattr(posters, "grab_poster", no_vlc)
    again = poster_preview(None, HASH, (160, 160), store)  # the drive is not mounted
    assert (again.width, again.height, again.original_size) == (160, 90, (640, 360))
    assert abs(float(_pixels(again).mean()) - float(_pixels(first).mean())) < 10


def test_poster_preview_without_drive_or_poster(tmp_path):
    with pytest.raises(PreviewError) as caught:
        poster_preview(None, HASH, (320, 320), tmp_path)
    assert caught.value.kind == "not-mounted"
    assert "connect the drive" in caught.value.message
    with pytest.raises(PreviewError) as caught:
        poster_preview(None, None, (320, 320), tmp_path)
    assert caught.value.kind == "not-mounted"


def test_poster_preview_without_oshash_stores_nothing(clips, tmp_path):
    r = poster_preview(clips["red_blue"], None, (160, 160), tmp_path / "posters")
    assert (r.width, r.height) == (160, 120) and _near(_pixels(r)[60, 80], BLUE)
    assert not (tmp_path / "posters").exists()


def test_default_poster_dir_is_the_preview_cache(monkeypatch):
    from luna_desktop.catalog.database import APP_NAME

    monkeypatch.delenv("LUNA_CACHE_DIR", raising=False)
    cache = Path(os.environ["XDG_CACHE_HOME"])
    assert default_poster_dir() == cache / APP_NAME / "previews"
