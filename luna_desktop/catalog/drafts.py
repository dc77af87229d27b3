"""The journal of unsaved edits: typed words survive a crash of the window.

While a curator types, the form's unsaved values are written here within a second,
beside the catalogue (never into the file's row: an unsaved edit is not a decision).
After the window is killed or crashes, the next start finds the draft and offers it
back on the file it belongs to. A save, a discard or leaving the file removes it.

The file is small JSON, replaced atomically (write, fsync, rename), by a background
thread, so the window never waits on the disk and a crash mid-write leaves the previous
journal intact. One catalogue may be open in several windows, so drafts are keyed by
the file's UUID and each window only removes its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from .curation import Curation

log = logging.getLogger(__name__)


@dataclass
class Draft:
    file_uuid: str
    drive: str
    path: str  # folder/filename, for the question at the next start
    values: Curation  # what the form held
    base: Curation  # what the form was loaded with (the save merges against it)
    base_version: int
    curator: str = ""
    written_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Draft:
        return cls(
            file_uuid=str(data["file_uuid"]),
            drive=str(data.get("drive", "")),
            path=str(data.get("path", "")),
            values=Curation(**data["values"]),
            base=Curation(**data["base"]),
            base_version=int(data.get("base_version", 0)),
            curator=str(data.get("curator", "")),
            written_at=str(data.get("written_at", "")),
        )


def journal_path(catalog: Path) -> Path:
    return catalog.with_name(catalog.name + ".drafts.json")


class DraftJournal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        # Drafts found at start (an earlier session's), and this window's changes since,
        # which the writer applies to the file as it is then (another window may share it).
        self._found: dict[str, Draft] = {d.file_uuid: d for d in self._read()}
        self._changes: dict[str, Draft | None] = {}
        self._dirty = False
        self._writing = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="luna-drafts", daemon=True)
        self._thread.start()

    # -- what the window calls (never blocks on the disk) ---------------------------------

    def pending(self) -> list[Draft]:
        """Drafts left by an earlier session (or another window), newest first."""
        with self._lock:
            drafts = [d for uuid, d in self._found.items() if uuid not in self._changes]
        return sorted(drafts, key=lambda d: d.written_at, reverse=True)

    def record(self, draft: Draft) -> None:
        with self._lock:
            self._changes[draft.file_uuid] = draft
            self._dirty = True
            self._wake.notify()

    def remove(self, file_uuid: str) -> None:
        """This window's draft of a file is done with (saved, discarded, left).

        A draft an earlier session left stays until the curator restores or discards it:
        passing through its file must not throw it away unseen.
        """
        with self._lock:
            if self._changes.get(file_uuid) is None:
                return  # not this window's: nothing to do (most files never are)
            self._changes[file_uuid] = None
            self._dirty = True
            self._wake.notify()

    def discard(self, file_uuid: str) -> None:
        """The curator chose to drop a draft, whoever wrote it."""
        with self._lock:
            self._changes[file_uuid] = None
            self._dirty = True
            self._wake.notify()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was recorded is on disk (for closing, and for tests)."""
        with self._lock:
            return self._wake.wait_for(lambda: not self._dirty and not self._writing, timeout)

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._closed = True
            self._wake.notify_all()
        self._thread.join(timeout=5)

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                self._wake.wait_for(lambda: self._dirty or self._closed)
                if self._closed and not self._dirty:
                    return
                changes = dict(self._changes)
                self._dirty = False
                self._writing = True
            try:
                on_disk = {d.file_uuid: d for d in self._read()}
                for uuid, draft in changes.items():
                    if draft is None:
                        on_disk.pop(uuid, None)
                    else:
                        on_disk[uuid] = draft
                self._write([d.to_json() for d in on_disk.values()])
            except OSError:
                # The journal is a safety net: failing to write it must not disturb the
                # curator, who still has the words in the form.
                log.exception("could not write the drafts journal %s", self.path)
            with self._lock:
                self._writing = False
                self._wake.notify_all()

    def _write(self, drafts: list[dict]) -> None:
        if not drafts:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            return
        # Per process: two windows on one catalogue must not write the same temporary file.
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"drafts": drafts}, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def _read(self) -> list[Draft]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [Draft.from_json(d) for d in data.get("drafts", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # A damaged journal is kept aside for a person to read, not lost.
            log.warning("the drafts journal %s cannot be read (%s); kept aside", self.path, exc)
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_name(self.path.name + ".damaged"))
            return []
