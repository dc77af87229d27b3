"""Preview decoders that misbehave on one file, as a native decoder can: one kills its
worker process (a segfault in libheif, say), one never returns. Module-level so the
preview's worker process can import them by name."""

import os
import time

from luna_desktop.ui.preview_worker import Decoded, decode_file

CRASH_NAME = "crash-the-decoder.jpg"
STUCK_NAME = "stuck-decoder.jpg"


def decode_or_die(request):
    name = os.path.basename(os.fsdecode(request.path))
    if name == CRASH_NAME:
        os._exit(70)
    if name == STUCK_NAME:
        time.sleep(3600)  # an endless loop in C, as far as Luna can tell
    return decode_file(request)


def late_poster_failure(request):
    """Posters fail, and late: by then an autoplaying video has shown its frames."""
    if request.poster:
        time.sleep(2)
        return Decoded(error="no poster today")
    return decode_file(request)


def _pane_with_a_stuck_decoder(path: str) -> None:
    """A process with a preview pane whose decoder is stuck on `path`: prints the
    worker's process id, then waits to be killed."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from luna_desktop.ui.preview_pane import PreviewPane

    app = QApplication([])
    pane = PreviewPane(decode=decode_or_die)
    pane.show()
    pane.show_file(1, os.fsencode(path), {"kind": "image", "mime": "image/jpeg", "size": 1})
    while pane._decoder.process.pid is None:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    print(pane._decoder.process.pid, flush=True)
    app.exec()


if __name__ == "__main__":
    import sys

    _pane_with_a_stuck_decoder(sys.argv[1])
