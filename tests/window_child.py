"""A real window in a child process, typing into the form, for crash tests to kill.

    python -m tests.window_child CATALOG FOLDER FILENAME TEXT

Opens the window on CATALOG, selects FOLDER/FILENAME, types TEXT into the title the way
a curator would, waits until the drafts journal holds it, prints "TYPED" and keeps
running until it is killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    catalog, folder, filename, text = sys.argv[1:5]
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from luna_desktop.catalog.drafts import journal_path
    from luna_desktop.catalog.models import FileEntry
    from luna_desktop.ui.app import create_window

    app = QApplication([])
    window = create_window(app, catalog)
    window.show()
    app.processEvents()
    entry = FileEntry.get((FileEntry.folder == folder) & (FileEntry.filename == filename))
    assert window.select_file(entry)
    window.tree.setFocus()
    app.processEvents()
    window.form.focus_title()
    QTest.keyClicks(window.form.title, text)
    journal = journal_path(Path(catalog))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        app.processEvents()
        if journal.exists() and text in journal.read_text(encoding="utf-8"):
            break
        time.sleep(0.02)
    else:
        sys.exit("the journal never held the typed words")
    print("TYPED", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
