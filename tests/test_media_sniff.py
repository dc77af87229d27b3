from __future__ import annotations

import random
import struct

import pytest

from luna_desktop.media.sniff import kind_for_mime, sniff

HEAD = 65536


def _expected_kind(mime: str) -> str:
    """The catalogue kind a truth MIME must map to (independent of sniff's own table)."""
    if not mime:
        return "other"
    if mime == "application/x-matroska":  # a Matroska file is something to play
        return "video"
    return mime.split("/", 1)[0]


def test_every_corpus_file_gets_the_truth_mime_and_kind(corpus, truth):
    wrong = []
    for row in truth:
        path = corpus / row["relative_path"]
        with path.open("rb") as fh:
            head = fh.read(HEAD)
        got = sniff(head, path.name)
        want = (_expected_kind(row["mime"]), row["mime"] or None)
        if got != want:
            wrong.append(f"{row['relative_path']}: got {got}, truth {want}")
    assert not wrong, "\n".join(wrong)
    assert len(truth) > 50  # the whole corpus was checked, not an empty list


# --- synthetic heads ----------------------------------------------------------------


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08free"


def _tiff(order: str = "<", tags: tuple[int, ...] = (256, 257)) -> bytes:
    """A TIFF header with IFD0 right after it, holding `tags`."""
    magic = b"II*\x00" if order == "<" else b"MM\x00*"
    entries = b"".join(struct.pack(order + "HHII", tag, 4, 1, 1) for tag in tags)
    ifd0 = struct.pack(order + "H", len(tags)) + entries + bytes(4)
    return magic + struct.pack(order + "I", 8) + ifd0


def _zip(*entries: tuple[bytes, bytes]) -> bytes:
    out = b""
    for name, data in entries:
        out += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, len(data), len(data), len(name), 0
        )
        out += name + data
    return out + b"PK\x01\x02"


