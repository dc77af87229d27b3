"""Albums and events in the window: an album's files in its order across drives, moved
with Alt+arrows and taken out with Delete (Ctrl+Z puts them back); an event's files by
date; Add to Album and New Event from Files over the tree's selection."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from luna_desktop.catalog import albums, events
from luna_desktop.catalog.models import Album, Event, FileEntry
from luna_desktop.ui import palette
from luna_desktop.ui.album_dialogs import (
    AddToAlbumDialog,
    NewEventDialog,
    add_selection_to_album,
    add_to_album,
    new_event_from_files,
)
from luna_desktop.ui.album_manager import AlbumManager, manage_albums
from luna_desktop.ui.collection_view import CollectionView
from luna_desktop.ui.main_window import MainWindow
from luna_desktop.ui.settings import Settings
from luna_desktop.ui.source_selector import Source
from tests.media_factory import make_jpeg
from tests.scanning import run_scan
from tests.ui_helpers import answer_next_dialog, click_in_next_dialog

ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier

# (drive, folder, name, EXIF date); "-" for no date.
FILES = [
    ("One", "1998 Wedding", "a.jpg", "1998:06:20 10:00:00"),
    ("One", "1998 Wedding", "b.jpg", "1998:06:21 12:30:00"),
    ("One", "", "c.jpg", "1998:07:02 09:00:00"),
    ("Two", "scans/box 1", "d.jpg", "1998:06:22 18:40:00"),
    ("Two", "scans/box 1", "e.jpg", "-"),
]


def scan_two_drives(root: Path) -> dict[str, int]:
    """FILES scanned as the drives One and Two; their ids by file name."""
    for drive, folder, name, taken in FILES:
        path = root / drive / folder / name
        make_jpeg(path, taken=None if taken == "-" else taken, trailer=name.encode())
    run_scan(root / "One", "One")
    run_scan(root / "Two", "Two")
    return {f.filename: f.id for f in FileEntry.select()}


@pytest.fixture
def ids(catalog, tmp_path) -> dict[str, int]:
    return scan_two_drives(tmp_path)


@pytest.fixture
def view(qtbot, ids):
    v = CollectionView()
    qtbot.addWidget(v)
    v.resize(700, 400)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.wait_for_writes()


def shown(view: CollectionView) -> list[str]:
    return [row.filename for row in view.model.rows]


def text(view: CollectionView, row: int, column: int) -> str:
    return view.model.index(row, column).data()


def in_album(name: str, ids: dict[str, int]) -> list[str]:
    by_id = {i: n for n, i in ids.items()}
    return [by_id[i] for i in albums.album_file_ids(name)]


def open_album(view: CollectionView, qtbot, name: str) -> None:
    with qtbot.waitSignal(view.loaded):
        view.show_album(name)
    view.list.setFocus()


def test_an_album_lists_its_files_in_its_order_across_drives(view, ids, qtbot):
    albums.create_album("Best of 1998")
    albums.add_files("Best of 1998", [ids["d.jpg"], ids["a.jpg"], ids["c.jpg"]])
    FileEntry.update(present=False).where(FileEntry.id == ids["c.jpg"]).execute()
    changes = []
    view.fileChanged.connect(changes.append)
    with qtbot.waitSignal(view.loaded):
        view.show_album("  Best of   1998 ")
        assert view.note.text() == "<p>Loading “Best of 1998”…</p>"
        assert view.stack.currentWidget() is view.note
    assert view.stack.currentWidget() is view.list
    assert shown(view) == ["d.jpg", "a.jpg", "c.jpg"]
    assert [text(view, 0, c) for c in range(4)] == [
        "d.jpg",
        "Two:scans/box 1",
        "1998-06-22 18:40",
        "",
    ]
    assert text(view, 1, 1) == "One:1998 Wedding"
    assert text(view, 2, 0) == "c.jpg (missing)" and text(view, 2, 1) == "One:/"
    grey = view.model.index(2, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert grey == palette.missing_color(False)
    assert view.model.index(1, 0).data(Qt.ItemDataRole.ForegroundRole) is None
    assert "3 files in album order, 1 missing" in view.caption.text()
    assert changes == [ids["d.jpg"]] and view.current_file_id() == ids["d.jpg"]

    # In a narrow panel the name keeps room; the status column goes (the glyph stays).
    view.resize(380, 400)
    qtbot.waitUntil(lambda: view.list.isColumnHidden(3))
    assert view.list.columnWidth(0) >= 150
    view.resize(900, 400)
    qtbot.waitUntil(lambda: not view.list.isColumnHidden(3))


def test_an_empty_album_says_how_to_add_files(view, ids, qtbot):
    albums.create_album("Later")
    open_album(view, qtbot, "Later")
    assert view.stack.currentWidget() is view.note
    assert "Select files in a drive's tree and press Ctrl+Shift+A" in view.note.text()
    assert view.current_file_id() is None
    with qtbot.waitSignal(view.loaded):
        view.show_album("Nope")
    assert "no album named 'Nope'" in view.note.text()


def test_j_and_k_step_through_the_list(view, ids, qtbot):
    albums.create_album("A")
    albums.add_files("A", [ids["b.jpg"], ids["e.jpg"]])
    open_album(view, qtbot, "A")
    messages = []
    view.message.connect(lambda t, _ms: messages.append(t))
    with qtbot.waitSignal(view.fileChanged) as changed:
        qtbot.keyClick(view.list, Qt.Key.Key_J)
    assert changed.args == [ids["e.jpg"]] and view.current_file_id() == ids["e.jpg"]
    qtbot.keyClick(view.list, Qt.Key.Key_J)
    assert messages == ["This is the last file in the album “A”"]
    with qtbot.waitSignal(view.fileChanged) as changed:
        qtbot.keyClick(view.list, Qt.Key.Key_K)
    assert changed.args == [ids["b.jpg"]]
    assert view.select_file_id(ids["e.jpg"]) and view.current_file_id() == ids["e.jpg"]
    assert not view.select_file_id(ids["a.jpg"])

    view.update_status(ids["e.jpg"], 2)  # saved: Upload
    view.next_unreviewed()  # from e, round to the top: b
    assert view.current_file_id() == ids["b.jpg"]
    view.update_status(ids["b.jpg"], 5)
    view.next_unreviewed()
    assert messages[-1] == "Every file in the album “A” has been reviewed"


def test_alt_arrows_move_the_selected_files_and_the_album_keeps_the_order(view, ids, qtbot):
    albums.create_album("A")
    albums.add_files("A", [ids[n] for n in ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg")])
    open_album(view, qtbot, "A")
    with qtbot.waitSignal(view.albumChanged):
        qtbot.keyClick(view.list, Qt.Key.Key_Down, ALT)
    assert shown(view) == ["b.jpg", "a.jpg", "c.jpg", "d.jpg", "e.jpg"]
    assert in_album("A", ids) == shown(view)
    assert view.current_file_id() == ids["a.jpg"]  # the moved file stays current

    qtbot.keyClick(view.list, Qt.Key.Key_Down, SHIFT)  # a and c
    with qtbot.waitSignal(view.albumChanged):
        qtbot.keyClick(view.list, Qt.Key.Key_Down, ALT)
    qtbot.waitUntil(lambda: not view.writing)
    assert shown(view) == ["b.jpg", "d.jpg", "a.jpg", "c.jpg", "e.jpg"]
    assert in_album("A", ids) == shown(view)
    assert view.selected_file_ids() == [ids["a.jpg"], ids["c.jpg"]]

    view.select_file_id(ids["b.jpg"])
    messages = []
    view.message.connect(lambda t, _ms: messages.append(t))
    qtbot.keyClick(view.list, Qt.Key.Key_Up, ALT)
    assert messages == ["Already at the top of “A”"] and not view.writing


def test_delete_takes_files_out_of_the_album_only_and_ctrl_z_puts_them_back(view, ids, qtbot):
    albums.create_album("A")
    albums.add_files("A", [ids[n] for n in ("a.jpg", "b.jpg", "c.jpg", "d.jpg")])
    open_album(view, qtbot, "A")
    view.select_file_id(ids["b.jpg"])
    qtbot.keyClick(view.list, Qt.Key.Key_Down, SHIFT)
    messages = []
    view.message.connect(lambda t, _ms: messages.append(t))
    with qtbot.waitSignal(view.fileChanged) as changed:
        qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    assert changed.args == [ids["d.jpg"]]  # the file after them
    qtbot.waitUntil(lambda: not view.writing)
    assert shown(view) == ["a.jpg", "d.jpg"] and in_album("A", ids) == ["a.jpg", "d.jpg"]
    assert FileEntry.get_or_none(FileEntry.id == ids["b.jpg"]) is not None
    assert messages[-1] == (
        "Took 2 files out of “A” (the catalogue keeps them) — Ctrl+Z puts them back"
    )
    assert "2 files in album order" in view.caption.text()

    with qtbot.waitSignal(view.albumChanged):
        qtbot.keyClick(view.list, Qt.Key.Key_Z, CTRL)
    assert shown(view) == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert in_album("A", ids) == shown(view)
    assert messages[-1] == "Put 2 files back into “A”"
    assert view.current_file_id() == ids["b.jpg"]
    assert not view.editor.can_put_back()


def test_unsaved_edits_can_keep_the_current_file(ids, qtbot):
    """The window's may_leave: False (the curator cancelled) keeps the file and its row."""
    answers: list[bool] = []
    view = CollectionView(may_leave=lambda: answers.pop(0))
    qtbot.addWidget(view)
    view.show()
    albums.create_album("A")
    albums.add_files("A", [ids["a.jpg"], ids["b.jpg"]])
    open_album(view, qtbot, "A")
    answers[:] = [False, False]
    qtbot.keyClick(view.list, Qt.Key.Key_J)
    qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    assert answers == [] and view.current_file_id() == ids["a.jpg"]
    assert shown(view) == ["a.jpg", "b.jpg"] and not view.writing
    answers[:] = [True]
    qtbot.keyClick(view.list, Qt.Key.Key_J)
    assert view.current_file_id() == ids["b.jpg"] and view.list.currentIndex().row() == 1


