"""The compact facts under the preview: size, dimensions, camera, date, GPS, duration or
preview note, path, and below them the file's problem and its notes.

A problem (the file could not be read in full) and notes (harmless oddities the scan
found, e.g. "12 bytes after the end of the video") are different things and look it:
the problem is marked, the notes are quiet. One line is always kept for them, so the
picture above does not jump (and get decoded again) as the curator runs through a
folder; a file with both a problem and notes takes a second line.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from luna_desktop.catalog.formatting import fact_values

__all__ = ["ElidedLabel", "FactsPanel"]


class ElidedLabel(QLabel):
    """One line that shortens itself in the middle (paths), the whole in a tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_full_text(self, text: str, tooltip: str | None = None) -> None:
        self._full = text
        self.setToolTip(text if tooltip is None else tooltip)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, self.width()))


class FactsPanel(QWidget):
    """The grid never changes shape from file to file (unknown values show as a dash)."""

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
        self._values: dict[str, ElidedLabel] = {}
        self._titles: dict[str, QLabel] = {}
        for row, pairs in enumerate(self._GRID):
            for column, (key, title) in enumerate(pairs):
                self._add(grid, key, title, row, column * 2, 1)
        rows = len(self._GRID)
        self._add(grid, "path", "Path", rows, 0, 3)
        self._add(grid, "problem", "Problem", rows + 1, 0, 3)
        self._add(grid, "notes", "Scan notes", rows + 2, 0, 3)
        # The problem is marked: a bold title in the text's own colour.
        title = self._titles["problem"]
        title.setForegroundRole(QPalette.ColorRole.WindowText)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        # As wide as the widest title, so values do not shift when the last rows come
        # and go (their titles are hidden or blank most of the time).
        grid.setColumnMinimumWidth(
            0, max(self._titles[key].sizeHint().width() for key in ("problem", "notes"))
        )
        # The notes are quiet: the colour of the titles, not of the values.
        self._values["notes"].setForegroundRole(QPalette.ColorRole.PlaceholderText)

    def _add(self, grid: QGridLayout, key: str, title: str, row: int, col: int, span: int) -> None:
        name = QLabel(title)
        name.setObjectName(f"fact_title_{key}")
        name.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        value = ElidedLabel()
        value.setObjectName(f"fact_{key}")
        grid.addWidget(name, row, col)
        grid.addWidget(value, row, col + 1, 1, span)
        self._titles[key] = name
        self._values[key] = value

    def show_facts(self, facts: dict[str, Any], note: str = "") -> None:
        """`note`: what the preview itself says (an embedded raw preview, say)."""
        values = fact_values(facts)
        timed = facts.get("kind") in ("video", "audio")
        # The last cell holds the duration for a video or a sound, the preview note
        # otherwise (a PDF's page, an embedded raw preview…).
        self._titles["extra"].setText("Duration" if timed else "Preview")
        values["extra"] = values["duration"] if timed else note
        notes = values["notes"].splitlines()
        for key, label in self._values.items():
            if key == "notes":
                # One line on screen; one note a line in the tooltip.
                label.set_full_text("  ·  ".join(notes), tooltip=values["notes"])
            else:
                label.set_full_text(values.get(key) or ("" if key == "problem" else "—"))
        problem = bool(values["problem"])
        self._titles["problem"].setVisible(problem)
        self._values["problem"].setVisible(problem)
        self._titles["notes"].setText("Scan notes" if notes else "")
        # Blank, the notes line keeps its place unless the problem line took it.
        notes_line = bool(notes) or not problem
        self._values["notes"].setVisible(notes_line)
        self._titles["notes"].setVisible(notes_line)

    def value(self, key: str) -> str:
        return self._values[key].full_text()

    def is_shown(self, key: str) -> bool:
        """Is that row on screen (with its title)? For the problem and notes rows."""
        return self._values[key].isVisibleTo(self) and bool(self._titles[key].text())
