"""Filters beyond the chips (catalog.filters, catalog.filter_matches) on a real catalogue:
each criterion alone, combined, with a chip, with a search text, and in the tree's
SearchHits shape."""

from __future__ import annotations

from datetime import date

import pytest

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.filter_matches import matching
from luna_desktop.catalog.filter_sql import check_names, criteria_expression, driving_ids
from luna_desktop.catalog.filters import (
    BOTH,
    MISSING,
    NO_PROJECT_GROUP,
    Criteria,
    FilterError,
    parse_date,
    parse_kind,
    parse_status,
    split_values,
)
from luna_desktop.catalog.models import DuplicateGroup, FileEntry
from luna_desktop.catalog.queries import FileFilter, folder_counts
from luna_desktop.catalog.search import search
from luna_desktop.catalog.status import Status
from luna_desktop.scan.oshash import content_hash
from tests import filter_archive as fa


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    yield from fa.built(tmp_path_factory)


@pytest.fixture
def archive(built, tmp_path):
    yield from fa.copy_of(built, tmp_path)


def listed(archive: fa.Archive, criteria: Criteria, chip: str = "all") -> set[str]:
    """The Archive drive's paths that pass the filter's WHERE expression."""
    rows = FileEntry.select(FileEntry.id).where(
        (FileEntry.drive == archive.drive_id) & criteria_expression(criteria, chip)
    )
    return archive.paths(i for (i,) in rows.tuples())


def found(archive: fa.Archive, hits) -> set[str]:
    assert not hits.folders  # a filter's hits are files: folder counts know no kinds
    ids = [i for ids in hits.files.values() for i in ids]
    assert len(ids) == len(set(ids))
    return archive.paths(ids)


# -- each criterion alone ----------------------------------------------------------


def test_no_criteria_lists_the_present_files(archive):
    assert Criteria().is_empty
    assert listed(archive, Criteria()) == fa.PRESENT


def test_kinds(archive):
    assert listed(archive, Criteria(kinds={"video"})) == {fa.VIDEO}
    assert listed(archive, Criteria(kinds={"image"})) == fa.IMAGES
    assert listed(archive, Criteria(kinds=["Documents", "audio"])) == {fa.NOTES, fa.AUDIO}


def test_camera_words_in_make_and_model(archive):
    assert listed(archive, Criteria(camera="Canon")) == {fa.A, fa.C, fa.COPY, fa.VIDEO}
    assert listed(archive, Criteria(camera="canon eos 5d")) == {fa.A, fa.C, fa.COPY}
    assert listed(archive, Criteria(camera="Canon 5D")) == {fa.A, fa.C, fa.COPY}  # words
    assert listed(archive, Criteria(camera="Mark II")) == {fa.C}
    assert listed(archive, Criteria(camera="Nikon D70")) == {fa.B}
    assert listed(archive, Criteria(camera="Canon D70")) == set()


def test_date_range_uses_the_curators_date_else_the_date_taken(archive):
    june = Criteria(date_from=date(1998, 6, 1), date_to=date(1998, 6, 30))
    # B was taken on 30 June but the curator dated it July; C's date was cleared on
    # purpose; the notes are dated 1998 only, which may be June.
    assert listed(archive, june) == {fa.A, fa.COPY, fa.NOTES, fa.VIDEO}
    july_first = Criteria(date_from=date(1998, 7, 1), date_to=date(1998, 7, 1))
    assert listed(archive, july_first) == {fa.B, fa.NOTES}


def test_date_range_includes_whole_days_and_open_ends(archive):
    # A was taken at 10:00 on the 15th: the 15th includes it, from either end.
    assert fa.A in listed(archive, Criteria(date_to=date(1998, 6, 15)))
    assert fa.A in listed(archive, Criteria(date_from=date(1998, 6, 15)))
    assert fa.A not in listed(archive, Criteria(date_from=date(1998, 6, 16)))
    assert fa.A not in listed(archive, Criteria(date_to=date(1998, 6, 14)))
    # The video's time carries an offset: its own calendar day counts.
    assert fa.VIDEO in listed(archive, Criteria(date_from=date(1998, 6, 20)))
    assert listed(archive, Criteria(date_from=date(1999, 1, 1))) == set()
    # Undated files are left out of any range, open-ended or not.
    undated = {fa.C, fa.UNDATED, fa.AUDIO}
    assert listed(archive, Criteria(date_from=date(1900, 1, 1))) == fa.PRESENT - undated
    assert listed(archive, Criteria(date_to=date(2100, 1, 1))) == fa.PRESENT - undated


