"""Running `luna` in a subprocess with a fault in how a transfer writes its copy.

    python -m tests.transfer_faults slow --catalog C transfer run --wait
    python -m tests.transfer_faults corrupt --catalog C transfer run

runs the real command line in a process of its own, with the local copy changed in
that process only:

- ``slow``: the copy goes in 256 KiB chunks, each a little late (``LUNA_FAULT_DELAY``
  seconds, 0.05 unless set), so that a test can kill or stop the process while a file
  is half sent;
- ``corrupt``: the first chunk written in this process reaches the destination with
  its first byte flipped, as a bad cable or disk would leave it; the read-back must
  catch it, and nothing is ever put in place under the file's final name.

The kernel copy (``os.copy_file_range``) and its fallback (``os.pwrite``) are both
wrapped, so the fault holds whichever one the file system allows.
"""

from __future__ import annotations

import os
import sys
import threading
import time

SLOW_CHUNK = 256 << 10
DELAY_ENV = "LUNA_FAULT_DELAY"


def _slow() -> None:
    from luna_desktop.transfer import copying

    delay = float(os.environ.get(DELAY_ENV, "0.05"))
    copying.CHUNK = SLOW_CHUNK  # read at each call: smaller chunks, each one late
    real_copy, real_pwrite = os.copy_file_range, os.pwrite

    def copy_file_range(*args, **kwargs):
        time.sleep(delay)
        return real_copy(*args, **kwargs)

    def pwrite(*args, **kwargs):
        time.sleep(delay)
        return real_pwrite(*args, **kwargs)

    os.copy_file_range, os.pwrite = copy_file_range, pwrite


def _corrupt() -> None:
    real_copy, real_pwrite = os.copy_file_range, os.pwrite
    lock = threading.Lock()
    spoilt = False

    def first_time() -> bool:
        nonlocal spoilt
        with lock:
            first, spoilt = not spoilt, True
        return first

    def copy_file_range(src, dst, count, offset_src=None, offset_dst=None, *rest):
        n = real_copy(src, dst, count, offset_src, offset_dst, *rest)
        if n > 0 and offset_src is not None and offset_dst is not None and first_time():
            byte = os.pread(src, 1, offset_src)
            real_pwrite(dst, bytes([byte[0] ^ 0xFF]), offset_dst)
        return n

    def pwrite(fd, data, offset):
        if len(data) and first_time():
            data = bytes([data[0] ^ 0xFF]) + bytes(data[1:])
        return real_pwrite(fd, data, offset)

    os.copy_file_range, os.pwrite = copy_file_range, pwrite


FAULTS = {"slow": _slow, "corrupt": _corrupt}


def _main(argv: list[str]) -> int:
    if not argv or argv[0] not in FAULTS:
        print(f"usage: python -m tests.transfer_faults {{{','.join(FAULTS)}}} LUNA-ARGS…")
        return 2
    FAULTS[argv[0]]()
    from luna_desktop.cli.main import main

    return main(argv[1:])


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
