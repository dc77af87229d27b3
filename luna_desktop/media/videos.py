"""Video metadata: libvlc's preparser for streams, the container's header for the rest.

libvlc knows every format VLC plays, but not a container's creation date or location, and
it reports no picture size for MPEG-TS and a short duration for some AVI files. So
`read_video` also reads the container header (`containers`) and prefers what the
container states (the values exiftool reports), using libvlc for what is missing.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from luna_desktop.media.container_info import ContainerInfo, codec_name
from luna_desktop.media.containers import read_container
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.mrl import file_mrl
from luna_desktop.media.xmp import apply_xmp

if TYPE_CHECKING:
    from luna_desktop.media.vlc_runtime import Track

_PARSED_DONE, _PARSED_TIMEOUT = 4, 3  # libvlc_media_parsed_status_t

# libvlc preparses one media at a time per instance, so a parse may wait behind others
# that each get their own timeout; the in-flight count keeps our wait from expiring first.
_inflight_lock = threading.Lock()
_inflight = 0
_GRACE_S = 1.0  # beyond libvlc's own timeout, before we give up on it


def read_video(path: bytes | str, info: MediaInfo, timeout_ms: int = 5000) -> None:
    """Fill duration, size, frame rate, codec, date, place and camera of a video into info.

    Never raises: an unreadable, empty, truncated or corrupt file or a timeout adds a
    message with `info.add_error` and keeps whatever could be read. Bytes after the end
    of a whole video are only a note (`info.add_note`), and so is a missing libvlc: the
    file is not at fault, and the note says what was not read and how to install it.
    Safe to call from several threads at once. `path` may be bytes that are not UTF-8.
    """
    try:
        _read_video(path, info, max(1, int(timeout_ms)))
    except Exception as exc:  # a scan must survive any one file
        info.add_error(f"video metadata could not be read ({type(exc).__name__}: {exc})")


def fit_for_libvlc(path: bytes | str, info: MediaInfo) -> bool:
    """Whether libvlc may be given the file: a regular, non-empty file that can be
    stat'ed. Otherwise the reason goes to `info` as an error."""
    try:
        st = os.stat(path)
    except OSError as exc:
        info.add_error(f"cannot read the file ({exc.strerror or exc})")
        return False
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block libvlc's only preparser thread
        info.add_error("not a regular file")
        return False
    if st.st_size == 0:
        info.add_error("empty file (0 bytes)")
        return False
    return True


def _read_video(path: bytes | str, info: MediaInfo, timeout_ms: int) -> None:
    if not fit_for_libvlc(path, info):
        return

    container: ContainerInfo | None = None
    try:
        container = read_container(path)
    except OSError as exc:
        info.add_error(f"cannot read the file ({exc.strerror or exc})")
        return

    problems = list(container.problems) if container else []
    duration_ms, tracks, parsed, vlc_missing = None, [], False, None
    # libvlc's preparser costs milliseconds a file (most of a scan's time on a drive of
    # videos); it is asked only for what the container's header did not state.
    if not states_everything(container):
        # Imported here: loading libvlc costs every worker's start, and most videos'
        # containers state all it would say.
        from luna_desktop.media.vlc_runtime import VlcUnavailableError

        try:
            duration_ms, tracks, _meta = _parse_with_libvlc(path, timeout_ms)
            parsed = True
        except ParseError as exc:
            problems.append(str(exc))
        except VlcUnavailableError as exc:
            vlc_missing = exc

    _merge(info, container, duration_ms, tracks)
    readers = (["libvlc"] if parsed else []) + ([container.format] if container else [])
    if readers:
        info.extractor = "+".join(filter(None, [info.extractor, *readers]))

    video = next((t for t in tracks if t.kind == "video"), None)
    audio = next((t for t in tracks if t.kind == "audio"), None)
    if vlc_missing is not None:
        # Not the file's fault: say what libvlc would have filled in, and how to get it.
        # (Nor is "no stream found" or "duration unknown" a finding without libvlc.)
        from luna_desktop.media.vlc_runtime import unavailable_note

        info.add_note(unavailable_note(_unread(info), vlc_missing))
    elif not (video or audio) and not (container and container.streams):
        # A subtitle "track" alone is no finding: libvlc's text demuxer claims about one
        # buffer of random bytes in a hundred and fifty.
        problems.append("no audio or video stream found (not a video, or corrupt)")
    elif (
        not problems
        and info.duration is None
        and (video or info.width)
        and not (container and container.duration_unstated)
    ):
        problems.append("duration unknown (truncated or corrupt file?)")
    for problem in problems:
        info.add_error(problem)
    for note in container.notes if container else ():
        info.add_note(note)


