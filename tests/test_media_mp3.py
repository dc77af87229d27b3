"""mp3_frames on MPEG audio files ffmpeg makes, checked against ffprobe, ffmpeg's frame
count and ffmpeg's decoded length; and read_audio's MP3 duration, which it now gives.

ffmpeg, ffprobe and libvlc are required: these tests fail, never skip, without them.
"""

from __future__ import annotations

import os
import random
import struct
import subprocess
from pathlib import Path

import pytest

from luna_desktop.media import vlc_runtime
from luna_desktop.media.audio import read_audio
from luna_desktop.media.extract import extract
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.mp3_frames import (
    id3v2_length,
    mp3_info_from_bytes,
    parse_frame_header,
    read_mp3,
)
from tests.media_tools import ffprobe_duration, tone, tool

SECONDS = 7.3  # not a whole number of frames

# name: (output options, MPEG version, channels, the tag read: "info" is LAME's CBR
# Xing frame, "xing" its VBR one, "cbr" no tag: bytes over bit rate). Together they put
# the Xing tag after all four side-information lengths (MPEG-1 and MPEG-2, mono or not).
_ID3 = ("-id3v2_version", "3", "-write_id3v1", "1", "-metadata", "artist=Ärtist")
CASES = {
    "mpeg1_mono_cbr": ((), "1", 1, "info"),  # ffmpeg's default: 64 kbit/s
    "mpeg1_stereo_cbr": (("-ac", "2", "-b:a", "128k"), "1", 2, "info"),
    "mpeg1_mono_vbr": (("-q:a", "4"), "1", 1, "xing"),
    "mpeg1_stereo_vbr": (("-ac", "2", "-q:a", "4"), "1", 2, "xing"),
    "mpeg2_stereo_22khz": (("-ac", "2", "-ar", "22050"), "2", 2, "info"),
    "mpeg2_mono_22khz_vbr": (("-ar", "22050", "-q:a", "4"), "2", 1, "xing"),
    "mpeg25_mono_8khz": (("-ar", "8000"), "2.5", 1, "info"),
    "no_xing_stereo_cbr": (("-ac", "2", "-b:a", "128k", "-write_xing", "0"), "1", 2, "cbr"),
    "no_xing_mpeg25_8khz": (("-ar", "8000", "-write_xing", "0"), "2.5", 1, "cbr"),
    "id3v23_and_id3v1_vbr": (("-q:a", "4", *_ID3), "1", 1, "xing"),
    "id3v23_and_id3v1_no_xing": (("-b:a", "96k", "-write_xing", "0", *_ID3), "1", 1, "cbr"),
}


