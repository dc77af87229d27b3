"""Missing files that turn up on another drive: relinked with their curation when the
arrival is unambiguous, offered when not, never when the other file was a copy all along.
Real scans of real folders into a real catalogue."""

import shutil
import sqlite3

import pytest

from luna_desktop.catalog import albums, curation, migrations
from luna_desktop.catalog.database import close_catalog, open_catalog
from luna_desktop.catalog.models import (
    Drive,
    EditLog,
    FileEntry,
    FileTag,
    RelinkDecline,
    ScanRun,
    Tag,
    utcnow,
)
from luna_desktop.catalog.status import Status
from luna_desktop.scan import relink_across
from luna_desktop.scan.relink_across import CurationClash, StaleOffer
from tests.media_factory import make_jpeg
from tests.scanning import row, run_scan


@pytest.fixture
def drives(tmp_path):
    """Drive A holds the file that will move (x.jpg) beside one that stays; B one of
    its own. Both catalogued."""
    a, b = tmp_path / "A", tmp_path / "B"
    make_jpeg(a / "Trip" / "x.jpg", color=(11, 22, 33), keywords=["sea"])
    make_jpeg(a / "Trip" / "stays.jpg", color=(1, 1, 1))
    make_jpeg(b / "own.jpg", color=(2, 2, 2))
    return a, b


def curate(file_id: int) -> None:
    curation.set_fields(
        [file_id], {"title": "Harbour", "status": int(Status.UPLOAD), "tags": ["fav"]}, "ada"
    )
    albums.create_album("Best")
    albums.add_files("Best", [file_id])


def tags_of(file_id: int) -> set[tuple[str, str]]:
    query = FileTag.select(FileTag, Tag).join(Tag).where(FileTag.file == file_id)
    return {(t.tag.name, t.source) for t in query}


def test_a_file_missing_on_one_drive_that_arrives_on_another_is_relinked(catalog, drives):
    a, b = drives
    run_scan(a, drive="A")
    run_scan(b, drive="B")
    x = row("Trip", "x.jpg")
    curate(x.id)
    (b / "sorted").mkdir()
    shutil.move(a / "Trip" / "x.jpg", b / "sorted" / "harbour.jpg")
    assert run_scan(a, drive="A").counts.missing == 1
    result = run_scan(b, drive="B")
    assert result.counts.relinked_across == 1 and result.counts.relink_offers == 0
    assert "1 missing files found here and relinked" in result.summary()
    moved = FileEntry.get_by_id(x.id)
    # The very row: its UUID, curation, tags, album place and history, now on B.
    assert (moved.drive.name, moved.folder, moved.filename) == ("B", "sorted", "harbour.jpg")
    assert moved.uuid == x.uuid and moved.present and moved.missing_since is None
    assert moved.title == "Harbour" and moved.status == Status.UPLOAD
    assert tags_of(x.id) == {("fav", "curator"), ("sea", "keyword")}
    assert albums.album_file_ids("Best") == [x.id]
    assert {e.field for e in EditLog.select().where(EditLog.file == x.id)} >= {"title", "tags"}
    # No second row for the file, and drive A has nothing missing any more.
    assert FileEntry.select().where(FileEntry.oshash == x.oshash).count() == 1
    assert not FileEntry.select().where(FileEntry.present == False).exists()  # noqa: E712
    assert relink_across.offers() == []
    # A rescan of B finds it where it is: unchanged, the same row.
    again = run_scan(b, drive="B")
    assert again.counts.unchanged == 2 and again.counts.added == 0


def test_a_copy_that_existed_all_along_is_not_offered(catalog, drives):
    a, b = drives
    run_scan(a, drive="A")
    shutil.copy2(a / "Trip" / "x.jpg", b / "copy of x.jpg")
    run_scan(b, drive="B")
    run_scan(a, drive="A")  # x is seen on A after B's copy was catalogued: both there
    x = row("Trip", "x.jpg")
    (a / "Trip" / "x.jpg").unlink()
    result = run_scan(a, drive="A")
    assert result.counts.missing == 1 and result.counts.relinked_across == 0
    assert relink_across.offers() == [] and relink_across.count_offers() == 0
    copy = row("", "copy of x.jpg")
    outcome = relink_across.settle_arrivals([copy.id])
    assert (outcome.relinked, outcome.offered) == (0, 0)
    assert not FileEntry.get_by_id(x.id).present
    assert FileEntry.get_by_id(copy.id).present