def test_a_save_after_delete_leaves_ctrl_z_to_the_window(view, ids, qtbot):
    albums.create_album("A")
    albums.add_files("A", [ids["a.jpg"], ids["b.jpg"]])
    open_album(view, qtbot, "A")
    qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    assert view.editor.can_put_back()
    view.update_status(ids["b.jpg"], 2)  # what the window does after a save
    assert not view.editor.can_put_back()
    assert text(view, 0, 3) == "Upload"


def test_an_event_lists_the_files_dated_within_it_by_date(view, ids, qtbot):
    events.create_event("Wedding", "1998-06-20", "1998-06-22")
    with qtbot.waitSignal(view.loaded):
        view.show_event("Wedding")
    assert shown(view) == ["a.jpg", "b.jpg", "d.jpg"]  # not c (July) nor e (no date)
    assert "20 June 1998 – 22 June 1998 · 3 files by date" in view.caption.text()
    messages = []
    view.message.connect(lambda t, _ms: messages.append(t))
    view.list.setFocus()
    qtbot.keyClick(view.list, Qt.Key.Key_Delete)
    qtbot.keyClick(view.list, Qt.Key.Key_Down, ALT)
    assert len(messages) == 2 and all("is an event" in m for m in messages)
    assert shown(view) == ["a.jpg", "b.jpg", "d.jpg"] and not view.writing

    FileEntry.update(date="1998-07-01").where(FileEntry.id == ids["b.jpg"]).execute()
    with qtbot.waitSignal(view.loaded):
        view.reload()
    assert shown(view) == ["a.jpg", "d.jpg"]
    with qtbot.waitSignal(view.loaded):
        events.create_event("Later", "2001")
        view.show_event("Later")
    assert "No file is dated within “Later”" in view.note.text()


