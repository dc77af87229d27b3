"""Descriptive metadata: XMP wins over IPTC, a sidecar over both; placeholders are no values."""

from __future__ import annotations

import itertools

from PIL import Image

from luna_desktop.media.images import read_image
from luna_desktop.media.info import MediaInfo
from luna_desktop.media.iptc import apply_iptc
from luna_desktop.media.xmp import apply_sidecar_xmp, apply_xmp
from tests.image_tools import (
    _exiftool_write,
    _iim,
    _png,
    _read,
    _text_chunk,
    _truth,
    _values,
    _xmp,
)

# --- XMP wins over IPTC; sidecars win over both -------------------------------------------


def test_xmp_wins_over_iptc_and_both_are_kept(tmp_path):
    path = tmp_path / "both.jpg"
    Image.new("RGB", (32, 24)).save(path)
    _exiftool_write(
        path,
        "-IPTC:Keywords=old",
        "-IPTC:Keywords=Smith, John",
        "-IPTC:ObjectName=Old title",
        "-IPTC:Caption-Abstract=What IPTC says",
        "-IPTC:City=Paris",
        "-IPTC:By-line=Ann Writer",
        "-XMP-dc:Subject=new",
        "-XMP-dc:Subject=Smith, John",
        "-XMP-dc:Title=New title",
        "-XMP-dc:Creator=Bo Shooter",
    )
    truth, info = _truth(path), _read(path)
    assert info.error is None
    assert info.keywords == _values(truth["XMP-dc:Subject"])
    assert info.extra["title"] == truth["XMP-dc:Title"]
    assert info.extra["creator"] == _values(truth["XMP-dc:Creator"])
    # Where XMP says nothing, IPTC's value stands.
    assert info.extra["description"] == truth["IPTC:Caption-Abstract"]
    assert info.extra["city"] == truth["IPTC:City"]
    # Both sources are kept as they were.
    assert info.extra["iptc"]["keywords"] == _values(truth["IPTC:Keywords"])
    assert info.extra["iptc"]["title"] == truth["IPTC:ObjectName"]
    assert info.extra["iptc"]["creator"] == _values(truth["IPTC:By-line"])
    assert info.extra["xmp"]["keywords"] == _values(truth["XMP-dc:Subject"])


def test_the_precedence_does_not_depend_on_reading_order():
    iim = _iim((25, "a, b"), (25, "iptc only"), (5, "IPTC title"), (120, "IPTC caption"))
    packet = _xmp(
        "a, b",
        "xmp",
        body='<dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
        "XMP title</rdf:li></rdf:Alt></dc:title>",
    )
    sidecar = _xmp("sidecar", attrs='xmp:Rating="5"')
    steps = {
        "iptc": lambda i: apply_iptc(iim, i),
        "xmp": lambda i: apply_xmp(packet.decode(), i),  # videos hand over text
        "sidecar": lambda i: apply_sidecar_xmp(sidecar, i),
    }
    results = []
    for order in itertools.permutations(steps):
        info = MediaInfo(keywords=["from the container"])
        for step in order:
            steps[step](info)
        results.append((info.keywords, info.extra))
    assert all(result == results[0] for result in results)
    keywords, extra = results[0]
    assert keywords == ["from the container", "sidecar"]
    assert (extra["title"], extra["description"], extra["rating"]) == (
        "XMP title",
        "IPTC caption",
        5,
    )
    assert extra["iptc"]["keywords"] == ["a, b", "iptc only"]


def test_blocks_of_one_kind_merge_their_lists_and_the_first_keeps_its_value():
    # A file may hold two IPTC blocks (or two XMP packets): a leftover of some editor.
    info = MediaInfo()
    apply_iptc(_iim((25, "first"), (5, "First title")), info)
    apply_iptc(_iim((25, "second"), (5, "Second title")), info)
    assert info.keywords == ["first", "second"]
    assert info.extra["title"] == info.extra["iptc"]["title"] == "First title"


