"""What a scan reports while it runs and when it ends."""

from __future__ import annotations

from dataclasses import dataclass, field

# How a scan ends. "cancelled" is a stop that was asked for (Cancel, Ctrl+C, SIGTERM);
# the other two stop on their own, and `ScanProgress.message` says what to do.
COMPLETED = "completed"
CANCELLED = "cancelled"
DRIVE_LOST = "drive_lost"  # the drive went away (unplugged, unmounted) during the scan
CATALOG_FULL = "catalog_full"  # the disk holding the catalogue filled up


@dataclass
class ScanCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    missing: int = 0
    moved: int = 0
    # Missing files (of any drive) found here and relinked with their curation, and
    # those found here with more than one candidate, left to the curator (`luna relink`).
    relinked_across: int = 0
    relink_offers: int = 0
    reappeared: int = 0
    errors: int = 0  # files catalogued with an error, files or folders that could not be read
    noted: int = 0  # files catalogued with notes (oddities that are not errors)
    unwritten: int = 0  # files read but refused by the catalogue (see the scan's problems)
    ignored: int = 0
    skipped_links: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class ScanProgress:
    """A snapshot, yielded a few times a second and once more at the end."""

    drive: str
    files_done: int = 0  # files decided: unchanged, or read and written
    files_found: int = 0  # files the walk has reached so far
    files_total: int | None = None  # known once the counting walk has finished
    bytes_done: int = 0
    elapsed: float = 0.0
    current: str = ""
    counts: ScanCounts = field(default_factory=ScanCounts)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    state: str = "running"  # running → completed, cancelled, drive_lost or catalog_full
    # A stop is under way (cancelled, or the drive went away): no file is started any
    # more, and the ones being read are finished and kept.
    stopping: bool = False
    # Set when the scan stopped on its own (DRIVE_LOST, CATALOG_FULL): one sentence
    # for a person, saying what happened and what to do.
    message: str = ""
    # How the files are read: "parallel" (one reader per core) or "rotating" (one
    # reader, in on-disk order, for a spinning disk).
    read_mode: str = "parallel"

    @property
    def finished(self) -> bool:
        return self.state != "running"

    @property
    def rate(self) -> float:
        return self.files_done / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> str:
        """One line a person reads at the end: what the scan did."""
        c = self.counts
        parts = [
            f"{c.added:,} added",
            f"{c.changed:,} changed",
            f"{c.unchanged:,} unchanged",
            f"{c.missing:,} missing",
            f"{c.moved:,} moved",
            f"{c.errors:,} errors",
            f"{c.noted:,} with notes",
        ]
        if c.unwritten:
            parts.append(f"{c.unwritten:,} could not be written")
        if c.relinked_across:
            parts.append(f"{c.relinked_across:,} missing files found here and relinked")
        if c.relink_offers:
            parts.append(f"{c.relink_offers:,} possible relinks to decide")
        if c.reappeared:
            parts.append(f"{c.reappeared:,} back from missing")
        if c.ignored:
            parts.append(f"{c.ignored:,} ignored")
        if c.skipped_links:
            parts.append(f"{c.skipped_links:,} links not followed")
        return ", ".join(parts)

    @property
    def eta(self) -> float | None:
        """Seconds left, when the total is known and the scan has a rate."""
        if self.files_total is None or self.rate <= 0:
            return None
        return max(0.0, (self.files_total - self.files_done) / self.rate)


class ScanError(Exception):
    """The scan cannot start: the path does not exist, is not a folder, cannot be read."""
