"""A save conflict, shown side by side: for each field both curators changed, theirs
and yours, and a choice of which stands. Fields only one of them changed never get here:
those merge by themselves."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog import curation
from luna_desktop.catalog.curation import FIELD_LABELS, ConflictError


def field_text(name: str, value: object) -> str:
    return curation.field_text(name, value) or ("(none)" if name == "tags" else "(empty)")


class ConflictDialog(QDialog):
    def __init__(self, conflict: ConflictError, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("conflict_dialog")
        self.setWindowTitle("Changed elsewhere")
        who = conflict.by or "someone else"
        intro = QLabel(
            f"<b>{conflict.path}</b> was saved by {who} since you opened it. The fields "
            "below were changed by both of you: choose which value stands. Everything "
            "else you and they changed is kept."
        )
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        for column, title in enumerate(("", f"Theirs ({who})", "Yours")):
            header = QLabel(f"<b>{title}</b>")
            grid.addWidget(header, 0, column)
        self._mine: dict[str, QRadioButton] = {}
        for row, (name, values) in enumerate(conflict.fields.items(), start=1):
            grid.addWidget(QLabel(FIELD_LABELS.get(name, name)), row, 0, Qt.AlignmentFlag.AlignTop)
            theirs = QRadioButton(field_text(name, values.theirs))
            mine = QRadioButton(field_text(name, values.mine))
            for button in (theirs, mine):
                button.setObjectName(f"{name}_{'mine' if button is mine else 'theirs'}")
            choice = QButtonGroup(self)
            choice.addButton(theirs)
            choice.addButton(mine)
            mine.setChecked(True)  # what the curator just typed, unless they say otherwise
            grid.addWidget(theirs, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(mine, row, 2, Qt.AlignmentFlag.AlignTop)
            self._mine[name] = mine
        buttons = QDialogButtonBox()
        save = buttons.addButton("Save with these values", QDialogButtonBox.ButtonRole.AcceptRole)
        save.setObjectName("save_choices")
        save.setDefault(True)
        keep = buttons.addButton("Keep editing", QDialogButtonBox.ButtonRole.RejectRole)
        keep.setObjectName("keep_editing")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)

    def choose(self, name: str, mine: bool) -> None:
        button = self._mine[name]
        if mine:
            button.setChecked(True)
        else:
            next(b for b in button.group().buttons() if b is not button).setChecked(True)

    def rows(self) -> list[tuple[str, str, str]]:
        """(field, their value, my value) as shown."""
        out = []
        for name, mine in self._mine.items():
            theirs = next(b for b in mine.group().buttons() if b is not mine)
            out.append((name, theirs.text(), mine.text()))
        return out

    def kept_theirs(self) -> set[str]:
        return {name for name, mine in self._mine.items() if not mine.isChecked()}

    def kept_mine(self) -> set[str]:
        return {name for name, mine in self._mine.items() if mine.isChecked()}
