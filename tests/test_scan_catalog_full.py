"""A full disk under the catalogue: a message a person can act on, and nothing lost.

SQLite's max_page_count makes a catalogue full in the very way a full disk does
(SQLITE_FULL, with SQLite rolling the transaction back by itself), without filling one.
"""

import sqlite3

import pytest

import luna_desktop.cli.scan as cli_scan
from luna_desktop.catalog.database import close_catalog, explain_database_error, open_catalog
from luna_desktop.catalog.models import DB, FileEntry, ScanRun, Tag
from luna_desktop.cli.main import main
from luna_desktop.scan.pipeline import CATALOG_FULL_MESSAGE
from luna_desktop.scan.progress import CATALOG_FULL
from luna_desktop.scan.transactions import write_transaction
from tests.scanning import run_scan

TOTAL = 300
BATCH = 20


@pytest.fixture
def drive(tmp_path):
    root = tmp_path / "drive"
    for i in range(TOTAL):
        path = root / f"f{i // 100}" / f"{i:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"file {i}\n")
    return root


def _room_for_a_few_batches() -> None:
    """The disk fills after some batches of this scan have been written."""
    pages = DB.execute_sql("PRAGMA page_count").fetchone()[0]
    DB.execute_sql(f"PRAGMA max_page_count = {pages + 24}")


def _free_space() -> None:
    DB.execute_sql("PRAGMA max_page_count = 1073741823")


def _assert_consistent(con) -> int:
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = con.execute("SELECT count(*) FROM file_entry").fetchone()[0]
    counted = con.execute("SELECT COALESCE(SUM(s1), 0) FROM folder_stats").fetchone()[0]
    assert counted == rows  # the triggers' counts went with the rows, batch by batch
    return rows


def test_a_full_disk_stops_the_scan_with_a_message_and_loses_nothing(catalog, drive):
    _room_for_a_few_batches()
    result = run_scan(drive, processes=False, batch_size=BATCH)
    assert result.state == CATALOG_FULL
    assert result.message == CATALOG_FULL_MESSAGE
    partial = _assert_consistent(catalog.connection())
    assert 0 < partial < TOTAL and partial % BATCH == 0  # whole batches only
    assert FileEntry.select().where(FileEntry.present == False).count() == 0  # noqa: E712

    _free_space()
    again = run_scan(drive, processes=False, batch_size=BATCH)
    assert again.state == "completed"
    assert again.counts.added == TOTAL - partial and again.counts.unchanged == partial
    assert _assert_consistent(catalog.connection()) == TOTAL
    states = [r.state for r in ScanRun.select().order_by(ScanRun.id)]
    assert states[-1] == "completed" and states[0] in (CATALOG_FULL, "interrupted")


def test_luna_scan_says_the_disk_is_full_and_the_next_scan_carries_on(
    tmp_path, drive, capsys, monkeypatch
):
    cat = tmp_path / "cli.sqlite3"
    open_catalog(cat)  # an existing catalogue, on a disk with little room left
    close_catalog()
    opened = cli_scan.open_from_args

    def open_on_a_nearly_full_disk(args, create=False):
        db = opened(args, create=create)
        _room_for_a_few_batches()
        return db

    monkeypatch.setattr(cli_scan, "open_from_args", open_on_a_nearly_full_disk)
    args = ["--catalog", str(cat), "scan", str(drive), "--batch-size", str(BATCH)]
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert out.startswith("Scan stopped: ")
    assert f"luna: {CATALOG_FULL_MESSAGE}\n" in err
    assert "rollback" not in err
    close_catalog()
    with sqlite3.connect(cat) as con:
        partial = _assert_consistent(con)
    assert 0 < partial < TOTAL

    monkeypatch.setattr(cli_scan, "open_from_args", opened)  # space freed
    assert main(["--catalog", str(cat), "scan", str(drive)]) == 0
    out, _ = capsys.readouterr()
    assert f"{TOTAL - partial} added" in out and f"{partial} unchanged" in out
    close_catalog()
    with sqlite3.connect(cat) as con:
        assert _assert_consistent(con) == TOTAL


def test_a_full_disk_met_outside_a_scan_is_explained_in_the_same_words(tmp_path):
    """Opening, migrating or starting a scan can meet it too; the CLI says it so."""
    path = tmp_path / "tiny.sqlite3"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE t (x BLOB)")
    con.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as raised:
        con.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
    con.close()
    error = explain_database_error(raised.value, path)
    assert str(error) == (
        f"the disk holding the catalogue {path} is full: free some space and try again; "
        "nothing was lost"
    )


def test_the_first_error_is_raised_when_sqlite_has_rolled_back_by_itself(catalog):
    """A disk that fills while a commit writes the log makes SQLite roll the whole
    transaction back on its own; a second ROLLBACK would then fail with "cannot
    rollback - no transaction is active" and hide why. (max_page_count only undoes
    the statement, so the test plays SQLite's part with a ROLLBACK of its own.)"""
    con = catalog.connection()
    full = pytest.raises(sqlite3.OperationalError, match="database or disk is full")
    with full, write_transaction():
        Tag.insert(name="never kept").execute()
        con.execute("ROLLBACK")
        raise sqlite3.OperationalError("database or disk is full")
    assert not con.in_transaction
    assert not Tag.select().where(Tag.name == "never kept").exists()
    with write_transaction():  # and the connection is fit for the next batch
        Tag.insert(name="kept").execute()
    assert Tag.select().where(Tag.name == "kept").exists()
