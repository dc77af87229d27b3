"""The catalogue's tables. One BaseModel binds them all to the DB proxy, set once per process.

Curation fields (status, title, project group, date, description, notes, curator tags,
reviewed-at/by) belong to the archivist: a scan never writes them.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from peewee import (
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .jsonfield import JSONField
from .paths import relpath_bytes
from .status import Status

DB = DatabaseProxy()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_uuids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs from one read of the system's random source:
    a scan adds thousands of rows a second, and uuid4() reads it once per UUID."""
    data = os.urandom(16 * count)
    return [str(uuid.UUID(bytes=data[16 * i : 16 * i + 16], version=4)) for i in range(count)]


class BaseModel(Model):
    class Meta:
        database = DB
        legacy_table_names = False


class Drive(BaseModel):
    name = CharField(unique=True)
    label = CharField(null=True)
    volume_uuid = CharField(null=True, index=True)
    fingerprint = JSONField(null=True)
    mount_path = TextField(null=True)
    last_seen = DateTimeField(null=True)
    total_files = BigIntegerField(default=0)
    total_bytes = BigIntegerField(default=0)
    created_at = DateTimeField(default=utcnow)


class ProjectGroup(BaseModel):
    name = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)


class FileEntry(BaseModel):
    uuid = CharField(max_length=36, unique=True, default=new_uuid)
    drive = ForeignKeyField(Drive, backref="files", on_delete="CASCADE")
    folder = TextField(default="")
    filename = TextField()
    raw_path = BlobField(null=True)  # exact bytes of folder/filename when not valid UTF-8

    size = BigIntegerField(default=0)
    mtime = FloatField(null=True)
    oshash = CharField(max_length=16, null=True, index=True)
    content_hash = CharField(null=True)
    kind = CharField(max_length=16, default="other")
    mime = CharField(null=True)
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    orientation = IntegerField(null=True)
    duration = FloatField(null=True)
    frame_rate = FloatField(null=True)
    codec = CharField(null=True)
    taken_at = CharField(null=True, index=True)  # ISO 8601, offset only when the file states one
    taken_until = CharField(null=True)  # end of a span (a video's end, a burst)
    camera_make = CharField(null=True)
    camera_model = CharField(null=True)
    lat = FloatField(null=True)
    lng = FloatField(null=True)
    owner = CharField(null=True)
    extra = JSONField(null=True)

    extractor = CharField(null=True)
    error = TextField(null=True)  # the file could not be read in full
    scan_notes = TextField(null=True)  # harmless oddities, one per line (not errors)
    # The XMP sidecar beside the file (IMG_1234.xmp), read with it: its name in the same
    # folder, and its size and mtime, so a rescan follows a sidecar that changed.
    sidecar = TextField(null=True)
    sidecar_size = BigIntegerField(null=True)
    sidecar_mtime = FloatField(null=True)
    scanned_at = DateTimeField(null=True)
    added_scan = IntegerField(null=True)  # the ScanRun that first catalogued this row
    present = BooleanField(default=True)
    missing_since = DateTimeField(null=True)

    status = IntegerField(default=int(Status.UNREVIEWED))
    title = TextField(default="")
    project_group = ForeignKeyField(ProjectGroup, null=True, on_delete="SET NULL")
    date = CharField(null=True)  # the curator's date, prefilled from taken_at
    description = TextField(default="")
    notes = TextField(default="")
    reviewed_at = DateTimeField(null=True)
    reviewed_by = CharField(null=True)
    version = IntegerField(default=1)  # optimistic locking for curation saves

    class Meta:
        indexes = (
            (("drive", "folder", "filename"), True),
            (("drive", "folder", "status"), False),
            (("size", "oshash"), False),
            (("drive", "present"), False),
        )

    @property
    def relpath(self) -> bytes:
        return relpath_bytes(self.folder, self.filename, self.raw_path)

    @property
    def display_path(self) -> str:
        return f"{self.folder}/{self.filename}" if self.folder else self.filename


class Tag(BaseModel):
    name = CharField(unique=True)


class FileTag(BaseModel):
    file = ForeignKeyField(FileEntry, backref="file_tags", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="file_tags", on_delete="CASCADE")
    # "keyword" came from the file's IPTC/XMP and follows the file; "curator" was typed.
    source = CharField(max_length=16, default="curator")

    class Meta:
        indexes = ((("file", "tag", "source"), True),)


class Event(BaseModel):
    name = CharField()
    starts_at = CharField()
    ends_at = CharField(null=True)  # None for a point in time
    description = TextField(default="")


class Album(BaseModel):
    name = CharField(unique=True)
    description = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class AlbumEntry(BaseModel):
    album = ForeignKeyField(Album, backref="entries", on_delete="CASCADE")
    file = ForeignKeyField(FileEntry, on_delete="CASCADE")
    position = IntegerField()

    class Meta:
        indexes = ((("album", "file"), True), (("album", "position"), False))


