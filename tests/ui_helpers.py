"""Driving the real window in tests: answering its dialogs, finding its rows."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, QUrl, Slot
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


def answer_conflict(mine: dict[str, bool] | None = None, save: bool = True):
    """Answer the next save-conflict dialog: per field, keep mine (True) or theirs (False).

    Returns a list that receives, per conflicting field, (field, theirs text, mine text).
    """
    from luna_desktop.ui.conflict_dialog import ConflictDialog

    seen: list[tuple[str, str, str]] = []

    def respond(attempts: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConflictDialog):
            if attempts < 200:
                QTimer.singleShot(10, lambda: respond(attempts + 1))
            return
        seen.extend(dialog.rows())
        for name, keep_mine in (mine or {}).items():
            dialog.choose(name, keep_mine)
        (dialog.accept if save else dialog.reject)()

    QTimer.singleShot(0, respond)
    return seen


def click_in_next_dialog(object_name: str):
    """Click the button called `object_name` in the next modal dialog; returns its texts."""
    from PySide6.QtWidgets import QAbstractButton

    seen: list[str] = []

    def respond(attempts: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        button = dialog.findChild(QAbstractButton, object_name) if dialog else None
        if button is None:
            if attempts < 300:
                QTimer.singleShot(10, lambda: respond(attempts + 1))
            return
        seen.append(dialog.text() if isinstance(dialog, QMessageBox) else dialog.windowTitle())
        if isinstance(dialog, QMessageBox):
            seen.append(dialog.informativeText())
        button.click()

    QTimer.singleShot(0, respond)
    return seen


class UrlCatcher(QObject):
    """Stands in for the system's application (`QDesktopServices.setUrlHandler`):
    records what it was asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)
