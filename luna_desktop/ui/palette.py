"""Status colours, in one place, with a light and a dark value each.

The six colours were chosen by simulating protanopia, deuteranopia and tritanopia (Machado
et al. 2009) and keeping every pair at least ~13 CIEDE2000 apart under each, while holding a
WCAG contrast of 3:1 or more against the theme's Base and AlternateBase colours (theme.py).
Hue alone cannot separate six statuses for every curator, so lightness does part of the work
(light mode: unreviewed is the palest, keep offline the darkest) and each status also has a
glyph: colour is never the only signal.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPixmap

from luna_desktop.catalog.status import Status

_LIGHT = {
    Status.UNREVIEWED: "#878a8e",  # neutral grey: recedes, nobody has decided yet
    Status.UPLOAD: "#10865b",  # bluish green, so it does not collapse into red or amber
    Status.RESTRICTED: "#2056b3",
    Status.KEEP_OFFLINE: "#3a4858",  # slate: darker and bluer than unreviewed
    Status.DISCARD: "#bb2626",
    Status.NEEDS_ATTENTION: "#c07409",  # amber, lighter than discard for red-green blindness
}

_DARK = {
    Status.UNREVIEWED: "#878b90",
    Status.UPLOAD: "#37c98f",
    Status.RESTRICTED: "#7b98e2",
    Status.KEEP_OFFLINE: "#b5cbe2",  # on dark, slate is the lightest, unreviewed the dimmest
    Status.DISCARD: "#e0654d",
    Status.NEEDS_ATTENTION: "#f5b23a",
}

# Files gone from the drive: quieter than any status, still legible (about 3:1 on Base).
_MISSING = {False: "#8f9399", True: "#6f747b"}

# Glyph ink on a status swatch: whichever of these reads better on the fill.
_INK_LIGHT = QColor("#ffffff")
_INK_DARK = QColor("#15171a")


def status_color(status: int, dark: bool) -> QColor:
    """The colour of a status (``Status`` or its integer) for a light or dark background."""
    return QColor((_DARK if dark else _LIGHT)[Status(status)])


def status_glyph(status: int) -> str:
    return Status(status).glyph


def missing_color(dark: bool) -> QColor:
    """Text colour for catalogue rows whose file is missing from the drive."""
    return QColor(_MISSING[bool(dark)])


def missing_font(font: QFont) -> QFont:
    """``font`` struck out and in italics: missing rows stay readable but look absent."""
    styled = QFont(font)
    styled.setItalic(True)
    styled.setStrikeOut(True)
    return styled


def is_dark(palette: QPalette) -> bool:
    """True when text is lighter than the background it sits on.

    Base/Text rather than Window: status colours are drawn in item views, on Base.
    """
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    return _luminance(base) < _luminance(text)


def status_icon(status: int, dark: bool, size: int = 12) -> QIcon:
    """A rounded swatch in the status colour with its glyph on it; cached per argument."""
    return _status_icon(Status(status), bool(dark), int(size))


@lru_cache(maxsize=128)
def _status_icon(status: Status, dark: bool, size: int) -> QIcon:
    icon = QIcon()
    # A pixmap per device-pixel ratio keeps the glyph crisp on HiDPI screens.
    for ratio in (1, 2, 3):
        icon.addPixmap(_swatch(status, dark, size, ratio))
    return icon


def _swatch(status: Status, dark: bool, size: int, ratio: int) -> QPixmap:
    fill = status_color(status, dark)
    pixmap = QPixmap(size * ratio, size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    rect = QRectF(0, 0, size, size)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, size * 0.22, size * 0.22)
    painter.setPen(_ink_for(fill))
    glyph = status.glyph
    if glyph == "·":
        # A text middle dot is a speck at 12 px; draw a dot big enough to see.
        radius = size * 0.14
        painter.setBrush(_ink_for(fill))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(rect.center(), radius, radius)
    else:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, round(size * 0.78)))
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, glyph)
    painter.end()
    return pixmap


def _ink_for(fill: QColor) -> QColor:
    return QColor(max((_INK_LIGHT, _INK_DARK), key=lambda ink: contrast_ratio(ink, fill)))


def _luminance(color: QColor) -> float:
    """WCAG relative luminance."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours, 1.0 … 21.0."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
