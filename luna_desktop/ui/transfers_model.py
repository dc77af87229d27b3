"""The Transfers panel's words and tables: each destination's state in plain words, and
a destination's jobs (running, failed, queued, done lately), read off the GUI thread.

Every state is said in words (and failed jobs say why): colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from luna_desktop.catalog.formatting import format_duration, human_size
from luna_desktop.catalog.models import TransferLog, utcnow
from luna_desktop.transfer import destinations, queue

from .transfer_state import DestinationState, Live, QueueView

_Index = QModelIndex | QPersistentModelIndex


# -- words ----------------------------------------------------------------------------------


def local_time(utc: datetime | None) -> str:
    """A UTC time from the catalogue as the curator's clock shows it: "14:05"."""
    if utc is None:
        return ""
    return utc.replace(tzinfo=UTC).astimezone().strftime("%H:%M")


def state_words(state: DestinationState) -> str:
    """What the destination is doing, first the thing that matters most: "running",
    "paused", "delayed: waiting for Start", "waiting for drive K7", "next try at 14:05",
    "unreachable…", "failed 2"; parts joined with " · "."""
    view, live = state.view, state.live
    parts: list[str] = []
    note = live.note
    if live.running and live.pausing:
        parts.append("pausing after the current file")
    elif live.running:
        parts.append("running")
    elif view.paused:
        parts.append("paused")
    elif live.blocked:
        parts.append(live.blocked)
    elif view.delayed and not live.started and view.count(queue.QUEUED):
        parts.append("delayed: waiting for Start")
    else:
        if note is not None and note.kind in ("busy", "error"):
            parts.append(note.message)
        elif note is not None and note.kind == "unreachable" and view.next_try is not None:
            parts.append(f"unreachable, next try at {local_time(view.next_try)}")
        elif view.next_try is not None:
            parts.append(f"next try at {local_time(view.next_try)}")
    if not live.running and not view.paused:
        parts.extend(f"waiting for drive {name}" for name in sorted(view.waiting_for))
    if view.count(queue.FAILED):
        parts.append(f"failed {view.count(queue.FAILED):,}")
    if not parts:
        if view.unfinished:
            parts.append("queued")
        elif view.count(queue.DONE):
            parts.append("all published")
        else:
            parts.append("nothing to publish")
    return " · ".join(parts)


def counts_words(view: QueueView) -> str:
    names = (
        (queue.RUNNING, "running"),
        (queue.QUEUED, "queued"),
        (queue.DONE, "done"),
        (queue.FAILED, "failed"),
        (queue.CANCELLED, "cancelled"),
    )
    parts = [f"{view.count(s):,} {word}" for s, word in names if view.count(s)]
    if view.bytes_left:
        parts.append(f"{human_size(view.bytes_left)} left")
    return " · ".join(parts) or "no files queued"


def progress_words(live: Live) -> str:
    """The file in hand: "12.3 MB of 27.0 MB · 4.1 MB/s · 0:07 left · sending"."""
    p = live.progress
    if p is None:
        return "starting…" if live.current is not None else ""
    parts = [f"{human_size(p.done)} of {human_size(p.total)}"]
    if p.rate > 0:
        parts.append(f"{human_size(int(p.rate))}/s")
    eta = p.eta
    if eta is not None and p.done < p.total:
        parts.append(f"{format_duration(eta)} left")
    parts.append("verifying" if p.phase == "verifying" else "sending")
    return " · ".join(parts)


def run_words(name: str, live: Live) -> str:
    """The status bar's hint: "Publishing 3 of 120 to Archive…"."""
    n = live.done_in_run + (1 if live.current is not None else 0)
    total = max(live.total_in_run, n)
    return f"Publishing {max(n, 1):,} of {max(total, 1):,} to {name}…"


# -- the destinations table --------------------------------------------------------------------