def test_a_copy_all_along_does_not_stand_in_the_way_of_the_real_arrival(catalog, drives, tmp_path):
    a, b = drives
    c = tmp_path / "C"
    c.mkdir()
    run_scan(a, drive="A")
    shutil.copy2(a / "Trip" / "x.jpg", b / "copy of x.jpg")
    run_scan(b, drive="B")
    run_scan(a, drive="A")
    x = row("Trip", "x.jpg")
    shutil.move(a / "Trip" / "x.jpg", c / "x.jpg")
    run_scan(a, drive="A")
    assert run_scan(c, drive="C").counts.relinked_across == 1
    assert FileEntry.get_by_id(x.id).drive.name == "C"
    assert row("", "copy of x.jpg").present


def test_a_file_a_long_running_watch_adds_after_the_loss_is_an_arrival(catalog, drives):
    # A watch is one ScanRun for hours: what it adds arrived when it was read, not
    # when the watch began.
    a, b = drives
    run_scan(a, drive="A")
    run_scan(b, drive="B")
    watch = ScanRun.create(drive=Drive.get(Drive.name == "B"), root=str(b), state="watching")
    x = row("Trip", "x.jpg")
    (a / "Trip" / "x.jpg").unlink()
    run_scan(a, drive="A")
    arrived = FileEntry.create(
        drive=watch.drive, folder="", filename="x.jpg", size=x.size, oshash=x.oshash,
        added_scan=watch.id, scanned_at=utcnow(),
    )  # fmt: skip
    assert relink_across.settle_arrivals([arrived.id]).relinked == 1
    assert (FileEntry.get_by_id(x.id).drive.name, FileEntry.get_by_id(x.id).present) == ("B", True)


def test_one_arrival_for_two_missing_files_is_offered_for_each(catalog, drives):
    a, b = drives
    shutil.copy2(a / "Trip" / "x.jpg", a / "x again.jpg")
    run_scan(a, drive="A")
    run_scan(b, drive="B")
    first, second = row("Trip", "x.jpg"), row("", "x again.jpg")
    shutil.move(a / "Trip" / "x.jpg", b / "x.jpg")
    (a / "x again.jpg").unlink()
    run_scan(a, drive="A")
    result = run_scan(b, drive="B")
    assert result.counts.relinked_across == 0 and result.counts.relink_offers == 2
    found = relink_across.offers()
    assert {o.missing.id for o in found} == {first.id, second.id}
    assert all(len(o.candidates) == 1 for o in found)


def test_an_arrival_scanned_before_the_loss_is_offered_as_a_possible_copy(catalog, drives):
    a, b = drives
    run_scan(a, drive="A")
    x = row("Trip", "x.jpg")
    curate(x.id)
    shutil.move(a / "Trip" / "x.jpg", b / "x.jpg")
    run_scan(b, drive="B")  # B first: the file is there before A is seen without it
    result = run_scan(a, drive="A")
    assert result.counts.missing == 1 and result.counts.relinked_across == 0
    (offer,) = relink_across.offers()
    assert offer.missing.id == x.id and offer.missing.title == "Harbour"
    assert offer.missing.drive == "A" and offer.missing.path == "Trip/x.jpg"
    (candidate,) = offer.candidates
    assert candidate.maybe_copy and candidate.file.drive == "B" and candidate.file.path == "x.jpg"
    relink_across.accept(x.id, candidate.file.id)
    moved = FileEntry.get_by_id(x.id)
    assert (moved.drive.name, moved.filename, moved.title) == ("B", "x.jpg", "Harbour")
    assert not FileEntry.select().where(FileEntry.id == candidate.file.id).exists()
    assert relink_across.offers() == []


def lose_x_and_copy_it_twice_to_b(a, b):
    run_scan(a, drive="A")
    run_scan(b, drive="B")
    x = row("Trip", "x.jpg")
    curate(x.id)
    for folder in ("one", "two"):
        (b / folder).mkdir()
        shutil.copy2(a / "Trip" / "x.jpg", b / folder / "x.jpg")
    (a / "Trip" / "x.jpg").unlink()
    run_scan(a, drive="A")
    return x


def test_two_candidates_are_offered_then_one_is_declined_and_the_other_accepted(
    catalog, drives, tmp_path
):
    a, b = drives
    x = lose_x_and_copy_it_twice_to_b(a, b)
    result = run_scan(b, drive="B")
    assert result.counts.relinked_across == 0 and result.counts.relink_offers == 1
    (offer,) = relink_across.offers()
    assert [c.file.path for c in offer.candidates] == ["one/x.jpg", "two/x.jpg"]
    assert not any(c.maybe_copy for c in offer.candidates)
    one, two = (c.file.id for c in offer.candidates)
    relink_across.decline(x.id, one, by="ada")
    # Remembered in the catalogue: not offered again, after a reopening or a rescan.
    close_catalog()
    open_catalog(tmp_path / "catalog.sqlite3")
    run_scan(b, drive="B")
    (offer,) = relink_across.offers()
    assert [c.file.id for c in offer.candidates] == [two]
    assert RelinkDecline.get().declined_by == "ada"
    relink_across.accept(x.id, two)
    moved = FileEntry.get_by_id(x.id)
    assert (moved.drive.name, moved.folder, moved.title) == ("B", "two", "Harbour")
    assert FileEntry.get_by_id(one).present  # the declined one stays, a copy
    assert relink_across.offers() == []
    with pytest.raises(StaleOffer, match="not missing any more"):
        relink_across.accept(x.id, one)


