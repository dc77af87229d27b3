"""A widget that paints one picture fitted to its size, or zoomed, with panning.

It knows the picture's full size (`original`) separately from the pixmap it holds,
which may be a smaller decode: geometry is always worked out in original pixels, so a
sharper pixmap can replace a blurry one without the view jumping. It never decodes
anything itself; `decode_wanted` tells its owner that the size it paints at may have
grown past the pixmap.

"100 %" means one picture pixel per device pixel, so it is true on HiDPI screens.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

__all__ = ["ImageView"]

_ZOOM_STEP = 1.25
_MAX_ZOOM = 16.0  # device pixels per picture pixel
_PAN_STEP = 60  # logical pixels per arrow key press


class ImageView(QWidget):
    """Paints a pixmap; fit or zoom, drag to pan, double-click to toggle 100 %."""

    decode_wanted = Signal()  # the painted size outgrew the pixmap (or zoom changed)
    zoom_changed = Signal(bool)  # True when zoomed in, False when back to fit
    painted = Signal()  # after every paint that drew a pixmap

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(64, 64))
        # Keys reach the pane, which owns focus; clicks fall through to it as well.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self._pixmap: QPixmap | None = None
        self._original = (0, 0)
        self._max_upscale = 1.0
        self._zoom: float | None = None  # None: fit; else device pixels per picture pixel
        self._center = QPointF()  # picture point at the centre of the view when zoomed
        self._drag_from: QPointF | None = None
        self._text = ""
        self._badge = ""

    # --- content ------------------------------------------------------------------

    def set_image(
        self, pixmap: QPixmap, original: tuple[int, int], *, max_upscale: float = 1.0
    ) -> None:
        """Show a new picture, fitted. Fitting never enlarges it beyond `max_upscale`
        (more than 1 for an embedded raw preview standing in for a bigger picture;
        a cap, so an 8-pixel thumbnail does not turn into a blur filling the pane)."""
        self._pixmap = pixmap
        self._original = original
        self._max_upscale = max(1.0, max_upscale)
        self._text = ""
        was_zoomed = self._zoom is not None
        self._zoom = None
        self._center = QPointF(original[0] / 2, original[1] / 2)
        self._update_cursor()
        if was_zoomed:
            self.zoom_changed.emit(False)
        self.update()

    def replace_pixmap(self, pixmap: QPixmap) -> None:
        """A sharper decode of the same picture: zoom and pan stay where they are."""
        self._pixmap = pixmap
        self.update()

    def show_text(self, text: str) -> None:
        """No picture: a centred line instead (e.g. "Loading …")."""
        self._pixmap = None
        self._text = text
        self._badge = ""
        if self._zoom is not None:
            self._zoom = None
            self.zoom_changed.emit(False)
        self._update_cursor()
        self.update()

    def set_badge(self, text: str) -> None:
        """A short note painted in a corner of the picture ("incomplete file")."""
        self._badge = text
        self.update()

    def badge(self) -> str:
        """The note painted in the picture's corner ("" when none)."""
        return self._badge

    def text(self) -> str:
        """The line shown instead of a picture ("" when a picture is shown)."""
        return self._text

    def has_image(self) -> bool:
        return self._pixmap is not None

    def pixmap_size(self) -> tuple[int, int]:
        if self._pixmap is None:
            return (0, 0)
        return (self._pixmap.width(), self._pixmap.height())

    # --- zoom ---------------------------------------------------------------------

    def is_zoomed(self) -> bool:
        return self._zoom is not None

    def scale(self) -> float:
        """Device pixels per picture pixel as painted now."""
        return self._fit_scale() if self._zoom is None else self._zoom

    def toggle_zoom(self, anchor: QPointF | None = None) -> None:
        """Fit ↔ 100 %. A picture already shown at 100 % or more zooms to twice that."""
        if self._pixmap is None:
            return
        if self._zoom is not None:
            self._set_zoom(None, anchor)
            return
        fit = self._fit_scale()
        self._set_zoom(1.0 if fit < 0.99 else 2.0 * fit, anchor)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        if self._pixmap is None:
            return
        fit = self._fit_scale()
        target = min(self.scale() * factor, max(_MAX_ZOOM, fit))
        # Zooming out to the fitted size or below is just "fit".
        self._set_zoom(None if target <= fit * 1.001 else target, anchor)

    def _set_zoom(self, zoom: float | None, anchor: QPointF | None) -> None:
        if anchor is None:
            anchor = QPointF(self.width() / 2, self.height() / 2)
        # Keep the picture point under the anchor where it is.
        rect = self._image_rect()
        ratio = self.devicePixelRatioF()
        old = self.scale()
        point = QPointF(
            (anchor.x() - rect.x()) * ratio / old, (anchor.y() - rect.y()) * ratio / old
        )
        was_zoomed = self._zoom is not None
        self._zoom = zoom
        new = self.scale()
        centre = QPointF(self.width() / 2, self.height() / 2)
        self._center = QPointF(
            point.x() + (centre.x() - anchor.x()) * ratio / new,
            point.y() + (centre.y() - anchor.y()) * ratio / new,
        )
        self._update_cursor()
        if was_zoomed != (zoom is not None):
            self.zoom_changed.emit(zoom is not None)
        self.decode_wanted.emit()
        self.update()

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) logical pixels (positive: picture moves right/down)."""
        if self._zoom is None:
            return
        factor = self.devicePixelRatioF() / self._zoom
        self._center = QPointF(self._center.x() - dx * factor, self._center.y() - dy * factor)
        self.update()

    # --- geometry -----------------------------------------------------------------

    def _fit_scale(self) -> float:
        width, height = self._original
        if not width or not height:
            return 1.0
        ratio = self.devicePixelRatioF()
        fit = min(self.width() * ratio / width, self.height() * ratio / height)
        return min(fit, self._max_upscale)

    def _image_rect(self) -> QRectF:
        """Where the whole picture lands, in logical widget coordinates."""
        scale = self.scale() / self.devicePixelRatioF()
        width, height = self._original[0] * scale, self._original[1] * scale
        if self._zoom is None:
            return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)
        x = self.width() / 2 - self._center.x() * scale
        y = self.height() / 2 - self._center.y() * scale
        x = _clamp_edge(x, width, self.width())
        y = _clamp_edge(y, height, self.height())
        # Store the clamped centre, so panning past an edge does not build up slack.
        self._center = QPointF((self.width() / 2 - x) / scale, (self.height() / 2 - y) / scale)
        return QRectF(x, y, width, height)

    # --- events -------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        if self._pixmap is None:
            if self._text:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._text)
            painter.end()
            return
        rect = self._image_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawPixmap(rect, self._pixmap, QRectF(self._pixmap.rect()))
        badges = [b for b in (self._badge, self._zoom_label()) if b]
        if badges:
            self._paint_badge(painter, "  ·  ".join(badges))
        painter.end()
        self.painted.emit()

    def _zoom_label(self) -> str:
        return f"{self._zoom * 100:.0f} %" if self._zoom is not None else ""

    def _paint_badge(self, painter: QPainter, text: str) -> None:
        palette = self.palette()
        metrics = painter.fontMetrics()
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
        box.moveBottomLeft(QPointF(8, self.height() - 8))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.ToolTipBase))
        painter.setOpacity(0.85)
        painter.drawRoundedRect(box, 4, 4)
        painter.setOpacity(1.0)
        painter.setPen(palette.color(QPalette.ColorRole.ToolTipText))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._pixmap is not None and self._zoom is None:
            self.decode_wanted.emit()

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.toggle_zoom(event.position())
            event.accept()
        else:
            super().mouseDoubleClickEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._zoom is not None:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
        else:
            event.ignore()  # let the pane take focus

    def mouseMoveEvent(self, event) -> None:
        if self._drag_from is None:
            return
        delta = event.position() - self._drag_from
        self._drag_from = event.position()
        self.pan_by(delta.x(), delta.y())

    def mouseReleaseEvent(self, event) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self._update_cursor()

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if delta.y():
                self.zoom_by(_ZOOM_STEP ** (delta.y() / 120), event.position())
            event.accept()
        elif self._zoom is not None:
            pixels = event.pixelDelta()
            if pixels.isNull():
                pixels = delta / 2
            self.pan_by(pixels.x(), pixels.y())
            event.accept()
        else:
            event.ignore()

    def handle_key(self, key: int) -> bool:
        """Zoom and pan keys, for the pane to forward; True when the key was used.

        Only keys the main window does not bind: + and - zoom, arrows pan when zoomed.
        """
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(_ZOOM_STEP)
            return self._pixmap is not None
        if key == Qt.Key.Key_Minus:
            self.zoom_by(1 / _ZOOM_STEP)
            return self._pixmap is not None
        if self._zoom is None:
            return False
        steps = {
            Qt.Key.Key_Left: (_PAN_STEP, 0),
            Qt.Key.Key_Right: (-_PAN_STEP, 0),
            Qt.Key.Key_Up: (0, _PAN_STEP),
            Qt.Key.Key_Down: (0, -_PAN_STEP),
        }
        if key in steps:
            self.pan_by(*steps[key])
            return True
        return False

    def _update_cursor(self) -> None:
        if self._zoom is not None:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()


def _clamp_edge(start: float, length: float, available: float) -> float:
    """Centre a picture smaller than the view; keep a bigger one covering it."""
    if length <= available:
        return (available - length) / 2
    return min(0.0, max(start, available - length))
