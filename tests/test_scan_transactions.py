"""A scan holds the catalogue's write lock only briefly: no transaction grows with the drive.

Checked by structure, never by the clock: at every progress report the scan holds no
transaction, so another connection takes the write lock at once; and the end-of-walk
work (marking folders missing, relinking moves) is seen half done from outside, which
it could not be if it were one transaction.
"""

import shutil
import threading

from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.scan.pipeline import ScanOptions, scan_drive
from tests.scanning import connect, run_scan

MOVED = 60
GONE = 30


def _files(folder, n, tag):
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{i:02d}.txt").write_text(f"{tag} file {i}\n")


def test_a_curator_gets_the_write_lock_between_every_chunk_of_a_scan(catalog, tmp_path):
    root = tmp_path / "drive"
    _files(root / "old", MOVED, "moving")
    _files(root / "gone", GONE, "deleted")
    _files(root / "keep", 1, "curated")
    run_scan(root)
    old_uuids = {r.uuid for r in FileEntry.select().where(FileEntry.folder == "old")}
    gone_ids = [r.id for r in FileEntry.select().where(FileEntry.folder == "gone")]
    kept = FileEntry.get(FileEntry.folder == "keep")
    (root / "old").rename(root / "new")
    shutil.rmtree(root / "gone")

    curator = connect(catalog.database, timeout=0)  # never waits: a held lock fails at once
    saves = 0
    missing_seen: set[int] = set()
    relinked_seen: set[int] = set()
    options = ScanOptions(batch_size=7, report_every=0, processes=False)
    for progress in scan_drive(root, "TestDrive", options):
        last = progress
        curator.execute("BEGIN IMMEDIATE")
        curator.execute(
            "UPDATE file_entry SET title = ?, version = version + 1 WHERE id = ?",
            (f"save {saves}", kept.id),
        )
        curator.execute("COMMIT")
        saves += 1
        marks = ",".join("?" * len(gone_ids))
        missing_seen.add(
            curator.execute(
                f"SELECT count(*) FROM file_entry WHERE NOT present AND id IN ({marks})",
                gone_ids,
            ).fetchone()[0]
        )
        relinked_seen.add(
            curator.execute(
                "SELECT count(*) FROM file_entry WHERE folder = 'new' AND uuid IN "
                f"({','.join('?' * len(old_uuids))})",
                list(old_uuids),
            ).fetchone()[0]
        )
    curator.close()
    assert last.state == "completed"
    assert last.counts.moved == MOVED and last.counts.missing == GONE
    # Seen half done from outside: in chunks, each its own transaction.
    assert any(0 < n < GONE for n in missing_seen), sorted(missing_seen)
    assert any(0 < n < MOVED for n in relinked_seen), sorted(relinked_seen)
    assert FileEntry.get_by_id(kept.id).title == f"save {saves - 1}"
    assert {r.uuid for r in FileEntry.select().where(FileEntry.folder == "new")} == old_uuids
    drive = Drive.get()
    present = FileEntry.select().where(FileEntry.present == True)  # noqa: E712
    assert drive.total_files == present.count() == MOVED + 1
    assert drive.total_bytes == sum(r.size for r in present)


def test_a_scan_runs_on_a_thread_that_never_used_the_catalogue(catalog, tmp_path):
    """As the window runs it: on a pool thread, whose connection opens on first use."""
    root = tmp_path / "drive"
    _files(root / "a", 3, "thread")
    outcome: list = []

    def scan():
        try:
            outcome.append(run_scan(root))
        except Exception as exc:  # shown by the assertion below, not lost in the thread
            outcome.append(exc)

    worker = threading.Thread(target=scan)
    worker.start()
    worker.join()
    [result] = outcome
    assert not isinstance(result, Exception), repr(result)
    assert result.state == "completed" and result.counts.added == 3
