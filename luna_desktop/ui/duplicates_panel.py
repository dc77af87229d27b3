"""The duplicates panel (Ctrl+Shift+D): groups of copies across drives, a group's members
side by side, and what a curator decides about them.

A group is found by oshash, which only proposes: its members share a size and their
first and last 64 KiB. Discarding a copy therefore waits for its full-content hash,
computed while its drive is mounted; a member whose content differs is split off and
shown apart. Every catalogue read and write runs off the GUI thread (the list a page
at a time); a status for all copies is one change set, which Ctrl+Z takes back.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
)

from luna_desktop.catalog import duplicate_views as views
from luna_desktop.catalog.duplicate_views import Applied, Confirmed, GroupView, MemberView
from luna_desktop.catalog.formatting import human_size
from luna_desktop.catalog.status import Status

from . import palette
from .background import LatestOnly
from .duplicate_detail import GroupDetail
from .duplicate_groups import GroupList
from .duplicate_hashing import GroupConfirmer
from .duplicate_members import MEMBER_ROLE, Thumbnails
from .duplicate_words import applied_words, confirm_words
from .show_in_tree import show_in_tree

if TYPE_CHECKING:
    from .main_window import MainWindow

_EMPTY = (
    "<p><b>No duplicates</b></p><p>Files that share a size and an oshash, on any drive, "
    "are grouped here after each scan. Press Refresh to look again now.</p>"
)


def show_duplicates(window: MainWindow) -> DuplicatesPanel:
    """Open the panel, or bring forward the one already open (with fresh groups)."""
    panel = window.findChild(DuplicatesPanel)
    if panel is None:
        panel = DuplicatesPanel(window)
    else:
        panel.reload()
    panel.show()
    panel.raise_()
    panel.activateWindow()
    panel.groups_view.setFocus()
    return panel


class DuplicatesPanel(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, Qt.WindowType.Window)
        self.main = window
        self.setObjectName("duplicates_panel")
        self.setWindowTitle("Duplicates")
        self.view: GroupView | None = None  # the group shown
        self.picked: MemberView | None = None  # the member last selected
        # "write" while a change is saved, "hash" from a confirmation's start until what
        # follows it has begun: the group list waits, so that is the group shown.
        self._busy: str | None = None
        self._total = 1  # bytes a confirmation reads
        self._skipped: dict[int, str] = {}  # file id → why the last confirmation skipped it
        self._after_confirm = None  # what to do once a confirmation has finished
        self._confirming: GroupView | None = None  # the group being confirmed
        self._confirmer = GroupConfirmer(self)
        self._confirmer.signals.progress.connect(self._hash_progress)
        self._confirmer.signals.finished.connect(self._confirmed)
        self._confirmer.signals.failed.connect(self._confirm_failed)
        self._details = LatestOnly(self)  # the selected group
        self._writes = LatestOnly(self)  # make primary, a status, a refresh
        self.thumbs = Thumbnails(self)
        self._build()
        self._wire()
        self._apply_palette_mode()
        self.resize(1180, 720)
        self.reload()

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        self.group_list = GroupList()
        # The parts, under the names the panel's flows and its tests use.
        self.groups, self.groups_view = self.group_list.model, self.group_list.view
        self.refresh_button = self.group_list.refresh_button
        self.detail = d = GroupDetail(self.main.mounts)
        self.kept_model, self.kept_view = d.kept_model, d.kept_view
        self.split_model, self.split_view = d.split_model, d.split_view
        self.split_note = d.split_note
        self.state, self.status_combo = d.state, d.status_combo
        self.primary_button, self.confirm_button = d.primary_button, d.confirm_button
        self.apply_button, self.tree_button = d.apply_button, d.tree_button
        self.empty_note = QLabel(_EMPTY)
        self.empty_note.setObjectName("duplicates_empty")
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.right = QStackedWidget()
        self.right.addWidget(self.detail)
        self.right.addWidget(self.empty_note)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.group_list)
        split.addWidget(self.right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setSizes([380, 800])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for close in buttons.buttons():
            close.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)

    def _wire(self) -> None:
        self.group_list.chosen.connect(self._load_group)
        self.group_list.loaded.connect(self._loaded)
        self.group_list.failed.connect(lambda text: self._say(text, warn=True))
        self.groups_view.activated.connect(lambda _i: self.kept_view.setFocus())
        for view in (self.kept_view, self.split_view):
            view.selectionModel().currentChanged.connect(
                lambda current, _old, v=view: self._member_chosen(v, current)
            )
            view.activated.connect(lambda _i: self.show_in_tree())
        self.refresh_button.clicked.connect(self.refresh)
        self.primary_button.clicked.connect(self.make_primary)
        self.confirm_button.clicked.connect(lambda: self.confirm())
        self.apply_button.clicked.connect(self.apply_status)
        self.tree_button.clicked.connect(self.show_in_tree)
        self.detail.stop_button.clicked.connect(self._confirmer.stop)
        self.thumbs.arrived.connect(self.detail.set_thumb)
        self.main.mounts.changed.connect(self.detail.refresh_mounts)
        self.main.scans.ended.connect(self._scan_ended)

    def _apply_palette_mode(self) -> None:
        dark = palette.is_dark(self.palette())
        self.groups.dark = dark
        self.detail.set_dark(dark)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._apply_palette_mode()

    # -- the list of groups --------------------------------------------------------------

    def reload(self) -> None:
        """Read the count and the first page again, keeping the group shown if it is there."""
        self.group_list.reload()

    def _scan_ended(self, _last) -> None:
        """A scan refreshes the groups of its drive as it ends: show them (not in the
        middle of a change: Refresh does it then)."""
        if self.isVisible() and self._busy is None:
            self.reload()

    def refresh(self) -> None:
        """Rebuild the groups from the catalogue (as after a scan), then show them."""
        from luna_desktop.catalog.duplicates import refresh_groups

        self._set_busy("write")
        self._say("Finding duplicates…")
        self._writes.request(
            lambda _stale: refresh_groups(),
            self._refreshed,
            self._write_failed,
        )

    def _refreshed(self, counts: dict) -> None:
        self._set_busy(None)
        self._say(
            f"{counts['groups']:,} groups: {counts['added']:,} new, "
            f"{counts['deleted']:,} gone since the last look"
        )
        self.reload()
        self._reload_tree()

    def _loaded(self, total: int) -> None:
        self.setWindowTitle(f"Duplicates — {total:,} group{'s' if total != 1 else ''}")
        if not total:
            self._show_group(None)
            self.right.setCurrentWidget(self.empty_note)
        else:
            self.right.setCurrentWidget(self.detail)

    def _load_group(self, oshash: str, then=None) -> None:
        def shown(view: GroupView | None) -> None:
            self._show_group(view)
            if then is not None:
                then(view)

        self._details.request(
            lambda _stale: views.group_view(oshash),
            shown,
            lambda exc: self._say(f"Could not read this group: {exc}", warn=True),
        )

    # -- one group -------------------------------------------------------------------------

    def _show_group(self, view: GroupView | None) -> None:
        if view is None or self.view is None or view.group.oshash != self.view.group.oshash:
            self._say("")
            self._skipped = {}
        self.view = view
        picked = self.picked.id if self.picked is not None else None
        self.picked = None
        self.detail.show_group(view, picked)
        self._update_buttons()
        if view is not None:
            self.thumbs.load(view.members, self.main.mounts, self.devicePixelRatioF())
            self.group_list.update_row(view.group.oshash)

    def _member_chosen(self, view, current: QModelIndex) -> None:
        if current.isValid():
            self.picked = current.data(MEMBER_ROLE)
            other = self.split_view if view is self.kept_view else self.kept_view
            other.clearSelection()
        self._update_buttons()

    def _set_busy(self, busy: str | None) -> None:
        self._busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self._busy is not None
        view, picked = self.view, self.picked
        self.groups_view.setEnabled(self._busy != "hash")
        self.refresh_button.setEnabled(not busy)
        self.primary_button.setEnabled(not busy and picked is not None and picked.role == "copy")
        self.confirm_button.setEnabled(
            not busy and view is not None and any(not m.member.content_hash for m in view.members)
        )
        self.apply_button.setEnabled(not busy and view is not None and bool(view.copies))
        self.tree_button.setEnabled(picked is not None)

    @property
    def message_text(self) -> str:
        """What the last action said."""
        return self.detail.message_text

    def _say(self, text: str, warn: bool = False) -> None:
        self.detail.say(text, warn)

    # -- what a curator does ------------------------------------------------------------------

    def make_primary(self) -> None:
        view, member = self.view, self.picked
        if view is None or member is None or member.role != "copy":
            return
        from luna_desktop.catalog.duplicates import set_primary

        oshash = view.group.oshash
        where = f"{member.member.drive}:{member.path}"
        self._set_busy("write")
        self._writes.request(
            lambda _stale: (set_primary(oshash, member.id), views.group_view(oshash))[1],
            lambda fresh: self._written(
                fresh, f"{where} is now the primary, chosen by hand: refreshing keeps it."
            ),
            self._write_failed,
        )

    def _written(self, fresh: GroupView | None, text: str, warn: bool = False) -> None:
        self._set_busy(None)
        # The curator may have moved to another group meanwhile: that one is on its way.
        if fresh is None or self.group_list.selected() == fresh.group.oshash:
            self._show_group(fresh)
            self._say(text, warn)
        self._reload_tree()

    def _write_failed(self, exc: Exception) -> None:
        self._set_busy(None)
        self._say(f"Nothing was changed: {exc}", warn=True)

    def confirm(self, then=None) -> None:
        """Hash the members not yet hashed, on mounted drives; `then(outcome)` after."""
        view = self.view
        if view is None or self._busy is not None:
            return
        mounts = {
            m.member.drive_id: m.mount_path
            for m in view.members
            if m.mount_path and self.main.mounts.usable(m.mount_path)
        }
        todo = view.unhashed(set(mounts))
        self._total = max(1, sum(m.member.size for m in todo))
        self._after_confirm = then
        self._confirming = view
        if todo:
            self.detail.show_progress(f"Hashing {len(todo)} files ({human_size(self._total)})…")
        self._set_busy("hash")
        self._confirmer.start(view.group.oshash, mounts)
        if todo:
            self.detail.stop_button.setFocus()

    def _hash_progress(self, path: bytes | str, done: int) -> None:
        self.detail.hash_progress(os.path.basename(os.fsdecode(path)), done, self._total)

    def _confirmed(self, outcome: Confirmed) -> None:
        view = self._confirming
        assert view is not None
        self._skipped = dict(outcome.result.skipped)
        then, self._after_confirm = self._after_confirm, None
        text, warn = confirm_words(view, outcome)

        def settled(fresh: GroupView | None) -> None:
            self.detail.progress.hide()
            self._set_busy(None)
            self._say(text, warn)
            self.groups_view.setFocus()
            self._reload_tree()
            if then is not None and not outcome.cancelled and fresh is not None:
                then(outcome)

        self._load_group(view.group.oshash, settled)

    def _confirm_failed(self, exc: Exception) -> None:
        self.detail.progress.hide()
        self._after_confirm = None
        self._set_busy(None)
        self._say(f"Could not confirm this group: {exc}", warn=True)
        self.groups_view.setFocus()

    def apply_status(self) -> None:
        view = self.view
        if view is None or not view.copies:
            return
        status = Status(self.status_combo.currentData())
        current = self.main.current_file
        copies = {m.id for m in view.copies}
        if current is not None and current.id in copies and self.main.form.is_dirty():
            self._say(
                f"{current.filename} has unsaved edits in the form: save (Ctrl+S) or "
                "discard them (Esc) first.",
                warn=True,
            )
            return
        if status is Status.DISCARD and len(view.confirmed_copies()) < len(view.copies):
            # oshash only proposes: nothing is discarded before its content is confirmed.
            self.confirm(then=lambda _outcome: self._apply(status))
            return
        self._apply(status)

    def _apply(self, status: Status) -> None:
        assert self.view is not None
        oshash = self.view.group.oshash
        curator = self.main.settings.curator_name
        self._set_busy("write")
        self._writes.request(
            lambda _stale: views.apply_status_to_copies(oshash, status, curator),
            lambda applied: self._applied(status, applied),
            self._write_failed,
        )

    def _applied(self, status: Status, applied: Applied) -> None:
        text, warn = applied_words(status, applied, self._skipped)
        self._written(applied.view, text, warn)
        current = self.main.current_file
        # With typing in the form, the form stays: its save meets this change as any
        # other save made meanwhile (fields both changed are asked about).
        if (
            current is not None
            and current.id in {m.id for m in applied.changed}
            and not self.main.form.is_dirty()
        ):
            from luna_desktop.catalog import queries

            self.main.controller.open(queries.file_with_drive(current.id))

    def show_in_tree(self) -> None:
        if self.picked is not None:
            show_in_tree(self.main, self.picked.id)

    def _reload_tree(self) -> None:
        """Marks of copies and statuses in the main window's tree, as they are now."""
        self.main.panel.reload_keeping_place(self.main.current_file)

    # -- closing ------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc stops a confirmation that runs; otherwise it closes the panel."""
        if self._busy == "hash":
            self._confirmer.stop()
            self._say("Stopping: the hashes computed so far are kept.")
            return
        self.thumbs.stop()
        super().reject()
