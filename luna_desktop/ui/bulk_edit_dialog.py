"""Edit Selected Files: the fields to set on every file of a selection at once.

Only the fields ticked are set; typing in a field ticks it. Tags replace each file's
tags, as `luna set --tag` does. What it returns goes to catalog.curation.set_fields.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.status import Status

from .curation_form import TagCompleter, date_is_valid


class BulkEditDialog(QDialog):
    def __init__(
        self, what: str, groups: list[str], tags: list[str], parent: QWidget | None = None
    ):
        """`what`: the files it changes, in words ("12 files", "the files in “1998”")."""
        super().__init__(parent)
        self.setObjectName("bulk_edit")
        self.setWindowTitle("Edit Selected Files")
        self.heading = QLabel(f"Set the ticked fields on {what}.")
        self.heading.setWordWrap(True)

        self.status = QComboBox()
        self.status.setObjectName("bulk_status")
        for status in Status:
            self.status.addItem(f"{int(status)}  {status.label}", int(status))
        self.group = QComboBox()
        self.group.setObjectName("bulk_group")
        self.group.setEditable(True)
        self.group.addItems(groups)
        self._groups = {g.casefold() for g in groups}
        self.group.setCurrentIndex(-1)
        self.group.lineEdit().setPlaceholderText("a project group; empty takes it away")
        self.date = QLineEdit()
        self.date.setObjectName("bulk_date")
        self.date.setPlaceholderText("YYYY-MM-DD, YYYY-MM or YYYY; empty clears it")
        self.tags = QLineEdit()
        self.tags.setObjectName("bulk_tags")
        self.tags.setPlaceholderText("comma-separated; replaces each file's tags")
        completer = TagCompleter(tags, self.tags)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.tags.setCompleter(completer)

        self.checks: dict[str, QCheckBox] = {}
        form = QFormLayout()
        for name, label, widget in (
            ("status", "&Status", self.status),
            ("project_group", "&Project group", self.group),
            ("date", "&Date", self.date),
            ("tags", "&Tags", self.tags),
        ):
            check = QCheckBox(label)
            check.setObjectName(f"set_{name}")
            # Tab goes from field to field; typing ticks, Alt+letter (un)ticks.
            check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.checks[name] = check
            form.addRow(check, widget)
        self.status.currentIndexChanged.connect(lambda _i: self.checks["status"].setChecked(True))
        self.group.editTextChanged.connect(lambda _t: self.checks["project_group"].setChecked(True))
        self.group.editTextChanged.connect(self._check)
        self.date.textEdited.connect(lambda _t: self.checks["date"].setChecked(True))
        self.tags.textEdited.connect(lambda _t: self.checks["tags"].setChecked(True))
        self.date.textChanged.connect(self._check)
        for check in self.checks.values():
            check.toggled.connect(self._check)

        self.hint = QLabel()
        self.hint.setObjectName("bulk_hint")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Set on All")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 44)
        self.status.setFocus()
        self._check()

    def values(self) -> dict[str, object]:
        """The ticked fields, as catalog.curation.set_fields takes them."""
        out: dict[str, object] = {}
        if self.checks["status"].isChecked():
            out["status"] = int(self.status.currentData())
        if self.checks["project_group"].isChecked():
            out["project_group"] = self.group.currentText().strip()
        if self.checks["date"].isChecked():
            out["date"] = self.date.text().strip()
        if self.checks["tags"].isChecked():
            out["tags"] = [t.strip() for t in self.tags.text().split(",") if t.strip()]
        return out

    def _problem(self) -> str:
        if not any(check.isChecked() for check in self.checks.values()):
            return "Tick the fields to set (typing in a field ticks it)."
        if self.checks["date"].isChecked() and not date_is_valid(self.date.text()):
            return "Use YYYY-MM-DD, YYYY-MM or YYYY for the date."
        return ""

    def _check(self, *_args) -> None:
        problem = self._problem()
        group = self.group.currentText().strip()
        note = ""
        if (
            self.checks["project_group"].isChecked()
            and group
            and group.casefold() not in self._groups
        ):
            note = f"“{group}” is not a project group yet: it will be added."
        self.hint.setText(problem or note)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def accept(self) -> None:
        if not self._problem():  # Enter, or Ctrl+Enter as in the form, with a field unset
            super().accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Ctrl+Enter saves in the form; here it sets, like Enter does.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return
        super().keyPressEvent(event)
