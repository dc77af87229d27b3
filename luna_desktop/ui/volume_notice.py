"""The status bar's offer to rescan a known drive that was just plugged in.

"“Travel T7” is plugged in  [Rescan]  ×". Several drives plugged in at once make one
notice that takes them in turn, oldest first ("(1 of 3)"): scans run one at a time,
so one offer at a time is all the curator can take up, and a status bar has room for
one. Rescan or × moves on to the next; a drive unplugged meanwhile drops out of the
queue, and one plugged in again moves to its end with its new path.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from luna_desktop.catalog.paths import to_text


class VolumeNotice(QWidget):
    # The path is a str sent as object: Qt would mangle a folder name that is not UTF-8.
    rescan_requested = Signal(str, object)  # drive name, the path it is mounted at now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("volume_notice")
        self._offers: list[tuple[str, str]] = []  # (drive name, path), oldest first
        self._text = QLabel()
        self._text.setObjectName("volume_notice_text")
        self._text.setTextFormat(Qt.TextFormat.PlainText)  # a drive name is not markup
        self._rescan = QPushButton("Rescan")
        self._rescan.setObjectName("volume_notice_rescan")
        self._rescan.clicked.connect(self.rescan_current)
        self._dismiss = QToolButton()
        self._dismiss.setObjectName("volume_notice_dismiss")
        self._dismiss.setText("×")
        self._dismiss.setAutoRaise(True)
        self._dismiss.setToolTip("Dismiss: no rescan now")
        self._dismiss.setAccessibleName("Dismiss")
        self._dismiss.clicked.connect(self.dismiss_current)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self._text)
        layout.addWidget(self._rescan)
        layout.addWidget(self._dismiss)
        self.hide()

    def offer(self, name: str, path: str) -> None:
        """Offer a rescan of drive `name`, plugged in at `path` (VolumeWatch's
        known_drive_appeared fits this slot)."""
        self._offers = [o for o in self._offers if o[0] != name and o[1] != path]
        self._offers.append((name, path))
        self._show_current()

    def withdraw(self, path: str) -> None:
        """The volume at `path` was unplugged (VolumeWatch's volume_gone fits this slot)."""
        self._offers = [o for o in self._offers if o[1] != path]
        self._show_current()

    def withdraw_drive(self, name: str) -> None:
        """Drive `name` is being scanned anyway (the curator added it another way)."""
        self._offers = [o for o in self._offers if o[0] != name]
        self._show_current()

    def offers(self) -> list[tuple[str, str]]:
        """(name, path) of each drive waiting, the one shown first."""
        return list(self._offers)

    def text(self) -> str:
        return self._text.text() if self._offers else ""

    def rescan_current(self) -> None:
        if not self._offers:
            return
        name, path = self._offers.pop(0)
        self._show_current()
        self.rescan_requested.emit(name, path)

    def dismiss_current(self) -> None:
        if self._offers:
            self._offers.pop(0)
        self._show_current()

    def _show_current(self) -> None:
        if not self._offers:
            self.hide()
            return
        name, path = self._offers[0]
        more = f" (1 of {len(self._offers)})" if len(self._offers) > 1 else ""
        self._text.setText(f"“{name}” is plugged in{more}")
        shown = to_text(os.fsencode(path))[0]
        self._text.setToolTip(f"{name} is mounted at {shown}")
        self._rescan.setToolTip(f"Rescan {name} at {shown}")
        self.show()
