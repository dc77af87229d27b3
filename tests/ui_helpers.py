"""Driving the real window in tests: answering its dialogs, finding its rows."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox


def answer_next_dialog(button: QMessageBox.StandardButton | None = None, text: str | None = None):
    """Answer the next modal dialog the window opens (a message box or an input dialog).

    Returns a list that receives the dialog's text, so a test can check what was asked.
    """
    seen: list[str] = []

    def respond(attempts: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if attempts < 200:
                QTimer.singleShot(10, lambda: respond(attempts + 1))
            return
        if isinstance(dialog, QMessageBox):
            seen.append(dialog.text())
            target = dialog.button(button) if button is not None else None
            (target or dialog.buttons()[0]).click()
        elif isinstance(dialog, QInputDialog):
            seen.append(dialog.labelText())
            if text is not None:
                dialog.setTextValue(text)
            dialog.accept()
        else:
            seen.append(type(dialog).__name__)
            dialog.reject()

    QTimer.singleShot(0, respond)
    return seen
