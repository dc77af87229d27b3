"""The tables triggers keep (folder counts, search indexes) stay equal to the truth."""

import random
import shutil
import sqlite3
from pathlib import Path

from luna_desktop.catalog import curation, migrations
from luna_desktop.catalog.database import close_catalog, open_catalog
from luna_desktop.catalog.derived import fold
from luna_desktop.catalog.models import DB, Drive, FileEntry, FileTag, Tag
from luna_desktop.catalog.search import search
from luna_desktop.scan.relink import relink_moved_files

V1_CATALOG = Path(__file__).parent / "data" / "catalog-v1.sqlite3"

_TRUTH = """
    SELECT drive_id, folder, {sums}, SUM(NOT present) FROM file_entry
    GROUP BY drive_id, folder ORDER BY drive_id, folder
""".format(sums=", ".join(f"SUM(present AND status = {n})" for n in range(1, 7)))


def _stats():
    rows = DB.execute_sql(
        "SELECT drive_id, folder, s1, s2, s3, s4, s5, s6, missing FROM folder_stats "
        "ORDER BY drive_id, folder"
    ).fetchall()
    # Folders emptied of files keep a row of zeros: the truth has no row for them.
    return [r for r in rows if any(r[2:])]


def _truth():
    return [tuple(r) for r in DB.execute_sql(_TRUTH).fetchall()]


def _indexed_text(file_id):
    return DB.execute_sql(
        "SELECT name, title, tags FROM file_search WHERE rowid = ?", (file_id,)
    ).fetchone()


def test_folder_counts_follow_every_kind_of_write(catalog):
    rng = random.Random(7)
    drives = [Drive.create(name="A"), Drive.create(name="B")]
    folders = ["", "x", "x/y", "z"]
    rows = []
    for i in range(120):
        rows.append(
            FileEntry.create(
                drive=rng.choice(drives), folder=rng.choice(folders), filename=f"f{i}.jpg"
            )
        )
    assert _stats() == _truth()
    for row in rng.sample(rows, 40):  # curators decide
        curation.replace(row.id, curation.Curation(status=rng.randint(1, 6)), "ada")
    assert _stats() == _truth()
    ids = [r.id for r in rng.sample(rows, 30)]  # files go missing, some come back
    FileEntry.update(present=False).where(FileEntry.id.in_(ids)).execute()
    FileEntry.update(present=True).where(FileEntry.id.in_(ids[:10])).execute()
    assert _stats() == _truth()
    for row in rng.sample(rows, 20):  # moved to other folders
        FileEntry.update(folder=rng.choice(folders) + "/moved").where(
            FileEntry.id == row.id
        ).execute()
    assert _stats() == _truth()
    FileEntry.delete().where(FileEntry.id.in_([r.id for r in rows[:15]])).execute()
    assert _stats() == _truth()
    drives[1].delete_instance()  # cascades to its files and its counts
    assert _stats() == _truth()
    gone = DB.execute_sql("SELECT count(*) FROM folder_stats WHERE drive_id = ?", (drives[1].id,))
    assert gone.fetchone()[0] == 0


def test_relinking_a_move_keeps_counts_and_search_right(catalog):
    drive = Drive.create(name="D")
    old = FileEntry.create(
        drive=drive, folder="old", filename="a.jpg", size=5, oshash="ab" * 8, present=False
    )
    curation.replace(old.id, curation.Curation(status=2, title="Kept title"), "ada")
    FileEntry.create(
        drive=drive, folder="new", filename="b.jpg", size=5, oshash="ab" * 8, added_scan=1
    )
    assert relink_moved_files(drive.id, 0) == 1
    assert _stats() == _truth()
    assert _indexed_text(old.id) == ("b.jpg", "kept title", "")
    assert DB.execute_sql("SELECT count(*) FROM file_search").fetchone()[0] == 1


