"""A metadata reader that kills its worker process on one file, as a segfaulting
decoder would. Module-level so a worker process can import it by name."""

import os

from luna_desktop.scan.reader import read_files

CRASH_NAME = "crash-the-reader.jpg"


def read_files_or_die(jobs):
    if any(job.filename == CRASH_NAME for job in jobs):
        os._exit(70)
    return read_files(jobs)
