"""How the window says whether a drive is online: a dot in the selector and a quiet
banner above the tree of a drive that is not plugged in.

Colour is never the only signal: the dot's shape changes too (filled when online,
a ring when offline, a ring with a bar when the mount does not answer), and the item's
text says "offline" in words.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy

from .mount_watch import Mount

_ONLINE = QColor("#2e9d50")
_OFFLINE = QColor("#8a8f98")
_STUCK = QColor("#c98a00")

SUFFIX = {Mount.ABSENT: "  — offline", Mount.NOT_RESPONDING: "  — not responding"}


@cache
def state_icon(state: Mount, size: int = 12) -> QIcon:
    """A filled dot (online or not checked yet), a ring (offline), a ring with a bar
    (the mount does not answer)."""
    pixmap = QPixmap(size * 2, size * 2)  # drawn at twice the size: sharp on HiDPI
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    box = QRectF(4, 4, size * 2 - 8, size * 2 - 8)
    if state in (Mount.MOUNTED, Mount.UNKNOWN):
        color = _ONLINE if state is Mount.MOUNTED else _OFFLINE
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(box)
    else:
        color = _OFFLINE if state is Mount.ABSENT else _STUCK
        painter.setPen(QPen(color, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(box)
        if state is Mount.NOT_RESPONDING:
            centre = box.center()
            painter.drawLine(
                QPointF(box.left() + 3, centre.y()), QPointF(box.right() - 3, centre.y())
            )
    painter.end()
    pixmap.setDevicePixelRatio(2.0)
    return QIcon(pixmap)


def state_tooltip(name: str, path: str | None, state: Mount) -> str:
    where = path or "no known place"
    return {
        Mount.MOUNTED: f"{name} is plugged in at {where}",
        Mount.ABSENT: f"{name} is offline (last seen at {where}): its files stay browsable "
        "and editable, and pictures show from the preview cache",
        Mount.NOT_RESPONDING: f"{name} does not answer at {where} (a stale or slow mount): "
        "treated as offline until it answers",
    }.get(state, f"{name}: checking whether it is plugged in…")


class OfflineBanner(QLabel):
    """One line above the tree of a drive that is not plugged in."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("offline_banner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setContentsMargins(8, 4, 8, 4)
        # From the palette, so it reads in light and dark alike: a tinted strip, quiet.
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.hide()

    def show_state(self, name: str | None, state: Mount) -> None:
        if name is None or state not in SUFFIX:
            self.hide()
            return
        if state is Mount.ABSENT:
            text = (
                f"{name} is offline. Its files stay browsable, searchable and editable; "
                "pictures show from the preview cache."
            )
        else:
            text = f"{name} does not answer. Luna treats it as offline until it does."
        self.setText(text)
        self.setToolTip(text)
        self.show()
