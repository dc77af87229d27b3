import os
import sqlite3
import threading
from pathlib import Path

import pytest

from luna_desktop.catalog import migrations
from luna_desktop.catalog.backup import backup_database
from luna_desktop.catalog.database import (
    close_catalog,
    default_catalog_path,
    open_catalog,
    resolve_catalog_path,
)
from luna_desktop.catalog.derived import FOLD_FUNCTION, fold
from luna_desktop.catalog.errors import CatalogError
from luna_desktop.catalog.models import Drive, FileEntry, SchemaVersion
from luna_desktop.catalog.paths import relpath_bytes, to_text
from luna_desktop.catalog.status import Status
from tests.scanning import run_scan


def test_new_catalogue_is_wal_with_foreign_keys_and_latest_schema(catalog):
    assert catalog.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert catalog.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert migrations.current_version(catalog) == migrations.latest_version()
    assert {"drive", "file_entry", "tag", "file_tag", "edit_log", "duplicate_group"} <= set(
        catalog.get_tables()
    )


def test_catalogue_path_precedence(tmp_path, monkeypatch):
    # conftest points XDG_DATA_HOME at a fresh folder: the default is exactly there.
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert resolve_catalog_path() == data_home / "luna-desktop" / "catalog.sqlite3"
    monkeypatch.setenv("LUNA_CATALOG", str(tmp_path / "env.sqlite3"))
    assert resolve_catalog_path() == tmp_path / "env.sqlite3"
    assert resolve_catalog_path(tmp_path / "flag.sqlite3") == tmp_path / "flag.sqlite3"
    assert resolve_catalog_path("~/x.sqlite3") == Path(os.environ["HOME"]) / "x.sqlite3"


def test_default_catalogue_is_in_the_users_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_catalog_path() == tmp_path / "data" / "luna-desktop" / "catalog.sqlite3"


def test_migration_backs_up_then_upgrades_in_steps(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    open_catalog(path)
    drive = Drive.create(name="D1")
    FileEntry.create(drive=drive, folder="", filename="a.jpg", size=1)
    close_catalog()

    def add_column(db):
        db.execute_sql("ALTER TABLE drive ADD COLUMN colour TEXT")

    latest = migrations.latest_version()
    monkeypatch.setitem(migrations.STEPS, latest + 1, add_column)
    open_catalog(path)
    assert migrations.current_version(Drive._meta.database) == latest + 1
    close_catalog()
    backups = list(tmp_path.glob(f"c.v{latest}-*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == latest
        assert con.execute("SELECT name FROM drive").fetchall() == [("D1",)]
        columns = [r[1] for r in con.execute("PRAGMA table_info(drive)")]
        assert "colour" not in columns


def test_failed_migration_leaves_previous_version(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    open_catalog(path)
    close_catalog()

    def broken(db):
        db.execute_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step failed")

    latest = migrations.latest_version()
    monkeypatch.setitem(migrations.STEPS, latest + 1, broken)
    with pytest.raises(RuntimeError):
        open_catalog(path)
    close_catalog()
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == latest
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables


def test_newer_catalogue_is_refused(tmp_path):
    path = tmp_path / "c.sqlite3"
    open_catalog(path)
    SchemaVersion.create(version=99)
    close_catalog()
    with pytest.raises(CatalogError, match="newer Luna"):
        open_catalog(path)


def test_damaged_catalogue_gives_clear_error_and_is_left_alone(tmp_path):
    path = tmp_path / "c.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(CatalogError, match="damaged or is not a Luna catalogue"):
        open_catalog(path)
    assert path.read_bytes() == garbage


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(CatalogError, match="not a Luna catalogue"):
        open_catalog(path)


def test_backup_is_consistent_while_a_writer_is_mid_transaction(tmp_path):
    path = tmp_path / "c.sqlite3"
    open_catalog(path)
    drive = Drive.create(name="D1")
    FileEntry.create(drive=drive, folder="", filename="committed.jpg", size=1)
    close_catalog()

    writer = sqlite3.connect(path, isolation_level=None)
    writer.create_function(FOLD_FUNCTION, 1, fold)  # the triggers need it
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO file_entry (uuid, drive_id, folder, filename, size, kind, present, status,"
        " title, description, notes, version) VALUES ('u2', 1, '', 'uncommitted.jpg', 1,"
        " 'other', 1, 1, '', '', '', 1)"
    )
    try:
        copy = backup_database(path, tmp_path / "copy.sqlite3")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with sqlite3.connect(copy) as con:
        names = [r[0] for r in con.execute("SELECT filename FROM file_entry")]
        assert names == ["committed.jpg"]
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_never_overwrites(tmp_path, catalog):
    dest = tmp_path / "exists.sqlite3"
    dest.write_bytes(b"precious")
    with pytest.raises(CatalogError, match="already exists"):
        backup_database(tmp_path / "catalog.sqlite3", dest)
    assert dest.read_bytes() == b"precious"


def test_backup_into_folder_names_the_file(tmp_path, catalog):
    folder = tmp_path / "backups"
    folder.mkdir()
    written = backup_database(tmp_path / "catalog.sqlite3", folder)
    assert written.parent == folder and written.suffix == ".sqlite3"
    assert not list(folder.glob("*.partial"))


def test_non_utf8_names_round_trip_through_the_catalogue(tmp_path, catalog):
    """A scanned name that is not UTF-8 is stored as a BLOB of its exact bytes, and the
    path the catalogue gives back opens that very file."""
    root = tmp_path / "drive"
    folder = os.path.join(os.fsencode(root), b"Sc\xe4ns")
    os.makedirs(folder)
    with open(os.path.join(folder, b"caf\xe9 \xff.jpg"), "wb") as fh:
        fh.write(b"the exact file")
    run_scan(root, "D")
    name_text, exact = to_text(b"caf\xe9 \xff.jpg")
    assert not exact and name_text == "caf\\xe9 \\xff.jpg"
    with sqlite3.connect(tmp_path / "catalog.sqlite3") as con:
        stored, kind = con.execute(
            "SELECT raw_path, typeof(raw_path) FROM file_entry WHERE filename = ?", (name_text,)
        ).fetchone()
    assert kind == "blob" and stored == b"Sc\xe4ns/caf\xe9 \xff.jpg"
    row = FileEntry.get(FileEntry.filename == name_text)
    with open(os.path.join(os.fsencode(root), row.relpath), "rb") as fh:
        assert fh.read() == b"the exact file"
    assert relpath_bytes("a", "b.jpg", None) == b"a/b.jpg"


def test_status_has_key_label_and_glyph():
    assert [int(s) for s in Status] == [1, 2, 3, 4, 5, 6]
    assert Status.from_key("keep_offline") is Status.KEEP_OFFLINE
    assert len({s.glyph for s in Status}) == 6
    with pytest.raises(ValueError, match="expected one of"):
        Status.from_key("publish")


def test_models_are_usable_from_another_thread(catalog):
    Drive.create(name="D")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(Drive.select().count()))
    thread.start()
    thread.join()
    assert seen == [1]
