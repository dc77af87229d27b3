"""The journal of unsaved edits: written in the background, read back after a crash."""

import json

from luna_desktop.catalog.curation import Curation
from luna_desktop.catalog.drafts import Draft, DraftJournal, journal_path


def _draft(uuid="u1", title="half a sentence"):
    return Draft(uuid, "Corpus", "A/x.jpg", Curation(title=title), Curation(), 1, "ada")


def test_a_recorded_draft_is_on_disk_and_read_back_by_the_next_session(tmp_path):
    path = journal_path(tmp_path / "catalog.sqlite3")
    assert path.name == "catalog.sqlite3.drafts.json"
    journal = DraftJournal(path)
    journal.record(_draft())
    assert journal.flush()
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk["drafts"][0]["values"]["title"] == "half a sentence"
    # No close(): the next session starts as if this one was killed.
    found = DraftJournal(path).pending()
    assert [(d.file_uuid, d.values.title, d.base_version) for d in found] == [
        ("u1", "half a sentence", 1)
    ]


def test_removing_keeps_other_windows_drafts(tmp_path):
    path = journal_path(tmp_path / "c.sqlite3")
    one, two = DraftJournal(path), DraftJournal(path)
    one.record(_draft("u1"))
    one.flush()
    two.record(_draft("u2", "other window"))
    two.flush()
    one.remove("u1")
    one.flush()
    assert [d.file_uuid for d in DraftJournal(path).pending()] == ["u2"]
    two.remove("u2")
    two.close()
    assert not path.exists()


def test_a_damaged_journal_is_set_aside_not_lost(tmp_path):
    path = journal_path(tmp_path / "c.sqlite3")
    path.write_text("{not json", encoding="utf-8")
    assert DraftJournal(path).pending() == []
    assert path.with_name(path.name + ".damaged").read_text(encoding="utf-8") == "{not json"


def test_leaving_a_file_keeps_an_earlier_sessions_draft_until_discarded(tmp_path):
    path = journal_path(tmp_path / "c.sqlite3")
    crashed = DraftJournal(path)
    crashed.record(_draft("u1"))
    crashed.flush()
    now = DraftJournal(path)
    now.remove("u1")  # the curator only passed through the file
    assert now.flush() and [d.file_uuid for d in DraftJournal(path).pending()] == ["u1"]
    now.discard("u1")  # asked, and said Discard
    assert now.flush() and not path.exists()


def test_flush_waits_until_the_file_is_written(tmp_path):
    path = journal_path(tmp_path / "c.sqlite3")
    journal = DraftJournal(path)
    for i in range(50):
        journal.record(_draft(f"u{i}", "x" * 10_000))
        assert journal.flush()
        assert f"u{i}" in path.read_text(encoding="utf-8")
