"""What kind of file this is, from its first bytes.

`sniff` trusts content over names: a signature (magic bytes) decides, and the
extension only picks between formats that share one signature (a TIFF header is
also CR2/NEF/ARW…; a ZIP is also DOCX/ODT…) or names the flavour of plain text.
MIME names follow exiftool's, because exiftool is the reference the corpus truth
was made with.
"""

from __future__ import annotations

import struct

from .tiff_ifd import ifd0_has_tag

__all__ = ["kind_for_mime", "sniff"]

# Raw formats that are plain TIFF inside: only the extension tells them apart.
_TIFF_RAW_BY_EXT = {
    "nef": "image/x-nikon-nef",
    "nrw": "image/x-nikon-nrw",
    "arw": "image/x-sony-arw",
    "sr2": "image/x-sony-sr2",
    "srf": "image/x-sony-srf",
    "pef": "image/x-pentax-pef",
    "dng": "image/x-adobe-dng",
    "cr2": "image/x-canon-cr2",
    "3fr": "image/x-hasselblad-3fr",
    "fff": "image/x-hasselblad-fff",
    "erf": "image/x-epson-erf",
    "mef": "image/x-mamiya-mef",
    "mos": "image/x-raw",
    "iiq": "image/x-raw",
    "kdc": "image/x-kodak-kdc",
    "dcr": "image/x-kodak-dcr",
    "rwl": "image/x-leica-rwl",
    "srw": "image/x-samsung-srw",
    "gpr": "image/x-gopro-gpr",
}

# ISO base media (ftyp) brands. Unknown brands fall back to video/mp4.
_FTYP_BRANDS = {
    "qt  ": "video/quicktime",
    "heic": "image/heic",
    "heix": "image/heic",
    "heim": "image/heic",
    "heis": "image/heic",
    "hevc": "image/heic-sequence",
    "hevx": "image/heic-sequence",
    "avif": "image/avif",
    "avis": "image/avif",
    "crx ": "image/x-canon-cr3",
    "jxl ": "image/jxl",
    "M4A ": "audio/mp4",
    "M4B ": "audio/mp4",
    "M4P ": "audio/mp4",
    "F4A ": "audio/mp4",
    "M4V ": "video/x-m4v",
    "M4VH": "video/x-m4v",
    "M4VP": "video/x-m4v",
}

# Extensionless text gets text/plain; these extensions name a more useful flavour.
_TEXT_BY_EXT = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "htm": "text/html",
    "html": "text/html",
    "xml": "application/xml",
    "json": "application/json",
    "xmp": "application/rdf+xml",
    "svg": "image/svg+xml",
    "vcf": "text/vcard",
    "ics": "text/calendar",
    "srt": "application/x-subrip",
}

_OLE_BY_EXT = {
    "doc": "application/msword",
    "dot": "application/msword",
    "xls": "application/vnd.ms-excel",
    "xlt": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "pps": "application/vnd.ms-powerpoint",
    "pot": "application/vnd.ms-powerpoint",
}

_OOXML = "application/vnd.openxmlformats-officedocument."
_OOXML_BY_EXT = {
    "docx": _OOXML + "wordprocessingml.document",
    "xlsx": _OOXML + "spreadsheetml.sheet",
    "pptx": _OOXML + "presentationml.presentation",
}
_OOXML_BY_PART = {b"word/": "docx", b"xl/": "xlsx", b"ppt/": "pptx"}

_DOCUMENT_MIMES = frozenset(
    {
        "application/pdf",
        "application/postscript",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/epub+zip",
        "application/json",
        "application/xml",
    }
)

# Bytes that occur in text (exiftool's rule): tab/newline/form-feed/CR, printable
# ASCII and 0x80-0xFE (UTF-8 and 8-bit code pages). NUL, other controls, DEL and
# 0xFF mean binary.
_TEXT_BYTES = bytes([*range(0x07, 0x0E), 0x1B, *range(0x20, 0x7F), *range(0x80, 0xFF)])


