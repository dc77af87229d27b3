"""Versioned schema changes.

A new catalogue gets today's tables and the latest version straight away. An older
catalogue is first backed up through the SQLite backup API, then brought forward one
step at a time, each step in its own transaction together with the bump of the version,
so a crash leaves it at one version or the next, never in between.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from peewee import Database

from . import derived
from .backup import backup_database
from .errors import CatalogError
from .models import ALL_MODELS, SchemaVersion

Step = Callable[[Database], None]


def _step_2(db: Database) -> None:
    """Scan notes apart from errors; folder counts and search kept by triggers."""
    db.execute_sql("ALTER TABLE file_entry ADD COLUMN scan_notes TEXT")
    derived.create(db, fill=True)
    # Files read with an error by schema-1 readers (trailing bytes were "truncated" then)
    # are read again by the next rescan, which only re-reads files whose mtime changed.
    db.execute_sql("UPDATE file_entry SET mtime = NULL WHERE error IS NOT NULL")


def _step_3(db: Database) -> None:
    """XMP sidecars recorded in their image's row."""
    for column, kind in (
        ("sidecar", "TEXT"),
        ("sidecar_size", "INTEGER"),
        ("sidecar_mtime", "REAL"),
    ):
        db.execute_sql(f"ALTER TABLE file_entry ADD COLUMN {column} {kind}")
    # The next rescan pairs each sidecar with its image, reads the image again (its row
    # has no sidecar yet) and removes the sidecar's own row if no curator worked on it.


def _step_4(db: Database) -> None:
    """Edits grouped into change sets (a save, a bulk change), so they can be undone."""
    db.execute_sql("ALTER TABLE edit_log ADD COLUMN change_set INTEGER")
    db.execute_sql("ALTER TABLE edit_log ADD COLUMN undoes INTEGER")
    db.execute_sql('CREATE INDEX "edit_log_change_set" ON "edit_log" ("change_set")')
    db.execute_sql('CREATE INDEX "edit_log_undoes" ON "edit_log" ("undoes")')
    # Earlier edits: the rows of one save share their time and their curator.
    db.execute_sql(
        "UPDATE edit_log SET change_set = (SELECT MIN(e.id) FROM edit_log e"
        " WHERE e.at = edit_log.at AND e.by IS edit_log.by)"
    )


# Indexes added after version 1, made the same way for a new catalogue and a migrated one.
SCHEMA_5_INDEXES = (
    # Finding the duplicate groups after each scan reads this index, not a million rows.
    derived.DUPLICATE_KEY_INDEX,
    # An event shows the files whose curator's date falls inside it.
    'CREATE INDEX "file_entry_date" ON "file_entry" ("date")',
    'CREATE UNIQUE INDEX "event_name" ON "event" ("name")',
)


def _step_5(db: Database) -> None:
    """Indexes for duplicate groups and events."""
    for sql in SCHEMA_5_INDEXES:
        db.execute_sql(sql)


def _step_6(db: Database) -> None:
    """Relink offers a curator declined (scan.relink_across), so they are not offered
    again. Written out as the model made it then, so later model changes leave this
    step as it was."""
    db.execute_sql(
        'CREATE TABLE "relink_decline" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"missing_id" INTEGER NOT NULL, "candidate_id" INTEGER NOT NULL, '
        '"declined_at" DATETIME NOT NULL, "declined_by" VARCHAR(255), '
        'FOREIGN KEY ("missing_id") REFERENCES "file_entry" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("candidate_id") REFERENCES "file_entry" ("id") ON DELETE CASCADE)'
    )
    db.execute_sql('CREATE INDEX "relink_decline_missing_id" ON "relink_decline" ("missing_id")')
    db.execute_sql(
        'CREATE INDEX "relink_decline_candidate_id" ON "relink_decline" ("candidate_id")'
    )
    db.execute_sql(
        'CREATE UNIQUE INDEX "relink_decline_missing_id_candidate_id" '
        'ON "relink_decline" ("missing_id", "candidate_id")'
    )


# The publication queue reads the files marked upload across every drive; this partial
# index holds only them, so finding what to queue does not read a million rows.
UPLOAD_INDEX = 'CREATE INDEX "file_entry_upload" ON "file_entry" ("id") WHERE "status" = 2'