def test_xmp_title_description_rating_creator_and_places(tmp_path):
    body = (
        '<dc:title><rdf:Alt><rdf:li xml:lang="de">Hafen</rdf:li>'
        '<rdf:li xml:lang="x-default">Harbour</rdf:li></rdf:Alt></dc:title>'
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Boats at dusk</rdf:li>'
        "</rdf:Alt></dc:description>"
        "<dc:creator><rdf:Seq><rdf:li>Smith, John</rdf:li><rdf:li>Ann Lee</rdf:li>"
        "</rdf:Seq></dc:creator>"
    )
    attrs = 'xmp:Rating="4" photoshop:City="Sydney" photoshop:Country="Australia"'
    chunk = _text_chunk(b"iTXt", b"XML:com.adobe.xmp", _xmp("boats", attrs=attrs, body=body))
    path = tmp_path / "described.png"
    path.write_bytes(_png(Image.new("RGB", (8, 8)), before=chunk))
    truth, info = _truth(path), _read(path)
    assert info.extra["title"] == truth["XMP-dc:Title"] == "Harbour"  # x-default first
    assert info.extra["description"] == truth["XMP-dc:Description"]
    assert info.extra["creator"] == _values(truth["XMP-dc:Creator"])
    assert info.extra["rating"] == truth["XMP-xmp:Rating"]
    assert info.extra["city"] == truth["XMP-photoshop:City"]
    assert info.extra["country"] == truth["XMP-photoshop:Country"]


def test_sidecar_wins_over_what_the_image_embeds(tmp_path):
    image = tmp_path / "IMG_1234.jpg"
    Image.new("RGB", (32, 24)).save(image)
    _exiftool_write(
        image,
        "-XMP-dc:Subject=embedded",
        "-XMP-dc:Title=Embedded title",
        "-XMP-dc:Description=Embedded description",
        "-XMP:Rating=2",
        "-IPTC:Keywords=iptc",
    )
    # What darktable writes: dc:subject, and the same keywords as a hierarchy.
    sidecar = tmp_path / "IMG_1234.xmp"
    sidecar.write_bytes(
        _xmp(
            "Smith, John",
            "Dublin",
            attrs='xmp:Rating="5"',
            body="<lr:hierarchicalSubject><rdf:Bag><rdf:li>people|Smith, John</rdf:li>"
            "<rdf:li>places|Ireland|Dublin</rdf:li></rdf:Bag></lr:hierarchicalSubject>"
            '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Sidecar title</rdf:li>'
            "</rdf:Alt></dc:title>",
        )
    )
    embedded, side = _truth(image), _truth(sidecar)

    for sidecar_first in (False, True):
        info = MediaInfo()
        if sidecar_first:
            apply_sidecar_xmp(sidecar.read_bytes(), info)
        with image.open("rb") as fh:
            read_image(fh, info)
        if not sidecar_first:
            apply_sidecar_xmp(sidecar.read_bytes(), info)
        assert info.error is None
        assert info.keywords == _values(side["XMP-dc:Subject"])  # not the hierarchy
        assert info.extra["title"] == side["XMP-dc:Title"]
        assert info.extra["rating"] == side["XMP-xmp:Rating"]
        # The sidecar has no description: the image's stands.
        assert info.extra["description"] == embedded["XMP-dc:Description"]
        assert info.extra["xmp_sidecar"]["keywords"] == _values(side["XMP-dc:Subject"])
        assert info.extra["xmp"]["keywords"] == _values(embedded["XMP-dc:Subject"])
        assert info.extra["xmp"]["rating"] == embedded["XMP-xmp:Rating"]
        assert info.extra["iptc"]["keywords"] == _values(embedded["IPTC:Keywords"])


# --- placeholders -------------------------------------------------------------------------


def test_zero_gps_and_zero_dates_in_xmp_and_iptc_are_no_values(tmp_path):
    path = tmp_path / "zero.jpg"
    Image.new("RGB", (32, 24)).save(path)
    _exiftool_write(
        path,
        "-XMP-exif:GPSLatitude=0",
        "-XMP-exif:GPSLongitude=0",
        # "#=": written as given; exiftool would refuse a zero date otherwise.
        "-XMP-exif:DateTimeOriginal#=0000:00:00 00:00:00",
        "-IPTC:DateCreated#=00000000",
        "-IPTC:Keywords=zero",
    )
    truth, info = _truth(path), _read(path)
    assert truth["XMP-exif:GPSLatitude"] == 0 == truth["XMP-exif:GPSLongitude"]
    assert truth["XMP-exif:DateTimeOriginal"].startswith("0000")
    assert truth["IPTC:DateCreated"].startswith("0000")
    assert (info.lat, info.lng) == (None, None)
    assert info.taken_at is None
    assert "date" not in info.extra["iptc"] and "xmp" not in info.extra
    # The same as the text cameras and programs write it.
    info = MediaInfo()
    apply_xmp(
        _xmp(attrs='exif:GPSLatitude="0,0.0N" exif:GPSLongitude="0,0.0E"'
             ' exif:DateTimeOriginal="0000:00:00"'),
        info,
    )  # fmt: skip
    assert (info.lat, info.lng, info.taken_at, info.error) == (None, None, None, None)
    assert "xmp" not in info.extra  # nothing worth keeping
