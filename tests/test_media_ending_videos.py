"""Bytes after the end of a video are a note; a video cut short is an error.

Containers are written byte by byte (MP4/MOV/3GP boxes, AVI chunks, Matroska elements,
MPEG-TS packets) and read with `read_container`; the corpus videos, with bytes appended
or cut off, go through `read_video` and libvlc as a scan reads them.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from luna_desktop.media import vlc_runtime
from luna_desktop.media.containers import ContainerInfo, read_container
from luna_desktop.media.extract import extract
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.videos import read_video

TRAILER = b"LUNABENCH0000000007"  # what the scan benchmark appends to every file
NOTE = "19 bytes after the end of the video"


def _container(tmp_path: Path, data: bytes, name: str) -> ContainerInfo:
    path = tmp_path / name
    path.write_bytes(data)
    info = read_container(path)
    assert info is not None
    return info


def _ends(info: ContainerInfo) -> tuple[list[str], list[str]]:
    return info.problems, info.notes


# --- MP4, QuickTime, 3GP ------------------------------------------------------------------


def _box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full_box(kind: bytes, *payload: bytes) -> bytes:
    return _box(kind, b"\x00\x00\x00\x00", *payload)  # version 0, no flags


def _moov(chunk_offset: int) -> bytes:
    """A one-second, one-track 320x240 movie whose one chunk of samples is at chunk_offset."""
    matrix = struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    tkhd = (
        struct.pack(">5I", 0, 0, 1, 0, 1000)
        + bytes(16)
        + matrix
        + struct.pack(">II", 320 << 16, 240 << 16)
    )
    entry = _box(b"avc1", bytes(24), struct.pack(">HH", 320, 240), bytes(50))
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", struct.pack(">I", 1), entry),
        _full_box(b"stts", struct.pack(">III", 1, 25, 40)),
        _full_box(b"stco", struct.pack(">II", 1, chunk_offset)),
    )
    mdia = _box(
        b"mdia",
        _full_box(b"mdhd", struct.pack(">4I", 0, 0, 1000, 1000), bytes(4)),
        _full_box(b"hdlr", bytes(4), b"vide", bytes(13)),
        _box(b"minf", stbl),
    )
    mvhd = _full_box(b"mvhd", struct.pack(">4I", 0, 0, 1000, 1000), bytes(80))
    return _box(b"moov", mvhd, _box(b"trak", _full_box(b"tkhd", tkhd), mdia))


def _mp4(brand: bytes, moov_first: bool) -> bytes:
    """A whole file: ftyp, then moov and mdat in either order; the samples are in mdat."""
    ftyp = _box(b"ftyp", brand, b"\x00\x00\x00\x00", brand)
    samples = bytes(range(256)) * 8
    if moov_first:
        moov_length = len(_moov(0))
        return ftyp + _moov(len(ftyp) + moov_length + 8) + _box(b"mdat", samples)
    return ftyp + _box(b"mdat", samples) + _moov(len(ftyp) + 8)


BRANDS = [(b"isom", "clip.mp4"), (b"qt  ", "clip.mov"), (b"3gp4", "clip.3gp")]


@pytest.mark.parametrize(("brand", "name"), BRANDS)
@pytest.mark.parametrize("moov_first", [False, True])
def test_mp4_family_with_bytes_after_the_last_box(tmp_path, brand, name, moov_first):
    whole = _mp4(brand, moov_first)
    info = _container(tmp_path, whole, name)
    assert _ends(info) == ([], [])
    assert (info.width, info.height, info.duration, info.codec) == (320, 240, 1.0, "h264")
    for trailer, note in [
        (TRAILER, NOTE),  # reads as a box header whose size runs far past the end
        (b"\x00" * 300, "300 bytes after the end of the video"),  # a size-0 box of no type
        (b"1234", "4 bytes after the end of the video"),  # too short for a box header
        (b"\x00\x00\x00\x03junkjunk", "12 bytes after the end of the video"),  # size < 8
        # Fits in the file, but its "type" is not four printable characters.
        (b"\x00\x00\x00\x10\x00\xff\x10\x00" + bytes(8), "16 bytes after the end of the video"),
        # A box of a real type cut off after the video: only padding was lost.
        (_box(b"free", bytes(100))[:50], "50 bytes after the end of the video"),
    ]:
        info = _container(tmp_path, whole + trailer, name)
        assert _ends(info) == ([], [note]), trailer
        assert (info.width, info.height, info.duration) == (320, 240, 1.0)


@pytest.mark.parametrize(("brand", "name"), BRANDS)
def test_mp4_family_cut_short(tmp_path, brand, name):
    mdat_last, moov_last = _mp4(brand, moov_first=True), _mp4(brand, moov_first=False)
    mdat_at = mdat_last.index(b"mdat") - 4
    cases = [
        # The media data box is cut, with or without bytes appended after the cut.
        (mdat_last[:-100], "file is truncated: its 'mdat' box ends past the end"),
        (mdat_last[:-100] + TRAILER, "file is truncated: its 'mdat' box ends past the end"),
        (moov_last[:-10], "file is truncated: its 'moov' box ends past the end"),
        # Cut inside mdat's header, or just before it: no box runs past the end, but the
        # sample table points at data that is not there.
        (mdat_last[: mdat_at + 5], "file is truncated: its media data runs past the end"),
        (mdat_last[:mdat_at] + TRAILER, "file is truncated: its media data runs past the end"),
    ]
    for data, problem in cases:
        info = _container(tmp_path, data, name)
        assert _ends(info) == ([problem], []), len(data)


# --- AVI ----------------------------------------------------------------------------------


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    return struct.pack("<4sI", fourcc, len(payload)) + payload + b"\x00" * (len(payload) & 1)


def _riff(form: bytes, *chunks: bytes) -> bytes:
    body = form + b"".join(chunks)
    return struct.pack("<4sI", b"RIFF", len(body)) + body


def _avi(frames: int = 25, extra_part: bool = False) -> bytes:
    # avih: 40 000 µs a frame, `frames` frames, 320x240
    avih = struct.pack("<10I", 40_000, 0, 0, 0, frames, 0, 1, 0, 320, 240) + bytes(16)
    hdrl = _chunk(b"LIST", b"hdrl" + _chunk(b"avih", avih))
    movi = _chunk(b"LIST", b"movi" + _chunk(b"00dc", bytes(301)))  # odd: padded to even
    data = _riff(b"AVI ", hdrl, movi)
    if extra_part:  # OpenDML: the next gigabyte in a RIFF 'AVIX'
        data += _riff(b"AVIX", _chunk(b"LIST", b"movi" + _chunk(b"00dc", bytes(400))))
    return data


@pytest.mark.parametrize("extra_part", [False, True])
def test_avi_with_bytes_after_its_riff(tmp_path, extra_part):
    whole = _avi(extra_part=extra_part)
    info = _container(tmp_path, whole, "clip.avi")
    assert _ends(info) == ([], [])
    assert (info.width, info.height, info.duration) == (320, 240, 1.0)
    info = _container(tmp_path, whole + TRAILER, "clip.avi")
    assert _ends(info) == ([], [NOTE])
    assert (info.width, info.height, info.duration) == (320, 240, 1.0)


@pytest.mark.parametrize("extra_part", [False, True])
def test_avi_cut_short(tmp_path, extra_part):
    data = _avi(extra_part=extra_part)[:-100]
    for tail in (b"", TRAILER):
        info = _container(tmp_path, data + tail, "clip.avi")
        assert _ends(info) == (["file is truncated: its RIFF header says it is longer"], [])
        assert (info.width, info.height) == (320, 240)


# --- Matroska -----------------------------------------------------------------------------


def _element(element_id: int, payload: bytes) -> bytes:
    """An EBML element with an 8-byte size field (any size fits)."""
    ident = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return ident + b"\x01" + len(payload).to_bytes(7, "big") + payload


def _mkv() -> bytes:
    header = _element(0x1A45DFA3, _element(0x4282, b"matroska"))
    info = _element(0x2AD7B1, (1_000_000).to_bytes(3, "big"))  # ns per tick
    info += _element(0x4489, struct.pack(">d", 1000.0))  # 1000 ticks: 1 s
    cluster = _element(0x1F43B675, bytes(500))
    return header + _element(0x18538067, _element(0x1549A966, info) + cluster)


def test_matroska_with_bytes_after_its_segment(tmp_path):
    info = _container(tmp_path, _mkv(), "clip.mkv")
    assert _ends(info) == ([], []) and info.duration == 1.0
    info = _container(tmp_path, _mkv() + TRAILER, "clip.mkv")
    assert _ends(info) == ([], [NOTE]) and info.duration == 1.0


def test_matroska_cut_short(tmp_path):
    for tail in (b"", TRAILER):
        info = _container(tmp_path, _mkv()[:-100] + tail, "clip.mkv")
        assert _ends(info) == (["file is truncated: its Segment ends past the end"], [])
        assert info.duration == 1.0


# --- MPEG-TS and M2TS (AVCHD) ---------------------------------------------------------------


def _stream(packet: int, count: int = 20) -> bytes:
    """`count` null packets (PID 0x1FFF); M2TS puts a 4-byte timestamp before each."""
    ts_packet = b"\x47\x1f\xff\x10" + b"\xff" * 184
    return (b"\x00\x00\x00\x00" * (packet == 192) + ts_packet) * count


@pytest.mark.parametrize(("packet", "name"), [(188, "clip.ts"), (192, "clip.m2ts")])
def test_transport_stream_with_bytes_after_its_last_packet(tmp_path, packet, name):
    whole = _stream(packet)
    assert _ends(_container(tmp_path, whole, name)) == ([], [])
    for trailer in [
        TRAILER,
        b"J" * 20_000,  # longer than the 64 packets looked at first
        # A stray sync byte where the packet after the last would have its own.
        b"J" * (packet + packet - 188) + b"\x47" + b"J" * 50,
    ]:
        note = f"{len(trailer)} bytes after the end of the video"
        assert _ends(_container(tmp_path, whole + trailer, name)) == ([], [note])


@pytest.mark.parametrize(("packet", "name"), [(188, "clip.ts"), (192, "clip.m2ts")])
def test_transport_stream_cut_inside_a_packet(tmp_path, packet, name):
    data = _stream(packet)[:-100]  # the last packet keeps its sync byte, loses its end
    info = _container(tmp_path, data, name)
    assert _ends(info) == ([f"file is truncated: its last {packet}-byte packet is cut short"], [])


def test_m2ts_cut_inside_a_timestamp_loses_no_media(tmp_path):
    # The next packet's 4-byte timestamp began, but none of its media data.
    info = _container(tmp_path, _stream(192) + b"\x00\x00\x00", "clip.m2ts")
    assert _ends(info) == ([], ["3 bytes after the end of the video"])


# --- the corpus, as a scan reads it ---------------------------------------------------------

VIDEOS = [
    "Phone/DCIM/Camera/with-gps.mp4",
    "Phone/DCIM/100APPLE/with-gps.mov",
    "Video/sample.3gp",
    "Video/100_0306.AVI",
    "Video/sample.mkv",
    "Video/Sony ILCE-7M3 (A7M3).mts",
]


def _read(path: Path) -> MediaInfo:
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    info = MediaInfo()
    read_video(os.fspath(path), info)
    return info


@pytest.mark.parametrize("relative", VIDEOS)
def test_corpus_video_with_a_trailer_reads_the_same_with_a_note(corpus, tmp_path, relative):
    source = corpus / relative
    copy = tmp_path / ("copy" + source.suffix)
    copy.write_bytes(source.read_bytes() + TRAILER)
    plain, trailed = _read(source), _read(copy)
    assert (plain.error, plain.notes) == (None, [])
    assert (trailed.error, trailed.notes) == (None, [NOTE])
    trailed.notes = []
    assert trailed == plain  # every value read is the same


def _scan_extract(path: Path) -> MediaInfo:
    data = path.read_bytes()
    with path.open("rb") as fh:
        return extract(fh, str(path), path.name, data[:65536], data[-65536:], len(data))


# What the corpus holds that is odd: its broken files, and its harmless oddities.
CORPUS_ERRORS = {
    "Recovered/FILE0001.JPG": "the file is empty (0 bytes)",
    "Phone/DCIM/Camera/ultrahdr.jpg": (
        "the JPEG is truncated (it stops before its end-of-image marker)"
    ),
}
CORPUS_NOTES = {
    "Digital Camera Archive/HP/HP PhotoSmart 735.jpg": 1,  # one FF after the end marker
    # Recovered from a card: a whole small picture, then what the sectors held next.
    "Recovered/Olympus C2040Z.jpg": 3068,
    "Recovered/Pentax Optio S4i.jpg": 63399,
}


def test_corpus_errors_and_notes_with_and_without_a_trailer(corpus, truth, tmp_path):
    found = {}
    for row in truth:
        relative = row["relative_path"]
        source = corpus / relative
        plain = _scan_extract(source)
        copy = tmp_path / source.name
        copy.write_bytes(source.read_bytes() + TRAILER)
        trailed = _scan_extract(copy)
        found[relative] = (plain.error, plain.notes, trailed.error, trailed.notes)
    expected = {}
    for row in truth:
        relative, mime = row["relative_path"], row["mime"]
        video = mime.startswith("video/") or mime == "application/x-matroska"
        media = "video" if video else "image"
        extra = CORPUS_NOTES.get(relative, 0)
        plain_notes = [f"{extra} byte{'s' * (extra != 1)} after the end of the image"] * bool(extra)
        error = CORPUS_ERRORS.get(relative)
        if relative == "Recovered/FILE0001.JPG":  # 19 bytes of text once something is appended
            expected[relative] = (error, [], None, [])
        elif error:  # a picture cut short stays cut short, whatever follows
            expected[relative] = (error, [], error, [])
        elif video or mime in ("image/jpeg", "image/png"):
            trailed_note = f"{extra + 19} bytes after the end of the {media}"
            expected[relative] = (None, plain_notes, None, [trailed_note])
        else:  # HEIC, TIFF and raw files: their readers do not measure where they end
            expected[relative] = (None, [], None, [])
    wrong = [f"{k}: {found[k]} != {expected[k]}" for k in expected if found[k] != expected[k]]
    assert not wrong, "\n".join(wrong)
