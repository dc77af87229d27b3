"""The members of one duplicate group, side by side: a card each with a small preview,
its role (primary, copy, split off), drive and whether it is mounted, path, size, date,
the state of its content hash and its status.

Previews come from the preview pane's machinery (PreviewDecoder): decoded in a worker
process, so a hostile file cannot take the window down, one at a time, the panel's
own queue feeding it. A video shows its stored poster frame even with its drive away.
"""

from __future__ import annotations

import os
from collections import OrderedDict

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from luna_desktop.catalog.duplicate_views import GroupView, MemberView
from luna_desktop.catalog.formatting import human_size
from luna_desktop.catalog.status import Status

from . import palette
from .duplicate_words import rule_words
from .mount_watch import Mount, MountWatch
from .preview_worker import PreviewRequest

MEMBER_ROLE = Qt.ItemDataRole.UserRole + 1
_KEEP_THUMBS = 64  # previews kept for groups seen again (about 6 MB)
THUMB = QSize(200, 120)
CARD_WIDTH = THUMB.width() + 20
_LINES = 6

_MOUNT_WORDS = {
    Mount.MOUNTED: "mounted",
    Mount.ABSENT: "not mounted",
    Mount.NOT_RESPONDING: "not responding",
    Mount.UNKNOWN: "checking…",
}


class MemberModel(QAbstractListModel):
    """One list of cards: a group's kept members, or its split ones."""

    def __init__(self, mounts: MountWatch, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mounts = mounts
        self.view: GroupView | None = None
        self.members: list[MemberView] = []
        self.thumbs: dict[int, QImage] = {}
        self.notes: dict[int, str] = {}  # why a member has no preview

    def show(self, view: GroupView | None, members: list[MemberView]) -> None:
        self.beginResetModel()
        self.view, self.members = view, members
        kept = {m.id for m in members}  # the same files shown again keep their previews
        self.thumbs = {i: image for i, image in self.thumbs.items() if i in kept}
        self.notes = {i: note for i, note in self.notes.items() if i in kept}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.members)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        m = self.members[index.row()]
        if role == MEMBER_ROLE:
            return m
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return "\n".join(self.lines(m))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{m.member.drive}:{m.path}\n" + "\n".join(self.lines(m)[1:])
        return None

    def mount_state(self, m: MemberView) -> Mount:
        return self.mounts.state(m.mount_path)

    def lines(self, m: MemberView) -> list[str]:
        """The card's text: role, drive, path, size and date, content, status."""
        assert self.view is not None
        group = self.view.group
        if m.role == "primary":
            role = f"★ Primary: {rule_words(group.chosen_by)}"
        elif m.role == "copy":
            role = "Copy"
        else:
            role = "Split off: different content"
        date = (m.member.taken_at or "")[:16].replace("T", " ")
        size = human_size(m.member.size)
        status = Status(m.status)
        return [
            role,
            f"{m.member.drive} — {_MOUNT_WORDS[self.mount_state(m)]}",
            m.path,
            f"{size} · {date}" if date else size,
            self._content_words(m),
            status.label,  # drawn after the status's swatch (colour and glyph)
        ]

    def _content_words(self, m: MemberView) -> str:
        assert self.view is not None
        mine, primary = m.member.content_hash, self.view.group.primary.content_hash
        if not mine:
            return "Content: not hashed yet"
        if m.role == "split":
            return "Content: differs from the primary"
        if m.role == "primary":
            return "Content: hashed"
        return "Content: same as the primary" if mine == primary else "Content: hashed"

    def set_thumb(self, file_id: int, image: QImage | None, note: str = "") -> None:
        if image is not None:
            self.thumbs[file_id] = image
        elif note:
            self.notes[file_id] = note
        for row, m in enumerate(self.members):
            if m.id == file_id:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def refresh_mounts(self) -> None:
        if self.members:
            self.dataChanged.emit(self.index(0), self.index(len(self.members) - 1))


