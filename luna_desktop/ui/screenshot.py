"""`luna-desktop --screenshot FILE [--select TARGET]`: a picture of the real window.

Opens the window on the catalogue, shows TARGET (a drive, ``DRIVE:folder`` or
``DRIVE:folder/file``), waits until the tree is laid out and the preview has painted
the file, writes a PNG and exits. The README's pictures and the packaging's AppStream
screenshots are made this way, so they always show the application as it is.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from luna_desktop.catalog.models import DB, Drive, FileEntry
from luna_desktop.catalog.paths import split_relpath

from .main_window import MainWindow

DEFAULT_SIZE = (1360, 860)
PAINT_TIMEOUT_MS = 20_000


class TargetError(Exception):
    pass


@dataclass
class Target:
    drive: Drive
    folder: str | None = None  # a folder to open and select
    file: FileEntry | None = None  # a file to select and preview


def resolve_target(text: str) -> Target:
    """``DRIVE``, ``DRIVE:folder`` or ``DRIVE:folder/file`` to what the catalogue holds."""
    drive = Drive.get_or_none(Drive.name == text)
    rest = ""
    if drive is None and ":" in text:
        name, _, rest = text.partition(":")
        drive = Drive.get_or_none(Drive.name == name)
    if drive is None:
        known = ", ".join(d.name for d in Drive.select(Drive.name).order_by(Drive.name))
        raise TargetError(f"no drive named {text.partition(':')[0]!r} (drives: {known or 'none'})")
    rest = rest.strip("/")
    if not rest:
        return Target(drive)
    folder, name = split_relpath(rest)
    entry = FileEntry.get_or_none(
        (FileEntry.drive == drive) & (FileEntry.folder == folder) & (FileEntry.filename == name)
    )
    if entry is not None:
        return Target(drive, file=entry)
    below = DB.execute_sql(
        "SELECT 1 FROM folder_stats WHERE drive_id = ? AND (folder = ? OR "
        "(folder > ? AND folder < ?)) LIMIT 1",
        (drive.id, rest, rest + "/", rest + "0"),
    ).fetchone()
    if below is None:
        raise TargetError(f"{drive.name} has no file or folder {rest!r}")
    return Target(drive, folder=rest)


def take_screenshot(
    app: QApplication,
    window: MainWindow,
    out: str,
    target_text: str | None,
    size: tuple[int, int] | None,
) -> int:
    try:
        target = resolve_target(target_text) if target_text else None
    except TargetError as exc:
        print(f"luna-desktop: {exc}", file=sys.stderr)
        return 2
    window.remember_layout = False  # a screenshot is not a session: keep the curator's
    window.resize(*(size or DEFAULT_SIZE))
    window.show()
    app.processEvents()
    presented: list[int] = []
    # Connected first: a placeholder (a video, an unplugged drive) is presented at once.
    window.preview.presented.connect(presented.append)
    filled: list[int] = []  # a folder's contact sheet: its first screen of thumbnails
    window.sheet_flow.sheet.screen_filled.connect(lambda: filled.append(0))
    try:
        if target is not None:
            _show_target(window, target)
        if (
            target is not None
            and target.file is not None
            and not _wait_for(presented, target.file.id)
        ):
            print(
                f"luna-desktop: the preview of {target.file.display_path} was not painted "
                f"within {PAINT_TIMEOUT_MS // 1000} s; no screenshot written",
                file=sys.stderr,
            )
            return 3
        if target is not None and target.file is None:
            _wait_for(filled, 0)  # a sheet without thumbnails is still worth a picture
        _settle(app)
        if not window.grab().save(out, "PNG"):
            print(f"luna-desktop: cannot write the screenshot to {out}", file=sys.stderr)
            return 1
    finally:
        window.close()
    print(out)
    return 0


def _show_target(window: MainWindow, target: Target) -> None:
    panel = window.panel
    panel.refresh_drive_list(target.drive.name)
    panel.load_tree(restore=target.file)
    if target.file is not None:
        window.select_file(target.file)
        window.tree.setFocus()
    elif target.folder is not None:
        panel.select_folder(target.folder)
        window.tree.setFocus()


def _wait_for(presented: list[int], file_id: int) -> bool:
    """Spin the event loop until the preview has presented `file_id` (or time is up)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: (file_id in presented) and loop.quit())
    timer.start(20)
    QTimer.singleShot(PAINT_TIMEOUT_MS, loop.quit)
    if file_id not in presented:
        loop.exec()
    timer.stop()
    return file_id in presented


def _settle(app: QApplication) -> None:
    """Let layouts, the tree's rows and the last paints land before the grab."""
    loop = QEventLoop()
    QTimer.singleShot(150, loop.quit)
    loop.exec()
    app.processEvents()