def test_a_curated_candidate_is_only_offered_and_accepting_merges_the_curations(catalog, drives):
    a, b = drives
    x = lose_x_and_copy_it_twice_to_b(a, b)
    run_scan(b, drive="B")
    one, two = row("one", "x.jpg"), row("two", "x.jpg")
    relink_across.decline(x.id, two.id)
    curation.set_fields([one.id], {"notes": "seen on B", "tags": ["boat"]}, "bob")
    albums.create_album("B picks")
    albums.add_files("B picks", [one.id])
    # One candidate left, and it arrived after the loss, but a curator worked on it.
    outcome = relink_across.settle_arrivals([one.id])
    assert (outcome.relinked, outcome.offered) == (0, 1)
    assert FileEntry.get_by_id(one.id).notes == "seen on B"
    (offer,) = relink_across.offers()
    assert offer.candidates[0].file.curated
    relink_across.accept(x.id, one.id)
    merged = FileEntry.get_by_id(x.id)
    assert (merged.title, merged.notes, merged.folder) == ("Harbour", "seen on B", "one")
    assert {n for n, source in tags_of(x.id) if source == "curator"} == {"fav", "boat"}
    assert merged.version > 2  # an open form on either row sees the change
    assert {e.by for e in EditLog.select().where(EditLog.file == x.id)} == {"ada", "bob"}
    assert albums.album_file_ids("B picks") == [x.id] and albums.album_file_ids("Best") == [x.id]


def test_accepting_two_different_curations_is_refused_and_changes_nothing(catalog, drives):
    a, b = drives
    x = lose_x_and_copy_it_twice_to_b(a, b)
    run_scan(b, drive="B")
    one = row("one", "x.jpg")
    curation.set_fields([one.id], {"title": "Quay"}, "bob")
    with pytest.raises(CurationClash, match="Title") as caught:
        relink_across.accept(x.id, one.id)
    assert caught.value.fields == ["title"]
    assert not FileEntry.get_by_id(x.id).present
    assert FileEntry.get_by_id(one.id).title == "Quay"


def test_empty_files_are_never_relinked_by_content(catalog, tmp_path):
    a, b = tmp_path / "A", tmp_path / "B"
    a.mkdir()
    b.mkdir()
    (a / "empty.txt").write_bytes(b"")
    run_scan(a, drive="A")
    (a / "empty.txt").unlink()
    run_scan(a, drive="A")
    (b / "empty.txt").write_bytes(b"")
    assert run_scan(b, drive="B").counts.relinked_across == 0
    assert relink_across.offers() == []


def test_stale_declines_and_accepts_say_why(catalog, drives):
    a, b = drives
    x = lose_x_and_copy_it_twice_to_b(a, b)
    run_scan(b, drive="B")
    one = row("one", "x.jpg")
    shutil.rmtree(b / "one")
    run_scan(b, drive="B")
    with pytest.raises(StaleOffer, match="not on its drive any more"):
        relink_across.accept(x.id, one.id)
    with pytest.raises(StaleOffer, match="no longer in the catalogue"):
        relink_across.decline(x.id, 10_000)


def test_schema_5_catalogue_gains_the_declines_table_after_a_backup(tmp_path):
    fresh, old = tmp_path / "fresh.sqlite3", tmp_path / "old.sqlite3"
    open_catalog(fresh)
    close_catalog()
    open_catalog(old)
    close_catalog()
    with sqlite3.connect(old) as con:  # as schema 5 left it
        con.execute("DROP TABLE relink_decline")
        for table in ("transfer_log", "transfer_job", "destination"):  # schema 7's
            con.execute(f"DROP TABLE {table}")
        con.execute("DROP INDEX file_entry_upload")
        con.execute("UPDATE schema_version SET version = 5")
    open_catalog(old)
    assert migrations.current_version(FileEntry._meta.database) == migrations.latest_version()
    close_catalog()
    assert len(list(tmp_path.glob("old.v5-*.bak"))) == 1

    def schema(path):
        with sqlite3.connect(path) as con:
            return sorted(
                con.execute(
                    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?",
                    ("relink_decline",),
                )
            )

    assert schema(old) == schema(fresh) and schema(fresh)
