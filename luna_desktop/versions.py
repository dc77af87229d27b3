"""What a bug report needs to know: the versions of Luna and of everything it runs on.

`luna --version`, `luna-desktop --version` and Help → About all show these rows. The
module never imports Qt (the command line must not load it), so the caller says which
Qt: the window passes the Qt it runs on (`qVersion()`), the command line the one its
PySide6 wheels carry (`installed_qt()`). Each row is read on its own and a missing or
broken piece reads "not found" or "unknown" with the reason: a report about a broken
installation is exactly when this must not raise. Nothing here opens the catalogue.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from luna_desktop import __version__

Row = tuple[str, str]

# The wheels that carry Qt: Essentials alone, or the full PySide6 that pulls it in.
QT_DISTRIBUTIONS = ("PySide6-Essentials", "PySide6")


def version_rows(qt: str, program: str = "luna") -> list[Row]:
    """(label, value) rows in report order; `qt` is the Qt line's value, `program` the
    first row's label (the command that was asked: "luna" or "luna-desktop")."""
    readers: list[tuple[str, Callable[[], str]]] = [
        (program, lambda: __version__),
        ("catalogue schema", _schema),
        ("Python", _python),
        ("system", _system),
        ("Qt", lambda: qt),
        ("libvlc", _libvlc),
        ("Pillow", _pillow),
        ("SQLite", _sqlite),
    ]
    return [(label, _read(read)) for label, read in readers]


class PrintVersions(argparse.Action):
    """`--version` for both commands: prints `report()` (the rows, formatted) and exits.

    `report` is given to add_argument: the command line's reads the Qt its wheels carry,
    the window's the Qt it runs on."""

    def __init__(
        self, option_strings: Sequence[str], dest: str, report: Callable[[], str], **kwargs
    ) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)
        self.report = report

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(self.report())
        parser.exit(0)


def format_report(rows: list[Row]) -> str:
    """The rows as plain text, one "label value" line each, as `--version` prints them."""
    return "\n".join(f"{label} {value}" for label, value in rows)


def installed_qt(distributions: tuple[str, ...] = QT_DISTRIBUTIONS) -> str:
    """The Qt the installed PySide6 wheels carry, read from their metadata without
    loading Qt (PySide6's version is Qt's: 6.11.3 carries Qt 6.11.3)."""
    from importlib import metadata  # 60 ms: only when asked, never at a command's start

    for name in distributions:
        try:
            return f"{metadata.version(name)} ({name}; not loaded by the CLI)"
        except metadata.PackageNotFoundError:
            continue
    # A frozen build without the wheels' metadata lands here too: Qt may well be there.
    return f"unknown (no installed metadata for {' or '.join(distributions)})"


def _read(read: Callable[[], str]) -> str:
    try:
        return read() or "unknown"
    except Exception as exc:  # a report must come out whatever is broken
        return f"unknown ({type(exc).__name__}: {exc})"


def _schema() -> str:
    from luna_desktop.catalog.migrations import latest_version

    return str(latest_version())


def _python() -> str:
    import platform

    # A frozen build's Python is inside the bundle, not the system's: say so.
    frozen = ", frozen by PyInstaller" if getattr(sys, "frozen", False) else ""
    implementation = platform.python_implementation()
    return f"{platform.python_version()} ({implementation}{frozen}, {platform.platform()})"


def _system() -> str:
    """The operating system by its own name: the distribution on Linux."""
    import platform

    if sys.platform.startswith("linux"):
        try:
            release = platform.freedesktop_os_release()
        except OSError:
            return "Linux (no os-release file)"
        return release.get("PRETTY_NAME") or release.get("NAME") or "Linux"
    if sys.platform == "darwin":
        return f"macOS {platform.mac_ver()[0] or 'unknown'}"
    if sys.platform == "win32":
        release, build, _csd, _type = platform.win32_ver()
        edition = platform.win32_edition() or ""
        return " ".join(p for p in ("Windows", release, edition, build) if p)
    return platform.system() or "unknown"


def _libvlc() -> str:
    # vlc_runtime loads libvlc once and never raises; it says why when it could not.
    from luna_desktop.media import vlc_runtime

    if not vlc_runtime.VLC_AVAILABLE:
        return f"not found ({vlc_runtime.VLC_UNAVAILABLE_REASON})"
    version = vlc_runtime.vlc.libvlc_get_version().decode(errors="replace")
    binding = getattr(vlc_runtime.vlc, "__version__", "unknown")
    return f"{version} (python-vlc {binding})"


def _pillow() -> str:
    try:
        import PIL
    except ImportError as exc:
        return f"not found ({exc})"
    try:
        import pillow_heif
    except ImportError as exc:
        heif = f"no HEIF/AVIF: pillow-heif not found ({exc})"
    else:
        heif = f"libheif {pillow_heif.libheif_version()} via pillow-heif {pillow_heif.__version__}"
    return f"{PIL.__version__} ({heif})"


def _sqlite() -> str:
    import sqlite3

    # The library Python's sqlite3 module is linked against, not the module's version.
    return sqlite3.sqlite_version
