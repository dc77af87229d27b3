"""The form after a project group changed under the file on show (renamed, or merged
into another): it shows the group the catalogue holds now, and keeps what was typed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from luna_desktop.catalog import curation
from luna_desktop.catalog.curation import RowGoneError
from luna_desktop.catalog.models import FileEntry

if TYPE_CHECKING:
    from .main_window import MainWindow


def refresh_current_file(window: MainWindow) -> None:
    """The file on show after its group was renamed or merged away: show its group as
    the catalogue holds it now, without losing what the curator typed.

    A form without edits is simply opened again. With edits, the group shown (and the
    value the edits are measured from) becomes the new one, unless the curator typed a
    group too: then saving finds theirs and the merge's different and asks, as for any
    field two people changed. The form keeps the version it was loaded with, so a save
    still notices any other change made meanwhile.
    """
    entry, form = window.controller.current, window.form
    loaded = form.loaded
    if entry is None or loaded is None:
        return
    try:
        latest = curation.load(entry.id).curation
    except RowGoneError:
        return
    if latest.project_group == loaded.project_group:
        return
    if not form.is_dirty():
        window.controller.open(FileEntry.get_or_none(FileEntry.id == entry.id))
        return
    if "project_group" in form.value().changes_from(loaded):
        return
    group = latest.project_group
    form.restore(replace(form.value(), project_group=group), replace(loaded, project_group=group))
