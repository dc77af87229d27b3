"""The contact sheet: a folder as a grid of thumbnails from the preview cache, only
those on screen decoded, each with its status; keys and clicks as in a list."""

from __future__ import annotations

import os
import uuid

import psutil
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt
from PySide6.QtGui import QColor, QImage, QRegion

from luna_desktop.catalog.models import DB, Drive, FileEntry
from luna_desktop.catalog.queries import FileFilter, files_in_folder
from luna_desktop.catalog.search import SearchHits
from luna_desktop.catalog.sheet_rows import sheet_rows
from luna_desktop.catalog.status import Status
from luna_desktop.media.preview_cache import THUMB, THUMB_PX, PreviewCache
from luna_desktop.media.render import Rendered
from luna_desktop.ui import palette, theme
from luna_desktop.ui.contact_sheet import ContactSheet
from luna_desktop.ui.contact_sheet_cells import MARGIN, PAD, PICTURE
from luna_desktop.ui.thumbnail_loader import ThumbnailLoader
from tests.media_factory import make_jpeg
from tests.scanning import run_scan

FOLDER = "roll/one"
BIG = 5000


@pytest.fixture
def cache(tmp_path, monkeypatch) -> PreviewCache:
    monkeypatch.setenv("LUNA_CACHE_DIR", str(tmp_path / "cache"))
    return PreviewCache()


@pytest.fixture
def drive(catalog) -> Drive:
    return Drive.create(name="Roll")


def _hash(n: int) -> str:
    return f"{n:016x}"


def _insert(drive: Drive, count: int, folder: str = FOLDER, **fields) -> list[int]:
    """`count` rows put in directly (a scan of 5,000 files would take the test's time)."""
    sql = (
        "INSERT INTO file_entry (uuid, drive_id, folder, filename, size, oshash, kind, mime,"
        " present, status, title, description, notes, version)"
        " VALUES (?, ?, ?, ?, 1000, ?, ?, ?, ?, ?, '', '', '', 1)"
    )
    kind, mime = fields.get("kind", "image"), fields.get("mime", "image/jpeg")
    rows = [
        (str(uuid.uuid4()), drive.id, folder, f"IMG_{n:05d}.jpg", _hash(n), kind, mime, 1, 1)
        for n in range(count)
    ]
    with DB.atomic():
        DB.obj.connection().executemany(sql, rows)
    return [f.id for f in FileEntry.select(FileEntry.id).order_by(FileEntry.filename)]


