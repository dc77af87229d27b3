"""Drives coming and going while the window runs: a known drive plugged in is offered
for a rescan, a scan is followed by filling the preview cache (so the drive can be
curated unplugged later), and the cache can be filled or cleared on request.

The window owns one; every part here works off the GUI thread and reports back.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from luna_desktop.catalog.models import Drive
from luna_desktop.scan.progress import ScanProgress

from .cache_filling import CacheFilling, describe_fill
from .volume_notice import VolumeNotice
from .volume_watch import VolumeWatch

if TYPE_CHECKING:
    from .main_window import MainWindow


def _forget_old_posters() -> None:
    from luna_desktop.media.preview_cache import forget_old_posters

    forget_old_posters()


class _Bridge(QObject):
    cleared = Signal(int)
    failed = Signal(str)


class DriveLife(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.volume_watch = VolumeWatch(self)
        self.volume_notice = VolumeNotice()
        self.cache = CacheFilling(self)
        self._bridge = _Bridge(self)
        self._bridge.cleared.connect(self._cleared)
        self._bridge.failed.connect(
            lambda why: window.prompts.tell("Cannot clear the preview cache", why)
        )
        bar = window.statusBar()
        # Permanent widgets: a status message does not hide them.
        bar.addPermanentWidget(self.volume_notice)
        bar.addPermanentWidget(self.cache.status)
        self.volume_watch.known_drive_appeared.connect(self.volume_notice.offer)
        self.volume_watch.volume_gone.connect(self.volume_notice.withdraw)
        self.volume_watch.volumes_changed.connect(window.mounts.check)
        self.volume_notice.rescan_requested.connect(self._rescan)
        window.scans.ended.connect(self._scan_ended)
        self.cache.ended.connect(self._cache_ended)
        threading.Thread(target=_forget_old_posters, name="luna-old-posters", daemon=True).start()

    # --- plugged in -------------------------------------------------------------------

    def _rescan(self, name: str, path: str) -> None:
        # Recognised afresh, not scanned as `name` outright: a volume known "by its
        # files" may be a copy of that drive, which the curator must be asked about.
        if not self.window.scan_flow.add_drive(path, rescan=name):
            self.volume_notice.offer(name, path)  # a scan runs: keep the offer

    # --- the preview cache --------------------------------------------------------------

    def _scan_ended(self, progress: ScanProgress | None) -> None:
        if progress is None or self.window.closing:
            return
        drive = Drive.get_or_none(Drive.name == progress.drive)
        if drive is not None and drive.id not in self.cache.capped:
            self.cache.fill(drive.id)
        offered = progress.counts.relink_offers
        if offered:  # after the scan's own summary has had its moment
            QTimer.singleShot(6000, lambda: self._nudge(offered))

    def _nudge(self, offered: int) -> None:
        self.window.statusBar().showMessage(
            f"{offered:,} missing file(s) may have turned up on this drive: "
            "Catalogue → Missing Files Found Elsewhere…",
            15000,
        )

    def fill_shown_drive(self) -> None:
        drive_id = self.window.panel.drive_id()
        self.cache.fill(drive_id)  # None (an album shown): every connected drive
        self.window.statusBar().showMessage("Caching previews in the background…", 4000)

    def _cache_ended(self, progress) -> None:
        if progress is not None and (progress.message or progress.failed or progress.made):
            self.window.statusBar().showMessage(describe_fill(progress), 10000)

    def clear_cache(self) -> None:
        answer = self.window.prompts.ask(
            "Clear the preview cache",
            "Delete every cached thumbnail, preview and poster frame?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            informative="The files on the drives are not touched. Drives that are not "
            "plugged in show no pictures until they are cached again.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.cache.cancel()
        bridge = self._bridge

        def clear() -> None:
            from luna_desktop.media.preview_cache import PreviewCache

            try:
                bridge.cleared.emit(PreviewCache().clear())
            except OSError as exc:
                bridge.failed.emit(str(exc.strerror or exc))

        # The cache may hold hundreds of thousands of files: never on the GUI thread.
        threading.Thread(target=clear, name="luna-clear-cache", daemon=True).start()

    def _cleared(self, removed: int) -> None:
        self.window.preview.clear_cache()
        self.window.statusBar().showMessage(
            f"Preview cache cleared: {removed:,} files deleted", 8000
        )

    def shutdown(self) -> None:
        self.volume_watch.shutdown()
        self.cache.shutdown()
