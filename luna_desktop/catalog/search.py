"""Search as you type over a million files: the FTS5 trigram indexes of catalog.derived.

A search text is split into words; a file matches when every word occurs somewhere in
its name, title or tags, or every word occurs in its folder's path (then the whole
folder matches), or the text is the start of its oshash. Matching ignores case and
accents for all of Unicode, and every character stands for itself (`_` and `%` are not
wildcards). Words of three letters or more are looked up in the trigram index; shorter
ones are checked on the rows the longer ones found (a search of only short words reads
the index's text from the start, and stops at the limit).

At most `limit` files are returned (the tree shows them, and says when there are more):
the cost of a search is bounded by what can be shown, never by the catalogue's size.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from peewee import OperationalError

from .derived import fold
from .models import DB

SEARCH_LIMIT = 5000
# A search that reads more than this (a short word matching a million rows) stops and
# says so, rather than keep the curator's next search waiting behind it.
SEARCH_BUDGET_S = 1.5
TRIGRAM = 3
_CHECK_EVERY = 20_000  # SQLite VM steps between checks of the budget and of `should_stop`

# A chip as SQL on file_entry AS f (the search joins the index to it).
CHIP_SQL = {
    "all": "f.present = 1",
    "unreviewed": "f.present = 1 AND f.status = 1",
    "needs_attention": "f.present = 1 AND f.status = 6",
    "upload": "f.present = 1 AND f.status = 2",
    "missing": "f.present = 0",
}


@dataclass
class SearchHits:
    """What a search found on one drive."""

    text: str
    # Folders whose path matches: every file in them (that passes the chip) is a match.
    folders: set[str] = field(default_factory=set)
    # Other matching files, by folder: {folder: [file id, …]}.
    files: dict[str, list[int]] = field(default_factory=dict)
    truncated: bool = False  # more files matched than `limit`
    interrupted: bool = False  # stopped before the end: too broad, or no longer wanted

    @property
    def file_count(self) -> int:
        return sum(len(ids) for ids in self.files.values())


def words_of(text: str) -> list[str]:
    return [w for w in fold(text).split() if w]


def match_expression(words: list[str]) -> str | None:
    """An FTS5 query: each long word as a quoted string (so nothing in it is syntax)."""
    long_words = [w for w in words if len(w) >= TRIGRAM]
    if not long_words:
        return None
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)


def _short_word_checks(words: list[str], columns: str) -> tuple[str, list[str]]:
    """instr() checks for the words too short for the trigram index."""
    short = [w for w in words if len(w) < TRIGRAM]
    return "".join(f" AND instr({columns}, ?) > 0" for _ in short), short


def looks_like_oshash(text: str) -> bool:
    return 4 <= len(text) <= 16 and all(c in "0123456789abcdefABCDEF" for c in text)


def search(
    drive_id: int,
    text: str,
    chip: str = "all",
    limit: int = SEARCH_LIMIT,
    should_stop: Callable[[], bool] = lambda: False,
    budget_s: float = SEARCH_BUDGET_S,
) -> SearchHits:
    """The files and folders of a drive matching `text`; stops early (`interrupted`)
    when it runs past `budget_s` or `should_stop()` says a newer search replaced it."""
    hits = SearchHits(text)
    if not words_of(text):
        return hits
    with interruptible(hits, should_stop, budget_s):
        _search(drive_id, text, chip, limit, hits)
    return hits


@contextmanager
def interruptible(hits: SearchHits, should_stop: Callable[[], bool], budget_s: float):
    """Interrupt the queries run inside past the budget or when asked; keep what they
    found so far and mark the hits `interrupted`."""
    deadline = time.monotonic() + budget_s
    connection = DB.connection()
    connection.set_progress_handler(
        lambda: should_stop() or time.monotonic() > deadline, _CHECK_EVERY
    )
    try:
        yield
    except (sqlite3.OperationalError, OperationalError) as exc:
        if "interrupted" not in str(exc):
            raise
        hits.interrupted = True
    finally:
        connection.set_progress_handler(None, 0)


def _search(drive_id: int, text: str, chip: str, limit: int, hits: SearchHits) -> None:
    words = words_of(text)
    chip_sql = CHIP_SQL[chip]
    hits.folders = matching_folders(drive_id, words)
    seen: set[int] = set()

    def add(rows) -> None:
        for file_id, folder in rows:
            if file_id in seen or folder in hits.folders:
                continue
            if len(seen) >= limit:
                hits.truncated = True
                return
            seen.add(file_id)
            hits.files.setdefault(folder, []).append(file_id)

    stripped = text.strip()
    if looks_like_oshash(stripped):
        prefix = stripped.lower()
        add(
            DB.execute_sql(
                # INDEXED BY: sampled statistics make the drive's rows look cheaper.
                "SELECT f.id, f.folder FROM file_entry f INDEXED BY file_entry_oshash "
                f"WHERE f.oshash >= ? AND f.oshash < ? "
                f"AND f.drive_id = ? AND {chip_sql} LIMIT ?",
                (prefix, prefix + "g", drive_id, limit + 1),
            )
        )
    columns = "s.name || ' ' || s.title || ' ' || s.tags"
    checks, short = _short_word_checks(words, columns)
    match = match_expression(words)
    where = "s.file_search MATCH ? AND " if match else ""
    params: list[object] = [match] if match else []
    add(
        DB.execute_sql(
            # CROSS JOIN: from the full-text match to the rows, never the other way (SQLite
            # without statistics would run the match once per file row: 30 s on a million).
            f"SELECT f.id, f.folder FROM file_search s {'CROSS ' if match else ''}JOIN "
            "file_entry f ON f.id = s.rowid "
            f"WHERE {where}f.drive_id = ? AND {chip_sql}{checks} LIMIT ?",
            (*params, drive_id, *short, limit + 1),
        )
    )


def matching_folders(drive_id: int, words: list[str]) -> set[str]:
    """Folders of the drive whose whole path holds every word (a few thousand rows at most)."""
    checks, short = _short_word_checks(words, "fs.path")
    match = match_expression(words)
    where = "fs.folder_search MATCH ? AND " if match else ""
    params: list[object] = [match] if match else []
    rows = DB.execute_sql(
        f"SELECT st.folder FROM folder_search fs {'CROSS ' if match else ''}JOIN folder_stats st "
        "ON st.id = fs.rowid "
        f"WHERE {where}st.drive_id = ?{checks} "
        "AND st.s1 + st.s2 + st.s3 + st.s4 + st.s5 + st.s6 + st.missing > 0",
        (*params, drive_id, *short),
    )
    return {folder for (folder,) in rows if folder}