def _ebml(ident: int, payload: bytes) -> bytes:
    ident_bytes = ident.to_bytes((ident.bit_length() + 7) // 8, "big")
    return ident_bytes + bytes([0x80 | len(payload)]) + payload


def _matroska(doctype: bytes, *track_types: int) -> bytes:
    header = _ebml(0x1A45DFA3, _ebml(0x4282, doctype))
    tracks = b"".join(
        _ebml(0xAE, _ebml(0xD7, b"\x01") + _ebml(0x83, bytes([t]))) for t in track_types
    )
    # Segment with "unknown" size, as live-written files have.
    segment = bytes.fromhex("18538067") + b"\x01\xff\xff\xff\xff\xff\xff\xff"
    return (
        header
        + segment
        + _ebml(0x1549A966, b"\x2a\xd7\xb1\x83\x0f\x42\x40")
        + _ebml(0x1654AE6B, tracks)
    )


def _ts(stride: int, packets: int = 5) -> bytes:
    prefix = b"\x00\x01\x02\x03" if stride == 192 else b""
    return b"".join(prefix + b"\x47" + bytes(187) for _ in range(packets))


def _riff(form: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 1000) + form + b"LIST" + bytes(20)


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        # images
        (b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00", "a.jpg", ("image", "image/jpeg")),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "stereo.mpo", ("image", "image/jpeg")),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.png", ("image", "image/png")),
        (b"GIF89a\x01\x00\x01\x00", "a.gif", ("image", "image/gif")),
        (
            b"BM" + struct.pack("<I", 90) + bytes(4) + struct.pack("<II", 54, 40),
            "a.bmp",
            ("image", "image/bmp"),
        ),
        (_riff(b"WEBP"), "a.webp", ("image", "image/webp")),
        (_ftyp(b"heic", b"mif1", b"heic"), "a.heic", ("image", "image/heic")),
        (_ftyp(b"mif1", b"mif1", b"heic"), "a.heif", ("image", "image/heic")),
        (_ftyp(b"avif", b"avif", b"mif1"), "a.avif", ("image", "image/avif")),
        (_ftyp(b"mif1", b"avif", b"mif1"), "a.avif", ("image", "image/avif")),
        (_ftyp(b"crx ", b"crx "), "a.cr3", ("image", "image/x-canon-cr3")),
        (b"8BPS\x00\x01" + bytes(20), "a.psd", ("image", "application/vnd.adobe.photoshop")),
        (b"FUJIFILMCCD-RAW 0201", "a.raf", ("image", "image/x-fujifilm-raf")),
        (b"IIRO\x08\x00\x00\x00", "a.orf", ("image", "image/x-olympus-orf")),
        (b"IIU\x00\x18\x00\x00\x00", "a.rw2", ("image", "image/x-panasonic-rw2")),
        # TIFF: content first, the extension only names TIFF-shaped raw formats
        (_tiff(), "scan.tif", ("image", "image/tiff")),
        (_tiff(">"), "scan.TIFF", ("image", "image/tiff")),
        (_tiff(), "DSC_0001.NEF", ("image", "image/x-nikon-nef")),
        (_tiff(), "DSC01234.arw", ("image", "image/x-sony-arw")),
        (_tiff(), "noext", ("image", "image/tiff")),
        (
            b"II*\x00\x10\x00\x00\x00CR\x02\x00" + bytes(8),
            "renamed.tif",
            ("image", "image/x-canon-cr2"),
        ),
        (_tiff(">", (256, 257, 0xC612)), "renamed.tif", ("image", "image/x-adobe-dng")),
        (_tiff("<", (256, 257)), "IMG.dng", ("image", "image/x-adobe-dng")),
        # video
        (_ftyp(b"qt  ", b"qt  "), "a.mov", ("video", "video/quicktime")),
        (_ftyp(b"isom", b"isom", b"avc1"), "a.mp4", ("video", "video/mp4")),
        (_ftyp(b"mp42", b"isom"), "clip.MOV", ("video", "video/mp4")),  # content wins
        (_ftyp(b"3gp5", b"3gp4"), "a.3gp", ("video", "video/3gpp")),
        (_ftyp(b"3g2a"), "a.3g2", ("video", "video/3gpp2")),
        (_ftyp(b"M4V "), "a.m4v", ("video", "video/x-m4v")),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x10mdat", "old.mov", ("video", "video/quicktime")),
        (_riff(b"AVI "), "a.avi", ("video", "video/x-msvideo")),
        (_matroska(b"webm", 1), "a.webm", ("video", "video/webm")),
        (_matroska(b"matroska", 1, 2), "a.mkv", ("video", "video/x-matroska")),
        (_matroska(b"matroska", 2), "a.mkv", ("audio", "audio/x-matroska")),
        (_matroska(b"matroska", 17), "a.mkv", ("video", "application/x-matroska")),
        (_ts(188), "a.ts", ("video", "video/mpeg")),  # exiftool's M2T
        (_ts(192), "00001.MTS", ("video", "video/m2ts")),
        (_ts(192, packets=1), "00001.m2ts", ("video", "video/m2ts")),
        (b"\x00\x00\x01\xba\x44" + bytes(10), "a.mpg", ("video", "video/mpeg")),
        (b"FLV\x01\x05" + bytes(10), "a.flv", ("video", "video/x-flv")),
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11" + bytes(8), "a.wmv", ("video", "video/x-ms-wmv")),
        # audio
        (_ftyp(b"M4A ", b"M4A ", b"isom"), "a.m4a", ("audio", "audio/mp4")),
        (_ftyp(b"isom", b"iso2"), "a.m4a", ("audio", "audio/mp4")),
        (
            b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00",
            "a.mp3",
            ("audio", "audio/mpeg"),
        ),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00fLaC", "a.flac", ("audio", "audio/flac")),
        (b"\xff\xfb\x90\x64" + bytes(100), "a.mp3", ("audio", "audio/mpeg")),
        (b"fLaC\x00\x00\x00\x22", "a.flac", ("audio", "audio/flac")),
        (b"OggS\x00\x02" + bytes(22) + b"\x01vorbis", "a.ogg", ("audio", "audio/ogg")),
        (b"OggS\x00\x02" + bytes(22) + b"\x80theora", "a.ogv", ("video", "video/ogg")),
        (_riff(b"WAVE"), "a.wav", ("audio", "audio/x-wav")),
        (b"FORM\x00\x00\x10\x00AIFF", "a.aif", ("audio", "audio/x-aiff")),
        # documents
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a.pdf", ("document", "application/pdf")),
        (b"{\\rtf1\\ansi", "a.rtf", ("document", "text/rtf")),
        (b"Hello, world\nSecond line\n", "notes.txt", ("document", "text/plain")),
        (b"# Title\n\nSome *markdown*.\n", "README.md", ("document", "text/plain")),
        (b"a,b,c\n1,2,3\n", "table.csv", ("document", "text/csv")),
        ("Caf\u00e9 cr\u00e8me\n".encode(), "menu", ("document", "text/plain")),
        ("Caf\u00e9\n".encode("latin-1"), "old.txt", ("document", "text/plain")),
        ("\ufeffText".encode("utf-16-le"), "wide.txt", ("document", "text/plain")),
        (b"<!DOCTYPE html><html></html>", "index", ("document", "text/html")),
        (b"hello", ".bashrc", ("document", "text/plain")),
        (
            _zip((b"[Content_Types].xml", b"<Types/>"), (b"word/document.xml", b"<w/>")),
            "letter.bin",
            ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ),
        (
            _zip((b"[Content_Types].xml", b"<Types/>"), (b"xl/workbook.xml", b"<x/>")),
            "book.xlsx",
            ("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ),
        (
            _zip((b"mimetype", b"application/vnd.oasis.opendocument.text")),
            "a.odt",
            ("document", "application/vnd.oasis.opendocument.text"),
        ),
        (_zip((b"photos/a.jpg", b"\xff\xd8\xff")), "photos.zip", ("other", "application/zip")),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16),
            "old.doc",
            ("document", "application/msword"),
        ),
        # nothing to recognise
        (b"", "FILE0001.JPG", ("other", None)),
        (b"\x00\x00\x01", "tiny.bin", ("other", None)),
        (b"\x00\x01\x02\x03\x04\xfe\xff" * 10, "data.jpg", ("other", None)),
    ],
)
def test_signatures(head, name, expected):
    assert sniff(head, name) == expected