def _rendered(color: tuple[int, int, int], size=(THUMB_PX, THUMB_PX * 3 // 4)) -> Rendered:
    """A thumbnail as the renderer makes one: a colour with a darker band, so it is a
    real picture and not a flat fill."""
    im = Image.new("RGB", size, color)
    ImageDraw.Draw(im).rectangle((0, size[1] * 3 // 4, size[0], size[1]), fill=(20, 20, 20))
    return Rendered(size[0], size[1], "RGB", im.tobytes(), original_size=(size[0] * 8, size[1] * 8))


def _fill_cache(cache: PreviewCache, count: int) -> None:
    """Thumbnails for files 0…count-1. One through the cache's own `save`; the rest are
    its bytes written at the cache's paths (saving 5,000 would encode 5,000 JPEGs)."""
    cache.save(_hash(0), THUMB, _rendered((40, 90, 200)))
    data = cache.load_bytes(_hash(0), THUMB)
    for n in range(1, count):
        path = cache.path(_hash(n), THUMB)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)


def _sheet(qtbot, size=(800, 600)) -> ContactSheet:
    sheet = ContactSheet()
    qtbot.addWidget(sheet)
    sheet.resize(*size)
    sheet.show()
    qtbot.waitExposed(sheet)
    return sheet


def _show(qtbot, sheet: ContactSheet, drive: Drive, folder=FOLDER, **kw) -> None:
    with qtbot.waitSignal(sheet.loaded, timeout=10_000):
        sheet.show_folder(drive.id, folder, **kw)
    qtbot.waitUntil(lambda: sheet.pending_visible() == 0, timeout=10_000)


def _picture_center(sheet: ContactSheet, row: int) -> QPoint:
    rect = sheet.view.visualRect(sheet.model.index(row))
    offset = sheet.view.viewport().mapTo(sheet, QPoint(0, 0))
    top = rect.top() + MARGIN + PAD
    return QPoint(rect.center().x(), top + PICTURE.height() // 2) + offset


def _frame_point(sheet: ContactSheet, row: int) -> QPoint:
    """A point on the left edge of the card, where the status frame is drawn."""
    rect = sheet.view.visualRect(sheet.model.index(row))
    offset = sheet.view.viewport().mapTo(sheet, QPoint(0, 0))
    return QPoint(rect.left() + MARGIN + 1, rect.center().y()) + offset


def _close(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


# --- the rows ------------------------------------------------------------------------------


def test_rows_come_in_the_trees_order_through_the_trees_filter(drive):
    _insert(drive, 6)
    FileEntry.update(status=int(Status.UPLOAD)).where(
        FileEntry.filename == "IMG_00002.jpg"
    ).execute()
    FileEntry.update(present=False).where(FileEntry.filename == "IMG_00004.jpg").execute()
    _insert(drive, 2, folder="elsewhere")
    names = [r.filename for r in sheet_rows(drive.id, FOLDER)]
    assert names == [r.filename for r in files_in_folder(drive.id, FOLDER)]
    assert names == [
        "IMG_00000.jpg",
        "IMG_00001.jpg",
        "IMG_00002.jpg",
        "IMG_00003.jpg",
        "IMG_00005.jpg",
    ]
    unreviewed = sheet_rows(drive.id, FOLDER, FileFilter(chip="unreviewed"))
    assert [r.filename for r in unreviewed] == [
        r.filename for r in files_in_folder(drive.id, FOLDER, FileFilter(chip="unreviewed"))
    ]
    assert "IMG_00002.jpg" not in {r.filename for r in unreviewed}
    missing = sheet_rows(drive.id, FOLDER, FileFilter(chip="missing"))
    assert [(r.filename, r.present) for r in missing] == [("IMG_00004.jpg", False)]
    one = FileEntry.get(FileEntry.filename == "IMG_00003.jpg")
    hits = SearchHits("00003", files={FOLDER: [one.id]})
    found = sheet_rows(drive.id, FOLDER, FileFilter(search="00003"), hits)
    assert [(r.id, r.oshash, r.relpath) for r in found] == [
        (one.id, one.oshash, b"roll/one/IMG_00003.jpg")
    ]


# --- only what is on screen -------------------------------------------------------------------


def test_a_5000_file_folder_scrolls_with_only_visible_thumbnails_decoded(qtbot, drive, cache):
    _insert(drive, BIG)
    _fill_cache(cache, BIG)
    sheet = _sheet(qtbot)
    shown_at_once = sheet.model.rowCount()
    _show(qtbot, sheet, drive)
    assert shown_at_once == 0 and sheet.model.rowCount() == BIG  # read off the GUI thread
    visible = sheet.visible_rows()
    columns = sheet.view.columns()
    assert visible[0] == 0 and 8 <= len(visible) <= 30
    assert visible == _on_screen(sheet)
    screen = len(visible) + columns  # what is shown, and the line below it
    assert sheet.loader.decoded <= screen
    assert all(sheet.loader.image(_hash(r)) is not None for r in visible)

    bar = sheet.view.verticalScrollBar()
    lines = -(-BIG // columns)
    height = lines * sheet.view.gridSize().height() - sheet.view.viewport().height()
    qtbot.waitUntil(lambda: bar.maximum() == height)  # the batched layout placed every cell
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: BIG - 1 in sheet.visible_rows())
    qtbot.waitUntil(lambda: sheet.pending_visible() == 0, timeout=10_000)
    last = sheet.visible_rows()
    assert last == _on_screen(sheet)
    assert all(sheet.loader.image(_hash(r)) is not None for r in last)
    # The top screen, the bottom screen, a line around each, and nothing between.
    assert sheet.loader.decoded <= 2 * (screen + columns)

    # A fling back to the top: each step replaces what is wanted, so what waits never
    # grows past a screen and few of the cells flown past are decoded.
    waiting = []
    for value in range(bar.maximum(), -1, -max(1, bar.maximum() // 60)):
        bar.setValue(value)
        qtbot.wait(1)
        waiting.append(sheet.loader.queued())
    bar.setValue(0)
    qtbot.waitUntil(lambda: sheet.pending_visible() == 0, timeout=10_000)
    assert max(waiting) <= screen + 2 * columns
    assert all(sheet.loader.image(_hash(r)) is not None for r in sheet.visible_rows())


def _on_screen(sheet: ContactSheet) -> list[int]:
    """The rows whose cells Qt placed where the viewport shows them."""
    viewport = sheet.view.viewport().rect()
    return [
        r
        for r in range(sheet.model.rowCount())
        if sheet.view.visualRect(sheet.model.index(r)).intersects(viewport)
    ]


def test_thumbnails_are_painted_and_the_status_shows_as_frame_and_glyph(qtbot, drive, cache):
    _insert(drive, 12)
    cache.save(_hash(0), THUMB, _rendered((30, 160, 220)))
    cache.save(_hash(1), THUMB, _rendered((230, 200, 40)))
    sheet = _sheet(qtbot)
    _show(qtbot, sheet, drive)
    picture = sheet.grab().toImage()
    assert _close(picture.pixelColor(_picture_center(sheet, 0)), QColor(30, 160, 220))
    assert _close(picture.pixelColor(_picture_center(sheet, 1)), QColor(230, 200, 40))
    well = picture.pixelColor(_picture_center(sheet, 2))  # no thumbnail: the empty well
    assert not _close(well, QColor(30, 160, 220)) and not _close(well, QColor(230, 200, 40))

    dark = palette.is_dark(sheet.view.palette())
    discard = palette.status_color(Status.DISCARD, dark)
    assert not _close(picture.pixelColor(_frame_point(sheet, 1)), discard, 20)
    file_id = sheet.model.rows[1].id
    qtbot.wait(50)  # the paints the thumbnails asked for are done
    painted = _PaintWatch(sheet.view.viewport())
    sheet.set_status([file_id], int(Status.DISCARD))
    cell = sheet.view.visualRect(sheet.model.index(1))
    qtbot.waitUntil(lambda: painted.covered(cell))  # repainted in place, at once
    assert not painted.covered(sheet.view.visualRect(sheet.model.index(5)))
    after = sheet.grab().toImage()
    assert _close(after.pixelColor(_frame_point(sheet, 1)), discard, 20)
    # The glyph beside the name: the status's swatch with its letter in it.
    badge = _badge_pixels(sheet, after, 1)
    assert sum(_close(c, discard, 20) for c in badge) > 60
    ink = max(
        (QColor("#ffffff"), QColor("#15171a")), key=lambda c: palette.contrast_ratio(c, discard)
    )
    assert sum(_close(c, ink, 60) for c in badge) > 8
    assert "Discard" in sheet.model.index(1).data(Qt.ItemDataRole.AccessibleTextRole)
    assert _close(after.pixelColor(_picture_center(sheet, 0)), QColor(30, 160, 220))


class _PaintWatch(QObject):
    """The regions a widget is asked to paint."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.region = QRegion()
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.region += event.region()
        return False

    def covered(self, rect) -> bool:
        return self.region.contains(rect.center())


def _badge_pixels(sheet: ContactSheet, image: QImage, row: int) -> list[QColor]:
    rect = sheet.view.visualRect(sheet.model.index(row))
    offset = sheet.view.viewport().mapTo(sheet, QPoint(0, 0))
    left = rect.left() + MARGIN + PAD + offset.x()
    top = rect.top() + MARGIN + PAD + PICTURE.height() + 5 + offset.y()
    return [image.pixelColor(x, y) for x in range(left, left + 18) for y in range(top, top + 22)]


def test_decoded_thumbnails_are_kept_within_a_budget(qtbot, cache):
    _fill_cache(cache, 12)
    one = 100 * 75 * 4  # a 256 x 192 thumbnail fitted into 100 x 100, 32 bits a pixel
    loader = ThumbnailLoader(cache, QSize(100, 100), threads=1, max_bytes=3 * one)
    wanted = [_hash(n) for n in range(12)]
    loader.want(wanted)
    qtbot.waitUntil(lambda: loader.reads == 12)
    assert loader.decoded == 12 and len(loader) == 3
    assert [loader.image(h) is not None for h in wanted[-3:]] == [True] * 3  # the newest
    assert loader.image(wanted[0]) is None and loader.state(wanted[0]) is None  # asked again
    assert loader.image(wanted[-1]).size() == QSize(100, 75)
    loader.close()
    loader.wait()


# --- keys, clicks, selection --------------------------------------------------------------


def test_arrows_move_and_enter_or_a_double_click_opens(qtbot, drive, cache):
    ids = _insert(drive, 30)
    sheet = _sheet(qtbot)
    _show(qtbot, sheet, drive)
    sheet.view.setFocus()
    assert sheet.current_file_id() == ids[0]
    with qtbot.waitSignal(sheet.current_changed) as moved:
        qtbot.keyClick(sheet.view, Qt.Key.Key_Right)
    assert moved.args == [ids[1]] and sheet.current_file_id() == ids[1]
    qtbot.keyClick(sheet.view, Qt.Key.Key_Down)
    assert sheet.current_file_id() == ids[1 + sheet.view.columns()]

    with qtbot.waitSignal(sheet.open_requested) as opened:
        qtbot.keyClick(sheet.view, Qt.Key.Key_Return)
    assert opened.args == [ids[1 + sheet.view.columns()]]
    with qtbot.waitSignal(sheet.open_requested) as opened:
        qtbot.keyClick(sheet.view, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert opened.args == [ids[1 + sheet.view.columns()]]
    # Ctrl+Enter is the window's save-and-next, not the sheet's.
    with qtbot.assertNotEmitted(sheet.open_requested, wait=50):
        qtbot.keyClick(sheet.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    where = sheet.view.visualRect(sheet.model.index(3)).center()
    qtbot.mouseClick(sheet.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    with qtbot.waitSignal(sheet.open_requested) as opened:
        qtbot.mouseDClick(sheet.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.args == [ids[3]]


def test_shift_and_ctrl_select_files_for_a_bulk_change(qtbot, drive, cache):
    ids = _insert(drive, 30)
    sheet = _sheet(qtbot)
    _show(qtbot, sheet, drive)
    sheet.view.setFocus()
    assert sheet.selected_file_ids() == [ids[0]]
    with qtbot.waitSignal(sheet.selection_changed):
        qtbot.keyClick(sheet.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(sheet.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert sheet.selected_file_ids() == ids[:3]
    far = sheet.view.visualRect(sheet.model.index(9)).center()
    qtbot.mouseClick(
        sheet.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, far
    )
    assert sheet.selected_file_ids() == [*ids[:3], ids[9]]
    assert sheet.current_file_id() == ids[9]
    assert sheet.select_file(ids[20])
    assert sheet.selected_file_ids() == [ids[20]]
    assert 20 in sheet.visible_rows()
    assert sheet.step_file(1) == ids[21] and sheet.selected_file_ids() == [ids[21]]
    assert sheet.step_file(-2) == ids[19]
    sheet.select_file(ids[29])
    assert sheet.step_file(1) is None and sheet.current_file_id() == ids[29]
    qtbot.keyClick(sheet.view, Qt.Key.Key_I)  # typing a letter does not jump to a name
    assert sheet.current_file_id() == ids[29]


# --- thumbnails not in the cache ------------------------------------------------------------


def test_a_missing_thumbnail_on_a_mounted_drive_is_made_and_shown(qtbot, catalog, cache, tmp_path):
    root = tmp_path / "card"
    colors = {"a.jpg": (200, 40, 40), "b.jpg": (40, 180, 60), "c.jpg": (60, 60, 210)}
    for name, color in colors.items():
        make_jpeg(root / "DCIM" / name, size=(640, 480), color=color)
    run_scan(root, "Card")
    drive = Drive.get(Drive.name == "Card")
    hashes = [f.oshash for f in FileEntry.select().order_by(FileEntry.filename)]
    assert not any(cache.has(h, THUMB) for h in hashes)

    sheet = _sheet(qtbot)
    _show(qtbot, sheet, drive, "DCIM")  # not mounted: nothing is made
    assert sheet.maker.asked == 0
    assert [sheet._look(r).note for r in sheet.model.rows] == ["Offline"] * 3

    sheet.set_mount_path(str(root))  # the card is plugged in
    qtbot.waitUntil(lambda: all(sheet.loader.image(h) is not None for h in hashes), timeout=20_000)
    assert all(cache.has(h, THUMB) for h in hashes)  # made in a worker process, into the cache
    assert sheet.maker.asked == 3
    picture = sheet.grab().toImage()
    for row, color in enumerate(colors.values()):
        assert _close(picture.pixelColor(_picture_center(sheet, row)), QColor(*color))
    worker = psutil.Process(sheet.maker.worker_pid)
    sheet.shutdown()  # the window closing: the worker process ends with it
    worker.wait(timeout=10)


def test_a_thumbnail_that_arrives_later_is_shown(qtbot, drive, cache):
    _insert(drive, 4)
    sheet = _sheet(qtbot)
    _show(qtbot, sheet, drive)  # not mounted, nothing cached
    assert sheet._look(sheet.model.rows[2]).note == "Offline"
    cache.save(_hash(2), THUMB, _rendered((250, 120, 10)))  # a cache fill made it
    sheet.thumbnails_arrived({_hash(2)})
    qtbot.waitUntil(lambda: sheet.loader.image(_hash(2)) is not None)
    picture = sheet.grab().toImage()
    assert _close(picture.pixelColor(_picture_center(sheet, 2)), QColor(250, 120, 10))


def test_damaged_thumbnails_and_missing_files_say_so(qtbot, drive, cache):
    _insert(drive, 3, kind="video", mime="video/mp4")
    path = cache.path(_hash(0), THUMB)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff not really a JPEG")
    FileEntry.update(present=False).where(FileEntry.filename == "IMG_00001.jpg").execute()
    sheet = _sheet(qtbot)
    _show(qtbot, sheet, drive, filter=FileFilter(chip="all"), mount_path=os.fspath(cache.directory))
    qtbot.waitUntil(lambda: not sheet.maker.busy, timeout=20_000)
    notes = {r.filename: sheet._look(r).note for r in sheet.model.rows}
    assert notes["IMG_00000.jpg"] == "No preview"  # damaged
    assert notes["IMG_00002.jpg"] == "Video"  # the file is not where the drive is mounted
    assert "IMG_00001.jpg" not in notes  # the All chip shows files present on the drive
    _show(qtbot, sheet, drive, filter=FileFilter(chip="missing"))
    assert [sheet._look(r).note for r in sheet.model.rows] == ["Missing"]


# --- how it looks ---------------------------------------------------------------------------


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_a_40_file_sheet_in_light_and_dark(qtbot, drive, cache, tmp_path, theme_name, qapp):
    _insert(drive, 36)
    DB.execute_sql("UPDATE file_entry SET status = (id % 6) + 1")  # every status, in turn
    FileEntry.create(
        drive=drive,
        folder=FOLDER,
        filename="ceremony.mov",
        kind="video",
        oshash="a" * 16,
        duration=83.0,
    )
    FileEntry.create(
        drive=drive,
        folder=FOLDER,
        filename="interview.wav",
        kind="audio",
        oshash="b" * 16,
        duration=1234.0,
        status=3,
    )
    FileEntry.create(
        drive=drive,
        folder=FOLDER,
        filename="programme.pdf",
        kind="document",
        oshash="c" * 16,
        status=6,
    )
    FileEntry.create(
        drive=drive, folder=FOLDER, filename="notes.zip", kind="other", oshash="d" * 16
    )
    for n in range(36):
        hue = n * 10
        color = QColor.fromHsv(hue, 150, 200)
        cache.save(_hash(n), THUMB, _rendered((color.red(), color.green(), color.blue())))
    theme.apply_theme(qapp, theme_name)
    try:
        sheet = _sheet(qtbot, (1000, 1560))
        _show(qtbot, sheet, drive)
        shot = tmp_path / f"contact-sheet-{theme_name}.png"
        picture = sheet.grab()
        assert picture.save(str(shot))
        image = picture.toImage()
        dark = theme_name == "dark"
        assert palette.is_dark(sheet.view.palette()) is dark
        background = image.pixelColor(sheet.width() // 2, 1)
        assert (background.lightness() < 80) is dark
        assert len(sheet.visible_rows()) == 40
    finally:
        theme.apply_theme(qapp, "system")
