"""read_video against the corpus truth, and against files that are not what they claim.

These tests need libvlc and fail (never skip) without it, with the install hint.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from luna_desktop.media import videos, vlc_runtime
from luna_desktop.media.containers import iso_date, read_container
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.videos import read_video

REPO = Path(__file__).resolve().parent.parent
MP4 = "Phone/DCIM/Camera/with-gps.mp4"


def _read(path: bytes | str | Path, **kwargs) -> MediaInfo:
    # Fail, never skip, without libvlc: the reason says what to install.
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    info = MediaInfo()
    read_video(os.fspath(path), info, **kwargs)
    return info


def _video_rows(truth: list[dict[str, str]]) -> list[dict[str, str]]:
    rows = [
        row
        for row in truth
        if row["mime"].startswith("video/") or row["mime"] == "application/x-matroska"
    ]
    assert len(rows) >= 7, "the corpus truth lists fewer videos than expected"
    return rows


def _truth_iso(text: str) -> str:
    """exiftool's '2019:04:24 22:24:00+02:00 DST' / '...Z' as read_video writes it."""
    date, time = text.removesuffix(" DST").split(" ")
    if time.endswith("Z"):
        time = time[:-1] + "+00:00"
    return f"{date.replace(':', '-')}T{time}"


def test_every_corpus_video_matches_truth(corpus, truth):
    mismatches = []
    for row in _video_rows(truth):
        path = row["relative_path"]
        info = _read(corpus / path)

        def check(name, ok, got, want, path=path):
            if not ok:
                mismatches.append(f"{path}: {name} {got!r} != truth {want!r}")

        check("error", info.error is None, info.error, None)
        # libvlc is asked only where the container's header leaves something out (this
        # Matroska sample keeps its tracks where the header reader does not look).
        want = "libvlc+mkv" if path == "Video/sample.mkv" else "a container reader"
        ok = info.extractor == want or (want != "libvlc+mkv" and info.extractor in _CONTAINERS)
        check("extractor", ok, info.extractor, want)
        if row["duration_s"]:
            want = float(row["duration_s"])
            got = info.duration
            check("duration", got is not None and abs(got - want) <= 0.1, got, want)
        if row["width"]:
            check("width", info.width == int(row["width"]), info.width, row["width"])
            check("height", info.height == int(row["height"]), info.height, row["height"])
        if row["video_frame_rate"]:
            want = float(row["video_frame_rate"])
            got = info.frame_rate
            check("frame rate", got is not None and abs(got - want) <= 0.05, got, want)
        if row["gps_lat"]:
            want = (float(row["gps_lat"]), float(row["gps_lon"]))
            got = (info.lat, info.lng)
            ok = None not in got and all(abs(g - w) < 1e-4 for g, w in zip(got, want, strict=True))
            check("GPS", ok, got, want)
        if row["datetime_original"]:
            want = row["datetime_original"]
            check("taken_at", info.taken_at == _truth_iso(want), info.taken_at, want)
            check("taken_at_raw", info.taken_at_raw == want, info.taken_at_raw, want)
        if row["make"]:
            check("make", info.camera_make == row["make"], info.camera_make, row["make"])
            check("model", info.camera_model == row["model"], info.camera_model, row["model"])
    assert not mismatches, "\n".join(mismatches)


_CONTAINERS = {"mp4", "avi", "mkv", "m2ts", "mpegps", "mpegv"}


def test_codecs_and_orientation(corpus):
    expected = {
        "Phone/DCIM/100APPLE/with-gps.mov": "h264",
        MP4: "h264",
        "Video/sample.3gp": "mp4v",
        "Video/100_0306.AVI": "mjpg",
        "Video/Sony ILCE-7M3 (A7M3).mts": "h264",
    }
    for path, codec in expected.items():
        assert _read(corpus / path).codec == codec, path
    mov = _read(corpus / "Phone/DCIM/100APPLE/with-gps.mov")
    assert mov.orientation == 6  # exiftool: Composite:Rotation 90
    assert mov.extra["gps_altitude"] == pytest.approx(28.516)
    assert _read(corpus / MP4).orientation is None


def test_quicktime_dates_match_exiftool(corpus):
    """Creation dates the TSV leaves out: Apple's local CreationDate, else mvhd (UTC)."""
    from tests.corpus import truth_json

    tags = {entry["SourceFile"].removeprefix("corpus/"): entry for entry in truth_json()}
    mov = tags["Phone/DCIM/100APPLE/with-gps.mov"]
    info = _read(corpus / "Phone/DCIM/100APPLE/with-gps.mov")
    assert info.taken_at == _truth_iso(mov["QuickTime:CreationDate"])  # local, with offset
    for path in (MP4, "Video/sample.3gp"):
        info = _read(corpus / path)
        assert info.taken_at_raw == tags[path]["QuickTime:CreateDate"]
        assert info.taken_at == _truth_iso(tags[path]["QuickTime:CreateDate"] + "Z")


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.touch()
    info = _read(path)
    assert info.error and "empty" in info.error
    assert info.duration is None and info.width is None


