"""The one ISO base media box walker (`media/bmff.py`) that MP4, HEIF/AVIF and CR3 share,
and HEIF files built byte by byte to list more than a reader should follow: extents that
cost no bytes in the file, and lengths of 0 that mean "to the end of the file"."""

from __future__ import annotations

import io
import struct

import pytest

from luna_desktop.media import bmff, mp4
from luna_desktop.media.byte_source import ByteSource
from luna_desktop.media.container_info import ContainerInfo
from luna_desktop.media.heif_boxes import read_heif
from luna_desktop.media.info import MediaInfo
from tests import raw_factory as make
from tests.raw_factory import Shot, box, full_box

# --- the walker -----------------------------------------------------------------------


def _spans(data: bytes, *args, **kwargs) -> list[tuple[bytes, bytes]]:
    return [(kind, data[s:e]) for kind, s, e in bmff.boxes(data, *args, **kwargs)]


def test_box_sizes_of_0_and_1_and_what_ends_a_walk():
    large = struct.pack(">I4sQ", 1, b"big ", 16 + 3) + b"xyz"  # a 64-bit size
    to_the_end = struct.pack(">I4s", 0, b"last") + b"rest"
    data = box(b"one ", b"ab") + large + to_the_end
    assert _spans(data) == [(b"one ", b"ab"), (b"big ", b"xyz"), (b"last", b"rest")]
    # Fewer than 8 bytes after the last box are padding, not a box.
    assert _spans(box(b"one ", b"ab") + b"\0" * 7) == [(b"one ", b"ab")]
    # A box running past its parent is given cut short and ends the walk, unless only
    # whole boxes will do.
    cut = box(b"one ", b"ab") + struct.pack(">I4s", 100, b"cut ") + b"abc"
    assert _spans(cut) == [(b"one ", b"ab"), (b"cut ", b"abc")]
    assert _spans(cut, 0, 18) == [(b"one ", b"ab"), (b"cut ", b"")]
    with pytest.raises(bmff.BoxError, match="overruns its parent"):
        _spans(cut, whole=True)


@pytest.mark.parametrize(
    "header",
    [
        struct.pack(">I4s", 7, b"tiny") + b"\0" * 8,  # smaller than its own header
        struct.pack(">I4sQ", 1, b"tiny", 15),  # a 64-bit size smaller than its header
        struct.pack(">I4s", 1, b"tiny") + b"\0" * 4,  # the 64-bit size cut short
    ],
)
def test_a_size_no_box_can_have_raises(header):
    with pytest.raises(bmff.BoxError, match="bad size in box b'tiny'"):
        _spans(box(b"one ", b"ab") + header)
    source = ByteSource(io.BytesIO(header), b"")
    with pytest.raises(bmff.BoxError):
        list(bmff.file_boxes(source, len(header), 10))


def test_walks_are_bounded():
    data = box(b"free") * 5
    assert len(_spans(data, limit=5)) == 5
    with pytest.raises(bmff.TooManyBoxes):
        _spans(data, limit=4)
    source = ByteSource(io.BytesIO(data), b"")
    assert len(list(bmff.file_boxes(source, len(data), 5))) == 5
    with pytest.raises(bmff.TooManyBoxes):
        list(bmff.file_boxes(source, len(data), 4))


def test_child_path():
    data = box(b"moov", box(b"mvhd", b"1"), box(b"trak", box(b"mdia", box(b"hdlr", b"vide"))))
    span = bmff.child(data, 0, len(data), b"moov", b"trak", b"mdia", b"hdlr")
    assert span is not None and data[span[0] : span[1]] == b"vide"
    assert bmff.child(data, 0, len(data), b"moov", b"trak", b"minf") is None


def test_file_boxes_read_headers_from_the_head_then_the_file():
    mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + 5000) + b"\0" * 5000
    data = box(b"ftyp", b"isom") + mdat + box(b"moov", b"m") + b"\0" * 3  # then padding
    source = ByteSource(io.BytesIO(data), data[:100])  # moov's header lies past the head
    found = list(bmff.file_boxes(source, len(data), 10))
    assert found == [(b"ftyp", 0, 8, 12), (b"mdat", 12, 16, 5016), (b"moov", 5028, 8, 9)]
    # Cut inside mdat: the box that runs past the end is given; what it means is the
    # reader's to say.
    cut = data[:1000]
    found = list(bmff.file_boxes(ByteSource(io.BytesIO(cut), cut[:100]), len(cut), 10))
    assert found == [(b"ftyp", 0, 8, 12), (b"mdat", 12, 16, 5016)]


def test_mp4_with_more_top_level_boxes_than_walked_does_not_judge_its_end(monkeypatch):
    mvhd = struct.pack(">IIII", 0, 0, 1000, 5000) + b"\0" * 80
    data = box(b"ftyp", b"isom", b"\0" * 4) + box(b"moov", full_box(b"mvhd", mvhd))
    data += box(b"free") * 20 + b"\xff" * 5  # five bytes that are no box
    info = ContainerInfo("mp4")
    mp4.read_mp4(io.BytesIO(data), len(data), info)
    assert (info.duration, info.problems, info.notes) == (
        5.0,
        [],
        ["5 bytes after the end of the video"],
    )
    monkeypatch.setattr(mp4, "_MAX_TOP_BOXES", 10)
    info = ContainerInfo("mp4")
    mp4.read_mp4(io.BytesIO(data), len(data), info)
    assert (info.duration, info.problems) == (5.0, [])
    assert info.notes == ["its end was not checked: over 10 top-level boxes"]


