"""read_audio on files made here: ffmpeg writes MP3, M4A, FLAC, Ogg and WAV with tags,
Python's `wave` module writes WAVs of an exact length.

ffmpeg, ffprobe and libvlc are required: these tests fail, never skip, without them.
"""

from __future__ import annotations

import os
import subprocess
import wave
from pathlib import Path

import pytest

from luna_desktop.media import vlc_runtime
from luna_desktop.media.audio import read_audio, read_wav_header
from luna_desktop.media.extract import extract
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.sniff import sniff
from tests.media_tools import ffprobe_duration, tool

SECONDS = 2.5
TAGS = {"artist": "Ärtist Ünïcode", "title": "Tïtle ✓", "album": "Albüm", "genre": "Jazz"}
# Output options per format; MP3 is VBR, as LAME writes it, with its Xing frame count.
FORMATS = {
    "mp3": ("-c:a", "libmp3lame", "-q:a", "2"),
    "m4a": ("-c:a", "aac", "-b:a", "96k"),
    "flac": ("-c:a", "flac"),
    "ogg": ("-c:a", "libvorbis", "-q:a", "3"),
    "wav": ("-c:a", "pcm_s16le"),
}
CODECS = {"mp3": "mp3", "m4a": "mp4a", "flac": "flac", "ogg": "vorb", "wav": "s16l"}