def kind_for_mime(mime: str | None) -> str:
    """The catalogue kind (image, video, audio, document, other) for a MIME type."""
    if not mime:
        return "other"
    major = mime.split("/", 1)[0]
    if major in ("image", "video", "audio"):
        return major
    if mime == "application/vnd.adobe.photoshop":
        return "image"
    if mime == "application/x-matroska":  # Matroska with no audio/video track (subtitles)
        return "video"
    if (
        major == "text"
        or mime in _DOCUMENT_MIMES
        or mime.startswith((_OOXML, "application/vnd.oasis.opendocument."))
    ):
        return "document"
    return "other"


def sniff(head: bytes, name: str) -> tuple[str, str | None]:
    """Return ``(kind, mime)`` for a file from its first bytes and its name.

    `head` is the file's first bytes (up to 64 KiB is plenty; fewer is fine), `name`
    its filename, used only for its extension. An empty `head` (a zero-byte file)
    has nothing to identify and gives ``("other", None)``, as does binary content
    with no known signature, whatever its extension claims. Never raises.
    """
    try:
        mime = _sniff_mime(head, _extension(name))
    except (IndexError, struct.error, ValueError):  # a signature cut short by a tiny file
        mime = None
    return kind_for_mime(mime), mime


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or "/" in ext:
        return ""
    return ext.lower()


def _sniff_mime(head: bytes, ext: str) -> str | None:
    if not head:
        return None
    b4 = head[:4]
    if head.startswith(b"\xff\xd8\xff"):
        # MPO (stereo) and Ultra HDR are JPEG too, and exiftool calls them image/jpeg.
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if b4 in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return _tiff_family(head, ext)
    if head[4:8] == b"ftyp":
        return _iso_bmff(head, ext)
    if b4 == b"RIFF":
        return {
            b"AVI ": "video/x-msvideo",
            b"WAVE": "audio/x-wav",
            b"WEBP": "image/webp",
        }.get(head[8:12])
    if b4 == b"\x1a\x45\xdf\xa3":
        return _matroska(head, ext)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:1024].lstrip().startswith(b"%PDF-"):
        return "application/pdf"
    mime = _signature(head, ext)
    if mime:
        return mime
    packet = _transport_packet(head, ext)
    if packet:
        # exiftool names a stream of plain 188-byte packets M2T, video/mpeg, and keeps
        # video/m2ts for 192-byte packets that carry a timecode (AVCHD .mts, Blu-ray)
        return "video/m2ts" if packet == 192 else "video/mpeg"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        # QuickTime from before ftyp existed.
        return "video/mp4" if ext in ("mp4", "m4v") else "video/quicktime"
    if _is_utf16_text(head):  # before MP3: FF FE is also a valid MPEG audio frame start
        return _TEXT_BY_EXT.get(ext, "text/plain")
    if _is_mp3_frame(head):
        return "audio/mpeg"
    if _is_text(head):
        return _text_flavour(head, ext)
    return None


