"""The preview pane: the current file's picture (or why there is none) and its facts.

Decoding is `PreviewDecoder`'s business (preview_decoder.py): in a worker process,
waited on off the GUI thread, one at a time, latest request first, with a small cache
that makes going back instant. The pane asks for decodes and shows what comes back;
a result for a file that is no longer current is not shown (it stays in the cache).
If the decoder crashes on a file, the pane says so on that file and carries on.

Videos and sound (the player, poster frames) are `PlayerPart`'s (preview_player.py),
a PDF's pages `PagesPart`'s (preview_pages.py); what the pane says instead of a
preview, and the card, are in preview_messages.py.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontDatabase, QPixmap
from PySide6.QtWidgets import QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from .facts_panel import FactsPanel
from .image_view import ImageView
from .media_view import MediaView
from .player_support import PlayerSupport
from .preview_decoder import CacheEntry, PreviewDecoder, Result
from .preview_messages import (
    MessageView,
    failure_headline,
    file_name,
    from_cache,
    is_pdf,
    is_text,
    kind_line,
    offline_badge,
    placeholder,
    playable_kind,
    preview_note,
)
from .preview_pages import PagesPart
from .preview_player import PlayerPart
from .preview_worker import TEXT_LIMIT, Decoded, PreviewRequest, decode_file

__all__ = ["PreviewPane"]

log = logging.getLogger(__name__)

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
# How long after the pane first shows libvlc starts loading (see showEvent).
_VLC_WARM_UP_MS = 2000
# How far Left and Right seek in a video or audio file.
SEEK_STEP_MS = 5000


# --- the pane -------------------------------------------------------------------------


@dataclass
class _Current:
    file_id: int
    path: bytes | None
    facts: dict[str, Any]
    mode: str = "message"  # "image", "document", "text", "media" or "message"
    shown: CacheEntry | None = None  # the decode the view holds for this file
    announced: bool = False  # rendered/failed/presented already emitted
    note: str = field(default="")
    page: int = 0  # a PDF's page on show
    page_count: int = 0
    # Shown from the preview cache: the drive is not mounted, or the file is gone.
    offline: bool = False


class PreviewPane(PlayerPart, PagesPart, QWidget):
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

    `decode` is what the worker process runs for each request (tests pass one that
    crashes); a module-level function, since the worker imports it by name.
    """

    rendered = Signal(int)
    failed = Signal(int, str)
    presented = Signal(int)
    controls_changed = Signal(str)  # "media", "document" or "": which keys apply now
    first_frame = Signal(int)  # a playback's first frame was painted

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        decode: Callable[[PreviewRequest], Decoded] = decode_file,
    ) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._decoder = PreviewDecoder(self, decode=decode)
        self._decoder.decoded.connect(self._on_decoded)
        self._cache = self._decoder.cache
        self._current: _Current | None = None
        self._awaiting_paint: int | None = None

        self._view = ImageView()
        self._view.decode_wanted.connect(self._on_decode_wanted)
        self._view.painted.connect(self._on_painted)
        self._message = MessageView()
        self._media = MediaView()
        self._media.first_frame.connect(self._on_first_frame)
        self._media.screen_area.painted.connect(self._on_poster_painted)
        self._player = PlayerSupport()
        #: Play a video or audio file as soon as it is shown (a preference).
        self.autoplay = False
        self._controls = ""
        self._text = QPlainTextEdit()
        self._text.setObjectName("previewText")
        self._text.setReadOnly(True)
        self._text.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # single-letter keys stay the window's
        self._text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._stack = QStackedWidget()
        for widget in (self._view, self._message, self._text, self._media):
            self._stack.addWidget(widget)
        self._facts = FactsPanel()
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
        notes (harmless oddities, one per line), missing, and optionally drive (its
        name, for the not-mounted message). `error` means the file could not be read
        in full; it shows as the file's problem, the notes apart and quieter."""
        facts = dict(facts or {})
        current = self._current
        same = current is not None and (current.file_id, current.path) == (file_id, path)
        if same and current.mode != "message":
            # The same file again (after a save, say): keep picture, zoom and any decode.
            # (A message is worth a second try: the file may be readable by now.)
            current.facts = facts
            self._facts.show_facts(facts, current.note)
            return
        self._decoder.supersede(file_id)
        self._media.reset(None)  # stops and releases any player: no sound plays on
        current = self._current = _Current(file_id, path, facts)
        self._awaiting_paint = None
        self._facts.show_facts(facts)
        if from_cache(path, facts):
            current.mode, current.offline = "image", True
            self._set_controls("")
            self._show_page(current)
            return
        reason = placeholder(path, facts)
        if reason is not None:
            headline, is_failure = reason
            self._show_message(headline, failure=is_failure)
            return
        kind = playable_kind(facts)
        if kind is not None:
            self._show_media(current, kind)
            return
        assert path is not None
        if is_text(facts):
            current.mode = "text"
            self._set_controls("")
            self._begin_loading()
            self._request(PreviewRequest(file_id, path, facts.get("mime"), None, text=True))
            return
        current.mode = "document" if is_pdf(facts) else "image"
        self._set_controls("document" if current.mode == "document" else "")
        self._show_page(current)

    def _show_page(self, current: _Current) -> None:
        """The picture (or a PDF's current page): from the cache, else decoded."""
        box = self._wanted_box(fitted=True)
        entry = self._cache.best(current.file_id, current.path, box, current.page)
        if entry is not None:
            self._display(entry)
            return
        fallback = self._cache.largest(current.file_id, current.path, current.page)
        if fallback is not None:
            self._display(fallback)  # blurry now, the sharper decode follows
        else:
            self._begin_loading()
        self._request(self._picture_request(current, box))

    def _picture_request(self, current: _Current, box: tuple[int, int] | None) -> PreviewRequest:
        mime = current.facts.get("mime")
        if current.offline:
            return PreviewRequest(
                current.file_id, current.path, mime, box, cached=True,
                oshash=current.facts.get("oshash"), cache_dir=self._player.cache_dir(),
            )  # fmt: skip
        return PreviewRequest(current.file_id, current.path, mime, box, page=current.page)

    def prefetch(
        self, file_id: int, path: bytes | None, facts: dict[str, Any] | None = None
    ) -> None:
        """Decode a file the curator is likely to show next, when nothing else runs.

        Only the latest prefetch is kept; a `show_file` always goes first. Without
        `facts` the file is taken for an image (a wrong guess costs one failed decode).
        """
        if path is None:
            return
        if facts and (placeholder(path, facts) is not None or is_text(facts)):
            return
        facts = facts or {}
        if self._current is not None and self._current.file_id == file_id:
            return
        box = self._wanted_box(fitted=True)
        if self._cache.best(file_id, path, box) is not None:
            return
        if playable_kind(facts) == "audio":
            return  # nothing to decode
        if playable_kind(facts) == "video":
            self._decoder.prefetch(self._poster_request(file_id, path, facts, box))
        else:
            self._decoder.prefetch(PreviewRequest(file_id, path, facts.get("mime"), box))

    def clear(self) -> None:
        """Nothing selected."""
        self._current = None
        self._decoder.supersede(None)
        self._media.reset(None)
        self._set_controls("")
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

    @property
    def current_path(self) -> bytes | None:
        """The file on show on its mounted drive, None if none or not mounted."""
        return self._current.path if self._current else None

    def set_open_action(self, action: QAction) -> None:
        """The window's "Open with the system's application", offered on the card."""
        self._message.set_open_action(action)

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

    @property
    def decodes_started(self) -> int:
        """Decodes started so far (tests and benchmarks read it)."""
        return self._decoder.started

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._decoder.warm_up()
        # libvlc loads on a thread of its own, but not while the window is starting
        # (importing python-vlc holds the interpreter for a while); a video shown
        # sooner starts it at once.
        QTimer.singleShot(_VLC_WARM_UP_MS, self._player.warm_up)

    def closeEvent(self, event) -> None:
        # The worker process goes with the pane; showing a file again restarts it.
        self._decoder.stop()
        self._media.reset(None)
        super().closeEvent(event)

    def _set_controls(self, controls: str) -> None:
        if controls != self._controls:
            self._controls = controls
            self.controls_changed.emit(controls)

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

    def _request(self, request: PreviewRequest) -> None:
        self._decoder.request(request)

    def _on_decoded(self, result: Result) -> None:
        request = result.request
        current = self._current
        if current is None or (current.file_id, current.path) != (request.file_id, request.path):
            return  # not on show any more (a picture stays in the cache)
        if request.poster:
            if current.mode == "media":
                self._on_poster(result)
            return
        if request.page != current.page:
            return  # a page turned past (it stays in the cache)
        if result.page_count:
            current.page_count = result.page_count
        if request.text:
            self._show_text(result)
        elif result.entry is not None:
            entry, shown = result.entry, current.shown
            if shown is None or entry.size[0] * entry.size[1] > shown.size[0] * shown.size[1]:
                self._display(entry)
        elif current.mode == "document" and current.page_count:
            self._show_page_error(current, result)
        elif current.shown is None and current.offline:
            # Nothing cached: say why the file itself cannot be shown.
            reason = placeholder(None, current.facts)
            self._show_message(reason[0] if reason else failure_headline(result), failure=True)
        elif current.shown is None:
            self._show_message(failure_headline(result), failure=True)
        else:  # a bigger decode failed (too large to zoom, say): keep what is shown
            log.info("sharper preview of file %s failed: %s", request.file_id, result.error)

    def _on_decode_wanted(self) -> None:
        self._upgrade_timer.start(0 if self._view.is_zoomed() else _RESIZE_SETTLE_MS)

    def _upgrade(self) -> None:
        """The view paints bigger than its pixmap: fetch a sharper decode."""
        current = self._current
        if current is None or current.mode not in ("image", "document") or current.shown is None:
            return
        if current.offline:
            return  # the cache holds one size; the file itself is out of reach
        assert current.path is not None
        box = self._wanted_box()
        if current.shown.covers(box):
            return
        entry = self._cache.best(current.file_id, current.path, box, current.page)
        if entry is not None:
            self._display(entry)
        else:
            self._request(self._picture_request(current, box))

    # --- what is shown ------------------------------------------------------------

    def _display(self, entry: CacheEntry) -> None:
        current = self._current
        assert current is not None
        pixmap = QPixmap.fromImage(entry.image)
        rendered = entry.rendered
        if current.shown is None:
            # A cached picture stands for the file: no bigger than the file would show.
            own = rendered.source == "image" or rendered.source.startswith("cached-")
            upscale = 1.0 if own else _PREVIEW_UPSCALE
            self._view.set_image(pixmap, rendered.original_size, max_upscale=upscale)
        else:
            self._view.replace_pixmap(pixmap)
        current.shown = entry
        if entry.page_count:
            current.page_count = entry.page_count
        badges = ["Incomplete file"] if rendered.partial else []
        if current.offline:
            badges.append(offline_badge(current.facts))
        note = preview_note(rendered)
        if current.mode == "document" and current.page_count:
            badges.append(f"Page {current.page + 1} of {current.page_count}")
            note = "; ".join(
                filter(None, [f"page {current.page + 1} of {current.page_count}", note])
            )
        self._view.set_badge("  ·  ".join(badges))
        current.note = note
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

    def _show_text(self, result: Result) -> None:
        current = self._current
        assert current is not None
        if result.error is not None:
            self._show_message(failure_headline(result), failure=True)
            return
        text = result.text
        if result.more_text:
            text += f"\n\n… (only the first {TEXT_LIMIT // 1000} KB is shown)"
        self._text.setPlainText(text)
        self._stack.setCurrentWidget(self._text)
        self._loading_timer.stop()
        current.note = f"text, first {TEXT_LIMIT // 1000} KB" if result.more_text else "text"
        self._facts.show_facts(current.facts, current.note)
        current.announced = True
        self.rendered.emit(current.file_id)
        self.presented.emit(current.file_id)

    def _show_message(self, headline: str, *, failure: bool) -> None:
        current = self._current
        assert current is not None
        self._loading_timer.stop()
        facts = current.facts
        self._message.set_message(
            headline,
            file_name(facts),
            detail=kind_line(facts),
            can_open=current.path is not None and not facts.get("missing"),
        )
        self._stack.setCurrentWidget(self._message)
        self._set_controls("")
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
        name = file_name(current.facts)
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
