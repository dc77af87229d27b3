"""The selector above the tree: the drives, then the albums and the events.

A drive's item holds its id (the item's data), its name and its mount path; an album's
or an event's holds neither id nor drive name, only (kind, name) in SOURCE_ROLE, so
everything that asks for "the drive shown" gets None while an album is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from luna_desktop.catalog import queries
from luna_desktop.catalog.models import Album, Drive, Event

from .drive_state import SUFFIX, state_icon, state_tooltip
from .mount_watch import MountWatch

NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # a drive's name
MOUNT_ROLE = NAME_ROLE + 1  # a drive's last mount path
SOURCE_ROLE = NAME_ROLE + 2  # "drive:NAME", "album:NAME" or "event:NAME" (a str: findData
# compares strings by value, a Python tuple only by identity)
_PREFIX = {"album": "Album · ", "event": "Event · "}


@dataclass(frozen=True)
class Source:
    kind: str  # "drive", "album" or "event"
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


class SourceSelector(QComboBox):
    def __init__(self, mounts: MountWatch, parent=None) -> None:
        super().__init__(parent)
        self.mounts = mounts
        self.setObjectName("drive_selector")
        self.setMinimumContentsLength(18)
        self.setToolTip("The drive, album or event shown in the tree")

    def refresh(self, select: Source | None = None) -> list[Drive]:
        """Rebuild the items (a handful of small tables) without emitting a change."""
        current = select or self.source()
        drives = queries.drives()
        self.blockSignals(True)
        self.clear()
        for drive in drives:
            self.addItem(drive.name, drive.id)
            last = self.count() - 1
            self.setItemData(last, drive.name, NAME_ROLE)
            self.setItemData(last, drive.mount_path, MOUNT_ROLE)
            self.setItemData(last, f"drive:{drive.name}", SOURCE_ROLE)
        for kind, names in (
            ("album", [a.name for a in Album.select(Album.name).order_by(Album.name)]),
            ("event", [e.name for e in Event.select(Event.name).order_by(Event.starts_at)]),
        ):
            if names and self.count():
                self.insertSeparator(self.count())
            for name in names:
                self.addItem(_PREFIX[kind] + name)
                self.setItemData(self.count() - 1, f"{kind}:{name}", SOURCE_ROLE)
        index = self.findData(current.key, SOURCE_ROLE) if current else -1
        first = next((i for i in range(self.count()) if self.itemData(i, SOURCE_ROLE)), -1)
        self.setCurrentIndex(index if index >= 0 else first)
        self.blockSignals(False)
        self.label_drives()
        return drives

    def label_drives(self) -> None:
        """Say which drives are plugged in, from what the mount watch last learned."""
        for i in range(self.count()):
            name = self.itemData(i, NAME_ROLE)
            if name is None:
                continue
            path = self.itemData(i, MOUNT_ROLE)
            state = self.mounts.state(path)
            self.setItemText(i, f"{name}{SUFFIX.get(state, '')}")
            self.setItemIcon(i, state_icon(state))
            self.setItemData(i, state_tooltip(name, path, state), Qt.ItemDataRole.ToolTipRole)

    def source(self) -> Source | None:
        data = self.currentData(SOURCE_ROLE)
        if not data:
            return None
        kind, _, name = data.partition(":")
        return Source(kind, name)

    def drive_id(self) -> int | None:
        data = self.currentData()
        return int(data) if data is not None else None

    def drive_name(self) -> str | None:
        return self.currentData(NAME_ROLE)

    def drive_mount(self) -> str | None:
        """The shown drive's last mount path (None for an album, or never mounted)."""
        return self.currentData(MOUNT_ROLE)

    def has_drives(self) -> bool:
        return any(self.itemData(i, NAME_ROLE) for i in range(self.count()))

    def select(self, source: Source) -> bool:
        index = self.findData(source.key, SOURCE_ROLE)
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0
