"""Videos, sound and PDFs in the preview pane: real libvlc, real QtPdf, offscreen.

A video shows its poster frame on arrival and plays only on Space; frames reach the
widget; moving on releases the player; a PDF turns its pages; what Luna cannot show
gets a card that offers the system's application.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QImage
from PySide6.QtWidgets import QLabel, QToolButton

from luna_desktop.media import playback, vlc_runtime
from luna_desktop.media.posters import PosterStore, default_poster_dir
from luna_desktop.scan.oshash import oshash_path
from luna_desktop.ui.preview_messages import MessageView
from luna_desktop.ui.preview_pane import PreviewPane
from tests.media_tools import ramp_seconds, ramp_video, tone, tool
from tests.ui_helpers import UrlCatcher


@pytest.fixture(scope="module")
def ramp(tmp_path_factory) -> Path:
    assert vlc_runtime.VLC_AVAILABLE, vlc_runtime.VLC_UNAVAILABLE_REASON
    return ramp_video(tmp_path_factory.mktemp("ramp") / "ramp.mp4")


@pytest.fixture
def pane(qtbot):
    widget = PreviewPane()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.close()
    assert playback.reaper_idle(10)


def video_facts(path: Path, **extra) -> dict:
    facts = {
        "kind": "video",
        "mime": "video/mp4",
        "size": path.stat().st_size,
        "duration": 20.0,
        "width": 320,
        "height": 180,
        "oshash": oshash_path(os.fsencode(path)),
        "display_path": f"Video/{path.name}",
        "drive": "Archive 7",
        "missing": False,
    }
    facts.update(extra)
    return facts


def grey_of(image: QImage) -> int:
    """A ramp frame's grey, read above the middle, where no message is drawn over it."""
    return image.pixelColor(image.width() // 2, image.height() // 4).red()


def grabbed(pane: PreviewPane) -> QImage:
    """What the curator sees in the picture area."""
    return pane.media_view.screen_area.grab().toImage()


def test_a_video_shows_its_poster_and_waits_for_space(pane, qtbot, ramp):
    facts = video_facts(ramp)
    with qtbot.waitSignal(pane.rendered, timeout=20000):
        pane.show_file(1, os.fsencode(ramp), facts)
    assert pane.controls == "media"
    assert pane.media_view.playback is None  # nothing plays by itself
    # The poster is 10 % into the clip (2 s of 20), stored under the file's oshash.
    assert ramp_seconds(grey_of(grabbed(pane))) == pytest.approx(2.0, abs=0.5)
    stored = PosterStore(default_poster_dir()).load(facts["oshash"], None)
    assert stored is not None and stored.original_size == (320, 180)


def test_space_plays_and_frames_reach_the_widget(pane, qtbot, ramp):
    with qtbot.waitSignal(pane.rendered, timeout=20000):
        pane.show_file(1, os.fsencode(ramp), video_facts(ramp))
    with qtbot.waitSignal(pane.first_frame, timeout=10000):
        pane.play_pause()
    qtbot.waitUntil(lambda: pane.media_view.status().time_ms > 1200, timeout=10000)
    first = grabbed(pane)
    assert grey_of(first) > 5  # a picture, not the black around it (nor a blank)
    assert first.pixelColor(0, 0).red() == 0  # the black around a 16:9 frame
    qtbot.waitUntil(lambda: pane.media_view.status().time_ms > 2500, timeout=10000)
    later = grabbed(pane)
    assert grey_of(later) > grey_of(first)  # the ramp brightens: a newer frame
    assert pane.media_view.time_text.startswith("0:02")

    pane.play_pause()
    qtbot.waitUntil(lambda: pane.media_view.status().state == "paused", timeout=5000)
    pane.media_view.slider.setValue(15000)  # the slider seeks
    pane.media_view.slider.sliderReleased.emit()
    qtbot.waitUntil(lambda: abs(ramp_seconds(grey_of(grabbed(pane))) - 15) <= 0.5, timeout=10000)


def test_moving_on_stops_and_releases_the_player(pane, qtbot, ramp, tmp_path):
    picture = tmp_path / "still.png"
    Image.new("RGB", (64, 48), "orange").save(picture)
    image_facts = {"kind": "image", "mime": "image/png", "size": 100, "display_path": "still.png"}

    def play_then_leave(file_id: int) -> None:
        with qtbot.waitSignal(pane.presented, timeout=20000):
            pane.show_file(file_id, os.fsencode(ramp), video_facts(ramp))
        with qtbot.waitSignal(pane.first_frame, timeout=10000):
            pane.play_pause()
        player = pane.media_view.playback
        pane.show_file(file_id + 1, os.fsencode(picture), image_facts)
        assert player.closed and pane.media_view.playback is None
        assert pane.controls == ""

    play_then_leave(1)
    assert playback.reaper_idle(10)
    threads = len(os.listdir("/proc/self/task"))
    files = len(os.listdir("/proc/self/fd"))
    for n in range(3, 43, 2):
        play_then_leave(n)
    assert playback.reaper_idle(30)
    time.sleep(0.3)
    assert len(os.listdir("/proc/self/task")) <= threads
    assert len(os.listdir("/proc/self/fd")) <= files


def test_an_unplugged_drive_still_shows_a_stored_poster(pane, qtbot, ramp):
    facts = video_facts(ramp)
    with qtbot.waitSignal(pane.rendered, timeout=20000):
        pane.show_file(1, os.fsencode(ramp), facts)  # stores the poster
    pane.clear()
    with qtbot.waitSignal(pane.rendered, timeout=10000):
        pane.show_file(1, None, facts)
    assert ramp_seconds(grey_of(grabbed(pane))) == pytest.approx(2.0, abs=0.5)
    assert pane.media_view.message == "Drive not mounted — connect Archive 7 to play this file"
    assert pane.controls == ""  # nothing to play

    never_seen = dict(facts, oshash="0123456789abcdef")
    with qtbot.waitSignal(pane.failed, timeout=10000) as blocker:
        pane.show_file(2, None, never_seen)
    assert blocker.args[1] == "Drive not mounted — connect Archive 7 to play this file"


def test_a_damaged_video_says_so_instead_of_hanging(pane, qtbot, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 200)
    facts = video_facts(bad, duration=None)
    with qtbot.waitSignal(pane.failed, timeout=20000) as blocker:
        pane.show_file(1, os.fsencode(bad), facts)
    assert blocker.args[1].startswith("Cannot show this file: ")
    assert pane.controls == ""  # Space and the arrows stay the tree's
    with qtbot.waitSignal(pane.media_view.failed, timeout=20000) as played:
        pane.media_view.toggle_play()  # the play button still tries
    assert "VLC" in played.args[0]
    assert pane.media_view.message == played.args[0]


def test_audio_shows_its_tags_and_plays(pane, qtbot, tmp_path):
    sound = tone(tmp_path / "evening.mp3", 3)
    facts = {
        "kind": "audio",
        "mime": "audio/mpeg",
        "size": sound.stat().st_size,
        "duration": 3.0,
        "display_path": "Audio/evening.mp3",
        "tags": {"artist": "Béla Bartók", "title": "Evening", "album": "Sketches"},
    }
    with qtbot.waitSignal(pane.presented, timeout=5000):
        pane.show_file(1, os.fsencode(sound), facts)
    assert pane.media_view.screen_area.lines == ["♪", "Evening", "Béla Bartók", "Sketches"]
    assert pane.controls == "media"
    pane.play_pause()
    qtbot.waitUntil(lambda: pane.media_view.status().time_ms > 500, timeout=10000)
    assert pane.media_view.status().state == "playing"
    pane.toggle_mute()
    pane.change_rate(1)
    assert pane.media_view.findChild(QLabel, "mediaExtras").text() == "1.25× · muted"


def pdf_of(path: Path, colours: list[str]) -> Path:
    pages = [Image.new("RGB", (400, 300), colour) for colour in colours]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    return path


def test_a_pdf_shows_its_pages(pane, qtbot, tmp_path):
    pdf = pdf_of(tmp_path / "register.pdf", ["red", "blue", "green"])
    facts = {"kind": "document", "mime": "application/pdf", "size": 100, "display_path": "r.pdf"}
    with qtbot.waitSignal(pane.rendered, timeout=20000):
        pane.show_file(1, os.fsencode(pdf), facts)
    assert pane.controls == "document"
    assert pane.page == (1, 3)

    def centre() -> tuple[int, int, int]:
        """The page's colour, to the nearest 8 (Qt's scaling rounds a little)."""
        image = pane.image_view.grab().toImage()
        colour = image.pixelColor(image.width() // 2, image.height() // 2)
        return tuple(round(c / 8) * 8 for c in (colour.red(), colour.green(), colour.blue()))

    assert centre() == (256, 0, 0)
    pane.turn_page(1)
    qtbot.waitUntil(lambda: centre() == (0, 0, 256), timeout=10000)
    assert pane.page == (2, 3)
    pane.turn_page(5)  # stops at the last page
    qtbot.waitUntil(lambda: pane.page == (3, 3) and centre() == (0, 128, 0), timeout=10000)
    pane.turn_page(-1)
    qtbot.waitUntil(lambda: centre() == (0, 0, 256), timeout=10000)
    assert pane.findChild(QLabel, "fact_extra").text() == "page 2 of 3"


def test_a_damaged_pdf_says_so(pane, qtbot, tmp_path):
    pdf = pdf_of(tmp_path / "cut.pdf", ["red"])
    pdf.write_bytes(pdf.read_bytes()[:200])
    facts = {"kind": "document", "mime": "application/pdf", "size": 200, "display_path": "c.pdf"}
    with qtbot.waitSignal(pane.failed, timeout=20000) as blocker:
        pane.show_file(1, os.fsencode(pdf), facts)
    assert blocker.args[1].startswith("Cannot show this file: the PDF is damaged")


def test_what_luna_cannot_show_gets_a_card_that_opens_it(pane, qtbot, tmp_path):
    archive = tmp_path / "letters.zip"
    archive.write_bytes(b"PK\x03\x04" + bytes(100))

    # The window's action opens the current file; here one that opens the archive.
    action = QAction("Open with the System's Application", pane)
    action.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(archive))))
    pane.set_open_action(action)
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        facts = {"kind": "other", "mime": "application/zip", "size": 104}
        facts["display_path"] = "letters.zip"
        with qtbot.waitSignal(pane.presented, timeout=5000):
            pane.show_file(1, os.fsencode(archive), facts)
        card = pane.findChild(MessageView, "previewMessage")
        assert card.headline() == "No preview for this kind of file"
        assert card.detail() == "Other · application/zip · 104 bytes"
        assert card.offers_open()
        button = pane.findChild(QToolButton, "previewOpenButton")
        button.click()
        assert catcher.opened == [QUrl.fromLocalFile(str(archive))]
        # A missing file offers nothing to open.
        pane.show_file(2, os.fsencode(archive), dict(facts, missing=True))
        assert not card.offers_open()
    finally:
        QDesktopServices.unsetUrlHandler("file")