def _signature(head: bytes, ext: str) -> str | None:
    """Fixed magic numbers that need no further look."""
    if head.startswith(b"ID3"):
        # An ID3 tag can sit in front of FLAC or AAC as well as MP3.
        size = _syncsafe(head[6:10])
        after = head[10 + size : 10 + size + 4]
        if after == b"fLaC":
            return "audio/flac"
        return "audio/aac" if after[:2] in (b"\xff\xf1", b"\xff\xf9") else "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        first_page = head[28:36]
        return "video/ogg" if first_page.startswith(b"\x80theora") else "audio/ogg"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/x-aiff"
    if head.startswith(b"MThd"):
        return "audio/midi"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head[:2] in (b"\xff\xf1", b"\xff\xf9"):
        return "audio/aac"  # ADTS
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return {"wma": "audio/x-ms-wma", "wmv": "video/x-ms-wmv"}.get(ext, "video/x-ms-asf")
    if head.startswith(b"FLV\x01"):
        return "video/x-flv"
    if head.startswith(b"\x00\x00\x01") and 0xB0 <= head[3] <= 0xBF:
        return "video/mpeg"  # program stream (BA) or elementary video (B3)
    if head.startswith(b"8BPS"):
        return "application/vnd.adobe.photoshop"
    # "BM" alone is too common; also require zero reserved bytes and a known DIB
    # header size.
    if (
        head.startswith(b"BM")
        and head[6:10] == b"\x00\x00\x00\x00"
        and len(head) >= 18
        and struct.unpack_from("<I", head, 14)[0] in (12, 16, 40, 52, 56, 64, 108, 124)
    ):
        return "image/bmp"
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "image/jp2"
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "image/jxl"
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "image/x-fujifilm-raf"
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "image/x-olympus-orf"
    if head[:4] == b"IIU\x00":
        return "image/x-panasonic-rw2"
    if head[:2] in (b"II", b"MM") and head[6:14] in (b"HEAPCCDR", b"HEAPJPGM"):
        return "image/x-canon-crw"
    if head.startswith(b"\x00MRM"):
        return "image/x-minolta-mrw"
    if head.startswith(b"FOVb"):
        return "image/x-sigma-x3f"
    if head.startswith(b"\x00\x00\x01\x00") and ext in ("ico", "cur"):
        return "image/x-icon"
    if head.startswith(b"PK\x03\x04"):
        return _zip(head, ext)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE_BY_EXT.get(ext, "application/x-ole-storage")
    if head.startswith(b"{\\rtf"):
        return "text/rtf"
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return "application/postscript"
    return _archive(head)


def _archive(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b\x08"):
        return "application/x-gzip"
    if head.startswith(b"Rar!\x1a\x07"):
        return "application/x-rar-compressed"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "application/x-7z-compressed"
    if head.startswith(b"BZh") and head[4:10] == b"\x31\x41\x59\x26\x53\x59":
        return "application/bzip2"
    if head[257:262] == b"ustar":
        return "application/x-tar"
    return None


def _tiff_family(head: bytes, ext: str) -> str:
    if head[8:11] == b"CR\x02":
        return "image/x-canon-cr2"
    if ifd0_has_tag(head, 0xC612):  # DNGVersion
        return "image/x-adobe-dng"
    return _TIFF_RAW_BY_EXT.get(ext, "image/tiff")


def _iso_bmff(head: bytes, ext: str) -> str:
    (size,) = struct.unpack_from(">I", head, 0)
    major = head[8:12].decode("latin-1")
    brands = [major] + [
        head[i : i + 4].decode("latin-1") for i in range(16, min(size, len(head)) - 3, 4)
    ]
    if major in ("mif1", "msf1"):
        # Generic HEIF major brand: the compatible brands say which codec.
        if any(b in ("avif", "avis") for b in brands):
            return "image/avif"
        return "image/heic" if major == "mif1" else "image/heic-sequence"
    if major.startswith("3g2"):
        return "video/3gpp2"
    if major.startswith("3g"):
        return "video/3gpp"
    mime = _FTYP_BRANDS.get(major)
    if mime:
        return mime
    # Generic brands (isom, mp41, mp42, avc1…) say nothing about audio-only files.
    return "audio/mp4" if ext == "m4a" else "video/mp4"


def _matroska(head: bytes, ext: str) -> str:
    if b"\x42\x82\x84webm" in head[:64]:  # DocType "webm"
        return "video/webm"
    types = _matroska_track_types(head)
    if 1 in types:
        return "video/x-matroska"
    if 2 in types:
        return "audio/x-matroska"
    if types:
        return "application/x-matroska"  # subtitles only, as exiftool says
    return {"mka": "audio/x-matroska", "mks": "application/x-matroska"}.get(ext, "video/x-matroska")


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int]:
    """Read an EBML variable-length integer; return (value, next position)."""
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError("bad EBML vint")
    value = first if keep_marker else first & (0xFF >> length)
    for b in data[pos + 1 : pos + length]:
        value = (value << 8) | b
    if pos + length > len(data):
        raise IndexError("EBML vint cut short")
    return value, pos + length