def test_truncated_copies_keep_what_was_read(corpus, truth, tmp_path):
    for row in _video_rows(truth):
        source = corpus / row["relative_path"]
        cut = tmp_path / ("cut" + source.suffix)
        cut.write_bytes(source.read_bytes()[:4096])
        info = _read(cut)
        assert info.error and "truncated" in info.error, (row["relative_path"], info.error)
        assert info.notes == [], row["relative_path"]  # cut short is not a trailer
        if source.suffix.lower() in (".avi", ".mts"):  # their headers fit in 4 KB
            assert (info.width, info.height) == (int(row["width"]), int(row["height"]))


def test_random_bytes_named_mov(tmp_path):
    # Seeded: libvlc's elementary-stream probes find an "H.263 track" or a subtitle
    # in about one buffer of random bytes in a hundred; each must still be an error.
    path = tmp_path / "noise.mov"
    for seed in range(8):
        path.write_bytes(random.Random(seed).randbytes(64 * 1024))
        info = _read(path)
        assert info.error and "no audio or video stream" in info.error, (seed, info.error)
        assert info.duration is None


def test_a_subtitle_track_alone_is_not_a_stream(tmp_path):
    # With this seed libvlc's text demuxer claims the noise as a subtitle track.
    path = tmp_path / "noise.mov"
    path.write_bytes(random.Random(131).randbytes(64 * 1024))
    kinds = [track.kind for track in videos.parse_with_libvlc(os.fsencode(path), 5000).tracks]
    assert kinds == ["text"]
    info = _read(path)
    assert info.error and "no audio or video stream" in info.error
    assert info.duration is None


def test_missing_file_and_directory(tmp_path):
    assert "cannot read" in _read(tmp_path / "gone.mp4").error
    assert "not a regular file" in _read(tmp_path).error


def _copy_named(corpus: Path, tmp_path: Path, name: bytes) -> bytes:
    target = os.path.join(os.fsencode(tmp_path), name)
    try:
        shutil.copyfile(os.fsencode(corpus / MP4), target)
    except OSError as exc:  # e.g. a filesystem that only takes UTF-8 names
        pytest.fail(f"the test folder's filesystem refuses the name {name!r}: {exc}")
    return target


@pytest.fixture
def libvlc_asked(monkeypatch):
    """As for a file whose container leaves something out: libvlc reads it too."""
    monkeypatch.setattr(videos, "states_everything", lambda container: False)


@pytest.mark.parametrize("name", [b"clip_\xff.mp4", "a #b%20?c naïve.mp4".encode()])
def test_awkward_file_names(corpus, tmp_path, name, libvlc_asked):
    target = _copy_named(corpus, tmp_path, name)
    for path in (target, os.fsdecode(target)):  # bytes, and str with surrogate escapes
        info = _read(path)
        assert info.error is None, info.error
        assert info.extractor == "libvlc+mp4"
        assert info.codec == "h264"  # libvlc opened the file itself
        assert (info.width, info.height) == (1920, 1080)
        assert info.duration == pytest.approx(0.171, abs=0.01)


def test_safe_from_many_threads(corpus, truth):
    paths = [corpus / row["relative_path"] for row in _video_rows(truth)]
    expected = [_read(path) for path in paths]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(_read, paths * 10))
    assert results == expected * 10


def test_timeout_keeps_container_values(corpus, monkeypatch, libvlc_asked):
    # Make libvlc's "parsed" notification never arrive: read_video must give up, stop the
    # parse and report a timeout, keeping what the container stated.
    class _Deaf(dict):
        def get(self, key, default=None):
            return None

    monkeypatch.setattr(vlc_runtime, "_waiters", _Deaf())
    monkeypatch.setattr(videos, "_GRACE_S", 0.05)
    info = _read(corpus / MP4, timeout_ms=50)
    assert info.error and "did not finish" in info.error
    assert (info.width, info.height) == (1920, 1080)
    assert info.extractor == "mp4"
    monkeypatch.undo()
    monkeypatch.setattr(videos, "states_everything", lambda container: False)
    info = _read(corpus / MP4)
    assert (info.error, info.extractor) == (None, "libvlc+mp4")  # the instance still works


