"""tiff_ifd: the one walk over a TIFF file's directories, used by images and raw previews."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from luna_desktop.media.images import read_image
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.tiff_ifd import TiffDirectories

PAST_THE_END = 0x7FFF0000


def _tiff(ifds: list[dict[int, object]], chain: dict[int, int] | None = None) -> bytes:
    """A little-endian TIFF of the given directories, IFD0 first, all written back to back.

    An entry's value is a list of LONGs, where ("ifd", i) stands for the offset of
    directory i, or bytes (type UNDEFINED). Values longer than 4 bytes are placed after
    the directories. `chain` maps a directory to the index of the next one.
    """
    chain = chain or {}
    offsets, position = [], 8
    for entries in ifds:
        offsets.append(position)
        position += 2 + 12 * len(entries) + 4
    blobs = bytearray()
    out = bytearray(b"II*\x00" + struct.pack("<I", offsets[0]))
    for index, entries in enumerate(ifds):
        out += struct.pack("<H", len(entries))
        for tag in sorted(entries):
            value = entries[tag]
            if isinstance(value, bytes):
                field = value.ljust(4, b"\x00")
                if len(value) > 4:
                    field = struct.pack("<I", position + len(blobs))
                    blobs += value
                out += struct.pack("<HHI", tag, 7, len(value)) + field
                continue
            value = [offsets[v[1]] if isinstance(v, tuple) else v for v in value]
            field = struct.pack(f"<{len(value)}I", *value)
            if len(field) > 4:
                field, blobs = struct.pack("<I", position + len(blobs)), blobs + field
            out += struct.pack("<HHI", tag, 4, len(value)) + field
        out += struct.pack("<I", offsets[chain[index]] if index in chain else 0)
    return bytes(out + blobs)


def _walk(data: bytes) -> tuple[list[tuple[int, bool]], Exception | None]:
    """(the ImageWidth and `first` flag of each directory walked, the failure)."""
    tiff = TiffDirectories(io.BytesIO(data), data[:8])
    walked = [(tiff.first_int(d.entries, 256, 0), d.first) for d in tiff.walk()]
    return walked, tiff.failure


def test_walk_visits_ifd0_its_chain_and_every_subifd_once():
    ifds = [
        {256: [100], 0x014A: [("ifd", 2), ("ifd", 3)]},  # two SubIFDs, listed at an offset
        {256: [101], 0x014A: [("ifd", 4)]},  # IFD1 has a SubIFD of its own
        {256: [102]},
        {256: [103]},
        {256: [104]},
    ]
    walked, failure = _walk(_tiff(ifds, chain={0: 1, 2: 0}))  # 2 leads back to IFD0: a loop
    # Breadth first: IFD0, its next (IFD1) and SubIFDs, then IFD1's SubIFD; no repeats.
    assert walked == [(100, True), (101, False), (102, False), (103, False), (104, False)]
    assert failure is None


def test_a_directory_past_the_end_is_skipped_and_remembered():
    ifds = [{256: [100], 0x014A: [PAST_THE_END, ("ifd", 2)]}, {256: [101]}, {256: [102]}]
    walked, failure = _walk(_tiff(ifds, chain={0: 1}))
    # What comes after the bad directory is still found.
    assert walked == [(100, True), (101, False), (102, False)]
    assert isinstance(failure, (EOFError, struct.error))


def test_entry_values_inline_and_at_an_offset():
    data = _tiff([{256: [7], 257: [1, 2, 3], 700: b"<x/>", 33723: b"IPTC data"}])
    tiff = TiffDirectories(io.BytesIO(data), data[:8])
    (directory,) = tiff.walk()
    entries = directory.entries
    assert tiff.ints(entries[256]) == [7]  # in the entry itself
    assert tiff.ints(entries[257]) == [1, 2, 3]  # at an offset
    assert tiff.ints(entries[700]) == []  # not an integer type
    assert tiff.data(entries[700], limit=100) == b"<x/>"
    assert tiff.data(entries[33723], limit=100) == b"IPTC data"
    assert tiff.data(entries[33723], limit=4) is None  # longer than the caller wants
    assert tiff.span(entries[33723])[1] == 9


def _read(tmp_path: Path, data: bytes) -> MediaInfo:
    path = tmp_path / "scan.tif"
    path.write_bytes(data)
    info = MediaInfo()
    with path.open("rb") as fh:
        read_image(fh, info)
    return info


def test_image_size_is_the_largest_in_any_directory_the_walk_finds(tmp_path):
    # A raw file's sensor image may sit in a SubIFD of a later directory.
    ifds = [
        {256: [160], 257: [120]},
        {256: [640], 257: [480], 0x014A: [("ifd", 2)]},
        {256: [6000], 257: [4000]},
    ]
    info = _read(tmp_path, _tiff(ifds, chain={0: 1}))
    assert (info.width, info.height, info.error) == (6000, 4000, None)


def test_unreadable_directory_is_an_error_and_the_rest_is_kept(tmp_path):
    ifds = [{256: [160], 257: [120], 0x014A: [PAST_THE_END, ("ifd", 1)]}, {256: [640], 257: [480]}]
    info = _read(tmp_path, _tiff(ifds))
    assert (info.width, info.height) == (640, 480)
    assert info.error == "unreadable TIFF structure: the file ends early (truncated or corrupt)"
