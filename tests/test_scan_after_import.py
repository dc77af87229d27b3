"""A drive first known from a listing, then scanned for real: the scan merges with the
imported rows (by path and filename, then by oshash for files that moved) instead of
cataloguing the drive a second time, and the curators' decisions stay."""

from __future__ import annotations

import shutil

from luna_desktop.catalog import curation
from luna_desktop.catalog.database import close_catalog, open_catalog
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.catalog.status import Status
from luna_desktop.interop.listing import export_listing, import_listing
from tests.media_factory import make_jpeg
from tests.scanning import run_scan

NAMES = ("1998/a.jpg", "1998/b.jpg", "1998/c.jpg", "1999/d.jpg", "1999/e.jpg")


def _drive(root):
    for i, rel in enumerate(NAMES):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        make_jpeg(root / rel, size=(40 + i, 30))


def _listing_of(root, tmp_path) -> bytes:
    """The listing another machine would have made of this drive."""
    open_catalog(tmp_path / "elsewhere.sqlite3")
    try:
        run_scan(root, "Elsewhere")
        return export_listing(Drive.get(Drive.name == "Elsewhere"))
    finally:
        close_catalog()


def _rows() -> dict[str, FileEntry]:
    return {r.display_path: r for r in FileEntry.select()}


def _import_then_curate(root, tmp_path) -> dict[str, str]:
    listing = _listing_of(root, tmp_path)
    open_catalog(tmp_path / "catalog.sqlite3")
    import_listing(listing, "PHS_copyALL")
    imported = _rows()
    assert set(imported) == set(NAMES) and all(r.mtime is None for r in imported.values())
    ids = [imported["1998/a.jpg"].id, imported["1999/e.jpg"].id]
    curation.set_fields(ids, {"status": int(Status.UPLOAD), "title": "kept"}, "ada")
    return {path: row.uuid for path, row in imported.items()}


def test_a_scan_of_an_imported_drive_merges_by_path(tmp_path):
    root = tmp_path / "drive"
    _drive(root)
    uuids = _import_then_curate(root, tmp_path)
    try:
        run_scan(root, None)  # recognised by its files, not by a name given
        rows = _rows()
        assert {p: r.uuid for p, r in rows.items()} == uuids  # the same rows, no new ones
        assert Drive.select().count() == 1
        assert all(r.present and r.mtime is not None for r in rows.values())  # read now
        assert rows["1998/a.jpg"].status == int(Status.UPLOAD)
        assert rows["1999/e.jpg"].title == "kept"
    finally:
        close_catalog()


def test_files_moved_since_the_listing_merge_by_oshash(tmp_path):
    root = tmp_path / "drive"
    _drive(root)
    uuids = _import_then_curate(root, tmp_path)
    try:
        (root / "2000").mkdir()
        shutil.move(root / "1999/e.jpg", root / "2000/e renamed.jpg")
        run_scan(root, "PHS_copyALL")
        rows = _rows()
        assert len(rows) == len(NAMES)  # nothing catalogued twice
        moved = rows["2000/e renamed.jpg"]
        assert moved.uuid == uuids["1999/e.jpg"] and moved.present
        assert moved.title == "kept" and moved.status == int(Status.UPLOAD)
        assert "1999/e.jpg" not in rows
    finally:
        close_catalog()
