"""How catalogue values read to a person: sizes, durations, and the preview's facts.

Qt-free, so the window and the command line say "1.9 MB" the same way. Units are
decimal (1 KB = 1000 bytes), as drive makers and file managers count them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = [
    "camera_name",
    "duration_clock",
    "fact_values",
    "format_duration",
    "human_size",
    "note_lines",
]

_UNITS = ("KB", "MB", "GB", "TB", "PB")


def human_size(size: int | None) -> str:
    """ "512 bytes", "1 byte", "1.2 MB", "3.4 TB"; "" when the size is not known."""
    if size is None:
        return ""
    if size < 1000:
        return "1 byte" if size == 1 else f"{size} bytes"
    value = float(size)
    for unit in _UNITS[:-1]:
        value /= 1000
        # Compare what will be printed: 999,999 bytes is "1.0 MB", not "1000.0 KB".
        if round(value, 1) < 1000:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} {_UNITS[-1]}"


def format_duration(seconds: float | None) -> str:
    """ "7.5 s" under a minute, then "2:05" or "1:02:05"; "" when not known."""
    if seconds is None:
        return ""
    if seconds < 59.95:  # what would print as "60.0 s" reads better as "1:00"
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration_clock(ms: int | None) -> str:
    """A player's clock: "0:03.4", "12:05.0", "1:02:05.0" (tenths, so a 0.2 s clip
    still shows it moving); "0:00.0" when not known."""
    tenths = max(0, round((ms or 0) / 100))
    seconds, tenth = divmod(tenths, 10)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}.{tenth}"
    return f"{minutes}:{secs:02d}.{tenth}"


def note_lines(notes: str | None) -> list[str]:
    """A file's notes (harmless oddities found by the scan, one per line), blank lines out."""
    return [line.strip() for line in (notes or "").splitlines() if line.strip()]


def camera_name(make: str | None, model: str | None) -> str:
    make, model = (make or "").strip(), (model or "").strip()
    # "Canon" + "Canon PowerShot S90" reads better as the model alone.
    if make and model.lower().startswith(make.lower()):
        return model
    return f"{make} {model}".strip()


def _path_with_sidecar(path: str | None, sidecar: str | None) -> str:
    # The sidecar's keywords and title are part of what the curator sees: say where
    # they came from, next to the file they belong to.
    return f"{path or ''}  + sidecar {sidecar}" if sidecar else str(path or "")


def fact_values(facts: dict[str, Any]) -> dict[str, str]:
    """The preview's facts as text, by row key; "" for what is not known.

    `problem` is the file's error (it could not be read in full); `notes` are its
    harmless oddities, one per line. The two are never mixed: a note is not a problem.
    """
    width, height = facts.get("width"), facts.get("height")
    taken = facts.get("taken_at")
    if isinstance(taken, datetime):
        taken = taken.isoformat(sep=" ")
    lat, lng = facts.get("lat"), facts.get("lng")
    return {
        "size": human_size(facts.get("size")),
        "dimensions": f"{width} × {height}" if width and height else "",
        "camera": camera_name(facts.get("camera_make"), facts.get("camera_model")),
        "taken": str(taken).replace("T", " ") if taken else "",
        "gps": f"{lat:.5f}, {lng:.5f}" if lat is not None and lng is not None else "",
        "duration": format_duration(facts.get("duration")),
        "path": _path_with_sidecar(facts.get("display_path"), facts.get("sidecar"))
        + _copies(facts.get("copies"), facts.get("copies_here") or 0),
        "problem": str(facts.get("error") or "").strip(),
        "notes": "\n".join(note_lines(facts.get("notes"))),
    }


def _copies(drives: list[str] | None, here: int = 0) -> str:
    """Where else the file is (catalog.duplicates.other_drives_with_copy): None when
    that is not known (the file is not hashed yet, or empty); `here`: other copies on
    its own drive."""
    if drives is None:
        return ""
    if not drives:
        if here:
            return f"  ·  on this drive only ({here} more {'copy' if here == 1 else 'copies'})"
        return "  ·  on this drive only"
    shown = ", ".join(drives[:3]) + (f" and {len(drives) - 3} more" if len(drives) > 3 else "")
    return f"  ·  also on {shown}"
