"""What the transfer service asks of the window: which drives are plugged in (and are
those drives), and the two questions only the curator can answer.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from luna_desktop.catalog.models import Drive
from luna_desktop.scan.drive_identity import holds_drive
from luna_desktop.scan.volumes import holds_something
from luna_desktop.transfer.errors import HostKeyUnknown

from .mount_watch import Mount, MountWatch


class DriveMounts:
    """Drive id → mount path, for each drive the mount watch finds plugged in whose
    folder holds that drive (not another card mounted at the same place).

    Called by the workers from their own threads, before every file: only paths the
    mount watch last saw answer are looked at (a stale network mount would hang the
    look), and the verdict on a folder is kept while it is the same mounted volume
    (its device and inode), so a disk swapped in is looked at again, and a drive pulled
    out is no longer offered at once, not after the next round of the watch.
    """

    def __init__(self, watch: MountWatch) -> None:
        self.watch = watch
        self._lock = threading.Lock()
        self._verdicts: dict[int, tuple[str, tuple[int, int], bool]] = {}

    def __call__(self) -> dict[int, str]:
        found: dict[int, str] = {}
        for drive in Drive.select().where(Drive.mount_path.is_null(False)):
            path = drive.mount_path
            if self.watch.state(path) is not Mount.MOUNTED:
                continue
            try:
                st = os.stat(path)
            except OSError:
                continue
            if not stat.S_ISDIR(st.st_mode):
                continue
            key = (st.st_dev, st.st_ino)
            with self._lock:
                cached = self._verdicts.get(drive.id)
            if cached is None or cached[:2] != (path, key):
                root = Path(path)
                cached = (path, key, holds_something(path) and holds_drive(root, drive))
                with self._lock:
                    self._verdicts[drive.id] = cached
            if cached[2]:
                found[drive.id] = path
        return found

    def forget(self) -> None:
        """Look at every folder afresh (a drive came or went, a scan ended)."""
        with self._lock:
            self._verdicts.clear()


class TransferQuestions:
    """The questions a destination's worker waits on, as modal dialogs."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def remove_local(self, name: str) -> bool:
        """Asked once, before the first local copy could be removed."""
        box = QMessageBox(self.parent)
        box.setObjectName("remove_local_question")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Remove local copies?")
        box.setText(
            f"“{name}” is set to delete each file from its archive drive after it has "
            "been published there and verified."
        )
        box.setInformativeText(
            "A file is deleted only after its copy at the destination has been read back "
            "and matched, and never when it is the only copy Luna knows of: another "
            "drive must hold the same content. The catalogue keeps the file's row and its "
            "curation.\n\nDelete local copies after verified transfers to this destination?"
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("&Delete after verification")
        box.button(QMessageBox.StandardButton.No).setText("&Keep local copies")
        box.setDefaultButton(QMessageBox.StandardButton.No)  # the safe answer on Enter
        box.setEscapeButton(QMessageBox.StandardButton.No)
        _run(self.parent, box)
        return box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes

    def trust_host_key(self, unknown: HostKeyUnknown) -> bool:
        return trust_host_key(self.parent, unknown)


def trust_host_key(parent: QWidget, unknown: HostKeyUnknown) -> bool:
    """An SFTP server Luna has not seen: its key's fingerprint, for the curator to
    compare with what the server's administrator says. True to trust it."""
    box = QMessageBox(parent)
    box.setObjectName("host_key_question")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unknown server")
    port = f":{unknown.port}" if unknown.port != 22 else ""
    box.setText(f"Luna has not connected to {unknown.host}{port} before.")
    box.setInformativeText(
        f"Its {unknown.key_type} key has the fingerprint\n\n{unknown.fingerprint}\n\n"
        "Compare it with the fingerprint the server's administrator gives you, and trust "
        "it only if they match. Luna remembers it, and refuses to connect if it ever "
        "changes."
    )
    trust = box.addButton("&Trust this server", QMessageBox.ButtonRole.AcceptRole)
    trust.setObjectName("trust_host_key")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    _run(parent, box)
    return box.clickedButton() is trust


def _run(parent: QWidget, box: QMessageBox) -> None:
    prompts = getattr(parent, "prompts", None)
    if prompts is not None:
        prompts.run_modal(box)  # gives the focus back to where the curator was
    else:
        box.exec()
