"""`luna transfer run` killed, stopped or fed a bad copy mid-file, in a process of its
own (tests.transfer_faults slows or spoils its copy): nothing that looks complete is
left at the destination, and the next run resumes from the bytes already there."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from luna_desktop.catalog.models import TransferJob
from luna_desktop.transfer import worker
from luna_desktop.transfer.events import FileTransferred, JobProgress
from tests.scanning import REPO, wait_for
from tests.test_cli_transfer import MANIFEST, add_destination, ok, processes, status, tree, write

BIG = 40 << 20  # large enough to be caught half sent at the slowed speed


def faulty(cat: Path, fault: str, *args: str) -> list[str]:
    """`luna --catalog CAT ARGS…` with tests.transfer_faults' FAULT in its copy."""
    return [sys.executable, "-m", "tests.transfer_faults", fault, "--catalog", str(cat), *args]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def big(tmp_path, catalog):
    """One large file on drive K7, marked upload, and a destination for it. The test's
    own catalogue connection (`catalog`) reads the same file as the processes."""
    cat = tmp_path / "catalog.sqlite3"
    root = tmp_path / "K7"
    data = write(root, "Film/big.mov", os.urandom(BIG))
    ok(cat, "scan", str(root))
    ok(cat, "set", "K7:Film/big.mov", "--status", "upload")
    pub = add_destination(cat, tmp_path / "pub")
    return cat, pub, data


@pytest.fixture
def background():
    with processes() as start:
        yield start


def partial_of(pub: Path) -> Path | None:
    folder = pub / "K7/Film"
    found = list(folder.glob(".big.mov.luna-part-*")) if folder.is_dir() else []
    return found[0] if found else None


def half_sent(pub: Path) -> bool:
    """The temporary file is partly written (or, broken, the final name appeared)."""
    if (pub / "K7/Film/big.mov").exists():
        return True
    part = partial_of(pub)
    return part is not None and part.exists() and part.stat().st_size >= 2 << 20


def nothing_complete(pub: Path) -> None:
    """No file under the final name, and the manifest does not list it."""
    assert not (pub / "K7/Film/big.mov").exists()
    listed = (pub / MANIFEST).read_text() if (pub / MANIFEST).exists() else ""
    assert "big.mov" not in listed


def the_job() -> TransferJob:
    (job,) = TransferJob.select()
    return job


def test_kill_9_mid_file_leaves_nothing_complete_and_the_next_run_resumes(big, background):
    cat, pub, data = big
    run = background(faulty(cat, "slow", "transfer", "run", "--wait"))
    wait_for(lambda: half_sent(pub), "the temporary file to be partly written", timeout=60)
    info = status(cat, "Pub")
    assert info["counts"]["running"] == 1 and info["running"][0]["file"] == "K7:Film/big.mov"
    os.kill(run.proc.pid, signal.SIGKILL)
    assert run.finish() == -signal.SIGKILL
    part = partial_of(pub)
    kept = part.stat().st_size
    assert 0 < kept < BIG
    assert part.name == f".big.mov.luna-part-{the_job().id}"
    nothing_complete(pub)
    assert the_job().state == "running"  # as the killed process left it

    # The next run (in this process, to hear its progress) takes the job back from the
    # dead worker and sends only the rest: its first report starts at the kept bytes.
    events: list = []
    deadline = time.monotonic() + 60  # only stops a run that would wait for ever
    summary = worker.work(
        "Pub", on_event=events.append, wait=True, cancel=lambda: time.monotonic() > deadline
    )
    assert (summary.done, summary.failed) == (1, 0)
    sending = [e for e in events if isinstance(e, JobProgress) and e.phase == "sending"]
    assert sending[0].done == kept, (sending[0], kept)
    assert sending[-1].done == sending[-1].total == BIG
    (done,) = [e for e in events if isinstance(e, FileTransferred)]
    assert done.sha256 == sha(data) and done.remote_path == "K7/Film/big.mov"
    assert tree(pub) == {
        "K7/Film/big.mov": data,
        MANIFEST: f"{sha(data)}  K7/Film/big.mov\n".encode(),
    }  # byte for byte, listed once, the temporary file gone
    job = the_job()
    assert (job.state, job.sha256, job.attempts) == ("done", sha(data), 0)
    assert "1 checked, 1 intact, 0 problem(s)" in ok(cat, "transfer", "verify", "Pub")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_cleanly_and_the_job_is_queued_again(big, background, sig):
    cat, pub, data = big
    run = background(faulty(cat, "slow", "transfer", "run", "--wait"))
    wait_for(lambda: half_sent(pub), "the temporary file to be partly written", timeout=60)
    run.proc.send_signal(sig)
    assert run.finish(30) == 130, (run.out, run.err)
    assert "Pub: 0 sent and verified in this run; queue: 1 queued" in run.out[-1], run.out
    nothing_complete(pub)
    job = the_job()
    # Not its fault: queued again, not failed, no attempt counted, no error.
    assert (job.state, job.attempts, job.last_error) == ("queued", 0, None)
    assert partial_of(pub) is not None  # kept, to be resumed
    info = status(cat, "Pub")
    assert info["counts"]["queued"] == 1 and info["worker"] is None
    ok(cat, "transfer", "run", "--wait")
    assert tree(pub) == {
        "K7/Film/big.mov": data,
        MANIFEST: f"{sha(data)}  K7/Film/big.mov\n".encode(),
    }


def test_a_copy_that_does_not_read_back_as_the_source_is_never_put_in_place(tmp_path, catalog):
    cat = tmp_path / "catalog.sqlite3"
    root = tmp_path / "K7"
    data = write(root, "Film/clip.mov", os.urandom(3 << 20))
    ok(cat, "scan", str(root))
    ok(cat, "set", "K7:Film/clip.mov", "--status", "upload")
    pub = add_destination(cat, tmp_path / "pub", "Pub", "--retries", "0")
    result = subprocess.run(
        faulty(cat, "corrupt", "transfer", "run", "--wait"),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "did not read back as the source" in result.stdout
    assert tree(pub) == {}  # no final name, no temporary file, nothing listed
    (failed,) = status(cat, "Pub")["failed"]
    assert failed["file"] == "K7:Film/clip.mov"
    assert "did not read back as the source" in failed["error"]
    ok(cat, "transfer", "retry", "Pub")
    ok(cat, "transfer", "run", "--wait")  # no fault this time
    assert tree(pub) == {
        "K7/Film/clip.mov": data,
        MANIFEST: f"{sha(data)}  K7/Film/clip.mov\n".encode(),
    }
