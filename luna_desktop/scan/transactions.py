"""The scan's write transactions: short, IMMEDIATE, and honest about why they failed.

SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error).
Peewee's `atomic()` then issues its own ROLLBACK, which fails with "cannot rollback -
no transaction is active" and hides the real error from the person reading it. These
helpers roll back only what is still open, so the first error is the one raised.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from peewee import DatabaseError

from luna_desktop.catalog.models import DB


def _still_open() -> bool:
    return DB.connection().in_transaction


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT. IMMEDIATE takes the write lock up front, so ids read
    inside (MAX(id) + 1) cannot be taken by another writer before the commit."""
    # Connect first: peewee forgets a thread's open blocks when it connects lazily
    # inside one (a scan's first statement on the window's worker thread).
    DB.connection()
    with DB.manual_commit():
        DB.begin("IMMEDIATE")
        try:
            yield
            DB.commit()
        except BaseException:
            if _still_open():
                # A failing rollback must not replace the error that caused it.
                with contextlib.suppress(DatabaseError, sqlite3.DatabaseError):
                    DB.rollback()
            raise


@contextlib.contextmanager
def savepoint(name: str) -> Iterator[None]:
    """Inside a transaction: undo only what this block wrote when it fails."""
    DB.execute_sql(f'SAVEPOINT "{name}"')
    try:
        yield
    except BaseException:
        if _still_open():
            DB.execute_sql(f'ROLLBACK TO "{name}"')
            DB.execute_sql(f'RELEASE "{name}"')
        raise
    DB.execute_sql(f'RELEASE "{name}"')


def is_disk_full(exc: BaseException) -> bool:
    """SQLITE_FULL, however the driver and peewee wrapped it."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return any(
        getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        or "database or disk is full" in str(e)
        for e in chain
    )