def _merge(
    info: MediaInfo, c: ContainerInfo | None, duration_ms: int | None, tracks: list[Track]
) -> None:
    """Container values first (they are what the file states), libvlc's for the gaps."""
    video = next((t for t in tracks if t.kind == "video"), None)
    audio = next((t for t in tracks if t.kind == "audio"), None)
    vlc_fps = None
    if video and video.frame_rate_num and video.frame_rate_den:
        vlc_fps = video.frame_rate_num / video.frame_rate_den

    c = c or ContainerInfo("")
    info.duration = c.duration or (duration_ms / 1000 if duration_ms else None)
    if c.width and c.height:
        info.width, info.height = c.width, c.height
    elif video and video.width and video.height:
        info.width, info.height = video.width, video.height
    info.frame_rate = c.frame_rate or vlc_fps
    info.codec = (codec_name(video.codec) if video else None) or c.codec
    if audio and codec_name(audio.codec):
        info.extra["audio_codec"] = codec_name(audio.codec)
    elif c.audio_codec:
        info.extra["audio_codec"] = c.audio_codec
    if c.created:
        info.taken_at, info.taken_at_raw = c.created, c.created_raw
    if c.lat is not None and c.lng is not None:
        info.lat, info.lng = c.lat, c.lng
        if c.altitude is not None:
            info.extra["gps_altitude"] = c.altitude
    info.camera_make = info.camera_make or c.make
    info.camera_model = info.camera_model or c.model
    # width and height stay the stored size; the orientation says how to turn it
    info.orientation = c.orientation
    if c.rotation:
        info.extra["rotation"] = c.rotation
    if c.xmp:
        # keywords, title and description; its date and place only where the container
        # stated none (take_date and set_position keep the first value they are given)
        apply_xmp(c.xmp, info)


def _unread(info: MediaInfo) -> str:
    """What a video read without libvlc lacks, for the note that says so."""
    unread = [
        name
        for name, value in (
            ("duration", info.duration),
            ("picture size", info.width),
            ("frame rate", info.frame_rate),
            ("codec", info.codec),
        )
        if not value
    ]
    return ", ".join(unread) if unread else "the audio stream's codec"


def states_everything(c: ContainerInfo | None) -> bool:
    """Whether a container's header gave all that libvlc would: duration, size, frame
    rate, video codec and whether (and which) audio is there, with no problem found."""
    return bool(
        c
        and not c.problems
        and c.duration
        and c.width
        and c.height
        and c.frame_rate
        and c.codec
        and c.has_audio is not None
    )


class ParseError(Exception):
    """libvlc could not open or parse the file, or did not finish in time."""


class LibvlcParse(NamedTuple):
    """What libvlc's preparser said about one file."""

    duration_ms: int | None
    tracks: list[Track]
    # The libvlc_meta_t values asked for and found, by python-vlc's name ("Artist", …).
    meta: dict[str, str]


def parse_with_libvlc(path: bytes | str, timeout_ms: int, meta: Iterable[str] = ()) -> LibvlcParse:
    """Duration, streams and the `meta` named (python-vlc's `vlc.Meta` names such as
    "Artist", "Title") from libvlc's preparser.

    Raises ParseError if the parse failed or timed out, and VlcUnavailableError without
    libvlc. libvlc answers a file's name for a Title the file does not state: that is
    left out, so "Title" is only ever the file's own. Safe from several threads.
    """
    global _inflight
    from luna_desktop.media import vlc_runtime
    from luna_desktop.media.vlc_runtime import media_tracks, parsed_event

    vlc = vlc_runtime.vlc
    media = vlc_runtime.get_instance().media_new_location(file_mrl(path))
    if media is None:
        raise ParseError("libvlc could not open this path")
    with _inflight_lock:
        _inflight += 1
        queued = _inflight
    try:
        meta = tuple(meta)
        # Before the parse, the Title is the name libvlc gave the media (the file name).
        name = _get_meta(media, "Title") if "Title" in meta else None
        with parsed_event(media) as done:
            if media.parse_with_options(vlc.MediaParseFlag.local, timeout_ms) != 0:
                raise ParseError("libvlc refused to parse the file")
            # libvlc ends each parse itself after timeout_ms; waiting longer only guards
            # against a preparser stuck in a read that cannot be interrupted.
            if not done.wait(queued * timeout_ms / 1000 + _GRACE_S):
                media.parse_stop()
                done.wait(_GRACE_S)
        status = media.get_parsed_status().value
        if status == _PARSED_TIMEOUT or not done.is_set():
            raise ParseError(f"libvlc did not finish reading the file within {timeout_ms} ms")
        if status != _PARSED_DONE:
            raise ParseError("libvlc could not open or parse the file")
        duration = media.get_duration()
        found = {key: _get_meta(media, key) for key in meta}
        if found.get("Title") == name:
            found["Title"] = None
        return LibvlcParse(
            duration if duration > 0 else None,
            media_tracks(media),
            {key: value for key, value in found.items() if value},
        )
    finally:
        with _inflight_lock:
            _inflight -= 1
        media.release()


# read_video calls the parser by this name (a test counts the calls through it).
_parse_with_libvlc = parse_with_libvlc


def _get_meta(media: Any, key: str) -> str | None:
    """One libvlc meta value, stripped; None when libvlc has none (or no usable text)."""
    from luna_desktop.media import vlc_runtime

    try:
        value = media.get_meta(getattr(vlc_runtime.vlc.Meta, key))
    except (AttributeError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, str):
        return None
    return value.strip(" \0\t\r\n") or None
