"""The preview cache's row in Preferences: its cap, what it holds now, and Clear.

The cap is kept with the cache (media.preview_cache), so `luna cache limit` and this
row say the same. What the cache holds is counted off the GUI thread: it can be
hundreds of thousands of small files.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QWidget

from luna_desktop.catalog.formatting import human_size
from luna_desktop.media.preview_cache import PreviewCache

from .background import LatestOnly

GB = 1_000_000_000  # decimal units, as Luna shows sizes everywhere
CACHE_HELP = (
    "Thumbnails, previews and poster frames, kept so that drives can be browsed and "
    "curated while unplugged. The least recently used go first when it is full."
)


class CacheRow(QWidget):
    def __init__(self, clear: Callable[[], None] | None = None, parent=None) -> None:
        super().__init__(parent)
        self._clear = clear
        self.cache = PreviewCache()
        self.cap_spin = QDoubleSpinBox()
        self.cap_spin.setObjectName("cache_cap")
        self.cap_spin.setRange(0.1, 100_000)
        self.cap_spin.setDecimals(1)
        self.cap_spin.setSingleStep(1.0)
        self.cap_spin.setSuffix(" GB")
        self.cap_spin.setValue(self.cache.max_bytes / GB)
        self.cap_spin.setToolTip("At most this much disk space for the preview cache")
        self.used = QLabel("Counting what the cache holds…")
        self.used.setObjectName("cache_used")
        self.clear_button = QPushButton("Cl&ear Cache…")
        self.clear_button.setAutoDefault(False)  # Enter in the dialog means OK, never this
        self.clear_button.setEnabled(clear is not None)
        self.clear_button.clicked.connect(self._clear_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.cap_spin)
        layout.addWidget(self.used, 1)
        layout.addWidget(self.clear_button)
        self._counts = LatestOnly(self)
        self.count()

    def cap_bytes(self) -> int:
        return round(self.cap_spin.value() * 10) * (GB // 10)

    def count(self) -> None:
        self._counts.request(lambda _stale: self.cache.usage(), self._show_usage)

    def _show_usage(self, usage) -> None:
        self.used.setText(
            f"holds {human_size(usage.bytes)} in {usage.files:,} files" if usage.files else "empty"
        )

    def _clear_clicked(self) -> None:
        if self._clear is not None:
            self._clear()
            self.count()
