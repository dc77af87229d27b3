"""Saving curation: edit log, reviewed stamps, versions, conflicts, and the tree's queries."""

import pytest

from luna_desktop.catalog import curation, queries
from luna_desktop.catalog.models import Drive, EditLog, FileEntry, FileTag, ProjectGroup, Tag
from luna_desktop.catalog.queries import FileFilter
from luna_desktop.catalog.search import search
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
    saved = curation.save(fid, new, loaded.curation, loaded.version, "ada")
    assert saved.version == 2 and saved.curation.title == "Harbour at dusk"
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
    assert curation.save(fid, loaded.curation, loaded.curation, loaded.version, "ada").version == 2
    assert FileEntry.get_by_id(fid).reviewed_by == "ada"
    assert EditLog.select().count() == 0


def test_the_same_field_changed_twice_is_a_conflict_and_changes_nothing(files):
    _, f = files
    fid = f["a2.jpg"].id
    loaded = curation.load(fid)
    first = curation.Curation(**{**loaded.curation.__dict__, "title": "mine", "notes": "n"})
    curation.save(fid, first, loaded.curation, loaded.version, "ada")
    second = curation.Curation(**{**loaded.curation.__dict__, "title": "theirs", "status": 2})
    with pytest.raises(curation.ConflictError, match="changed elsewhere by ada") as caught:
        curation.save(fid, second, loaded.curation, loaded.version, "bob")
    assert caught.value.fields == {"title": curation.FieldConflict("", "mine", "theirs")}
    assert caught.value.version == 2
    row = FileEntry.get_by_id(fid)
    assert (row.title, row.status, row.version) == ("mine", 1, 2)
    assert EditLog.select().count() == 2


def test_different_fields_changed_by_two_curators_are_both_kept(files):
    _, f = files
    fid = f["a2.jpg"].id
    base = curation.load(fid)
    ada = curation.Curation(**{**base.curation.__dict__, "title": "Pier", "tags": ["sea"]})
    curation.save(fid, ada, base.curation, base.version, "ada")
    # Bob loaded the file before Ada saved, and changed other fields (and one the same way).
    bob = curation.Curation(
        **{**base.curation.__dict__, "status": 2, "notes": "ok", "tags": ["sea"]}
    )
    saved = curation.save(fid, bob, base.curation, base.version, "bob")
    assert saved.kept_theirs == ["title"]
    row = FileEntry.get_by_id(fid)
    assert (row.title, row.status, row.notes, row.version) == ("Pier", 2, "ok", 3)
    assert queries.file_tags(fid, "curator") == ["sea"]
    log = [(e.field, e.old_value, e.new_value, e.by) for e in curation.edit_log(fid)]
    assert ("title", "", "Pier", "ada") in log and ("status", "unreviewed", "upload", "bob") in log
    assert not any(e[0] == "title" and e[3] == "bob" for e in log)


def test_a_conflict_resolved_field_by_field(files):
    _, f = files
    fid = f["a2.jpg"].id
    base = curation.load(fid)
    curation.replace(fid, curation.Curation(title="theirs", notes="their note"), "bob")
    mine = curation.Curation(**{**base.curation.__dict__, "title": "mine", "notes": "my note"})
    with pytest.raises(curation.ConflictError) as caught:
        curation.save(fid, mine, base.curation, base.version, "ada")
    assert set(caught.value.fields) == {"title", "notes"}
    # Keep their title, and my notes (saved against what the row holds now).
    now = curation.load(fid)
    saved = curation.save(fid, mine, now.curation, now.version, "ada", keep_theirs={"title"})
    assert (saved.curation.title, saved.curation.notes) == ("theirs", "my note")


def test_a_row_that_is_gone_says_so(files):
    _, f = files
    fid = f["a2.jpg"].id
    base = curation.load(fid)
    FileEntry.delete_by_id(fid)
    with pytest.raises(curation.RowGoneError):
        curation.save(fid, base.curation, base.curation, base.version, "ada")


def test_keyword_tags_are_not_touched_by_curator_tags(files):
    _, f = files
    fid = f["a1.jpg"].id
    kw = Tag.create(name="iptc-keyword")
    FileTag.create(file=fid, tag=kw, source="keyword")
    loaded = curation.load(fid)
    assert loaded.curation.tags == []
    mine = curation.Curation(**{**loaded.curation.__dict__, "tags": ["mine"]})
    curation.save(fid, mine, loaded.curation, 1, "ada")
    assert queries.file_tags(fid, "keyword") == ["iptc-keyword"]
    assert queries.file_tags(fid, "curator") == ["mine"]


def test_folder_counts_and_filters(files):
    drive, f = files
    curation.replace(f["a1.jpg"].id, curation.Curation(status=int(Status.NEEDS_ATTENTION)), "ada")
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


def _found(drive, text, chip="all"):
    """The filenames the tree would show for a search, through the same two steps."""
    hits = search(drive.id, text, chip)
    shown = set()
    for c in queries.folder_counts(drive.id, FileFilter(chip, text), hits):
        if c.matching:
            ids = None if c.folder in hits.folders else hits.files[c.folder]
            rows = queries.files_in_folder(drive.id, c.folder, FileFilter(chip), ids)
            shown |= {r.filename for r in rows}
    return shown