def make_audio(
    out: Path,
    *args: str,
    seconds: float = SECONDS,
    tags: dict[str, str] | None = None,
    source: str = "sine=frequency=440",
) -> Path:
    """An audio file of a tone made by ffmpeg; `args` are the output options, `tags`
    become -metadata (ID3, Vorbis comments, iTunes atoms or RIFF INFO by format)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = [
        arg for key, value in (tags or {}).items() for arg in ("-metadata", f"{key}={value}")
    ]
    subprocess.run(
        [tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"{source}:duration={seconds}", *args, *metadata, os.fspath(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out


def make_wav(out: Path, frames: int, rate: int = 44100, channels: int = 2) -> Path:
    """A 16-bit PCM WAV of exactly `frames` sample frames, by Python's wave module."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(os.fspath(out), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        size = frames * channels * 2
        w.writeframes((bytes(range(256)) * (size // 256 + 1))[:size])
    return out


def _read(path: Path | bytes | str, info: MediaInfo | None = None) -> MediaInfo:
    # Fail, never skip, without libvlc: the reason says what to install.
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    if info is None:
        head = Path(os.fsdecode(path)).read_bytes()[:65536]
        kind, mime = sniff(head, os.path.basename(os.fsdecode(path)))
        info = MediaInfo(kind=kind, mime=mime)
    read_audio(path, info)
    return info


def _extract(path: Path) -> MediaInfo:
    """What a scan does with the file: sniff, then the reader for its kind."""
    data = path.read_bytes()
    with open(path, "rb") as fh:
        return extract(fh, os.fsencode(path), path.name, data[:65536], data[-65536:], len(data))


@pytest.mark.parametrize("ext", list(FORMATS))
def test_duration_codec_and_tags(tmp_path, ext):
    tags = {**TAGS, "date": "2021-05-03", "track": "3/12"}
    path = make_audio(tmp_path / f"tone.{ext}", *FORMATS[ext], tags=tags)
    info = _extract(path)
    assert info.kind == "audio", info.mime
    assert info.error is None and info.notes == [], (info.error, info.notes)
    assert info.duration == pytest.approx(ffprobe_duration(path), abs=0.05)
    assert info.duration == pytest.approx(SECONDS, abs=0.06)
    assert info.codec == CODECS[ext]
    assert info.extractor.startswith("libvlc")
    assert {k: info.extra.get(k) for k in TAGS} == TAGS
    assert info.extra["date"].startswith("2021")
    assert info.extra["track"] == 3
    if ext != "wav":  # RIFF INFO has no track total
        assert info.extra["track_total"] == 12


def test_cbr_mp3_duration_agrees_with_ffprobe(tmp_path):
    # Constant bit rate with LAME's "Info" frame: libvlc estimates from the bit rate.
    path = make_audio(tmp_path / "cbr.mp3", "-c:a", "libmp3lame", "-b:a", "128k", "-ac", "2")
    assert _read(path).duration == pytest.approx(ffprobe_duration(path), abs=0.05)


def test_untagged_file_has_no_tags_and_its_name_is_no_title(tmp_path):
    # libvlc answers the file name when asked for a title the file does not have.
    path = make_audio(tmp_path / "Untagged Song.mp3", *FORMATS["mp3"])
    info = _read(path)
    assert info.error is None and info.duration == pytest.approx(SECONDS, abs=0.06)
    assert info.extra == {}


def test_a_title_from_xmp_is_kept(tmp_path):
    path = make_audio(tmp_path / "t.flac", *FORMATS["flac"], tags=TAGS)
    info = MediaInfo(kind="audio", mime="audio/flac", extra={"title": "Curated in Lightroom"})
    _read(path, info)
    assert info.extra["title"] == "Curated in Lightroom"
    assert info.extra["artist"] == TAGS["artist"]


def test_wav_duration_is_exact_from_its_header(tmp_path):
    frames = 44100 * 3 + 7  # not a whole number of milliseconds
    path = make_wav(tmp_path / "exact.wav", frames)
    info = _read(path)
    assert info.error is None and info.notes == []
    assert info.kind == "audio" and info.mime == "audio/x-wav"
    assert info.duration == frames / 44100
    assert info.duration == pytest.approx(ffprobe_duration(path), abs=0.05)
    assert info.codec == "s16l" and info.extractor == "libvlc+wav"


def test_wav_extensible_24_bit_6_channels(tmp_path):
    # ffmpeg writes WAVE_FORMAT_EXTENSIBLE here, which Python 3.11's wave module refuses.
    path = make_audio(tmp_path / "surround.wav", "-ac", "6", "-c:a", "pcm_s24le", seconds=1.25)
    head = read_wav_header(path)
    assert head is not None and head.duration == pytest.approx(1.25, abs=1e-9)
    assert _read(path).duration == pytest.approx(ffprobe_duration(path), abs=0.05)


def test_truncated_wav_says_so_and_keeps_what_is_there(tmp_path):
    whole = make_wav(tmp_path / "whole.wav", 44100 * 2, rate=44100, channels=1)
    data = whole.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: 44 + 44100 * 2])  # the header and one second of audio
    info = _read(cut)
    assert info.error and "ends early" in info.error and "88,200 of 176,400 bytes" in info.error
    assert info.duration == pytest.approx(1.0)


def test_wav_whose_header_never_got_its_size(tmp_path):
    # A recorder that stopped before it could write the data size leaves 0 (or ~0) there.
    path = make_wav(tmp_path / "unclosed.wav", 8000, rate=8000, channels=1)
    data = bytearray(path.read_bytes())
    assert data[36:40] == b"data"
    data[40:44] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    header = read_wav_header(path)
    assert header is not None and header.duration == pytest.approx(1.0)
    assert header.problem is None and "does not state" in header.note


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x10" + b"\x00" * 16 + b"\x12\x34" * 200, "no audio stream"),
        (b"RIFF\x24\x00\x00\x00WAVEjunk", None),  # a RIFF chunk list that ends at once
    ],
)
def test_broken_files_are_errors_not_exceptions(tmp_path, content, message):
    path = tmp_path / ("broken.wav" if content.startswith(b"RIFF") else "broken.mp3")
    path.write_bytes(content)
    info = _read(path, MediaInfo(kind="audio", mime=sniff(content, path.name)[1]))
    assert info.error, info
    if message:
        assert message in info.error
    assert info.duration is None


def test_paths_that_are_not_files(tmp_path):
    info = _read(tmp_path / "missing.mp3", MediaInfo(kind="audio", mime="audio/mpeg"))
    assert info.error and "cannot read the file" in info.error
    info = _read(tmp_path, MediaInfo(kind="audio", mime="audio/mpeg"))
    assert info.error == "not a regular file"


def test_non_utf8_name(tmp_path):
    path = make_audio(tmp_path / "x.ogg", *FORMATS["ogg"], tags=TAGS)
    raw = os.path.join(os.fsencode(tmp_path), b"t\xe9l\xe9.ogg")
    os.rename(path, raw)
    info = _read(raw, MediaInfo(kind="audio", mime="audio/ogg"))
    assert info.error is None and info.extra["title"] == TAGS["title"]
    assert info.duration == pytest.approx(SECONDS, abs=0.06)
