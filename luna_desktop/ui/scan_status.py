"""The status-bar strip that shows a running scan: files, rate, ETA, and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from luna_desktop.scan.progress import ScanProgress


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def describe(progress: ScanProgress) -> str:
    total = f" of {progress.files_total:,}" if progress.files_total is not None else ""
    parts = [f"Scanning {progress.drive}: {progress.files_done:,}{total} files"]
    if progress.elapsed > 1:
        parts.append(f"{progress.rate:,.0f} files/s")
    if progress.eta is not None and progress.files_done:
        parts.append(f"about {_duration(progress.eta)} left")
    if progress.read_mode == "rotating":
        parts.append("rotating disk: one reader, in on-disk order")
    return " · ".join(parts)


class ScanStatus(QWidget):
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the scan; what was read so far is kept")
        self.cancel.clicked.connect(self.cancelRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()

    def started(self, name: str) -> None:
        self.label.setText(f"Scanning {name}: counting files…")
        self.bar.setRange(0, 0)  # busy until the total is known
        self.cancel.setEnabled(True)
        self.show()

    def update_progress(self, progress: ScanProgress) -> None:
        self.label.setText(describe(progress))
        if progress.files_total:
            self.bar.setRange(0, progress.files_total)
            self.bar.setValue(min(progress.files_done, progress.files_total))

    def cancelling(self) -> None:
        self.cancel.setEnabled(False)
        self.label.setText(self.label.text() + " · stopping…")