def test_search_matches_name_path_title_oshash_and_tags(files):
    drive, f = files
    curation.replace(f["b1.mov"].id, curation.Curation(title="Boat race", tags=["regatta"]), "ada")
    assert _found(drive, "ROOT") == {"root.jpg"}
    assert _found(drive, "a/b") == {"b1.mov"}  # the folder's path
    assert _found(drive, "boat") == {"b1.mov"}
    assert _found(drive, "c22a1b") == {"a2.jpg"}
    assert _found(drive, "regat") == {"b1.mov"}
    assert _found(drive, "race boat") == {"b1.mov"}  # every word, in any order
    assert _found(drive, "nothing-like-this") == set()
    assert _found(drive, "a1", "unreviewed") == {"a1.jpg"}
    assert _found(drive, "c1") == set() and _found(drive, "c1", "missing") == {"c1.jpg"}


def test_search_ignores_case_and_accents_and_takes_every_character_literally(catalog):
    drive = Drive.create(name="D")
    for name in ("Ærøskøbing.jpg", "CAFÉ_crème.jpg", "Straße 5.jpg", "100%_sure.jpg", "axb.jpg"):
        FileEntry.create(drive=drive, folder="Ελλάδα", filename=name)
    FileEntry.create(drive=drive, folder="other", filename="a_b.jpg")
    assert _found(drive, "cafe_CREME") == {"CAFÉ_crème.jpg"}
    assert _found(drive, "ærøskø") == {"Ærøskøbing.jpg"}
    assert _found(drive, "STRASSE") == {"Straße 5.jpg"}
    assert _found(drive, "0%_") == {"100%_sure.jpg"}
    assert _found(drive, "a_b") == {"a_b.jpg"}  # "_" is not a wildcard: axb.jpg stays out
    assert _found(drive, "%") == {"100%_sure.jpg"}
    assert len(_found(drive, "ελλαδα")) == 5  # the folder's path, without its accent


def test_search_stops_at_its_limit_and_says_so(catalog):
    drive = Drive.create(name="D")
    for i in range(30):
        FileEntry.create(drive=drive, folder=f"f{i % 3}", filename=f"pic{i:02d}.jpg")
    hits = search(drive.id, "pic", limit=10)
    assert hits.file_count == 10 and hits.truncated
    whole = search(drive.id, "pic", limit=30)
    assert whole.file_count == 30 and not whole.truncated


def test_next_unreviewed_walks_tree_order_and_wraps(files):
    drive, f = files
    order = []
    after = None
    for _ in range(5):
        nxt = queries.next_unreviewed(drive.id, after)
        order.append(nxt.filename)
        after = (nxt.folder, nxt.filename)
    assert order == ["root.jpg", "a1.jpg", "a2.jpg", "b1.mov", "root.jpg"]
    curation.replace(f["a2.jpg"].id, curation.Curation(status=int(Status.DISCARD)), "ada")
    assert queries.next_unreviewed(drive.id, ("A", "a1.jpg")).filename == "b1.mov"


def test_next_unreviewed_keeps_to_a_searchs_hits(files):
    drive, f = files
    curation.replace(f["root.jpg"].id, curation.Curation(title="pier"), "ada")
    hits = search(drive.id, "a")  # a1, a2 by name; folders A and A/B by path
    order, after = [], None
    for _ in range(4):
        nxt = queries.next_unreviewed(drive.id, after, hits)
        order.append(nxt.filename)
        after = (nxt.folder, nxt.filename)
    assert order == ["a1.jpg", "a2.jpg", "b1.mov", "a1.jpg"]
    assert queries.next_unreviewed(drive.id, None, search(drive.id, "pier")).filename == (
        "root.jpg"
    )
    assert queries.next_unreviewed(drive.id, None, search(drive.id, "zzz")) is None


def test_a_search_stops_when_asked_or_out_of_time_and_says_so(catalog):
    drive = Drive.create(name="D")
    FileEntry.insert_many(
        [
            {"drive": drive, "folder": f"f{i % 50}", "filename": f"pic{i:05d}.jpg"}
            for i in range(3000)
        ]
    ).execute()
    assert not search(drive.id, "pic").interrupted
    superseded = search(drive.id, "zz", should_stop=lambda: True)
    assert superseded.interrupted and superseded.file_count == 0
    out_of_time = search(drive.id, "q", budget_s=0)
    assert out_of_time.interrupted
    # The connection is left as it was: the next search runs to its end.
    assert search(drive.id, "pic00001").files == {"f1": [2]}


def test_a_save_never_lands_on_another_file_that_took_the_rows_id(files):
    _, f = files
    row = f["a2.jpg"]
    base = curation.load(row.id)
    # A relink deleted the row; a later scan's new file was given the same id.
    FileEntry.delete_by_id(row.id)
    FileEntry.create(id=row.id, drive=row.drive, folder="X", filename="stranger.jpg")
    mine = curation.Curation(**{**base.curation.__dict__, "title": "Grandmother's letter"})
    with pytest.raises(curation.RowGoneError):
        curation.save(row.id, mine, base.curation, base.version, "ada", expected_uuid=row.uuid)
    assert FileEntry.get_by_id(row.id).title == ""


def test_undoing_a_date_puts_back_no_date_not_the_prefill(files):
    """A date never set is prefilled from the date taken (2008-10-22T16:28:39); undoing
    a date change must leave it unset again, so the exact time taken counts again."""
    _, f = files
    file_id = f["a1.jpg"].id
    curation.set_fields([file_id], {"date": "2008-10"}, "ada")
    assert curation.undo_last("ada") is not None
    assert FileEntry.get_by_id(file_id).date is None

    loaded = curation.load(file_id)
    changed = curation.Curation(**{**loaded.curation.__dict__, "date": "2008"})
    curation.save(file_id, changed, loaded.curation, loaded.version, "ada")  # the form
    assert curation.undo_last("ada") is not None
    assert FileEntry.get_by_id(file_id).date is None