class MemberDelegate(QStyledItemDelegate):
    """Paints a member's card: the preview on top, its lines below."""

    def __init__(self, model: MemberModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return card_size(option.font)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        m: MemberView = index.data(MEMBER_ROLE)
        pal: QPalette = option.palette
        rect: QRect = option.rect.adjusted(3, 3, -3, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # Selection tints the card and thickens its border: a highlight fill over the
        # whole card would drown the preview (a blue photo on a blue card).
        highlight = pal.color(QPalette.ColorRole.Highlight)
        fill = pal.color(QPalette.ColorRole.Base)
        if selected:
            fill = _mix(fill, highlight, 0.22)
        border = pal.color(QPalette.ColorRole.PlaceholderText)
        border.setAlpha(120)
        if m.role == "split":
            border = palette.status_color(int(Status.NEEDS_ATTENTION), palette.is_dark(pal))
        if selected:
            border = highlight
        painter.setBrush(fill)
        painter.setPen(QPen(border, 2.5 if selected else 1.0))
        painter.drawRoundedRect(rect, 6, 6)
        if focused and selected:
            dots = QPen(pal.color(QPalette.ColorRole.Text), 1.0, Qt.PenStyle.DotLine)
            painter.setPen(dots)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(4, 4, -4, -4), 4, 4)
        ink = pal.color(QPalette.ColorRole.Text)
        box = QRect(rect.left() + 7, rect.top() + 7, THUMB.width(), THUMB.height())
        self._paint_thumb(painter, box, m, pal)
        self._paint_lines(painter, rect, box.bottom() + 8, m, ink, pal)
        painter.restore()

    def _paint_thumb(self, painter: QPainter, box: QRect, m: MemberView, pal: QPalette) -> None:
        image = self.model.thumbs.get(m.id)
        if image is not None:
            size = image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, image)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        note = self.model.notes.get(m.id) or _no_preview_words(m, self.model.mount_state(m))
        painter.drawText(
            box.adjusted(8, 8, -8, -8),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            note,
        )

    def _paint_lines(
        self,
        painter: QPainter,
        rect: QRect,
        top: int,
        m: MemberView,
        ink: QColor,
        pal: QPalette,
    ) -> None:
        lines = self.model.lines(m)
        font = QFont(painter.font())
        metrics = QFontMetrics(font)
        step = metrics.lineSpacing()
        width = rect.width() - 14
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        dark = palette.is_dark(pal)
        for number, text in enumerate(lines):
            line_font = QFont(font)
            color = ink
            if number == 0:
                line_font.setBold(True)
                if m.role == "split":
                    color = palette.status_color(int(Status.NEEDS_ATTENTION), dark)
            elif number in (1, 3, 4):
                color = muted
            elif number == 5:
                color = palette.status_color(m.status, dark)
            painter.setFont(line_font)
            painter.setPen(color)
            line = QRect(rect.left() + 7, top + number * step, width, step)
            if number == 5:  # the status: its swatch, as in the tree, then its name
                icon = palette.status_icon(m.status, dark)
                icon.paint(painter, QRect(line.left(), line.center().y() - 6, 12, 12))
                line.setLeft(line.left() + 18)
            mode = Qt.TextElideMode.ElideMiddle if number == 2 else Qt.TextElideMode.ElideRight
            shown = QFontMetrics(line_font).elidedText(text, mode, line.width())
            painter.drawText(
                line, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown
            )


