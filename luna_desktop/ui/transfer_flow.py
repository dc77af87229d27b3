"""Publishing wired into the window: the transfer service fed by the window's own
knowledge (which drives are plugged in, when files were saved or changed in bulk, when a
scan ended), its commands on the Publish menu, and a hint in the status bar while files
are sent ("Publishing 3 of 120 to Archive…").

Nothing starts by itself in a window that is not a curator's session (a screenshot).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from .actions import ActionId
from .serial_writes import SerialWrites
from .transfer_service import TransferService
from .transfer_support import DriveMounts, TransferQuestions
from .transfers_model import run_words

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .transfers_panel import TransfersPanel

START_DELAY_MS = 500  # after the window is up: its first paint comes first


class TransferFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.mounts = DriveMounts(window.mounts)
        self.service = TransferService(
            self.mounts,
            TransferQuestions(window),
            self,
            automatic=lambda: window.remember_layout and not window.closing,
        )
        self.hint = QLabel()
        self.hint.setObjectName("transfer_hint")
        self.hint.hide()
        window.statusBar().addPermanentWidget(self.hint)
        self.service.file_transferred.connect(window.file_transferred)
        self.service.message.connect(lambda text, ms: window.statusBar().showMessage(text, ms))
        self.service.state_changed.connect(self._update_hint)
        window.controller.saved.connect(lambda *_: self.service.files_changed())
        # A bulk change (a status for a whole folder) lands through the bulk writer.
        bulk_writes = window.bulk.findChild(SerialWrites)
        if bulk_writes is not None:
            bulk_writes.idle.connect(self.service.files_changed)
        window.scans.ended.connect(self._scan_ended)
        QTimer.singleShot(START_DELAY_MS, self._begin)

    def wire_actions(self) -> None:
        a = self.window.actions_by_id
        a[ActionId.TRANSFERS].triggered.connect(lambda _checked=False: self.toggle_panel())
        a[ActionId.START_TRANSFERS].triggered.connect(lambda _checked=False: self.start_all())
        a[ActionId.DESTINATIONS].triggered.connect(
            lambda _checked=False: self.window.show_preferences(page="destinations")
        )

    def _begin(self) -> None:
        if not self.window.closing:
            self.service.begin()

    def toggle_panel(self) -> TransfersPanel:
        from .transfers_panel import toggle_transfers

        return toggle_transfers(self.window, self.service)

    def start_all(self) -> None:
        self.service.start_all()

    def _scan_ended(self, _progress) -> None:
        # A rescan may have found files again, or moved a drive to another place.
        self.mounts.forget()
        self.service.files_changed()

    def _update_hint(self, _name: str) -> None:
        running = []
        for name in self.service.names():
            state = self.service.state(name)
            if state is not None and state.live.running:
                running.append(run_words(name, state.live))
        if not running:
            self.hint.hide()
            return
        text = running[0] + (f" (and {len(running) - 1} more)" if len(running) > 1 else "")
        self.hint.setText(text)
        self.hint.show()

    def shutdown(self) -> None:
        self.service.shutdown()