# -- the dialogs, over a real window -------------------------------------------------------


@pytest.fixture
def window(qtbot, ids):
    settings = Settings()
    settings.curator_name = "ada"
    settings.last_drive = "One"
    w = MainWindow(settings)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.controller.discard()
    w.close()
    w.deleteLater()


def in_next_dialog(kind, act):
    """Run `act(dialog)` on the next modal dialog of type `kind`; returns what it saw."""
    seen: list = []

    def respond(attempts: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            if attempts < 300:
                QTimer.singleShot(10, lambda: respond(attempts + 1))
            return
        seen.append(dialog)
        act(dialog)

    QTimer.singleShot(0, respond)
    return seen


def type_and_enter(widget, text: str):
    from pytestqt.qtbot import QtBot

    QtBot.keyClicks(widget, text)
    QtBot.keyClick(widget, Qt.Key.Key_Return)


def select_folder(w: MainWindow, qtbot, folder: str) -> None:
    qtbot.waitUntil(lambda: w.model.folder_index(folder) is not None)
    assert w.panel.select_folder(folder)
    w.tree.setFocus()


def test_add_to_album_makes_the_album_and_says_what_was_already_in_it(window, ids, qtbot):
    w = window
    select_folder(w, qtbot, "1998 Wedding")  # a folder: the files the tree shows in it
    headings = []

    def name_it(dialog: AddToAlbumDialog) -> None:
        headings.append(dialog.heading.text())
        type_and_enter(dialog.album.lineEdit(), "Wedding")

    in_next_dialog(AddToAlbumDialog, name_it)
    add_selection_to_album(w)
    qtbot.waitUntil(lambda: "Made the album" in w.statusBar().currentMessage())
    assert headings == ["Add the files in “1998 Wedding” to the &album:"]
    assert w.statusBar().currentMessage() == "Made the album “Wedding” with 2 files"
    assert in_album("Wedding", ids) == ["a.jpg", "b.jpg"]

    # Again with one more file: the album offered first is the one used last.
    offered = []

    def choose(dialog):
        offered.append(dialog.album.currentText())
        qtbot.keyClick(dialog.album.lineEdit(), Qt.Key.Key_Return)

    albums.create_album("Another")
    in_next_dialog(AddToAlbumDialog, choose)
    added = []
    add_to_album(w, [ids["b.jpg"], ids["d.jpg"], ids["a.jpg"]], on_added=added.append)
    qtbot.waitUntil(lambda: added == ["Wedding"])
    assert offered == ["Wedding"]
    assert w.statusBar().currentMessage() == "Added 1 file to “Wedding” (2 were already in it)"
    assert in_album("Wedding", ids) == ["a.jpg", "b.jpg", "d.jpg"]
    assert in_album("Another", ids) == []

    # A known name typed in another case is that album, not a new one.
    in_next_dialog(AddToAlbumDialog, lambda d: type_and_enter(d.album.lineEdit(), " WEDDING"))
    add_to_album(w, [ids["c.jpg"]], on_added=added.append)
    qtbot.waitUntil(lambda: len(added) == 2)
    assert w.statusBar().currentMessage() == "Added 1 file to “Wedding”"
    assert Album.select().count() == 2 and in_album("Wedding", ids)[-1] == "c.jpg"


def test_add_to_album_is_cancelled_with_esc(window, ids, qtbot):
    w = window
    seen = in_next_dialog(
        AddToAlbumDialog, lambda d: qtbot.keyClick(d.album.lineEdit(), Qt.Key.Key_Escape)
    )
    add_to_album(w, [ids["a.jpg"]])
    assert seen and Album.select().count() == 0


def test_new_event_from_files_takes_the_files_dates(window, ids, qtbot):
    w = window
    spans = []

    def name_it(dialog: NewEventDialog):
        qtbot.waitUntil(lambda: dialog.span is not None)
        spans.append(dialog.span_label.text())
        type_and_enter(dialog.name_edit, "Wedding")

    in_next_dialog(NewEventDialog, name_it)
    made = []
    chosen = [ids["b.jpg"], ids["a.jpg"], ids["d.jpg"], ids["e.jpg"]]
    new_event_from_files(w, chosen, on_made=made.append)
    qtbot.waitUntil(lambda: made == ["Wedding"])
    assert spans == ["20 June 1998 – 22 June 1998, from 4 files; 1 has no date"]
    event = Event.get(Event.name == "Wedding")
    assert (event.starts_at, event.ends_at) == ("1998-06-20", "1998-06-22")
    assert w.statusBar().currentMessage() == "Made the event “Wedding”: 20 June 1998 – 22 June 1998"
    assert set(events.files_in_event("Wedding")) == {ids["a.jpg"], ids["b.jpg"], ids["d.jpg"]}


def test_new_event_to_the_minute_and_files_without_dates(window, ids, qtbot):
    w = window

    def exact(dialog: NewEventDialog):
        qtbot.waitUntil(lambda: dialog.span is not None)
        dialog.whole_days.setChecked(False)
        type_and_enter(dialog.name_edit, "Vows")

    in_next_dialog(NewEventDialog, exact)
    made = []
    new_event_from_files(w, [ids["a.jpg"], ids["b.jpg"]], on_made=made.append)
    qtbot.waitUntil(lambda: made == ["Vows"])
    event = Event.get(Event.name == "Vows")
    assert (event.starts_at, event.ends_at) == ("1998-06-20T10:00:00", "1998-06-21T12:30:00")

    said = []

    def undated(dialog: NewEventDialog):
        qtbot.waitUntil(lambda: dialog.span is not None)
        said.append(
            (
                dialog.span_label.text(),
                dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled(),
            )
        )
        type_and_enter(dialog.name_edit, "Nothing")  # Enter cannot create it
        said.append(dialog.isVisible())
        dialog.reject()

    in_next_dialog(NewEventDialog, undated)
    new_event_from_files(w, [ids["e.jpg"]])
    assert said == [("The file has no date: an event needs one", False), True]
    assert not Event.select().where(Event.name == "Nothing").exists()


def test_albums_and_events_are_renamed_and_deleted_with_their_counts(window, ids, qtbot):
    albums.create_album("Wedding")
    albums.add_files("Wedding", [ids["a.jpg"], ids["c.jpg"]])
    events.create_event("June", "1998-06")
    changes: list[dict] = []
    seen: list[list[str]] = []

    def act(dialog: AlbumManager) -> None:
        qtbot.waitUntil(lambda: bool(dialog.counts))  # counted off the GUI thread
        seen.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        answer_next_dialog(text="Wedding 1998")
        qtbot.keyClick(dialog.list, Qt.Key.Key_F2)
        qtbot.waitUntil(lambda: len(changes) == 1)
        dialog.list.setCurrentRow(1)
        click_in_next_dialog("confirm_delete")
        qtbot.keyClick(dialog.list, Qt.Key.Key_Delete)
        qtbot.waitUntil(lambda: len(changes) == 2)
        seen.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        qtbot.keyClick(dialog.list, Qt.Key.Key_Escape)

    in_next_dialog(AlbumManager, act)
    manage_albums(window, on_changed=lambda **said: changes.append(said))
    assert seen == [
        ["Album · Wedding    (2 files)", "Event · June    (June 1998, 3 files)"],
        ["Album · Wedding 1998    (2 files)"],
    ]
    assert in_album("Wedding 1998", ids) == ["a.jpg", "c.jpg"]
    assert not Event.select().exists() and FileEntry.select().count() == len(FILES)
    # The selector hears of a rename as one, so an album on show stays shown.
    assert changes == [
        {"renamed": (Source("album", "Wedding"), Source("album", "Wedding 1998"))},
        {},
    ]
