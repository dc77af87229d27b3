"""Missing files that turn up again, on any drive, keep their identity and curation.

A file that is gone stays in the catalogue as missing, with its curation. A present
file with the same size and oshash may be that file, moved to another folder or to
another drive; when it was first catalogued decides what it can be:

* catalogued *after the missing file was found missing*: an **arrival**. When it is
  the missing file's only candidate, and that missing file its only one, the two are
  relinked at once: the missing row takes the new drive, folder, name and what the scan
  read there, and keeps its UUID, curation, tags, album places and edit log; the new
  row goes.
* catalogued after the missing file was *last seen present* but before it was found
  missing: it **may be a copy** (a file copied to drive B and deleted from A later
  looks exactly like a file moved to B when B is scanned first). Offered, never
  relinked by itself.
* catalogued *while the missing file was still seen present*: a **copy**. The two were
  there together; duplicates deal with copies, and it is never offered.

"Last seen present" is the start of the latest completed scan of the missing file's
drive that finished before it was found missing (or of the scan that catalogued it).
"First catalogued" is when the run named by a row's `added_scan` read it: its
`scanned_at`, kept within that run's start and end (a later rescan that read the file
again moved `scanned_at` on; a watch, a run that lasts hours, adds files as they come).
Rows without an `added_scan` (imported from a listing) have no known arrival and are
never candidates.

Everything else is offered to the curator (`offers`), who relinks with one click
(`accept`) or says "not this one" (`decline`, remembered). A candidate a curator has
already worked on (version > 1) is never relinked by itself and never deleted with its
curation: accepting it merges the two curations, field by field, and refuses when
both hold different values for a field (CurationClash). Empty files, and contents held
by more than a couple of hundred rows (blank frames, templates), are never relinked by
content.

Writes go a bounded chunk at a time, each its own short transaction with a few
set-based statements, as in scan.relink.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.curation import FIELD_LABELS
from luna_desktop.catalog.models import DB, FileEntry, RelinkDecline
from luna_desktop.catalog.status import Status

from .transactions import write_transaction
from .writer import SCANNED_COLUMNS

_CHUNK = 500  # arrivals looked at (and relinked) per transaction
_CROWDED = 200  # a content held by more rows than this is never relinked by content
_CANDIDATES_SHOWN = 20  # per offer

# Where the file is now and what was read there: the missing row takes these from its
# candidate. The content hash too: it was taken of the file now at that place.
_PLACE_COLUMNS = ("drive", "folder", "filename", "raw_path", "content_hash", *SCANNED_COLUMNS)
# Curation a candidate may hold (when a curator worked on it), merged into the missing
# row's where that one is empty. "Empty" as a new row has it.
_TEXT_FIELDS = ("title", "description", "notes")

# When the missing row `o` was last seen present (see the module's docstring).
_SEEN = """COALESCE((SELECT MAX(r.started_at) FROM scan_run r WHERE r.drive_id = o.drive_id
    AND ((r.state = 'completed' AND r.finished_at <= o.missing_since) OR r.id = o.added_scan)),
    o.missing_since)"""
# When the candidate `n` was first catalogued by its run `r` (see the docstring).
_ARRIVED = """MAX(r.started_at, MIN(COALESCE(n.scanned_at, r.started_at),
    COALESCE(r.finished_at, n.scanned_at, r.started_at)))"""
_NOT_DECLINED = """NOT EXISTS (SELECT 1 FROM relink_decline d
    WHERE d.missing_id = o.id AND d.candidate_id = n.id)"""
# The candidate relation over the keys in temp.relink_key: (missing id, candidate id,
# whether the candidate arrived after the file was found missing, candidate's version).
_RELATION = f"""
    SELECT o.id, n.id, {_ARRIVED} > o.missing_since, n.version
    -- CROSS JOIN keeps this order: from the few keys, through the index, to the rows.
    FROM temp.relink_key k
    CROSS JOIN file_entry o INDEXED BY file_entry_size_oshash
    CROSS JOIN file_entry n INDEXED BY file_entry_size_oshash
    CROSS JOIN scan_run r
    WHERE o.size = k.size AND o.oshash = k.oshash AND n.size = k.size AND n.oshash = k.oshash
      AND r.id = n.added_scan AND o.present = 0 AND o.missing_since IS NOT NULL
      AND n.present = 1 AND {_ARRIVED} > {_SEEN} AND {_NOT_DECLINED}
