"""A curator's write transaction that takes the write lock the moment it is free.

SQLite's own busy handler sleeps in growing steps (1, 2, 5, 10, 15, 20, 25… ms) while
another connection writes, so a save queued behind a scan's 50 ms batch could sleep on
for another 25–50 ms after the lock was free. A save happens on the GUI thread, where
every millisecond shows, so it asks for the lock itself every 2 ms instead, within the
same overall patience (the connection's busy timeout: `LUNA_LOCK_TIMEOUT`, 10 s).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from peewee import OperationalError

from .models import DB

_POLL_S = 0.002


@contextlib.contextmanager
def prompt_write(timeout: float | None = None) -> Iterator[None]:
    """`DB.atomic("IMMEDIATE")`, retried every 2 ms while another writer holds the lock."""
    if DB.in_transaction():
        with DB.atomic():  # nested: the outer transaction holds the lock already
            yield
        return
    # The connection's own busy timeout (LUNA_LOCK_TIMEOUT at open) is the patience.
    (busy_ms,) = DB.execute_sql("PRAGMA busy_timeout").fetchone()
    deadline = time.monotonic() + (busy_ms / 1000 if timeout is None else timeout)
    DB.execute_sql("PRAGMA busy_timeout = 0")
    try:
        while True:
            transaction = DB.atomic("IMMEDIATE")
            try:
                transaction.__enter__()
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(_POLL_S)
                continue
            break
    finally:
        DB.execute_sql(f"PRAGMA busy_timeout = {int(busy_ms)}")
    try:
        yield
    except BaseException as exc:
        transaction.__exit__(type(exc), exc, exc.__traceback__)  # rolls back
        raise
    transaction.__exit__(None, None, None)  # commits
