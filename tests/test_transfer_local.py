"""Publishing to a local-folder destination, through the Qt-free core: the queue, the
worker, verification, the manifest, the log, the notification, retries, drives that are
not there, the one-worker claim and transfer-and-delete."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.models import (
    Destination,
    DuplicateGroup,
    FileEntry,
    TransferJob,
    TransferLog,
)
from luna_desktop.catalog.status import Status
from luna_desktop.transfer import destinations, lease, local_copies, manifest, notify, queue
from luna_desktop.transfer.destinations import Where
from luna_desktop.transfer.events import FileTransferred, JobFailed, JobProgress
from luna_desktop.transfer.job import run as run_job
from luna_desktop.transfer.remote import Remote, open_remote
from luna_desktop.transfer.verify import verify
from luna_desktop.transfer.worker import work
from tests.scanning import run_scan


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(root: Path, rel: str, data: bytes) -> bytes:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def mark(rel: str, status: Status, drive: str = "K7") -> FileEntry:
    folder, _, name = rel.rpartition("/")
    entry = FileEntry.get((FileEntry.folder == folder) & (FileEntry.filename == name))
    FileEntry.update(status=int(status)).where(FileEntry.id == entry.id).execute()
    return FileEntry.get_by_id(entry.id)


def primary_of(filename: str) -> FileEntry:
    oshash = FileEntry.get(FileEntry.filename == filename).oshash
    return FileEntry.get_by_id(DuplicateGroup.get(DuplicateGroup.oshash == oshash).primary_id)


@pytest.fixture
def drive(tmp_path, catalog):
    root = tmp_path / "K7"
    files = {
        "roll1/a.jpg": os.urandom(300_000),
        "roll1/b.jpg": os.urandom(70_000),
        "roll2/c.mov": os.urandom(2_500_000),
        "notes.txt": b"top level\n",
        "roll1/secret.jpg": os.urandom(10_000),
        "roll1/bad.jpg": os.urandom(10_000),
        "roll1/offline.jpg": os.urandom(10_000),
    }
    for rel, data in files.items():
        write(root, rel, data)
    # A copy of a.jpg in another folder: one duplicate group, one file to publish.
    write(root, "copies/a.jpg", files["roll1/a.jpg"])
    run_scan(root, "K7")
    duplicates.refresh_groups()
    for rel in ("roll1/a.jpg", "roll1/b.jpg", "roll2/c.mov", "notes.txt", "copies/a.jpg"):
        mark(rel, Status.UPLOAD)
    mark("roll1/secret.jpg", Status.RESTRICTED)
    mark("roll1/bad.jpg", Status.DISCARD)
    mark("roll1/offline.jpg", Status.KEEP_OFFLINE)
    return root, files


def dest_at(tmp_path, name="Archive", **kw) -> Destination:
    folder = tmp_path / f"dest-{name}"
    folder.mkdir(exist_ok=True)
    return destinations.add(name, str(folder), **kw)


def test_upload_files_reach_the_destination_verified_with_manifest_log_and_notification(
    tmp_path, drive
):
    root, files = drive
    dest = dest_at(tmp_path)
    heard: list[FileTransferred] = []
    stop = notify.subscribe(heard.append)
    events: list = []
    try:
        summary = work(dest, on_event=events.append)
    finally:
        stop()
    out = tmp_path / "dest-Archive"
    primary_path = primary_of("a.jpg")
    a_rel = f"K7/{primary_path.folder}/a.jpg"
    expected = {
        a_rel: files["roll1/a.jpg"],
        "K7/roll1/b.jpg": files["roll1/b.jpg"],
        "K7/roll2/c.mov": files["roll2/c.mov"],
        "K7/notes.txt": files["notes.txt"],
    }
    published = {
        str(p.relative_to(out)): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != manifest.MANIFEST
    }
    assert published == expected  # one copy of a.jpg, nothing restricted/discard/offline
    assert summary.done == 4 and summary.failed == 0
    lines = (out / manifest.MANIFEST).read_text().splitlines()
    assert sorted(lines) == sorted(f"{sha(data)}  {rel}" for rel, data in expected.items())
    logged = {r.remote.rpartition("dest-Archive/")[2]: r for r in TransferLog.select()}
    assert set(logged) == set(expected)
    assert all(logged[rel].sha256 == sha(data) for rel, data in expected.items())
    assert {e.remote_path for e in heard} == set(expected)
    one = next(e for e in heard if e.remote_path == "K7/roll2/c.mov")
    assert one.source == "K7:roll2/c.mov" and one.destination == "Archive"
    assert one.source_path == str(root / "roll2/c.mov")
    assert one.file_id == FileEntry.get(FileEntry.filename == "c.mov").id
    assert [e for e in events if isinstance(e, FileTransferred)] == heard
    sending = [e for e in events if isinstance(e, JobProgress) and e.job_id == one.job_id]
    # A local copy is read back while it is written: one phase, to the last byte.
    assert {e.phase for e in sending} == {"sending"}
    assert sending[-1].done == sending[-1].total == len(files["roll2/c.mov"])
    # The whole file was hashed on the way: the catalogue keeps its content hash.
    assert FileEntry.get(FileEntry.filename == "c.mov").content_hash == sha(files["roll2/c.mov"])
    assert not list(out.rglob(".*luna-part*"))


def test_refused_files_say_why_and_are_never_queued(tmp_path, drive):
    dest = dest_at(tmp_path)
    queue.sync(dest)
    queued = {j.file.filename for j in TransferJob.select().join(FileEntry)}
    assert queued == {"a.jpg", "b.jpg", "c.mov", "notes.txt"}
    assert TransferJob.select().count() == 4  # one a.jpg: the group's primary
    why = {
        name: queue.refusal(FileEntry.get(FileEntry.filename == name))
        for name in ("secret.jpg", "bad.jpg", "offline.jpg")
    }
    assert "restricted" in why["secret.jpg"] and "never published" in why["secret.jpg"]
    assert "discard" in why["bad.jpg"]
    assert "keep offline" in why["offline.jpg"]
    copies = FileEntry.select().where(FileEntry.filename == "a.jpg")
    verdicts = [queue.refusal(f) for f in copies]
    assert verdicts.count(None) == 1
    assert any(v and "copy of K7:" in v and "primary" in v for v in verdicts)


def test_a_file_no_longer_marked_upload_is_withdrawn_and_comes_back_when_marked_again(
    tmp_path, drive
):
    dest = dest_at(tmp_path)
    queue.sync(dest)
    mark("roll1/b.jpg", Status.RESTRICTED)
    assert queue.sync(dest).cancelled == 1
    job = TransferJob.get(TransferJob.file == FileEntry.get(FileEntry.filename == "b.jpg"))
    assert job.state == queue.CANCELLED
    work(dest)
    assert not (tmp_path / "dest-Archive/K7/roll1/b.jpg").exists()
    mark("roll1/b.jpg", Status.UPLOAD)
    assert queue.sync(dest).queued == 1
    work(dest)
    assert (tmp_path / "dest-Archive/K7/roll1/b.jpg").exists()


def test_an_unreachable_destination_retries_with_a_growing_delay_then_fails(tmp_path, drive):
    folder = tmp_path / "share"
    dest = destinations.add("Share", str(folder), max_attempts=3, retry_delay=0)
    failures: list[JobFailed] = []
    work(dest, on_event=lambda e: isinstance(e, JobFailed) and failures.append(e))
    # The folder is not there: one job took the failure, the others were not spent.
    attempts = sorted(j.attempts for j in TransferJob.select())
    assert attempts == [0, 0, 0, 1]
    assert "is not there" in TransferJob.get(TransferJob.attempts == 1).last_error
    (failure,) = failures  # the window and the CLI hear which file took it
    assert failure.source.startswith("K7:") and failure.state == queue.QUEUED
    for _ in range(2):
        work(dest)
    failed = TransferJob.get(TransferJob.attempts == 3)
    assert failed.state == queue.FAILED
    assert queue.retry_failed(dest) == 1
    assert TransferJob.get_by_id(failed.id).attempts == 0
    folder.mkdir()
    summary = work(dest)
    assert summary.done == 4
    assert {j.state for j in TransferJob.select()} == {queue.DONE}


def test_retry_delay_grows_from_the_destination_setting():
    dest = Destination(retry_delay=60.0)
    assert [queue.retry_delay(dest, n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def test_a_job_whose_drive_is_not_mounted_waits_for_it(tmp_path, drive):
    root, _ = drive
    dest = dest_at(tmp_path)
    away = root.with_name("K7-unplugged")
    root.rename(away)
    summary = work(dest)
    assert summary.done == 0 and summary.waiting == 4
    assert queue.counts(dest, duplicates.mounted_drives()).waiting_for == {"K7": 4}
    assert {j.state for j in TransferJob.select()} == {queue.QUEUED}
    assert all(j.attempts == 0 for j in TransferJob.select())
    away.rename(root)
    assert work(dest).done == 4


def test_only_one_worker_per_destination_and_a_dead_workers_job_is_queued_again(tmp_path, drive):
    dest = dest_at(tmp_path)
    queue.sync(dest)
    # Another live process holds the destination: this worker leaves it alone.
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        who = f"{os.uname().nodename}:{holder.pid}"
        assert lease.claim(dest, who) is None
        job = queue.next_job(dest, duplicates.mounted_drives())
        assert queue.mark_running(job)
        notes = []
        summary = work(dest, on_event=notes.append)
        assert summary.done == 0 and "another Luna" in summary.stopped_because
        assert TransferJob.get_by_id(job.id).state == queue.RUNNING
    finally:
        holder.kill()
        holder.wait()
    # Its process is gone: the destination is free and its running job is queued again.
    assert work(dest).done == 4


def test_transfer_and_delete_needs_confirmation_and_another_copy(tmp_path, drive):
    root, files = drive
    # A second drive holds a copy of b.jpg; c.mov exists nowhere else.
    other = tmp_path / "K8"
    write(other, "b-copy.jpg", files["roll1/b.jpg"])
    run_scan(other, "K8")
    duplicates.refresh_groups()
    b_primary = primary_of("b.jpg")
    FileEntry.update(status=int(Status.UPLOAD)).where(FileEntry.id == b_primary.id).execute()
    dest = dest_at(tmp_path, remove_local=True)
    assert local_copies.needs_confirmation(dest)
    # Not confirmed yet: everything is published, nothing removed.
    events: list[FileTransferred] = []
    work(dest, on_event=lambda e: isinstance(e, FileTransferred) and events.append(e))
    assert all(not e.removed_local for e in events)
    assert any(e.note and "not confirmed" in e.note for e in events)
    assert (root / "roll1/b.jpg").exists() and (other / "b-copy.jpg").exists()

    dest = local_copies.confirm(dest, True)
    assert not local_copies.needs_confirmation(dest)
    TransferJob.delete().execute()
    shutil.rmtree(tmp_path / "dest-Archive")
    (tmp_path / "dest-Archive").mkdir()
    events.clear()
    work(dest, on_event=lambda e: isinstance(e, FileTransferred) and events.append(e))
    removed = {e.source for e in events if e.removed_local}
    kept = {e.source: e.note for e in events if not e.removed_local}
    b_source = f"{b_primary.drive.name}:{b_primary.display_path}"
    assert b_source in removed  # a copy of it stays on the other drive
    assert "K7:roll2/c.mov" in kept and "only copy" in kept["K7:roll2/c.mov"]
    assert (root / "roll2/c.mov").exists()
    b_path = (root / "roll1/b.jpg") if b_primary.drive.name == "K7" else (other / "b-copy.jpg")
    survivor = (other / "b-copy.jpg") if b_primary.drive.name == "K7" else (root / "roll1/b.jpg")
    assert not b_path.exists() and survivor.read_bytes() == files["roll1/b.jpg"]
    row = FileEntry.get_by_id(b_primary.id)
    assert not row.present and "removed after a verified transfer" in row.scan_notes
    last = TransferLog.select().where(TransferLog.file == b_primary.id).order_by(TransferLog.id)
    assert [r.removed_local for r in last] == [False, True]


def test_declining_at_first_use_turns_removal_off(tmp_path, drive):
    dest = dest_at(tmp_path, remove_local=True)
    dest = local_copies.confirm(dest, False)
    assert not dest.remove_local and not local_copies.needs_confirmation(dest)


def test_a_different_file_at_the_remote_path_is_never_overwritten(tmp_path, drive):
    dest = dest_at(tmp_path)
    theirs = tmp_path / "dest-Archive/K7/notes.txt"
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(b"someone else's notes\n")
    failures: list[JobFailed] = []
    work(dest, on_event=lambda e: isinstance(e, JobFailed) and failures.append(e))
    assert theirs.read_bytes() == b"someone else's notes\n"
    (fail,) = failures
    assert fail.state == queue.FAILED and "does not overwrite" in fail.error


def test_a_copy_placed_before_a_crash_is_adopted_not_sent_again(tmp_path, drive):
    _, files = drive
    dest = dest_at(tmp_path)
    placed = tmp_path / "dest-Archive/K7/notes.txt"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(files["notes.txt"])
    # The crash came after its manifest line was written, before the job was marked done.
    listed = tmp_path / "dest-Archive" / manifest.MANIFEST
    listed.write_text(manifest.line(sha(files["notes.txt"]), "K7/notes.txt"))
    before = placed.stat().st_ino
    work(dest)
    job = TransferJob.get(TransferJob.remote_path == "K7/notes.txt")
    assert job.state == queue.DONE and job.sha256 == sha(files["notes.txt"])
    assert placed.stat().st_ino == before  # the same file, not a new copy
    lines = listed.read_text().splitlines()
    assert lines.count(f"{sha(files['notes.txt'])}  K7/notes.txt") == 1
    assert len(lines) == 4


def test_a_file_changed_since_its_scan_is_not_published(tmp_path, drive):
    root, _ = drive
    dest = dest_at(tmp_path)
    (root / "roll1/b.jpg").write_bytes(os.urandom(70_000))
    os.utime(root / "roll1/b.jpg", (1, 1))
    work(dest)
    job = TransferJob.get(TransferJob.file == FileEntry.get(FileEntry.filename == "b.jpg"))
    assert job.state == queue.FAILED and "rescan" in job.last_error
    assert not (tmp_path / "dest-Archive/K7/roll1/b.jpg").exists()


def test_layout_fields_and_a_clash_between_two_files(tmp_path, drive):
    write(tmp_path / "K7", "x/same.jpg", os.urandom(5000))
    write(tmp_path / "K7", "y/same.jpg", os.urandom(6000))
    run_scan(tmp_path / "K7", "K7")
    mark("x/same.jpg", Status.UPLOAD)
    mark("y/same.jpg", Status.UPLOAD)
    dest = dest_at(tmp_path, layout="{year}/{filename}")
    failures: list[JobFailed] = []
    work(dest, on_event=lambda e: isinstance(e, JobFailed) and failures.append(e))
    out = tmp_path / "dest-Archive"
    assert (out / "undated/c.mov").exists() and (out / "undated/notes.txt").exists()
    # Two different files meet at one path: the second is refused, with the way out.
    (fail,) = failures
    assert fail.source in ("K7:x/same.jpg", "K7:y/same.jpg")
    assert (
        fail.state == queue.FAILED and "another file is published at undated/same.jpg" in fail.error
    )
    assert "{oshash}" in fail.error


def test_verify_catches_a_copy_altered_after_upload_and_requeue_repairs_it(tmp_path, drive):
    _, files = drive
    dest = dest_at(tmp_path)
    work(dest)
    assert verify(dest).problems == []
    target = tmp_path / "dest-Archive/K7/roll1/b.jpg"
    target.write_bytes(files["roll1/b.jpg"][:-1] + b"X")
    (tmp_path / "dest-Archive/K7/notes.txt").unlink()
    report = verify(dest, requeue=True)
    assert {(p.path, p.what) for p in report.problems} == {
        ("K7/roll1/b.jpg", "altered"),
        ("K7/notes.txt", "missing"),
    }
    assert report.requeued == 2
    work(dest)
    assert target.read_bytes() == files["roll1/b.jpg"]
    assert verify(dest).problems == []


def test_cancel_during_a_transfer_leaves_no_partial_file(tmp_path, drive):
    dest = dest_at(tmp_path)
    events: list = []

    def cancel_c(e):
        events.append(e)
        if getattr(e, "source", "") == "K7:roll2/c.mov" and type(e).__name__ == "JobStarted":
            queue.cancel_job(TransferJob.get_by_id(e.job_id), "cancelled")

    work(dest, on_event=cancel_c)
    out = tmp_path / "dest-Archive"
    assert not (out / "K7/roll2/c.mov").exists()
    assert not list(out.rglob(".*luna-part*"))
    job = TransferJob.get(TransferJob.remote_path == "K7/roll2/c.mov")
    assert job.state == queue.CANCELLED


def test_the_manifest_keeps_lines_it_did_not_write_and_encodes_odd_names():
    text = "0" * 64 + "  other/file.jpg\n"
    merged = manifest.merged(text, [("K7/a%b\nc.jpg", "f" * 64)])
    assert merged.splitlines() == ["f" * 64 + "  K7/a%25b%0Ac.jpg", "0" * 64 + "  other/file.jpg"]
    assert manifest.parse(merged) == {"other/file.jpg": "0" * 64, "K7/a%b\nc.jpg": "f" * 64}


class _CorruptingMemory(MemoryFileSystem):
    """A real fsspec store whose writes lose a bit on the way (a flaky share, a bad
    cable): the read-back must catch it."""

    protocol = "corrupting-memory"
    root_marker = "/"

    def _open(self, path, mode="rb", **kwargs):
        handle = super()._open(path, mode, **kwargs)
        if "w" in mode or "a" in mode:
            write = handle.write

            def flipped(data, _write=write):
                data = bytes(data)
                return _write(bytes([data[0] ^ 1]) + data[1:]) if data else _write(data)

            handle.write = flipped
        return handle


def test_a_copy_that_does_not_read_back_as_the_source_is_thrown_away_and_retried(tmp_path, drive):
    dest = dest_at(tmp_path, retry_delay=3600)
    fs = _CorruptingMemory(skip_instance_cache=True)
    fs.makedirs("/dest", exist_ok=True)
    remote = Remote(fs, "/dest", Where("file", "/dest"))
    queue.sync(dest)
    job = TransferJob.get(TransferJob.file == FileEntry.get(FileEntry.filename == "notes.txt"))
    events: list = []
    outcome = run_job(
        job, dest, remote, duplicates.mounted_drives(), emit=events.append, cancel=lambda: False
    )
    assert outcome.state == queue.QUEUED and outcome.remote_error
    (failed,) = [e for e in events if isinstance(e, JobFailed)]
    assert "did not read back as the source" in failed.error
    assert not fs.exists("/dest/K7/notes.txt")
    assert fs.find("/dest") == []  # the bad temporary copy is gone too
    assert TransferJob.get_by_id(job.id).attempts == 1


def test_a_look_alike_copy_marked_upload_is_confirmed_by_content_and_published_too(tmp_path, drive):
    # Same size, same first and last 64 KiB, so the same oshash; the middle differs.
    head, tail = os.urandom(65536), os.urandom(65536)
    one = head + os.urandom(50_000) + tail
    two = head + os.urandom(50_000) + tail
    write(tmp_path / "K7", "same/one.bin", one)
    write(tmp_path / "K7", "same/two.bin", two)
    run_scan(tmp_path / "K7", "K7")
    duplicates.refresh_groups()
    assert (
        FileEntry.get(FileEntry.filename == "one.bin").oshash
        == FileEntry.get(FileEntry.filename == "two.bin").oshash
    )
    mark("same/one.bin", Status.UPLOAD)
    mark("same/two.bin", Status.UPLOAD)
    dest = dest_at(tmp_path)
    queue.sync(dest)
    names = {j.file.filename for j in TransferJob.select().join(FileEntry)}
    assert len(names & {"one.bin", "two.bin"}) == 1  # by oshash, one stands for both
    work(dest)
    out = tmp_path / "dest-Archive/K7/same"
    assert (out / "one.bin").read_bytes() == one
    assert (out / "two.bin").read_bytes() == two


def test_a_plug_in_declared_by_entry_point_hears_each_verified_transfer(
    tmp_path, drive, monkeypatch
):
    plugin = tmp_path / "plugins"
    (plugin / "luna_listener-1.0.dist-info").mkdir(parents=True)
    (plugin / "luna_listener-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: luna-listener\nVersion: 1.0\n"
    )
    (plugin / "luna_listener-1.0.dist-info" / "entry_points.txt").write_text(
        f"[{notify.ENTRY_POINT_GROUP}]\nrecord = luna_listener:record\n"
    )
    (plugin / "luna_listener.py").write_text(
        "heard = []\ndef record(event):\n    heard.append((event.source, event.remote_path))\n"
    )
    monkeypatch.syspath_prepend(str(plugin))
    monkeypatch.setattr(notify, "_plugins_loaded", False)
    monkeypatch.setattr(notify, "_listeners", [])
    work(dest_at(tmp_path))
    import luna_listener

    assert ("K7:roll2/c.mov", "K7/roll2/c.mov") in luna_listener.heard
    assert len(luna_listener.heard) == 4


def test_a_file_gone_missing_before_its_turn_is_withdrawn_and_queued_again_when_back(
    tmp_path, drive
):
    dest = dest_at(tmp_path)
    queue.sync(dest)
    entry = FileEntry.get(FileEntry.filename == "b.jpg")
    job = TransferJob.get(TransferJob.file == entry.id)
    FileEntry.update(present=False).where(FileEntry.id == entry.id).execute()
    failures: list = []
    remote = open_remote(dest)
    run_job(job, dest, remote, duplicates.mounted_drives(), emit=failures.append,
            cancel=lambda: False)  # fmt: skip
    (fail,) = failures
    assert isinstance(fail, JobFailed) and fail.state == queue.CANCELLED
    assert "missing from its drive" in fail.error
    FileEntry.update(present=True).where(FileEntry.id == entry.id).execute()
    assert queue.sync(dest).queued == 1
    assert work(dest).done == 4


def test_a_schema_6_catalogue_gains_the_publishing_tables_as_a_new_one_has_them(tmp_path):
    import sqlite3

    from luna_desktop.catalog import migrations
    from luna_desktop.catalog.database import close_catalog, open_catalog

    fresh, old = tmp_path / "fresh.sqlite3", tmp_path / "old.sqlite3"
    for path in (fresh, old):
        open_catalog(path)
        close_catalog()
    with sqlite3.connect(old) as con:  # as schema 6 left it
        for table in ("transfer_log", "transfer_job", "destination"):
            con.execute(f"DROP TABLE {table}")
        con.execute("DROP INDEX file_entry_upload")
        con.execute("UPDATE schema_version SET version = 6")
    db = open_catalog(old)
    assert migrations.current_version(db) == migrations.latest_version() == 7
    close_catalog()
    assert len(list(tmp_path.glob("old.v6-*.bak"))) == 1

    def schema(path):
        with sqlite3.connect(path) as con:
            return sorted(
                con.execute(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN "
                    "('destination', 'transfer_job', 'transfer_log') OR name = 'file_entry_upload'"
                )
            )

    assert schema(old) == schema(fresh) and len(schema(fresh)) == 12


def test_each_retry_waits_longer_than_the_one_before(tmp_path, drive):
    from datetime import timedelta

    from luna_desktop.catalog.models import utcnow

    dest = destinations.add("Share", str(tmp_path / "share"), retry_delay=60)
    waits = []
    for _ in range(3):
        TransferJob.update(next_try=None).execute()  # due now, whatever it said
        before = utcnow()
        work(dest)
        job = TransferJob.get(TransferJob.attempts > 0)
        waits.append((job.next_try - before).total_seconds())
    assert [round(w / 60) for w in waits] == [1, 2, 4], waits
    assert TransferJob.get(TransferJob.attempts > 0).attempts == 3
    assert all(w > 0 for w in waits) and timedelta(seconds=waits[2]) > timedelta(minutes=3)


def test_a_job_left_running_by_a_dead_worker_is_queued_again_by_the_next_sync(tmp_path, drive):
    dest = dest_at(tmp_path)
    queue.sync(dest)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert lease.claim(dest, f"{os.uname().nodename}:{dead.pid}") is None
    job = queue.next_job(dest, duplicates.mounted_drives())
    assert queue.mark_running(job)
    queue.sync(dest)  # what the window does every half minute, without a worker
    assert TransferJob.get_by_id(job.id).state == queue.QUEUED


def test_a_file_marked_restricted_while_it_is_sent_is_not_published(tmp_path, drive):
    dest = dest_at(tmp_path)

    def restrict_c(e):
        if type(e).__name__ == "JobStarted" and e.source == "K7:roll2/c.mov":
            FileEntry.update(status=int(Status.RESTRICTED)).where(
                FileEntry.id == e.file_id
            ).execute()

    work(dest, on_event=restrict_c)
    out = tmp_path / "dest-Archive"
    assert not (out / "K7/roll2/c.mov").exists()
    assert not list(out.rglob(".*luna-part*"))
    assert "K7/roll2/c.mov" not in manifest.parse((out / manifest.MANIFEST).read_text())
    job = TransferJob.get(TransferJob.file == FileEntry.get(FileEntry.filename == "c.mov"))
    assert job.state == queue.CANCELLED


def test_a_file_that_appears_at_the_path_while_sending_is_not_overwritten(tmp_path, drive):
    dest = dest_at(tmp_path)
    theirs = tmp_path / "dest-Archive/K7/roll2/c.mov"

    started = {}

    def someone_else_writes(e):
        # While it is being sent, after Luna looked at the path.
        if type(e).__name__ == "JobStarted" and e.source == "K7:roll2/c.mov":
            started["job"] = e.job_id
        if isinstance(e, JobProgress) and e.job_id == started.get("job") and not theirs.exists():
            theirs.write_bytes(b"someone else's film")

    failures: list[JobFailed] = []
    work(dest, on_event=lambda e: (someone_else_writes(e), isinstance(e, JobFailed)
                                   and failures.append(e)))  # fmt: skip
    assert theirs.read_bytes() == b"someone else's film"
    (fail,) = failures
    assert fail.state == queue.FAILED and "appeared" in fail.error
    assert not list((tmp_path / "dest-Archive").rglob(".*luna-part*"))


def test_a_manifest_cut_mid_line_by_a_crash_is_continued_on_a_new_line(tmp_path, drive):
    dest = dest_at(tmp_path)
    listed = tmp_path / "dest-Archive" / manifest.MANIFEST
    listed.write_text("0" * 64 + "  K7/half.j")  # no line end: a crash mid-append
    work(dest)
    entries = manifest.parse(listed.read_text())
    assert len(entries) == 5 and entries["K7/half.j"] == "0" * 64
    assert all(len(line.split("  ")) == 2 for line in listed.read_text().splitlines())