class DuplicateGroup(BaseModel):
    oshash = CharField(max_length=16, unique=True)
    primary = ForeignKeyField(FileEntry, null=True, on_delete="SET NULL")
    chosen_by = CharField(default="auto")  # "auto" rule name or "manual" (never overwritten)
    confirmed = BooleanField(default=False)  # full-content hashes agree


class EditLog(BaseModel):
    file = ForeignKeyField(FileEntry, backref="edits", on_delete="CASCADE")
    field = CharField()
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    at = DateTimeField(default=utcnow, index=True)
    by = CharField(null=True)
    # One save or one bulk change: what Ctrl+Z and `luna undo` take back as a step.
    change_set = IntegerField(null=True, index=True)
    # Set on the rows of an undo: the change set they took back.
    undoes = IntegerField(null=True, index=True)


class ScanRun(BaseModel):
    drive = ForeignKeyField(Drive, backref="scans", on_delete="CASCADE")
    root = TextField()
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    # running → completed | cancelled | drive_lost | catalog_full | failed; a run still
    # "running" when the next starts was killed, and is marked interrupted.
    state = CharField(default="running")
    counts = JSONField(null=True)
    problems = JSONField(null=True)  # [{"path": …, "error": …}] for folders and files


class RelinkDecline(BaseModel):
    """A curator said this present file is not that missing one: the pair is never
    offered again (scan.relink_across). Goes with either file."""

    missing = ForeignKeyField(FileEntry, backref="+", on_delete="CASCADE")
    candidate = ForeignKeyField(FileEntry, backref="+", on_delete="CASCADE")
    declined_at = DateTimeField(default=utcnow)
    declined_by = CharField(null=True)

    class Meta:
        indexes = ((("missing", "candidate"), True),)


class Destination(BaseModel):
    """Where curated files are published (transfer/). Holds no secret: passwords and key
    passphrases live in the OS keyring, keyed by the destination's name."""

    name = CharField(unique=True)
    url = TextField()  # a folder path, file:///…, sftp://user@host:port/path
    layout = TextField(default="{drive}/{path}/{filename}")
    key_file = TextField(null=True)  # an SSH private key (the path, never the key)
    delayed = BooleanField(default=False)  # jobs wait for "Start transfers"
    paused = BooleanField(default=False)
    # Transfer-and-delete: off unless a curator turns it on, and then asked again once
    # before the first local copy is removed (remove_local_confirmed_at).
    remove_local = BooleanField(default=False)
    remove_local_confirmed_at = DateTimeField(null=True)
    max_attempts = IntegerField(default=6)  # the first try and 5 retries
    retry_delay = FloatField(default=60.0)  # seconds before the first retry; doubles after
    # The process working this destination's queue ("host:pid") and until when its claim
    # holds without being renewed: one worker per destination, across processes.
    worker = CharField(null=True)
    lease_until = DateTimeField(null=True)
    # A manifest line may be missing or doubled (an append failed, a copy was adopted
    # after a crash): the next worker that reaches the destination rewrites it whole.
    manifest_dirty = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)


class TransferJob(BaseModel):
    """One file to publish to one destination; survives restarts. State: queued, running,
    done, failed or cancelled. "Waiting for drive K7" is a queued job whose drive is not
    mounted: derived when shown, not stored."""

    file = ForeignKeyField(FileEntry, backref="+", on_delete="CASCADE")
    destination = ForeignKeyField(Destination, backref="jobs", on_delete="CASCADE")
    state = CharField(max_length=16, default="queued")
    attempts = IntegerField(default=0)
    next_try = DateTimeField(null=True)  # a retry waits until then
    last_error = TextField(null=True)
    remote_path = TextField(null=True)  # relative to the destination's root
    size = BigIntegerField(default=0)
    done_bytes = BigIntegerField(default=0)
    sha256 = CharField(max_length=64, null=True)  # the verified content hash
    # Luna's own copy there was found damaged by `verify`: it may be replaced.
    republish = BooleanField(default=False)
    queued_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("file", "destination"), True),
            (("destination", "state"), False),
        )


class TransferLog(BaseModel):
    """A verified transfer (and a local copy removed after it): kept when the file, the
    job or the destination is gone, so the record names them in words too."""

    file = ForeignKeyField(FileEntry, backref="+", null=True, on_delete="SET NULL")
    destination = ForeignKeyField(Destination, backref="+", null=True, on_delete="SET NULL")
    destination_name = CharField()
    source = TextField()  # drive:folder/filename
    remote = TextField()  # the destination's URL joined with the remote path
    size = BigIntegerField()
    sha256 = CharField(max_length=64)
    at = DateTimeField(default=utcnow, index=True)
    removed_local = BooleanField(default=False)


class SchemaVersion(BaseModel):
    version = IntegerField()
    applied_at = DateTimeField(default=utcnow)


ALL_MODELS = [
    Drive,
    ProjectGroup,
    FileEntry,
    Tag,
    FileTag,
    Event,
    Album,
    AlbumEntry,
    DuplicateGroup,
    EditLog,
    ScanRun,
    RelinkDecline,
    Destination,
    TransferJob,
    TransferLog,
]