_WITHOUT_LIBVLC = """
import sys
{setup}
from luna_desktop.media import vlc_runtime
from luna_desktop.media.info import MediaInfo
from luna_desktop.media import videos
from luna_desktop.media.videos import read_video
videos.states_everything = lambda container: False  # a container that leaves things out
info = MediaInfo()
read_video(sys.argv[1], info)
print(vlc_runtime.VLC_AVAILABLE, info.width, info.extractor)
print(vlc_runtime.VLC_UNAVAILABLE_REASON)
print(info.error)
print(" | ".join(info.notes))
"""


@pytest.mark.parametrize(
    ("setup", "env"),
    [
        ("sys.modules['vlc'] = None", {}),  # python-vlc or libvlc not installed
        ("", {"PYTHON_VLC_LIB_PATH": "/nonexistent/libvlc.so.5"}),  # python-vlc sys.exit()s
    ],
)
def test_without_libvlc_imports_and_reports(corpus, setup, env):
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_LIBVLC.format(setup=setup), str(corpus / MP4)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    status, reason, error, note = result.stdout.splitlines()
    assert status == "False 1920 mp4"  # the container's values are still read
    assert "vlc-plugin-base" in reason
    assert error == "None"  # the file is not at fault: a note says what is missing
    assert "libvlc" in note and "vlc-plugin-base" in note and "luna scan --full" in note


def _box(kind: bytes, payload: bytes = b"", large: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_mp4_reader_handles_64_bit_boxes_and_moov_last(tmp_path):
    # mvhd version 1: 64-bit times; 2020-01-02T03:04:05Z is 3_660_779_045 s after 1904
    mvhd = struct.pack(">B3xQQIQ", 1, 3_660_779_045, 0, 1000, 12_345) + bytes(80)
    place = b"-3351.5+15118.25/"  # ISO 6709 in DDMM.M / DDDMM.MM form
    xyz = struct.pack(">HH", len(place), 0x15C7) + place
    data = _box(b"ftyp", b"isom\0\0\0\0isom")
    data += _box(b"mdat", bytes(1000), large=True)
    data += _box(b"moov", _box(b"mvhd", mvhd) + _box(b"udta", _box(b"\xa9xyz", xyz)))
    path = tmp_path / "synthetic.mp4"
    path.write_bytes(data)
    info = read_container(path)
    assert info is not None and info.problems == []
    assert info.duration == pytest.approx(12.345)
    assert info.created == "2020-01-02T03:04:05+00:00"
    assert (info.lat, info.lng) == (pytest.approx(-33.8583333), pytest.approx(151.3041667))
    path.write_bytes(data[:-10])
    assert any("truncated" in p for p in read_container(path).problems)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2019-07-24T11:25:40+0300", "2019-07-24T11:25:40+03:00"),
        ("2017:02:22 08:20:28", "2017-02-22T08:20:28"),
        ("2020-11-13T21:48:23Z", "2020-11-13T21:48:23+00:00"),
        ("2020-08-28", "2020-08-28"),
        ("0000:00:00 00:00:00", None),
        ("yesterday", None),
    ],
)
def test_iso_date(text, iso):
    assert iso_date(text) == iso


def test_plain_188_byte_transport_stream(corpus, tmp_path):
    # The same AVCHD stream without M2TS's 4-byte timestamps: a broadcast-style .ts.
    m2ts = (corpus / "Video/Sony ILCE-7M3 (A7M3).mts").read_bytes()
    ts = b"".join(m2ts[i + 4 : i + 192] for i in range(0, len(m2ts), 192))
    path = tmp_path / "clip.ts"
    path.write_bytes(ts)
    info = _read(path)
    assert info.error is None, info.error
    assert info.extractor == "m2ts"
    assert (info.width, info.height, info.frame_rate) == (1920, 1080, 25.0)
    assert info.taken_at == "2019-04-24T22:24:00+02:00"
    assert info.duration == pytest.approx(0.45, abs=0.1)


def test_libvlc_is_asked_only_for_what_the_container_leaves_out(corpus, monkeypatch):
    asked = []
    real_parse = videos._parse_with_libvlc

    def parse(path, timeout_ms):
        asked.append(path)
        return real_parse(path, timeout_ms)

    monkeypatch.setattr(videos, "_parse_with_libvlc", parse)
    whole = _read(corpus / MP4)
    assert (asked, whole.extractor, whole.extra["audio_codec"]) == ([], "mp4", "mp4a")
    # The same file with a container that does not state its frame rate: libvlc's fills it.
    real_read = videos.read_container

    def without_rate(path):
        container = real_read(path)
        container.frame_rate = None
        return container

    monkeypatch.setattr(videos, "read_container", without_rate)
    helped = _read(corpus / MP4)
    assert len(asked) == 1 and helped.extractor == "libvlc+mp4"
    assert helped.frame_rate == pytest.approx(whole.frame_rate, rel=1e-2)
    for field in ("duration", "width", "height", "codec", "extra"):
        assert getattr(helped, field) == getattr(whole, field), field
