"""Audio metadata: duration, codec and tags (artist, title, album…) from libvlc.

libvlc's preparser reads the tags of every format VLC plays (ID3 in MP3, Vorbis comments
in FLAC and Ogg, iTunes atoms in M4A, RIFF INFO in WAV) through its taglib module, with
the same parse a video gets (`videos.parse_with_libvlc`). A WAV's duration is also
counted exactly from its header (the audio data's size over the size of one sample
frame), which tells a WAV cut short as well, and needs no libvlc. An MPEG audio file's
(MP3's) comes from its first frame (`mp3_frames`): the frame count in its Xing, Info or
VBRI tag, or its size over its constant bit rate, where libvlc would estimate from the
first frame's bit rate, which LAME's tag frame does not share. An MP3 shorter than its
tag says keeps the tag's duration, with an error that the file ends early.

The tags go into `info.extra`: "artist", "title", "album", "album_artist", "date" (as
the file writes it: a release year or a day), "genre", "track" and "track_total"
(numbers where the tag is one). A title already in extra (from XMP, which
`media.descriptive` puts there) is kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from luna_desktop.media.container_info import codec_name
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.mp3_frames import Mp3Info, read_mp3
from luna_desktop.media.videos import fit_for_libvlc

# libvlc's meta names (vlc.Meta) and the extra keys their values go to.
TAGS = (
    ("Artist", "artist"),
    ("Title", "title"),
    ("Album", "album"),
    ("AlbumArtist", "album_artist"),
    ("Date", "date"),
    ("Genre", "genre"),
    ("TrackNumber", "track"),
    ("TrackTotal", "track_total"),
)
_NUMBERS = ("track", "track_total")


def read_audio(path: bytes | str, info: MediaInfo, timeout_ms: int = 5000) -> None:
    """Fill the duration, codec and tags of an audio file into info.

    Never raises: an unreadable, empty, truncated or corrupt file or a timeout adds a
    message with `info.add_error` and keeps whatever could be read. A missing libvlc is
    a note (the file is not at fault) that says what was not read and how to install
    it. Safe to call from several threads at once. `path` may be bytes that are not
    UTF-8.
    """
    try:
        _read_audio(path, info, max(1, int(timeout_ms)))
    except Exception as exc:  # a scan must survive any one file
        info.add_error(f"audio metadata could not be read ({type(exc).__name__}: {exc})")


def _read_audio(path: bytes | str, info: MediaInfo, timeout_ms: int) -> None:
    if not fit_for_libvlc(path, info):
        return

    readers = []
    if info.mime == "audio/x-wav":
        try:
            wav = read_wav_header(path)
        except OSError as exc:
            info.add_error(f"cannot read the file ({exc.strerror or exc})")
            return
        if wav is not None:
            readers.append("wav")
            info.duration = wav.duration
            if wav.problem:
                info.add_error(wav.problem)
            if wav.note:
                info.add_note(wav.note)
    elif info.mime == "audio/mpeg":
        mp3 = read_mp3(path)  # None (never an exception) for a file it cannot tell
        if mp3 is not None:
            readers.append("mp3")
            # A file cut short keeps the duration its tag states, not libvlc's (which
            # counts what is left, or guesses from the tag frame's bit rate): the
            # catalogue shows the length the recording was meant to have, and the error
            # says the file does not hold it all.
            info.duration = mp3.duration
            if mp3.cut_short:
                info.add_error(_mp3_cut_short(mp3))

    # Imported here: loading libvlc costs every worker's start.
    from luna_desktop.media import videos
    from luna_desktop.media.vlc_runtime import VlcUnavailableError, unavailable_note

    try:
        parsed = videos.parse_with_libvlc(path, timeout_ms, meta=[name for name, _ in TAGS])
    except videos.ParseError as exc:
        info.extractor = "+".join(readers)
        info.add_error(str(exc))
        return
    except VlcUnavailableError as exc:
        info.extractor = "+".join(readers)
        unread = "tags (artist, title, album…)"
        if info.duration is None:
            unread = "duration and " + unread
        info.add_note(unavailable_note(unread, exc))
        return
    info.extractor = "+".join(["libvlc", *readers])

    audio = next((t for t in parsed.tracks if t.kind == "audio"), None)
    codec = codec_name(audio.codec) if audio else None
    if codec:
        info.codec = codec  # the file's one stream (a video keeps its audio's in extra)
    if info.duration is None and parsed.duration_ms:
        info.duration = parsed.duration_ms / 1000
    if audio is None:
        info.add_error("no audio stream found (not audio, or corrupt)")
    elif info.duration is None:
        info.add_error("duration unknown (truncated or corrupt file?)")
    _apply_tags(info, parsed.meta)


def _mp3_cut_short(mp3: Mp3Info) -> str:
    """The error for an MP3 shorter than its Xing, Info or VBRI tag says it is."""
    if mp3.stated_bytes > mp3.stream_bytes:
        held = f"{mp3.stream_bytes:,} of {mp3.stated_bytes:,} bytes of audio"
    else:  # no size stated (or a wrong one): too few bytes for the frames it counts
        held = f"{mp3.stream_bytes:,} bytes of audio, too few for {mp3.frames:,} frames"
    tag = {"xing": "Xing", "info": "Info", "vbri": "VBRI"}.get(mp3.source, mp3.source)
    return f"the file ends early (truncated or corrupt): {held}; the duration is its {tag} tag's"


def _apply_tags(info: MediaInfo, meta: dict[str, str]) -> None:
    for name, key in TAGS:
        value: str | int | None = meta.get(name)
        if not value:
            continue
        if key in _NUMBERS and value.isdigit():
            value = int(value)
        # A title from XMP (descriptive metadata) stays: it is the one a curator edited.
        info.extra.setdefault(key, value)


@dataclass(frozen=True)
class WavHeader:
    """What a WAV's RIFF header says: the duration of the audio it holds, a problem
    (the file was cut short) and a note (the header does not state the data's size)."""

    duration: float | None
    problem: str | None = None
    note: str | None = None


# Formats whose every sample frame is `block_align` bytes: PCM, IEEE float, A-law,
# mu-law, and WAVE_FORMAT_EXTENSIBLE (which holds PCM or float in practice). For the
# compressed ones (ADPCM, MP3 in WAV…) libvlc's duration is used.
_FRAMED_FORMATS = {0x0001, 0x0003, 0x0006, 0x0007, 0xFFFE}
_MAX_CHUNKS = 1000  # before the data chunk; real files have a handful
_UNSTATED = (0, 0xFFFFFFFF)  # data sizes a recorder writes before it knows the size


def read_wav_header(path: bytes | str) -> WavHeader | None:
    """The duration of a RIFF/WAVE file from its header; None if it is not one or the
    header does not say (a compressed format, no "fmt " chunk). Raises OSError only."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        fmt: tuple[int, int, int] | None = None  # format tag, sample rate, block align
        pos = 12
        for _ in range(_MAX_CHUNKS):
            fh.seek(pos)
            chunk = fh.read(8)
            if len(chunk) < 8:
                break
            kind, length = chunk[:4], int.from_bytes(chunk[4:], "little")
            if kind == b"fmt ":
                body = fh.read(min(length, 16))
                if len(body) >= 14:
                    tag = int.from_bytes(body[0:2], "little")
                    rate = int.from_bytes(body[4:8], "little")
                    fmt = (tag, rate, int.from_bytes(body[12:14], "little"))
            elif kind == b"data":
                return _data_duration(fmt, length, size - pos - 8)
            pos += 8 + length + (length & 1)  # chunks are padded to an even size
        if fmt is not None:
            return WavHeader(None, "the WAV file has no audio data (truncated or corrupt?)")
        return None


def _data_duration(fmt: tuple[int, int, int] | None, stated: int, present: int) -> WavHeader:
    problem = note = None
    if stated in _UNSTATED and present > 0:
        note = "the WAV header does not state the audio's size; it was measured from the file"
        stated = present
    elif stated > present:
        problem = f"the file ends early (truncated): {present:,} of {stated:,} bytes of audio"
    if fmt is None:
        return WavHeader(None, problem or "the WAV file has no format chunk (corrupt?)", note)
    tag, rate, block_align = fmt
    if tag not in _FRAMED_FORMATS or not rate or not block_align:
        return WavHeader(None, problem, note)
    frames = min(stated, present) // block_align
    return WavHeader(frames / rate, problem, note)