# --- HEIF files that list more than is read -------------------------------------------

_WIDTH, _HEIGHT = 640, 480


def _infe(item: int, kind: bytes) -> bytes:
    return full_box(b"infe", struct.pack(">HH", item, 0) + kind + b"\0", version=2)


def _iloc(items: dict[int, list[tuple[int, int]]], widths: int, method: int = 0) -> bytes:
    """Version 1 iloc; `widths` is the width in bytes of every extent's offset and length
    (0: they take no bytes at all, and read as 0)."""
    fmt = {0: "", 4: "I"}[widths]
    body = struct.pack(">BBH", widths << 4 | widths, 0, len(items))
    for item, extents in items.items():
        body += struct.pack(">HHHH", item, method, 0, len(extents))
        body += b"".join(struct.pack(">" + fmt * 2, *extent) if fmt else b"" for extent in extents)
    return full_box(b"iloc", body, version=1)


def _heif(iloc: bytes, idat: bytes = b"", mdat: bytes = b"") -> bytes:
    """A HEIF whose primary item 1 is a 640×480 'hvc1' image, item 2 its Exif."""
    hdlr = full_box(b"hdlr", b"\0" * 4 + b"pict" + b"\0" * 13)
    iinf = full_box(b"iinf", struct.pack(">H", 2) + _infe(1, b"hvc1") + _infe(2, b"Exif"))
    ispe = full_box(b"ispe", struct.pack(">II", _WIDTH, _HEIGHT))
    ipma = full_box(b"ipma", struct.pack(">IHBB", 1, 1, 1, 0x81))  # item 1: property 1
    iprp = box(b"iprp", box(b"ipco", ispe), ipma)
    pitm = full_box(b"pitm", struct.pack(">H", 1))
    children = [hdlr, pitm, iloc, iinf, iprp] + ([box(b"idat", idat)] if idat else [])
    meta = full_box(b"meta", b"".join(children))
    ftyp = box(b"ftyp", b"heic", b"\0" * 4, b"mif1heic")
    return ftyp + meta + box(b"mdat", mdat)


class _CountingFile(io.BytesIO):
    """A file that counts the bytes read from it, and stops a reader once they pass
    `limit`: a reader without its bound would otherwise read gigabytes before failing."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data)
        self.bytes_read, self.limit = 0, limit

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        if self.bytes_read > self.limit:
            raise AssertionError(f"read {self.bytes_read} bytes, more than {self.limit}")
        return chunk


def _read_hostile(data: bytes) -> tuple[MediaInfo, int]:
    fh = _CountingFile(data, limit=len(data))  # no more than the whole file, once
    info = MediaInfo(kind="image")
    assert read_heif(fh, data[:65536], info)
    assert (info.width, info.height) == (_WIDTH, _HEIGHT)  # the image's size still read
    return info, fh.bytes_read


_TOO_MANY_EXTENTS = "the HEIF lists too many extents in its item locations (corrupt)"
_EXIF_TOO_LARGE = "the HEIF has an Exif item of over 8 MiB (not read)"


@pytest.mark.parametrize(
    ("items", "mdat", "error"),
    [
        # The reviewer's tiny file: one item with 65,535 extents that cost no bytes,
        # each read as if it were the largest item.
        ({1: [(0, 0)], 2: [(0, 0)] * 65_535}, b"", _TOO_MANY_EXTENTS),
        ({1: [(0, 0)], 2: [(0, 0)] * 2_000}, b"", _TOO_MANY_EXTENTS),  # over one item's bound
        # Many items, each under the bound of one item, over the bound of all together.
        ({1: [(0, 0)]} | {i: [(0, 0)] * 1000 for i in range(3, 20)}, b"", _TOO_MANY_EXTENTS),
        # 300 extents of length 0 ("to the end of the file") from its start: each would
        # read the whole file, 300 times 100 KB, while their lengths add up to 0.
        ({1: [(0, 0)], 2: [(0, 0)] * 300}, b"\0" * 100_000, _EXIF_TOO_LARGE),
    ],
)
def test_heif_listing_more_than_is_read_is_read_with_an_error_and_a_bound(items, mdat, error):
    data = _heif(_iloc(items, widths=0), mdat=mdat)
    info, bytes_read = _read_hostile(data)
    assert info.error == error
    assert bytes_read == 0  # the head held the meta box; no Exif item was read


def test_heif_idat_item_of_zero_length_extents_is_not_read_over_and_over():
    # Construction method 1: the extents are in the meta box's idat, not the file.
    idat = b"\0" * 50_000
    data = _heif(_iloc({1: [(0, 0)], 2: [(0, 0)] * 300}, widths=0, method=1), idat=idat)
    info, _ = _read_hostile(data)
    assert info.error == _EXIF_TOO_LARGE


def test_heif_exif_item_running_to_the_end_of_the_file_is_read():
    # A length of 0 is lawful: the item runs to the end of the file.
    exif = b"\0\0\0\0" + make.cmt_block(make.camera_tags(Shot("Phone Co", "Phone 9", 1)))
    start = len(_heif(_iloc({1: [(0, 0)], 2: [(0, 0)]}, widths=4)))  # mdat's payload
    data = _heif(_iloc({1: [(0, 0)], 2: [(start, 0)]}, widths=4), mdat=exif)
    info, _ = _read_hostile(data)
    assert (info.error, info.camera_make, info.camera_model) == (None, "Phone Co", "Phone 9")
