"""The metadata form: status, title, project group, date, description, notes, tags.

It only edits; saving is the window's job (explicit, via Ctrl+S or Ctrl+Enter). It
knows what was loaded, so it can say whether anything changed and put it back (Esc).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)

from luna_desktop.catalog.curation import Curation, changes_text
from luna_desktop.catalog.status import Status

from . import palette

# A year, a month or a day: archivists often know no more than the year.
DATE_PATTERN = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def date_is_valid(text: str) -> bool:
    return not text.strip() or bool(DATE_PATTERN.match(text.strip()))


class TagCompleter(QCompleter):
    """Completes the tag being typed after the last comma, keeping the ones before it."""

    def pathFromIndex(self, index) -> str:
        done = self.widget().text().rsplit(",", 1)[0] if "," in self.widget().text() else ""
        chosen = super().pathFromIndex(index)
        return f"{done}, {chosen}" if done else chosen

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]


class CurationForm(QWidget):
    dirtyChanged = Signal(bool)
    edited = Signal()  # any keystroke or choice, for the drafts journal

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._loaded: Curation | None = None
        self._dirty = False
        self._dark = False

        self.status = QComboBox()
        self.status.setObjectName("status")
        self.title = QLineEdit()
        self.title.setObjectName("title")
        self.title.setPlaceholderText("What the picture shows")
        self.group = QComboBox()
        self.group.setObjectName("project_group")
        self.group.setEditable(True)
        self.group.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.group.lineEdit().setPlaceholderText("Project group")
        self.group.completer().setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.group.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.date = QLineEdit()
        self.date.setObjectName("date")
        self.date.setPlaceholderText("YYYY-MM-DD, YYYY-MM or YYYY")
        self.date_hint = QLabel()
        self.date_hint.setObjectName("date_hint")
        self.description = QPlainTextEdit()
        self.description.setObjectName("description")
        self.description.setTabChangesFocus(True)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("For yourself and the team")
        for box in (self.description, self.notes):
            # Three lines each: the preview above deserves the height.
            box.setFixedHeight(box.fontMetrics().lineSpacing() * 3 + 14)
        self.group.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.tags = QLineEdit()
        self.tags.setObjectName("tags")
        self.tags.setPlaceholderText("Comma-separated")
        self._tag_model = QStringListModel(self)
        completer = TagCompleter(self._tag_model, self.tags)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.tags.setCompleter(completer)

        layout = QFormLayout(self)
        layout.setVerticalSpacing(6)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addRow("&Status", self.status)
        layout.addRow("&Title", self.title)
        layout.addRow("&Project group", self.group)
        layout.addRow("&Date", self.date)
        layout.addRow("", self.date_hint)
        layout.addRow("Des&cription", self.description)
        layout.addRow("&Notes", self.notes)
        layout.addRow("T&ags", self.tags)
        self.date_hint.hide()
        self._fill_statuses()

        self.status.currentIndexChanged.connect(self._changed)
        self.title.textEdited.connect(self._changed)
        self.group.editTextChanged.connect(self._changed)
        self.date.textEdited.connect(self._changed)
        self.date.textEdited.connect(self._check_date)
        self.description.textChanged.connect(self._changed)
        self.notes.textChanged.connect(self._changed)
        self.tags.textEdited.connect(self._changed)
        self.setEnabled(False)

    def _fill_statuses(self) -> None:
        current = self.status.currentIndex()
        self.status.blockSignals(True)
        self.status.clear()
        for status in Status:
            self.status.addItem(
                palette.status_icon(int(status), self._dark),
                f"{int(status)}  {status.label}",
                int(status),
            )
        self.status.setCurrentIndex(max(current, 0))
        self.status.blockSignals(False)

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        self._fill_statuses()

    # -- loading and reading -------------------------------------------------------------

    def _widgets(self) -> tuple[QWidget, ...]:
        return (
            self.status,
            self.group,
            self.title,
            self.date,
            self.description,
            self.notes,
            self.tags,
        )

    def load(self, curation: Curation) -> None:
        """Show a file's saved curation; nothing is dirty."""
        self._show_quietly(curation)
        self._loaded = curation
        self.setEnabled(True)
        self._check_date()
        self._set_dirty(False)

    def _show_quietly(self, curation: Curation) -> None:
        for w in self._widgets():
            w.blockSignals(True)
        self._show(curation)
        for w in self._widgets():
            w.blockSignals(False)

    def set_completions(self, groups: list[str], tags: list[str]) -> None:
        """The project groups and tags offered while typing: set when they change, not per
        file (a catalogue can hold thousands of keywords)."""
        if groups != self._group_items():
            text = self.group.currentText()
            self.group.blockSignals(True)
            self.group.clear()
            self.group.addItems(groups)
            self.group.setEditText(text)
            self.group.blockSignals(False)
        if tags != self._tag_model.stringList():
            self._tag_model.setStringList(tags)

    def restore(self, values: Curation, base: Curation) -> None:
        """Put back unsaved values (a draft from the journal) typed over `base`."""
        self._show_quietly(values)
        self._loaded = base
        self.setEnabled(True)
        self._check_date()
        self._changed()

    def _show(self, c: Curation) -> None:
        self.status.setCurrentIndex(max(self.status.findData(int(c.status)), 0))
        self.title.setText(c.title)
        self.group.setEditText(c.project_group)
        self.date.setText(c.date)
        self.description.setPlainText(c.description)
        self.notes.setPlainText(c.notes)
        self.tags.setText(", ".join(c.tags))

    def clear(self) -> None:
        self._loaded = None
        self.load(Curation())
        self._loaded = None
        self.setEnabled(False)
        self._set_dirty(False)

    def value(self) -> Curation:
        return Curation(
            status=int(self.status.currentData() or int(Status.UNREVIEWED)),
            title=self.title.text(),
            project_group=self.group.currentText().strip(),
            date=self.date.text().strip(),
            description=self.description.toPlainText(),
            notes=self.notes.toPlainText(),
            tags=[t.strip() for t in self.tags.text().split(",") if t.strip()],
        )

    @property
    def loaded(self) -> Curation | None:
        return self._loaded

    def is_dirty(self) -> bool:
        return self._dirty

    def revert(self) -> None:
        """Esc: back to what was last loaded or saved."""
        if self._loaded is not None:
            self.load(self._loaded)

    def rebase(self, latest: Curation) -> None:
        """Someone else saved meanwhile: fields this curator did not touch show their
        values; typed ones stay. Esc now returns to `latest`."""
        if self._loaded is None:
            return
        typed = self.value().changes_from(self._loaded)
        merged = Curation(
            **{
                name: (typed[name][1] if name in typed else getattr(latest, name))
                for name in Curation.__dataclass_fields__
            }
        )
        self.restore(merged, latest)

    def mark_saved(self, saved: Curation) -> None:
        self.load(saved)

    def edits_text(self) -> str:
        """The unsaved edits as plain text, for the clipboard when they cannot be saved."""
        return changes_text(self.value(), self._loaded) if self._loaded is not None else ""

    def _group_items(self) -> list[str]:
        return [self.group.itemText(i) for i in range(self.group.count())]

    # -- edits ------------------------------------------------------------------------

    def set_status(self, status: int) -> None:
        if self.isEnabled():
            self.status.setCurrentIndex(self.status.findData(int(status)))

    def focus_title(self) -> None:
        if self.isEnabled():
            self.title.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.title.selectAll()

    def focus_notes(self) -> None:
        if self.isEnabled():
            self.notes.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.notes.moveCursor(self.notes.textCursor().MoveOperation.End)

    def date_valid(self) -> bool:
        return date_is_valid(self.date.text())

    def _check_date(self, *_args) -> None:
        ok = self.date_valid()
        self.date_hint.setVisible(not ok)
        self.date_hint.setText("" if ok else "Use YYYY-MM-DD, YYYY-MM or YYYY")

    def _changed(self, *_args) -> None:
        if self._loaded is None:
            return
        self._set_dirty(bool(self.value().changes_from(self._loaded)))
        self.edited.emit()

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)
