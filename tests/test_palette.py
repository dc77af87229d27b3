"""Status colours stay distinct (also for colour-blind curators) and legible on both themes."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QPalette

from luna_desktop.catalog.status import Status
from luna_desktop.ui import palette
from luna_desktop.ui.theme import apply_theme, build_palette

Role = QPalette.ColorRole
MODES = pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])


@MODES
def test_six_distinct_colours(dark):
    colours = {palette.status_color(s, dark).name() for s in Status}
    assert len(colours) == 6


def test_light_and_dark_values_differ():
    for s in Status:
        assert palette.status_color(s, False) != palette.status_color(s, True)


def test_status_accepts_the_enum_or_its_integer():
    assert palette.status_color(2, False) == palette.status_color(Status.UPLOAD, False)
    assert palette.status_glyph(6) == Status.NEEDS_ATTENTION.glyph
    with pytest.raises(ValueError):
        palette.status_color(7, False)


def test_glyphs_distinct_and_visible():
    glyphs = [palette.status_glyph(s) for s in Status]
    assert len(set(glyphs)) == 6
    assert all(g.strip() for g in glyphs)


@MODES
@pytest.mark.parametrize("role", [Role.Base, Role.AlternateBase])
def test_status_colours_readable_on_the_theme(dark, role):
    """WCAG 3:1 (large text and graphics) against rows and alternate rows of item views."""
    background = build_palette(dark).color(role)
    for s in Status:
        ratio = palette.contrast_ratio(palette.status_color(s, dark), background)
        assert ratio >= 3.0, f"{s.label} on {background.name()}: {ratio:.2f}"
    assert palette.contrast_ratio(palette.missing_color(dark), background) >= 2.8


def test_contrast_ratio_matches_wcag_reference_values():
    assert palette.contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert palette.contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, 0.01)


# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
_CVD = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def _lab_as_seen(color: QColor, matrix) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    rgb = [linear(c) for c in (color.redF(), color.greenF(), color.blueF())]
    r, g, b = (
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix
    )
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


@MODES
@pytest.mark.parametrize("deficiency", sorted(_CVD))
def test_colours_stay_apart_for_colour_blind_curators(dark, deficiency):
    seen = {s: _lab_as_seen(palette.status_color(s, dark), _CVD[deficiency]) for s in Status}
    for a, b in itertools.combinations(Status, 2):
        distance = sum((p - q) ** 2 for p, q in zip(seen[a], seen[b], strict=True)) ** 0.5
        assert distance >= 15, f"{a.label} vs {b.label}: ΔE {distance:.1f}"


@MODES
def test_icons_are_real_swatches(qapp, dark):
    for s in Status:
        icon = palette.status_icon(s, dark)
        assert not icon.isNull()
        image = icon.pixmap(QSize(12, 12)).toImage()
        assert not image.isNull() and image.width() == 12
        # The left edge, clear of the glyph and the rounded corners, is the status colour.
        assert image.pixelColor(1, 6).name() == palette.status_color(s, dark).name()
        # The glyph is drawn in an ink that differs from the fill.
        centre_row = {image.pixelColor(x, 6).name() for x in range(2, 10)}
        assert len(centre_row) > 1


def test_icons_are_cached_per_status_mode_and_size(qapp):
    first = palette.status_icon(Status.DISCARD, True, 16)
    assert first.cacheKey() == palette.status_icon(5, True, 16).cacheKey()
    assert first.cacheKey() != palette.status_icon(5, False, 16).cacheKey()
    assert first.cacheKey() != palette.status_icon(5, True, 12).cacheKey()
    assert palette.status_icon(5, True, 16).pixmap(QSize(16, 16)).width() == 16


def test_missing_font_is_struck_out_and_italic(qapp):
    font = palette.missing_font(qapp.font())
    assert font.strikeOut() and font.italic()
    assert not qapp.font().strikeOut()


def test_is_dark_reads_the_palette():
    assert palette.is_dark(build_palette(True))
    assert not palette.is_dark(build_palette(False))


@pytest.fixture
def restore_theme(qapp):
    yield qapp
    apply_theme(qapp, "system")


def test_apply_theme_switches_and_restores(restore_theme):
    app = restore_theme
    apply_theme(app, "system")  # remember the platform look first
    original_style = app.style().name()
    original_base = app.palette().color(Role.Base)

    apply_theme(app, "dark")
    assert app.style().name().lower() == "fusion"
    assert app.palette().color(Role.Base) == build_palette(True).color(Role.Base)
    assert palette.is_dark(app.palette())

    apply_theme(app, "light")
    assert app.palette().color(Role.Window) == build_palette(False).color(Role.Window)
    assert not palette.is_dark(app.palette())

    apply_theme(app, "system")
    assert app.style().name() == original_style
    assert app.palette().color(Role.Base) == original_base


@MODES
def test_theme_palettes_are_complete_and_legible(dark):
    p = build_palette(dark)
    pairs = [
        (Role.WindowText, Role.Window),
        (Role.Text, Role.Base),
        (Role.Text, Role.AlternateBase),
        (Role.ButtonText, Role.Button),
        (Role.HighlightedText, Role.Highlight),
        (Role.ToolTipText, Role.ToolTipBase),
    ]
    for fg, bg in pairs:
        assert palette.contrast_ratio(p.color(fg), p.color(bg)) >= 4.5, (fg, bg)
    assert palette.contrast_ratio(p.color(Role.PlaceholderText), p.color(Role.Base)) >= 4.5
    assert palette.contrast_ratio(p.color(Role.Link), p.color(Role.Base)) >= 4.5
    disabled = p.color(QPalette.ColorGroup.Disabled, Role.Text)
    assert disabled != p.color(Role.Text)
