"""Settings persist across restarts, read sane defaults, and live under XDG_CONFIG_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

from luna_desktop.ui import settings as settings_module
from luna_desktop.ui.settings import Settings


def _expected_file() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "Luna" / "Luna Desktop.ini"


def test_defaults(monkeypatch):
    monkeypatch.setattr(settings_module.getpass, "getuser", lambda: "archivist")
    s = Settings()
    assert s.curator_name == "archivist"
    assert s.ignore_patterns == []
    assert s.theme == "system"
    assert s.catalog_path is None
    assert s.window_geometry is None
    assert s.window_state is None
    assert s.splitter_state("main") is None
    assert s.last_drive is None
    assert s.last_file_uuid is None
    assert s.tree_expanded == []
    assert not _expected_file().exists()  # reading never creates the file


def test_curator_falls_back_when_there_is_no_login(monkeypatch):
    def no_login():
        raise OSError("no login name")

    monkeypatch.setattr(settings_module.getpass, "getuser", no_login)
    assert Settings().curator_name == "curator"


def test_file_lands_under_xdg_config_home(tmp_path, monkeypatch):
    s = Settings()
    s.theme = "dark"
    assert Path(s.file_name) == _expected_file()
    assert _expected_file().is_file()
    assert "theme=dark" in _expected_file().read_text()

    # Qt caches its own config directory per process; ours follows the environment.
    other = tmp_path / "other-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(other))
    moved = Settings()
    assert Path(moved.file_name) == other / "Luna" / "Luna Desktop.ini"
    assert moved.theme == "system"


def _fill(s: Settings) -> None:
    s.curator_name = "  Zoë O'Brien, archivist  "
    s.ignore_patterns = ["*.xmp", " Clients/*/Proxies ", "", "a,b"]
    s.theme = "light"
    s.catalog_path = "/Volumes/Archive/luna.sqlite3"
    s.window_geometry = QByteArray(b"\x01\xd9\xd0\xcb\x00\x03")
    s.window_state = QByteArray(b"\x00\xff state")
    s.set_splitter_state("main", QByteArray(b"\x00main"))
    s.set_splitter_state("preview", QByteArray(b"\x00preview"))
    s.last_drive = "PHS_copyALL"
    s.last_file_uuid = "3f2b8c4e-3c1e-4a5e-9d7e-0b6a2f1c9e11"
    s.tree_expanded = ["PHS_copyALL", "PHS_copyALL/Videos"]


def _check(s: Settings) -> None:
    assert s.curator_name == "Zoë O'Brien, archivist"
    assert s.ignore_patterns == ["*.xmp", "Clients/*/Proxies", "a,b"]
    assert s.theme == "light"
    assert s.catalog_path == "/Volumes/Archive/luna.sqlite3"
    assert s.window_geometry == QByteArray(b"\x01\xd9\xd0\xcb\x00\x03")
    assert s.window_state == QByteArray(b"\x00\xff state")
    assert s.splitter_state("main") == QByteArray(b"\x00main")
    assert s.splitter_state("preview") == QByteArray(b"\x00preview")
    assert s.splitter_state("other") is None
    assert s.last_drive == "PHS_copyALL"
    assert s.last_file_uuid == "3f2b8c4e-3c1e-4a5e-9d7e-0b6a2f1c9e11"
    assert s.tree_expanded == ["PHS_copyALL", "PHS_copyALL/Videos"]


def test_round_trip_through_a_fresh_instance():
    _fill(Settings())
    _check(Settings())


_READ_BACK = """
import json
from luna_desktop.ui.settings import Settings
s = Settings()
print(json.dumps({
    "file": s.file_name,
    "curator": s.curator_name,
    "patterns": s.ignore_patterns,
    "one": s.tree_expanded,
    "theme": s.theme,
    "catalog": s.catalog_path,
    "geometry": bytes(s.window_geometry).hex(),
    "splitter": bytes(s.splitter_state("main")).hex(),
    "drive": s.last_drive,
}))
"""


def test_values_survive_a_restart():
    """A new process reads the file from disk: no shared in-process Qt cache helps it."""
    s = Settings()
    _fill(s)
    s.tree_expanded = ["only one"]  # INI stores a one-item list as a bare string
    out = subprocess.run(
        [sys.executable, "-c", _READ_BACK],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
        timeout=60,
    )
    got = json.loads(out.stdout)
    assert got == {
        "file": str(_expected_file()),
        "curator": "Zoë O'Brien, archivist",
        "patterns": ["*.xmp", "Clients/*/Proxies", "a,b"],
        "one": ["only one"],
        "theme": "light",
        "catalog": "/Volumes/Archive/luna.sqlite3",
        "geometry": "01d9d0cb0003",
        "splitter": "006d61696e",
        "drive": "PHS_copyALL",
    }


def test_setters_write_through_without_sync():
    s = Settings()
    s.curator_name = "Ada"
    assert "name=Ada" in _expected_file().read_text()
    s.ignore_patterns = ["*.xmp", "*.thm"]
    assert "*.xmp, *.thm" in _expected_file().read_text()


@pytest.mark.parametrize(
    ("stored", "expected"), [("purple", "system"), ("", "system"), ("Dark", "dark")]
)
def test_invalid_stored_theme_falls_back_to_system(stored, expected):
    raw = QSettings(str(_expected_file()), QSettings.Format.IniFormat)
    raw.setValue("appearance/theme", stored)
    raw.sync()
    assert Settings().theme == expected


def test_setting_an_unknown_theme_is_refused():
    s = Settings()
    with pytest.raises(ValueError, match="unknown theme"):
        s.theme = "solarized"
    assert s.theme == "system"


def test_clearing_values_restores_defaults(monkeypatch):
    monkeypatch.setattr(settings_module.getpass, "getuser", lambda: "archivist")
    s = Settings()
    _fill(s)
    s.curator_name = "   "
    s.catalog_path = ""
    s.ignore_patterns = []
    s.window_geometry = None
    s.set_splitter_state("main", None)
    s.last_drive = None
    s.tree_expanded = []
    fresh = Settings()
    assert fresh.curator_name == "archivist"
    assert fresh.catalog_path is None
    assert fresh.ignore_patterns == []
    assert fresh.window_geometry is None
    assert fresh.splitter_state("main") is None
    assert fresh.splitter_state("preview") == QByteArray(b"\x00preview")
    assert fresh.last_drive is None
    assert fresh.tree_expanded == []


def test_malformed_values_read_as_defaults():
    raw = QSettings(str(_expected_file()), QSettings.Format.IniFormat)
    raw.setValue("window/geometry", "not bytes")
    raw.setValue("scan/ignore_patterns", 42)
    raw.sync()
    s = Settings()
    assert s.window_geometry is None
    assert s.ignore_patterns == []


def test_an_injected_qsettings_is_used(tmp_path):
    path = tmp_path / "elsewhere.ini"
    s = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    s.last_drive = "DRIVE_A"
    assert Path(s.file_name) == path
    assert "last_drive=DRIVE_A" in path.read_text()
    assert not _expected_file().exists()


def test_splitter_names_must_be_plain():
    s = Settings()
    for bad in ("", "a/b", "a\\b"):
        with pytest.raises(ValueError):
            s.splitter_state(bad)
