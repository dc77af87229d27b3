"""`luna`: the command line. Each subcommand lives in its own module and registers itself.

Never imports Qt: the CLI runs the same core generators as the window, with a text
progress bar. The command line must start at once, so this module and every command's
`register` import only the standard library and light modules; a command imports the
catalogue (peewee), the scanner and the media readers when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from luna_desktop.catalog.errors import CatalogError
from luna_desktop.scan.progress import ScanError
from luna_desktop.versions import PrintVersions

from . import (
    albums,
    backup,
    cache,
    destination,
    drives,
    duplicates,
    events,
    groups,
    listing,
    ls,
    relink,
    scan,
    set_fields,
    show,
    transfer,
    undo,
    watch,
)

COMMANDS = (
    scan,
    watch,
    drives,
    ls,
    show,
    set_fields,
    undo,
    groups,
    albums,
    events,
    listing,
    duplicates,
    relink,
    cache,
    destination,
    transfer,
    backup,
)


class UserError(Exception):
    """A mistake in what was asked for (unknown drive, file not catalogued…)."""


def _version_report() -> str:
    # The Qt line is the Qt that the installed PySide6 wheels carry: the CLI never loads Qt.
    from luna_desktop.versions import format_report, installed_qt, version_rows

    return format_report(version_rows(installed_qt(), program="luna"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="luna",
        description="Catalogue and curate photo, video and document collections on drives.",
    )
    parser.add_argument(
        "--version",
        action=PrintVersions,
        report=_version_report,
        help="print the versions of Luna, its catalogue schema and what it runs on, and exit",
    )
    parser.add_argument(
        "--catalog",
        metavar="PATH",
        help="the catalogue file (default: $LUNA_CATALOG, else one in your data directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (CatalogError, ScanError, UserError) as exc:
        print(f"luna: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `luna ls … | head` closed the pipe: not an error worth a traceback. (Before
        # `except Exception`, which would take it for something else.)
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - flushed at exit, not here
        return 0
    except Exception as exc:
        if not _is_database_error(exc):
            raise
        # Raised mid-command, e.g. another program holds the write lock.
        from luna_desktop.catalog.database import explain_database_error, resolve_catalog_path

        error = explain_database_error(exc, resolve_catalog_path(args.catalog))
        print(f"luna: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("luna: interrupted", file=sys.stderr)
        return 130


def _is_database_error(exc: BaseException) -> bool:
    # Only a command that imported peewee can have raised its errors.
    peewee = sys.modules.get("peewee")
    return peewee is not None and isinstance(exc, peewee.DatabaseError)


if __name__ == "__main__":
    # Run as `python -m luna_desktop.cli.main`, this file is __main__ and the commands
    # import it again as luna_desktop.cli.main: call that module's main, so that the
    # UserError they raise is the one it catches.
    from luna_desktop.cli.main import main as package_main

    sys.exit(package_main())
