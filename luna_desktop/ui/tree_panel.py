"""The left side of the window: drive selector, filter chips, search, and the drive tree.

It finds files and moves between them; what happens to the file being edited when the
curator moves is the curation controller's business, asked through `may_leave`.
Searches run off the GUI thread (catalog.search); the tree then shows their hits.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog import queries
from luna_desktop.catalog.filter_matches import found_with_counts
from luna_desktop.catalog.filters import NO_CRITERIA, Criteria
from luna_desktop.catalog.models import FileEntry
from luna_desktop.catalog.queries import FileFilter
from luna_desktop.catalog.search import SEARCH_LIMIT, SearchHits

from .background import LatestOnly
from .collection_view import CollectionView
from .drive_state import OfflineBanner
from .filter_bar import FilterBar
from .mount_watch import MountWatch
from .source_selector import Source, SourceSelector
from .tree_collection import CollectionShown
from .tree_model import DriveTreeModel

CHIP_LABELS = (
    ("all", "All"),
    ("unreviewed", "Unreviewed"),
    ("needs_attention", "Needs attention"),
    ("upload", "For upload"),
    ("missing", "Missing"),
)
# Long enough to take a burst of keystrokes as one search, short enough to feel instant.
SEARCH_SETTLE_MS = 40
OPEN_HITS_UP_TO = 20  # folders a search opens by itself


class TreePanel(CollectionShown, QWidget):
    fileChanged = Signal(object)  # the file id now current in the tree, or None
    folderChosen = Signal(str)  # a folder became the tree's current row: its path
    fileReselected = Signal(int)  # the form's file became the tree's current row
    message = Signal(str, int)  # for the status bar
    searchDone = Signal()  # a search's hits are shown (tests and benchmarks wait on it)

    def __init__(self, mounts: MountWatch, may_leave: Callable[[], bool], parent=None):
        super().__init__(parent)
        self.mounts = mounts
        self.may_leave = may_leave
        self.model = DriveTreeModel(self)
        self.current_file_id: int | None = None
        self.scanning_drive: str | None = None  # "Scanning…" instead of "no files"
        self._guard_busy = False
        self._searches = LatestOnly(self)
        self._review_hits: SearchHits | None = None  # what u walks while searching
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_SETTLE_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self._build()
        mounts.changed.connect(self.drive_combo.label_drives)
        mounts.changed.connect(self.show_drive_state)

    def _build(self) -> None:
        self.drive_combo = SourceSelector(self.mounts)
        self.drive_combo.currentIndexChanged.connect(self._drive_chosen)

        self.chips = QButtonGroup(self)
        self.chips.setExclusive(True)
        chip_row = QHBoxLayout()
        chip_row.setSpacing(4)
        for key, label in CHIP_LABELS:
            chip = QToolButton()
            chip.setObjectName(f"chip_{key}")
            chip.setText(label)
            chip.setCheckable(True)
            chip.setAutoRaise(True)
            chip.setProperty("chip", key)
            chip.setToolTip(f"Show {label.lower()} files")
            self.chips.addButton(chip)
            chip_row.addWidget(chip)
            if key == "all":
                chip.setChecked(True)
        self.chips.buttonClicked.connect(lambda _b: self.apply_filter())
        self.filter_bar = FilterBar()
        self.filter_bar.changed.connect(self.apply_filter)
        chip_row.addStretch(1)
        chip_row.addWidget(self.filter_bar.button)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search name, path, title, oshash, tags  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_note = QLabel()
        self.search_note.setObjectName("search_note")
        self.search_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.search_note.hide()

        self.tree = QTreeView()
        self.tree.setObjectName("tree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)  # a folder of 5,000 files lays out at once
        self.tree.setAlternatingRowColors(True)
        # Shift and Ctrl select several files or folders, for one decision on them all
        # (ui.bulk_curation); the current row is still the file the form shows.
        self.tree.setSelectionMode(QTreeView.SelectionMode.ExtendedSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Not ResizeToContents: that measures every row of an expanded 5,000-file folder
        # on each change, which made a save take 150 ms.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        # Room for the longest status and the small mark of a duplicate copy (tree_model).
        header.resizeSection(1, self.fontMetrics().horizontalAdvance("Needs attention") + 42)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)

        self.empty_note = QLabel()
        self.empty_note.setObjectName("empty_note")
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setWordWrap(True)
        self.empty_note.setMargin(24)
        self.empty_note.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # An album's or an event's files, in the tree's place (ui.collection_view).
        self.collection = CollectionView(self.may_leave)
        self.collection.setObjectName("collection")
        self.collection.fileChanged.connect(self._set_current)
        self.collection.message.connect(self.message)
        self._shown: Source | None = None  # what the tree or the list shows now
        self.tree_stack = QStackedWidget()
        self.tree_stack.addWidget(self.tree)
        self.tree_stack.addWidget(self.empty_note)
        self.tree_stack.addWidget(self.collection)

        top = QVBoxLayout()
        top.setContentsMargins(6, 6, 6, 0)
        drive_row = QHBoxLayout()
        drive_label = QLabel("Sho&w")
        drive_label.setBuddy(self.drive_combo)
        drive_row.addWidget(drive_label)
        drive_row.addWidget(self.drive_combo, 1)
        top.addLayout(drive_row)
        self.offline_banner = OfflineBanner()
        top.addWidget(self.offline_banner)
        top.addLayout(chip_row)
        top.addWidget(self.search)
        top.addWidget(self.filter_bar)
        top.addWidget(self.search_note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tree_stack, 1)

    # -- drives ------------------------------------------------------------------------------

    def refresh_drive_list(self, select: str | None = None) -> None:
        """Rebuild the selector's items (new drives, mounted or not) without touching the tree."""
        chosen = Source("drive", select) if select else None
        drives = self.drive_combo.refresh(chosen)
        self.mounts.watch([d.mount_path for d in drives if d.mount_path])
        self.show_drive_state()

    def drive_id(self) -> int | None:
        return self.drive_combo.drive_id()

    @property
    def settled(self) -> bool:
        """Whether the tree shows what the selector, chips and search say (not while a
        search or another drive's tree is still being read)."""
        if self.showing_collection():
            return True  # the list is its own (an album's or event's files)
        return not self._searches.busy and self.drive_combo.drive_id() == self.model.drive_id

    def drive_name(self) -> str | None:
        return self.drive_combo.drive_name()

    def _drive_chosen(self, _index: int) -> None:
        if not self.may_leave():
            self.drive_combo.blockSignals(True)
            if self._shown is not None:
                self.drive_combo.select(self._shown)
            self.drive_combo.blockSignals(False)
            return
        self.load_tree()
        self.show_drive_state()

    def show_drive_state(self) -> None:
        """The banner over the tree of a drive that is not plugged in."""
        name = self.drive_combo.drive_name()
        self.offline_banner.show_state(name, self.mounts.state(self.drive_combo.drive_mount()))

    # -- filters and search -------------------------------------------------------------------

    def current_filter(self) -> FileFilter:
        chip = self.chips.checkedButton()
        key = chip.property("chip") if chip else "all"
        return FileFilter(key, self.search.text(), self.filter_bar.criteria)

    def set_chip(self, key: str) -> None:
        for chip in self.chips.buttons():
            chip.setChecked(chip.property("chip") == key)

    def _set_filter_quietly(self, chip: str, text: str, criteria: Criteria = NO_CRITERIA) -> None:
        """Chips, search field and filter as given, without starting a search."""
        self._search_timer.stop()
        self.set_chip(chip)
        self.filter_bar.blockSignals(True)
        self.filter_bar.set_criteria(criteria)
        self.filter_bar.blockSignals(False)
        self.search.blockSignals(True)
        self.search.setText(text)
        self.search.blockSignals(False)

    def clear_filter(self, chip: str = "all") -> None:
        """Back to `chip` with no search, without loading the tree (the caller does)."""
        self._set_filter_quietly(chip, "")

    def _put_back_filter(self) -> None:
        """The curator kept their edits: chips and search go back to what the tree shows."""
        shown = self.model.file_filter
        self._set_filter_quietly(shown.chip, shown.search, shown.criteria)
        self._note_search(self.model.hits)

    def apply_filter(self) -> None:
        if not self.may_leave():
            self._put_back_filter()
            return
        self.load_tree(keep_current=True)

    def load_tree(self, restore: FileEntry | None = None, keep_current: bool = False) -> None:
        """Show the chosen drive through the current filter (a search first finds its hits)."""
        source = self.drive_combo.source()
        if source is not None and source.kind != "drive":
            self._show_collection(source)
            return
        if self.showing_collection():  # back to a drive's tree
            for widget in self._tree_controls():
                widget.setEnabled(True)
            if self.collection.list.hasFocus() or self.collection.note.hasFocus():
                self.tree.setFocus()
        self._shown = source
        file_filter = self.current_filter()
        drive_id = self.drive_id()
        if not file_filter.searching or drive_id is None:
            self._searches.cancel()  # a search still running is no longer wanted
            self._show(drive_id, file_filter, None, None, keep_current, restore)
            return
        self.search_note.setText("Searching…")
        self.search_note.show()
        self._searches.request(
            lambda stale: found_with_counts(drive_id, file_filter, stale),
            lambda found: self._show_found(drive_id, file_filter, found, keep_current, restore),
            lambda exc: self.message.emit(f"The search failed: {exc}", 8000),
        )

    def _show_found(
        self,
        drive_id: int,
        file_filter: FileFilter,
        found: tuple[SearchHits, list[queries.FolderCount], SearchHits | None],
        keep_current: bool,
        restore: FileEntry | None,
    ) -> None:
        """A search's answer arrived. The curator may have typed in the form meantime:
        showing the hits reloads the tree, so ask first, as for any other way out."""
        if not self.may_leave():
            self._put_back_filter()
            return
        hits, counts, review_hits = found
        self._review_hits = review_hits or hits
        self._show(drive_id, file_filter, hits, counts, keep_current, restore)

    def _show(
        self,
        drive_id: int | None,
        file_filter: FileFilter,
        hits: SearchHits | None,
        counts: list[queries.FolderCount] | None,
        keep_current: bool,
        restore: FileEntry | None,
    ) -> None:
        keep = self.current_file_id if keep_current else None
        self.model.load(drive_id, file_filter, hits, counts)
        self._note_search(hits)
        self._set_current(None)
        target = restore
        if keep is not None:
            target = FileEntry.get_or_none(FileEntry.id == keep)
        if target is None or target.drive_id != drive_id or not self.select_file(target):
            self.select_first()
        if hits is not None:
            self._open_hits(hits)
        self.show_empty_note()
        if hits is not None:
            self.searchDone.emit()

    def _open_hits(self, hits: SearchHits) -> None:
        """A search that found a few folders' worth opens them: the matches are in view."""
        folders = set(hits.files) | hits.folders
        if len(folders) > OPEN_HITS_UP_TO:
            return
        for path in sorted(folders):
            index = self.model.folder_index(path)
            if index is not None:
                self._reveal(index)
                self.tree.expand(index)

    def _note_search(self, hits: SearchHits | None) -> None:
        if hits is None:
            self.search_note.hide()
            return
        if hits.interrupted:
            text = "The search stopped: it matched too much to finish. Type more to narrow it."
        elif hits.truncated:
            text = f"Showing the first {SEARCH_LIMIT:,} matching files: type more to narrow."
        else:
            found = hits.file_count
            text = f"{found:,} matching file{'s' if found != 1 else ''}"
            if hits.folders:
                folders = len(hits.folders)
                text += f" and {folders:,} matching folder{'s' if folders != 1 else ''}"
        self.search_note.setText(text)
        self.search_note.show()

    def show_empty_note(self) -> None:
        """Say what to do when the tree has nothing to show, instead of a blank pane."""
        if self.showing_collection():
            return  # the collection list says why it is empty itself
        had_focus = self.tree.hasFocus() or self.empty_note.hasFocus()
        if self.model.rowCount():
            self.tree_stack.setCurrentWidget(self.tree)
            if had_focus:
                self.tree.setFocus()
            return
        if not self.drive_combo.has_drives():
            text = (
                "<p><b>No drives yet</b></p><p>Drop a drive's folder on this window, or "
                "choose File → Add Drive… (Ctrl+O). Luna catalogues it without moving "
                "or changing a file.</p>"
            )
        elif self.scanning_drive is not None and self.scanning_drive == self.drive_name():
            text = "<p><b>Scanning…</b></p><p>Files appear here as they are catalogued.</p>"
        elif not self.current_filter().is_default:
            text = (
                "<p><b>No files match</b></p><p>Choose All, or clear the search or the filter.</p>"
            )
        else:
            text = "<p><b>This drive has no files</b></p>"
        self.empty_note.setText(text)
        self.tree_stack.setCurrentWidget(self.empty_note)
        if had_focus:
            self.empty_note.setFocus()

    # -- the current file ------------------------------------------------------------------

    def select_file(self, entry: FileEntry, scroll: bool = True) -> bool:
        if self.showing_collection():
            return self.collection.select_file_id(entry.id)
        index = self.model.find_file(entry.id, entry.folder)
        if not index.isValid():
            return False
        self._reveal(index)
        self.tree.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        if scroll:
            self.tree.scrollTo(index)
        return True

    def _reveal(self, index: QModelIndex) -> None:
        """Open the folders above a row."""
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()

    def select_first(self) -> None:
        """Make the first row current when nothing is (a folder opens, a file shows)."""
        if self.showing_collection():
            return  # the list makes its first file current when it has read them
        if self.model.rowCount() and not self.tree.currentIndex().isValid():
            first = self.model.index(0, 0)
            self.tree.setCurrentIndex(first)
            self.tree.expand(first)

    def select_folder(self, path: str) -> bool:
        index = self.model.folder_index(path)
        if index is None:
            return False
        self._reveal(index)
        self.tree.expand(index)
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._guard_busy:
            return
        file_id = self.model.file_id(current)
        if file_id is not None and file_id == self.current_file_id:
            self.fileReselected.emit(file_id)  # the grid's file, now chosen in the tree
            return
        if not self.may_leave():
            self._guard_busy = True
            self.tree.selectionModel().setCurrentIndex(
                previous,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self._guard_busy = False
            return
        self._set_current(file_id)
        if file_id is None and current.isValid():
            path = self.model.folder_path(current)
            if path is not None:
                self.folderChosen.emit(path)

    def set_current_file(self, file_id: int | None) -> None:
        """The file the form shows, chosen elsewhere (the contact sheet): the tree's own
        current row stays where it is."""
        self._set_current(file_id)

    def _set_current(self, file_id: int | None) -> None:
        if file_id == self.current_file_id and file_id is not None:
            return
        self.current_file_id = file_id
        self.fileChanged.emit(file_id)

    def next_file_id(self, file_id: int) -> int | None:
        if self.showing_collection():
            return self.collection.next_file_id(file_id)
        return self.model.file_id(self.model.sibling_file(self.model.file_index(file_id), 1))

    # -- moving around ----------------------------------------------------------------------

    def step_file(self, step: int) -> None:
        if self.showing_collection():
            self.collection.step_file(step)
            return
        index = self.tree.currentIndex()
        if self.model.file_id(index) is None:
            target = self.model.first_file(index) if step > 0 else QModelIndex()
        else:
            target = self.model.sibling_file(index, step)
        if target.isValid():
            self.tree.setCurrentIndex(target)
            self.tree.scrollTo(target)
        else:
            where = "last" if step > 0 else "first"
            self.message.emit(
                f"This is the {where} file in the folder — press U for the next unreviewed file",
                4000,
            )

    def next_unreviewed(self, current: FileEntry | None) -> None:
        if self.showing_collection():
            self.collection.next_unreviewed()
            return
        drive_id = self.drive_id()
        if drive_id is None:
            return
        after = (current.folder, current.filename) if current else None
        # The chip would contradict "unreviewed" (For upload, Missing…); the search stays.
        hits = self._review_hits if self.model.file_filter.searching else None
        target = queries.next_unreviewed(drive_id, after, hits)
        if target is None:
            what = "matching file" if hits is not None else "file on this drive"
            self.message.emit(f"Every {what} has been reviewed", 5000)
            return
        if current is not None and target.id == current.id:
            self.message.emit("This is the only unreviewed file left", 5000)
            return
        if self.select_file(target):
            return
        # Hidden by the chip (For upload, Missing…): show every file (searching again,
        # if there is a search) and go there.
        if not self.may_leave():
            return
        self.set_chip("all")
        self.load_tree(restore=target)

    # -- while a scan fills the drive ---------------------------------------------------------

    def reload_keeping_place(self, current: FileEntry | None) -> None:
        """New counts and files from the catalogue; the current file and its edits stay."""
        if self.showing_collection():
            self.collection.reload()
            return
        expanded = [
            path
            for path in self.model.folder_paths()
            if self.tree.isExpanded(self.model.folder_index(path))
        ]
        self._guard_busy = True
        try:
            self.model.reload()
            self.show_empty_note()
            for path in expanded:
                index = self.model.folder_index(path)
                if index is not None:
                    self.tree.expand(index)
            if current is not None:
                self.select_file(current, scroll=False)
        finally:
            self._guard_busy = False
