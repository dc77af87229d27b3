"""The project groups dialog's questions: a name (add, rename), the group to merge into
(type part of its name, arrows to pick, Enter to choose), a yes-or-no, a warning.
Each is modal over the dialog; Esc always leaves it unanswered.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

_NAME_ROLE = Qt.ItemDataRole.UserRole + 1
# Keys typed in the filter that belong to the list.
_LIST_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


def run_modal(dialog: QDialog, parent: QWidget) -> int:
    """exec() `dialog`, then give the keys back to `parent` where they were: without
    this, some window managers (and none at all) leave no window with the focus."""
    focused = QApplication.focusWidget()
    result = dialog.exec()
    parent.activateWindow()
    if focused is not None:
        focused.setFocus(Qt.FocusReason.OtherFocusReason)
    return result


def ask_name(parent: QWidget, title: str, label: str, text: str | None) -> str | None:
    ask = QInputDialog(parent)
    ask.setWindowTitle(title)
    ask.setLabelText(label)
    ask.setTextValue(text or "")
    ask.resize(max(ask.sizeHint().width(), 420), ask.sizeHint().height())
    return ask.textValue() if run_modal(ask, parent) else None


def confirm(parent: QWidget, title: str, text: str, informative: str, verb: str, name: str) -> bool:
    """A question whose default (Enter) is `verb`; Esc cancels."""
    ask = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    if informative:
        ask.setInformativeText(informative)
    yes = ask.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName(name)
    ask.addButton(QMessageBox.StandardButton.Cancel)
    ask.setDefaultButton(yes)
    run_modal(ask, parent)
    return ask.clickedButton() is yes


def warn(parent: QWidget, title: str, text: str) -> None:
    run_modal(QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent), parent)


class TargetChooser(QDialog):
    """`others`: (name, how many files it holds as text) of every group but the source."""

    def __init__(self, source: str, others: list[tuple[str, str]], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("merge_target_chooser")
        self.setWindowTitle(f"Merge “{source}” into…")
        self.filter = QLineEdit()
        self.filter.setObjectName("target_filter")
        self.filter.setPlaceholderText("Type part of a name")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("targets")
        for name, files in others:
            item = QListWidgetItem(f"{name}    {files}")
            item.setData(_NAME_ROLE, name)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setText("&Choose")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        label = QLabel(f"Move the files of “{source}” into the group:")
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._filter)
        self.filter.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.list.currentRowChanged.connect(lambda _row: self._ok.setEnabled(self.chosen() != ""))
        self.resize(420, 360)
        self.filter.setFocus()

    def chosen(self) -> str:
        item = self.list.currentItem()
        return item.data(_NAME_ROLE) if item is not None and not item.isHidden() else ""

    def accept(self) -> None:
        if self.chosen():
            super().accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        key_press = event.type() == QEvent.Type.KeyPress
        if watched is self.filter and key_press and event.key() in _LIST_KEYS:
            QApplication.sendEvent(self.list, event)
            return True
        return super().eventFilter(watched, event)

    def _filter(self, text: str) -> None:
        wanted = text.strip().casefold()
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            hidden = wanted not in item.data(_NAME_ROLE).casefold()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = row
        current = self.list.currentItem()
        if current is None or current.isHidden():
            self.list.setCurrentRow(first if first is not None else -1)
        self._ok.setEnabled(self.chosen() != "")