def test_content_beats_a_misleading_extension():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert sniff(png, "holiday.jpg") == ("image", "image/png")
    assert sniff(b"\xff\xd8\xff\xe0", "photo.png") == ("image", "image/jpeg")
    assert sniff(_ftyp(b"qt  "), "clip.mp4") == ("video", "video/quicktime")


def test_random_bytes_named_jpg_are_not_an_image():
    garbage = random.Random(1234).randbytes(8192)
    assert garbage[:3] != b"\xff\xd8\xff"
    assert sniff(garbage, "IMG_0001.JPG") == ("other", None)


def test_non_utf8_names_with_backslash_escapes():
    # Names that are not valid UTF-8 reach sniff with backslash escapes.
    assert sniff(b"\xff\xd8\xff\xe0", "caf\\xe9 \\\\ 1.JPG") == ("image", "image/jpeg")
    assert sniff(_tiff(), "R\\xe9sum\\xe9.NEF") == ("image", "image/x-nikon-nef")
    assert sniff(b"text only\n", "dir\\x2f.name") == ("document", "text/plain")


def test_transport_stream_needs_more_than_one_sync_byte_without_a_ts_name():
    one_packet = _ts(188, packets=1)
    assert sniff(one_packet, "clip.ts") == ("video", "video/mpeg")
    assert sniff(one_packet, "clip.bin")[1] is None


def test_truncated_signatures_do_not_raise():
    for head in (b"PK\x03\x04", b"\x1a\x45\xdf\xa3\x9f", b"II*\x00\xff\xff", b"ID3\x04"):
        kind, mime = sniff(head, "x")
        assert kind in ("image", "video", "audio", "document", "other")
        assert mime is None or "/" in mime


@pytest.mark.parametrize(
    ("mime", "kind"),
    [
        ("image/x-canon-cr2", "image"),
        ("video/m2ts", "video"),
        ("audio/flac", "audio"),
        ("application/pdf", "document"),
        ("text/csv", "document"),
        ("application/vnd.oasis.opendocument.spreadsheet", "document"),
        ("application/x-matroska", "video"),
        ("application/zip", "other"),
        (None, "other"),
    ],
)
def test_kind_for_mime(mime, kind):
    assert kind_for_mime(mime) == kind
