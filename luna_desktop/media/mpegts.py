"""MPEG-TS / M2TS (AVCHD): duration, picture size, frame rate, recording date, camera.

libvlc's preparser does not decode TS video, so it reports neither size nor frame rate,
and AVCHD cameras keep the recording date and camera in an H.264 SEI message (MDPM,
"Modified DV Pack Meta"), which nothing else exposes. This demuxes the first video
packets only (a few hundred KB at most), as exiftool does, and takes the duration from
the first and the last program clock reference (PCR), reading the last ones from a
bounded window at the end of the file, again as exiftool does.
"""

from __future__ import annotations

import re
import struct
from datetime import datetime
from typing import BinaryIO

from luna_desktop.media.container_info import (
    ContainerInfo,
    byte_rate,
    checked_duration,
    elapsed,
)
from luna_desktop.media.info import bytes_after_end

MAX_SCAN = 4 << 20  # bytes of file to demux at most
MDPM_WINDOW = 1 << 20  # Panasonic puts the MDPM in the second frame: look 1 MB past the SPS
CLOCK_WINDOW = 256 << 10  # read this much of the head for the bitrate, unless 0.5 s fit
TAIL_WINDOW = 128 << 10  # the end of the file read first for the last PCR…
MAX_TAIL = 512 << 10  # …and at most (exiftool has seen the last PCR 276 KB before the end)
PCR_HZ = 27_000_000
PCR_WRAP = (1 << 33) * 300  # a 33-bit 90 kHz base times 300, plus a 9-bit extension
_VIDEO_CODECS = {0x01: "mpgv", 0x02: "mpgv", 0x1B: "h264"}  # PMT stream types we parse
# PMT audio stream types, named as libvlc names the codecs (AVCHD's AC-3 is 0x81).
_AUDIO_CODECS = {0x03: "mpga", 0x04: "mpga", 0x0F: "mp4a", 0x11: "mp4a", 0x80: "lpcm"}
_AUDIO_CODECS |= {0x81: "a52", 0x82: "dts", 0x83: "mlp", 0x84: "eac3", 0x87: "eac3"}
_MDPM = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66") + b"MDPM"
_START = re.compile(rb"\x00\x00[\x00\x01]")  # where the next NAL (or PES) begins
_SPS = re.compile(rb"\x00\x00\x01[\x27\x47\x67]")  # start code + SPS NAL header
_SEQUENCE = b"\x00\x00\x01\xb3"  # MPEG-1/2 video sequence header
_MAKES = {0x0103: "Panasonic", 0x0108: "Sony", 0x1011: "Canon", 0x1104: "JVC"}


def packet_layout(head: bytes) -> tuple[int, int] | None:
    """(packet size, sync byte offset): (188, 0) for .ts, (192, 4) for AVCHD .mts/.m2ts."""
    for size, offset in ((188, 0), (192, 4)):
        if len(head) > offset + size and head[offset] == head[offset + size] == 0x47:
            return size, offset
    return None


