"""XMP sidecars: read with their image, recorded in its row, followed by rescans."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from luna_desktop.catalog.formatting import fact_values
from luna_desktop.catalog.models import FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.scan.sidecars import pair_sidecars
from luna_desktop.scan.walk import FoundFile
from tests.media_factory import make_jpeg
from tests.media_tools import exiftool
from tests.scanning import row, run_scan


def _sidecar(path: Path, keywords: list[str], title: str = "", rating: int | None = None):
    """An XMP sidecar as Lightroom writes one."""
    items = "".join(f"<rdf:li>{k}</rdf:li>" for k in keywords)
    title_xml = (
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>'
        if title
        else ""
    )
    rating_attr = f' xmp:Rating="{rating}"' if rating is not None else ""
    path.write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        f' xmlns:xmp="http://ns.adobe.com/xap/1.0/"{rating_attr}>'
        f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>{title_xml}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    return path


def _names(files: list[FoundFile]) -> list[bytes]:
    return [f.name for f in files]


def _found(*names: str) -> list[FoundFile]:
    return [FoundFile(n.encode(), n, True, 1, 0.0, 0, i) for i, n in enumerate(names)]


# --- pairing ----------------------------------------------------------------------------


def test_darktable_and_lightroom_names_pair_with_their_image():
    files = _found("IMG_1.CR2", "IMG_1.CR2.xmp", "IMG_2.NEF", "IMG_2.xmp", "notes.txt")
    paired = pair_sidecars(files)
    assert {k: v.name for k, v in paired.items()} == {
        b"IMG_1.CR2": b"IMG_1.CR2.xmp",
        b"IMG_2.NEF": b"IMG_2.xmp",
    }
    assert _names(files) == [b"IMG_1.CR2", b"IMG_2.NEF", b"notes.txt"]


def test_lightroom_sidecar_belongs_to_the_raw_file_beside_a_jpeg():
    files = _found("IMG_3.JPG", "IMG_3.CR2", "IMG_3.xmp")
    assert {k: v.name for k, v in pair_sidecars(files).items()} == {b"IMG_3.CR2": b"IMG_3.xmp"}


def test_a_sidecar_without_its_image_stays_a_file():
    files = _found("lonely.xmp", "other.jpg", "report.pdf", "report.xmp")
    assert pair_sidecars(files) == {}  # a document's .xmp is not a picture's sidecar
    assert _names(files) == [b"lonely.xmp", b"other.jpg", b"report.pdf", b"report.xmp"]


def test_a_lightroom_name_never_passes_to_another_file_of_the_stem():
    # darktable's sidecar took the raw file; Lightroom's IMG_1.xmp is the raw file's too,
    # so it stays a file rather than be given to the JPEG.
    files = _found("IMG_1.CR2", "IMG_1.JPG", "IMG_1.CR2.xmp", "IMG_1.xmp")
    assert {k: v.name for k, v in pair_sidecars(files).items()} == {b"IMG_1.CR2": b"IMG_1.CR2.xmp"}
    assert b"IMG_1.xmp" in _names(files)


# --- scanning ---------------------------------------------------------------------------


def _tags(entry: FileEntry) -> list[str]:
    from luna_desktop.catalog.models import FileTag, Tag

    query = (
        Tag.select(Tag.name)
        .join(FileTag)
        .where((FileTag.file == entry.id) & (FileTag.source == "keyword"))
    )
    return sorted(t.name for t in query)


@pytest.fixture
def roll(tmp_path):
    root = tmp_path / "Card"
    image = make_jpeg(root / "Roll" / "IMG_1.jpg", keywords=["embedded"])
    sidecar = _sidecar(root / "Roll" / "IMG_1.xmp", ["Smith, John", "harbour"], "Quay", 4)
    return root, image, sidecar


def test_sidecar_is_read_with_its_image_and_not_catalogued_alone(catalog, roll):
    root, _image, sidecar = roll
    progress = run_scan(root)
    assert progress.counts.added == 1
    entry = row("Roll", "IMG_1.jpg")
    truth = exiftool(sidecar)
    assert _tags(entry) == sorted(truth["Subject"]) == ["Smith, John", "harbour"]
    assert entry.extra["title"] == truth["Title"] == "Quay"
    assert entry.extra["rating"] == truth["Rating"] == 4
    assert entry.extra["iptc"]["keywords"] == ["embedded"]  # what lost is kept
    stat = sidecar.stat()
    assert (entry.sidecar, entry.sidecar_size, entry.sidecar_mtime) == (
        "IMG_1.xmp",
        stat.st_size,
        stat.st_mtime,
    )
    assert FileEntry.select().where(FileEntry.filename == "IMG_1.xmp").count() == 0
    assert (
        "+ sidecar IMG_1.xmp"
        in fact_values({"display_path": "Roll/IMG_1.jpg", "sidecar": "IMG_1.xmp"})["path"]
    )


def test_rescan_follows_a_changed_sidecar(catalog, roll):
    root, _image, sidecar = roll
    run_scan(root)
    assert run_scan(root).counts.unchanged == 1  # nothing changed: nothing read
    _sidecar(sidecar, ["lighthouse"])
    os.utime(sidecar, (1_700_000_000, 1_700_000_000))
    progress = run_scan(root)
    assert progress.counts.changed == 1
    entry = row("Roll", "IMG_1.jpg")
    assert _tags(entry) == ["lighthouse"]
    assert entry.sidecar_mtime == 1_700_000_000
    sidecar.unlink()  # gone: the image's own keywords are back
    assert run_scan(root).counts.changed == 1
    entry = row("Roll", "IMG_1.jpg")
    assert (_tags(entry), entry.sidecar) == (["embedded"], None)
    assert entry.present


def test_a_sidecar_catalogued_alone_before_is_absorbed_unless_curated(catalog, tmp_path):
    from luna_desktop.catalog.models import Album, AlbumEntry, EditLog, FileTag, Tag

    root = tmp_path / "Card"
    root.mkdir()
    traces = ("untouched", "status", "curator_tag", "album", "edit_log", "reviewed")
    for name in traces:
        _sidecar(root / f"{name}.xmp", ["kw"])
    run_scan(root)  # no images yet: every sidecar is a file of its own
    rows = {e.filename: e for e in FileEntry.select()}
    assert len(rows) == len(traces)
    FileEntry.update(status=int(Status.KEEP_OFFLINE)).where(
        FileEntry.filename == "status.xmp"
    ).execute()
    tag = Tag.create(name="typed")
    FileTag.create(file=rows["curator_tag.xmp"], tag=tag, source="curator")
    AlbumEntry.create(album=Album.create(name="Best"), file=rows["album.xmp"], position=1)
    EditLog.create(file=rows["edit_log.xmp"], field="title", old_value="", new_value="x")
    FileEntry.update(reviewed_by="ada").where(FileEntry.filename == "reviewed.xmp").execute()
    FileEntry.update(reviewed_at=FileEntry.scanned_at).where(
        FileEntry.filename == "reviewed.xmp"
    ).execute()
    for i, name in enumerate(traces):
        make_jpeg(root / f"{name}.jpg", color=(i, i, i))
    progress = run_scan(root)
    assert progress.counts.missing == 0  # absorbed is not gone
    names = {e.filename: e for e in FileEntry.select()}
    # Only the row nobody worked on is now part of its image; a curator's work stays.
    assert sorted(n for n in names if n.endswith(".xmp")) == [
        f"{t}.xmp" for t in sorted(traces[1:])
    ]
    assert all(names[f"{t}.xmp"].present for t in traces[1:])
    assert {names[f"{t}.jpg"].sidecar for t in traces} == {f"{t}.xmp" for t in traces}


def test_an_unreadable_sidecar_is_said_and_the_image_kept(catalog, roll):
    root, _image, sidecar = roll
    sidecar.write_text("<x:xmpmeta><rdf:RDF>broken")
    run_scan(root)
    entry = row("Roll", "IMG_1.jpg")
    assert "unreadable XMP sidecar" in entry.error
    assert _tags(entry) == ["embedded"]
    assert entry.width == 64


def test_a_sidecar_gone_before_it_was_read_is_read_by_the_next_scan(catalog, roll, monkeypatch):
    from luna_desktop.scan import reader

    root, _image, sidecar = roll
    real_open = open

    def vanishing(path, *args, **kwargs):  # the sidecar goes between the walk and its read
        if os.fsdecode(path).endswith(".xmp"):
            sidecar.unlink()
        if os.fsdecode(path).endswith(".xmp"):
            raise FileNotFoundError(2, "No such file or directory")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(reader, "open", vanishing, raising=False)
    run_scan(root, processes=False)
    assert "could not read its XMP sidecar IMG_1.xmp" in row("Roll", "IMG_1.jpg").error
    monkeypatch.undo()
    assert run_scan(root).counts.changed == 1  # not taken for unchanged
    entry = row("Roll", "IMG_1.jpg")
    assert (entry.error, entry.sidecar, _tags(entry)) == (None, None, ["embedded"])
