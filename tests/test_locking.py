"""A curator's save takes the write lock as soon as another writer lets go of it."""

import sqlite3
import threading

import pytest
from peewee import OperationalError

from luna_desktop.catalog import curation
from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import DB, Drive, FileEntry


@pytest.fixture
def row(catalog):
    return FileEntry.create(drive=Drive.create(name="D"), folder="", filename="a.jpg")


def _hold_lock(path, release: threading.Event, held: threading.Event):
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")
    held.set()
    release.wait(10)
    con.execute("COMMIT")
    con.close()


def test_a_save_behind_another_writer_goes_through_once_it_commits(row, catalog):
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(catalog.database, release, held))
    holder.start()
    held.wait(5)
    threading.Timer(0.1, release.set).start()  # the other writer commits a moment later
    saved = curation.replace(row.id, curation.Curation(title="mine"), "ada")
    holder.join()
    assert saved.curation.title == "mine" and FileEntry.get_by_id(row.id).title == "mine"
    # The connection's own patience is back as it was.
    assert DB.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_a_lock_held_past_the_patience_is_reported_and_nothing_is_written(row, catalog):
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(catalog.database, release, held))
    holder.start()
    held.wait(5)
    try:
        with pytest.raises(OperationalError, match="locked"), write_transaction(timeout=0.05):
            FileEntry.update(title="never").where(FileEntry.id == row.id).execute()
    finally:
        release.set()
        holder.join()
    assert FileEntry.get_by_id(row.id).title == ""
    assert not DB.in_transaction()


def test_a_failure_inside_rolls_back(row):
    with pytest.raises(RuntimeError), write_transaction():
        FileEntry.update(title="half").where(FileEntry.id == row.id).execute()
        raise RuntimeError("boom")
    assert FileEntry.get_by_id(row.id).title == ""
    assert not DB.in_transaction()


def test_a_write_under_a_stale_read_is_refused_at_once_with_the_reason(row, catalog):
    FileEntry.create(drive=row.drive, folder="", filename="b.jpg")
    rows = iter(FileEntry.select().order_by(FileEntry.id))  # a query still being read
    next(rows)

    # Another connection (another thread's) commits meanwhile: this connection's
    # snapshot is now stale.
    def theirs():
        with write_transaction():
            FileEntry.update(title="theirs").where(FileEntry.id == row.id).execute()
        DB.close()

    other = threading.Thread(target=theirs)
    other.start()
    other.join()
    # Waiting cannot help (only ending the read can, and this thread holds it): the
    # patience is ten minutes here, and the refusal must not wait for it.
    refused = pytest.raises(OperationalError, match="still reading a query")
    with refused, write_transaction(timeout=600):
        FileEntry.update(title="mine").where(FileEntry.id == row.id).execute()
    list(rows)  # the read ends
    assert FileEntry.get_by_id(row.id).title == "theirs"
    assert not DB.in_transaction()