def _mix(a: QColor, b: QColor, share: float) -> QColor:
    """`a` with `share` of `b` mixed in."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * share),
        round(a.green() + (b.green() - a.green()) * share),
        round(a.blue() + (b.blue() - a.blue()) * share),
    )


def card_size(font: QFont) -> QSize:
    line = QFontMetrics(font).lineSpacing()
    return QSize(CARD_WIDTH, THUMB.height() + 16 + _LINES * line + 8)


def _no_preview_words(m: MemberView, state: Mount) -> str:
    if m.kind == "audio":
        return "Sound: no picture"
    if not previewable(m):
        return f"No preview for this kind of file ({m.mime or m.kind})"
    if state is not Mount.MOUNTED and state is not Mount.UNKNOWN:
        return f"Drive {m.member.drive} is not mounted: no preview"
    return "Loading preview…"


def previewable(m: MemberView) -> bool:
    return m.kind in ("image", "video") or m.mime == "application/pdf"


def member_list(name: str) -> QListView:
    """A row of cards, scrolled sideways, moved through with the arrow keys."""
    view = QListView()
    view.setFixedHeight(
        card_size(view.font()).height() + view.horizontalScrollBar().sizeHint().height() + 12
    )
    view.setObjectName(name)
    view.setViewMode(QListView.ViewMode.ListMode)
    view.setFlow(QListView.Flow.LeftToRight)
    view.setWrapping(False)
    view.setUniformItemSizes(True)
    view.setSpacing(2)
    view.setHorizontalScrollMode(QListView.ScrollMode.ScrollPerPixel)
    view.setSelectionMode(QListView.SelectionMode.SingleSelection)
    view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
    return view


# -- previews ------------------------------------------------------------------------


class Thumbnails(QObject):
    """Small previews for a group's members, decoded one after another; a newer group's
    requests replace whatever still waits. The latest few dozen are kept."""

    arrived = Signal(int, object, str)  # file id, QImage or None, why there is none

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._decoder = None  # the worker process starts with the first preview
        self._queue: list[PreviewRequest] = []
        self._busy = False
        self._done: OrderedDict[tuple[int, bytes | str | None], QImage] = OrderedDict()
        self._posters_dir: str | None = None

    def load(self, members: list[MemberView], mounts: MountWatch, ratio: float) -> None:
        box = (round(THUMB.width() * ratio), round(THUMB.height() * ratio))
        self._queue = []
        for m in members:
            request = self._request(m, mounts, box)
            if request is None:
                continue
            known = self._done.get((request.file_id, request.path))
            if known is not None:
                self.arrived.emit(m.id, known, "")
            else:
                self._queue.append(request)
        self._next()

    def stop(self) -> None:
        self._queue = []
        if self._decoder is not None:
            self._decoder.stop()

    def _request(self, m: MemberView, mounts: MountWatch, box) -> PreviewRequest | None:
        if not previewable(m):
            return None
        path = None
        if m.mount_path and mounts.usable(m.mount_path):
            path = os.path.join(os.fsencode(m.mount_path), m.relpath)
        if m.kind == "video":
            if self._posters_dir is None:
                from luna_desktop.media.posters import default_poster_dir

                self._posters_dir = str(default_poster_dir())
            return PreviewRequest(
                m.id, path, m.mime, box, poster=True, oshash=m.member.oshash,
                duration=m.duration, posters_dir=self._posters_dir,
            )  # fmt: skip
        if path is None:
            return None
        return PreviewRequest(m.id, path, m.mime, box)

    def _next(self) -> None:
        if self._busy or not self._queue:
            return
        if self._decoder is None:
            from .preview_decoder import PreviewDecoder

            self._decoder = PreviewDecoder(self, cache_entries=1)
            self._decoder.decoded.connect(self._decoded)
        self._busy = True
        self._decoder.request(self._queue.pop(0))

    def _decoded(self, result) -> None:
        self._busy = False
        request = result.request
        if result.entry is not None:
            self._done[(request.file_id, request.path)] = result.entry.image
            while len(self._done) > _KEEP_THUMBS:
                self._done.popitem(last=False)
            self.arrived.emit(request.file_id, result.entry.image, "")
        else:
            self.arrived.emit(request.file_id, None, f"No preview: {result.error}")
        self._next()
