"""What a destination's worker reports while it works: small dataclasses, handed to the
caller's ``on_event`` (the window turns them into signals, the command line into lines)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class JobStarted:
    destination: str
    job_id: int
    file_id: int
    source: str  # drive:folder/filename
    remote: str  # the destination's URL and the path inside it
    size: int


@dataclass(frozen=True)
class JobProgress:
    destination: str
    job_id: int
    phase: str  # "sending" or "verifying"
    done: int  # bytes
    total: int
    rate: float  # bytes per second in this phase so far

    @property
    def eta(self) -> float | None:
        """Seconds left in this phase, when it can be said."""
        if self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


@dataclass(frozen=True)
class FileTransferred:
    """A file verified at its destination: the `file_transferred` notification."""

    destination: str
    job_id: int
    file_id: int
    file_uuid: str
    source: str  # drive:folder/filename
    source_path: str  # where it was read, on this computer
    remote: str  # the destination's URL and the path inside it
    remote_path: str  # the path inside the destination
    size: int
    sha256: str
    removed_local: bool = False
    note: str | None = None  # e.g. why the local copy was kept


@dataclass(frozen=True)
class JobFailed:
    destination: str
    job_id: int
    source: str
    error: str
    state: str  # "queued" (tried again at next_try), "failed" or "cancelled"
    next_try: datetime | None = None


@dataclass(frozen=True)
class DestinationNote:
    """The worker's state in words: "waiting for drive K7", "paused", "unreachable…",
    "host key not known", "busy" (another Luna works it), "idle"."""

    destination: str
    kind: str
    message: str
    error: Exception | None = None
