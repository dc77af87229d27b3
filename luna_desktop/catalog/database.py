"""Opening the catalogue: where it lives, its connection settings, and its schema."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import platformdirs
from peewee import DatabaseError, OperationalError, SqliteDatabase

from .derived import register_functions
from .errors import CatalogError
from .migrations import migrate
from .models import DB

APP_NAME = "luna-desktop"
CACHE_KIB = -64_000  # SQLite page cache per connection (negative: in KiB)


def default_catalog_path() -> Path:
    return platformdirs.user_data_path(APP_NAME) / "catalog.sqlite3"


def resolve_catalog_path(explicit: str | os.PathLike | None = None) -> Path:
    """--catalog PATH wins, then $LUNA_CATALOG, then the user's data directory."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("LUNA_CATALOG")
    if env:
        return Path(env).expanduser()
    return default_catalog_path()


def _pragmas() -> dict:
    return {
        "journal_mode": "wal",
        "foreign_keys": 1,
        # FULL: a curator's committed save survives a power cut; scans commit in
        # batches, so the extra fsync per commit costs little.
        "synchronous": "full",
        "cache_size": CACHE_KIB,
        "temp_store": "memory",
    }


def open_catalog(
    path: str | os.PathLike | None = None,
    *,
    lock_timeout: float | None = None,
    create: bool = True,
) -> SqliteDatabase:
    """Open (creating if needed) the catalogue and bind the models to it.

    Raises CatalogError with a one-line message for a locked, damaged or foreign file;
    in that case nothing has been written to it.
    """
    db_path = resolve_catalog_path(path)
    if lock_timeout is None:
        lock_timeout = float(os.environ.get("LUNA_LOCK_TIMEOUT", "10"))
    if db_path.exists() and not db_path.is_file():
        raise CatalogError(f"the catalogue path {db_path} is not a file")
    if not create and not db_path.exists():
        # A mistyped --catalog must not quietly become a new, empty catalogue.
        raise CatalogError(f"there is no catalogue at {db_path} (check --catalog or LUNA_CATALOG)")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogError(f"cannot create the catalogue folder {db_path.parent}: {exc}") from exc

    db = SqliteDatabase(str(db_path), pragmas=_pragmas(), timeout=lock_timeout)
    register_functions(db)
    DB.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        migrate(db, db_path)
    except (OperationalError, DatabaseError, sqlite3.DatabaseError) as exc:
        db.close()
        raise explain_database_error(exc, db_path) from exc
    return db


def is_disk_full(exc: BaseException) -> bool:
    """SQLITE_FULL (or ENOSPC), however the driver and peewee wrapped it."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return any(
        getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        or "database or disk is full" in str(e)
        or "No space left" in str(e)
        for e in chain
    )


def explain_database_error(exc: Exception, db_path: Path) -> CatalogError:
    text = str(exc)
    # SQLite rolls back by itself on a full disk; what was committed before stands.
    if is_disk_full(exc):
        return CatalogError(
            f"the disk holding the catalogue {db_path} is full: free some space and try "
            "again; nothing was lost"
        )
    if "locked" in text or "busy" in text:
        return CatalogError(
            f"the catalogue {db_path} is locked by another program (is Luna or a scan "
            "running?); try again when it has finished"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return CatalogError(
            f"the catalogue {db_path} is damaged or is not a Luna catalogue ({text}); "
            "restore it from a backup or point --catalog elsewhere"
        )
    if "readonly" in text or "unable to open" in text:
        return CatalogError(f"cannot write the catalogue {db_path}: {text}")
    return CatalogError(f"catalogue error in {db_path}: {text}")


# Rows per index ANALYZE samples: statistics good enough to plan by, in well under a
# second on a million files.
_ANALYSIS_LIMIT = 2000


def refresh_statistics() -> None:
    """Let SQLite's planner know the tables' sizes again when a scan or an import changed
    them much: without statistics it may drive a query from the wrong side (a search
    took half a minute on a million files that had never been analysed). ANALYZE takes
    the write lock for a tenth of a second on a million files, so a curator's save would
    wait: it runs only when the file table has no statistics yet or grew or shrank by a
    quarter since."""
    if not _statistics_stale():
        return
    DB.execute_sql(f"PRAGMA analysis_limit = {_ANALYSIS_LIMIT}")
    DB.execute_sql("ANALYZE")
    DB.execute_sql("PRAGMA analysis_limit = 0")


def _statistics_stale() -> bool:
    if not DB.table_exists("sqlite_stat1"):
        return True
    stat = DB.execute_sql(
        "SELECT stat FROM sqlite_stat1 WHERE tbl = 'file_entry' AND idx IS NOT NULL LIMIT 1"
    ).fetchone()
    if not stat:
        return True
    analysed = int(stat[0].split()[0])
    # MAX(id) seeks the primary key: a row count without counting a million rows.
    rows = DB.execute_sql("SELECT COALESCE(MAX(id), 0) FROM file_entry").fetchone()[0]
    return not 0.8 * analysed <= rows <= 1.25 * analysed + 100


def close_catalog() -> None:
    if DB.obj is not None and not DB.obj.is_closed():
        DB.obj.close()


def catalog_path() -> Path | None:
    """The file behind the open catalogue, for backups."""
    if DB.obj is None:
        return None
    return Path(DB.obj.database)
