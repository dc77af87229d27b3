"""The scan's writer: names that read the same, a row the catalogue refuses, notes and errors."""

import os
import sqlite3

import luna_desktop.scan.read_pool as read_pool
from luna_desktop.catalog.models import FileEntry, FileTag, Tag
from luna_desktop.scan.reader import read_files
from tests.media_factory import make_jpeg
from tests.scanning import row, run_scan

LATIN1 = b"caf\xe9.txt"  # not UTF-8: stored as the text caf\xe9.txt, with raw_path
LITERAL = b"caf\\xe9.txt"  # valid UTF-8 whose text is the same caf\xe9.txt


def _write(root, rel: bytes, data: bytes) -> None:
    path = os.path.join(os.fsencode(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


def _by_bytes(root) -> dict[bytes, FileEntry]:
    rows = {bytes(r.relpath): r for r in FileEntry.select()}
    for rel in rows:
        with open(os.path.join(os.fsencode(root), rel), "rb") as fh:
            assert fh.read() == _content(rel), rel  # each row leads to its own file
    return rows


def _content(rel: bytes) -> bytes:
    return b"the file " + rel + b"\n"


def test_names_that_read_the_same_are_both_catalogued_and_kept_apart(catalog, tmp_path):
    root = tmp_path / "d"
    for rel in (LATIN1, LITERAL):
        _write(root, rel, _content(rel))
    result = run_scan(root)
    assert result.counts.added == 2 and result.counts.unwritten == 0, result.problems
    rows = _by_bytes(root)
    assert set(rows) == {LATIN1, LITERAL}
    assert rows[LATIN1].filename != rows[LITERAL].filename
    # Whichever text is not the exact name keeps the exact bytes beside it.
    for rel, r in rows.items():
        if r.filename.encode() != rel:
            assert bytes(r.raw_path) == rel

    # Rescans match rows to files by their bytes: both unchanged, neither missing.
    again = run_scan(root)
    assert again.counts.unchanged == 2
    assert again.counts.added == again.counts.missing == again.counts.changed == 0

    # A change to one is that one's change; a deletion of the other is its alone.
    _write(root, LATIN1, _content(LATIN1) + b"more\n")
    os.remove(os.path.join(os.fsencode(root), LITERAL))
    later = run_scan(root)
    assert later.counts.changed == 1 and later.counts.missing == 1 and later.counts.added == 0
    after = {bytes(r.relpath): r for r in FileEntry.select()}
    assert after[LATIN1].present and after[LATIN1].size == len(_content(LATIN1)) + 5
    assert after[LATIN1].uuid == rows[LATIN1].uuid
    assert not after[LITERAL].present and after[LITERAL].uuid == rows[LITERAL].uuid


def test_folders_whose_names_read_the_same_keep_their_files_apart(catalog, tmp_path):
    root = tmp_path / "d"
    folders = (b"Sc\xe4ns", b"Sc\\xe4ns")
    for folder in folders:
        _write(root, folder + b"/a.txt", _content(folder + b"/a.txt"))
    assert run_scan(root).counts.added == 2
    rows = _by_bytes(root)
    assert set(rows) == {f + b"/a.txt" for f in folders}
    again = run_scan(root)
    assert again.counts.unchanged == 2 and again.counts.missing == again.counts.added == 0


def _reader_that_breaks(name: str):
    """A reader whose record for `name` holds text SQLite cannot store (a lone surrogate,
    as a careless decode of a camera's bytes can produce)."""

    def read(jobs):
        records = read_files(jobs)
        for record in records:
            if record.filename == name:
                record.info.camera_model = "Cam\udce9"
        return records

    return read


def _five_photos(root):
    for i in range(5):
        make_jpeg(root / f"{i}.jpg", color=(i, i, i), keywords=[f"kw{i}", "shared"])


def _keywords(r: FileEntry) -> set[str]:
    return {
        t.name
        for t in Tag.select()
        .join(FileTag)
        .where((FileTag.file == r) & (FileTag.source == "keyword"))
    }


def test_one_row_the_catalogue_refuses_never_costs_its_batch(catalog, tmp_path, monkeypatch):
    root = tmp_path / "d"
    _five_photos(root)
    monkeypatch.setattr(read_pool, "read_files", _reader_that_breaks("2.jpg"))
    result = run_scan(root, processes=False, batch_size=50)
    assert result.state == "completed"
    assert result.counts.added == 4 and result.counts.unwritten == 1
    assert "1 could not be written" in result.summary()
    [(path, message)] = result.problems
    assert path == "2.jpg" and "the catalogue refused this file" in message
    names = {r.filename for r in FileEntry.select()}
    assert names == {"0.jpg", "1.jpg", "3.jpg", "4.jpg"}
    # Tags written with the undone batch were undone too; the rows written one by one
    # have theirs, and nothing points at a tag that is not there.
    for r in FileEntry.select():
        assert _keywords(r) == {f"kw{r.filename[0]}", "shared"}
    con = catalog.connection()
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []

    # The next scan tries the refused file again, and with a sound reader it lands.
    monkeypatch.setattr(read_pool, "read_files", read_files)
    again = run_scan(root, processes=False)
    assert again.counts.added == 1 and again.counts.unchanged == 4


def test_a_refused_update_keeps_the_rows_earlier_metadata(catalog, tmp_path, monkeypatch):
    root = tmp_path / "d"
    _five_photos(root)
    run_scan(root, processes=False)
    before = {r.filename: r.scanned_at for r in FileEntry.select()}
    monkeypatch.setattr(read_pool, "read_files", _reader_that_breaks("2.jpg"))
    result = run_scan(root, processes=False, full=True, batch_size=50)
    assert result.counts.changed == 4 and result.counts.unwritten == 1
    kept = row("", "2.jpg")
    assert kept.camera_model == "TestCam 1" and kept.scanned_at == before["2.jpg"]
    assert _keywords(kept) == {"kw2", "shared"}
    for r in FileEntry.select().where(FileEntry.filename != "2.jpg"):
        assert r.scanned_at > before[r.filename]


def _reader_with_notes(jobs):
    records = read_files(jobs)
    for record in records:
        if record.filename == "noted.jpg":
            record.info.add_note("4 bytes after the end of the image")
            record.info.add_note("a vendor trailer")
        elif record.filename == "both.jpg":
            record.info.add_note("4 bytes after the end of the image")
            record.info.add_error("the thumbnail is cut short")
    return records


def test_notes_are_stored_and_counted_apart_from_errors(catalog, tmp_path, monkeypatch):
    root = tmp_path / "d"
    for name in ("noted.jpg", "both.jpg", "plain.jpg"):
        make_jpeg(root / name)
    monkeypatch.setattr(read_pool, "read_files", _reader_with_notes)
    result = run_scan(root, processes=False)
    assert result.counts.noted == 2 and result.counts.errors == 1
    assert "1 errors, 2 with notes" in result.summary()
    noted = row("", "noted.jpg")
    assert noted.scan_notes == "4 bytes after the end of the image\na vendor trailer"
    assert noted.error is None
    both = row("", "both.jpg")
    assert both.scan_notes == "4 bytes after the end of the image"
    assert both.error == "the thumbnail is cut short"
    assert row("", "plain.jpg").scan_notes is None

    # Read again without them, the notes go: they describe the file as last read.
    monkeypatch.setattr(read_pool, "read_files", read_files)
    again = run_scan(root, processes=False, full=True)
    assert again.counts.noted == 0 and again.counts.errors == 0
    assert FileEntry.select().where(FileEntry.scan_notes.is_null(False)).count() == 0
    assert FileEntry.select().where(FileEntry.error.is_null(False)).count() == 0


def test_catalogue_triggers_agree_after_row_by_row_writes(catalog, tmp_path, monkeypatch):
    """The per-folder counts the window reads stay exact when a batch is written again
    row by row (the undone batch's trigger updates are undone with it)."""
    root = tmp_path / "d"
    _five_photos(root)
    monkeypatch.setattr(read_pool, "read_files", _reader_that_breaks("2.jpg"))
    run_scan(root, processes=False, batch_size=50)
    con: sqlite3.Connection = catalog.connection()
    assert con.execute("SELECT s1, missing FROM folder_stats WHERE folder = ''").fetchone() == (
        4,
        0,
    )
    assert con.execute("SELECT count(*) FROM file_search").fetchone()[0] == 4


def test_the_scanned_columns_are_exactly_what_a_read_writes():
    """A column a scan reads but SCANNED_COLUMNS forgets would go stale on changed files
    and on moved ones (relink copies these columns)."""
    from luna_desktop.media.info import MediaInfo
    from luna_desktop.scan.reader import FileRecord
    from luna_desktop.scan.writer import SCANNED_COLUMNS, file_fields

    record = FileRecord("f", "a.jpg", None, 1, 0.0, "ada", "0" * 16, MediaInfo())
    assert set(file_fields(record)) == {*SCANNED_COLUMNS, "present", "missing_since"}
