"""Tables the catalogue keeps up to date by itself, so the window never counts a million rows.

- ``folder_stats``: per drive and folder, how many present files have each status and
  how many are missing. The tree, its reviewed/total counts and the filter chips read
  these few thousand rows instead of grouping every file.
- ``file_search``: an FTS5 trigram index over each file's name, title and tags, and
  ``folder_search`` over folder paths, for search as you type.

SQLite triggers maintain all three, so every writer (scan batches, relinking, curation
saves, a future import) keeps them right without knowing they exist, inside the same
transaction as the change itself. The indexed text is folded by ``luna_fold`` (case and
accents, for all of Unicode), a function every connection registers; SQLite's own
``lower()`` only knows ASCII.
"""

from __future__ import annotations

import unicodedata

from peewee import Database

FOLD_FUNCTION = "luna_fold"

# Status n counts in column s<n>; see catalog.status.
STATUS_COLUMNS = tuple(f"s{n}" for n in range(1, 7))


def fold(text: str | None) -> str:
    """Lower case without accents: what both the index and a typed search are compared as."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def register_functions(db: Database) -> None:
    """Every connection that may write file rows needs ``luna_fold`` for the triggers."""
    db.register_function(fold, FOLD_FUNCTION, 1, deterministic=True)


def _status_deltas(row: str, sign: str) -> str:
    """`s1 = s1 + (NEW.present AND NEW.status = 1), …, missing = …` for one row image."""
    parts = [f"s{n} = s{n} {sign} ({row}.present AND {row}.status = {n})" for n in range(1, 7)]
    parts.append(f"missing = missing {sign} (NOT {row}.present)")
    return ", ".join(parts)


def _count_into(row: str, sign: str) -> str:
    return f"""
    INSERT INTO folder_stats (drive_id, folder) VALUES ({row}.drive_id, {row}.folder)
        ON CONFLICT (drive_id, folder) DO NOTHING;
    UPDATE folder_stats SET {_status_deltas(row, sign)}
        WHERE drive_id = {row}.drive_id AND folder = {row}.folder;"""


_TAGS_OF = (
    "(SELECT coalesce({fold}(group_concat(t.name, ' | ')), '') "
    "FROM file_tag ft JOIN tag t ON t.id = ft.tag_id WHERE ft.file_id = {file})"
)


def _retag(file: str) -> str:
    tags = _TAGS_OF.format(fold=FOLD_FUNCTION, file=file)
    return f"UPDATE file_search SET tags = {tags} WHERE rowid = {file};"


# Duplicate groups are keys (size, oshash) shared by present, non-empty files: a partial
# index holding exactly those rows lets the grouping read the index alone (schema 5).
DUPLICATE_KEY_INDEX = (
    "CREATE INDEX file_entry_duplicate_key ON file_entry (size, oshash) "
    "WHERE present = 1 AND oshash IS NOT NULL AND size > 0"
)


def statements() -> list[str]:
    """The DDL of the derived tables and their triggers (schema version 2)."""
    columns = ", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in STATUS_COLUMNS)
    f = FOLD_FUNCTION
    return [
        f"""CREATE TABLE folder_stats (
            id INTEGER PRIMARY KEY,
            drive_id INTEGER NOT NULL REFERENCES drive (id) ON DELETE CASCADE,
            folder TEXT NOT NULL,
            {columns},
            missing INTEGER NOT NULL DEFAULT 0,
            UNIQUE (drive_id, folder))""",
        # Trigram: any part of a name matches, as people expect of a search field.
        "CREATE VIRTUAL TABLE file_search USING fts5("
        "name, title, tags, tokenize = 'trigram case_sensitive 1', columnsize = 0)",
        "CREATE VIRTUAL TABLE folder_search USING fts5("
        "path, tokenize = 'trigram case_sensitive 1', columnsize = 0)",
        f"""CREATE TRIGGER folder_stats_ai AFTER INSERT ON folder_stats BEGIN
            INSERT INTO folder_search (rowid, path) VALUES (NEW.id, {f}(NEW.folder));
        END""",
        """CREATE TRIGGER folder_stats_ad AFTER DELETE ON folder_stats BEGIN
            DELETE FROM folder_search WHERE rowid = OLD.id;
        END""",
        f"""CREATE TRIGGER file_entry_ai AFTER INSERT ON file_entry BEGIN
            {_count_into("NEW", "+")}
            INSERT INTO file_search (rowid, name, title, tags)
                VALUES (NEW.id, {f}(NEW.filename), {f}(NEW.title), '');
        END""",
        f"""CREATE TRIGGER file_entry_ad AFTER DELETE ON file_entry BEGIN
            UPDATE folder_stats SET {_status_deltas("OLD", "-")}
                WHERE drive_id = OLD.drive_id AND folder = OLD.folder;
            DELETE FROM file_search WHERE rowid = OLD.id;
        END""",
        f"""CREATE TRIGGER file_entry_au_counts
            AFTER UPDATE OF drive_id, folder, status, present ON file_entry
            WHEN (OLD.drive_id, OLD.folder, OLD.status, OLD.present)
                IS NOT (NEW.drive_id, NEW.folder, NEW.status, NEW.present)
        BEGIN
            UPDATE folder_stats SET {_status_deltas("OLD", "-")}
                WHERE drive_id = OLD.drive_id AND folder = OLD.folder;
            {_count_into("NEW", "+")}
        END""",
        f"""CREATE TRIGGER file_entry_au_search AFTER UPDATE OF filename, title ON file_entry
            WHEN (OLD.filename, OLD.title) IS NOT (NEW.filename, NEW.title)
        BEGIN
            UPDATE file_search SET name = {f}(NEW.filename), title = {f}(NEW.title)
                WHERE rowid = NEW.id;
        END""",
        f"CREATE TRIGGER file_tag_ai AFTER INSERT ON file_tag BEGIN {_retag('NEW.file_id')} END",
        f"CREATE TRIGGER file_tag_ad AFTER DELETE ON file_tag BEGIN {_retag('OLD.file_id')} END",
        f"""CREATE TRIGGER file_tag_au AFTER UPDATE OF file_id, tag_id ON file_tag BEGIN
            {_retag("OLD.file_id")}
            {_retag("NEW.file_id")}
        END""",
        # u (next unreviewed) seeks here from the current file.
        "CREATE INDEX file_entry_review_order ON file_entry "
        "(drive_id, present, status, folder, filename)",
    ]


def fill_statements() -> list[str]:
    """Fill the derived tables from existing rows (a catalogue made before they existed)."""
    sums = ", ".join(f"SUM(present AND status = {n})" for n in range(1, 7))
    f = FOLD_FUNCTION
    tags = _TAGS_OF.format(fold=f, file="file_entry.id")
    return [
        f"""INSERT INTO folder_stats (drive_id, folder, {", ".join(STATUS_COLUMNS)}, missing)
            SELECT drive_id, folder, {sums}, SUM(NOT present)
            FROM file_entry GROUP BY drive_id, folder""",
        f"""INSERT INTO file_search (rowid, name, title, tags)
            SELECT id, {f}(filename), {f}(title), {tags} FROM file_entry""",
    ]


def create(db: Database, fill: bool) -> None:
    for sql in statements():
        db.execute_sql(sql)
    if fill:
        for sql in fill_statements():
            db.execute_sql(sql)