class _Table(QAbstractTableModel):
    """A flat table with fixed column headers."""

    HEADERS: tuple[str, ...] = ()

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class DestinationsModel(_Table):
    """One row per destination: name, state in words, and its counts."""

    HEADERS = ("Destination", "State", "Queued", "Done", "Failed", "Left")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.states: list[DestinationState] = []

    def set_states(self, states: list[DestinationState]) -> None:
        if [s.name for s in states] != [s.name for s in self.states]:
            self.beginResetModel()
            self.states = states
            self.endResetModel()
            return
        self.states = states
        if states:
            last = self.index(len(states) - 1, len(self.HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def update(self, state: DestinationState) -> None:
        for row, old in enumerate(self.states):
            if old.name == state.name:
                self.states[row] = state
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
                return

    def row_of(self, name: str) -> int | None:
        return next((r for r, s in enumerate(self.states) if s.name == name), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.states)

    def data(self, index: _Index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        state = self.states[index.row()]
        view, column = state.view, index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                view.name,
                state_words(state),
                f"{view.unfinished:,}",
                f"{view.count(queue.DONE):,}",
                f"{view.count(queue.FAILED):,}",
                human_size(view.bytes_left) if view.bytes_left else "—",
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{view.name}: {view.url}\n{state_words(state)}\n{counts_words(view)}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == 4 and view.count(queue.FAILED):
            font = QFont()
            font.setBold(True)  # failures stand out by weight as well as by their number
            return font
        return None


# -- one destination's jobs ------------------------------------------------------------------


@dataclass(frozen=True)
class JobRow:
    job_id: int | None
    state: str  # running, failed, waiting, retry, queued, done
    source: str  # drive:folder/filename
    size: int
    attempts: int
    detail: str  # the last error, the drive waited for, where it went


RECENT_DONE = 25
SHOWN_PER_STATE = 200


def read_jobs(name: str, mounts: dict[int, str]) -> list[JobRow]:
    """The destination's jobs worth seeing, off the GUI thread: running, failed (with
    their last error), queued (oldest first), and the files published last."""
    dest = destinations.get(name)
    rows: list[JobRow] = []
    now = utcnow()
    for state in (queue.RUNNING, queue.FAILED, queue.QUEUED):
        for job in queue.jobs(dest, (state,), SHOWN_PER_STATE):
            entry = job.file
            source = f"{entry.drive.name}:{entry.display_path}"
            shown, detail = state, job.last_error or ""
            if state == queue.QUEUED and entry.drive_id not in mounts:
                shown, detail = "waiting", f"waiting for drive {entry.drive.name}"
            elif state == queue.QUEUED and job.next_try is not None and job.next_try > now:
                shown = "retry"
                detail = f"next try at {local_time(job.next_try)}: {job.last_error or ''}"
            elif state == queue.FAILED:
                detail = f"{job.last_error or 'failed'} (after {job.attempts} attempts)"
            rows.append(JobRow(job.id, shown, source, job.size, job.attempts, detail))
    recent = (
        TransferLog.select()
        .where(TransferLog.destination_name == name)
        .order_by(TransferLog.at.desc())
        .limit(RECENT_DONE)
    )
    for log in recent:
        detail = f"verified at {local_time(log.at)} → {log.remote}"
        if log.removed_local:
            detail += " (local copy removed)"
        rows.append(JobRow(None, queue.DONE, log.source, log.size, 0, detail))
    return rows


_STATE_WORDS = {
    queue.RUNNING: "running",
    queue.FAILED: "failed",
    "waiting": "waiting",
    "retry": "retry later",
    queue.QUEUED: "queued",
    queue.DONE: "done",
}


class JobsModel(_Table):
    HEADERS = ("State", "File", "Size", "Detail")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[JobRow] = []
        self.live: Live | None = None  # the running job's progress, from the worker

    def set_rows(self, rows: list[JobRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_live(self, live: Live | None) -> None:
        self.live = live
        for row, job in enumerate(self.rows):
            if job.state == queue.RUNNING:
                self.dataChanged.emit(self.index(row, 3), self.index(row, 3))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: _Index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        job = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            detail = job.detail
            live = self.live
            current = live.current if live is not None else None
            if job.state == queue.RUNNING and current is not None and current.job_id == job.job_id:
                detail = progress_words(live)
            return (_STATE_WORDS.get(job.state, job.state), job.source, human_size(job.size),
                    detail)[index.column()]  # fmt: skip
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (1, 3):
            return f"{job.source}\n{job.detail}" if job.detail else job.source
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and index.column() == 0 and job.state == queue.FAILED:
            font = QFont()
            font.setBold(True)
            return font
        return None
