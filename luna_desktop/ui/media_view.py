"""The player in the preview pane: a video's frames (or an audio file's tags) above a
bar with play/pause, the time, a seek slider, speed and mute.

Frames come from `media.playback.Playback` on a libvlc thread and cross to the GUI
thread through a queued signal; only the newest waits to be painted, so a slow paint
drops frames instead of queueing them. Before the first frame (and when nothing plays)
the view shows the poster frame the pane hands it.

The view takes no keys of its own: the window's actions call its methods, so the keys
live in the action registry and the shortcuts sheet.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.formatting import duration_clock
from luna_desktop.media.playback import Frame, Playback, PlaybackStatus

from .player_support import PlayerStarting

__all__ = ["MediaView"]

log = logging.getLogger(__name__)

_POLL_MS = 100  # how often the slider and the time follow the player


class _FrameBridge(QObject):
    """Carries frames from libvlc's thread to the GUI thread, newest only."""

    arrived = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._frame: Frame | None = None

    def offer(self, frame: Frame) -> None:  # a libvlc thread
        with self._lock:
            waiting = self._frame is not None
            self._frame = frame
        if not waiting:
            self.arrived.emit()

    def take(self) -> Frame | None:  # the GUI thread
        with self._lock:
            frame, self._frame = self._frame, None
        return frame


class _Screen(QWidget):
    """Paints the frame or poster fitted on black, or a card of lines for audio."""

    painted = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(64, 48))
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.image: QImage | None = None
        self.lines: list[str] = []  # audio: the tags; else empty
        self.message = ""

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        if self.lines:
            painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        else:
            painter.fillRect(self.rect(), QColor(0, 0, 0))
        if self.image is not None and not self.image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self._fitted(self.image.size()), self.image)
        if self.lines:
            self._paint_lines(painter)
        if self.message:
            self._paint_message(painter)
        painter.end()
        self.painted.emit()

    def _fitted(self, size: QSize) -> QRectF:
        w, h = size.width(), size.height()
        scale = min(self.width() / w, self.height() / h)
        dw, dh = w * scale, h * scale
        return QRectF((self.width() - dw) / 2, (self.height() - dh) / 2, dw, dh)

    def _paint_lines(self, painter: QPainter) -> None:
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        painter.setFont(font)
        text = "\n".join(self.lines)
        painter.drawText(
            self.rect().adjusted(16, 16, -16, -16),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            text,
        )

    def _paint_message(self, painter: QPainter) -> None:
        metrics = painter.fontMetrics()
        box = metrics.boundingRect(
            self.rect().adjusted(24, 0, -24, 0),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self.message,
        ).adjusted(-12, -8, 12, 8)
        painter.fillRect(box, QColor(0, 0, 0, 170))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)


