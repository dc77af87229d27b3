"""The preferences dialog, driven from the keyboard as a curator would."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from luna_desktop.catalog.database import default_catalog_path
from luna_desktop.ui import preferences_dialog as dialog_module
from luna_desktop.ui.preferences_dialog import PreferencesDialog
from luna_desktop.ui.settings import Settings
from luna_desktop.ui.theme import apply_theme, build_palette

Role = QPalette.ColorRole


@pytest.fixture
def app(qapp):
    apply_theme(qapp, "system")  # remember the platform look before any test changes it
    yield qapp
    apply_theme(qapp, "system")


@pytest.fixture
def open_dialog(app, qtbot):
    def open_(settings: Settings | None = None) -> PreferencesDialog:
        dialog = PreferencesDialog(settings or Settings())
        qtbot.addWidget(dialog)
        with qtbot.waitExposed(dialog):
            dialog.show()
        with qtbot.waitActive(dialog):  # focus and Alt mnemonics need the active window
            dialog.activateWindow()
        return dialog

    return open_


def _type_curator(qtbot, dialog: PreferencesDialog, name: str) -> None:
    dialog.curator_edit.setFocus()
    dialog.curator_edit.selectAll()
    qtbot.keyClicks(dialog.curator_edit, name)


def test_accept_saves_what_was_typed(app, qtbot, open_dialog):
    dialog = open_dialog()
    _type_curator(qtbot, dialog, "Ada Lovelace")

    qtbot.keyClicks(dialog.ignore_edit, "*.xmp")
    qtbot.keyClick(dialog.ignore_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.ignore_edit, "  Clients/*/Proxies  ")
    qtbot.keyClick(dialog.ignore_edit, Qt.Key.Key_Return)  # a blank last line is dropped

    qtbot.keyClicks(dialog.theme_combo, "D")  # keyboard search picks "Dark"
    assert dialog.theme_combo.currentData() == "dark"
    # Previewed at once, before OK.
    assert app.palette().color(Role.Base) == build_palette(True).color(Role.Base)

    qtbot.keyClick(dialog.curator_edit, Qt.Key.Key_Return)  # Enter = OK
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.accepted_changes() == {"curator_name", "ignore_patterns", "theme"}

    fresh = Settings()
    assert fresh.curator_name == "Ada Lovelace"
    assert fresh.ignore_patterns == ["*.xmp", "Clients/*/Proxies"]
    assert fresh.theme == "dark"
    assert fresh.catalog_path is None
    assert app.palette().color(Role.Base) == build_palette(True).color(Role.Base)


def test_cancel_changes_nothing_and_reverts_the_theme_preview(app, qtbot, open_dialog):
    settings = Settings()
    settings.curator_name = "Grace"
    settings.ignore_patterns = ["*.thm"]
    settings.theme = "light"
    apply_theme(app, "light")
    before = Path(settings.file_name).read_text()

    dialog = open_dialog(settings)
    assert dialog.curator_edit.text() == "Grace"
    assert dialog.ignore_edit.toPlainText() == "*.thm"
    assert dialog.theme_combo.currentData() == "light"

    _type_curator(qtbot, dialog, "Someone else")
    dialog.ignore_edit.moveCursor(dialog.ignore_edit.textCursor().MoveOperation.End)
    qtbot.keyClick(dialog.ignore_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.ignore_edit, "*.xmp")
    assert dialog.ignore_edit.toPlainText() == "*.thm\n*.xmp"
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    assert app.palette().color(Role.Base) == build_palette(True).color(Role.Base)
    dialog.catalog_edit.setText("/tmp/other.sqlite3")

    qtbot.keyClick(dialog.curator_edit, Qt.Key.Key_Escape)  # Esc = Cancel
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.accepted_changes() == set()
    assert Path(settings.file_name).read_text() == before
    fresh = Settings()
    assert (fresh.curator_name, fresh.ignore_patterns, fresh.theme, fresh.catalog_path) == (
        "Grace",
        ["*.thm"],
        "light",
        None,
    )
    assert app.palette().color(Role.Base) == build_palette(False).color(Role.Base)


def test_empty_curator_disables_ok(qtbot, open_dialog):
    dialog = open_dialog()
    assert dialog.ok_button.isEnabled()
    assert dialog.curator_hint.isHidden()

    _type_curator(qtbot, dialog, "   ")
    assert not dialog.ok_button.isEnabled()
    assert not dialog.curator_hint.isHidden()
    assert "required" in dialog.curator_hint.text()

    qtbot.keyClick(dialog.curator_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()  # Enter did not accept
    assert dialog.accepted_changes() == set()

    qtbot.keyClicks(dialog.curator_edit, "Ada")
    assert dialog.ok_button.isEnabled()
    assert dialog.curator_hint.isHidden()


def test_unchanged_ok_reports_no_changes(qtbot, open_dialog):
    dialog = open_dialog()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.accepted_changes() == set()


def test_catalogue_location(tmp_path, qtbot, open_dialog, monkeypatch):
    dialog = open_dialog()
    assert dialog.catalog_edit.text() == ""
    assert dialog.catalog_edit.placeholderText() == str(default_catalog_path())

    chosen = str(tmp_path / "team.sqlite3")
    calls = []

    def fake_save_name(parent, caption, start, filters, **kwargs):
        calls.append((caption, start, kwargs))
        return chosen, filters.split(";;")[0]

    monkeypatch.setattr(dialog_module.QFileDialog, "getSaveFileName", fake_save_name)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.catalog_edit.text() == chosen
    assert calls[0][1] == str(default_catalog_path())
    # Picking an existing catalogue is normal: no "replace it?" prompt.
    assert calls[0][2]["options"] & QFileDialog.Option.DontConfirmOverwrite

    dialog.catalog_edit.setText(str(tmp_path))  # a folder is not a catalogue file
    assert not dialog.ok_button.isEnabled()
    assert not dialog.catalog_hint.isHidden()
    dialog.catalog_edit.setText(chosen)
    assert dialog.ok_button.isEnabled()

    dialog.accept()
    assert dialog.accepted_changes() == {"catalog_path"}
    assert Settings().catalog_path == chosen


def test_clearing_the_catalogue_location_means_the_default(tmp_path, qtbot, open_dialog):
    settings = Settings()
    settings.catalog_path = str(tmp_path / "old.sqlite3")
    dialog = open_dialog(settings)
    assert dialog.catalog_edit.text() == str(tmp_path / "old.sqlite3")
    dialog.catalog_edit.clear()
    dialog.accept()
    assert dialog.accepted_changes() == {"catalog_path"}
    assert Settings().catalog_path is None


def test_every_field_is_reachable_with_tab(qtbot, open_dialog):
    dialog = open_dialog()
    dialog.curator_edit.setFocus()
    order = [QApplication.focusWidget()]
    for _ in range(9):
        assert order[-1] is not None
        qtbot.keyClick(order[-1], Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order[:9] == [
        dialog.curator_edit,
        dialog.ignore_edit,
        dialog.disk_combo,
        dialog.autoplay_box,
        dialog.theme_combo,
        dialog.cache_row.cap_spin,
        dialog.catalog_edit,
        dialog.choose_button,
        dialog.ok_button,
    ]
    # Tab left the patterns box instead of typing a tab character into it.
    assert "\t" not in dialog.ignore_edit.toPlainText()


def test_labels_have_mnemonics_for_their_fields(open_dialog):
    dialog = open_dialog()
    buddies = {}
    for label in dialog.findChildren(dialog_module.QLabel):
        if label.buddy() is not None:
            buddies[label.text()] = label.buddy()
    assert buddies == {
        "&Curator name:": dialog.curator_edit,
        "&Ignore patterns:": dialog.ignore_edit,
        "&Reading drives:": dialog.disk_combo,
        "Videos:": dialog.autoplay_box,
        "&Theme:": dialog.theme_combo,
        "Pre&view cache:": dialog.cache_row.cap_spin,
        "Catalogue &location:": dialog.catalog_edit,
    }
    assert "&" in dialog.choose_button.text()
    assert "&" in dialog.autoplay_box.text()  # the check box carries its own mnemonic


def test_alt_mnemonic_moves_focus(qtbot, open_dialog):
    dialog = open_dialog()
    dialog.curator_edit.setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.theme_combo
    qtbot.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.ignore_edit


def test_ctrl_enter_accepts_from_the_patterns_box(qtbot, open_dialog):
    dialog = open_dialog()
    qtbot.keyClicks(dialog.ignore_edit, "*.lrv")
    qtbot.keyClick(dialog.ignore_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.accepted_changes() == {"ignore_patterns"}
    assert Settings().ignore_patterns == ["*.lrv"]


def test_help_texts_are_shown(open_dialog):
    dialog = open_dialog()
    texts = {label.text() for label in dialog.findChildren(dialog_module.QLabel)}
    assert dialog_module.IGNORE_HELP in texts
    assert dialog_module.DISK_HELP in texts
    assert "Takes effect the next time Luna starts." in texts


def test_how_drives_are_read_reaches_the_settings(qtbot, open_dialog):
    dialog = open_dialog()
    assert dialog.disk_combo.currentData() == "auto"
    dialog.disk_combo.setFocus()
    qtbot.keyClick(dialog.disk_combo, Qt.Key.Key_Down)  # "As rotating disks…"
    assert dialog.disk_combo.currentData() == "rotating"
    qtbot.keyClick(dialog.curator_edit, Qt.Key.Key_Return)
    assert dialog.accepted_changes() == {"disk_reading"}
    assert Settings().disk_reading == "rotating"


def test_autoplay_is_off_by_default_and_kept(open_dialog):
    assert Settings().autoplay is False
    dialog = open_dialog()
    assert not dialog.autoplay_box.isChecked()
    dialog.autoplay_box.setChecked(True)
    dialog.accept()
    assert dialog.accepted_changes() == {"autoplay"}
    assert Settings().autoplay is True


def test_the_preview_cache_cap_is_kept_with_the_cache(qtbot, open_dialog, tmp_path, monkeypatch):
    from luna_desktop.media.preview_cache import PreviewCache

    monkeypatch.setenv("LUNA_CACHE_DIR", str(tmp_path / "cache"))
    dialog = open_dialog()
    # What the cache holds is counted off the GUI thread, then shown.
    qtbot.waitUntil(lambda: dialog.cache_row.used.text() == "empty")
    dialog.cache_row.cap_spin.setValue(2.5)
    dialog.accept()
    assert dialog.accepted_changes() == {"cache_cap"}
    # Where `luna cache status` and every worker read it, not in the window's settings.
    assert PreviewCache().max_bytes == 2_500_000_000


def test_clear_cache_in_preferences_runs_the_windows_clear(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("LUNA_CACHE_DIR", str(tmp_path / "cache"))
    cleared = []
    dialog = dialog_module.PreferencesDialog(Settings(), clear_cache=lambda: cleared.append(1))
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.cache_row.clear_button, Qt.MouseButton.LeftButton)
    assert cleared == [1]
    dialog.reject()
    assert dialog.accepted_changes() == set()
