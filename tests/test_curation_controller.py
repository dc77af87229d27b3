"""The save / leave / conflict flow, driven without dialogs: scripted answers."""

import sqlite3

import pytest

from luna_desktop.catalog import curation
from luna_desktop.catalog.models import Drive, FileEntry
from luna_desktop.ui.curation_controller import CurationController
from luna_desktop.ui.curation_form import CurationForm
from luna_desktop.ui.prompts import Leave


class Script:
    """Answers the controller's questions as a test says, and keeps what it was told."""

    def __init__(self, leave=Leave.CANCEL, new_group=True, conflict=None):
        self.leave, self.new_group, self.conflict = leave, new_group, conflict
        self.told: list[str] = []
        self.asked: list[str] = []

    def unsaved_edits(self, filename):
        self.asked.append(filename)
        return self.leave

    def new_project_group(self, group):
        self.asked.append(group)
        return self.new_group

    def resolve_conflict(self, conflict):
        self.asked.append(", ".join(conflict.fields))
        return self.conflict

    def cannot_save(self, text, edits, still_in_form=True):
        self.told.append(f"{text} | {edits}")

    def tell(self, title, text):
        self.told.append(text)


@pytest.fixture
def flow(qtbot, catalog):
    form = CurationForm()
    qtbot.addWidget(form)
    script = Script()
    controller = CurationController(form, script, lambda: "ada")
    drive = Drive.create(name="D")
    row = FileEntry.create(drive=drive, folder="f", filename="a.jpg")
    controller.open(FileEntry.get_by_id(row.id))
    return controller, form, script, row


def test_a_locked_catalogue_while_adding_a_group_keeps_the_words(flow, catalog):
    controller, form, script, row = flow
    form.group.setEditText("A new group")
    catalog.execute_sql("PRAGMA busy_timeout=100")
    holder = sqlite3.connect(catalog.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert not controller.save()  # no exception: a message, and the words stay
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert script.asked == ["A new group"] and "could not be written" in script.told[0]
    assert form.group.currentText() == "A new group" and form.is_dirty()
    assert controller.save()
    assert FileEntry.get_by_id(row.id).project_group.name == "A new group"


def test_leaving_asks_and_does_what_was_answered(flow):
    controller, form, script, row = flow
    form.title.setText("words")
    form.title.textEdited.emit("words")
    assert form.is_dirty()
    assert not controller.confirm_leaving() and script.asked == ["a.jpg"]  # Cancel
    script.leave = Leave.DISCARD
    assert controller.confirm_leaving() and form.title.text() == "" and not form.is_dirty()
    form.title.setText("kept")
    form.title.textEdited.emit("kept")
    script.leave = Leave.SAVE
    assert controller.confirm_leaving()
    assert FileEntry.get_by_id(row.id).title == "kept"


def test_a_conflict_answered_keep_editing_writes_nothing(flow):
    controller, form, script, row = flow
    curation.replace(row.id, curation.Curation(title="theirs", notes="their note"), "bob")
    form.title.setText("mine")
    form.title.textEdited.emit("mine")
    assert not controller.save()
    assert script.asked == ["title"]
    assert FileEntry.get_by_id(row.id).title == "theirs"
    assert (form.title.text(), form.notes.toPlainText()) == ("mine", "their note")
    script.conflict = (set(), {"title"})  # now: mine stands
    curation.replace(row.id, curation.Curation(title="theirs 2", notes="their note"), "bob")
    assert controller.save()
    assert FileEntry.get_by_id(row.id).title == "mine"


def test_a_save_on_a_full_disk_says_so_and_keeps_the_words(flow, catalog):
    controller, form, script, row = flow
    pages = catalog.execute_sql("PRAGMA page_count").fetchone()[0]
    catalog.execute_sql(f"PRAGMA max_page_count = {pages}")  # the disk is full now
    form.description.setPlainText("x" * 200_000)
    try:
        assert not controller.save()
    finally:
        catalog.execute_sql("PRAGMA max_page_count = 1073741823")
    assert "could not be written" in script.told[0]
    assert "is full: free some space" in script.told[0]
    assert form.is_dirty() and len(form.description.toPlainText()) == 200_000
    assert controller.save()  # space again: the same words are saved
    assert len(FileEntry.get_by_id(row.id).description) == 200_000