def _ffprobe_packets(path: Path) -> int:
    """The audio frames ffmpeg reads (a Xing or VBRI tag's frame is not one)."""
    out = subprocess.run(
        [tool("ffprobe"), "-v", "error", "-count_packets", "-select_streams", "a:0",
         "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", os.fspath(path)],
        capture_output=True, check=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    return int(out.strip().rstrip(","))


def _decoded_samples(path: Path) -> int:
    """Samples a channel ffmpeg's decoder outputs (after LAME's delay and padding go)."""
    pcm = subprocess.run(
        [tool("ffmpeg"), "-v", "error", "-i", os.fspath(path), "-ac", "1", "-f", "s16le", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return len(pcm) // 2


def _mp3(tmp_path: Path, name: str, *args: str, seconds: float = SECONDS) -> Path:
    return tone(tmp_path / name, seconds, *args)


@pytest.mark.parametrize("case", list(CASES))
def test_duration_agrees_with_ffprobe(tmp_path, case):
    args, version, channels, source = CASES[case]
    path = _mp3(tmp_path, f"{case}.mp3", *args)
    mp3 = read_mp3(path)
    assert mp3 is not None
    assert (mp3.source, mp3.header.version, mp3.header.layer) == (source, version, 3)
    assert mp3.header.channels == channels
    assert mp3.duration == pytest.approx(ffprobe_duration(path), abs=0.05)
    assert mp3.duration == pytest.approx(SECONDS, abs=0.2)  # ffprobe is not alone in it
    if source == "cbr":
        # Bytes over bit rate: the frames ffmpeg reads, whatever tags are around them.
        assert mp3.frames is None and mp3.gapless_duration == mp3.duration
        exact = _ffprobe_packets(path) * mp3.header.samples_per_frame / mp3.header.sample_rate
        assert mp3.duration == pytest.approx(exact, abs=0.001)
    else:
        # The tag's count is the frames ffmpeg reads; LAME's delay and padding are the
        # samples its decoder drops.
        assert mp3.frames == _ffprobe_packets(path)
        rate = mp3.header.sample_rate
        assert mp3.gapless_duration * rate == pytest.approx(_decoded_samples(path), abs=0.5)


def test_layer_ii(tmp_path):
    path = _mp3(tmp_path, "tone.mp2", "-c:a", "mp2", "-b:a", "192k")
    mp3 = read_mp3(path)
    assert mp3 is not None and (mp3.header.layer, mp3.source) == (2, "cbr")
    assert mp3.header.samples_per_frame == 1152
    assert mp3.duration == pytest.approx(ffprobe_duration(path), abs=0.05)


def test_frame_header_fields():
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, padded, joint stereo, no CRC: 418 bytes.
    header = parse_frame_header(b"\xff\xfb\x92\x64")
    assert header is not None
    assert (header.version, header.layer, header.bitrate, header.sample_rate) == (
        "1", 3, 128_000, 44100,
    )  # fmt: skip
    assert header.padding and not header.protected
    assert (header.channel_mode, header.channels, header.frame_length) == ("joint stereo", 2, 418)
    # MPEG-2.5 Layer III, 8 kbit/s, 8 kHz, mono, CRC: 72 bytes of 576 samples.
    header = parse_frame_header(b"\xff\xe2\x18\xc0")
    assert header is not None
    assert (header.version, header.bitrate, header.sample_rate) == ("2.5", 8000, 8000)
    assert (header.channel_mode, header.protected, header.frame_length) == ("mono", True, 72)
    assert header.samples_per_frame == 576
    # MPEG-1 Layer I, 448 kbit/s, 32 kHz: (12 × 448000 / 32000) × 4 bytes of 384 samples.
    header = parse_frame_header(b"\xff\xff\xe8\x00")
    assert header is not None and header.layer == 1
    assert (header.frame_length, header.samples_per_frame) == (672, 384)
    for bad in (b"\xff\xfb\x02\x00", b"\xff\xfb\xf0\x00", b"\xff\xfb\x9c\x00", b"\xff\xf9\x90",
                b"\xff\xe9\x90\x00", b"\xfe\xfb\x90\x00", b""):  # fmt: skip
        # free format, bit rate 15, sample rate 3, too short, reserved layer and version
        assert parse_frame_header(bad) is None, bad


def _id3v2_size(data: bytes) -> int:
    size = 0
    for byte in data[6:10]:
        size = size << 7 | byte
    return 10 + size


def test_id3v2_footer_and_junk_before_the_first_frame(tmp_path):
    path = _mp3(tmp_path, "plain.mp3", "-q:a", "4", "-metadata", "title=T")
    data = path.read_bytes()
    tag = _id3v2_size(data)
    plain = read_mp3(path)
    assert plain is not None and plain.offset == tag and plain.source == "xing"

    # ID3v2.4 with the footer flag: ten more bytes ("3DI…") before the audio.
    assert data[3] == 4
    header = bytearray(data[:10])
    header[5] |= 0x10
    footed = tmp_path / "footer.mp3"
    footed.write_bytes(bytes(header) + data[10:tag] + b"3DI" + bytes(header[3:]) + data[tag:])
    assert (id3v2_length(data), id3v2_length(bytes(header))) == (tag, tag + 10)
    header[3] = 3  # ID3v2.3 has no footer: the flag means nothing there
    assert id3v2_length(bytes(header)) == tag
    mp3 = read_mp3(footed)
    assert mp3 is not None and mp3.offset == tag + 10
    assert mp3.duration == plain.duration
    assert mp3.duration == pytest.approx(ffprobe_duration(footed), abs=0.05)

    # Junk holding frame headers nothing follows, as a bad tag editor leaves.
    junk = (b"\xff\xfb\x90\x64" + bytes(60)) * 20 + b"\xff\xff\xff"
    junked = tmp_path / "junk.mp3"
    junked.write_bytes(data[:tag] + junk + data[tag:])
    mp3 = read_mp3(junked)
    assert mp3 is not None and mp3.offset == tag + len(junk) and mp3.source == "xing"
    # ffmpeg itself loses the Xing frame here; the audio is the plain file's.
    assert mp3.duration == pytest.approx(ffprobe_duration(path), abs=0.05)

    # Junk beyond the bounded search: no frame is looked for that far.
    far = tmp_path / "far.mp3"
    far.write_bytes(data[:tag] + bytes(40_000) + data[tag:])
    assert read_mp3(far) is None


def _ape_tag(items: dict[bytes, bytes]) -> bytes:
    body = b"".join(
        struct.pack("<II", len(value), 0) + key + b"\x00" + value for key, value in items.items()
    )

    def header(flags: int) -> bytes:
        fields = struct.pack("<IIII", 2000, len(body) + 32, len(items), flags)
        return b"APETAGEX" + fields + bytes(8)

    return header(0xA0000000) + body + header(0x80000000)


def test_ape_and_id3v1_trailers_are_not_audio(tmp_path):
    path = _mp3(tmp_path, "cbr.mp3", "-ac", "2", "-b:a", "128k", "-write_xing", "0")
    data = path.read_bytes()
    mp3 = read_mp3(path)
    assert mp3 is not None and mp3.source == "cbr"
    exact = _ffprobe_packets(path) * 1152 / 44100
    assert mp3.duration == pytest.approx(exact, abs=0.001)
    id3v1 = b"TAG" + b"Title".ljust(125, b"\x00")
    ape = _ape_tag({b"Artist": b"Somebody", b"Album": b"Something"})
    for trailer in (id3v1, ape, ape + id3v1):
        tagged = tmp_path / "tagged.mp3"
        tagged.write_bytes(data + trailer)
        mp3 = read_mp3(tagged)
        assert mp3 is not None
        # ffprobe counts the trailer in, 8 ms a 128-byte tag: the exact count is the test.
        assert mp3.duration == pytest.approx(exact, abs=0.001), trailer[:8]
        assert mp3.duration == pytest.approx(ffprobe_duration(tagged), abs=0.05)


def test_vbri_tag(tmp_path):
    # ffmpeg writes no VBRI tag (Fraunhofer's encoder does): put one in the first frame
    # of a file without a Xing tag, counting the frames after it, and ask ffprobe.
    path = _mp3(tmp_path, "plain.mp3", "-ac", "2", "-b:a", "128k", "-write_xing", "0")
    data = path.read_bytes()
    tag = _id3v2_size(data)
    first = parse_frame_header(data, tag)
    assert first is not None and first.frame_length == 417  # unpadded
    frames = _ffprobe_packets(path) - 1
    vbri = b"VBRI" + struct.pack(">HHHII", 1, 1105, 75, len(data) - tag, frames)
    vbri += struct.pack(">HHHH", 0, 1, 2, 1)  # an empty seek table
    frame = bytearray(data[tag : tag + 417])
    frame[36 : 36 + len(vbri)] = vbri
    tagged = tmp_path / "vbri.mp3"
    tagged.write_bytes(data[:tag] + bytes(frame) + data[tag + 417 :])
    assert _ffprobe_packets(tagged) == frames  # ffmpeg read the tag
    mp3 = read_mp3(tagged)
    assert mp3 is not None and (mp3.source, mp3.frames) == ("vbri", frames)
    assert mp3.duration == pytest.approx(frames * 1152 / 44100)
    assert mp3.duration == pytest.approx(ffprobe_duration(tagged), abs=0.05)


def test_vbr_without_a_tag_has_no_exact_duration(tmp_path):
    path = _mp3(tmp_path, "vbr.mp3", "-q:a", "4", "-write_xing", "0")
    assert read_mp3(path) is None  # libvlc's estimate stays (test_read_audio_… below)


def test_bad_input_gives_none_and_never_raises(tmp_path):
    path = _mp3(tmp_path, "good.mp3", "-q:a", "4", "-write_id3v1", "1")
    data = path.read_bytes()
    tag = _id3v2_size(data)
    rng = random.Random(1)
    bad = {
        "empty": b"",
        "garbage": bytes(rng.randrange(256) for _ in range(100_000)),
        "text": b"not an mp3 at all\n" * 1000,
        "id3 only": data[:tag],
        "id3 then junk": b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(16) + b"\x12\x34" * 200,
        "id3 larger than the file": b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + data[10:4000],
    }
    for name, content in bad.items():
        p = tmp_path / "bad.mp3"
        p.write_bytes(content)
        assert read_mp3(p) is None, name
    # Cut after the Xing frame, or half-way: the tag counts frames not there.
    for cut in (tag + 600, len(data) // 2):
        p.write_bytes(data[:cut])
        mp3 = read_mp3(p)
        assert mp3 is not None and mp3.cut_short, cut
    assert read_mp3(tmp_path / "missing.mp3") is None
    assert read_mp3(tmp_path) is None  # a directory
    assert read_mp3(b"bad\x00path") is None

    # Cut anywhere in the first frames, or any byte changed: None or a result, never an
    # exception.
    head, tail = data[tag : tag + 65536], data[-160:]
    for cut in range(0, 3000, 7):
        mp3_info_from_bytes(head[:cut], tag, tail, tag + cut)
    for _ in range(3000):
        mutated = bytearray(head[:2000])
        for _ in range(rng.randrange(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        mp3_info_from_bytes(bytes(mutated), tag, tail, len(data))
        mp3_info_from_bytes(bytes(mutated), tag, bytes(mutated[-160:]), rng.randrange(3000))


def _extract(path: Path) -> MediaInfo:
    """What a scan does with the file: sniff, then the reader for its kind."""
    data = path.read_bytes()
    with open(path, "rb") as fh:
        return extract(fh, os.fsencode(path), path.name, data[:65536], data[-65536:], len(data))


def test_extract_gives_the_tagged_duration_not_libvlc_estimate(tmp_path):
    # libvlc (and exiftool) say 34.4 s: the bit rate of LAME's Info frame, not the audio's.
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    path = _mp3(tmp_path, "thirty.mp3", "-metadata", "artist=Somebody", seconds=30)
    info = _extract(path)
    assert (info.kind, info.mime) == ("audio", "audio/mpeg")
    assert info.error is None and info.notes == [], (info.error, info.notes)
    assert info.duration == pytest.approx(30, abs=0.05)
    assert info.duration == pytest.approx(ffprobe_duration(path), abs=0.05)
    assert info.codec == "mp3" and info.extractor == "libvlc+mp3"
    assert info.extra["artist"] == "Somebody"  # libvlc still reads the tags


def test_read_audio_keeps_libvlc_where_the_header_cannot_tell(tmp_path):
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    path = _mp3(tmp_path, "vbr.mp3", "-q:a", "4", "-write_xing", "0")
    info = MediaInfo(kind="audio", mime="audio/mpeg")
    read_audio(path, info)
    assert info.extractor == "libvlc" and info.codec == "mp3"
    assert info.duration is not None and info.duration > 0


def test_read_audio_8khz_mpeg25(tmp_path):
    # libvlc says 10.1 s for this 30 s file.
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    path = _mp3(tmp_path, "low.mp3", "-ar", "8000", seconds=30)
    info = MediaInfo(kind="audio", mime="audio/mpeg")
    read_audio(os.fsencode(path), info)
    assert info.duration == pytest.approx(ffprobe_duration(path), abs=0.05)
    assert info.extractor == "libvlc+mp3"


# A file cut short (a copy that stopped, a download cut off): the tag states more bytes
# and frames than the file holds. The duration stays the tag's, the length the recording
# was meant to have, and the error says the file ends early.
CUT_CASES = {"vbr": ("-q:a", "4"), "cbr": ("-ac", "2", "-b:a", "128k")}
ENDS_EARLY = "the file ends early (truncated or corrupt): "


@pytest.mark.parametrize("fraction", [1 / 3, 0.9])
@pytest.mark.parametrize("case", list(CUT_CASES))
def test_truncated_mp3_keeps_its_tag_duration_and_says_it_ends_early(tmp_path, case, fraction):
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    whole = _mp3(tmp_path, f"{case}.mp3", *CUT_CASES[case])
    intact = read_mp3(whole)
    assert intact is not None and intact.source == {"vbr": "xing", "cbr": "info"}[case]
    assert not intact.cut_short
    info = _extract(whole)
    assert info.error is None and info.notes == [], (info.error, info.notes)
    assert info.duration == pytest.approx(ffprobe_duration(whole), abs=0.05)

    data = whole.read_bytes()
    cut = tmp_path / f"{case}_cut.mp3"
    cut.write_bytes(data[: int(len(data) * fraction)])
    mp3 = read_mp3(cut)
    assert mp3 is not None and mp3.cut_short
    assert (mp3.duration, mp3.frames, mp3.source) == (intact.duration, intact.frames, intact.source)
    stream = len(data) - intact.offset
    assert (mp3.stated_bytes, mp3.stream_bytes) == (stream, int(len(data) * fraction) - mp3.offset)

    info = _extract(cut)
    assert info.duration == intact.duration  # the whole recording's, not what is left
    assert info.extractor == "libvlc+mp3" and info.codec == "mp3"
    held = f"{mp3.stream_bytes:,} of {stream:,} bytes of audio"
    tag = {"vbr": "Xing", "cbr": "Info"}[case]
    assert info.error == f"{ENDS_EARLY}{held}; the duration is its {tag} tag's"

    # read_audio on its own says the same.
    alone = MediaInfo(kind="audio", mime="audio/mpeg")
    read_audio(os.fsencode(cut), alone)
    assert (alone.duration, alone.error) == (info.duration, info.error)


def test_truncated_mp3_whose_tag_states_no_size(tmp_path):
    # A Xing tag with a frame count but a zero size: too few bytes for the frames it
    # counts, even at the lowest bit rate, tells the cut.
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    path = _mp3(tmp_path, "vbr.mp3", "-q:a", "4")
    data = bytearray(path.read_bytes())
    intact = read_mp3(path)
    assert intact is not None and intact.source == "xing" and intact.frames
    xing = data.index(b"Xing", intact.offset)
    assert int.from_bytes(data[xing + 4 : xing + 8], "big") & 3 == 3  # frames and bytes
    data[xing + 12 : xing + 16] = bytes(4)  # the bytes field, after the frame count
    unsized = tmp_path / "unsized.mp3"
    unsized.write_bytes(data)
    mp3 = read_mp3(unsized)
    assert mp3 is not None and not mp3.cut_short and mp3.stated_bytes == 0
    assert _extract(unsized).error is None

    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 3])
    mp3 = read_mp3(cut)
    assert mp3 is not None and mp3.cut_short and mp3.duration == intact.duration
    info = _extract(cut)
    assert info.duration == intact.duration
    held = f"{mp3.stream_bytes:,} bytes of audio, too few for {intact.frames:,} frames"
    assert info.error == f"{ENDS_EARLY}{held}; the duration is its Xing tag's"
