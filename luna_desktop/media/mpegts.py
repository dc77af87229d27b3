"""MPEG-TS / M2TS (AVCHD) header reader: picture size, frame rate, recording date, camera.

libvlc's preparser does not decode TS video, so it reports neither size nor frame rate,
and AVCHD cameras keep the recording date and camera in an H.264 SEI message (MDPM,
"Modified DV Pack Meta"), which nothing else exposes. This demuxes the first video
packets only (a few hundred KB at most), as exiftool does.
"""

from __future__ import annotations

import re
import struct
from datetime import datetime
from typing import BinaryIO

from luna_desktop.media.container_info import ContainerInfo
from luna_desktop.media.info import bytes_after_end

MAX_SCAN = 4 << 20  # bytes of file to demux at most
MDPM_WINDOW = 1 << 20  # Panasonic puts the MDPM in the second frame: look 1 MB past the SPS
_H264_STREAM = 0x1B
_MDPM = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66") + b"MDPM"
_SPS = re.compile(rb"\x00\x00\x01[\x27\x47\x67]")  # start code + SPS NAL header
_START = re.compile(rb"\x00\x00[\x00\x01]")  # where the next NAL (or PES) begins
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
    _judge_end(f, size, packet, offset, info)
    pmt_pids: set[int] = set()
    video_pid = None
    es = bytearray()
    found_sps = found_mdpm = pmt_seen = False
    sps_at = 0
    f.seek(0)
    read, count = 0, 32  # packets per read; SPS and MDPM usually sit in the first few
    while read < MAX_SCAN and not (found_sps and found_mdpm):
        chunk = f.read(packet * count)
        read, count = read + len(chunk), min(count * 2, 4096)
        if len(chunk) < packet:
            break
        for pos in range(offset, len(chunk) - packet + offset + 1, packet):
            if chunk[pos] != 0x47:
                continue  # lost sync; the next packet boundary may recover
            pid = (chunk[pos + 1] & 0x1F) << 8 | chunk[pos + 2]
            payload = _payload(chunk, pos)
            if pid == 0 and not pmt_pids:
                pmt_pids = _pat(payload)
            elif pid in pmt_pids and video_pid is None:
                pmt_seen, streams = True, _pmt(payload)
                info.streams = max(info.streams, len(streams))
                video_pid = next((p for p, kind in streams if kind == _H264_STREAM), None)
            elif pid == video_pid:
                es += payload
        # parse a NAL unit only once the next start code shows it is complete
        if not found_sps and (sps := _SPS.search(es)) and _START.search(es, sps.end()):
            found_sps, sps_at = True, sps.start()
            _sps(_nal(es, sps.end() - 1), info)
        if not found_mdpm and (at := es.find(_MDPM)) >= 0 and _START.search(es, at):
            found_mdpm = True
            _mdpm(_nal(es, at + len(_MDPM)), info)
        if video_pid is None and (pmt_seen or read > MDPM_WINDOW):
            break  # no H.264 video (MPEG-2, HEVC…) or no tables: libvlc has the rest
        if found_sps and len(es) - sps_at > MDPM_WINDOW:
            break  # not an AVCHD camera file


def _judge_end(f: BinaryIO, size: int, packet: int, offset: int, info: ContainerInfo) -> None:
    """A last packet cut short is an error; bytes after the last packet are a note.

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
        return
    end = start + last + packet
    if end > size:
        info.problems.append(f"file is truncated: its last {packet}-byte packet is cut short")
    elif end < size:
        info.notes.append(bytes_after_end(size - end, "video"))


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


def _pmt(payload: bytes) -> list[tuple[int, int]]:
    body = _section(payload)
    if len(body) < 4:
        return []
    pos = 4 + ((body[2] & 0x0F) << 8 | body[3])  # skip PCR PID and program descriptors
    streams = []
    while pos + 5 <= len(body):
        kind, pid = body[pos], struct.unpack_from(">H", body, pos + 1)[0]
        info_len = (body[pos + 3] & 0x0F) << 8 | body[pos + 4]
        streams.append((pid & 0x1FFF, kind))
        pos += 5 + info_len
    return streams


def _nal(es: bytearray, start: int) -> bytes:
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