class MediaView(QWidget):
    """One video or audio file: its poster until it plays, then its frames.

    Signals: `first_frame(file_id)` once the first frame of a playback is painted;
    `failed(message)` when libvlc reports that it cannot play the file.
    """

    first_frame = Signal(int)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mediaView")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._bridge = _FrameBridge()
        self._bridge.arrived.connect(self._show_frame, Qt.ConnectionType.QueuedConnection)
        self._playback: Playback | None = None
        self._file_id: int | None = None
        self._poster: QImage | None = None
        self._announced = False
        self._awaiting_first = False
        self._last_state = ""
        self._dragging = False

        self.screen_area = _Screen()
        self.screen_area.painted.connect(self._on_painted)
        self._play = QToolButton()
        self._play.setObjectName("playButton")
        self._play.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._play.setAutoRaise(True)
        self._time = QLabel()
        self._time.setObjectName("mediaTime")
        self._slider = QSlider(Qt.Orientation.Horizontal)
        self._slider.setObjectName("mediaSlider")
        self._slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._slider.setRange(0, 0)
        self._slider.sliderPressed.connect(self._drag_started)
        self._slider.sliderReleased.connect(self._drag_ended)
        self._slider.sliderMoved.connect(self._dragged)
        self._extras = QLabel("")
        self._extras.setObjectName("mediaExtras")
        self._extras.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.addWidget(self._play)
        bar.addWidget(self._time)
        bar.addWidget(self._slider, 1)
        bar.addWidget(self._extras)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.screen_area, 1)
        layout.addLayout(bar)
        self._play.clicked.connect(lambda: self.toggle_play())

        self._poll = QTimer(self)
        self._poll.setInterval(_POLL_MS)
        self._poll.timeout.connect(self._follow)
        # Space pressed while libvlc is still loading: try again shortly.
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(100)
        self._retry.timeout.connect(self._play_when_ready)
        self._opener = None
        self._player_tags = None
        self._last_time = 0  # the last time seen while playing (see _ended_early)
        self.reset(None)

    # --- what is shown ------------------------------------------------------------------

    def reset(self, file_id: int | None, *, duration_s: float | None = None) -> None:
        """A new file (or none): stop whatever plays and show nothing yet."""
        self.stop()
        self._opener = None
        self._file_id = file_id
        self._poster = None
        self._announced = False
        self.screen_area.image = None
        self.screen_area.lines = []
        self._player_tags = None
        self.screen_area.message = ""
        length = round((duration_s or 0) * 1000)
        self._slider.setRange(0, max(0, length))
        self._slider.setValue(0)
        self._time.setText(f"0:00 / {duration_clock(length)}")
        self._extras.setText("")
        self._set_play_icon(False)
        self.screen_area.update()

    def set_opener(self, opener) -> None:
        """`opener(on_frame)` → a new `Playback` for the current file; it raises
        `PlayerStarting` while libvlc loads, and any error if the file cannot play."""
        self._opener = opener

    def set_poster(self, image: QImage | None) -> None:
        self._poster = image
        if self._playback is None or not self._playback.status().frames:
            self.screen_area.image = image
        self.screen_area.update()

    def set_lines(self, lines: list[str], *, player_tags=None) -> None:
        """A sound: its tags in place of a picture. `player_tags(tags)` → lines, when
        the catalogue had none (a file scanned before Luna read them): the lines are
        redrawn from libvlc's metadata once the player has read it."""
        self.screen_area.lines = lines
        self._player_tags = player_tags
        self.screen_area.update()

    def set_message(self, text: str) -> None:
        """A line over the picture (why it cannot play, say); "" removes it."""
        self.screen_area.message = text
        self.screen_area.update()

    @property
    def message(self) -> str:
        return self.screen_area.message

    @property
    def playback(self) -> Playback | None:
        return self._playback

    # --- commands -----------------------------------------------------------------------

    def toggle_play(self) -> bool:
        """Play (opening the file the first time) or pause. False if it cannot play."""
        if self._playback is None:
            if self._opener is None:
                return False
            try:
                self._playback = self._opener(self._bridge.offer)
            except PlayerStarting as exc:  # libvlc still loading: play once it has
                self.set_message(str(exc))
                self._retry.start()
                return False
            except Exception as exc:  # no libvlc, or a player it could not make
                self.set_message(str(exc))
                self.failed.emit(str(exc))
                return False
            self._awaiting_first = True
            self._last_state = ""
            self.set_message("")
            self._poll.start()
        self._playback.toggle()
        self._follow()
        return True

    def _play_when_ready(self) -> None:
        if self._playback is None and self._opener is not None:
            self.toggle_play()

    def seek_by(self, delta_ms: int) -> None:
        if self._start_paused():
            self._playback.seek_by(delta_ms)
            self._follow()

    def seek_to(self, time_ms: int) -> None:
        if self._start_paused():
            self._playback.seek(time_ms)
            self._follow()

    def step_frame(self, direction: int) -> None:
        if self._start_paused():
            self._playback.step_frame(direction)
            self._follow()

    def toggle_mute(self) -> None:
        if self._playback is not None:
            self._playback.toggle_mute()
            self._follow()

    def change_rate(self, steps: int) -> None:
        if self._playback is not None:
            self._playback.change_rate(steps)
            self._follow()

    def stop(self) -> None:
        """Stop and release the player (on the reaper thread); the poster shows again."""
        playback, self._playback = self._playback, None
        self._poll.stop()
        self._retry.stop()
        self._last_time = 0
        if playback is not None:
            playback.close()
            self._bridge.take()  # a frame already on its way is dropped
            self.screen_area.image = self._poster
            self._set_play_icon(False)
            self.screen_area.update()

    def _start_paused(self) -> bool:
        """Seeking a file that has not played yet opens it, paused at the start."""
        if self._playback is None:
            if not self.toggle_play():
                return False
            self._playback.pause()
        return True

    # --- following the player -------------------------------------------------------

    def _show_frame(self) -> None:
        frame = self._bridge.take()
        if frame is None or self._playback is None:
            return
        image = QImage(
            frame.data, frame.width, frame.height, frame.width * 4, QImage.Format.Format_RGB32
        )
        # QImage does not own `frame.data`: keep the bytes alive as long as the image.
        image.setText("frame", str(frame.number))
        self._frame_bytes = frame.data
        self.screen_area.image = image
        self.screen_area.update()

    def _on_painted(self) -> None:
        if (
            self._awaiting_first
            and self._playback is not None
            and self.screen_area.image is not self._poster
        ):
            self._awaiting_first = False
            self.set_message("")  # whatever the poster said, the file plays
            if self._file_id is not None:
                self.first_frame.emit(self._file_id)

    def _follow(self) -> None:
        playback = self._playback
        if playback is None:
            return
        status = playback.status()
        if status.state == "playing" and status.time_ms > 0:
            self._last_time = status.time_ms
        self._show_status(status)
        if self._player_tags is not None:
            tags = playback.tags()
            if tags:
                self.screen_area.lines = self._player_tags(tags)
                self._player_tags = None
                self.screen_area.update()
        if status.state != self._last_state:
            self._last_state = status.state
            if status.state == "error":
                message = "VLC cannot play this file (damaged, or a format it does not know)"
                self.set_message(message)
                self.failed.emit(message)
            elif status.state == "ended" and not status.frames and not status.length_ms:
                message = "VLC found nothing to play in this file (empty or damaged)"
                self.set_message(message)
                self.failed.emit(message)
            elif status.state == "ended" and self._ended_early(status):
                message = (
                    f"Stopped at {duration_clock(self._last_time)} of "
                    f"{duration_clock(status.length_ms)}: the file ends early, or its "
                    "drive was disconnected"
                )
                self.set_message(message)
                self.failed.emit(message)

    def _ended_early(self, status: PlaybackStatus) -> bool:
        """Ended more than a second and a half before its length (a normal end lands
        within a frame or two of it)."""
        return bool(status.length_ms) and self._last_time + 1500 < status.length_ms

    def _show_status(self, status: PlaybackStatus) -> None:
        playing = status.state in ("playing", "opening")
        self._set_play_icon(playing)
        length = status.length_ms or self._slider.maximum()
        now = max(0, status.time_ms)
        if status.state == "ended":
            now = self._last_time if self._ended_early(status) else length
        if length and self._slider.maximum() != length:
            self._slider.setRange(0, length)
        if not self._dragging:
            self._slider.setValue(min(now, length) if length else 0)
        self._time.setText(f"{duration_clock(now)} / {duration_clock(length)}")
        extras = []
        if status.rate != 1.0:
            extras.append(f"{status.rate:g}×")
        if status.muted:
            extras.append("muted")
        self._extras.setText(" · ".join(extras))

    def _set_play_icon(self, playing: bool) -> None:
        self._play.setText("❚❚" if playing else "▶")
        self._play.setToolTip("Pause (Space)" if playing else "Play (Space)")

    def _drag_started(self) -> None:
        self._dragging = True

    def _dragged(self, value: int) -> None:
        self._time.setText(f"{duration_clock(value)} / {duration_clock(self._slider.maximum())}")

    def _drag_ended(self) -> None:
        self._dragging = False
        self.seek_to(self._slider.value())

    # --- reading the state (tests, benchmarks) ------------------------------------------

    def status(self) -> PlaybackStatus | None:
        return self._playback.status() if self._playback is not None else None

    @property
    def slider(self) -> QSlider:
        return self._slider

    @property
    def time_text(self) -> str:
        return self._time.text()
