"""Saving curation: edit log, reviewed stamps, versions, conflicts, and the tree's queries."""

import pytest

from luna_desktop.catalog import curation, queries
from luna_desktop.catalog.models import Drive, EditLog, FileEntry, FileTag, ProjectGroup, Tag
from luna_desktop.catalog.queries import FileFilter
from luna_desktop.catalog.status import Status


@pytest.fixture
def files(catalog):
    drive = Drive.create(name="D")
    made = {}
    for folder, name, extra in [
        ("", "root.jpg", {}),
        ("A", "a1.jpg", {"taken_at": "2008-10-22T16:28:39"}),
        ("A", "a2.jpg", {"oshash": "c22a1b352755e27f"}),
        ("A/B", "b1.mov", {"kind": "video"}),
        ("C", "c1.jpg", {"present": False}),
    ]:
        made[name] = FileEntry.create(drive=drive, folder=folder, filename=name, **extra)
    return drive, made


def test_load_prefills_the_date_from_date_taken(files):
    _, f = files
    loaded = curation.load(f["a1.jpg"].id)
    assert loaded.curation.date == "2008-10-22" and loaded.version == 1
    assert loaded.curation.status == Status.UNREVIEWED


def test_save_logs_each_changed_field_and_stamps_review(files):
    _, f = files
    fid = f["a1.jpg"].id
    loaded = curation.load(fid)
    new = curation.Curation(**{**loaded.curation.__dict__})
    new.status = int(Status.UPLOAD)
    new.title = "  Harbour at dusk "
    new.project_group = "Tuscany 2008"
    new.tags = ["sea", "sea", " dusk "]
    version = curation.save(fid, new, loaded.version, "ada")
    assert version == 2
    row = FileEntry.get_by_id(fid)
    assert row.status == Status.UPLOAD and row.title == "Harbour at dusk"
    assert row.project_group.name == "Tuscany 2008" and row.version == 2
    assert row.reviewed_by == "ada" and row.reviewed_at is not None
    log = {(e.field, e.old_value, e.new_value, e.by) for e in curation.edit_log(fid)}
    assert log == {
        ("status", "unreviewed", "upload", "ada"),
        ("title", "", "Harbour at dusk", "ada"),
        ("project_group", "", "Tuscany 2008", "ada"),
        ("tags", "", "sea, dusk", "ada"),
    }
    assert queries.file_tags(fid, "curator") == ["sea", "dusk"]
    assert ProjectGroup.select().count() == 1


def test_a_save_without_changes_still_marks_reviewed_but_logs_nothing(files):
    _, f = files
    fid = f["root.jpg"].id
    loaded = curation.load(fid)
    assert curation.save(fid, loaded.curation, loaded.version, "ada") == 2
    assert FileEntry.get_by_id(fid).reviewed_by == "ada"
    assert EditLog.select().count() == 0


def test_stale_version_is_a_conflict_and_changes_nothing(files):
    _, f = files
    fid = f["a2.jpg"].id
    loaded = curation.load(fid)
    first = curation.Curation(**{**loaded.curation.__dict__, "title": "mine"})
    curation.save(fid, first, loaded.version, "ada")
    second = curation.Curation(**{**loaded.curation.__dict__, "title": "theirs"})
    with pytest.raises(curation.ConflictError, match="changed elsewhere by ada"):
        curation.save(fid, second, loaded.version, "bob")
    assert FileEntry.get_by_id(fid).title == "mine"
    assert EditLog.select().count() == 1


def test_keyword_tags_are_not_touched_by_curator_tags(files):
    _, f = files
    fid = f["a1.jpg"].id
    kw = Tag.create(name="iptc-keyword")
    FileTag.create(file=fid, tag=kw, source="keyword")
    loaded = curation.load(fid)
    assert loaded.curation.tags == []
    curation.save(
        fid, curation.Curation(**{**loaded.curation.__dict__, "tags": ["mine"]}), 1, "ada"
    )
    assert queries.file_tags(fid, "keyword") == ["iptc-keyword"]
    assert queries.file_tags(fid, "curator") == ["mine"]


def test_folder_counts_and_filters(files):
    drive, f = files
    curation.save(f["a1.jpg"].id, curation.Curation(status=int(Status.NEEDS_ATTENTION)), 1, "ada")
    counts = {c.folder: c for c in queries.folder_counts(drive.id)}
    assert set(counts) == {"", "A", "A/B"}  # C holds only a missing file
    assert (counts["A"].total, counts["A"].reviewed) == (2, 1)
    attention = {
        c.folder: c.matching for c in queries.folder_counts(drive.id, FileFilter("needs_attention"))
    }
    assert attention["A"] == 1 and attention[""] == 0
    missing = {c.folder: c.matching for c in queries.folder_counts(drive.id, FileFilter("missing"))}
    assert missing == {"C": 1, "": 0, "A": 0, "A/B": 0}
    names = [r.filename for r in queries.files_in_folder(drive.id, "A", FileFilter("unreviewed"))]
    assert names == ["a2.jpg"]


def test_search_matches_name_path_title_oshash_and_tags(files):
    drive, f = files
    curation.save(f["b1.mov"].id, curation.Curation(title="Boat race", tags=["regatta"]), 1, "ada")

    def found(text):
        return {
            r.filename
            for c in queries.folder_counts(drive.id, FileFilter("all", text))
            if c.matching
            for r in queries.files_in_folder(drive.id, c.folder, FileFilter("all", text))
        }

    assert found("ROOT") == {"root.jpg"}
    assert found("a/b") == {"b1.mov"}
    assert found("boat") == {"b1.mov"}
    assert found("c22a1b") == {"a2.jpg"}
    assert found("regat") == {"b1.mov"}
    assert found("nothing-like-this") == set()


def test_next_unreviewed_walks_tree_order_and_wraps(files):
    drive, f = files
    order = []
    after = None
    for _ in range(5):
        nxt = queries.next_unreviewed(drive.id, after)
        order.append(nxt.filename)
        after = (nxt.folder, nxt.filename)
    assert order == ["root.jpg", "a1.jpg", "a2.jpg", "b1.mov", "root.jpg"]
    curation.save(f["a2.jpg"].id, curation.Curation(status=int(Status.DISCARD)), 1, "ada")
    assert queries.next_unreviewed(drive.id, ("A", "a1.jpg")).filename == "b1.mov"
