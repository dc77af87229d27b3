"""`luna --version` and `luna-desktop --version`: the report a bug needs, from real
processes, and what it says when a piece is missing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from importlib import metadata

import PIL
import pillow_heif
import pytest

from luna_desktop import __version__
from luna_desktop.catalog.migrations import latest_version
from luna_desktop.versions import format_report, installed_qt, version_rows

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ["catalogue schema", "Python", "system", "Qt", "libvlc", "Pillow", "SQLite"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _lines(stdout: str) -> dict[str, str]:
    """The report's lines by label (the labels are known; values may hold spaces)."""
    found = {}
    for line in stdout.splitlines():
        for label in ("luna", "luna-desktop", *LABELS):
            if line.startswith(f"{label} "):
                found[label] = line[len(label) + 1 :]
    return found


def test_luna_version_reports_luna_its_schema_and_what_it_runs_on():
    done = _run("-m", "luna_desktop.cli.main", "--version")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = _lines(done.stdout)
    assert done.stdout.splitlines()[0] == f"luna {__version__}"
    assert list(lines) == ["luna", *LABELS]  # every row, in report order
    assert lines["catalogue schema"] == str(latest_version())
    assert lines["SQLite"] == sqlite3.sqlite_version  # the library linked, not the module
    assert lines["Pillow"] == (
        f"{PIL.__version__} (libheif {pillow_heif.libheif_version()} "
        f"via pillow-heif {pillow_heif.__version__})"
    )
    # libvlc is required for the tests (DESIGN: they fail rather than skip without it).
    assert lines["libvlc"].startswith("3."), lines["libvlc"]
    qt = metadata.version("PySide6-Essentials")
    assert lines["Qt"] == f"{qt} (PySide6-Essentials; not loaded by the CLI)"
    assert lines["Python"].startswith(f"{sys.version.split()[0]} (")


def test_luna_version_never_imports_qt():
    # In a child: pytest-qt has loaded PySide6 into this process already.
    code = (
        "import sys\n"
        "from luna_desktop.cli.main import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "else:\n"
        "    code = 'no exit'\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print('EXIT', code, 'QT', qt)\n"
    )
    done = _run("-c", code)
    assert done.returncode == 0, done.stderr
    assert "catalogue schema" in done.stdout
    assert done.stdout.splitlines()[-1] == "EXIT 0 QT []"


def test_luna_desktop_version_reports_the_qt_it_runs_on_without_a_screen():
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    # No display and no platform plugin named: a QApplication could not start here.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env["WAYLAND_DISPLAY"] = ""
    done = _run("-m", "luna_desktop.ui.app", "--version", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"luna-desktop {__version__}"
    lines = _lines(done.stdout)
    assert list(lines) == ["luna-desktop", *LABELS]
    assert lines["Qt"] == f"{qVersion()} (PySide6 {pyside_version})"
    assert lines["SQLite"] == sqlite3.sqlite_version


def test_a_missing_libvlc_is_reported_with_its_reason_not_a_traceback():
    env = dict(os.environ, PYTHON_VLC_LIB_PATH="/nonexistent/libvlc.so.5")
    done = _run("-m", "luna_desktop.cli.main", "--version", env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    libvlc = _lines(done.stdout)["libvlc"]
    assert libvlc.startswith("not found (") and "PYTHON_VLC_LIB_PATH" in libvlc
    assert "apt install libvlc5" in libvlc  # how to fix it, too
    assert _lines(done.stdout)["SQLite"] == sqlite3.sqlite_version  # the rest still comes


@pytest.mark.parametrize(
    ("blocked", "label", "says"),
    [
        ("pillow_heif", "Pillow", f"{PIL.__version__} (no HEIF/AVIF: pillow-heif not found ("),
        ("PIL", "Pillow", "not found ("),
        ("luna_desktop.catalog.migrations", "catalogue schema", "unknown (ModuleNotFoundError: "),
    ],
)
def test_a_missing_piece_reads_not_found_or_unknown(blocked, label, says):
    # A None in sys.modules makes the import fail as an uninstalled package does.
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "from luna_desktop.versions import format_report, installed_qt, version_rows\n"
        "print(format_report(version_rows(installed_qt())))\n"
    )
    done = _run("-c", code)
    assert done.returncode == 0, done.stderr
    lines = _lines(done.stdout)
    assert list(lines) == ["luna", *LABELS]
    assert lines[label].startswith(says), lines[label]


def test_qt_without_wheel_metadata_is_unknown_not_an_error():
    assert installed_qt(("No-Such-Qt-Wheel",)) == (
        "unknown (no installed metadata for No-Such-Qt-Wheel)"
    )
    assert installed_qt(("No-Such-Qt-Wheel", "PySide6-Essentials")).startswith(
        metadata.version("PySide6-Essentials")
    )


def test_the_report_is_one_line_per_row_in_order():
    rows = version_rows("6.9.9 (test)", program="luna-desktop")
    assert [label for label, _ in rows] == ["luna-desktop", *LABELS]
    assert dict(rows)["Qt"] == "6.9.9 (test)"
    text = format_report(rows)
    assert text.splitlines() == [f"{label} {value}" for label, value in rows]
    assert "\n" not in "".join(value for _, value in rows)  # one line each
