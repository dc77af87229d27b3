"""Moved and renamed files keep their identity.

After a completed walk, a file catalogued for the first time in this scan that has the
same size and oshash as a row now missing on the same drive is that file, moved: the old
row (its UUID, curation, tags and history) takes the new path and the fresh facts, and
the duplicate new row is removed. Empty files all share one oshash, so they are never
matched.

Pairs are moved a bounded chunk at a time, each chunk its own short transaction, so a
curator's save waits behind one chunk, never behind the relinking of a whole drive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from luna_desktop.catalog.models import DB, FileEntry

from .options import ScanOptions
from .transactions import write_transaction
from .writer import SCANNED_COLUMNS

# The columns a move carries from the new row to the old one: where the file is now and
# what the scan read there. Curation columns are deliberately absent.
_FILE_COLUMNS = ("folder", "filename", "raw_path", *SCANNED_COLUMNS)


@dataclass
class Relinked:
    """One chunk's moves, and how many of them this scan had counted as added and as
    missing (a move may pair a row an earlier, cancelled scan added, or one it marked
    missing): what the scan's counts take back."""

    moved: int
    added_here: int
    missing_here: int


def relink_moved_files(drive_id: int, after_scan: int, chunk: int = ScanOptions.batch_size) -> int:
    """Relink every move at once; returns how many. Never call it in a transaction."""
    return sum(r.moved for r in relink_in_chunks(drive_id, after_scan, chunk))


def relink_in_chunks(
    drive_id: int,
    after_scan: int,
    chunk: int,
    this_scan: tuple[int, datetime] | None = None,
) -> Iterator[Relinked]:
    """Pair rows added since scan run `after_scan` with missing ones, and move up to
    `chunk` pairs per transaction; yields each chunk's moves, between chunks.
    `this_scan` (its id and start) says which additions and losses were this scan's.

    Rows added by a scan that was cancelled count too: the move it saw is still a move,
    and a scan stopped between chunks leaves the rest for the next one. A new row a
    curator already worked on (version > 1: curated while the scan ran) is left alone,
    so no decision is ever deleted.
    """
    # Driven from the missing side, which is small, with the new rows found through the
    # (size, oshash) index. INDEXED BY because, without statistics, SQLite would rather
    # scan the drive's present rows for every missing one: 20,000 moves took 48 s.
    pairs = DB.obj.execute_sql(
        """
        SELECT o.id, n.id
        FROM file_entry AS o
        JOIN file_entry AS n INDEXED BY file_entry_size_oshash
          ON n.size = o.size AND n.oshash = o.oshash
        WHERE o.drive_id = ? AND o.present = 0 AND o.size > 0
          AND n.drive_id = ? AND n.present = 1 AND n.added_scan > ? AND n.version = 1
        -- Several identical files went missing: prefer pairs that kept their name.
        ORDER BY o.filename = n.filename DESC, o.missing_since DESC, o.id
        """,
        (drive_id, drive_id, after_scan),
    ).fetchall()
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    chosen: list[tuple[int, int]] = []
    for old_id, new_id in pairs:
        if old_id in taken_old or new_id in taken_new:
            continue
        taken_old.add(old_id)
        taken_new.add(new_id)
        chosen.append((old_id, new_id))
    scan_id, started = this_scan or (-1, datetime.max)
    for start in range(0, len(chosen), chunk):
        with write_transaction():
            relinked = _apply(chosen[start : start + chunk], scan_id, started)
        yield relinked


def _apply(chosen: list[tuple[int, int]], scan_id: int, started: datetime) -> Relinked:
    """Move a chunk of pairs with a few set-based statements: renaming a folder of
    100,000 files is one move each, and row-by-row updates take minutes."""
    db = DB.obj
    columns = [FileEntry._meta.fields[name].column_name for name in _FILE_COLUMNS]
    db.execute_sql("DROP TABLE IF EXISTS temp.relink_pair")
    db.execute_sql("DROP TABLE IF EXISTS temp.relink_new")
    db.execute_sql(
        "CREATE TEMP TABLE relink_pair (old_id INTEGER PRIMARY KEY, new_id INTEGER UNIQUE)"
    )
    db.connection().executemany("INSERT INTO temp.relink_pair VALUES (?, ?)", chosen)
    # The pairs were chosen outside this transaction: a curator may have worked on the
    # new row since, or the old one may have come back. Such pairs are left alone.
    db.execute_sql(
        """DELETE FROM temp.relink_pair WHERE NOT EXISTS (
               SELECT 1 FROM file_entry o, file_entry n
               WHERE o.id = relink_pair.old_id AND o.present = 0
                 AND n.id = relink_pair.new_id AND n.present = 1 AND n.version = 1)"""
    )
    moved, added_here, missing_here = db.execute_sql(
        "SELECT count(*), COALESCE(SUM(n.added_scan = ?), 0), "
        "COALESCE(SUM(o.missing_since >= ?), 0) FROM temp.relink_pair p "
        "JOIN file_entry n ON n.id = p.new_id JOIN file_entry o ON o.id = p.old_id",
        (scan_id, started),
    ).fetchone()
    new_columns = ", ".join(f'n."{c}"' for c in columns)
    db.execute_sql(
        f"CREATE TEMP TABLE relink_new AS SELECT p.old_id AS old_id, {new_columns} "
        "FROM temp.relink_pair p JOIN file_entry n ON n.id = p.new_id"
    )
    # Keyword tags come from the file, so they follow the fresh read.
    db.execute_sql(
        "DELETE FROM file_tag WHERE source = 'keyword' "
        "AND file_id IN (SELECT old_id FROM temp.relink_pair)"
    )
    db.execute_sql(
        "UPDATE OR IGNORE file_tag SET file_id = "
        "(SELECT old_id FROM temp.relink_pair WHERE new_id = file_tag.file_id) "
        "WHERE file_id IN (SELECT new_id FROM temp.relink_pair)"
    )
    # The new rows go first: the old ones take over their (drive, folder, filename).
    db.execute_sql("DELETE FROM file_entry WHERE id IN (SELECT new_id FROM temp.relink_pair)")
    assignments = ", ".join(f'"{c}" = relink_new."{c}"' for c in columns)
    db.execute_sql(
        f"UPDATE file_entry SET {assignments}, present = 1, missing_since = NULL "
        "FROM temp.relink_new WHERE file_entry.id = relink_new.old_id"
    )
    db.execute_sql("DROP TABLE temp.relink_pair")
    db.execute_sql("DROP TABLE temp.relink_new")
    return Relinked(moved, added_here, missing_here)
