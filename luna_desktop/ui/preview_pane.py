"""The preview pane: the current file's picture (or why there is none) and its facts.

Threading. Decoding (`media.render`, Qt-free) runs on the pane's own one-thread
QThreadPool, so a scan on the global pool never delays a preview and previews never
pile up. There is at most one decode in flight and one pending request; a new request
replaces the pending one, so holding j (show_file many times a second) never queues
stale work: when the decode in flight finishes, only the latest request runs next.
A result for a file that is no longer current is not shown (it stays in the small
LRU cache, which makes going back instant). The worker builds the QImage (QImage is
safe off the GUI thread, QPixmap is not); the GUI thread only wraps it in a QPixmap.

Results reach the GUI thread through a signal of a QObject that is a child of the
pane, created after the pool: Qt deletes children in creation order, so when the pane
goes, the pool is destroyed first and waits for a running decode before the object it
emits on disappears.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.media.render import (
    PreviewError,
    Rendered,
    fit_size,
    read_text_preview,
    render_preview,
)
from luna_desktop.ui.image_view import ImageView

__all__ = ["PreviewPane"]

log = logging.getLogger(__name__)

TEXT_LIMIT = 64 * 1024
CACHE_BYTES = 256 * 1024 * 1024
# How long the previous picture may stay up before "Loading …" replaces it: long
# enough that a quick decode swaps pictures without a blank flash in between.
_LOADING_DELAY_MS = 150
# Resizing emits a stream of events; decode a bigger picture once it settles.
_RESIZE_SETTLE_MS = 120
# Decode for this box while the pane has not been laid out yet.
_DEFAULT_BOX = (1280, 960)
# An embedded raw preview stands in for a bigger picture, so fitting may enlarge it,
# up to this factor.
_PREVIEW_UPSCALE = 8.0
_TEXT_MIMES = frozenset(
    {"application/json", "application/xml", "application/x-subrip", "image/svg+xml"}
)


# --- decoding off the GUI thread ----------------------------------------------------


@dataclass(frozen=True)
class _Request:
    file_id: int
    path: bytes | str
    mime: str | None
    box: tuple[int, int] | None  # decode to fit this box; None: full size
    text: bool = False


@dataclass
class _Result:
    request: _Request
    rendered: Rendered | None = None  # its pixel bytes dropped: `image` holds them
    image: QImage | None = None
    text: str = ""
    more_text: bool = False
    error: str | None = None


class _Bridge(QObject):
    finished = Signal(object)  # a _Result, delivered queued to the GUI thread


class _DecodeJob(QRunnable):
    def __init__(self, request: _Request, bridge: _Bridge) -> None:
        super().__init__()
        self._request = request
        self._bridge = bridge

    def run(self) -> None:
        result = _decode(self._request)
        with contextlib.suppress(RuntimeError):  # the pane (and its bridge) are gone
            self._bridge.finished.emit(result)


def _decode(request: _Request) -> _Result:
    try:
        if request.text:
            text, more = read_text_preview(request.path, TEXT_LIMIT)
            return _Result(request, text=text, more_text=more)
        rendered = render_preview(request.path, request.box, mime=request.mime)
        return _Result(request, rendered=replace(rendered, data=b""), image=_qimage(rendered))
    except PreviewError as exc:
        return _Result(request, error=exc.message)
    except Exception as exc:  # the pane must hear back, or it would wait forever
        log.exception("preview of file %s failed", request.file_id)
        return _Result(request, error=f"unexpected error ({type(exc).__name__}: {exc})")


def _qimage(rendered: Rendered) -> QImage:
    if rendered.mode == "RGBA":
        source, native = QImage.Format.Format_RGBA8888, QImage.Format.Format_ARGB32_Premultiplied
    else:
        source, native = QImage.Format.Format_RGB888, QImage.Format.Format_RGB32
    image = QImage(rendered.data, rendered.width, rendered.height, rendered.stride, source)
    # A deep copy out of the Python bytes, in the format a QPixmap uses as it is, so
    # QPixmap.fromImage on the GUI thread costs next to nothing.
    return image.convertToFormat(native)


# --- the cache ------------------------------------------------------------------------


@dataclass
class _Entry:
    rendered: Rendered
    image: QImage

    @property
    def size(self) -> tuple[int, int]:
        return (self.rendered.width, self.rendered.height)

    def covers(self, box: tuple[int, int] | None) -> bool:
        """Sharp enough to paint fitted into `box` (None: at full size)?"""
        original = self.rendered.original_size
        if self.size == original:
            return True
        if box is None:
            return False
        fitted = fit_size(original, box)
        return self.size[0] >= fitted[0] - 1 and self.size[1] >= fitted[1] - 1


class _RenderCache:
    """Recent decodes keyed by (file, path, box), bounded by count and by bytes."""

    def __init__(self, entries: int, max_bytes: int = CACHE_BYTES) -> None:
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._limit = entries
        self._max_bytes = max_bytes

    def put(self, request: _Request, entry: _Entry) -> None:
        key = (request.file_id, request.path, request.box)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        total = sum(e.image.sizeInBytes() for e in self._entries.values())
        while len(self._entries) > max(self._limit, 1) or (
            total > self._max_bytes and len(self._entries) > 1
        ):
            _key, dropped = self._entries.popitem(last=False)
            total -= dropped.image.sizeInBytes()

    def best(self, file_id: int, path: bytes | str, box: tuple[int, int] | None) -> _Entry | None:
        """The smallest entry that covers `box`, or None."""
        fits = [
            (key, e)
            for key, e in self._entries.items()
            if key[:2] == (file_id, path) and e.covers(box)
        ]
        if not fits:
            return None
        key, entry = min(fits, key=lambda item: item[1].size[0] * item[1].size[1])
        self._entries.move_to_end(key)
        return entry

    def largest(self, file_id: int, path: bytes | str) -> _Entry | None:
        mine = [e for key, e in self._entries.items() if key[:2] == (file_id, path)]
        return max(mine, key=lambda e: e.size[0] * e.size[1], default=None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# --- the pane -------------------------------------------------------------------------


@dataclass
class _Current:
    file_id: int
    path: bytes | None
    facts: dict[str, Any]
    mode: str = "message"  # "image", "text" or "message"
    shown: _Entry | None = None  # the decode the view holds for this file
    announced: bool = False  # rendered/failed/presented already emitted
    note: str = field(default="")


class PreviewPane(QWidget):
    """The current file's preview with a compact facts panel below it.

    Signals:
    - `rendered(file_id)`: the current file's picture (or text) was painted; once per
      `show_file`, not again for a sharper decode of the same file.
    - `failed(file_id, message)`: the file cannot be shown; `message` is the headline
      the pane shows (decode error, drive not mounted, file missing).
    - `presented(file_id)`: the pane settled on what it will show for this file
      (after `rendered`, after `failed`, or with a placeholder: video, other kinds).

    The pane takes focus, but owns no shortcut or action: the main window binds keys
    and calls `toggle_zoom` and friends. + and - zoom, arrows pan a zoomed picture.
    """

    rendered = Signal(int)
    failed = Signal(int, str)
    presented = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, cache_entries: int = 8) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Created before the bridge on purpose: see the module docstring.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._on_finished)
        self._cache = _RenderCache(cache_entries)
        self._current: _Current | None = None
        self._in_flight: _Request | None = None
        self._pending: _Request | None = None
        self._prefetch: _Request | None = None
        self._awaiting_paint: int | None = None
        #: Decodes started so far (tests and benchmarks read it).
        self.decodes_started = 0

        self._view = ImageView()
        self._view.decode_wanted.connect(self._on_decode_wanted)
        self._view.painted.connect(self._on_painted)
        self._message = _MessageView()
        self._text = QPlainTextEdit()
        self._text.setObjectName("previewText")
        self._text.setReadOnly(True)
        self._text.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # single-letter keys stay the window's
        self._text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._stack = QStackedWidget()
        for widget in (self._view, self._message, self._text):
            self._stack.addWidget(widget)
        self._facts = _FactsPanel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self._facts, 0)

        self._loading_timer = QTimer(self)
        self._loading_timer.setSingleShot(True)
        self._loading_timer.setInterval(_LOADING_DELAY_MS)
        self._loading_timer.timeout.connect(self._show_loading)
        self._upgrade_timer = QTimer(self)
        self._upgrade_timer.setSingleShot(True)
        self._upgrade_timer.timeout.connect(self._upgrade)
        self.clear()

    # --- public API ---------------------------------------------------------------

    def show_file(self, file_id: int, path: bytes | None, facts: dict[str, Any]) -> None:
        """Show one catalogued file. `path`: absolute path on the mounted drive, or
        None when its drive is not mounted. `facts`: kind, mime, size, width, height,
        camera_make, camera_model, taken_at, lat, lng, display_path, duration, error,
        missing, and optionally drive (its name, for the not-mounted message)."""
        facts = dict(facts or {})
        current = self._current
        same = current is not None and (current.file_id, current.path) == (file_id, path)
        if same and current.mode != "message":
            # The same file again (after a save, say): keep picture, zoom and any decode.
            # (A message is worth a second try: the file may be readable by now.)
            current.facts = facts
            self._facts.show_facts(facts, current.note)
            return
        self._pending = None  # whatever was waiting is superseded
        if self._prefetch is not None and self._prefetch.file_id == file_id:
            self._prefetch = None
        current = self._current = _Current(file_id, path, facts)
        self._awaiting_paint = None
        self._facts.show_facts(facts)
        placeholder = _placeholder(path, facts)
        if placeholder is not None:
            headline, is_failure = placeholder
            self._show_message(headline, failure=is_failure)
            return
        assert path is not None
        if _is_text(facts):
            current.mode = "text"
            self._begin_loading()
            self._request(_Request(file_id, path, facts.get("mime"), None, text=True))
            return
        current.mode = "image"
        box = self._wanted_box(fitted=True)
        entry = self._cache.best(file_id, path, box)
        if entry is not None:
            self._display(entry)
            return
        fallback = self._cache.largest(file_id, path)
        if fallback is not None:
            self._display(fallback)  # blurry now, the sharper decode follows
        else:
            self._begin_loading()
        self._request(_Request(file_id, path, facts.get("mime"), box))

    def prefetch(
        self, file_id: int, path: bytes | None, facts: dict[str, Any] | None = None
    ) -> None:
        """Decode a file the curator is likely to show next, when nothing else runs.

        Only the latest prefetch is kept; a `show_file` always goes first. Without
        `facts` the file is taken for an image (a wrong guess costs one failed decode).
        """
        if path is None:
            return
        if facts and (_placeholder(path, facts) is not None or _is_text(facts)):
            return
        facts = facts or {}
        if self._current is not None and self._current.file_id == file_id:
            return
        box = self._wanted_box(fitted=True)
        if self._cache.best(file_id, path, box) is not None:
            return
        request = _Request(file_id, path, facts.get("mime"), box)
        if request in (self._in_flight, self._pending):
            return
        self._prefetch = request
        if self._in_flight is None:
            self._start_next()

    def clear(self) -> None:
        """Nothing selected."""
        self._current = None
        self._pending = None
        self._awaiting_paint = None
        self._loading_timer.stop()
        self._message.set_message("Select a file", "")
        self._stack.setCurrentWidget(self._message)
        self._facts.show_facts({})

    def toggle_zoom(self) -> None:
        """Fit ↔ 100 % (also a double-click on the picture)."""
        if self._stack.currentWidget() is self._view:
            self._view.toggle_zoom()

    def is_zoomed(self) -> bool:
        return self._view.is_zoomed()

    def clear_cache(self) -> None:
        """Forget recent decodes (after a file changed on disk)."""
        self._cache.clear()

    @property
    def current_file_id(self) -> int | None:
        return self._current.file_id if self._current else None

    @property
    def placeholder_text(self) -> str:
        """The headline on show instead of a preview; "" while a preview is shown."""
        if self._stack.currentWidget() is self._message:
            return self._message.headline()
        return ""

    @property
    def image_view(self) -> ImageView:
        return self._view

    # --- scheduling ---------------------------------------------------------------

    def _wanted_box(self, *, fitted: bool = False) -> tuple[int, int] | None:
        """What to decode for: the pane's picture area in device pixels when fitted
        (always, for a new file: it opens fitted), the full picture (None) when zoomed."""
        if self._view.is_zoomed() and not fitted:
            return None
        # The stack, not the view: the view may be a hidden page with a stale size.
        size = self._stack.size()
        if size.width() < 100 or size.height() < 100:  # not laid out yet
            return _DEFAULT_BOX
        ratio = self.devicePixelRatioF()
        return (math.ceil(size.width() * ratio), math.ceil(size.height() * ratio))

    def _request(self, request: _Request) -> None:
        if request == self._in_flight:
            return  # already on its way
        if self._in_flight is None:
            self._start(request)
        else:
            self._pending = request  # replaces (drops) any older pending request

    def _start(self, request: _Request) -> None:
        self._in_flight = request
        self.decodes_started += 1
        self._pool.start(_DecodeJob(request, self._bridge))

    def _start_next(self) -> None:
        request, self._pending = self._pending, None
        if request is None:
            request, self._prefetch = self._prefetch, None
        if request is not None:
            self._start(request)

    def _on_finished(self, result: _Result) -> None:
        request = result.request
        if request == self._in_flight:
            self._in_flight = None
        entry = None
        if result.image is not None and result.rendered is not None:
            entry = _Entry(result.rendered, result.image)
            self._cache.put(request, entry)
        current = self._current
        if current is not None and (current.file_id, current.path) == (
            request.file_id,
            request.path,
        ):
            if request.text:
                self._show_text(result)
            elif entry is not None:
                shown = current.shown
                if shown is None or entry.size[0] * entry.size[1] > shown.size[0] * shown.size[1]:
                    self._display(entry)
            elif current.shown is None:
                self._show_message(f"Cannot show this file: {result.error}", failure=True)
            else:  # a bigger decode failed (too large to zoom, say): keep what is shown
                log.info("sharper preview of file %s failed: %s", request.file_id, result.error)
        if self._in_flight is None:
            self._start_next()

    def _on_decode_wanted(self) -> None:
        self._upgrade_timer.start(0 if self._view.is_zoomed() else _RESIZE_SETTLE_MS)

    def _upgrade(self) -> None:
        """The view paints bigger than its pixmap: fetch a sharper decode."""
        current = self._current
        if current is None or current.mode != "image" or current.shown is None:
            return
        assert current.path is not None
        box = self._wanted_box()
        if current.shown.covers(box):
            return
        entry = self._cache.best(current.file_id, current.path, box)
        if entry is not None:
            self._display(entry)
        else:
            self._request(_Request(current.file_id, current.path, current.facts.get("mime"), box))

    # --- what is shown ------------------------------------------------------------

    def _display(self, entry: _Entry) -> None:
        current = self._current
        assert current is not None
        pixmap = QPixmap.fromImage(entry.image)
        rendered = entry.rendered
        if current.shown is None:
            upscale = 1.0 if rendered.source == "image" else _PREVIEW_UPSCALE
            self._view.set_image(pixmap, rendered.original_size, max_upscale=upscale)
        else:
            self._view.replace_pixmap(pixmap)
        current.shown = entry
        self._view.set_badge("Incomplete file" if rendered.partial else "")
        current.note = _preview_note(rendered)
        self._facts.show_facts(current.facts, current.note)
        self._stack.setCurrentWidget(self._view)
        self._loading_timer.stop()
        if not current.announced:
            current.announced = True
            if self._view.isVisible():
                self._awaiting_paint = current.file_id  # announced from the paint
                self._view.update()
            else:
                self.rendered.emit(current.file_id)
                self.presented.emit(current.file_id)

    def _on_painted(self) -> None:
        file_id, self._awaiting_paint = self._awaiting_paint, None
        if file_id is not None and self._current is not None and self._current.file_id == file_id:
            self.rendered.emit(file_id)
            self.presented.emit(file_id)

    def _show_text(self, result: _Result) -> None:
        current = self._current
        assert current is not None
        if result.error is not None:
            self._show_message(f"Cannot show this file: {result.error}", failure=True)
            return
        text = result.text
        if result.more_text:
            text += f"\n\n… (only the first {TEXT_LIMIT // 1024} KB is shown)"
        self._text.setPlainText(text)
        self._stack.setCurrentWidget(self._text)
        self._loading_timer.stop()
        current.note = f"text, first {TEXT_LIMIT // 1024} KB" if result.more_text else "text"
        self._facts.show_facts(current.facts, current.note)
        current.announced = True
        self.rendered.emit(current.file_id)
        self.presented.emit(current.file_id)

    def _show_message(self, headline: str, *, failure: bool) -> None:
        current = self._current
        assert current is not None
        self._loading_timer.stop()
        self._message.set_message(headline, _file_name(current.facts))
        self._stack.setCurrentWidget(self._message)
        current.mode = "message"
        current.announced = True
        if failure:
            self.failed.emit(current.file_id, headline)
        self.presented.emit(current.file_id)

    def _begin_loading(self) -> None:
        """Keep the previous picture briefly; if nothing arrives, say we are loading."""
        if self._stack.currentWidget() is not self._view:
            self._view.show_text("")
            self._stack.setCurrentWidget(self._view)
        if not self._loading_timer.isActive():
            self._loading_timer.start()

    def _show_loading(self) -> None:
        current = self._current
        if current is None or current.announced or current.shown is not None:
            return
        name = _file_name(current.facts)
        self._view.show_text(f"Loading {name} …" if name else "Loading …")
        self._stack.setCurrentWidget(self._view)

    # --- keys ---------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        on_view = self._stack.currentWidget() is self._view
        plain = not event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if on_view and plain and self._view.handle_key(event.key()):
            event.accept()
            return
        if self._stack.currentWidget() is self._text and event.key() in (
            Qt.Key.Key_PageUp,
            Qt.Key.Key_PageDown,
        ):
            bar = self._text.verticalScrollBar()
            step = bar.pageStep() if event.key() == Qt.Key.Key_PageDown else -bar.pageStep()
            bar.setValue(bar.value() + step)
            event.accept()
            return
        super().keyPressEvent(event)


# --- placeholders and facts -------------------------------------------------------------


def _placeholder(path: bytes | None, facts: dict[str, Any]) -> tuple[str, bool] | None:
    """(headline, is_failure) when the file is not decoded at all, else None."""
    if facts.get("missing"):
        return ("File is missing from the drive", True)
    if path is None:
        drive = facts.get("drive") or "the drive"
        return (f"Drive not mounted — connect {drive} to see this file", True)
    if facts.get("size") == 0:
        return ("Cannot show this file: the file is empty (0 bytes)", True)
    kind, mime = facts.get("kind") or "", facts.get("mime") or ""
    if _is_text(facts):
        return None
    if kind == "video" or mime.startswith("video/"):
        return ("Video — preview not available yet", False)
    if kind == "image" or mime.startswith("image/"):
        return None
    return ("No preview for this kind of file", False)


def _is_text(facts: dict[str, Any]) -> bool:
    mime = facts.get("mime") or ""
    return mime.startswith("text/") or mime in _TEXT_MIMES


def _file_name(facts: dict[str, Any]) -> str:
    path = facts.get("display_path") or ""
    return os.path.basename(str(path).rstrip("/")) if path else ""


def _preview_note(rendered: Rendered) -> str:
    size = f"{rendered.original_size[0]} × {rendered.original_size[1]}"
    notes = []
    if rendered.source == "raw-embedded-preview":
        notes.append(f"embedded JPEG preview, {size}")
    elif rendered.source != "image":
        notes.append(f"embedded thumbnail only, {size}")
    if rendered.partial:
        notes.append("incomplete file: only part of the picture could be read")
    return "; ".join(notes)


def human_size(size: int | None) -> str:
    """Decimal units, as the drive listings and `luna ls` write them."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def fact_values(facts: dict[str, Any]) -> dict[str, str]:
    """The facts panel's text, by row key; "" for what is not known."""
    width, height = facts.get("width"), facts.get("height")
    make = (facts.get("camera_make") or "").strip()
    model = (facts.get("camera_model") or "").strip()
    # "Canon" + "Canon PowerShot S90" reads better as the model alone.
    camera = model if make and model.lower().startswith(make.lower()) else f"{make} {model}"
    taken = facts.get("taken_at")
    if isinstance(taken, datetime):
        taken = taken.isoformat(sep=" ")
    lat, lng = facts.get("lat"), facts.get("lng")
    return {
        "size": human_size(facts.get("size")),
        "dimensions": f"{width} × {height}" if width and height else "",
        "camera": camera.strip(),
        "taken": str(taken).replace("T", " ") if taken else "",
        "gps": f"{lat:.5f}, {lng:.5f}" if lat is not None and lng is not None else "",
        "duration": format_duration(facts.get("duration")),
        "path": str(facts.get("display_path") or ""),
        "problem": str(facts.get("error") or ""),
    }


