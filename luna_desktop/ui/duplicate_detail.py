"""The right side of the duplicates panel: one group, its members side by side (those
split off apart, with why), the buttons that decide about them, a progress row for
hashing and a line saying what the last action did.

It shows what it is given and emits nothing of its own: the panel wires the buttons
and the lists, and does the work.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.duplicate_views import GroupView
from luna_desktop.catalog.formatting import human_size
from luna_desktop.catalog.status import Status

from . import palette
from .duplicate_members import MemberDelegate, MemberModel, member_list
from .duplicate_words import state_words
from .mount_watch import MountWatch


def button(text: str, name: str, tip: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    b.setAutoDefault(False)  # Enter belongs to the lists, not to a button
    return b


class GroupDetail(QWidget):
    def __init__(self, mounts: MountWatch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_text = ""
        self.title = QLabel()
        self.title.setObjectName("group_title")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel()
        self.state = QLabel()
        self.state.setObjectName("group_state")
        self.state.setWordWrap(True)
        self.kept_model, self.kept_view = self._members(mounts, "group_members")
        kept_label = QLabel("&Members")
        kept_label.setBuddy(self.kept_view)
        self.split_model, self.split_view = self._members(mounts, "split_members")
        self.split_note = QLabel(
            "<b>Different content: split off.</b> These files share the oshash with this "
            "group, but their content is not the same: they are not copies of it, and "
            "nothing done here changes them."
        )
        self.split_note.setObjectName("split_note")
        self.split_note.setWordWrap(True)
        self.split_note.setBuddy(self.split_view)
        actions = self._build_actions()
        self._build_progress()
        self.message = QLabel()
        self.message.setObjectName("duplicates_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        for widget in (self.title, self.facts, self.state):
            layout.addWidget(widget)
        layout.addSpacing(6)
        for widget in (kept_label, self.kept_view, self.split_note, self.split_view):
            layout.addWidget(widget)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.set_dark(palette.is_dark(self.palette()))

    def _members(self, mounts: MountWatch, name: str) -> tuple[MemberModel, QListView]:
        model = MemberModel(mounts, self)
        view = member_list(name)
        view.setModel(model)
        view.setItemDelegate(MemberDelegate(model, view))
        return model, view

    def _build_actions(self) -> QHBoxLayout:
        self.primary_button = button(
            "Make &Primary", "make_primary", "Keep the selected member as the group's primary"
        )
        self.confirm_button = button(
            "&Confirm by Content",
            "confirm",
            "Hash every member on a mounted drive and compare their whole content",
        )
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("copies_status")
        for status in Status:
            self.status_combo.addItem(f"{int(status)}  {status.label}", int(status))
        # The usual decision about copies; it waits for their content to be confirmed.
        self.status_combo.setCurrentIndex(self.status_combo.findData(int(Status.DISCARD)))
        status_label = QLabel("&Status for copies:")
        status_label.setBuddy(self.status_combo)
        self.apply_button = button(
            "&Apply to Copies",
            "apply_status",
            "Set this status on every member but the primary (one change: Ctrl+Z undoes it)",
        )
        self.tree_button = button(
            "Show in &Tree", "show_in_tree", "Select the chosen member in the main window"
        )
        row = QHBoxLayout()
        row.addWidget(self.primary_button)
        row.addWidget(self.confirm_button)
        row.addSpacing(16)
        row.addWidget(status_label)
        row.addWidget(self.status_combo)
        row.addWidget(self.apply_button)
        row.addSpacing(16)
        row.addWidget(self.tree_button)
        row.addStretch(1)
        return row

    def _build_progress(self) -> None:
        self.progress = QWidget()
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.stop_button = button("St&op", "stop_hashing", "Stop hashing (Esc)")
        row = QHBoxLayout(self.progress)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress_label, 2)
        row.addWidget(self.progress_bar, 1)
        row.addWidget(self.stop_button)
        self.progress.hide()

    # -- showing -------------------------------------------------------------------------

    def show_group(self, view: GroupView | None, picked: int | None) -> None:
        """Show a group (None: it is gone), selecting member `picked` again if there."""
        if view is None:
            self.title.setText("This group is gone: its files changed. Press Refresh.")
            self.facts.clear()
            self.state.clear()
            self.kept_model.show(None, [])
            self.split_model.show(None, [])
            self.split_note.hide()
            self.split_view.hide()
            return
        first = view.primary
        drives = len({m.member.drive_id for m in view.kept})
        self.title.setText(first.member.filename)
        self.facts.setText(
            f"{len(view.kept)} files on {drives} drive{'s' if drives != 1 else ''} · "
            f"{human_size(first.member.size)} each"
        )
        self.state.setText(state_words(view))
        self.kept_model.show(view, view.kept)
        self.split_model.show(view, view.split)
        self.split_note.setVisible(bool(view.split))
        self.split_view.setVisible(bool(view.split))
        self._select(self.kept_view, picked, first_if_none=True)
        self._select(self.split_view, picked, first_if_none=False)

    def _select(self, view: QListView, file_id: int | None, first_if_none: bool) -> None:
        model = view.model()
        row = next((r for r, m in enumerate(model.members) if m.id == file_id), None)
        if row is None and first_if_none and model.members:
            row = 0
        if row is not None:
            view.setCurrentIndex(model.index(row))

    def set_thumb(self, file_id: int, image, note: str) -> None:
        for model in (self.kept_model, self.split_model):
            model.set_thumb(file_id, image, note)

    def refresh_mounts(self) -> None:
        for model in (self.kept_model, self.split_model):
            model.refresh_mounts()

    def say(self, text: str, warn: bool = False) -> None:
        """The last action's outcome; in the attention colour when something was left."""
        self.message_text = text
        self.message.setText(text)
        color = palette.status_color(int(Status.NEEDS_ATTENTION), palette.is_dark(self.palette()))
        self.message.setStyleSheet(f"color: {color.name()};" if warn else "")

    def show_progress(self, text: str) -> None:
        self.progress_label.setText(text)
        self.progress_bar.setValue(0)
        self.progress.show()

    def hash_progress(self, name: str, done: int, total: int) -> None:
        self.progress_label.setText(f"Hashing {name}: {human_size(done)} of {human_size(total)}")
        self.progress_bar.setValue(min(1000, done * 1000 // max(total, 1)))

    def set_dark(self, dark: bool) -> None:
        for status in Status:
            index = self.status_combo.findData(int(status))
            self.status_combo.setItemIcon(index, palette.status_icon(int(status), dark))