"""
# Missing rows with at least one candidate, newest loss first. `o.drive_id IN (…)` lets
# SQLite read the missing rows from the (drive, present) index, drive by drive; the
# unary plus keeps it from scanning the whole (size, oshash) index for `size > 0`
# instead, which it prefers once the catalogue has statistics.
_OFFERED = f"""
    SELECT o.id FROM file_entry o
    WHERE o.drive_id IN (SELECT id FROM drive) AND o.present = 0 AND +o.size > 0
      AND o.oshash IS NOT NULL AND o.missing_since IS NOT NULL
      AND EXISTS (SELECT 1 FROM file_entry n INDEXED BY file_entry_size_oshash
                  JOIN scan_run r ON r.id = n.added_scan
                  WHERE n.size = o.size AND n.oshash = o.oshash AND n.present = 1
                    AND {_ARRIVED} > {_SEEN} AND {_NOT_DECLINED})
      AND (SELECT COUNT(*) FROM (SELECT 1 FROM file_entry c INDEXED BY file_entry_size_oshash
           WHERE c.size = o.size AND c.oshash = o.oshash LIMIT {_CROWDED + 1})) <= {_CROWDED}
    ORDER BY o.missing_since DESC, o.id
    LIMIT ?
"""
# Curation of both rows that cannot be merged: each holds a different value.
_CLASH = """(o.status != 1 AND n.status != 1 AND o.status != n.status)
    OR (o.title != '' AND n.title != '' AND o.title != n.title)
    OR (o.description != '' AND n.description != '' AND o.description != n.description)
    OR (o.notes != '' AND n.notes != '' AND o.notes != n.notes)
    OR (o.project_group_id IS NOT NULL AND n.project_group_id IS NOT NULL
        AND o.project_group_id != n.project_group_id)
    OR (COALESCE(o.date, '') != '' AND COALESCE(n.date, '') != '' AND o.date != n.date)"""


class RelinkError(Exception):
    """A relink that cannot be done; the message says why, for a person."""


class StaleOffer(RelinkError):
    """The offer no longer holds: a file came back, went, or changed since it was made."""


class CurationClash(RelinkError):
    """Both files were curated, with different values in `fields`: nothing was changed."""

    def __init__(self, message: str, fields: list[str]):
        super().__init__(message)
        self.fields = fields


@dataclass
class ArrivalOutcome:
    relinked: int = 0  # missing rows relinked to an arrival
    offered: int = 0  # missing rows with a candidate among the arrivals, left to the curator
    drives: set[int] = field(default_factory=set)  # drives the relinked rows are on now


@dataclass(frozen=True)
class OfferFile:
    """One side of an offer, as the window and `luna relink` show it."""

    id: int
    uuid: str
    drive: str
    folder: str
    filename: str
    size: int
    status: int
    title: str
    version: int

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.filename}" if self.folder else self.filename

    @property
    def status_label(self) -> str:
        try:
            return Status(self.status).label
        except ValueError:
            return str(self.status)

    @property
    def curated(self) -> bool:
        return self.version > 1


@dataclass(frozen=True)
class OfferCandidate:
    file: OfferFile
    # Catalogued before the missing file was found missing: it may be a copy.
    maybe_copy: bool


@dataclass(frozen=True)
class RelinkOffer:
    missing: OfferFile
    missing_since: datetime | None
    candidates: list[OfferCandidate]
    more: int = 0  # candidates beyond those listed


# -- arrivals -------------------------------------------------------------------------


def settle_arrivals(file_ids: Iterable[int], *, refresh: bool = True) -> ArrivalOutcome:
    """Relink every missing row that one of these newly catalogued present rows
    unambiguously is (see the module's docstring); count the rest as offered.
    `refresh`: bring the duplicate groups of the drives touched up to date (a scan
    that refreshes its drive right after passes False). Never call it in a transaction.
    """
    total = ArrivalOutcome()
    for part in settle_in_chunks(file_ids):
        total.relinked += part.relinked
        total.offered += part.offered
        total.drives |= part.drives
    if refresh:
        for drive_id in sorted(total.drives):
            duplicates.refresh_after_change(drive_id)
    return total


def settle_in_chunks(file_ids: Iterable[int], chunk: int = _CHUNK) -> Iterator[ArrivalOutcome]:
    """settle_arrivals a chunk of arrivals per transaction, yielding between chunks (a
    scan reports progress and may stop there). Refreshes no duplicate groups."""
    ids = list(dict.fromkeys(file_ids))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        # Choosing and relinking in one transaction: no other writer can make a
        # candidate ambiguous, or bring a missing file back, in between.
        with write_transaction():
            _load_keys(
                "SELECT size, oshash FROM file_entry WHERE id IN ({}) AND present = 1",
                part,
            )
            relation = DB.execute_sql(_RELATION).fetchall()
            auto, offered = _choose(relation, set(part))
            relinked, drives = _apply(auto, uncurated_only=True)
            _drop_keys()
        yield ArrivalOutcome(relinked, offered + len(auto) - relinked, drives)


def arrivals_on_drive(drive_id: int, after_scan: int) -> list[int]:
    """The drive's present rows first catalogued by a scan run after `after_scan` that
    share a size and oshash with a missing row anywhere: what a scan hands to
    settle_arrivals. Driven from the missing rows, which are few beside a new drive's."""
    rows = DB.execute_sql(
        """
        SELECT DISTINCT n.id
        FROM file_entry o
        JOIN file_entry n INDEXED BY file_entry_size_oshash
          ON n.size = o.size AND n.oshash = o.oshash
        WHERE o.drive_id IN (SELECT id FROM drive) AND o.present = 0 AND +o.size > 0
          AND o.oshash IS NOT NULL
          AND n.drive_id = ? AND n.present = 1 AND n.added_scan > ?
        """,
        (drive_id, after_scan),
    )
    return [file_id for (file_id,) in rows]


def _choose(
    relation: list[tuple[int, int, int, int]], arrivals: set[int]
) -> tuple[list[tuple[int, int]], int]:
    """(pairs to relink now, how many missing rows to leave to the curator), among the
    missing rows with a candidate in `arrivals`."""
    candidates: dict[int, list[tuple[int, bool, int]]] = {}
    claims: dict[int, int] = {}
    for missing_id, candidate_id, after_missing, version in relation:
        candidates.setdefault(missing_id, []).append((candidate_id, bool(after_missing), version))
        claims[candidate_id] = claims.get(candidate_id, 0) + 1
    auto: list[tuple[int, int]] = []
    offered = 0
    for missing_id, found in candidates.items():
        if not any(c in arrivals for c, _after, _version in found):
            continue  # not about these arrivals (offered when the curator looks)
        (candidate_id, after_missing, version), *others = found
        if not others and after_missing and version == 1 and claims[candidate_id] == 1:
            auto.append((missing_id, candidate_id))
        else:
            offered += 1
    return auto, offered


# -- what the curator decides -----------------------------------------------------------


def offers(limit: int = 500) -> list[RelinkOffer]:
    """Missing files with candidates (newest loss first), each with its candidates."""
    missing_ids = [i for (i,) in DB.execute_sql(_OFFERED, (limit,))]
    if not missing_ids:
        return []
    _load_keys(
        "SELECT size, oshash FROM file_entry WHERE id IN ({}) AND present = 0",
        missing_ids,
    )
    try:
        relation = DB.execute_sql(_RELATION).fetchall()
    finally:
        _drop_keys()
    wanted = set(missing_ids)
    found: dict[int, list[tuple[int, bool]]] = {}
    for missing_id, candidate_id, after_missing, _version in relation:
        if missing_id in wanted:
            found.setdefault(missing_id, []).append((candidate_id, not after_missing))
    shown = {c for pairs in found.values() for c, _ in pairs[:_CANDIDATES_SHOWN]}
    files, since = _offer_files([*found, *shown])
    out = []
    for missing_id in missing_ids:
        pairs = sorted(found.get(missing_id, []), key=lambda p: (p[1], p[0]))
        listed = [
            OfferCandidate(files[c], maybe_copy)
            for c, maybe_copy in pairs[:_CANDIDATES_SHOWN]
            if c in files
        ]
        if listed and missing_id in files:
            more = len(pairs) - len(listed)
            out.append(RelinkOffer(files[missing_id], since[missing_id], listed, more))
    return out


def count_offers(cap: int = 1000) -> int:
    """How many missing files have candidates, up to `cap` (for a nudge in the window)."""
    return DB.execute_sql(f"SELECT COUNT(*) FROM ({_OFFERED})", (cap,)).fetchone()[0]


def accept(missing_id: int, candidate_id: int) -> None:
    """The curator says the present file `candidate_id` is the missing file
    `missing_id`: the missing row takes its place (see the module's docstring).
    Everything is checked again inside the transaction; StaleOffer or CurationClash
    says why nothing was changed."""
    with write_transaction():
        missing = FileEntry.get_or_none(FileEntry.id == missing_id)
        candidate = FileEntry.get_or_none(FileEntry.id == candidate_id)
        if missing is None:
            raise StaleOffer("the missing file is no longer in the catalogue")
        where = f"{missing.drive.name}:{missing.display_path}"
        if missing.present:
            raise StaleOffer(f"{where} is not missing any more: it was found again")
        if candidate is None or not candidate.present:
            raise StaleOffer(f"the file offered for {where} is not on its drive any more")
        there = f"{candidate.drive.name}:{candidate.display_path}"
        if (candidate.size, candidate.oshash) != (missing.size, missing.oshash):
            raise StaleOffer(f"{there} has changed since it was offered for {where}")
        clashes = _clashing_fields(missing, candidate)
        if clashes:
            names = ", ".join(FIELD_LABELS.get(f, f) for f in clashes)
            raise CurationClash(
                f"{where} and {there} were both curated, with different values ({names}); "
                "make them agree, or clear one side, and relink again",
                clashes,
            )
        relinked, drives = _apply([(missing_id, candidate_id)], uncurated_only=False)
        if relinked != 1:
            raise StaleOffer(f"{where} could not be relinked to {there}")
    for drive_id in drives:
        duplicates.refresh_after_change(drive_id)


def decline(missing_id: int, candidate_id: int, by: str | None = None) -> None:
    """The curator says `candidate_id` is not the missing file: never offered again."""
    with write_transaction():
        found = FileEntry.select().where(FileEntry.id.in_([missing_id, candidate_id])).count()
        if missing_id == candidate_id or found != 2:
            raise StaleOffer("one of the two files is no longer in the catalogue")
        RelinkDecline.insert(
            missing=missing_id, candidate=candidate_id, declined_by=by
        ).on_conflict_ignore().execute()


# -- reading and writing ----------------------------------------------------------------


def _load_keys(select_sql: str, ids: list[int]) -> None:
    """temp.relink_key: the (size, oshash) keys of these rows that content can relink."""
    DB.execute_sql("DROP TABLE IF EXISTS temp.relink_key")
    DB.execute_sql(
        "CREATE TEMP TABLE relink_key (size INTEGER NOT NULL, oshash TEXT NOT NULL, "
        "PRIMARY KEY (size, oshash)) WITHOUT ROWID"
    )
    marks = ", ".join("?" * len(ids))
    DB.execute_sql(
        "INSERT OR IGNORE INTO temp.relink_key "
        + select_sql.format(marks)
        + " AND size > 0 AND oshash IS NOT NULL",
        ids,
    )
    DB.execute_sql(
        "DELETE FROM temp.relink_key WHERE (SELECT COUNT(*) FROM (SELECT 1 FROM file_entry c "
        "INDEXED BY file_entry_size_oshash WHERE c.size = relink_key.size "
        f"AND c.oshash = relink_key.oshash LIMIT {_CROWDED + 1})) > {_CROWDED}"
    )
    # Without statistics SQLite takes a temporary table for a big one, and first builds
    # a Bloom filter over the whole file table to join it: 0.2 s a chunk, not 4 ms.
    DB.execute_sql("ANALYZE temp.relink_key")


def _drop_keys() -> None:
    DB.execute_sql("DROP TABLE IF EXISTS temp.relink_key")


def _offer_files(ids: list[int]) -> tuple[dict[int, OfferFile], dict[int, datetime | None]]:
    files: dict[int, OfferFile] = {}
    since: dict[int, datetime | None] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _CHUNK):
        part = unique[start : start + _CHUNK]
        rows = DB.execute_sql(
            "SELECT f.id, f.uuid, d.name, f.folder, f.filename, f.size, f.status, f.title, "
            "f.version, f.missing_since FROM file_entry f JOIN drive d ON d.id = f.drive_id "
            f"WHERE f.id IN ({', '.join('?' * len(part))})",
            part,
        )
        for *values, missing_since in rows:
            files[values[0]] = OfferFile(*values)
            since[values[0]] = FileEntry.missing_since.python_value(missing_since)
    return files, since


