"""The preview pane's PDF pages: turning them, and a page that cannot be drawn.

A part of `PreviewPane` (a mixin over its state, like `PlayerPart`). A PDF is shown
one page at a time like a picture: each page is a decode of its own in the worker
process, cached under (file, page, box), and zoomed like a photo.
"""

from __future__ import annotations

from .preview_decoder import Result

__all__ = ["PagesPart"]


class PagesPart:
    """PDF pages for `PreviewPane`, which owns the state this works on."""

    # --- the window's actions call these ----------------------------------------------

    def turn_page(self, delta: int) -> None:
        """Page Down / Page Up in a PDF."""
        current = self._current
        if current is None or current.mode != "document":
            return
        page = max(0, min(current.page + delta, max(current.page_count - 1, 0)))
        if page == current.page:
            return
        current.page = page
        current.shown = None  # a new picture: fitted, not a sharper copy of the old one
        self._show_page(current)

    @property
    def page(self) -> tuple[int, int]:
        """(page on show from 1, pages) of a PDF; (0, 0) otherwise."""
        current = self._current
        if current is None or current.mode != "document" or not current.page_count:
            return (0, 0)
        return (current.page + 1, current.page_count)

    def _show_page_error(self, current, result: Result) -> None:
        """One page that cannot be drawn: said in its place, with the other pages (and
        Page Up/Down) still within reach."""
        current.shown = None
        self._loading_timer.stop()
        self._view.show_text(f"Cannot show page {current.page + 1}: {result.error}")
        self._stack.setCurrentWidget(self._view)