class _MessageView(QWidget):
    """A centred headline with the file's name under it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("previewMessage")
        self._headline = QLabel()
        self._headline.setObjectName("previewHeadline")
        self._name = QLabel()
        self._name.setObjectName("previewFileName")
        self._name.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        font = self._headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self._headline.setFont(font)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for label in (self._headline, self._name):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.addWidget(label)
        layout.addStretch(1)

    def set_message(self, headline: str, name: str) -> None:
        self._headline.setText(headline)
        self._name.setText(name)
        self._name.setVisible(bool(name))

    def headline(self) -> str:
        return self._headline.text()


class _ElidedLabel(QLabel):
    """One line that shortens itself in the middle (paths), the whole in a tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, self.width()))


class _FactsPanel(QWidget):
    """Size, dimensions, camera, date, GPS, duration or preview note, path, problem.

    The grid never changes shape from file to file (unknown values show as a dash),
    so nothing jumps while the curator runs through a folder.
    """

    _GRID = (
        (("size", "Size"), ("dimensions", "Dimensions")),
        (("camera", "Camera"), ("taken", "Taken")),
        (("gps", "GPS"), ("extra", "Preview")),
    )

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("previewFacts")
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 2, 6, 4)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self._values: dict[str, _ElidedLabel] = {}
        self._titles: dict[str, QLabel] = {}
        for row, pairs in enumerate(self._GRID):
            for column, (key, title) in enumerate(pairs):
                self._add(grid, key, title, row, column * 2, 1)
        self._add(grid, "path", "Path", len(self._GRID), 0, 3)
        self._add(grid, "problem", "Problem", len(self._GRID) + 1, 0, 3)

    def _add(self, grid: QGridLayout, key: str, title: str, row: int, col: int, span: int) -> None:
        name = QLabel(title)
        name.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        value = _ElidedLabel()
        value.setObjectName(f"fact_{key}")
        grid.addWidget(name, row, col)
        grid.addWidget(value, row, col + 1, 1, span)
        self._titles[key] = name
        self._values[key] = value

    def show_facts(self, facts: dict[str, Any], note: str = "") -> None:
        values = fact_values(facts)
        is_video = facts.get("kind") == "video"
        # The last cell holds the duration for a video, the preview note otherwise.
        self._titles["extra"].setText("Duration" if is_video else "Preview")
        values["extra"] = values["duration"] if is_video else note
        for key, label in self._values.items():
            label.set_full_text(values.get(key) or ("" if key == "problem" else "—"))
        problem = bool(values["problem"])
        self._titles["problem"].setVisible(problem)
        self._values["problem"].setVisible(problem)

    def value(self, key: str) -> str:
        return self._values[key].full_text()
