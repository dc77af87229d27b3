"""The catalogue's write transactions: taken the moment the lock is free, and honest
about why they failed. Scans and curators' saves both write through here.

SQLite's own busy handler sleeps in growing steps (1, 2, 5, 10, 15, 20, 25… ms) while
another connection writes, so a save queued behind a scan's batch could sleep on for
another 25–50 ms after the lock was free; a save happens on the GUI thread, where every
millisecond shows. So the lock is asked for every 2 ms instead, within the same overall
patience (the connection's busy timeout: `LUNA_LOCK_TIMEOUT`, 10 s).

SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error).
Peewee's `atomic()` would then issue its own ROLLBACK, which fails with "cannot
rollback - no transaction is active" and hides the real error from the person reading
it; only what is still open is rolled back here, so the first error is the one raised.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator

from peewee import DatabaseError, OperationalError

from .models import DB

_POLL_S = 0.002
# Still "database is locked", as SQLite says it: callers that retry a locked write later
# (the watch) still do, once the read has ended.
STALE_SNAPSHOT = (
    "database is locked: this connection is still reading a query begun before another "
    "connection's last commit (finish reading it, e.g. list() the rows, before writing)"
)


@contextlib.contextmanager
def write_transaction(timeout: float | None = None) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT; inside another one, simply part of it.

    IMMEDIATE takes the write lock up front, so ids read inside (MAX(id) + 1) cannot be
    taken by another writer before the commit. `timeout`: how long to wait for the lock
    (default: the connection's busy timeout); then "database is locked" is raised.
    """
    # Connect first: peewee forgets a thread's open blocks when it connects lazily
    # inside one (a scan's first statement on the window's worker thread).
    DB.connection()
    if DB.in_transaction():
        yield  # the outer transaction holds the lock, commits and rolls back
        return
    with DB.manual_commit():
        _begin_immediate(timeout)
        try:
            yield
            DB.commit()
        except BaseException:
            if DB.connection().in_transaction:
                # A failing rollback must not replace the error that caused it.
                with contextlib.suppress(DatabaseError, sqlite3.DatabaseError):
                    DB.rollback()
            raise


def _begin_immediate(timeout: float | None) -> None:
    (busy_ms,) = DB.execute_sql("PRAGMA busy_timeout").fetchone()
    deadline = time.monotonic() + (busy_ms / 1000 if timeout is None else timeout)
    DB.execute_sql("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                DB.begin("IMMEDIATE")
                return
            except OperationalError as exc:
                if _stale_snapshot(exc):
                    raise OperationalError(STALE_SNAPSHOT) from exc
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(_POLL_S)
    finally:
        DB.execute_sql(f"PRAGMA busy_timeout = {int(busy_ms)}")


def _stale_snapshot(exc: OperationalError) -> bool:
    """The lock cannot come by waiting: this thread's connection still has a query open
    whose snapshot another connection's commit has made stale, and a write would have
    to upgrade that snapshot (SQLITE_BUSY_SNAPSHOT). Only ending that read helps, and
    this very thread holds it: waiting the full timeout would only hide the mistake."""
    # Peewee raises its own error while handling sqlite3's, which names the cause.
    return any(
        getattr(cause, "sqlite_errorname", None) == "SQLITE_BUSY_SNAPSHOT"
        for cause in (exc.__cause__, exc.__context__)
    )
