"""Publishing to a real OpenSSH server through the whole worker: files verified and
listed in the manifest, a server killed mid-transfer and started again (the job ends
verified after retries, resuming what was written), and an unknown host key that stops
the worker until the curator trusts it."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from luna_desktop.catalog.models import FileEntry, TransferJob
from luna_desktop.catalog.status import Status
from luna_desktop.transfer import copying, destinations, host_keys, manifest, queue
from luna_desktop.transfer.events import DestinationNote, JobFailed, JobProgress, JobStarted
from luna_desktop.transfer.verify import verify
from luna_desktop.transfer.worker import work
from tests import sshd_server
from tests.scanning import run_scan

sshd = sshd_server.sshd


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv(host_keys.KNOWN_HOSTS_ENV, raising=False)


def _drive(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "K7"
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    run_scan(root, "K7")
    FileEntry.update(status=int(Status.UPLOAD)).execute()
    return root


def _destination(sshd, folder: Path, **kw):
    url = f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{folder}"
    return destinations.add("Remote", url, key_file=str(sshd.client_key_path), **kw)


def _trust(dest) -> None:
    where = destinations.parse_url(dest.url)
    host_keys.trust(host_keys.fetch_host_key(where.host, where.port))


def test_files_reach_an_sftp_server_verified_and_listed(tmp_path, catalog, sshd):
    files = {"roll/a.jpg": os.urandom(400_000), "b.txt": b"hello\n"}
    _drive(tmp_path, files)
    folder = tmp_path / "server-side"
    folder.mkdir()
    dest = _destination(sshd, folder)
    notes: list = []
    # The host key is not known yet: nothing is sent, and the curator is told why.
    summary = work(dest, on_event=notes.append)
    assert summary.done == 0 and "not known yet" in summary.stopped_because
    (note,) = [n for n in notes if isinstance(n, DestinationNote)]
    assert note.kind == "host key" and sshd.host_key_fingerprint in note.message
    assert {j.attempts for j in TransferJob.select()} == {0}
    _trust(dest)
    assert work(dest).done == 2
    for rel, data in files.items():
        assert (folder / "K7" / rel).read_bytes() == data
    listed = manifest.parse((folder / manifest.MANIFEST).read_text())
    assert listed == {f"K7/{rel}": hashlib.sha256(d).hexdigest() for rel, d in files.items()}
    assert verify(dest).problems == []
    (folder / "K7/b.txt").write_bytes(b"hellO\n")
    assert [(p.path, p.what) for p in verify(dest).problems] == [("K7/b.txt", "altered")]


def test_a_server_killed_mid_transfer_ends_in_a_verified_copy_after_retries(
    tmp_path, catalog, sshd, monkeypatch
):
    big = os.urandom(24 << 20)
    _drive(tmp_path, {"video/big.mov": big})
    folder = tmp_path / "server-side"
    folder.mkdir()
    dest = _destination(sshd, folder, retry_delay=0.5)
    _trust(dest)
    # Small chunks, so that the kill lands mid-file and the progress shows the resume.
    monkeypatch.setattr(copying, "CHUNK", 256 << 10)
    partial = folder / "K7/video/.big.mov.luna-part-1"
    events: list = []
    done = threading.Event()
    result: dict = {}

    def run():
        result["summary"] = work(dest, on_event=events.append, wait=True, poll=0.2)
        done.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size > (4 << 20)):
        assert time.monotonic() < deadline, "the transfer never got under way"
        time.sleep(0.01)
    sshd.stop()  # killed mid-transfer
    deadline = time.monotonic() + 60
    while not any(isinstance(e, JobFailed) for e in events):
        assert time.monotonic() < deadline, "the dead server was never noticed"
        time.sleep(0.05)
    assert not (folder / "K7/video/big.mov").exists()  # nothing looks complete
    kept = partial.stat().st_size
    assert 0 < kept < len(big)
    sshd.start()  # the same port and host key
    assert done.wait(120), "the job did not complete after the server came back"
    assert result["summary"].done == 1
    assert (folder / "K7/video/big.mov").read_bytes() == big
    assert not partial.exists()
    job = TransferJob.get()
    assert job.state == queue.DONE and job.attempts >= 1
    assert job.sha256 == hashlib.sha256(big).hexdigest()
    failed = [e for e in events if isinstance(e, JobFailed)]
    assert failed and all(e.state == queue.QUEUED for e in failed)
    # Each attempt's first progress says where it started: a later one resumed from
    # what reached the server before the kill.
    starts, expecting = [], False
    for e in events:
        if isinstance(e, JobStarted):
            expecting = True
        elif expecting and isinstance(e, JobProgress) and e.phase == "sending":
            starts.append(e.done)
            expecting = False
    assert starts[0] == 0 and any(0 < s <= kept for s in starts[1:]), starts
    assert manifest.parse((folder / manifest.MANIFEST).read_text()) == {
        "K7/video/big.mov": hashlib.sha256(big).hexdigest()
    }
