"""A form row as the window's dialogs lay them out: the label, and under the field the
hints and errors that belong to it (a QFormLayout puts nothing under a field itself)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLayout, QVBoxLayout, QWidget


def add_row(
    form: QFormLayout,
    text: str,
    field: QWidget | QLayout,
    *hints: QLabel,
    buddy: QWidget | None = None,
) -> None:
    """A labelled row with hints stacked under the field; the label's mnemonic focuses it."""
    column = QVBoxLayout()
    column.setSpacing(4)
    if isinstance(field, QWidget):
        column.addWidget(field)
    else:
        column.addLayout(field)
    for hint in hints:
        column.addWidget(hint)
    label = QLabel(text)
    label.setBuddy(buddy or field)
    form.addRow(label, column)