def test_statuses_by_value(archive):
    assert listed(archive, Criteria(statuses={Status.UPLOAD})) == {fa.A, fa.VIDEO}
    assert listed(archive, Criteria(statuses=["6"])) == {fa.B}
    both = Criteria(statuses=["upload", "Restricted"])
    assert listed(archive, both) == {fa.A, fa.VIDEO, fa.C}


def test_project_group_or_none(archive):
    assert listed(archive, Criteria(project_group="summer 1998")) == {fa.A, fa.VIDEO}
    none = listed(archive, Criteria(project_group=NO_PROJECT_GROUP))
    assert none == fa.PRESENT - {fa.A, fa.VIDEO}


def test_every_tag_must_be_present_keywords_and_curator_tags_alike(archive):
    assert listed(archive, Criteria(tags=("sea",))) == {fa.A, fa.B, fa.COPY}
    assert listed(archive, Criteria(tags=("sea", "boat"))) == {fa.A, fa.COPY}
    assert listed(archive, Criteria(tags=("harbour", "SEA"))) == {fa.A}
    assert listed(archive, Criteria(tags=("harbour", "nowhere"))) == set()


def test_album(archive):
    assert listed(archive, Criteria(album="best OF")) == {fa.A, fa.VIDEO}
    assert listed(archive, Criteria(album=fa.ALBUM, missing=BOTH)) == {fa.A, fa.VIDEO, fa.ALONE}


def test_missing_present_or_both(archive):
    assert listed(archive, Criteria(missing=MISSING)) == {fa.LOST, fa.ALONE}
    assert listed(archive, Criteria(missing=BOTH)) == fa.PRESENT | {fa.LOST, fa.ALONE}


def test_duplicate_states_follow_the_stored_groups(archive):
    group = DuplicateGroup.get()
    primary = archive.paths([group.primary_id]).pop()
    copy = ({fa.A, fa.COPY} - {primary}).pop()
    assert listed(archive, Criteria(duplicates="primary")) == {primary}
    assert listed(archive, Criteria(duplicates="copy")) == {copy}
    assert listed(archive, Criteria(duplicates="unique")) == fa.PRESENT - {fa.A, fa.COPY}
    # oshash alone so far: the copy is not confirmed by content.
    assert listed(archive, Criteria(duplicates="confirmed")) == set()
    assert listed(archive, Criteria(duplicates="unconfirmed")) == {copy}

    duplicates.confirm_group(group.oshash, hasher=content_hash)
    assert listed(archive, Criteria(duplicates="confirmed")) == {copy}
    assert listed(archive, Criteria(duplicates="unconfirmed")) == set()


def test_a_missing_file_is_a_copy_when_a_present_file_holds_it(archive):
    # lost.jpg is still on the Backup drive; alone.jpg is nowhere.
    missing_copies = Criteria(duplicates="copy", missing=MISSING)
    assert listed(archive, missing_copies) == {fa.LOST}
    assert listed(archive, Criteria(duplicates="unique", missing=MISSING)) == {fa.ALONE}
    assert listed(archive, Criteria(duplicates="primary", missing=MISSING)) == set()


def test_a_copy_whose_content_differs_from_the_primary_is_unique(archive):
    group = DuplicateGroup.get()
    copy = FileEntry.get((FileEntry.oshash == group.oshash) & (FileEntry.id != group.primary_id))
    FileEntry.update(content_hash="a" * 64).where(FileEntry.id == group.primary_id).execute()
    FileEntry.update(content_hash="b" * 64).where(FileEntry.id == copy.id).execute()
    assert listed(archive, Criteria(duplicates="copy")) == set()
    assert archive.paths([copy.id]) <= listed(archive, Criteria(duplicates="unique"))


