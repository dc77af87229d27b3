"""The scan's write transactions (catalog.locking's, short ones) and savepoints in them.

Like the transactions, a savepoint rolls back only what is still open, so the first
error (a full disk, say) is the one raised.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import DB

__all__ = ["savepoint", "write_transaction"]


@contextlib.contextmanager
def savepoint(name: str) -> Iterator[None]:
    """Inside a transaction: undo only what this block wrote when it fails."""
    DB.execute_sql(f'SAVEPOINT "{name}"')
    try:
        yield
    except BaseException:
        if DB.connection().in_transaction:
            DB.execute_sql(f'ROLLBACK TO "{name}"')
            DB.execute_sql(f'RELEASE "{name}"')
        raise
    DB.execute_sql(f'RELEASE "{name}"')