def _step_7(db: Database) -> None:
    """Destinations, the transfer queue and the transfer log (transfer/). Written out as
    the models made them then."""
    for sql in (
        'CREATE TABLE "destination" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"name" VARCHAR(255) NOT NULL, "url" TEXT NOT NULL, "layout" TEXT NOT NULL, '
        '"key_file" TEXT, "delayed" INTEGER NOT NULL, "paused" INTEGER NOT NULL, '
        '"remove_local" INTEGER NOT NULL, "remove_local_confirmed_at" DATETIME, '
        '"max_attempts" INTEGER NOT NULL, "retry_delay" REAL NOT NULL, '
        '"worker" VARCHAR(255), "lease_until" DATETIME, "manifest_dirty" INTEGER NOT NULL, '
        '"created_at" DATETIME NOT NULL)',
        'CREATE UNIQUE INDEX "destination_name" ON "destination" ("name")',
        'CREATE TABLE "transfer_job" ("id" INTEGER NOT NULL PRIMARY KEY, '
        '"file_id" INTEGER NOT NULL, "destination_id" INTEGER NOT NULL, '
        '"state" VARCHAR(16) NOT NULL, "attempts" INTEGER NOT NULL, "next_try" DATETIME, '
        '"last_error" TEXT, "remote_path" TEXT, "size" INTEGER NOT NULL, '
        '"done_bytes" INTEGER NOT NULL, "sha256" VARCHAR(64), "republish" INTEGER NOT NULL, '
        '"queued_at" DATETIME NOT NULL, '
        '"started_at" DATETIME, "finished_at" DATETIME, '
        'FOREIGN KEY ("file_id") REFERENCES "file_entry" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("destination_id") REFERENCES "destination" ("id") ON DELETE CASCADE)',
        'CREATE INDEX "transfer_job_file_id" ON "transfer_job" ("file_id")',
        'CREATE INDEX "transfer_job_destination_id" ON "transfer_job" ("destination_id")',
        'CREATE UNIQUE INDEX "transfer_job_file_id_destination_id" '
        'ON "transfer_job" ("file_id", "destination_id")',
        'CREATE INDEX "transfer_job_destination_id_state" '
        'ON "transfer_job" ("destination_id", "state")',
        'CREATE TABLE "transfer_log" ("id" INTEGER NOT NULL PRIMARY KEY, "file_id" INTEGER, '
        '"destination_id" INTEGER, "destination_name" VARCHAR(255) NOT NULL, '
        '"source" TEXT NOT NULL, "remote" TEXT NOT NULL, "size" INTEGER NOT NULL, '
        '"sha256" VARCHAR(64) NOT NULL, "at" DATETIME NOT NULL, '
        '"removed_local" INTEGER NOT NULL, '
        'FOREIGN KEY ("file_id") REFERENCES "file_entry" ("id") ON DELETE SET NULL, '
        'FOREIGN KEY ("destination_id") REFERENCES "destination" ("id") ON DELETE SET NULL)',
        'CREATE INDEX "transfer_log_file_id" ON "transfer_log" ("file_id")',
        'CREATE INDEX "transfer_log_destination_id" ON "transfer_log" ("destination_id")',
        'CREATE INDEX "transfer_log_at" ON "transfer_log" ("at")',
        UPLOAD_INDEX,
    ):
        db.execute_sql(sql)


# Step N turns a version N-1 catalogue into version N. Version 1 is the first release,
# created from the models; append new steps here, never edit old ones.
STEPS: dict[int, Step] = {2: _step_2, 3: _step_3, 4: _step_4, 5: _step_5, 6: _step_6, 7: _step_7}
FIRST_VERSION = 1


def latest_version() -> int:
    return max([FIRST_VERSION, *STEPS])


def current_version(db: Database) -> int | None:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return None
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else None


def migrate(db: Database, db_path: Path | None) -> Path | None:
    """Create or upgrade the schema; returns the path of the backup made, if any."""
    version = current_version(db)
    target = latest_version()
    if version is None:
        if db.get_tables():
            raise CatalogError("this SQLite file is not a Luna catalogue (it has other tables)")
        with db.atomic():
            db.create_tables([*ALL_MODELS, SchemaVersion])
            derived.create(db, fill=False)
            for sql in (*SCHEMA_5_INDEXES, UPLOAD_INDEX):
                db.execute_sql(sql)
            SchemaVersion.create(version=target)
        return None
    if version > target:
        raise CatalogError(
            f"this catalogue was written by a newer Luna (schema {version}, this Luna knows "
            f"{target}); update Luna to open it"
        )
    if version == target:
        return None

    backup = None
    if db_path is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = backup_database(
            db_path, db_path.with_name(f"{db_path.stem}.v{version}-{stamp}.bak")
        )
    for step_version in range(version + 1, target + 1):
        with db.atomic():
            STEPS[step_version](db)
            SchemaVersion.create(version=step_version)
    return backup
