"""How one cell of the contact sheet is painted: a card with the thumbnail, the name
below it, and the file's status as a coloured frame and a glyph badge.

The status frame is what the eye catches across a sheet; the badge (the tree's swatch
and glyph) is what makes it readable without colour. Selection tints the card and
rings it in the highlight colour, outside the status frame, so a selected file still
shows its decision. Without a thumbnail the picture area says why: a glyph for the
kind of file (film, page, sound…) and a word when it matters (offline, missing, no
preview). Colours come from the view's palette and palette.py, so the light and dark
themes both read well.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from luna_desktop.catalog.sheet_rows import SheetRow
from luna_desktop.catalog.status import Status

from . import palette
from .contact_sheet_model import ROW_ROLE, duration_text

# The cell's geometry, in device-independent pixels. Cells tile the view with no spacing
# (the gap between cards is the cell's own margin), so a point maps to one cell.
CELL = QSize(184, 192)
MARGIN = 6  # between the cell's edge and the card
PAD = 7  # between the card's edge and the picture
PICTURE = QSize(CELL.width() - 2 * (MARGIN + PAD), 128)
CAPTION = 22  # the name row under the picture
BADGE = 16  # the status glyph's swatch
FRAME = 3.0  # the status frame's width

Role = QPalette.ColorRole


@dataclass
class Look:
    """What the delegate needs besides the row: supplied by the sheet."""

    image: QImage | None  # the decoded thumbnail, if at hand
    note: str  # why there is no thumbnail ("" while it loads)


class CellDelegate(QStyledItemDelegate):
    """Paints a cell; `look(row)` tells it the row's thumbnail or why there is none."""

    def __init__(self, look, parent=None) -> None:
        super().__init__(parent)
        self._look = look

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        row: SheetRow = index.data(ROW_ROLE)
        if row is None:
            return
        pal: QPalette = option.palette
        dark = palette.is_dark(pal)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        current = bool(option.state & QStyle.StateFlag.State_HasFocus)
        cell = QRectF(option.rect)
        painter.save()
        ratio = painter.device().devicePixelRatioF()
        painter.drawPixmap(
            option.rect.topLeft(), _card(Status(row.status), selected, current, pal, dark, ratio)
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        box = QRectF(
            cell.left() + MARGIN + PAD, cell.top() + MARGIN + PAD, PICTURE.width(), PICTURE.height()
        )
        look: Look = self._look(row)
        if look.image is not None:
            _paint_image(painter, box, look.image, row, pal, dark)
        else:
            _paint_placeholder(painter, box, row, look.note, pal, dark)
        caption = QRectF(box.left(), box.bottom() + 5, box.width(), CAPTION)
        _paint_caption(painter, caption, row, option.font, pal, dark)
        painter.restore()


_CARDS: dict[tuple, QPixmap] = {}


def _card(
    status: Status, selected: bool, current: bool, pal: QPalette, dark: bool, ratio: float
) -> QPixmap:
    """A cell's card without its contents: the same few dozen for any sheet, so they are
    drawn once (antialiased rounded frames are most of a cell's painting)."""
    key = (status, selected, current, pal.cacheKey(), dark, ratio)
    pixmap = _CARDS.get(key)
    if pixmap is None:
        if len(_CARDS) > 256:  # palettes come and go with theme changes
            _CARDS.clear()
        pixmap = _CARDS[key] = _draw_card(status, selected, current, pal, dark, ratio)
    return pixmap


def _draw_card(
    status: Status, selected: bool, current: bool, pal: QPalette, dark: bool, ratio: float
) -> QPixmap:
    pixmap = QPixmap(CELL * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    cell = QRectF(0, 0, CELL.width(), CELL.height())
    card = cell.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    highlight = pal.color(Role.Highlight)
    if selected:  # a tint around the card and in it, leaving the status frame its colour
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_alpha(highlight, 0.30 if dark else 0.20))
        painter.drawRoundedRect(cell.adjusted(1, 1, -1, -1), 8, 8)
    fill = _card_fill(pal, dark)
    if selected:
        fill = _mix(fill, highlight, 0.18)
    if status is not Status.UNREVIEWED:
        # A frame in the status colour: the sheet reads as decisions at a glance.
        painter.setPen(QPen(palette.status_color(status, dark), FRAME))
        inset = FRAME / 2
    else:
        painter.setPen(QPen(_alpha(pal.color(Role.Text), 0.16 if dark else 0.13), 1.0))
        inset = 0.5
    painter.setBrush(fill)
    painter.drawRoundedRect(card.adjusted(inset, inset, -inset, -inset), 6, 6)
    if current:  # the cell the arrows move from, and Enter opens
        painter.setPen(QPen(highlight, 2.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(cell.adjusted(1.75, 1.75, -1.75, -1.75), 8, 8)
    painter.end()
    return pixmap


def _paint_image(
    painter: QPainter, box: QRectF, image: QImage, row: SheetRow, pal: QPalette, dark: bool
) -> None:
    # Decoded in device pixels for this screen (thumbnail_loader): drawn at its logical size.
    ratio = painter.device().devicePixelRatioF() or 1.0
    size = QSize(round(image.width() / ratio), round(image.height() / ratio))
    if size.width() > box.width() or size.height() > box.height():
        size = size.scaled(box.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRectF(0, 0, size.width(), size.height())
    target.moveCenter(box.center())
    target = QRectF(target.toAlignedRect())  # whole pixels: no blurred edges
    # A hairline around the picture keeps a white sky from running into a white card:
    # a filled rectangle under it, the cheapest thing a painter draws.
    painter.fillRect(target.adjusted(-1, -1, 1, 1), QColor(0, 0, 0, 90 if dark else 40))
    if not row.present:
        painter.fillRect(target, _card_fill(pal, dark))
        painter.setOpacity(0.35)
    painter.drawImage(target, image)
    painter.setOpacity(1.0)
    if not row.present:
        _paint_pill(painter, target, "Missing", Qt.AlignmentFlag.AlignCenter)
    elif row.kind in ("video", "audio") and row.duration:
        _paint_pill(painter, target, duration_text(row.duration), Qt.AlignmentFlag.AlignRight)


def _paint_pill(painter: QPainter, area: QRectF, text: str, where: Qt.AlignmentFlag) -> None:
    """A small dark label on the picture (a video's length, "Missing")."""
    font = QFont(painter.font())
    font.setPixelSize(11)
    font.setBold(True)
    metrics = QFontMetrics(font)
    width, height = metrics.horizontalAdvance(text) + 10, metrics.height() + 2
    if where == Qt.AlignmentFlag.AlignCenter:
        pill = QRectF(0, 0, width, height)
        pill.moveCenter(area.center())
    else:
        pill = QRectF(area.right() - width - 4, area.bottom() - height - 4, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 170))
    painter.drawRoundedRect(pill, height / 2, height / 2)
    painter.setPen(QColor("#ffffff"))
    painter.setFont(font)
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


def _paint_placeholder(
    painter: QPainter, box: QRectF, row: SheetRow, note: str, pal: QPalette, dark: bool
) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(_well(pal, dark))
    painter.drawRoundedRect(box, 4, 4)
    if not note:
        return  # on its way: an empty well, not a glyph that flickers away
    ink = _alpha(pal.color(Role.Text), 0.45 if dark else 0.4)
    glyph = QRectF(0, 0, 44, 36)
    glyph.moveCenter(box.center() - QPointF(0, 9))
    _paint_kind(painter, glyph, row.kind, ink)
    font = QFont(painter.font())
    font.setPixelSize(11)
    painter.setFont(font)
    painter.setPen(_alpha(pal.color(Role.Text), 0.62))
    words = QRectF(box.left(), glyph.bottom() + 6, box.width(), 16)
    painter.drawText(words, Qt.AlignmentFlag.AlignCenter, note)
    if row.kind in ("video", "audio") and row.duration:
        _paint_pill(painter, box, duration_text(row.duration), Qt.AlignmentFlag.AlignRight)


def _paint_kind(painter: QPainter, r: QRectF, kind: str, ink: QColor) -> None:
    """A line drawing of the kind of file: a film frame, a page, a sound wave, a picture."""
    painter.save()
    pen = QPen(ink, 2.0)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if kind == "video":
        frame = r.adjusted(2, 4, -2, -4)
        painter.drawRoundedRect(frame, 3, 3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ink)
        for i in range(5):  # the sprocket holes
            x = frame.left() + 5 + i * (frame.width() - 12) / 4
            painter.drawRect(QRectF(x, frame.top() + 2.5, 3, 3))
            painter.drawRect(QRectF(x, frame.bottom() - 5.5, 3, 3))
        c = frame.center()
        play = QPainterPath(QPointF(c.x() - 4, c.y() - 6))
        play.lineTo(QPointF(c.x() + 6, c.y()))
        play.lineTo(QPointF(c.x() - 4, c.y() + 6))
        play.closeSubpath()
        painter.drawPath(play)
    elif kind == "audio":
        heights = (0.3, 0.6, 1.0, 0.7, 0.45, 0.85, 0.5, 0.25)
        step = r.width() / len(heights)
        for i, h in enumerate(heights):
            x = r.left() + step * (i + 0.5)
            half = r.height() * h / 2
            painter.drawLine(QPointF(x, r.center().y() - half), QPointF(x, r.center().y() + half))
    elif kind == "image":
        frame = r.adjusted(4, 3, -4, -3)
        painter.drawRoundedRect(frame, 3, 3)
        hills = QPainterPath(QPointF(frame.left() + 3, frame.bottom() - 3))
        hills.lineTo(QPointF(frame.left() + 13, frame.bottom() - 14))
        hills.lineTo(QPointF(frame.left() + 20, frame.bottom() - 8))
        hills.lineTo(QPointF(frame.left() + 26, frame.bottom() - 15))
        hills.lineTo(QPointF(frame.right() - 3, frame.bottom() - 3))
        painter.drawPath(hills)
        painter.drawEllipse(QPointF(frame.right() - 9, frame.top() + 8), 3, 3)
    else:  # a document, or a file of another kind: a page, with lines when it is text
        page = QRectF(0, 0, 28, r.height())
        page.moveCenter(r.center())
        fold = 8
        path = QPainterPath(page.topLeft())
        path.lineTo(QPointF(page.right() - fold, page.top()))
        path.lineTo(QPointF(page.right(), page.top() + fold))
        path.lineTo(page.bottomRight())
        path.lineTo(page.bottomLeft())
        path.closeSubpath()
        painter.drawPath(path)
        painter.drawPolyline(
            [
                QPointF(page.right() - fold, page.top()),
                QPointF(page.right() - fold, page.top() + fold),
                QPointF(page.right(), page.top() + fold),
            ]
        )
        if kind == "document":
            for i in range(3):
                y = page.top() + 15 + i * 6
                painter.drawLine(QPointF(page.left() + 6, y), QPointF(page.right() - 6, y))
    painter.restore()


def _paint_caption(
    painter: QPainter, r: QRectF, row: SheetRow, font: QFont, pal: QPalette, dark: bool
) -> None:
    badge = QRectF(r.left(), r.center().y() - BADGE / 2, BADGE, BADGE)
    palette.status_icon(row.status, dark, BADGE).paint(painter, badge.toAlignedRect())
    text = QFont(font)
    if not row.present:
        text = palette.missing_font(text)
    painter.setFont(text)
    painter.setPen(pal.color(Role.Text) if row.present else palette.missing_color(dark))
    name_box = QRectF(badge.right() + 6, r.top(), r.right() - badge.right() - 6, r.height())
    name = QFontMetrics(text).elidedText(
        row.filename, Qt.TextElideMode.ElideMiddle, int(name_box.width())
    )
    painter.drawText(name_box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)


def _card_fill(pal: QPalette, dark: bool) -> QColor:
    # Light: white cards on the view's pale grey; dark: cards a step above the view.
    return pal.color(Role.Base) if not dark else _mix(pal.color(Role.Base), QColor("#ffffff"), 0.06)


def _well(pal: QPalette, dark: bool) -> QColor:
    """The picture area when it has no picture: a shade off the card."""
    return _mix(_card_fill(pal, dark), pal.color(Role.Text), 0.07 if dark else 0.06)


def _alpha(color: QColor, alpha: float) -> QColor:
    c = QColor(color)
    c.setAlphaF(alpha)
    return c


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def sheet_background(pal: QPalette, dark: bool) -> QColor:
    """The view's background under the cards."""
    return pal.color(Role.Window) if not dark else pal.color(Role.Base)
