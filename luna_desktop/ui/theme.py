"""Light, dark or the platform's own look, switchable while the app runs.

Light and dark use Fusion, the one built-in style that draws everything from the palette,
so a complete palette is a complete theme. The colours are low-glare neutrals with one calm
blue accent: curators look at this for hours, and the photos should be the brightest thing
on screen. Status colours (palette.py) are checked against these Base colours.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES: tuple[str, ...] = ("system", "light", "dark")

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_LIGHT = {
    Role.Window: "#eceef1",
    Role.WindowText: "#1d2024",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f4f5f7",
    Role.Text: "#1d2024",
    Role.Button: "#f4f5f7",
    Role.ButtonText: "#1d2024",
    Role.BrightText: "#ffffff",
    Role.Highlight: "#2f66b3",
    Role.HighlightedText: "#ffffff",
    Role.ToolTipBase: "#2b2e33",
    Role.ToolTipText: "#f1f2f4",
    Role.PlaceholderText: "#6b7079",
    Role.Link: "#1f5aa6",
    Role.LinkVisited: "#6a4aa5",
    # Fusion draws bevels, frames and focus rings from these.
    Role.Light: "#ffffff",
    Role.Midlight: "#f7f8fa",
    Role.Mid: "#c3c7cd",
    Role.Dark: "#9aa0a8",
    Role.Shadow: "#5c6169",
}

_LIGHT_DISABLED = {
    Role.WindowText: "#9a9ea5",
    Role.Text: "#9a9ea5",
    Role.ButtonText: "#9a9ea5",
    Role.Base: "#f4f5f7",
    Role.Button: "#eceef1",
    Role.Highlight: "#b9c0ca",
    Role.HighlightedText: "#f4f5f7",
    Role.PlaceholderText: "#b3b7bd",
    Role.Link: "#9a9ea5",
}

_DARK = {
    Role.Window: "#2a2c30",
    Role.WindowText: "#e3e5e8",
    Role.Base: "#1e1f22",
    Role.AlternateBase: "#26282c",
    Role.Text: "#e3e5e8",
    Role.Button: "#33363b",
    Role.ButtonText: "#e3e5e8",
    Role.BrightText: "#ffffff",
    Role.Highlight: "#3a6db0",
    Role.HighlightedText: "#ffffff",
    Role.ToolTipBase: "#3a3d43",
    Role.ToolTipText: "#eceef1",
    Role.PlaceholderText: "#8a9099",
    Role.Link: "#8ab4f8",
    Role.LinkVisited: "#c4a7f5",
    Role.Light: "#484b52",
    Role.Midlight: "#3b3e44",
    Role.Mid: "#25272b",
    Role.Dark: "#17181b",
    Role.Shadow: "#0c0d0f",
}

_DARK_DISABLED = {
    Role.WindowText: "#6d727a",
    Role.Text: "#6d727a",
    Role.ButtonText: "#6d727a",
    Role.Base: "#242529",
    Role.Button: "#2d3034",
    Role.Highlight: "#3b4250",
    Role.HighlightedText: "#9aa0a8",
    Role.PlaceholderText: "#565a61",
    Role.Link: "#6d727a",
}

# The platform's look as the app started, captured at the first call so "system" can go back.
_original: tuple[str, QPalette] | None = None


def build_palette(dark: bool) -> QPalette:
    """The complete Fusion palette of the light or dark theme."""
    palette = QPalette()
    for role, color in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(color))  # all groups: inactive windows look the same
    for role, color in (_DARK_DISABLED if dark else _LIGHT_DISABLED).items():
        palette.setColor(Group.Disabled, role, QColor(color))
    if hasattr(Role, "Accent"):  # Qt 6.6+: some Fusion controls use the accent colour
        palette.setColor(Role.Accent, palette.color(Role.Highlight))
        palette.setColor(Group.Disabled, Role.Accent, palette.color(Group.Disabled, Role.Highlight))
    return palette


def apply_theme(app: QApplication, theme: str) -> None:
    """Switch to "system", "light" or "dark"; anything else means "system"."""
    global _original
    if _original is None:
        _original = (app.style().name(), QPalette(app.palette()))
    if theme not in ("light", "dark"):
        _request_color_scheme(app, None)
        style_name, palette = _original
        app.setStyle(style_name)
        app.setPalette(palette)
        return
    dark = theme == "dark"
    _request_color_scheme(app, dark)
    app.setStyle("Fusion")  # setStyle resets the palette, so the palette comes second
    app.setPalette(build_palette(dark))


def _request_color_scheme(app: QApplication, dark: bool | None) -> None:
    """Ask the platform (Qt 6.8+) for matching title bars and native menus."""
    hints = app.styleHints()
    if not hasattr(hints, "setColorScheme"):
        return
    if dark is None:
        hints.unsetColorScheme()
    else:
        hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