def read_m2ts(f: BinaryIO, size: int, info: ContainerInfo) -> None:
    f.seek(0)
    layout = packet_layout(f.read(400))
    if layout is None:
        return
    packet, offset = layout
    end = _judge_end(f, size, packet, offset, info)
    pcr_pid, head = _read_head(f, packet, offset, info)
    if not head or end is None:
        return
    tail = _tail_pcrs(f, end, packet, offset, pcr_pid)
    if not tail:
        return
    (first_pos, first), (last_pos, last) = head[0], tail[-1]
    ticks = elapsed(first, last, PCR_WRAP)
    rate = byte_rate(head + [r for r in tail if r[0] > head[-1][0]], PCR_HZ, PCR_WRAP)
    if not ticks or (ticks >= PCR_WRAP // 2 and rate is None):
        return  # one reading, or the last is before the first and no rate to mend it by
    info.duration = checked_duration(ticks / PCR_HZ, last_pos - first_pos, rate, info)


def _read_head(
    f: BinaryIO, packet: int, offset: int, info: ContainerInfo
) -> tuple[int | None, list[tuple[int, int]]]:
    """Demux the start: tables, the video's headers and MDPM, and the PCR readings.

    Returns the PCR PID (None before a PMT names it) and its (byte position, PCR)s.
    """
    pmt_pids: set[int] = set()
    video_pid = pcr_pid = None
    es = bytearray()
    video_done = mdpm_done = pmt_seen = False
    sps_at = 0
    pcrs: list[tuple[int, int, int]] = []  # (pid, position, PCR)
    f.seek(0)
    read, count = 0, 32  # packets per read; SPS and MDPM usually sit in the first few
    while read < MAX_SCAN:
        base = read
        chunk = f.read(packet * count)
        read, count = read + len(chunk), min(count * 2, 4096)
        if len(chunk) < packet:
            break
        for pos in range(offset, len(chunk) - packet + offset + 1, packet):
            if chunk[pos] != 0x47:
                continue  # lost sync; the next packet boundary may recover
            pid = (chunk[pos + 1] & 0x1F) << 8 | chunk[pos + 2]
            if (pcr := _pcr(chunk, pos)) is not None:
                pcrs.append((pid, base + pos - offset, pcr))
            payload = _payload(chunk, pos)
            if pid == 0 and not pmt_pids:
                pmt_pids = _pat(payload)
            elif pid in pmt_pids and video_pid is None:
                pmt_seen, (pcr_pid, streams) = True, _pmt(payload)
                info.streams = max(info.streams, len(streams))
                audio = [_AUDIO_CODECS[k] for _, k in streams if k in _AUDIO_CODECS]
                info.has_audio = bool(audio)
                info.audio_codec = audio[0] if audio else None
                video = next(((p, k) for p, k in streams if k in _VIDEO_CODECS), None)
                if video:
                    video_pid, info.codec = video[0], _VIDEO_CODECS[video[1]]
            elif pid == video_pid and not video_done:
                es += payload
        if info.codec == "mpgv" and not video_done:
            video_done = find_sequence_header(es, info)
        elif info.codec == "h264" and not video_done and (at := find_sps(es, info)) is not None:
            video_done, sps_at = True, at
        # parse MDPM only once the next start code shows it is complete
        mdpm_at = es.find(_MDPM) if info.codec == "h264" and not mdpm_done else -1
        if mdpm_at >= 0 and _START.search(es, mdpm_at):
            mdpm_done = True
            _mdpm(_nal(es, mdpm_at + len(_MDPM)), info)
        if video_pid is None:
            if pmt_seen or read > MDPM_WINDOW:
                video_done = mdpm_done = True  # no video we parse, or no tables: libvlc's
        elif info.codec != "h264" or (video_done and len(es) - sps_at > MDPM_WINDOW):
            mdpm_done = True  # not an AVCHD camera file
        if video_done and mdpm_done and _clock_read(pcrs, pcr_pid, read):
            break
    readings = [(pos, pcr) for pid, pos, pcr in pcrs if pcr_pid in (None, pid)]
    return pcr_pid, readings


def _clock_read(pcrs: list[tuple[int, int, int]], pcr_pid: int | None, read: int) -> bool:
    """Enough of the head is read to measure the bitrate by its PCRs (0.5 s of them)."""
    if read >= CLOCK_WINDOW:
        return True
    mine = [pcr for pid, _, pcr in pcrs if pcr_pid in (None, pid)]
    return len(mine) > 1 and elapsed(mine[0], mine[-1], PCR_WRAP) >= PCR_HZ // 2


def _pcr(chunk: bytes, pos: int) -> int | None:
    """The program clock reference in the packet at pos, in 27 MHz ticks, if it has one."""
    if not chunk[pos + 3] & 0x20 or chunk[pos + 4] < 7 or not chunk[pos + 5] & 0x10:
        return None  # no adaptation field, too short for a PCR, or no PCR_flag
    b = chunk[pos + 6 : pos + 12]
    base = int.from_bytes(b[:4], "big") << 1 | b[4] >> 7  # 33 bits of 90 kHz
    return base * 300 + ((b[4] & 1) << 8 | b[5])  # and 9 bits of 27 MHz


def _tail_pcrs(
    f: BinaryIO, end: int, packet: int, offset: int, pcr_pid: int | None
) -> list[tuple[int, int]]:
    """(byte position, PCR) readings in a window that ends with the last whole packet,
    widened (to MAX_TAIL) until one is found."""
    window = TAIL_WINDOW
    while True:
        start = max(end - window, 0) // packet * packet
        f.seek(start)
        data = f.read(end - start)
        readings = []
        for pos in range(offset, len(data) - packet + offset + 1, packet):
            if data[pos] != 0x47:
                continue
            pid = (data[pos + 1] & 0x1F) << 8 | data[pos + 2]
            if pcr_pid in (None, pid) and (pcr := _pcr(data, pos)) is not None:
                readings.append((start + pos - offset, pcr))
        if readings or start == 0 or window >= MAX_TAIL:
            return readings
        window *= 4


def _judge_end(f: BinaryIO, size: int, packet: int, offset: int, info: ContainerInfo) -> int | None:
    """Where the last whole packet ends (None: no packets); a last packet cut short is an
    error, bytes after the last packet a note.

    A transport stream has no length of its own: its end is the last packet on the
    packet grid whose sync byte, and the one before it, are there. Bytes after that are
    not part of the stream, unless they begin with a sync byte: then they are the start
    of a packet that was cut off. (An M2TS cut inside a packet's 4-byte timestamp shows
    no sync byte, but then no media data is lost either.)
    """
    window = 64 * packet
    while True:
        start = max(size - window, 0) // packet * packet
        f.seek(start)
        data = f.read(size - start)
        last = _last_packet(data, packet, offset)
        if last is not None or start == 0 or window >= MAX_SCAN:
            break
        window *= 4  # a long trailer: look further back (rare, so no cost to others)
    if last is None:
        info.problems.append(f"no MPEG-TS packets in the last {len(data)} bytes (corrupt?)")
        return None
    end = start + last + packet
    if end > size:
        info.problems.append(f"file is truncated: its last {packet}-byte packet is cut short")
        return end - packet
    if end < size:
        info.notes.append(bytes_after_end(size - end, "video"))
    return end


def _last_packet(data: bytes, packet: int, offset: int) -> int | None:
    """Where the last packet in `data` (which starts on the packet grid) begins.

    Two sync bytes a packet apart are required, so a stray 0x47 in a trailer is not
    taken for a packet (one in 65536 chances instead of one in 256).
    """
    for pos in range((len(data) - offset - 1) // packet * packet, -1, -packet):
        if data[pos + offset] == 0x47 and (pos < packet or data[pos - packet + offset] == 0x47):
            return pos
    return None


def _payload(chunk: bytes, pos: int) -> bytes:
    control = chunk[pos + 3] >> 4 & 3  # 1 payload, 2 adaptation field, 3 both
    start = pos + 4
    if control == 3:
        start += 1 + chunk[start]
    elif control != 1:
        return b""
    return chunk[start : pos + 188]


def _section(payload: bytes) -> bytes:
    """A PSI section (PAT/PMT) without pointer field, header or CRC."""
    if not payload:
        return b""
    start = 1 + payload[0]
    length = (payload[start + 1] & 0x0F) << 8 | payload[start + 2]
    return payload[start + 8 : start + 3 + length - 4]


def _pat(payload: bytes) -> set[int]:
    body = _section(payload)
    return {
        (body[i + 2] & 0x1F) << 8 | body[i + 3]
        for i in range(0, len(body) - 3, 4)
        if body[i] or body[i + 1]  # program 0 points at the network table
    }


def _pmt(payload: bytes) -> tuple[int | None, list[tuple[int, int]]]:
    """(PCR PID, [(PID, stream type)]) of a program map table."""
    body = _section(payload)
    if len(body) < 4:
        return None, []
    pcr_pid = (body[0] & 0x1F) << 8 | body[1]
    pos = 4 + ((body[2] & 0x0F) << 8 | body[3])  # skip program descriptors
    streams = []
    while pos + 5 <= len(body):
        kind, pid = body[pos], struct.unpack_from(">H", body, pos + 1)[0]
        info_len = (body[pos + 3] & 0x0F) << 8 | body[pos + 4]
        streams.append((pid & 0x1FFF, kind))
        pos += 5 + info_len
    return (pcr_pid if pcr_pid != 0x1FFF else None), streams


# --- the video elementary stream, as carried by TS and by program streams (mpegps) --------


def find_sps(es: bytes | bytearray, info: ContainerInfo) -> int | None:
    """Where an H.264 SPS starts in `es`, once whole (the next start code is there), after
    taking its size and frame rate into `info`; None if there is none yet."""
    sps = _SPS.search(es)
    if not sps or not _START.search(es, sps.end()):
        return None
    _sps(_nal(es, sps.end() - 1), info)
    return sps.start()


# frame_rate_code -> frames per second (ISO/IEC 13818-2 table 6-4)
_MPEG_RATES = {
    1: 24000 / 1001, 2: 24.0, 3: 25.0, 4: 30000 / 1001, 5: 30.0, 6: 50.0,
    7: 60000 / 1001, 8: 60.0,
}  # fmt: skip


def find_sequence_header(es: bytes | bytearray, info: ContainerInfo) -> bool:
    """Size and frame rate from an MPEG-1/2 video sequence header in `es`, once whole.

    MPEG-2 follows it with a sequence extension that adds two high bits to each size and
    scales the frame rate; MPEG-1 has none.
    """
    at = es.find(_SEQUENCE)
    # whole once the next start code is there (quantiser matrices hold no zero bytes)
    if at < 0 or (after := es.find(b"\x00\x00\x01", at + 12)) < 0:
        return False
    b = es[at + 4 : at + 8]
    width, height, rate_code = b[0] << 4 | b[1] >> 4, (b[1] & 0x0F) << 8 | b[2], b[3] & 0x0F
    rate = _MPEG_RATES.get(rate_code)
    ext = es[after : after + 10]
    if len(ext) == 10 and ext[3] == 0xB5 and ext[4] >> 4 == 1:  # sequence_extension
        width |= (ext[5] & 0x01) << 13 | (ext[6] & 0x80) << 5
        height |= (ext[6] & 0x60) << 7
        if rate:
            rate *= ((ext[9] >> 5 & 3) + 1) / ((ext[9] & 0x1F) + 1)
    if width and height:
        info.width, info.height = width, height
    info.frame_rate = rate
    return True


def _nal(es: bytes | bytearray, start: int) -> bytes:
    """The NAL unit bytes from start to the next start code, emulation bytes removed."""
    end = _START.search(es, start)
    raw = bytes(es[start : end.start() if end else len(es)])
    return raw.replace(b"\x00\x00\x03", b"\x00\x00")


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.value, self.left = int.from_bytes(data, "big"), len(data) * 8

    def u(self, n: int) -> int:
        if n > self.left:
            raise EOFError("SPS ends early")
        self.left -= n
        return self.value >> self.left & ((1 << n) - 1)

    def ue(self) -> int:  # Exp-Golomb
        zeros = 0
        while not self.u(1):
            zeros += 1
            if zeros > 31:
                raise ValueError("bad Exp-Golomb code")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


_HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


def _sps(nal: bytes, info: ContainerInfo) -> None:
    """H.264 sequence parameter set (spec 7.3.2.1) -> size and VUI frame rate."""
    b = _Bits(nal[1:])
    profile = b.u(8)
    b.u(16)  # constraint flags, level
    b.ue()  # seq_parameter_set_id
    chroma = 1
    if profile in _HIGH_PROFILES:
        chroma = b.ue()
        if chroma == 3 and b.u(1):  # separate_colour_plane_flag
            chroma = 0
        b.ue(), b.ue(), b.u(1)  # bit depths, qpprime_y_zero_transform_bypass_flag
        if b.u(1):  # seq_scaling_matrix_present_flag
            for i in range(12 if chroma == 3 else 8):
                if b.u(1):
                    last = following = 8
                    for _ in range(16 if i < 6 else 64):
                        if following:
                            following = (last + b.se()) % 256
                        last = following or last
    b.ue()  # log2_max_frame_num_minus4
    poc_type = b.ue()
    if poc_type == 0:
        b.ue()
    elif poc_type == 1:
        b.u(1), b.se(), b.se()
        for _ in range(b.ue()):
            b.se()
    b.ue(), b.u(1)  # max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
    width_mbs, height_units = b.ue() + 1, b.ue() + 1
    frames_only = b.u(1)
    if not frames_only:
        b.u(1)  # mb_adaptive_frame_field_flag
    b.u(1)  # direct_8x8_inference_flag
    crop = (b.ue(), b.ue(), b.ue(), b.ue()) if b.u(1) else (0, 0, 0, 0)
    unit_x = 1 if chroma in (0, 3) else 2
    unit_y = (2 - frames_only) * (2 if chroma == 1 else 1)
    width = width_mbs * 16 - unit_x * (crop[0] + crop[1])
    height = (2 - frames_only) * height_units * 16 - unit_y * (crop[2] + crop[3])
    if width <= 0 or height <= 0:
        return
    info.width, info.height = width, height
    if b.u(1):  # vui_parameters_present_flag
        if b.u(1) and b.u(8) == 255:  # aspect_ratio_info, Extended_SAR
            b.u(32)
        if b.u(1):  # overscan_info_present_flag
            b.u(1)
        if b.u(1):  # video_signal_type_present_flag
            b.u(4)
            if b.u(1):
                b.u(24)
        if b.u(1):  # chroma_loc_info_present_flag
            b.ue(), b.ue()
        if b.u(1):  # timing_info_present_flag: a tick is one field
            ticks, scale = b.u(32), b.u(32)
            if ticks and scale:
                info.frame_rate = scale / (2 * ticks)


def _mdpm(data: bytes, info: ContainerInfo) -> None:
    """MDPM entries: a count, then (tag, 4 bytes) each (decoded as exiftool's H264.pm)."""
    tags = {
        data[i]: data[i + 1 : i + 5] for i in range(1, 1 + 5 * data[0], 5) if i + 5 <= len(data)
    }
    date, time = tags.get(0x18), tags.get(0x19)
    if date and time:
        tz, d = date[0], (date[1:] + time).hex()  # BCD digits: YYYY MM DD hh mm ss
        stamp = f"{d[:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}"
        raw = f"{d[:4]}:{d[4:6]}:{d[6:8]} {d[8:10]}:{d[10:12]}:{d[12:14]}"
        if tz != 0xFF:  # bit 0x20 sign, 0x1e hours, 0x01 half hour, 0x40 DST in effect
            offset = f"{'-' if tz & 0x20 else '+'}{tz >> 1 & 0x0F:02d}:{'30' if tz & 1 else '00'}"
            stamp += offset
            raw += offset + (" DST" if tz & 0x40 else "")
        try:
            datetime.fromisoformat(stamp)
        except ValueError:  # not BCD, or an unset clock
            pass
        else:
            info.offer_date(stamp, raw, 0)
    if 0xE0 in tags:
        info.make = _MAKES.get(struct.unpack(">H", tags[0xE0][:2])[0])
    model = b"".join(tags.get(t, b"") for t in (0xE4, 0xE5, 0xE6)).split(b"\0")[0]
    if info.make == "Sony" and model:
        info.model = model.decode("ascii", "replace").strip()
