"""The drive tree: folders with reviewed/total, files with their status, loaded lazily.

The folder skeleton of a drive comes from the per-folder counts the catalogue keeps
(folder_counts), so a drive of a million files in twenty thousand folders opens at
once; a folder's files are queried only when it is expanded (canFetchMore/fetchMore),
except the drive root's own files, which are shown at once (a camera card or a flat
export has nothing else). Filtering happens in the catalogue queries rather than in a
proxy model: a proxy would need every row loaded to know which folders still have
matches. A search's hits are found beforehand, off the GUI thread, and handed in.
A file that is a copy of another (a non-primary member of a duplicate group) says so
in the status column, with the primary's place in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from luna_desktop.catalog import queries
from luna_desktop.catalog.queries import FileFilter, FileRow
from luna_desktop.catalog.search import SearchHits
from luna_desktop.catalog.status import Status

from . import palette

FILE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
COLUMNS = ("Name", "Reviewed")


class FolderNode:
    __slots__ = (
        "files",
        "matching",
        "name",
        "own_matching",
        "parent",
        "path",
        "reviewed",
        "row",
        "subfolders",
        "total",
    )

    def __init__(self, path: str, name: str, parent: FolderNode | None):
        self.path = path
        self.name = name
        self.parent = parent
        self.subfolders: list[FolderNode] = []
        self.files: list[FileNode] | None = None  # None until the folder is expanded
        self.row = 0  # position under the parent, kept so lookups are O(1) on wide drives
        self.own_matching = 0  # files directly here that pass the filter
        self.total = self.reviewed = self.matching = 0  # with everything below

    def row_count(self) -> int:
        return len(self.subfolders) + (len(self.files) if self.files is not None else 0)

    def child(self, row: int) -> FolderNode | FileNode:
        if row < len(self.subfolders):
            return self.subfolders[row]
        assert self.files is not None
        return self.files[row - len(self.subfolders)]

    def row_in_parent(self) -> int:
        return self.row


class FileNode:
    __slots__ = ("parent", "position", "row")

    def __init__(self, row: FileRow, parent: FolderNode, position: int):
        self.row = row
        self.parent = parent
        self.position = position  # among the folder's files

    def row_in_parent(self) -> int:
        return len(self.parent.subfolders) + self.position


class DriveTreeModel(QAbstractItemModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.drive_id: int | None = None
        self.file_filter = FileFilter()
        self.hits: SearchHits | None = None
        self.root = FolderNode("", "", None)
        self._folders: dict[str, FolderNode] = {}
        self._files: dict[int, FileNode] = {}
        self.dark = False

    # -- loading -------------------------------------------------------------------

    def load(
        self,
        drive_id: int | None,
        file_filter: FileFilter | None = None,
        hits: SearchHits | None = None,
        counts: list[queries.FolderCount] | None = None,
    ) -> None:
        """Show a drive; with a search in `file_filter`, `hits` are what it found.

        `counts`: the folder counts, when they were read beforehand (off the GUI thread).
        """
        self.beginResetModel()
        self.drive_id = drive_id
        if file_filter is not None:
            self.file_filter = file_filter
            self.hits = hits if file_filter.searching else None
        self._build(counts)
        self.endResetModel()

    def reload(self) -> None:
        """Re-read the catalogue (a scan landed new files), keeping loaded folders loaded."""
        loaded = [path for path, node in self._folders.items() if node.files is not None]
        self.load(self.drive_id)
        for path in loaded:
            node = self._folders.get(path)
            if node is not None and self.canFetchMore(self.index_of(node)):
                self.fetchMore(self.index_of(node))

    def _build(self, counts: list[queries.FolderCount] | None = None) -> None:
        self.root = FolderNode("", "", None)
        self._folders = {"": self.root}
        self._files = {}
        if self.drive_id is None:
            return
        filtering = not self.file_filter.is_default
        if counts is None:
            counts = queries.folder_counts(self.drive_id, self.file_filter, self.hits)
        for count in counts:
            if filtering and not count.matching:
                continue
            node = self._folder(count.folder)
            node.own_matching = count.matching
            walk: FolderNode | None = node
            while walk is not None:
                walk.total += count.total
                walk.reviewed += count.reviewed
                walk.matching += count.matching
                walk = walk.parent
        # folder_counts is sorted by path, so subfolders come out in name order.
        self.root.files = self._query_files(self.root) if self.root.own_matching else []
        for position, file_node in enumerate(self.root.files):
            file_node.position = position
            self._files[file_node.row.id] = file_node

    def _query_files(self, node: FolderNode) -> list[FileNode]:
        assert self.drive_id is not None
        only = None
        if self.hits is not None and node.path not in self.hits.folders:
            only = self.hits.files.get(node.path, [])
        rows = queries.files_in_folder(self.drive_id, node.path, self.file_filter, only)
        return [FileNode(r, node, i) for i, r in enumerate(rows)]

    def _folder(self, path: str) -> FolderNode:
        node = self._folders.get(path)
        if node is None:
            parent_path, _, name = path.rpartition("/")
            parent = self._folder(parent_path)
            node = FolderNode(path, name, parent)
            node.row = len(parent.subfolders)
            parent.subfolders.append(node)
            self._folders[path] = node
        return node

    # -- Qt model API -------------------------------------------------------------------

    def node(self, index: QModelIndex) -> FolderNode | FileNode:
        return index.internalPointer() if index.isValid() else self.root

    def folder_path(self, index: QModelIndex) -> str | None:
        """The folder a row stands for ("" the drive's top), None for a file's row."""
        node = self.node(index) if index.isValid() else None
        return node.path if isinstance(node, FolderNode) else None

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        folder = self.node(parent)
        if not isinstance(folder, FolderNode) or not 0 <= row < folder.row_count():
            return QModelIndex()
        return self.createIndex(row, column, folder.child(row))

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = index.internalPointer()
        parent = node.parent
        if parent is None or parent is self.root:
            return QModelIndex()
        return self.createIndex(parent.row_in_parent(), 0, parent)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        if parent.column() > 0:
            return 0
        node = self.node(parent)
        return node.row_count() if isinstance(node, FolderNode) else 0

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return len(COLUMNS)

    def hasChildren(self, parent: QModelIndex = QModelIndex()) -> bool:
        node = self.node(parent)
        if not isinstance(node, FolderNode):
            return False
        return bool(node.subfolders) or node.own_matching > 0

    def canFetchMore(self, parent: QModelIndex) -> bool:
        node = self.node(parent)
        return isinstance(node, FolderNode) and node.files is None and node.own_matching > 0

    def fetchMore(self, parent: QModelIndex) -> None:
        node = self.node(parent)
        if not isinstance(node, FolderNode) or node.files is not None or self.drive_id is None:
            return
        files = self._query_files(node)
        if not files:
            node.files = []
            return
        first = len(node.subfolders)
        self.beginInsertRows(parent, first, first + len(files) - 1)
        node.files = files
        for f in node.files:
            self._files[f.row.id] = f
        self.endInsertRows()

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        # Asked four times a row when a 5,000-file folder opens: no enum arithmetic here.
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node = index.internalPointer()
        if isinstance(node, FolderNode):
            return self._folder_data(node, index.column(), role)
        return self._file_data(node.row, index.column(), role)

    def _folder_data(self, node: FolderNode, column: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            return node.name if column == 0 else f"{node.reviewed:,}/{node.total:,}"
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return _folder_icon()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            left = node.total - node.reviewed
            where = node.path or "Drive root"
            return f"{where}\n{node.reviewed:,} of {node.total:,} reviewed, {left:,} to go"
        if role == PATH_ROLE:
            return node.path
        return None

    def _file_data(self, row: FileRow, column: int, role: int):
        status = Status(row.status)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.filename
            if not row.present:
                return "missing"
            if status is Status.UNREVIEWED:
                # Blank while unreviewed: the column reads as a list of decisions made.
                # A copy says so, in muted words: one less file to decide on its own.
                return "copy" if row.copy_of else ""
            return status.label
        if role == Qt.ItemDataRole.DecorationRole:
            if column == 0:
                return palette.status_icon(int(status), self.dark)
            return _copy_icon(self.dark) if row.copy_of else None
        if role == Qt.ItemDataRole.ForegroundRole and not row.present:
            return palette.missing_color(self.dark)
        copy_word = column == 1 and row.copy_of and status is Status.UNREVIEWED
        if role == Qt.ItemDataRole.ForegroundRole and copy_word:
            return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.FontRole and not row.present:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            notes = [f"{status.glyph}  {status.label}"]
            if not row.present:
                notes.append("Missing from the drive")
            if row.has_error:
                notes.append("Read with problems: see the details")
            if row.copy_of:
                notes.append(f"A copy: the primary is on {row.copy_of}")
                notes.append(
                    "Same content, checked byte for byte"
                    if row.copy_confirmed
                    else "Same size and oshash; the content is not compared yet"
                )
            return "\n".join(notes)
        if role == FILE_ID_ROLE:
            return row.id
        return None

    # -- lookups and updates -----------------------------------------------------------

    def index_of(self, node: FolderNode | FileNode, column: int = 0) -> QModelIndex:
        if node is self.root:
            return QModelIndex()
        return self.createIndex(node.row_in_parent(), column, node)

    def file_index(self, file_id: int) -> QModelIndex:
        node = self._files.get(file_id)
        return self.index_of(node) if node else QModelIndex()

    def find_file(self, file_id: int, folder: str) -> QModelIndex:
        """The index of a file, loading its folder (and the folders above) if needed."""
        if file_id in self._files:
            return self.file_index(file_id)
        node = self._folders.get(folder)
        if node is None:
            return QModelIndex()
        index = self.index_of(node)
        if self.canFetchMore(index):
            self.fetchMore(index)
        return self.file_index(file_id)

    def file_id(self, index: QModelIndex) -> int | None:
        node = self.node(index)
        return node.row.id if isinstance(node, FileNode) else None

    def folder_index(self, path: str) -> QModelIndex | None:
        """The index of a folder by its path, or None when the tree does not show it."""
        node = self._folders.get(path)
        return self.index_of(node) if node is not None else None

    def folder_paths(self) -> list[str]:
        return [path for path in self._folders if path]

    def sibling_file(self, index: QModelIndex, step: int) -> QModelIndex:
        """The next (step=1) or previous (-1) file in the same folder, or invalid."""
        node = self.node(index)
        if not isinstance(node, FileNode) or node.parent.files is None:
            return QModelIndex()
        files = node.parent.files
        position = node.position + step
        if 0 <= position < len(files):
            return self.index_of(files[position])
        return QModelIndex()

    def first_file(self, folder_index: QModelIndex) -> QModelIndex:
        node = self.node(folder_index)
        if not isinstance(node, FolderNode):
            return QModelIndex()
        if self.canFetchMore(folder_index):
            self.fetchMore(folder_index)
        return self.index_of(node.files[0]) if node.files else QModelIndex()

    def update_status(self, file_id: int, status: int) -> None:
        """A save landed: recolour the file and move the folder counts at once."""
        node = self._files.get(file_id)
        if node is None:
            return
        was_reviewed = node.row.status != int(Status.UNREVIEWED)
        now_reviewed = status != int(Status.UNREVIEWED)
        node.row.status = status
        index = self.index_of(node)
        self.dataChanged.emit(index, self.index_of(node, 1))
        if was_reviewed == now_reviewed or not node.row.present:
            return
        delta = 1 if now_reviewed else -1
        folder: FolderNode | None = node.parent
        while folder is not None:
            folder.reviewed += delta
            if folder is not self.root:
                self.dataChanged.emit(self.index_of(folder), self.index_of(folder, 1))
            folder = folder.parent

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        if self.root.row_count():
            self.layoutChanged.emit()


_FOLDER_ICON: QIcon | None = None
_COPY_ICONS: dict[bool, QIcon] = {}


def _folder_icon() -> QIcon:
    global _FOLDER_ICON
    if _FOLDER_ICON is None:
        _FOLDER_ICON = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
    return _FOLDER_ICON


def _copy_icon(dark: bool) -> QIcon:
    """Two overlapping sheets, in the muted text colour: a non-primary copy."""
    icon = _COPY_ICONS.get(dark)
    if icon is None:
        icon = QIcon()
        for ratio in (1, 2, 3):
            icon.addPixmap(_copy_pixmap(dark, 12, ratio))
        _COPY_ICONS[dark] = icon
    return icon


def _copy_pixmap(dark: bool, size: int, ratio: int) -> QPixmap:
    pixmap = QPixmap(size * ratio, size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    ink = QColor("#a3a8ae" if dark else "#6b7077")
    painter.setPen(QPen(ink, 1.2))
    back = QRectF(0.8, 0.8, size * 0.62, size * 0.62)
    front = back.translated(size * 0.3, size * 0.3)
    painter.drawRoundedRect(back, 1.5, 1.5)
    painter.setBrush(ink)
    painter.drawRoundedRect(front, 1.5, 1.5)
    painter.end()
    return pixmap
