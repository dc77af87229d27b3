"""The options every libvlc instance of Luna starts with (parser, poster grabber, player).

Its own module, free of python-vlc, so the player can name them without loading libvlc
at the window's start.
"""

from __future__ import annotations

__all__ = ["QUIET_ARGS"]

# No interface or window of its own, no user vlcrc, no Lua scripts (they made each parse
# ~3x slower and may fetch art from the network), no scanning the folder for subtitle
# files (slow on big folders), no statistics.
QUIET_ARGS = (
    "--intf=dummy",
    "--quiet",
    "--no-xlib",
    "--ignore-config",
    "--no-lua",
    "--no-sub-autodetect-file",
    "--no-stats",
    "--no-metadata-network-access",
)