def test_search_index_follows_titles_tags_and_names(catalog):
    drive = Drive.create(name="D")
    row = FileEntry.create(drive=drive, folder="f", filename="IMG_1.JPG")
    assert _indexed_text(row.id) == ("img_1.jpg", "", "")
    curation.replace(row.id, curation.Curation(title="Église Saint-Étienne", tags=["Köln"]), "a")
    assert _indexed_text(row.id) == ("img_1.jpg", "eglise saint-etienne", "koln")
    keyword = Tag.create(name="Dom")
    FileTag.create(file=row.id, tag=keyword, source="keyword")
    assert _indexed_text(row.id)[2] in ("koln | dom", "dom | koln")
    FileTag.delete().where(FileTag.tag == keyword).execute()
    assert _indexed_text(row.id)[2] == "koln"
    FileEntry.update(filename="renamed.jpg").where(FileEntry.id == row.id).execute()
    assert search(drive.id, "RENAMED").files == {"f": [row.id]}
    assert search(drive.id, "img_1").files == {}
    row.delete_instance()
    assert _indexed_text(row.id) is None


def test_fold_covers_unicode_not_only_ascii():
    assert fold("ÉCOLE Straße ΆΛΦΑ İstanbul ﬁle") == "ecole strasse αλφα istanbul file"
    assert fold(None) == "" and fold("") == ""


def test_a_catalogue_made_by_schema_1_code_is_migrated_with_everything_kept(tmp_path):
    path = tmp_path / "catalog.sqlite3"
    shutil.copyfile(V1_CATALOG, path)
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
        before = con.execute(
            "SELECT uuid, folder, filename, raw_path, oshash, status, title, notes, version "
            "FROM file_entry ORDER BY id"
        ).fetchall()
    open_catalog(path)
    try:
        assert migrations.current_version(DB.obj) == migrations.latest_version() == 7
        after = DB.execute_sql(
            "SELECT uuid, folder, filename, raw_path, oshash, status, title, notes, version "
            "FROM file_entry ORDER BY id"
        ).fetchall()
        assert after == before and len(after) == 7
        # Rows the schema-1 readers could not read in full are read again next rescan.
        errored = DB.execute_sql(
            "SELECT count(*), count(mtime) FROM file_entry WHERE error IS NOT NULL"
        )
        assert errored.fetchone() == (2, 0)
        assert _stats() == _truth()
        drive = Drive.get(Drive.name == "Archive_2009")
        row = FileEntry.get(FileEntry.filename == "IMG_0001.JPG")
        assert search(drive.id, "duomo").files == {"2008 Tuscany Trip": [row.id]}  # IPTC
        assert search(drive.id, "THE DUOMO OF").files == {"2008 Tuscany Trip": [row.id]}
        assert search(drive.id, "tuscany").folders == {"2008 Tuscany Trip"}
        loaded = curation.load(row.id)
        assert (loaded.curation.title, loaded.curation.project_group) == (
            "The Duomo of Siena",
            "Tuscany 2008",
        )
        assert loaded.curation.tags == ["cathedral", "italy"] and row.scan_notes is None
        assert (row.sidecar, row.sidecar_size, row.sidecar_mtime) == (None, None, None)  # v3
        bad = FileEntry.get(FileEntry.folder == "Bad")
        assert bytes(bad.raw_path) == b"Bad/caf\xe9.jpg"
        # A save after the migration goes through the new triggers.
        curation.replace(row.id, curation.Curation(status=5), "ada")
        assert _stats() == _truth()
        migrated_schema = _indexes()
    finally:
        close_catalog()
    open_catalog(tmp_path / "fresh.sqlite3")
    try:
        assert {"file_entry_duplicate_key", "file_entry_date", "event_name"} <= set(migrated_schema)
        assert _indexes() == migrated_schema  # a migrated catalogue ends as a new one
    finally:
        close_catalog()
    assert len(list(tmp_path.glob("catalog.v1-*.bak"))) == 1


def _indexes() -> dict[str, str]:
    return dict(
        DB.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
    )
