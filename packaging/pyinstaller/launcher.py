"""The frozen program's entry script: `luna` or `luna-desktop`, by the name it was run as.

On Linux and macOS the bundle holds one executable, `luna-desktop`, and `luna` is a link
to it: one copy of the program's modules instead of two (the wheel's entry points are
these same two mains). On Windows the spec makes two executables from this script, since
a console program and a windowed one differ there.
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    # Before anything else: in a frozen program the scanner's fork server and the
    # resource tracker start as this executable with a `-c` command, and freeze_support
    # (PyInstaller's version of it) runs that command instead of Luna.
    multiprocessing.freeze_support()
    name = os.path.basename(sys.argv[0]).lower()
    if name in ("luna", "luna.exe"):
        from luna_desktop.cli.main import main  # never imports Qt
    else:
        from luna_desktop.ui.app import main
    sys.exit(main())
