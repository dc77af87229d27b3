"""What the duplicates panel says about a group and about what was just done to it.

Plain strings, no widgets: a curator reads them in the panel, a test reads them too.
"""

from __future__ import annotations

from luna_desktop.catalog.duplicate_views import Applied, Confirmed, GroupView, MemberView
from luna_desktop.catalog.status import Status


def rule_words(chosen_by: str) -> str:
    """How a primary was chosen, as a curator reads it."""
    name, _, drive = chosen_by.partition(":")
    return {
        "manual": "chosen by hand",
        "largest": "the largest file",
        "earliest": "the earliest taken",
        "shortest_path": "the shortest path",
        "preferred_drive": f"on the preferred drive {drive}",
    }.get(name, f"rule {chosen_by}")


def where(m: MemberView) -> str:
    return f"{m.member.drive}:{m.path}"


def state_words(view: GroupView) -> str:
    group = view.group
    how = "" if group.chosen_by == "manual" else " (by rule)"
    words = f"Primary: {rule_words(group.chosen_by)}{how}. "
    if group.confirmed:
        return words + "Confirmed: the members above have the same content, byte for byte."
    return words + (
        "Not confirmed: the files share their size and oshash (the first and last 64 KiB); "
        "their whole content has not been compared. Discarding copies confirms it first."
    )


def confirm_words(view: GroupView, outcome: Confirmed) -> tuple[str, bool]:
    """What a confirmation found, and whether it needs the curator's eye."""
    by_id = {m.id: m for m in view.members}
    result = outcome.result
    parts = []
    if outcome.cancelled:
        parts.append(f"Stopped. {len(result.hashed)} files were hashed before that; kept.")
    elif result.hashed:
        parts.append(f"Hashed {len(result.hashed)} files.")
    if result.split:
        names = ", ".join(where(by_id[i]) for i in result.split if i in by_id)
        parts.append(f"Different content: {names} split off; not copies of this file.")
    for file_id, why in result.skipped:
        if file_id in by_id:
            parts.append(f"{where(by_id[file_id])} could not be hashed: {why}.")
    if result.confirmed and not result.skipped:
        parts.append("Confirmed: every member has the same content.")
    elif not outcome.cancelled and not result.split and not result.skipped and not result.hashed:
        parts.append("Nothing to hash: every member was hashed before.")
    warn = bool(result.split or result.skipped or outcome.cancelled)
    return " ".join(parts), warn


def applied_words(status: Status, applied: Applied, skipped: dict[int, str]) -> tuple[str, bool]:
    """What a status for every copy changed, what it left alone and why. `skipped`: why
    the confirmation before it could not hash a file, by file id."""
    parts = []
    if applied.changed:
        count = len(applied.changed)
        parts.append(
            f"{status.label} set on {count} cop{'y' if count == 1 else 'ies'}: "
            f"{', '.join(where(m) for m in applied.changed)}. One change: Ctrl+Z in the "
            "main window's tree takes it back."
        )
    else:
        parts.append(f"{status.label} was set on no file.")
    if applied.split:
        names = ", ".join(where(m) for m in applied.split)
        parts.append(
            f"Not copies after all, their content differs (split off, left as they were): {names}."
        )
    if applied.unconfirmed:
        left = [
            f"{where(m)} ({skipped.get(m.id, 'its content is not confirmed')})"
            for m in applied.unconfirmed
        ]
        primary = applied.view.primary if applied.view is not None else None
        if primary is not None and not primary.member.content_hash:
            left.append(
                f"the primary {where(primary)} itself ({skipped.get(primary.id, 'not hashed')})"
            )
        parts.append("Left as they were, content not confirmed: " + "; ".join(left) + ".")
    return " ".join(parts), bool(applied.split or applied.unconfirmed or not applied.changed)
