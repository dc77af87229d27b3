"""What the window knows of each destination: what the catalogue says of its queue (read
off the GUI thread), and what only this window knows (its worker, the file in hand).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from luna_desktop.catalog.models import utcnow
from luna_desktop.transfer import destinations, queue
from luna_desktop.transfer.events import DestinationNote, JobProgress, JobStarted


@dataclass(frozen=True)
class QueueView:
    """What the catalogue says of one destination."""

    name: str
    url: str
    delayed: bool
    paused: bool
    remove_local: bool
    counts: dict[str, int]
    bytes_left: int
    waiting_for: dict[str, int]  # drive name → queued jobs whose drive is not plugged in
    next_try: datetime | None  # UTC, the earliest retry not due yet

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def unfinished(self) -> int:
        return self.count(queue.QUEUED) + self.count(queue.RUNNING)

    def seconds_to_next_try(self) -> float | None:
        if self.next_try is None:
            return None
        return (self.next_try - utcnow()).total_seconds()


@dataclass
class Live:
    """What only this window knows of a destination: its worker, its file in hand."""

    running: bool = False
    pausing: bool = False  # paused while a file is in hand: it stops after that file
    started: bool = False  # "Start transfers" pressed (what a delayed destination waits for)
    current: JobStarted | None = None
    progress: JobProgress | None = None
    note: DestinationNote | None = None  # the worker's last word on its state
    blocked: str | None = None  # waits for the curator (a host key), in words
    hold_until: float | None = None  # monotonic: not restarted by itself before then
    hold_for_retry: bool = False  # hold until the queue's next retry, once it is read
    check_done: bool = False  # a run ended: is the queue empty now?
    done_in_run: int = 0  # files published since the worker started
    done_before: int = 0  # the queue's done count when it started
    total_in_run: int = 0  # published in this run and still to go, as last counted


@dataclass(frozen=True)
class DestinationState:
    """One destination as the panel shows it: the catalogue's view and the live part."""

    view: QueueView
    live: Live = field(default_factory=Live)

    @property
    def name(self) -> str:
        return self.view.name


def read_views(mounts: Callable[[], Mapping[int, str]]) -> list[QueueView]:
    """Every destination's counts (one grouped query each, indexed by state); for the
    pool thread that reads them."""
    mounted = mounts()
    views = []
    for dest in destinations.all_destinations():
        counts = queue.counts(dest, mounted)
        views.append(
            QueueView(
                name=dest.name,
                url=dest.url,
                delayed=bool(dest.delayed),
                paused=bool(dest.paused),
                remove_local=bool(dest.remove_local),
                counts=dict(counts.counts),
                bytes_left=counts.bytes_left,
                waiting_for=dict(counts.waiting_for),
                next_try=counts.next_try,
            )
        )
    return views
