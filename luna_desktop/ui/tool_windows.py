"""The window's catalogue-wide tools: listings, duplicates, the copies report and the
project groups. Each lives in its own module, imported when first asked for: none of
them is needed to start the window and show a drive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow


def import_listing(window: MainWindow) -> None:
    from .listing_dialogs import import_listing as run

    run(window)


def export_listing(window: MainWindow) -> None:
    from .listing_dialogs import export_listing as run

    run(window)


def duplicates(window: MainWindow) -> None:
    from .duplicates_panel import show_duplicates

    show_duplicates(window)


def copies_report(window: MainWindow) -> None:
    from .copies_report import show_copies_report

    show_copies_report(window)


def project_groups(window: MainWindow) -> None:
    from .project_groups_dialog import show_project_groups

    show_project_groups(window)