def _clashing_fields(missing: FileEntry, candidate: FileEntry) -> list[str]:
    """The curation fields both rows hold, with different values."""
    clashes = []
    statuses = (missing.status, candidate.status)
    if Status.UNREVIEWED not in statuses and statuses[0] != statuses[1]:
        clashes.append("status")
    for name in (*_TEXT_FIELDS, "date"):
        a, b = getattr(missing, name) or "", getattr(candidate, name) or ""
        if a and b and a != b:
            clashes.append(name)
    a, b = missing.project_group_id, candidate.project_group_id
    if a is not None and b is not None and a != b:
        clashes.append("project_group")
    return clashes


def _apply(pairs: list[tuple[int, int]], uncurated_only: bool) -> tuple[int, set[int]]:
    """Relink (missing id, candidate id) pairs with a few set-based statements, inside
    the caller's transaction; returns how many, and the drives they are on now."""
    if not pairs:
        return 0, set()
    db = DB.obj
    place = [FileEntry._meta.fields[name].column_name for name in _PLACE_COLUMNS]
    db.execute_sql("DROP TABLE IF EXISTS temp.across_pair")
    db.execute_sql("DROP TABLE IF EXISTS temp.across_new")
    db.execute_sql(
        "CREATE TEMP TABLE across_pair (old_id INTEGER PRIMARY KEY, new_id INTEGER UNIQUE)"
    )
    db.connection().executemany("INSERT INTO temp.across_pair VALUES (?, ?)", pairs)
    # Only pairs that still hold: one missing, one present, the same content, and
    # curations that merge (always so for an uncurated candidate).
    curated = "AND n.version = 1" if uncurated_only else ""
    db.execute_sql(
        f"""DELETE FROM temp.across_pair WHERE NOT EXISTS (
               SELECT 1 FROM file_entry o, file_entry n
               WHERE o.id = across_pair.old_id AND o.present = 0
                 AND n.id = across_pair.new_id AND n.present = 1 {curated}
                 AND n.size = o.size AND n.oshash IS o.oshash AND NOT ({_CLASH}))"""
    )
    new_columns = ", ".join(f'n."{c}"' for c in place)
    db.execute_sql(
        f"CREATE TEMP TABLE across_new AS SELECT p.old_id AS old_id, {new_columns}, "
        "n.status AS c_status, n.title AS c_title, n.description AS c_description, "
        "n.notes AS c_notes, n.project_group_id AS c_group, n.date AS c_date, "
        "n.reviewed_at AS c_reviewed_at, n.reviewed_by AS c_reviewed_by, "
        "n.version AS c_version FROM temp.across_pair p CROSS JOIN file_entry n ON n.id = p.new_id"
    )
    rows = db.execute_sql("SELECT drive_id FROM temp.across_new").fetchall()
    relinked, drives = len(rows), {d for (d,) in rows}
    if relinked:
        _move_belongings(db)
        db.execute_sql("DELETE FROM file_entry WHERE id IN (SELECT new_id FROM temp.across_pair)")
        assignments = ", ".join(f'"{c}" = x."{c}"' for c in place)
        db.execute_sql(
            f"""UPDATE file_entry SET {assignments}, present = 1, missing_since = NULL,
                status = CASE WHEN file_entry.status = 1 THEN x.c_status
                              ELSE file_entry.status END,
                {_merged_text("title")}, {_merged_text("description")}, {_merged_text("notes")},
                project_group_id = COALESCE(file_entry.project_group_id, x.c_group),
                date = CASE WHEN COALESCE(file_entry.date, '') = '' THEN x.c_date
                            ELSE file_entry.date END,
                reviewed_by = CASE WHEN x.c_reviewed_at > COALESCE(file_entry.reviewed_at, '')
                                   THEN x.c_reviewed_by ELSE file_entry.reviewed_by END,
                reviewed_at = CASE WHEN x.c_reviewed_at > COALESCE(file_entry.reviewed_at, '')
                                   THEN x.c_reviewed_at ELSE file_entry.reviewed_at END,
                -- A merged curation is a change a form holding either row must notice.
                version = CASE WHEN x.c_version > 1
                               THEN MAX(file_entry.version, x.c_version) + 1
                               ELSE file_entry.version END
            FROM temp.across_new AS x WHERE file_entry.id = x.old_id"""
        )
    db.execute_sql("DROP TABLE temp.across_pair")
    db.execute_sql("DROP TABLE temp.across_new")
    return relinked, drives


def _merged_text(name: str) -> str:
    return f"{name} = CASE WHEN file_entry.{name} = '' THEN x.c_{name} ELSE file_entry.{name} END"


def _move_belongings(db) -> None:
    """What hangs on the candidate row goes to the missing row before the candidate
    row is deleted: tags, album places, edit history, a duplicate group's primary (a
    curator's choice of it included). What the missing row already has stays."""
    # Keyword tags come from the file, so they follow the fresh read.
    db.execute_sql(
        "DELETE FROM file_tag WHERE source = 'keyword' "
        "AND file_id IN (SELECT old_id FROM temp.across_pair)"
    )
    for table, column in (
        ("file_tag", "file_id"),
        ("album_entry", "file_id"),
        ("edit_log", "file_id"),
        ("duplicate_group", "primary_id"),
    ):
        # OR IGNORE: a tag or an album the missing row has already; those rows go with
        # the candidate row.
        db.execute_sql(
            f"UPDATE OR IGNORE {table} SET {column} = "
            f"(SELECT old_id FROM temp.across_pair WHERE new_id = {table}.{column}) "
            f"WHERE {column} IN (SELECT new_id FROM temp.across_pair)"
        )
