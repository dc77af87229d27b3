"""Metadata readers for scan tests, module-level so worker processes import them by name.

Each records the process that read a file in its `extra` (``reader_pid``), so a test can
tell whether a file was read in the scanning process or in a worker. One kills its
worker on some files, as a segfaulting decoder would; one waits at a gate the test
opens, so a test can act while a scan is certainly mid-way, without timing.
"""

import os
import time

from luna_desktop.scan.reader import read_files

CRASH_NAME = "crash-the-reader.jpg"
CRASH_MARK = "crash"  # any file whose name holds this kills the worker reading it

GATE_ENV = "LUNA_TEST_GATE"  # a folder: while it holds CLOSED, gated files wait
GATED_MARK = "gated"  # files whose name holds this wait at the gate
CLOSED = "closed"


def read_files_recording_pid(jobs):
    records = read_files(jobs)
    for record in records:
        record.info.extra["reader_pid"] = os.getpid()
        record.info.extra["reader_niceness"] = os.nice(0)
    return records


def read_files_or_die(jobs):
    if any(CRASH_MARK in job.filename for job in jobs):
        os._exit(70)
    return read_files_recording_pid(jobs)


def read_files_gated(jobs):
    """Waits while the gate is closed before reading a task holding a gated file; on
    arrival leaves ``reached-<pid>`` in the gate folder, so the test knows who waits."""
    gate = os.environ.get(GATE_ENV)
    if gate and any(GATED_MARK in job.filename for job in jobs):
        with open(os.path.join(gate, f"reached-{os.getpid()}"), "w"):
            pass
        while os.path.exists(os.path.join(gate, CLOSED)):
            time.sleep(0.01)
    return read_files_recording_pid(jobs)
