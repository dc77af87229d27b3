"""Missing Files Found Elsewhere: the relinks Luna could not decide alone.

Each missing file (its drive, path, status and title) is listed with the present files
that may be it (scan.relink_across): several candidates, one that may be a copy, or one
a curator has worked on since it arrived. "Relink" moves the missing file's row, with
its UUID and curation, to where the candidate is; "Not this one" is remembered, so the
candidate is not offered again.

Keyboard: arrows to a candidate, Enter relinks it, Delete says "not this one" (or
Alt+R / Alt+N); each candidate's own buttons relink or decline with one click. The list
is read off the GUI thread, and relinks and declines are written off it, one after
another.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from luna_desktop.catalog.formatting import human_size
from luna_desktop.scan import relink_across
from luna_desktop.scan.relink_across import OfferCandidate, RelinkOffer

from .background import LatestOnly
from .serial_writes import SerialWrites

COLUMNS = ("File", "Drive", "Size", "Status and notes", "")
OFFERS_SHOWN = 500
_PAIR_ROLE = Qt.ItemDataRole.UserRole + 1  # (missing id, candidate id) on a candidate row


class RelinkOffersDialog(QDialog):
    offers_loaded = Signal(int)  # how many offers are shown now
    changed = Signal()  # a relink landed: the tree and counts may show other files now

    def __init__(self, parent: QWidget | None = None, curator: str | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("relink_offers")
        self.setWindowTitle("Missing Files Found Elsewhere")
        settings = getattr(parent, "settings", None)
        self.curator = curator or getattr(settings, "curator_name", None)
        self._reads = LatestOnly(self)
        self._writes = SerialWrites(self)
        self.offers: list[RelinkOffer] = []
        self._said = ""  # what the last relink or decline did, shown above the list
        self.note = QLabel("Looking for missing files found elsewhere…")
        self.note.setObjectName("relink_note")
        self.note.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("relink_list")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(self._activated)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.tree.installEventFilter(self)
        self.relink_button = QPushButton("&Relink")
        self.relink_button.setObjectName("relink_current")
        self.relink_button.setToolTip("The missing file is this one: it moves here (Enter)")
        self.relink_button.clicked.connect(lambda: self._decide_current(accept=True))
        self.decline_button = QPushButton("&Not this one")
        self.decline_button.setObjectName("decline_current")
        self.decline_button.setToolTip("Never offer this file for that one again (Delete)")
        self.decline_button.clicked.connect(lambda: self._decide_current(accept=False))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.relink_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.decline_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            # Enter belongs to the list (relink the current candidate), not to a button.
            button.setAutoDefault(False)
            button.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(960, 560)
        self._update_buttons()
        self.reload()

    # -- reading ---------------------------------------------------------------------------

    def reload(self) -> None:
        self._reads.request(
            lambda _stale: relink_across.offers(OFFERS_SHOWN),
            self._loaded,
            lambda exc: self.note.setText(f"Could not read the missing files: {exc}"),
        )

    def _loaded(self, offers: list[RelinkOffer]) -> None:
        place = self._current_pair()
        self.offers = offers
        self.tree.clear()
        current = None
        for offer in offers:
            top = QTreeWidgetItem(self.tree, _missing_texts(offer))
            top.setToolTip(0, f"Missing: {offer.missing.drive}:{offer.missing.path}")
            for candidate in offer.candidates:
                item = QTreeWidgetItem(top, _candidate_texts(candidate))
                pair = (offer.missing.id, candidate.file.id)
                item.setData(0, _PAIR_ROLE, pair)
                item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight)
                self.tree.setItemWidget(item, 4, self._row_buttons(pair))
                if current is None and (place is None or pair[0] == place[0]):
                    current = item
            top.setExpanded(True)
        if current is None and self.tree.topLevelItemCount():
            current = self.tree.topLevelItem(0).child(0)
        if current is not None:
            self.tree.setCurrentItem(current)
        self._say_what_is_shown()
        self._update_buttons()
        self.offers_loaded.emit(len(offers))

    def _say_what_is_shown(self) -> None:
        said, self._said = self._said, ""
        count = len(self.offers)
        if not count:
            self.note.setText(f"{said} No missing file has turned up anywhere else.".strip())
            return
        more = " (the most recent)" if count >= OFFERS_SHOWN else ""
        self.note.setText(
            f"{said} {count:,} missing file{'s' if count != 1 else ''}{more} may have turned "
            "up elsewhere. Relink moves the missing file, with its curation, to the "
            "candidate's place; Not this one is remembered. Enter relinks the selected "
            "candidate, Delete declines it.".strip()
        )

    def _row_buttons(self, pair: tuple[int, int]) -> QWidget:
        """One click per candidate. Not in the Tab order: from the keyboard, the list's
        Enter and Delete do the same for the selected candidate."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(2, 0, 2, 0)
        for text, name, accept in (("Relink", "relink", True), ("Not this one", "decline", False)):
            button = QPushButton(text)
            button.setObjectName(f"{name}_{pair[0]}_{pair[1]}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, a=accept: self.decide(*pair, accept=a))
            row.addWidget(button)
        return box

    # -- deciding --------------------------------------------------------------------------

    def decide(self, missing_id: int, candidate_id: int, accept: bool) -> None:
        """Relink (or decline) off the GUI thread; the list is read again when it lands."""
        offer = next((o for o in self.offers if o.missing.id == missing_id), None)
        candidate = next(
            (c for c in (offer.candidates if offer else []) if c.file.id == candidate_id), None
        )
        if offer is None or candidate is None:
            return
        was = f"{offer.missing.drive}:{offer.missing.path}"
        there = f"{candidate.file.drive}:{candidate.file.path}"
        if accept:
            self.note.setText(f"Relinking {was} to {there}…")
            work = lambda: relink_across.accept(missing_id, candidate_id)  # noqa: E731
            said = f"Relinked {was} to {there}: it keeps its UUID and curation."
        else:
            self.note.setText(f"Noting that {there} is not {was}…")
            curator = self.curator
            work = lambda: relink_across.decline(missing_id, candidate_id, curator)  # noqa: E731
            said = f"{there} will not be offered for {was} again."
        self._set_busy(True)
        self._writes.submit(
            work, lambda _result: self._landed(said, accept), lambda exc: self._refused(exc)
        )

    def _decide_current(self, accept: bool) -> None:
        pair = self._current_pair()
        if pair is not None and not self._writes.busy:
            self.decide(*pair, accept=accept)

    def _landed(self, said: str, relinked: bool) -> None:
        self._set_busy(False)
        self._said = said
        self.note.setText(said)
        self.reload()
        if relinked:
            self.changed.emit()

    def _refused(self, exc: Exception) -> None:
        self._set_busy(False)
        self._said = f"Not done: {exc}."
        self.note.setText(self._said)
        self.reload()

    def _set_busy(self, busy: bool) -> None:
        self.tree.setEnabled(not busy)
        self._update_buttons()

    # -- keys ------------------------------------------------------------------------------

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.data(0, _PAIR_ROLE):
            self._decide_current(accept=True)
        else:
            item.setExpanded(not item.isExpanded())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.tree
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self._current_pair() is not None
        ):
            self._decide_current(accept=False)
            return True
        return super().eventFilter(watched, event)

    def _current_pair(self) -> tuple[int, int] | None:
        pair = self.tree.currentItem().data(0, _PAIR_ROLE) if self.tree.currentItem() else None
        return (int(pair[0]), int(pair[1])) if pair else None

    def _update_buttons(self) -> None:
        ready = self._current_pair() is not None and not self._writes.busy
        self.relink_button.setEnabled(ready)
        self.decline_button.setEnabled(ready)


def _missing_texts(offer: RelinkOffer) -> list[str]:
    m = offer.missing
    status = m.status_label + (f" — “{m.title}”" if m.title else "")
    since = f", missing since {offer.missing_since:%Y-%m-%d}" if offer.missing_since else ""
    more = f"; {offer.more} more candidates not listed" if offer.more else ""
    return [f"Missing: {m.path}", m.drive, human_size(m.size), f"{status}{since}{more}", ""]


def _candidate_texts(candidate: OfferCandidate) -> list[str]:
    f = candidate.file
    notes = []
    if candidate.maybe_copy:
        notes.append("may be a copy: it was catalogued before the file went missing")
    if f.curated:
        notes.append("curated since it arrived: the two curations are merged")
    return [f"→ {f.path}", f.drive, human_size(f.size), "; ".join(notes), ""]