# -- combined ----------------------------------------------------------------------


def test_criteria_combine_with_each_other(archive):
    june = {"date_from": date(1998, 6, 1), "date_to": date(1998, 6, 30)}
    assert listed(archive, Criteria(kinds={"image"}, camera="Canon", **june)) == {fa.A, fa.COPY}
    upload = Criteria(kinds={"image"}, camera="Canon", statuses={Status.UPLOAD}, **june)
    assert listed(archive, upload) == {fa.A}
    tagged = Criteria(tags=("sea",), project_group=NO_PROJECT_GROUP, duplicates="unique")
    assert listed(archive, tagged) == {fa.B}
    assert listed(archive, Criteria(album=fa.ALBUM, kinds={"video"})) == {fa.VIDEO}
    assert listed(archive, Criteria(album=fa.ALBUM, kinds={"video"}, camera="Nikon")) == set()


def test_chips_narrow_the_criteria(archive):
    canon = Criteria(camera="Canon")
    assert listed(archive, canon, chip="upload") == {fa.A, fa.VIDEO}
    assert listed(archive, canon, chip="unreviewed") == {fa.COPY}
    assert listed(archive, canon, chip="needs_attention") == set()
    # The Missing chip shows missing files, whatever the criteria's presence says.
    assert listed(archive, Criteria(kinds={"image"}), chip="missing") == {fa.LOST, fa.ALONE}


# -- the tree: SearchHits ----------------------------------------------------------


def test_matching_groups_files_by_folder(archive):
    hits = matching(archive.drive_id, Criteria(camera="Canon"))
    assert {folder: set(archive.paths(ids)) for folder, ids in hits.files.items()} == {
        "1998/June": {fa.A},
        "1998/July": {fa.C},
        "copies": {fa.COPY},
        "video": {fa.VIDEO},
    }
    assert not hits.folders and not hits.truncated and not hits.interrupted
    # The tree counts them folder by folder.
    counts = {c.folder: c.matching for c in folder_counts(archive.drive_id, FileFilter(), hits)}
    assert counts["1998/June"] == 1 and counts["video"] == 1 and counts["misc"] == 0


def test_matching_combines_with_a_search_text(archive):
    images = Criteria(kinds={"image"})
    # "canon" is in three image names and in the video's title: the kind keeps it out.
    assert found(archive, matching(archive.drive_id, images, "canon")) == {fa.A, fa.C, fa.COPY}
    everything = Criteria(missing=BOTH)
    assert fa.VIDEO in found(archive, matching(archive.drive_id, everything, "canon"))
    # A folder whose path matches brings its files, each checked against the criteria.
    nikon = found(archive, matching(archive.drive_id, Criteria(camera="nikon"), "june"))
    assert nikon == {fa.B}
    # Tags are searched too; the criteria still apply.
    harbour = matching(archive.drive_id, Criteria(statuses={Status.UPLOAD}), "harbour")
    assert found(archive, harbour) == {fa.A}
    # Words too short for the trigram index.
    short = matching(archive.drive_id, Criteria(statuses={Status.UPLOAD}), "cl")
    assert found(archive, short) == {fa.VIDEO}


def test_matching_by_oshash_prefix_with_criteria(archive):
    oshash = FileEntry.get_by_id(archive.ids[fa.A]).oshash
    # The copy shares the oshash but is still unreviewed.
    hits = matching(archive.drive_id, Criteria(statuses={Status.UPLOAD}), oshash[:8])
    assert found(archive, hits) == {fa.A}
    hits = matching(archive.drive_id, Criteria(kinds={"image"}), oshash[:8])
    assert found(archive, hits) == {fa.A, fa.COPY}


def test_matching_without_criteria_is_the_search(archive):
    plain = search(archive.drive_id, "june")
    hits = matching(archive.drive_id, Criteria(), "june")
    assert hits.folders == plain.folders == {"1998/June"}
    assert hits.files == plain.files
    assert matching(archive.drive_id, Criteria()).file_count == 0  # nothing to filter


