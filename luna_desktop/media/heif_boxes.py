"""HEIF and AVIF: size, orientation, EXIF and XMP from the `meta` box, never the image data.

Both formats are ISO base media files whose pictures are "items" described in one
`meta` box: `pitm` names the primary item, `iinf` gives every item's type, `iloc`
where its bytes are, and `iprp` its properties (`ipco` lists them, `ipma` says which
belong to which item). Reading that box, usually a few kilobytes near the start, is
all a scan needs, and much cheaper than opening the file with an image library.

One convention holds for every format Luna reads: width and height are the stored
size, before any rotation, and the rotation is the EXIF orientation. A HEIF's stored
size is its primary item's `ispe`; its rotation is the `irot` (anticlockwise quarter
turns) and `imir` (mirror) properties, applied in the order `ipma` lists them. They,
not the EXIF Orientation tag, are what viewers honour, so they win when present.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from luna_desktop.media import bmff
from luna_desktop.media.byte_source import ByteSource
from luna_desktop.media.exif import apply_exif, exif_from_bytes
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.xmp import apply_xmp

__all__ = ["orientation_of", "read_heif"]

_MAX_META = 16 * 1024 * 1024  # an iPhone's meta box is ~10 KB; more is not metadata
_MAX_ITEM = 8 * 1024 * 1024  # the most read of one EXIF or XMP item
_MAX_BOXES = 10_000  # top-level boxes walked before giving up on a hostile file
# Items and extents listed in iloc and ipma. An extent whose offset and length are 0 bytes
# wide costs nothing in the file, so without a bound a few kilobytes could list millions.
# A real file has one extent an item, and a 200-megapixel grid under a thousand tiles.
_MAX_ITEMS = 10_000
_MAX_EXTENTS = 1_024  # of one item
_MAX_ALL_EXTENTS = 16_384  # of all items together
_XMP_TYPES = (b"application/rdf+xml", b"text/xml")
# The struct codes of iloc's fields by their width in bytes; the standard allows 0, 4, 8.
_FIELD = {0: "", 4: "I", 8: "Q"}


@dataclass
class _Meta:
    """What the meta box says, by item id."""

    primary: int | None = None
    types: dict[int, bytes] = field(default_factory=dict)  # 'hvc1', 'av01', 'Exif', 'mime'
    content_types: dict[int, bytes] = field(default_factory=dict)  # of 'mime' items
    # (construction method, [(offset, length)]): method 0 is the file, 1 the idat box.
    locations: dict[int, tuple[int, list[tuple[int, int]]]] = field(default_factory=dict)
    properties: list[tuple[bytes, bytes]] = field(default_factory=list)  # ipco, in order
    associations: dict[int, list[int]] = field(default_factory=dict)  # 1-based ipco indices
    describes: dict[int, list[int]] = field(default_factory=dict)  # 'cdsc': item -> items
    idat: bytes = b""
    # What is wrong though the image is readable, each to follow "the HEIF ".
    problems: list[str] = field(default_factory=list)


def read_heif(fh: BinaryIO, head: bytes, info: MediaInfo) -> bool:
    """Fill `info` from a HEIF or AVIF file's meta box.

    Returns False, touching nothing, when the file has no readable primary image item
    (an image sequence, a damaged meta box): the caller then tries a general reader.
    """
    size = fh.seek(0, 2)
    source = ByteSource(fh, head)
    try:
        meta = _parse_meta(_meta_box(source, size))
    except (struct.error, ValueError, IndexError):
        return False
    extent = _primary_size(meta)
    if extent is None:
        return False
    info.extractor = "heif-boxes"
    info.width, info.height = extent
    exif_item = _metadata_item(meta, lambda i: meta.types.get(i) == b"Exif")
    exif = _item_data(source, size, meta, exif_item, "an Exif")
    if exif is not None and len(exif) >= 4:
        apply_exif(exif_from_bytes(_tiff_block(exif), info), info)
    xmp_item = _metadata_item(meta, lambda i: _is_xmp(meta, i))
    xmp = _item_data(source, size, meta, xmp_item, "an XMP")
    if xmp:
        apply_xmp(xmp, info)
    transforms = _transforms(meta)
    if transforms:
        orientation = orientation_of(transforms)
        # An explicit "no turn" with no EXIF orientation stays no orientation, as
        # exiftool reports it.
        if orientation != 1 or info.orientation is not None:
            info.orientation = orientation
    kind = "AVIF" if meta.types.get(meta.primary or 0) == b"av01" else "HEIF"
    for problem in meta.problems:
        info.add_error(f"the {kind} {problem}")
    if _data_end(meta) > size:
        info.add_error(f"the {kind} is truncated (its image data runs past the end of the file)")
    return True


# --- orientation ----------------------------------------------------------------------

# What each EXIF orientation does to the stored picture to show it, applied here to a
# small asymmetric grid; a HEIF's transforms are applied to the same grid, and the
# orientation that gives the same result is theirs. No table of cases to get wrong.
_GRID = ((1, 2, 3), (4, 5, 6))


def _rotate_anticlockwise(grid: tuple) -> tuple:
    return tuple(zip(*grid, strict=True))[::-1]


def _flip_left_right(grid: tuple) -> tuple:
    return tuple(row[::-1] for row in grid)


def _flip_top_bottom(grid: tuple) -> tuple:
    return grid[::-1]


def _turned(grid: tuple, quarter_turns_anticlockwise: int) -> tuple:
    for _ in range(quarter_turns_anticlockwise % 4):
        grid = _rotate_anticlockwise(grid)
    return grid


_EXIF_VIEWS = {
    1: _GRID,
    2: _flip_left_right(_GRID),
    3: _turned(_GRID, 2),
    4: _flip_top_bottom(_GRID),
    5: _flip_left_right(_turned(_GRID, 3)),  # transpose
    6: _turned(_GRID, 3),  # a quarter turn clockwise
    7: _flip_top_bottom(_turned(_GRID, 3)),  # transverse
    8: _turned(_GRID, 1),
}


def orientation_of(transforms: list[tuple[bytes, int]]) -> int:
    """The EXIF orientation (1-8) equal to HEIF transforms applied in order:
    (b"irot", quarter turns anticlockwise) and (b"imir", mirror). A mirror of 0 flips
    top and bottom, 1 left and right, as libheif and the 2022 edition of the HEIF
    standard define it (the 2017 edition's wording of "axis" was ambiguous)."""
    grid = _GRID
    for kind, value in transforms:
        if kind == b"irot":
            grid = _turned(grid, value)
        else:
            grid = _flip_left_right(grid) if value & 1 else _flip_top_bottom(grid)
    return next(o for o, view in _EXIF_VIEWS.items() if view == grid)


def _transforms(meta: _Meta) -> list[tuple[bytes, int]]:
    found = []
    for index in meta.associations.get(meta.primary or 0, []):
        if 0 < index <= len(meta.properties):
            kind, body = meta.properties[index - 1]
            if kind == b"irot" and body:
                found.append((kind, body[0] & 3))
            elif kind == b"imir" and body:
                found.append((kind, body[0] & 1))
    return found


# --- boxes ----------------------------------------------------------------------------


def _meta_box(source: ByteSource, size: int) -> bytes:
    """The top-level meta box's payload, found by walking box headers (seeking past
    the image data, which may come first)."""
    for kind, at, header_len, length in bmff.file_boxes(source, size, _MAX_BOXES):
        if kind == b"meta":
            if length > _MAX_META:
                break
            return source.get(at + header_len, length - header_len)
    raise ValueError("no meta box")


def _children(data: bytes, start: int = 0) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each box in `data` from `start`. A box that overruns its
    parent raises: the meta box is then unreadable, and a general reader tries."""
    for kind, body, stop in bmff.boxes(data, start, whole=True):
        yield kind, data[body:stop]


def _parse_meta(payload: bytes) -> _Meta:
    meta = _Meta()
    for kind, body in _children(payload, 4):  # meta is a full box: version and flags first
        if kind == b"pitm":
            meta.primary = struct.unpack_from(">H" if body[0] == 0 else ">I", body, 4)[0]
        elif kind == b"iinf":
            _parse_iinf(body, meta)
        elif kind == b"iloc":
            _parse_iloc(body, meta)
        elif kind == b"iref":
            _parse_iref(body, meta)
        elif kind == b"iprp":
            for child, content in _children(body):
                if child == b"ipco":
                    meta.properties = list(_children(content))
                elif child == b"ipma":
                    _parse_ipma(content, meta)
        elif kind == b"idat":
            meta.idat = body
    return meta


def _parse_iinf(body: bytes, meta: _Meta) -> None:
    start = 6 if body[0] == 0 else 8  # entry count: 16 bits in version 0, else 32
    for kind, infe in _children(body, start):
        if kind != b"infe":
            continue
        version = infe[0]
        if version >= 2:
            wide = version >= 3
            item = struct.unpack_from(">I" if wide else ">H", infe, 4)[0]
            pos = 4 + (4 if wide else 2) + 2  # id, protection index
            item_type = infe[pos : pos + 4]
            meta.types[item] = item_type
            if item_type == b"mime":
                name_end = infe.index(b"\x00", pos + 4)
                meta.content_types[item] = infe[name_end + 1 :].split(b"\x00", 1)[0]
        else:  # versions 0 and 1 name a content type only
            (item,) = struct.unpack_from(">H", infe, 4)
            fields = infe[8:].split(b"\x00")
            if len(fields) > 1:
                meta.types[item] = b"mime"
                meta.content_types[item] = fields[1]


def _parse_iloc(body: bytes, meta: _Meta) -> None:
    version = body[0]
    sizes = struct.unpack_from(">H", body, 4)[0]
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 15
    base_size, index_size = (sizes >> 4) & 15, sizes & 15 if version else 0
    # One struct for an item's fixed fields (id, construction method in versions 1 and
    # 2, data reference, base offset, extent count) and one for an extent's: an
    # iPhone's grid lists ~50 items, and field by field they cost 4 times as much.
    try:
        item_fields = struct.Struct(
            (">I" if version == 2 else ">H")
            + ("H" if version in (1, 2) else "")
            + "H"
            + _FIELD[base_size]
            + "H"
        )
        extent_fields = struct.Struct(
            ">" + _FIELD[index_size] + _FIELD[offset_size] + _FIELD[length_size]
        )
    except KeyError:
        raise ValueError("iloc field of a width the standard does not allow") from None
    offset_at, has_offset, has_length = bool(index_size), bool(offset_size), bool(length_size)
    count, pos = _uint(body, 6, 4 if version == 2 else 2)
    if count > _MAX_ITEMS:
        meta.problems.append("lists too many items in its item locations (corrupt)")
        count = _MAX_ITEMS
    all_extents = 0
    for _ in range(count):
        fields = item_fields.unpack_from(body, pos)
        pos += item_fields.size
        extents = fields[-1]
        all_extents += extents
        if extents > _MAX_EXTENTS or all_extents > _MAX_ALL_EXTENTS:
            meta.problems.append("lists too many extents in its item locations (corrupt)")
            return  # the items before are kept: the image's size does not need them
        base = fields[-2] if base_size else 0
        spans = []
        for _ in range(extents):
            extent = extent_fields.unpack_from(body, pos)
            pos += extent_fields.size
            offset = extent[offset_at] if has_offset else 0
            spans.append((base + offset, extent[-1] if has_length else 0))
        method = fields[1] & 15 if version in (1, 2) else 0
        meta.locations[fields[0]] = (method, spans)


def _parse_iref(body: bytes, meta: _Meta) -> None:
    width = 2 if body[0] == 0 else 4
    for kind, ref in _children(body, 4):
        if kind != b"cdsc":  # "content describes": a metadata item and what it is about
            continue
        source, pos = _uint(ref, 0, width)
        count, pos = _uint(ref, pos, 2)
        for _ in range(count):
            target, pos = _uint(ref, pos, width)
            meta.describes.setdefault(source, []).append(target)


def _parse_ipma(body: bytes, meta: _Meta) -> None:
    version, wide_index = body[0], body[3] & 1
    count, pos = _uint(body, 4, 4)
    if count > _MAX_ITEMS:
        meta.problems.append("lists too many items in its item properties (corrupt)")
        count = _MAX_ITEMS
    for _ in range(count):
        item, pos = _uint(body, pos, 2 if version < 1 else 4)
        associations = body[pos]
        pos += 1
        indices = meta.associations.setdefault(item, [])
        for _ in range(associations):
            value, pos = _uint(body, pos, 2 if wide_index else 1)
            indices.append(value & (0x7FFF if wide_index else 0x7F))  # top bit: essential


def _uint(data: bytes, pos: int, width: int) -> tuple[int, int]:
    if pos + width > len(data):
        raise ValueError("box cut short")
    return int.from_bytes(data[pos : pos + width], "big"), pos + width


# --- items ----------------------------------------------------------------------------


def _primary_size(meta: _Meta) -> tuple[int, int] | None:
    for index in meta.associations.get(meta.primary or 0, []):
        if 0 < index <= len(meta.properties):
            kind, body = meta.properties[index - 1]
            if kind == b"ispe" and len(body) >= 12:
                width, height = struct.unpack_from(">II", body, 4)
                if width and height:
                    return width, height
    return None


def _is_xmp(meta: _Meta, item: int) -> bool:
    return meta.types.get(item) == b"mime" and meta.content_types.get(item) in _XMP_TYPES


def _metadata_item(meta: _Meta, wanted: Callable[[int], bool]) -> int | None:
    """The item of a kind that describes the primary image, else the first of it."""
    items = [i for i in meta.types if wanted(i)]
    about_primary = [i for i in items if meta.primary in meta.describes.get(i, ())]
    return (about_primary or items or [None])[0]


def _item_data(
    source: ByteSource, size: int, meta: _Meta, item: int | None, name: str
) -> bytes | None:
    """An item's bytes, if it has any that can be read and they are not too many."""
    if item is None or item not in meta.locations:
        return None
    method, spans = meta.locations[item]
    if method not in (0, 1):
        return None  # 2: inside another item; never seen in a metadata item
    end = len(meta.idat) if method == 1 else size
    # A length of 0 means "to the end" (of the file, or of idat): counted as what it
    # reaches, so that a run of such extents, each reaching far, is seen to add up to
    # more than the most read before any of it is read.
    spans = [(offset, length or max(end - offset, 0)) for offset, length in spans]
    if sum(length for _, length in spans) > _MAX_ITEM:
        meta.problems.append(f"has {name} item of over {_MAX_ITEM >> 20} MiB (not read)")
        return None
    if method == 1:
        return b"".join(meta.idat[offset : offset + length] for offset, length in spans)
    return b"".join(source.get(offset, length) for offset, length in spans)


def _tiff_block(exif: bytes) -> bytes:
    """An Exif item's TIFF block. The item starts with the offset of the TIFF header
    past its first four bytes (6 when an "Exif\\0\\0" prefix sits between); a
    writer that got the offset wrong still put the header within the first bytes."""
    (skip,) = struct.unpack_from(">I", exif)
    if exif[4 + skip : 6 + skip] in (b"II", b"MM"):
        return exif[4 + skip :]
    found = [at for at in (exif.find(b"MM\x00*", 0, 64), exif.find(b"II*\x00", 0, 64)) if at >= 0]
    return exif[min(found) :] if found else exif[4:]


def _data_end(meta: _Meta) -> int:
    """Where the last byte any item keeps in the file lies: past the end of the file,
    the file was cut short."""
    ends = [
        offset + length
        for method, spans in meta.locations.values()
        if method == 0
        for offset, length in spans
    ]
    return max(ends, default=0)
