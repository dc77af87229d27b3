"""The tree's side of the filters: a drive's files that pass a Criteria (and a search
text), grouped by folder in the SearchHits shape catalog.search returns.

The filter goes into the search's own queries rather than filtering a search's result:
a search stops at `limit` files (or at its time budget), so intersecting its first
5,000 hits with a filter would silently lose the matches beyond them, and its folder
hits ("every file in this folder") say nothing about kinds or cameras. Here each of the
search's three ways of matching (folder path, oshash prefix, the trigram index of
names, titles and tags) is one query that starts from its own index and adds the
filter's WHERE expression, and the limit counts files that pass both. The text rules
themselves stay catalog.search's. Without a search text, a filter with a narrow set of
its own (an album, a tag, a project group, duplicates) starts from that set.

Hits list files only, never whole `folders`: the per-folder counts kept by triggers
know statuses, not kinds or cameras, so queries.folder_counts counts a filter's hits
folder by folder. Like a search, this runs off the GUI thread and stops past its time
budget or when `should_stop()` says it was replaced (`interrupted`), and at `limit`
files (`truncated`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from peewee import JOIN, Expression, Table, fn

from . import queries
from .filter_sql import criteria_expression, driving_ids
from .filters import Criteria
from .models import FileEntry
from .queries import FileFilter
from .search import (
    SEARCH_BUDGET_S,
    SEARCH_LIMIT,
    TRIGRAM,
    SearchHits,
    interruptible,
    looks_like_oshash,
    match_expression,
    matching_folders,
    search,
    words_of,
)

_FOLDERS_PER_QUERY = 500  # well under SQLite's limit on bound variables
_FILE_SEARCH = Table("file_search")  # catalog.derived's FTS5 index, rowid = file id
_ByFolder = FileEntry.alias("by_folder")
_ByHash = FileEntry.alias("by_hash")


def matching(
    drive_id: int,
    criteria: Criteria,
    search_text: str = "",
    chip: str = "all",
    limit: int = SEARCH_LIMIT,
    should_stop: Callable[[], bool] = lambda: False,
    budget_s: float = SEARCH_BUDGET_S,
) -> SearchHits:
    """The files of a drive that pass `criteria`, the window's `chip` and, if given,
    `search_text` (matched as catalog.search matches it).

    With empty criteria this is exactly `search(drive_id, search_text, chip, …)`, folder
    hits included; with neither criteria nor text there is nothing to filter and the
    hits are empty, as a search of nothing is: the tree shows the drive unfiltered.
    """
    if criteria.is_empty:
        return search(drive_id, search_text, chip, limit, should_stop, budget_s)
    hits = SearchHits(search_text)
    where = (FileEntry.drive == drive_id) & criteria_expression(criteria, chip)
    collected = _Collector(hits, limit)
    with interruptible(hits, should_stop, budget_s):
        words = words_of(search_text)
        if words:
            _add_text_matches(drive_id, search_text, words, where, collected)
        else:
            collected.add(_ids_and_folders(where, limit, driving_ids(criteria, chip)))
    return hits


class _Collector:
    """Adds matching rows to the hits once each, up to the limit."""

    def __init__(self, hits: SearchHits, limit: int) -> None:
        self.hits, self.limit = hits, limit
        self.seen: set[int] = set()

    def add(self, rows: Iterable[tuple[int, str]]) -> None:
        if self.hits.truncated:
            return  # already known to be more than can be shown
        for file_id, folder in rows:
            if file_id in self.seen:
                continue
            if len(self.seen) >= self.limit:
                self.hits.truncated = True
                return
            self.seen.add(file_id)
            self.hits.files.setdefault(folder, []).append(file_id)


def _ids_and_folders(where, limit: int, driver=None) -> Iterator[tuple[int, str]]:
    """Matching (id, folder) rows; with `driver` (a query or table of file ids), read
    from it first and each file by its id.

    CROSS JOIN is SQLite's way to fix the order of a join. The catalogue has no table
    statistics unless someone runs ANALYZE, and without them the planner walks a
    drive's (drive, present) or (drive, present, status) index and tests every row
    against a narrow set of ids: seconds on a million files instead of milliseconds.
    """
    query = FileEntry.select(FileEntry.id, FileEntry.folder)
    if driver is not None:
        ids = driver if isinstance(driver, Table) else driver.alias("driver")
        column = ids.c.rowid if isinstance(driver, Table) else ids.c.id
        query = query.from_(ids).join(FileEntry, JOIN.CROSS)
        where = (FileEntry.id == column) & where
    return query.where(where).limit(limit + 1).tuples().iterator()


def _add_text_matches(
    drive_id: int, text: str, words: list[str], where, collected: _Collector
) -> None:
    limit = collected.limit
    # Files in folders whose path holds every word: by the (drive, folder) index.
    folders = sorted(matching_folders(drive_id, words))
    for start in range(0, len(folders), _FOLDERS_PER_QUERY):
        chunk = folders[start : start + _FOLDERS_PER_QUERY]
        in_folders = _ByFolder.select(_ByFolder.id.alias("id")).where(
            (_ByFolder.drive == drive_id) & _ByFolder.folder.in_(chunk)
        )
        collected.add(_ids_and_folders(where, limit, in_folders))
    stripped = text.strip()
    if looks_like_oshash(stripped):
        prefix = stripped.lower()
        by_hash = _ByHash.select(_ByHash.id.alias("id")).where(
            (_ByHash.oshash >= prefix) & (_ByHash.oshash < prefix + "g")
        )
        collected.add(_ids_and_folders(where, limit, by_hash))
    # Names, titles and tags, from the trigram index first: the query streams and stops
    # at the limit.
    fs = _FILE_SEARCH
    match = match_expression(words)
    if match:
        where &= Expression(fs.c.file_search, "MATCH", match)
    indexed_text = fs.c.name.concat(" ").concat(fs.c.title).concat(" ").concat(fs.c.tags)
    for word in words:
        if len(word) < TRIGRAM:  # too short for the index: checked on the rows
            where &= fn.instr(indexed_text, word) > 0
    collected.add(_ids_and_folders(where, limit, fs))


def found_with_counts(
    drive_id: int, file_filter: FileFilter, stale: Callable[[], bool]
) -> tuple[SearchHits, list[queries.FolderCount], SearchHits | None]:
    """For the tree, off the GUI thread: the hits, the counts of the folders that hold
    them (so the GUI thread only lays out what matched), and, when the chip hides
    unreviewed files (For upload, Missing…), the unreviewed hits that u walks."""
    hits = matching(
        drive_id, file_filter.criteria, file_filter.search, file_filter.chip, should_stop=stale
    )
    counts = [c for c in queries.folder_counts(drive_id, file_filter, hits) if c.matching]
    review = None
    if file_filter.chip not in ("all", "unreviewed"):
        review = matching(
            drive_id, file_filter.criteria, file_filter.search, "unreviewed", should_stop=stale
        )
    return hits, counts, review
