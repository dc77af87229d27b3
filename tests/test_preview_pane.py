"""The preview pane with real decodes in its worker process (pytest-qt)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys

import psutil
import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QPalette, QShortcut
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from luna_desktop.ui.facts_panel import FactsPanel
from luna_desktop.ui.preview_pane import PreviewPane
from luna_desktop.ui.preview_process import CRASH_MESSAGE
from tests.crashing_decoder import CRASH_NAME, STUCK_NAME, decode_or_die

S4 = "Phone/DCIM/Camera/Samsung GT-I9505 (Galaxy S4).jpg"


@pytest.fixture
def pane(qtbot):
    widget = PreviewPane()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def image_facts(relpath: str, **extra) -> dict:
    facts = {
        "kind": "image",
        "mime": "image/jpeg",
        "size": 1000,
        "display_path": relpath,
        "missing": False,
    }
    facts.update(extra)
    return facts


def path_of(corpus, relpath: str) -> bytes:
    return os.fsencode(corpus / relpath)


def visible_message(pane: PreviewPane) -> tuple[str, str]:
    """(headline, file name) as the curator sees them; asserts they are on screen."""
    message = pane.findChild(QWidget, "previewMessage")
    assert message is not None and message.isVisible()
    headline = pane.findChild(QLabel, "previewHeadline")
    name = pane.findChild(QLabel, "previewFileName")
    return headline.text(), name.text() if name.isVisible() else ""


def test_shows_a_jpeg_and_its_facts(pane, qtbot, corpus):
    facts = image_facts(
        S4,
        size=1936020,
        width=4128,
        height=2322,
        camera_make="SAMSUNG",
        camera_model="GT-I9505",
        taken_at="2013-07-14T12:34:56",
        lat=51.5,
        lng=-0.123456789,
    )
    with qtbot.waitSignal(pane.rendered, timeout=5000) as blocker:
        pane.show_file(7, path_of(corpus, S4), facts)
    assert blocker.args == [7]
    view = pane.image_view
    assert view.isVisible() and view.has_image()
    assert pane.placeholder_text == ""
    # Decoded to fit the view, not at the full 4128 × 2322.
    width, height = view.pixmap_size()
    assert width <= view.width() and height <= view.height()
    assert width == view.width() or height == view.height()
    facts_panel = pane.findChild(QWidget, "previewFacts")
    texts = {label.objectName(): label.text() for label in facts_panel.findChildren(QLabel)}
    assert texts["fact_size"] == "1.9 MB"
    assert texts["fact_dimensions"] == "4128 × 2322"
    assert texts["fact_camera"] == "SAMSUNG GT-I9505"
    assert texts["fact_taken"] == "2013-07-14 12:34:56"
    assert texts["fact_gps"] == "51.50000, -0.12346"


def test_drive_not_mounted(pane, qtbot):
    facts = image_facts("Phone/IMG_1.jpg", drive="PHS_copyALL")
    with qtbot.waitSignal(pane.failed, timeout=1000) as blocker:
        pane.show_file(1, None, facts)
    message = "Drive not mounted — connect PHS_copyALL to see this file"
    assert blocker.args == [1, message]
    assert visible_message(pane) == (message, "IMG_1.jpg")
    assert pane.decodes_started == 0


def test_missing_file(pane, qtbot, corpus):
    facts = image_facts("Recovered/gone.jpg", missing=True)
    with qtbot.waitSignal(pane.failed, timeout=1000):
        pane.show_file(2, path_of(corpus, "Recovered/gone.jpg"), facts)
    assert visible_message(pane) == ("File is missing from the drive", "gone.jpg")


def test_other_kinds_get_a_card_without_decoding(pane, qtbot):
    other = {"kind": "other", "mime": "application/zip", "size": 10, "display_path": "a.zip"}
    with qtbot.waitSignal(pane.presented, timeout=1000):
        pane.show_file(4, b"/nowhere/a.zip", other)
    assert visible_message(pane) == ("No preview for this kind of file", "a.zip")
    assert pane.decodes_started == 0


def test_decode_error_is_shown_and_signalled(pane, qtbot, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20)
    with qtbot.waitSignal(pane.failed, timeout=5000) as blocker:
        pane.show_file(5, os.fsencode(broken), image_facts("Recovered/broken.jpg"))
    file_id, message = blocker.args
    assert file_id == 5 and message.startswith("Cannot show this file: ")
    headline, name = visible_message(pane)
    assert headline == message and name == "broken.jpg"


def test_drive_unplugged_since_the_scan(pane, qtbot, tmp_path):
    with qtbot.waitSignal(pane.failed, timeout=5000) as blocker:
        pane.show_file(6, os.fsencode(tmp_path / "gone.jpg"), image_facts("x/gone.jpg"))
    assert blocker.args[1] == (
        "Cannot show this file: the file is not there (is the drive mounted?)"
    )


def test_holding_j_never_queues_stale_decodes(pane, qtbot, corpus):
    jpegs = sorted(p for p in corpus.rglob("*.jpg") if "Recovered" not in str(p))[:30]
    assert len(jpegs) == 30
    rendered: list[int] = []
    pane.rendered.connect(rendered.append)
    for file_id, path in enumerate(jpegs, start=100):
        relpath = str(path.relative_to(corpus))
        pane.show_file(file_id, os.fsencode(path), image_facts(relpath))
    last = 100 + len(jpegs) - 1
    qtbot.waitUntil(lambda: rendered == [last], timeout=5000)
    qtbot.wait(300)  # nothing else turns up late
    assert rendered == [last]
    # The first decode was already running; everything after it but the last was dropped.
    assert pane.decodes_started <= 2
    assert pane.current_file_id == last


def test_a_result_for_a_file_no_longer_current_is_discarded(pane, qtbot, corpus):
    rendered: list[int] = []
    pane.rendered.connect(rendered.append)
    pane.show_file(1, path_of(corpus, S4), image_facts(S4))
    pane.show_file(2, None, image_facts("elsewhere/x.jpg"))  # not mounted: no decode
    qtbot.waitUntil(lambda: pane.decodes_started == 1 and not pane._decoder.busy, timeout=5000)
    qtbot.wait(100)
    assert rendered == []
    assert pane.placeholder_text.startswith("Drive not mounted")


def test_going_back_uses_the_cache_and_prefetch_saves_a_decode(pane, qtbot, corpus):
    a, b, c = "2008 Tuscany Trip/DSCN0010.jpg", "2008 Tuscany Trip/DSCN0012.jpg", S4
    for file_id, relpath in ((1, a), (2, b)):
        with qtbot.waitSignal(pane.rendered, timeout=5000):
            pane.show_file(file_id, path_of(corpus, relpath), image_facts(relpath))
    assert pane.decodes_started == 2
    with qtbot.waitSignal(pane.rendered, timeout=1000):
        pane.show_file(1, path_of(corpus, a), image_facts(a))
    assert pane.decodes_started == 2  # from the cache

    pane.prefetch(3, path_of(corpus, c))
    qtbot.waitUntil(lambda: pane.decodes_started == 3 and not pane._decoder.busy, timeout=5000)
    with qtbot.waitSignal(pane.rendered, timeout=1000):
        pane.show_file(3, path_of(corpus, c), image_facts(c))
    assert pane.decodes_started == 3


def test_toggle_zoom_decodes_full_size_and_back(pane, qtbot, corpus):
    with qtbot.waitSignal(pane.rendered, timeout=5000):
        pane.show_file(1, path_of(corpus, S4), image_facts(S4))
    view = pane.image_view
    assert view.pixmap_size()[0] <= 800
    pane.toggle_zoom()
    assert pane.is_zoomed()
    assert view.scale() == pytest.approx(1.0)
    qtbot.waitUntil(lambda: view.pixmap_size() == (4128, 2322), timeout=5000)
    # Panning by dragging moves the picture; keys + and - zoom further.
    before = view._image_rect().topLeft()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
    qtbot.mouseMove(view, QPoint(300, 250))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(300, 250))
    after = view._image_rect().topLeft()
    assert (after.x() - before.x(), after.y() - before.y()) == (-100, -50)
    qtbot.keyClick(pane, Qt.Key.Key_Plus)
    assert view.scale() == pytest.approx(1.25)
    pane.toggle_zoom()
    assert not pane.is_zoomed()
    assert view.scale() < 0.25

    # The next file opens fitted, decoded for the pane, even after a zoomed one.
    pane.toggle_zoom()
    other = "2012-06 Dublin/Canon Powershot S90.jpg"
    with qtbot.waitSignal(pane.rendered, timeout=5000):
        pane.show_file(2, path_of(corpus, other), image_facts(other))
    assert not pane.is_zoomed()
    assert view.pixmap_size()[0] <= 800


def test_double_click_toggles_zoom(pane, qtbot, corpus):
    with qtbot.waitSignal(pane.rendered, timeout=5000):
        pane.show_file(1, path_of(corpus, S4), image_facts(S4))
    qtbot.mouseDClick(pane.image_view, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
    assert pane.is_zoomed()
    qtbot.mouseDClick(pane.image_view, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
    assert not pane.is_zoomed()


def test_a_bigger_pane_gets_a_sharper_decode(qtbot, corpus):
    pane = PreviewPane()
    qtbot.addWidget(pane)
    pane.resize(400, 300)
    pane.show()
    qtbot.waitExposed(pane)
    with qtbot.waitSignal(pane.rendered, timeout=5000):
        pane.show_file(1, path_of(corpus, S4), image_facts(S4))
    small = pane.image_view.pixmap_size()
    assert small[0] <= 400
    pane.resize(1000, 800)
    qtbot.waitUntil(lambda: pane.image_view.pixmap_size()[0] > 900, timeout=5000)
    assert pane.decodes_started == 2


def test_text_files_show_their_beginning(pane, qtbot, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Roll 12: harbour, dusk\n" * 5000, encoding="utf-8")  # > 64 KB
    facts = {"kind": "document", "mime": "text/plain", "size": notes.stat().st_size}
    facts["display_path"] = "notes.txt"
    with qtbot.waitSignal(pane.rendered, timeout=5000):
        pane.show_file(9, os.fsencode(notes), facts)
    text = pane.findChild(QPlainTextEdit, "previewText")
    assert text.isVisible() and text.isReadOnly()
    assert text.toPlainText().startswith("Roll 12: harbour, dusk\n")
    assert text.toPlainText().endswith("(only the first 64 KB is shown)")


def test_incomplete_file_is_rendered_and_flagged(pane, qtbot, corpus, tmp_path):
    whole = (corpus / "2008 Tuscany Trip/DSCN0010.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    with qtbot.waitSignal(pane.rendered, timeout=5000):
        pane.show_file(1, os.fsencode(cut), image_facts("cut.jpg"))
    assert "incomplete file" in pane.findChild(QLabel, "fact_extra").text()
    assert pane.image_view._badge == "Incomplete file"


def test_clear_focus_and_no_shortcuts_of_its_own(pane):
    assert pane.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert pane.findChildren(QShortcut) == [] and pane.findChildren(QAction) == []
    assert pane.actions() == []
    pane.show_file(1, None, image_facts("a.jpg"))
    pane.clear()
    assert visible_message(pane) == ("Select a file", "")
    assert pane.current_file_id is None


# --- the decoder runs in a worker process ----------------------------------------------


def worker_alive(pid: int | None) -> bool:
    """Is that worker process still there (a zombie counts as gone)?"""
    if pid is None:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def a_copy_named(corpus, tmp_path, name: str) -> bytes:
    target = tmp_path / name
    shutil.copyfile(corpus / S4, target)
    return os.fsencode(target)


def test_a_decoder_crash_is_shown_on_that_file_and_the_next_file_previews(qtbot, corpus, tmp_path):
    pane = PreviewPane(decode=decode_or_die)
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    a, b = "2008 Tuscany Trip/DSCN0010.jpg", "2012-06 Dublin/Canon Powershot S90.jpg"
    with qtbot.waitSignal(pane.rendered, timeout=10000):
        pane.show_file(1, path_of(corpus, a), image_facts(a))
    first_worker = pane._decoder.process.pid
    assert worker_alive(first_worker) and first_worker != os.getpid()

    crashing = a_copy_named(corpus, tmp_path, CRASH_NAME)
    with qtbot.waitSignal(pane.failed, timeout=10000) as blocker:
        pane.show_file(2, crashing, image_facts(f"Phone/{CRASH_NAME}"))
    assert blocker.args == [2, CRASH_MESSAGE]
    headline, name = visible_message(pane)
    assert headline == CRASH_MESSAGE and "Luna is fine" in headline and name == CRASH_NAME
    # That worker is gone; Luna (this process) carries on and has started a fresh one.
    qtbot.waitUntil(lambda: not worker_alive(first_worker), timeout=10000)

    with qtbot.waitSignal(pane.rendered, timeout=10000) as blocker:
        pane.show_file(3, path_of(corpus, b), image_facts(b))
    assert blocker.args == [3]
    assert pane.image_view.has_image() and pane.placeholder_text == ""
    second_worker = pane._decoder.process.pid
    assert worker_alive(second_worker) and second_worker != first_worker

    # Closing the pane ends its worker; nothing is left behind.
    pane.close()
    qtbot.waitUntil(
        lambda: (
            not worker_alive(second_worker)
            and second_worker not in [p.pid for p in multiprocessing.active_children()]
        ),
        timeout=10000,
    )


def test_closing_the_pane_never_waits_for_a_stuck_decoder(qtbot, corpus, tmp_path):
    pane = PreviewPane(decode=decode_or_die)
    qtbot.addWidget(pane)
    pane.show()
    pane.show_file(1, a_copy_named(corpus, tmp_path, STUCK_NAME), image_facts(STUCK_NAME))
    qtbot.waitUntil(lambda: pane._decoder.process.pid is not None, timeout=10000)
    worker = pane._decoder.process.pid
    assert pane._decoder.busy
    pane.close()
    qtbot.waitUntil(lambda: not worker_alive(worker), timeout=10000)


def test_a_pane_destroyed_with_its_window_takes_its_worker_along(qtbot, corpus, tmp_path):
    # Inside a window the pane is never closed itself: it is destroyed with the window,
    # here while its decoder is stuck. The destruction must neither hang nor leave the
    # worker behind.
    window = QWidget()
    pane = PreviewPane(window, decode=decode_or_die)
    window.show()
    pane.show_file(1, a_copy_named(corpus, tmp_path, STUCK_NAME), image_facts(STUCK_NAME))
    qtbot.waitUntil(lambda: pane._decoder.process.pid is not None, timeout=10000)
    worker = pane._decoder.process.pid
    gone: list[bool] = []
    pane.destroyed.connect(lambda: gone.append(True))
    shiboken6.delete(window)
    assert gone == [True]
    qtbot.waitUntil(lambda: not worker_alive(worker), timeout=10000)


# --- facts: a problem is not a note -------------------------------------------------------


def facts_panel(pane: PreviewPane) -> FactsPanel:
    panel = pane.findChild(FactsPanel, "previewFacts")
    assert panel is not None
    return panel


def layout_of(panel: FactsPanel) -> tuple[int, int]:
    """(the panel's height, where the values start) once laid out."""
    panel.layout().activate()
    return panel.sizeHint().height(), panel.findChild(QLabel, "fact_path").x()


def test_an_error_shows_as_the_problem_and_notes_apart(pane):
    panel = facts_panel(pane)
    pane.show_file(1, None, image_facts("a.jpg", error="the file ends before the picture does"))
    assert panel.is_shown("problem") and not panel.is_shown("notes")
    assert panel.value("problem") == "the file ends before the picture does"
    layout = layout_of(panel)

    notes = "12 bytes after the end of the video\nthe creation date is in the future"
    pane.show_file(2, None, {"kind": "video", "mime": "video/mp4", "notes": notes})
    assert panel.is_shown("notes") and not panel.is_shown("problem")
    label = pane.findChild(QLabel, "fact_notes")
    assert panel.value("notes") == (
        "12 bytes after the end of the video  ·  the creation date is in the future"
    )
    assert label.toolTip() == notes  # one note a line
    # Quieter than the problem: the notes take the colour of the titles.
    assert label.foregroundRole() == QPalette.ColorRole.PlaceholderText
    problem = pane.findChild(QLabel, "fact_problem")
    assert problem.foregroundRole() != QPalette.ColorRole.PlaceholderText
    # One line is kept for a problem or notes, so nothing above or beside them jumps.
    assert layout_of(panel) == layout
    pane.show_file(3, None, image_facts("b.jpg"))
    assert not panel.is_shown("notes") and not panel.is_shown("problem")
    assert layout_of(panel) == layout

    pane.show_file(4, None, image_facts("c.jpg", error="unreadable", notes="odd trailer"))
    assert panel.is_shown("problem") and panel.is_shown("notes")
    assert (panel.value("problem"), panel.value("notes")) == ("unreadable", "odd trailer")


def test_the_worker_ends_when_luna_is_killed(qtbot, corpus, tmp_path):
    # SIGKILL gives Luna no chance to stop anything: the worker must notice by itself.
    stuck = a_copy_named(corpus, tmp_path, STUCK_NAME)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    luna = subprocess.Popen(
        [sys.executable, "-m", "tests.crashing_decoder", os.fsdecode(stuck)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        worker = int(luna.stdout.readline())
        assert worker_alive(worker)
    finally:
        luna.kill()
        luna.wait()
    qtbot.waitUntil(lambda: not worker_alive(worker), timeout=10000)


def test_work_queued_before_the_pane_closed_starts_no_worker_after_it(qtbot, corpus):
    pane = PreviewPane()
    qtbot.addWidget(pane)
    pane.show()  # queues the worker's start on the decode thread
    pane.show_file(1, path_of(corpus, S4), image_facts(S4))  # queued behind it
    pane.close()
    assert pane._decoder._pool.waitForDone(10000)
    assert not pane._decoder.process.running