def _matroska_track_types(head: bytes) -> set[int]:
    """TrackType values (1 video, 2 audio, 17 subtitle…) found inside `head`."""
    types: set[int] = set()
    # Walk: EBML header (skip) → Segment (enter) → Tracks (enter) → TrackEntry (enter).
    containers = {0x18538067, 0x1654AE6B, 0xAE}
    pos = 0
    try:
        while pos < len(head):
            ident, pos = _vint(head, pos, keep_marker=True)
            size, pos = _vint(head, pos, keep_marker=False)
            if ident == 0x83 and size <= 8:
                types.add(int.from_bytes(head[pos : pos + size], "big"))
            if ident == 0x1F43B675:  # Cluster: media data begins, tracks came before
                break
            if ident not in containers:
                pos += size
    except (IndexError, ValueError):
        pass  # the head ends mid-element, or it is not well-formed: keep what we saw
    return types


def _transport_packet(head: bytes, ext: str) -> int | None:
    """MPEG-TS: a 0x47 sync byte every 188 bytes (or 192 with a 4-byte timestamp); the
    packet size, or None if it is not one."""
    for stride, first in ((188, 0), (192, 4)):
        positions = range(first, len(head), stride)[:16]
        if not positions or any(head[p] != 0x47 for p in positions):
            continue
        # A single packet proves little; accept it only when the name agrees.
        if len(positions) >= 3 or ext in ("ts", "mts", "m2ts", "m2t"):
            return stride
    return None


def _is_mp3_frame(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 3
    layer = (head[1] >> 1) & 3
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _zip(head: bytes, ext: str) -> str:
    names = _zip_names(head)
    if names and names[0] == b"mimetype":
        # ODF and EPUB store their MIME type uncompressed as the first entry.
        _, _, name_len, extra_len = struct.unpack_from("<18xII HH", head, 0)
        start = 30 + name_len + extra_len
        declared = head[start : start + 80].split(b"PK", 1)[0].strip()
        if declared.startswith(b"application/"):
            return declared.decode("ascii", "replace")
    for part, kind in _OOXML_BY_PART.items():
        if any(n.startswith(part) for n in names):
            return _OOXML_BY_EXT[kind]
    return _OOXML_BY_EXT.get(ext, "application/zip")


def _zip_names(head: bytes, limit: int = 12) -> list[bytes]:
    """Names of the first ZIP entries whose local headers lie inside `head`."""
    names = []
    pos = 0
    while len(names) < limit and head[pos : pos + 4] == b"PK\x03\x04" and pos + 30 <= len(head):
        flags, size, name_len, extra_len = struct.unpack_from("<6xH10xI4xHH", head, pos)
        names.append(head[pos + 30 : pos + 30 + name_len])
        if flags & 0x08:  # sizes follow the data: cannot skip to the next entry
            break
        pos += 30 + name_len + extra_len + size
    return names


def _syncsafe(data: bytes) -> int:
    value = 0
    for b in data:
        value = (value << 7) | (b & 0x7F)
    return value


def _is_utf16_text(head: bytes) -> bool:
    """UTF-16 with a byte-order mark (Windows "Unicode" text)."""
    if head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return False
    sample = head[: min(len(head), 1024) & ~1]  # whole code units only
    for cut in (sample, sample[:-2]):  # the sample may end inside a surrogate pair
        try:
            text = cut.decode("utf-16")
        except UnicodeDecodeError:
            continue
        return all(c.isprintable() or c in "\t\n\r\f" for c in text)
    return False


def _is_text(head: bytes) -> bool:
    return not head.translate(None, _TEXT_BYTES)


def _text_flavour(head: bytes, ext: str) -> str:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if start.startswith((b"<?xml", b"<svg")):
        if b"<svg" in head[:4096]:
            return "image/svg+xml"
        return _TEXT_BY_EXT.get(ext, "application/xml")
    return _TEXT_BY_EXT.get(ext, "text/plain")
