"""MPEG transport streams (188- and 192-byte packets) and program streams (.mpg, .vob)
made by ffmpeg: duration, size, frame rate and type against exiftool, or ffprobe where
exiftool has no value (a variable-bitrate program stream's duration); clocks that wrap
or jump, and files cut short or followed by other bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from luna_desktop.media import mpegps, mpegts
from luna_desktop.media.containers import ContainerInfo, read_container
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.sniff import sniff
from tests.media_tools import H264, exiftool, ffmpeg, ffprobe_duration, read

MPEG_FILES = [
    ("mpeg2.ts", ("-c:v", "mpeg2video", "-c:a", "mp2")),  # 188-byte packets
    ("h264.ts", (*H264, "-c:a", "aac")),
    ("mpeg2.mts", ("-c:v", "mpeg2video", "-c:a", "ac3", "-mpegts_m2ts_mode", "1",
                   "-f", "mpegts")),  # 192-byte packets
    ("mpeg1.mpg", ("-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg")),
    ("mpeg2.mpg", ("-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpeg")),
    ("dvd.vob", ("-c:v", "mpeg2video", "-c:a", "ac3", "-f", "vob")),
    ("h264.mpg", (*H264, "-c:a", "mp2", "-f", "mpeg")),
    ("ntsc.mpg", ("-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpeg", "-r", "30000/1001")),
]  # fmt: skip


def assert_mpeg_matches(info: MediaInfo | ContainerInfo, path: Path, tags: dict) -> None:
    """TS: exiftool's duration (first to last PCR) exactly; program streams: ffprobe's
    (exiftool gives none for variable bitrate), within half a frame.
    Size and frame rate: exiftool's, where it reads them (not from H.264 in a program
    stream)."""
    if path.suffix in (".ts", ".mts"):
        assert info.duration == pytest.approx(tags["Duration"], abs=1e-3)
    else:
        assert info.duration == pytest.approx(ffprobe_duration(path), abs=0.02)
    if "ImageWidth" in tags:
        assert (info.width, info.height) == (tags["ImageWidth"], tags["ImageHeight"])
    if "FrameRate" in tags:
        assert info.frame_rate == pytest.approx(tags["FrameRate"], abs=1e-3)


@pytest.mark.parametrize(("name", "args"), MPEG_FILES)
def test_mpeg_streams_against_exiftool(tmp_path, name, args):
    path = ffmpeg(tmp_path / name, *args, size="352x288", seconds=3)
    tags = exiftool(path)
    info = read(path)
    assert (info.error, info.notes) == (None, []), (info.error, info.notes)
    assert_mpeg_matches(info, path, tags)
    assert (info.width, info.height) == (352, 288)  # exiftool sees no size in H.264 in PS
    assert info.frame_rate == pytest.approx(30000 / 1001 if "ntsc" in name else 25, abs=1e-3)
    assert info.codec == ("h264" if "h264" in name else "mpgv")
    assert sniff(path.read_bytes()[:65536], name)[1] == tags["MIMEType"]


@pytest.mark.parametrize("name", ["wrap.ts", "wrap.mpg"])
def test_mpeg_clock_wrapping_inside_the_file(tmp_path, name):
    # 2**33 ticks of 90 kHz is 95443.7 s: starting at 95442 s the clocks wrap a second in
    path = ffmpeg(tmp_path / name, "-c:v", "mpeg2video", "-output_ts_offset", "95442",
                  seconds=3)  # fmt: skip
    info = read(path)
    assert (info.error, info.notes) == (None, [])
    assert_mpeg_matches(info, path, exiftool(path))
    assert info.duration == pytest.approx(3, abs=0.1)


def read_little(monkeypatch) -> None:
    """Read the ends of MPEG streams as of a long, high-bitrate recording: a few KB at
    the start (widened to find the video's header) and at the end, apart."""
    for module, name, size in [
        (mpegps, "HEAD_WINDOW", 16), (mpegps, "MAX_HEAD", 16384), (mpegps, "TAIL_WINDOW", 8192),
        (mpegts, "CLOCK_WINDOW", 8192), (mpegts, "TAIL_WINDOW", 4096),
    ]:  # fmt: skip
        monkeypatch.setattr(module, name, size)


@pytest.mark.parametrize("name", ["joined.ts", "joined.mpg"])
def test_mpeg_files_joined_end_to_end(tmp_path, name):
    # Both halves start at the same clock: first-to-last says one half, which is what
    # exiftool and ffprobe report; the bitrate says two.
    half = ffmpeg(tmp_path / ("half" + Path(name).suffix), "-c:v", "mpeg2video", seconds=3)
    single = read(half).duration
    path = tmp_path / name
    path.write_bytes(half.read_bytes() * 2)
    info = read(path)
    assert info.error is None
    assert any("timestamps jump" in note for note in info.notes), info.notes
    assert info.duration == pytest.approx(2 * single, rel=0.25)


@pytest.mark.parametrize("small_windows", [False, True])
@pytest.mark.parametrize("later", [5000, -5000])
@pytest.mark.parametrize("name", ["joined.ts", "joined.mpg"])
def test_mpeg_files_joined_with_clocks_far_apart(tmp_path, monkeypatch, name, later, small_windows):
    # Recordings of different times joined: first to last is hours (or, backwards, a
    # wrap of 26.5 h). Even a rate measured over a few readings shows it is not.
    suffix = Path(name).suffix
    one = ffmpeg(tmp_path / ("one" + suffix), "-c:v", "mpeg2video", "-output_ts_offset",
                 "10000", seconds=3)  # fmt: skip
    two = ffmpeg(tmp_path / ("two" + suffix), "-c:v", "mpeg2video", "-output_ts_offset",
                 str(10_000 + later), seconds=2)  # fmt: skip
    path = tmp_path / name
    path.write_bytes(one.read_bytes() + two.read_bytes())
    if small_windows:
        read_little(monkeypatch)
    info = read(path)
    assert info.error is None
    assert any("timestamps jump" in note for note in info.notes), info.notes
    assert info.duration == pytest.approx(read(one).duration + read(two).duration, rel=0.35)


@pytest.mark.parametrize("small_windows", [False, True])
@pytest.mark.parametrize("suffix", [".ts", ".mts", ".mpg"])
def test_mpeg_cut_short_or_with_a_trailer(tmp_path, monkeypatch, suffix, small_windows):
    if small_windows:
        read_little(monkeypatch)
    m2ts = ("-mpegts_m2ts_mode", "1", "-f", "mpegts") if suffix == ".mts" else ()
    args = ("-c:v", "mpeg2video", *m2ts)
    whole = ffmpeg(tmp_path / ("whole" + suffix), *args, seconds=3).read_bytes()
    packet = {".ts": 188, ".mts": 192, ".mpg": 2048}[suffix]
    cut = tmp_path / ("cut" + suffix)
    cut.write_bytes(whole[: len(whole) * 2 // 3 // packet * packet + 100])  # inside a packet
    info = read(cut)
    assert info.error and "truncated" in info.error, info.error
    assert 1 < info.duration < 2.6  # what was read up to the cut
    assert_mpeg_matches(read_container(cut), cut, exiftool(cut))  # not only libvlc's
    on_boundary = tmp_path / ("boundary" + suffix)
    on_boundary.write_bytes(whole[: len(whole) * 2 // 3 // packet * packet])
    info = read(on_boundary)
    assert (info.error, info.notes) == (None, [])  # a stream may end at any packet
    assert_mpeg_matches(info, on_boundary, exiftool(on_boundary))
    trailed = tmp_path / ("trailed" + suffix)
    trailed.write_bytes(whole + b"LUNABENCH0000000007")
    info = read(trailed)
    assert (info.error, info.notes) == (None, ["19 bytes after the end of the video"])
    assert_mpeg_matches(info, trailed, exiftool(trailed))


def test_bare_mpeg_video_stream(tmp_path):
    path = ffmpeg(tmp_path / "clip.m2v", "-c:v", "mpeg2video", "-f", "mpeg2video", size="352x288")
    tags = exiftool(path)
    info = read(path)
    assert info.error is None, info.error  # no timestamps: an unknown duration is no fault
    assert (info.width, info.height) == (tags["ImageWidth"], tags["ImageHeight"])
    assert info.frame_rate == tags["FrameRate"]