_NO_VLC_CHILD = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
from luna_desktop.ui.preview_messages import MessageView
from luna_desktop.ui.preview_pane import PreviewPane
app = QApplication([])
pane = PreviewPane()
pane.resize(640, 480)
pane.show()
done = []
pane.presented.connect(done.append)
path = sys.argv[1]
pane.show_file(1, os.fsencode(path), {"kind": "video", "mime": "video/mp4", "size": 10,
               "oshash": "0123456789abcdef", "display_path": "clip.mp4"})
while not done:
    app.processEvents()
pane.play_pause()
print(pane.media_view.message)
"""


def test_without_libvlc_the_pane_says_vlc_is_needed(ramp):
    env = dict(os.environ, PYTHON_VLC_LIB_PATH="/nonexistent/libvlc.so.5")
    out = subprocess.run(
        [sys.executable, "-c", _NO_VLC_CHILD, os.fspath(ramp)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("VLC is needed to play videos and audio: install")


def _open_files() -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor, closed already
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return found


def test_a_pdf_page_leaves_no_file_open_behind(tmp_path):
    """The drive a PDF is on can be unmounted once its page is shown."""
    from luna_desktop.ui.preview_worker import PreviewRequest, decode_file, receive

    pdf = pdf_of(tmp_path / "deed.pdf", ["red", "blue"])
    request = PreviewRequest(1, os.fsencode(pdf), "application/pdf", (400, 400), page=1)
    decoded = receive(decode_file(request))
    assert decoded.error is None and decoded.page_count == 2
    assert str(pdf) not in _open_files()


def test_a_sound_scanned_without_tags_shows_libvlcs_once_it_plays(pane, qtbot, tmp_path):
    sound = tone(tmp_path / "track.ogg", 3, "-metadata", "artist=Ada", "-metadata", "title=Air")
    facts = {"kind": "audio", "mime": "audio/ogg", "size": sound.stat().st_size,
             "duration": 3.0, "display_path": "track.ogg"}  # fmt: skip
    with qtbot.waitSignal(pane.presented, timeout=5000):
        pane.show_file(1, os.fsencode(sound), facts)
    assert pane.media_view.screen_area.lines == ["♪", "track.ogg"]
    pane.play_pause()
    qtbot.waitUntil(lambda: pane.media_view.screen_area.lines == ["♪", "Air", "Ada"], timeout=5000)


def test_a_poster_failing_late_does_not_cover_a_video_that_plays(qtbot, ramp):
    from tests.crashing_decoder import late_poster_failure

    pane = PreviewPane(decode=late_poster_failure)
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    pane.autoplay = True
    try:
        with qtbot.waitSignal(pane.first_frame, timeout=20000):
            pane.show_file(1, os.fsencode(ramp), video_facts(ramp))
        qtbot.wait(3000)  # the poster's failure has come by now
        assert pane.media_view.message == ""
        assert pane.controls == "media"
        assert pane.media_view.status().state == "playing"
    finally:
        pane.close()


def test_a_video_that_ends_early_says_so(pane, qtbot, ramp, tmp_path):
    # Its index first (as cameras and most exports write it), so a third still plays.
    whole = tmp_path / "faststart.mp4"
    subprocess.run(
        [tool("ffmpeg"), "-loglevel", "error", "-y", "-i", os.fspath(ramp), "-c", "copy",
         "-movflags", "+faststart", os.fspath(whole)],
        check=True, timeout=60,
    )  # fmt: skip
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    with qtbot.waitSignal(pane.presented, timeout=20000):
        pane.show_file(1, os.fsencode(cut), video_facts(cut))
    with qtbot.waitSignal(pane.media_view.failed, timeout=30000) as ended:
        pane.media_view.toggle_play()
    assert ended.args[0].startswith("Stopped at 0:0")
    assert ended.args[0].endswith("of 0:20.0: the file ends early, or its drive was disconnected")


def test_a_pdf_page_that_cannot_be_drawn_keeps_the_others_in_reach(pane, qtbot, tmp_path):
    pdf = pdf_of(tmp_path / "register.pdf", ["red", "blue"])
    facts = {"kind": "document", "mime": "application/pdf", "size": 100, "display_path": "r.pdf"}
    with qtbot.waitSignal(pane.rendered, timeout=20000):
        pane.show_file(1, os.fsencode(pdf), facts)
    # The file changes under the pane: page 2 is no longer there to draw.
    pdf_of(pdf, ["red"])
    pane.clear_cache()
    pane.turn_page(1)
    qtbot.waitUntil(lambda: pane.image_view.text().startswith("Cannot show page 2"), timeout=10000)
    assert pane.controls == "document" and pane.page == (2, 2)
    pane.turn_page(-1)
    qtbot.waitUntil(lambda: pane.image_view.has_image(), timeout=10000)
    assert pane.page == (1, 1)  # as the file now says


def test_space_while_vlc_is_still_loading_plays_once_it_has(qtbot, ramp):
    from luna_desktop.media.playback import Playback
    from luna_desktop.ui.media_view import MediaView
    from luna_desktop.ui.player_support import PlayerStarting

    view = MediaView()
    qtbot.addWidget(view)
    view.resize(640, 400)
    view.show()
    asked = []

    def opener(on_frame):
        asked.append(1)
        if len(asked) < 3:  # libvlc is loading for the first two tries
            raise PlayerStarting("Starting VLC …")
        return Playback(os.fsencode(ramp), on_frame=on_frame)

    view.reset(7, duration_s=20)
    view.set_opener(opener)
    assert view.toggle_play() is False
    assert view.message == "Starting VLC …"
    with qtbot.waitSignal(view.first_frame, timeout=10000):
        pass
    assert len(asked) == 3 and view.message == ""
    view.reset(None)


def test_z_shows_a_pdf_page_at_full_size(pane, qtbot, tmp_path):
    pdf = pdf_of(tmp_path / "map.pdf", ["red", "blue"])  # 400 × 300 pt pages
    facts = {"kind": "document", "mime": "application/pdf", "size": 100, "display_path": "m.pdf"}
    with qtbot.waitSignal(pane.rendered, timeout=20000):
        pane.show_file(1, os.fsencode(pdf), facts)
    pane.turn_page(1)
    qtbot.waitUntil(lambda: "page 2 of 2" in pane.findChild(QLabel, "fact_extra").text())
    pane.toggle_zoom()
    assert pane.is_zoomed()
    # 100 % is the page at 150 dpi: 400 pt → 833 px, drawn sharp, not the fitted decode.
    qtbot.waitUntil(lambda: pane.image_view.pixmap_size() == (833, 625), timeout=10000)
    assert pane.page == (2, 2)
