"""Filters beyond the chips, in the window: a Filter… button (Ctrl+Shift+F) that opens
the conditions, and a line saying what is filtered, with a way to clear it.

The conditions are a catalog.filters.Criteria; the tree panel finds what passes them
(with the chip and the search) off the GUI thread, as it does for a search.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.filters import (
    DUPLICATE_STATES,
    KINDS,
    NO_PROJECT_GROUP,
    Criteria,
    FilterError,
    parse_date,
)
from luna_desktop.catalog.status import Status

_ANY = "Any"
_NO_GROUP = "(in no project group)"


class FilterBar(QWidget):
    """The button and, while a filter is on, what it keeps and a Clear button."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.criteria = Criteria()
        self.groups: list[str] = []
        self.albums: list[str] = []
        self.button = QToolButton()
        self.button.setObjectName("filter_button")
        self.button.setText("Filter…")
        self.button.setAutoRaise(True)
        self.button.setToolTip("Kind, camera, dates, status, group, tags, album, duplicates")
        self.button.clicked.connect(self.edit)
        self.summary = QLabel()
        self.summary.setObjectName("filter_summary")
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.clear_button = QToolButton()
        self.clear_button.setObjectName("filter_clear")
        self.clear_button.setText("Clear")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip("Show every file again")
        self.clear_button.clicked.connect(self.clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.summary, 1)
        row.addWidget(self.clear_button)
        self._show()

    def set_choices(self, groups: list[str], albums: list[str]) -> None:
        self.groups, self.albums = list(groups), list(albums)

    def set_criteria(self, criteria: Criteria) -> None:
        if criteria != self.criteria:
            self.criteria = criteria
            self._show()
            self.changed.emit()

    def clear(self) -> None:
        self.set_criteria(Criteria())

    def edit(self) -> None:
        dialog = FilterDialog(self.criteria, self.groups, self.albums, self.window())
        if dialog.exec():
            self.set_criteria(dialog.criteria())

    def _show(self) -> None:
        on = not self.criteria.is_empty
        self.summary.setText(f"Filtered: {self.criteria.describe()}" if on else "")
        self.setVisible(on)
        self.button.setText("Filter (on)…" if on else "Filter…")


class FilterDialog(QDialog):
    def __init__(
        self, criteria: Criteria, groups: list[str], albums: list[str], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filter_dialog")
        self.setWindowTitle("Filter Files")
        self.kind = _combo("filter_kind", [(_ANY, None), *((k.title(), k) for k in KINDS)])
        self.camera = QLineEdit(criteria.camera)
        self.camera.setObjectName("filter_camera")
        self.camera.setPlaceholderText("make or model, e.g. Canon")
        self.date_from = QLineEdit(str(criteria.date_from or ""))
        self.date_from.setObjectName("filter_from")
        self.date_to = QLineEdit(str(criteria.date_to or ""))
        self.date_to.setObjectName("filter_to")
        for edit in (self.date_from, self.date_to):
            edit.setPlaceholderText("YYYY, YYYY-MM or YYYY-MM-DD")
        self.status = _combo(
            "filter_status", [(_ANY, None), *((f"{int(s)}  {s.label}", s) for s in Status)]
        )
        self.group = _combo(
            "filter_group",
            [(_ANY, None), (_NO_GROUP, NO_PROJECT_GROUP), *((g, g) for g in groups)],
        )
        self.tags = QLineEdit(", ".join(criteria.tags))
        self.tags.setObjectName("filter_tags")
        self.tags.setPlaceholderText("comma-separated; a file must have them all")
        self.album = _combo("filter_album", [(_ANY, None), *((a, a) for a in albums)])
        self.duplicates = _combo(
            "filter_duplicates",
            [(_ANY, None), *((text.capitalize(), key) for key, text in DUPLICATE_STATES.items())],
        )
        _choose(self.kind, next(iter(criteria.kinds), None) if len(criteria.kinds) == 1 else None)
        _choose(
            self.status,
            next(iter(criteria.statuses), None) if len(criteria.statuses) == 1 else None,
        )
        _choose(self.group, criteria.project_group)
        _choose(self.album, criteria.album)
        _choose(self.duplicates, criteria.duplicates)

        form = QFormLayout()
        form.addRow("&Kind", self.kind)
        form.addRow("&Camera", self.camera)
        form.addRow("&From", self.date_from)
        form.addRow("&To", self.date_to)
        form.addRow("&Status", self.status)
        form.addRow("&Project group", self.group)
        form.addRow("T&ags", self.tags)
        form.addRow("A&lbum", self.album)
        form.addRow("&Duplicates", self.duplicates)
        self.hint = QLabel()
        self.hint.setObjectName("filter_hint")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Reset
            | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Filter")
        self.buttons.button(QDialogButtonBox.StandardButton.Reset).setText("Clear All")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Reset).clicked.connect(self._reset)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        for edit in (self.camera, self.date_from, self.date_to, self.tags):
            edit.textChanged.connect(self._check)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 40)
        self.kind.setFocus()
        self._check()

    def criteria(self) -> Criteria:
        """What the fields say; FilterError when a date is not one."""
        kind, status = self.kind.currentData(), self.status.currentData()
        return Criteria(
            kinds=[kind] if kind else [],
            camera=self.camera.text(),
            date_from=_date(self.date_from.text()),
            date_to=_date(self.date_to.text(), end=True),
            statuses=[status] if status else [],
            project_group=self.group.currentData(),
            tags=[t for t in self.tags.text().split(",")],
            album=self.album.currentData(),
            duplicates=self.duplicates.currentData(),
        )

    def _problem(self) -> str:
        try:
            self.criteria()
        except (FilterError, ValueError) as exc:
            return str(exc)
        return ""

    def _check(self, *_args) -> None:
        problem = self._problem()
        self.hint.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def _reset(self) -> None:
        for combo in (self.kind, self.status, self.group, self.album, self.duplicates):
            combo.setCurrentIndex(0)
        for edit in (self.camera, self.date_from, self.date_to, self.tags):
            edit.clear()

    def accept(self) -> None:
        if not self._problem():
            super().accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in any field filters (line edits would otherwise swallow it).
        from PySide6.QtCore import Qt

        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return
        super().keyPressEvent(event)


def _combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _only(values: frozenset) -> object:
    """The one value chosen, for a combo that shows one (None: any, or several)."""
    return next(iter(values)) if len(values) == 1 else None


def _choose(combo: QComboBox, data: object) -> None:
    for i in range(combo.count()):
        if combo.itemData(i) == data:
            combo.setCurrentIndex(i)
            return


def _date(text: str, end: bool = False) -> date | None:
    return parse_date(text, end=end) if text.strip() else None
