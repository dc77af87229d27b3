"""The Transfers panel (Ctrl+Shift+T): every destination's state and counts, the file
being sent with its progress, and a destination's jobs; Start, Pause or Resume, Cancel
and Retry failed per destination.

Everything shown comes from the transfer service: the counts it reads off the GUI
thread, the progress its workers report. The jobs list of the chosen destination is
read off the GUI thread too, at most a few times a second while files flow.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.transfer import queue

from .background import LatestOnly
from .transfer_service import TransferService
from .transfer_state import DestinationState
from .transfers_model import (
    DestinationsModel,
    JobsModel,
    counts_words,
    progress_words,
    read_jobs,
    state_words,
)

JOBS_REFRESH_MS = 700
_WHY_KINDS = ("unreachable", "host key", "busy", "error", "manifest")  # said in full
_EMPTY = (
    "<p><b>No destinations yet</b></p><p>Add one in Preferences → Destinations: a folder "
    "(a local disk or a mounted share) or an SFTP server. Files marked upload are then "
    "published to it, copied and verified.</p>"
)


def toggle_transfers(parent: QWidget, service: TransferService) -> TransfersPanel:
    """Show the panel (raised, with the focus on its destinations), or hide it when it
    is the active window already."""
    panel = parent.findChild(TransfersPanel)
    if panel is not None and panel.isVisible() and panel.isActiveWindow():
        panel.hide()
        return panel
    if panel is None:
        panel = TransfersPanel(service, parent)
    panel.show()
    panel.raise_()
    panel.activateWindow()
    panel.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
    return panel


class TransfersPanel(QDialog):
    def __init__(self, service: TransferService, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.service = service
        self.setObjectName("transfers_panel")
        self.setWindowTitle("Transfers")
        self.model = DestinationsModel(self)
        self.jobs_model = JobsModel(self)
        self._jobs_reads = LatestOnly(self)
        self._jobs_timer = QTimer(self)
        self._jobs_timer.setSingleShot(True)
        self._jobs_timer.setInterval(JOBS_REFRESH_MS)
        self._jobs_timer.timeout.connect(self.reload_jobs)
        self._shown_counts: dict[str, int] = {}
        self._build()
        service.destinations_changed.connect(self._reload_destinations)
        service.state_changed.connect(self._state_changed)
        for signal in (service.job_started, service.file_transferred, service.job_failed):
            signal.connect(lambda event: self._jobs_changed(event.destination))
        self.resize(980, 640)
        self._reload_destinations()
        service.refresh()

    # -- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.table = QTableView()
        self.table.setObjectName("transfer_destinations")
        self.table.setModel(self.model)
        _table_look(self.table, stretch=1)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen())

        self.title = QLabel()
        self.title.setObjectName("transfer_title")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label = QLabel()
        self.state_label.setObjectName("transfer_state")
        self.state_label.setWordWrap(True)
        self.note_label = QLabel()  # the worker's last word: why it stopped, in full
        self.note_label.setObjectName("transfer_note")
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts_label = QLabel()
        self.file_label = QLabel()
        self.file_label.setObjectName("transfer_file")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFormat("%p %")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("transfer_progress")
        self.start_button = QPushButton("&Start Transfers")
        self.start_button.setToolTip(
            "Work this destination's queue now (a delayed destination waits for this); "
            "cancelled transfers are queued again"
        )
        self.pause_button = QPushButton("&Pause")
        self.cancel_button = QPushButton("Ca&ncel…")
        self.cancel_button.setToolTip(
            "Cancel every transfer to this destination not done yet; the file being sent "
            "stops and its partial copy is removed"
        )
        self.retry_button = QPushButton("Retry &Failed")
        self.retry_button.setToolTip("Queue the failed transfers again, with their attempts reset")
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.cancel_button, self.retry_button):
            button.setAutoDefault(False)  # Enter in the lists never presses one of these
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.start_button.clicked.connect(lambda: self._command(self.service.start))
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.cancel_button.clicked.connect(self._cancel)
        self.retry_button.clicked.connect(lambda: self._command(self.service.retry_failed))

        self.jobs = QTableView()
        self.jobs.setObjectName("transfer_jobs")
        self.jobs.setModel(self.jobs_model)
        _table_look(self.jobs, stretch=3)
        jobs_label = QLabel("&Jobs (running, failed, queued, published lately):")
        jobs_label.setBuddy(self.jobs)

        detail = QWidget()
        column = QVBoxLayout(detail)
        column.setContentsMargins(0, 6, 0, 0)
        column.addWidget(self.title)
        column.addWidget(self.state_label)
        column.addWidget(self.note_label)
        column.addWidget(self.counts_label)
        column.addSpacing(4)
        column.addWidget(self.file_label)
        bar_row = QHBoxLayout()
        bar_row.addWidget(self.bar, 2)
        bar_row.addWidget(self.progress_label, 3)
        column.addLayout(bar_row)
        column.addLayout(buttons)
        column.addSpacing(4)
        column.addWidget(jobs_label)
        column.addWidget(self.jobs, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(detail)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([170, 430])
        self.empty_note = QLabel(_EMPTY)
        self.empty_note.setObjectName("transfers_empty")
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty_note)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        for button in close.buttons():
            button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addWidget(close)

    # -- what is shown -----------------------------------------------------------------

    def selected(self) -> str | None:
        row = self.table.currentIndex().row()
        states = self.model.states
        return states[row].name if 0 <= row < len(states) else None

    def select(self, name: str) -> None:
        row = self.model.row_of(name)
        if row is not None:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _reload_destinations(self) -> None:
        chosen = self.selected()
        states = [s for s in (self.service.state(n) for n in self.service.names()) if s]
        self.model.set_states(states)
        self.stack.setCurrentWidget(self.stack.widget(0 if states else 1))
        if states:
            self.select(chosen if chosen in self.service.names() else states[0].name)
        self._chosen()

    def _state_changed(self, name: str) -> None:
        state = self.service.state(name)
        if state is None:
            return
        if self.model.row_of(name) is None:
            self._reload_destinations()
            return
        self.model.update(state)
        if name == self.selected():
            self._show(state)
            if state.view.counts != self._shown_counts:
                # Jobs moved between states without an event of their own (a destination
                # unreachable, a sync, a retry): the list is read again.
                self._shown_counts = dict(state.view.counts)
                self._jobs_changed(name)

    def _jobs_changed(self, name: str) -> None:
        if name == self.selected() and self.isVisible() and not self._jobs_timer.isActive():
            self._jobs_timer.start()

    def _chosen(self) -> None:
        name = self.selected()
        state = self.service.state(name) if name else None
        if state is not None:
            self._show(state)
        self.reload_jobs()

    def _show(self, state: DestinationState) -> None:
        view, live = state.view, state.live
        delayed = " (delayed: its transfers wait for Start Transfers)" if view.delayed else ""
        self.title.setText(f"{view.name} — {view.url}{delayed}")
        self.state_label.setText(f"State: {state_words(state)}")
        note = live.note
        why = note.message if note is not None and note.kind in _WHY_KINDS else ""
        self.note_label.setText(why[:1].upper() + why[1:])
        self.note_label.setVisible(bool(why) and not live.running)
        self.counts_label.setText(counts_words(view))
        current = live.current
        if current is not None:
            self.file_label.setText(f"Now: {current.source} → {current.remote}")
            p = live.progress
            self.bar.setValue(int(1000 * p.done / p.total) if p is not None and p.total else 0)
            self.progress_label.setText(progress_words(live))
        else:
            self.file_label.setText("Now: no file being sent")
            self.bar.setValue(0)
            self.progress_label.setText("")
        self.bar.setEnabled(current is not None)
        self.bar.setTextVisible(current is not None)
        self.jobs_model.set_live(live)
        self.pause_button.setText("&Resume" if view.paused else "&Pause")
        self.pause_button.setToolTip(
            "Go on with this destination's transfers"
            if view.paused
            else "Stop after the file being sent; nothing more starts until Resume"
        )
        # Start also syncs: files marked a moment ago may not be counted yet.
        self.start_button.setEnabled(not view.paused and not live.running)
        self.cancel_button.setEnabled(view.unfinished > 0)
        self.retry_button.setEnabled(view.count(queue.FAILED) > 0)

    def reload_jobs(self) -> None:
        name = self.selected()
        if name is None:
            self.jobs_model.set_rows([])
            return
        mounts = self.service.mounts
        self._jobs_reads.request(
            lambda _stale: read_jobs(name, mounts()),
            lambda rows: self._jobs_read(name, rows),
            lambda exc: self.state_label.setText(f"Cannot read the jobs: {exc}"),
        )

    def _jobs_read(self, name: str, rows) -> None:
        if name == self.selected():
            self.jobs_model.set_rows(rows)

    # -- commands ----------------------------------------------------------------------

    def _command(self, command) -> None:
        name = self.selected()
        if name is not None:
            command(name)

    def _pause_or_resume(self) -> None:
        state = self.service.state(self.selected() or "")
        if state is not None:
            (self.service.resume if state.view.paused else self.service.pause)(state.name)

    def _cancel(self) -> None:
        state = self.service.state(self.selected() or "")
        if state is None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Cancel transfers")
        box.setText(
            f"Cancel the {state.view.unfinished:,} transfer(s) to {state.name} not done yet?"
        )
        box.setInformativeText(
            "The file being sent stops and its partial copy is removed. Files already "
            "published stay. Start Transfers queues the cancelled ones again."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.exec()
        if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
            self.service.cancel(state.name)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.reload_jobs()


def _table_look(table: QTableView, stretch: int) -> None:
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setHighlightSections(False)
