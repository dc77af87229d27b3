"""What the preview pane says when it shows no picture: the reasons, and the card.

The card stands in for a file Luna cannot show (a word-processor document, an
archive…) or cannot show now (drive not mounted, file missing): a headline, the file's
name, what kind of file it is, and a button for the window's "Open with the system's
application" action when the file is there to open.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from luna_desktop.catalog.formatting import human_size
from luna_desktop.media.render import Rendered

from .preview_decoder import Result

__all__ = [
    "MessageView",
    "failure_headline",
    "file_name",
    "from_cache",
    "is_pdf",
    "is_text",
    "kind_line",
    "not_mounted",
    "offline_badge",
    "placeholder",
    "playable_kind",
    "preview_note",
]

_TEXT_MIMES = frozenset(
    {"application/json", "application/xml", "application/x-subrip", "image/svg+xml"}
)


# --- placeholders and facts -------------------------------------------------------------


def placeholder(path: bytes | None, facts: dict[str, Any]) -> tuple[str, bool] | None:
    """(headline, is_failure) when the pane shows a card instead of the file, else None.

    Videos and audio go to the player, which shows a stored poster even with the drive
    unplugged, and says itself why it cannot play."""
    if facts.get("missing"):
        return ("File is missing from the drive", True)
    if facts.get("size") == 0:
        return ("Cannot show this file: the file is empty (0 bytes)", True)
    if playable_kind(facts):
        return None
    if path is None:
        return (not_mounted(facts, "see"), True)
    kind, mime = facts.get("kind") or "", facts.get("mime") or ""
    if is_text(facts) or is_pdf(facts):
        return None
    if kind == "image" or mime.startswith("image/"):
        return None
    return ("No preview for this kind of file", False)


def from_cache(path: bytes | None, facts: dict[str, Any]) -> bool:
    """A picture out of reach (drive not mounted, file gone) that the preview cache may
    hold: the pane tries the cache before saying why the file cannot be shown."""
    if path is not None and not facts.get("missing"):
        return False
    kind, mime = facts.get("kind") or "", facts.get("mime") or ""
    image = kind == "image" or mime.startswith("image/")
    return image and bool(facts.get("oshash")) and facts.get("size") != 0


def offline_badge(facts: dict[str, Any]) -> str:
    """The quiet note on a picture that came from the cache."""
    if facts.get("missing"):
        return "missing from the drive — cached preview"
    return "offline — cached preview"


def not_mounted(facts: dict[str, Any], verb: str) -> str:
    drive = facts.get("drive") or "the drive"
    return f"Drive not mounted — connect {drive} to {verb} this file"


def playable_kind(facts: dict[str, Any]) -> str | None:
    """ "video" or "audio" for what the player takes, else None."""
    kind, mime = facts.get("kind") or "", facts.get("mime") or ""
    if kind == "video" or mime.startswith("video/"):
        return "video"
    if kind == "audio" or mime.startswith("audio/"):
        return "audio"
    return None


def is_pdf(facts: dict[str, Any]) -> bool:
    return facts.get("mime") == "application/pdf"


def failure_headline(result: Result) -> str:
    if result.crashed:  # the decoder's fault, not the file's: the message says Luna is fine
        return result.error or ""
    return f"Cannot show this file: {result.error}"


def is_text(facts: dict[str, Any]) -> bool:
    mime = facts.get("mime") or ""
    return mime.startswith("text/") or mime in _TEXT_MIMES


def file_name(facts: dict[str, Any]) -> str:
    path = facts.get("display_path") or ""
    return os.path.basename(str(path).rstrip("/")) if path else ""


def preview_note(rendered: Rendered) -> str:
    size = f"{rendered.original_size[0]} × {rendered.original_size[1]}"
    notes = []
    if rendered.source == "raw-embedded-preview":
        notes.append(f"embedded JPEG preview, {size}")
    elif rendered.source.startswith("cached-"):
        notes.append(f"cached preview of a {size} picture")
    elif rendered.source != "image":
        notes.append(f"embedded thumbnail only, {size}")
    if rendered.partial:
        notes.append("incomplete file: only part of the picture could be read")
    return "; ".join(notes)


class MessageView(QWidget):
    """A centred headline, the file's name, what it is, and (for a file that is there
    but cannot be shown) a button to open it with the system's application."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("previewMessage")
        self._headline = QLabel()
        self._headline.setObjectName("previewHeadline")
        self._name = QLabel()
        self._name.setObjectName("previewFileName")
        self._detail = QLabel()
        self._detail.setObjectName("previewFileKind")
        for label in (self._name, self._detail):
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        font = self._headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self._headline.setFont(font)
        self._open = QToolButton()
        self._open.setObjectName("previewOpenButton")
        self._open.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._open.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay the window's
        self._open.hide()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for label in (self._headline, self._name, self._detail):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.addWidget(label)
        layout.addSpacing(8)
        layout.addWidget(self._open, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def set_open_action(self, action: QAction) -> None:
        """The window's "Open with the system's application" action, for the button."""
        self._open.setDefaultAction(action)

    def set_message(
        self, headline: str, name: str, *, detail: str = "", can_open: bool = False
    ) -> None:
        self._headline.setText(headline)
        self._name.setText(name)
        self._name.setVisible(bool(name))
        self._detail.setText(detail)
        self._detail.setVisible(bool(detail))
        self._open.setVisible(can_open and self._open.defaultAction() is not None)

    def headline(self) -> str:
        return self._headline.text()

    def detail(self) -> str:
        return self._detail.text()

    def offers_open(self) -> bool:
        return self._open.isVisibleTo(self)


def kind_line(facts: dict[str, Any]) -> str:
    """ "Document · application/vnd.oasis.opendocument.text · 14.2 KB" for the card."""
    parts = [
        str(facts.get("kind") or "file").capitalize(),
        facts.get("mime") or "",
        human_size(facts.get("size")) if facts.get("size") else "",
    ]
    return " · ".join(p for p in parts if p)