def test_matching_finds_copies_present_and_missing(archive):
    copy = listed(archive, Criteria(duplicates="copy"))
    assert len(copy) == 1
    hits = matching(archive.drive_id, Criteria(duplicates="copy", missing=BOTH))
    assert found(archive, hits) == copy | {fa.LOST}  # lost.jpg is in no stored group
    hits = matching(archive.drive_id, Criteria(duplicates="copy"), chip="missing")
    assert found(archive, hits) == {fa.LOST}
    hits = matching(archive.drive_id, Criteria(duplicates="unconfirmed"))
    assert found(archive, hits) == copy


def test_driving_ids_are_the_narrow_set_a_filter_starts_from(archive):
    def ids(criteria: Criteria, chip: str = "all") -> set[str]:
        driver = driving_ids(criteria, chip)
        on_archive = {i for (i,) in driver.tuples()} & set(archive.ids.values())
        return archive.paths(on_archive)

    assert ids(Criteria(album=fa.ALBUM)) == {fa.A, fa.VIDEO, fa.ALONE}
    assert ids(Criteria(tags=("SEA", "boat"))) == {fa.A, fa.B, fa.COPY}  # the first tag
    assert ids(Criteria(project_group="summer 1998")) == {fa.A, fa.VIDEO}
    assert ids(Criteria(duplicates="primary")) == listed(archive, Criteria(duplicates="primary"))
    assert ids(Criteria(duplicates="copy")) == {fa.A, fa.COPY}  # the stored group's members
    # Missing copies are in no stored group: no narrower set holds them all.
    assert driving_ids(Criteria(duplicates="copy", missing=BOTH)) is None
    assert driving_ids(Criteria(duplicates="copy"), chip="missing") is None
    assert driving_ids(Criteria(kinds={"video"}, camera="Canon")) is None


def test_matching_respects_the_chip(archive):
    hits = matching(archive.drive_id, Criteria(kinds={"image"}), chip="missing")
    assert found(archive, hits) == {fa.LOST, fa.ALONE}
    hits = matching(archive.drive_id, Criteria(camera="Canon"), "canon", chip="upload")
    assert found(archive, hits) == {fa.A, fa.VIDEO}


def test_matching_stops_at_the_limit(archive):
    hits = matching(archive.drive_id, Criteria(kinds={"image"}), limit=2)
    assert hits.file_count == 2 and hits.truncated
    assert found(archive, hits) <= fa.IMAGES
    hits = matching(archive.drive_id, Criteria(kinds={"image"}), "jpg", limit=2)
    assert hits.file_count == 2 and hits.truncated
    exact = matching(archive.drive_id, Criteria(kinds={"image"}), limit=len(fa.IMAGES))
    assert found(archive, exact) == fa.IMAGES and not exact.truncated


def test_matching_stops_when_no_longer_wanted(catalog, tmp_path):
    from luna_desktop.catalog.locking import write_transaction
    from luna_desktop.catalog.models import Drive

    drive = Drive.create(name="Big")
    rows = [
        {"drive": drive, "folder": f"f{i // 100}", "filename": f"IMG_{i:05d}.jpg",
         "kind": "image", "camera_make": "Canon"}
        for i in range(3_000)
    ]  # fmt: skip
    with write_transaction():
        for start in range(0, len(rows), 500):
            FileEntry.insert_many(rows[start : start + 500]).execute()
    criteria = Criteria(camera="Canon")
    complete = matching(drive.id, criteria, limit=100_000)
    assert complete.file_count == 3_000 and not complete.interrupted
    stopped = matching(drive.id, criteria, limit=100_000, should_stop=lambda: True)
    assert stopped.interrupted and stopped.file_count < 3_000
    text = matching(drive.id, criteria, "img", limit=100_000, should_stop=lambda: True)
    assert text.interrupted and text.file_count < 3_000
    # The connection is left without the handler: the next query runs to its end.
    # (Reading every column of every row takes many times the steps between checks.)
    assert len(list(FileEntry.select().tuples())) == 3_000


