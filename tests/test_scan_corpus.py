"""A scan of the shared corpus agrees with exiftool's ground truth."""

import json
from datetime import datetime

import pytest

from luna_desktop.catalog.models import FileEntry, FileTag, Tag
from luna_desktop.catalog.paths import split_relpath
from tests.scanning import run_scan


@pytest.fixture
def scanned(catalog, corpus, truth):
    result = run_scan(corpus, drive="Corpus")
    rows = {}
    for entry in FileEntry.select():
        rel = f"{entry.folder}/{entry.filename}" if entry.folder else entry.filename
        rows[rel] = entry
    return result, rows, truth


def _truth_date(raw: str) -> str | None:
    raw = raw.strip()
    if not raw or raw.startswith("0000") or not raw[:4].strip(" :"):
        return None
    return datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S").isoformat()


def test_every_file_is_catalogued_with_size_and_oshash(scanned):
    result, rows, truth = scanned
    assert result.state == "completed"
    for t in truth:
        entry = rows[t["relative_path"]]
        assert entry.size == int(t["size_bytes"]), t["relative_path"]
        assert entry.oshash == t["oshash"], t["relative_path"]
        assert entry.mime == t["mime"] or not t["mime"], t["relative_path"]
        assert entry.present


def test_images_match_truth(scanned):
    _, rows, truth = scanned
    checked = 0
    for t in truth:
        if not t["mime"].startswith("image/"):
            continue
        entry = rows[t["relative_path"]]
        where = t["relative_path"]
        assert entry.kind == "image", where
        if t["width"]:
            assert (entry.width, entry.height) == (int(t["width"]), int(t["height"])), where
        if t["orientation"]:
            assert entry.orientation == int(t["orientation"]), where
        if t["gps_lat"] and float(t["gps_lat"]) == 0 == float(t["gps_lon"]):
            assert (entry.lat, entry.lng) == (None, None), where  # 0,0 is a placeholder
        elif t["gps_lat"]:
            assert entry.lat == pytest.approx(float(t["gps_lat"]), abs=1e-5), where
            assert entry.lng == pytest.approx(float(t["gps_lon"]), abs=1e-5), where
        if t["datetime_original"]:
            expected = _truth_date(t["datetime_original"])
            assert (entry.taken_at or "")[:19] == (expected or ""), where
        if t["make"]:
            assert entry.camera_make == t["make"].strip(), where
            assert entry.camera_model == t["model"].strip(), where
        if t["keywords"]:
            keywords = {
                tag.name
                for tag in Tag.select()
                .join(FileTag)
                .where((FileTag.file == entry) & (FileTag.source == "keyword"))
            }
            assert keywords == set(t["keywords"].split("|")), where
        checked += 1
    assert checked >= 45


def test_videos_match_truth(scanned):
    _, rows, truth = scanned
    checked = 0
    for t in truth:
        if not (t["mime"].startswith("video/") or t["mime"] == "application/x-matroska"):
            continue
        entry = rows[t["relative_path"]]
        where = t["relative_path"]
        assert entry.kind == "video", where
        if t["duration_s"]:
            assert entry.duration == pytest.approx(float(t["duration_s"]), abs=0.1), where
        if t["width"]:
            assert (entry.width, entry.height) == (int(t["width"]), int(t["height"])), where
        checked += 1
    assert checked >= 7


def test_broken_files_are_catalogued_with_a_note(scanned):
    _, rows, _ = scanned
    # Bytes after the end of a whole picture (the recovered files below, a stray byte
    # after the HP's end marker) are notes, not errors: only the two broken files err.
    with_errors = {rel for rel, entry in rows.items() if entry.error}
    assert with_errors == {"Recovered/FILE0001.JPG", "Phone/DCIM/Camera/ultrahdr.jpg"}
    with_notes = {rel: entry.scan_notes for rel, entry in rows.items() if entry.scan_notes}
    assert with_notes == {
        "Digital Camera Archive/HP/HP PhotoSmart 735.jpg": "1 byte after the end of the image",
        "Recovered/Olympus C2040Z.jpg": "3068 bytes after the end of the image",
        "Recovered/Pentax Optio S4i.jpg": "63399 bytes after the end of the image",
    }
    empty = rows["Recovered/FILE0001.JPG"]
    assert empty.size == 0 and empty.oshash == "0000000000000000"
    assert "empty" in empty.error
    # Cut short after its main image ended: what is there is a whole picture.
    for name, width in [("Olympus C2040Z.jpg", 120), ("Pentax Optio S4i.jpg", 60)]:
        recovered = rows[f"Recovered/{name}"]
        assert recovered.kind == "image" and recovered.width == width
    # The Ultra HDR sample stops inside its primary image: what could be read is kept,
    # and the note says what is wrong.
    cut = rows["Phone/DCIM/Camera/ultrahdr.jpg"]
    assert (cut.width, cut.height) == (1512, 2688) and cut.camera_model == "Pixel 6"
    assert "truncated" in cut.error
    assert rows["Digital Camera Archive/HP/HP PhotoSmart 735.jpg"].error is None
    assert rows["2008 Tuscany Trip/DSCN0010.jpg"].error is None


def test_rescan_of_corpus_changes_nothing(scanned, corpus):
    _, rows, _ = scanned
    result = run_scan(corpus, drive="Corpus")
    assert result.counts.unchanged == len(rows)
    assert result.counts.added == result.counts.changed == result.counts.missing == 0
    assert json.dumps(sorted(r.uuid for r in FileEntry.select())) == json.dumps(
        sorted(r.uuid for r in rows.values())
    )


def test_split_relpath():
    assert split_relpath("a/b/c.jpg") == ("a/b", "c.jpg")
    assert split_relpath("c.jpg") == ("", "c.jpg")