# -- values as people type them, and what a filter says ------------------------------


def test_parsing_statuses_kinds_and_dates():
    assert parse_status("3") is Status.RESTRICTED
    assert parse_status(" Keep-offline ") is Status.KEEP_OFFLINE
    assert parse_status("needs attention") is Status.NEEDS_ATTENTION
    assert parse_status(2) is Status.UPLOAD
    for bad in ("7", "0", "maybe", ""):
        with pytest.raises(FilterError, match="unknown status"):
            parse_status(bad)
    assert parse_kind("Videos") == "video"
    with pytest.raises(FilterError, match="unknown kind 'photo'"):
        parse_kind("photo")
    assert parse_date("1998-06-05") == date(1998, 6, 5)
    assert parse_date("1998") == date(1998, 1, 1)
    assert parse_date("1998", end=True) == date(1998, 12, 31)
    assert parse_date("2000-02", end=True) == date(2000, 2, 29)
    assert parse_date("1998-6-5") == date(1998, 6, 5)
    for bad in ("1998-13-01", "1998-02-30", "June 1998", "98-06-01", ""):
        with pytest.raises(FilterError, match="bad date"):
            parse_date(bad)
    assert split_values(["image,video", " audio ", ""]) == ["image", "video", "audio"]


def test_criteria_are_checked_and_kept_in_one_form():
    assert Criteria(kinds=["Videos", "video"], tags=["sea", " sea", ""]) == Criteria(
        kinds=frozenset({"video"}), tags=("sea",)
    )
    assert Criteria(statuses=["2", "upload"]).statuses == {Status.UPLOAD}
    assert Criteria(kinds="video", tags="sea", statuses=6) == Criteria(
        kinds={"video"}, tags=("sea",), statuses={Status.NEEDS_ATTENTION}
    )
    assert not Criteria(missing=BOTH).is_empty
    assert not Criteria(project_group=NO_PROJECT_GROUP).is_empty
    with pytest.raises(FilterError, match=r"ends \(1998-06-01\) before it starts \(1998-06-30\)"):
        Criteria(date_from=date(1998, 6, 30), date_to=date(1998, 6, 1))
    with pytest.raises(FilterError, match="unknown duplicate state 'twin'"):
        Criteria(duplicates="twin")
    with pytest.raises(FilterError, match="unknown presence"):
        Criteria(missing="gone")


def test_describe():
    june = Criteria(
        kinds={"video"}, camera="Canon", date_from=date(1998, 6, 1), date_to=date(1998, 6, 30)
    )
    assert june.describe() == "Videos · camera Canon · 1998-06-01 – 1998-06-30"
    assert Criteria().describe() == "All files"
    assert Criteria(kinds={"video", "image"}).describe() == "Images or videos"
    assert Criteria(date_from=date(1998, 6, 1)).describe() == "Since 1998-06-01"
    many = Criteria(
        statuses={Status.UPLOAD, Status.NEEDS_ATTENTION},
        project_group=NO_PROJECT_GROUP,
        tags=("sea", "boat"),
        album="Best of",
        duplicates="copy",
        missing=BOTH,
    )
    assert many.describe() == (
        "Upload or needs attention · no project group · tagged sea + boat · album Best of"
        " · duplicate copies · present and missing"
    )


def test_unknown_names_are_reported_with_the_known_ones(archive):
    check_names(Criteria(project_group="SUMMER 1998", album="best of", tags=("Sea", "harbour")))
    check_names(Criteria(project_group=NO_PROJECT_GROUP))
    with pytest.raises(
        FilterError, match=r"no album named 'Worst of' \(albums: Best of, Rejects\)"
    ):
        check_names(Criteria(album="Worst of"))
    with pytest.raises(FilterError, match=r"no project group named 'Winter' \(project groups"):
        check_names(Criteria(project_group="Winter"))
    tags = r"no tag named 'river' \(tags: boat, Harbour, lake, sea\)"
    with pytest.raises(FilterError, match=tags):
        check_names(Criteria(tags=("sea", "river")))
