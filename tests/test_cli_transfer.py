"""`luna destination` and `luna transfer`, driven as a curator would: the real command
line in processes of its own, against a catalogue and a drive folder made for each test
(files written on the fly, scanned with `luna scan`, marked with `luna set`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.scanning import REPO, luna_cmd

# The `luna` command as installed in the project's environment (what `uv run luna` runs).
LUNA = str(Path(sys.executable).with_name("luna"))
MANIFEST = "manifest-sha256.txt"
ODD = "Odd/caf\udce9.bin"  # a name that is not UTF-8 on the drive (b"caf\xe9.bin")


def luna(cat: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LUNA, "--catalog", str(cat), *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,  # never a terminal: nothing is asked
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(cat: Path, *args: str, timeout: float = 120) -> str:
    result = luna(cat, *args, timeout=timeout)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def one_line(result: subprocess.CompletedProcess) -> str:
    """What a mistake gives: exit status 1 and one line on stderr (no traceback)."""
    assert result.returncode == 1, (result.args, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("luna: "), result.stderr
    return lines[0]


def status(cat: Path, name: str) -> dict:
    return json.loads(ok(cat, "transfer", "status", name, "--json"))


def destinations(cat: Path) -> list[dict]:
    return [json.loads(line) for line in ok(cat, "destination", "list", "--json").splitlines()]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, hidden ones too, by its path inside it."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_published(folder: Path, expected: dict[str, bytes]) -> None:
    """The destination holds exactly these files (no temporary file, nothing else), and
    its manifest one `<sha256>  <path>` line for each (BagIt encodes % as %25)."""
    files = tree(folder)
    listed = files.pop(MANIFEST, b"").decode()
    assert files == expected
    assert sorted(listed.splitlines()) == sorted(
        f"{sha(data)}  {rel.replace('%', '%25')}" for rel, data in expected.items()
    )


def write(root: Path, rel: str, data: bytes) -> bytes:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def flip_a_byte(path: Path, offset: int = 1000) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))


@dataclass
class Drive:
    cat: Path
    root: Path  # the drive's folder
    files: dict[str, bytes]  # what is on it, by path

    def expected(self, prefix: str = "K7/") -> dict[str, bytes]:
        """What a destination with the default layout holds once all is sent."""
        return {
            f"{prefix}Trip/a.bin": self.files["Trip/a.bin"],
            f"{prefix}Trip/b.bin": self.files["Trip/b.bin"],
            f"{prefix}notes.txt": self.files["notes.txt"],
            f"{prefix}Odd/caf%E9.bin": self.files[ODD],  # its bad byte as %XX
        }

    def untouched(self) -> None:
        """Every file is still on the drive, as it was."""
        assert {rel: (self.root / rel).read_bytes() for rel in self.files} == self.files


@pytest.fixture
def k7(tmp_path) -> Drive:
    """Drive K7: four files to publish (one at the drive's root, one with a name that is
    not UTF-8), a copy of one of them marked upload too, and one file of each status
    that is never published."""
    root = tmp_path / "K7"
    files = {
        "Trip/a.bin": write(root, "Trip/a.bin", os.urandom(300_000)),
        "Trip/b.bin": write(root, "Trip/b.bin", os.urandom(70_000)),
        "notes.txt": write(root, "notes.txt", b"the trip to the coast\n"),
        ODD: write(root, ODD, os.urandom(5_000)),
        "Trip/secret.bin": write(root, "Trip/secret.bin", os.urandom(9_000)),
        "Trip/bad.bin": write(root, "Trip/bad.bin", os.urandom(9_100)),
        "Trip/offline.bin": write(root, "Trip/offline.bin", os.urandom(9_200)),
        "Trip/new.bin": write(root, "Trip/new.bin", os.urandom(9_300)),
    }
    # Same size and content: one duplicate group whose primary (by the default rule,
    # the path that sorts first) is Trip/a.bin.
    files["backup/a.bin"] = write(root, "backup/a.bin", files["Trip/a.bin"])
    cat = tmp_path / "catalog.sqlite3"
    ok(cat, "scan", str(root))
    ok(cat, "set", "K7:Trip/a.bin", "K7:Trip/b.bin", "K7:notes.txt", "K7:Odd", "K7:backup/a.bin",
       "--status", "upload")  # fmt: skip
    ok(cat, "set", "K7:Trip/secret.bin", "--status", "restricted")
    ok(cat, "set", "K7:Trip/bad.bin", "--status", "discard")
    ok(cat, "set", "K7:Trip/offline.bin", "--status", "keep_offline")
    return Drive(cat, root, files)


def add_destination(cat: Path, folder: Path, name: str = "Pub", *options: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ok(cat, "destination", "add", name, str(folder), *options)
    return folder


class Running:
    """A `luna` command in the background, its output read as it comes."""

    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=_read, args=(stream, lines), daemon=True)
            for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))
        ]
        for reader in self._readers:
            reader.start()

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.out):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise AssertionError(f"no {text!r} in {self.out} (stderr: {self.err})")
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> int:
        try:
            code = self.proc.wait(timeout)
        finally:
            self.stop()
        for reader in self._readers:
            reader.join(5)
        return code

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _read(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))


@contextlib.contextmanager
def processes() -> Iterator[Callable[[list[str]], Running]]:
    """Starts `Running` commands; none outlives the block."""
    started: list[Running] = []

    def start(cmd: list[str]) -> Running:
        started.append(Running(cmd))
        return started[-1]

    try:
        yield start
    finally:
        for running in started:
            running.stop()


@pytest.fixture
def background():
    with processes() as start:
        yield start


# -- destinations ------------------------------------------------------------------------


def test_destination_add_list_set_and_remove(tmp_path):
    cat = tmp_path / "catalog.sqlite3"
    pub = tmp_path / "pub"
    pub.mkdir()
    out = ok(cat, "destination", "add", "Pub", str(pub))
    assert out == f"added Pub: {pub} (layout {{drive}}/{{path}}/{{filename}})\n"
    later = tmp_path / "later"
    later.mkdir()
    ok(cat, "destination", "add", "Later", f"file://{later}", "--delayed",
       "--layout", "{year}/{filename}", "--retries", "3", "--retry-delay", "5")  # fmt: skip
    default = {
        "name": "Pub", "url": str(pub), "layout": "{drive}/{path}/{filename}",
        "delayed": False, "paused": False, "remove_local": False,
        "remove_local_confirmed": False, "key_file": None, "retries": 5, "retry_delay": 60.0,
    }  # fmt: skip
    assert destinations(cat) == [
        {**default, "name": "Later", "url": str(later), "layout": "{year}/{filename}",
         "delayed": True, "retries": 3, "retry_delay": 5.0},
        default,
    ]  # fmt: skip
    ok(cat, "destination", "set", "Later", "--immediate", "--remove-local",
       "--layout", "{drive}/{filename}", "--retries", "2")  # fmt: skip
    assert destinations(cat)[0] == {
        **default, "name": "Later", "url": str(later), "layout": "{drive}/{filename}",
        "delayed": False, "remove_local": True, "retries": 2, "retry_delay": 5.0,
    }  # fmt: skip
    text = ok(cat, "destination", "list")
    assert f"Later\t{later}\t{{drive}}/{{filename}}\tremoves local copies" in text
    assert "removed Later" in ok(cat, "destination", "remove", "Later")
    assert destinations(cat) == [default]
    # A folder that is not there (a share not mounted yet) is added, with a warning.
    result = luna(cat, "destination", "add", "Share", str(tmp_path / "not-mounted"))
    assert result.returncode == 0
    assert "warning" in result.stderr and "not-mounted is not there" in result.stderr
    assert [d["name"] for d in destinations(cat)] == ["Pub", "Share"]
    ok(cat, "destination", "remove", "Pub")
    ok(cat, "destination", "remove", "Share")
    assert "no destinations yet" in ok(cat, "destination", "list")
    assert destinations(cat) == []


def test_a_bad_url_layout_or_name_and_an_unknown_destination_give_one_clear_line(tmp_path):
    cat = tmp_path / "catalog.sqlite3"
    pub = add_destination(cat, tmp_path / "pub")
    folder = str(tmp_path / "other")
    mistakes = [
        (("destination", "add", "X", "ftp://host/photos"), "to a folder or to sftp://"),
        (("destination", "add", "X", "sftp:///photos"), "needs a host"),
        (("destination", "add", "X", "sftp://me:secret@host/photos"), "do not put a password"),
        (("destination", "add", "X", "sftp://host:99999/photos"), "port"),
        (("destination", "add", "X", folder, "--layout", "{nope}/{filename}"), "uses nope"),
        (("destination", "add", "X", folder, "--layout", "{drive}/{path}"), "{filename}"),
        (("destination", "add", "X", folder, "--layout", "../{filename}"), ".."),
        (("destination", "add", "X", folder, "--layout", "/abs/{filename}"), "leading /"),
        (("destination", "add", "X", folder, "--layout", "{filename"), "not a template"),
        (("destination", "add", "../x", folder), "not a usable destination name"),
        (("destination", "add", "Pub", folder), "already a destination called Pub"),
        (("destination", "set", "Pub", "--layout", "{when}/{filename}"), "uses when"),
        (("destination", "set", "Nope", "--delayed"), "no destination called Nope (known: Pub)"),
        (("destination", "remove", "Nope"), "no destination called Nope"),
        (("transfer", "status", "Nope"), "no destination called Nope"),
        (("transfer", "run", "Nope"), "no destination called Nope"),
        (("transfer", "queue", "Nope"), "no destination called Nope"),
        (("transfer", "verify", "Nope"), "no destination called Nope"),
        (("transfer", "pause", "Nope"), "no destination called Nope"),
    ]
    for args, words in mistakes:
        line = one_line(luna(cat, *args))
        assert words in line, (args, line)
        assert "secret" not in line  # a password given in a URL is never repeated
    # Nothing was half made or changed by the mistakes.
    assert [(d["name"], d["url"], d["layout"]) for d in destinations(cat)] == [
        ("Pub", str(pub), "{drive}/{path}/{filename}")
    ]


def test_a_mistake_gives_one_line_through_python_dash_m_as_well(tmp_path):
    # tests.scanning.luna_cmd runs `python -m luna_desktop.cli.main`: there the module
    # is __main__, and the UserError the subcommands raise must still be caught.
    cat = tmp_path / "catalog.sqlite3"
    add_destination(cat, tmp_path / "pub")
    result = subprocess.run(
        luna_cmd(cat, "transfer", "status", "Nope"),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "no destination called Nope" in one_line(result)


# -- the queue ---------------------------------------------------------------------------


def test_queue_says_why_a_file_is_refused(tmp_path, k7):
    cat = k7.cat
    add_destination(cat, tmp_path / "pub")
    result = luna(cat, "transfer", "queue", "Pub", "K7:Trip/secret.bin", "K7:Trip/bad.bin",
                  "K7:Trip/offline.bin", "K7:Trip/new.bin", "K7:backup/a.bin")  # fmt: skip
    assert result.returncode == 1
    refused = result.stderr.splitlines()
    assert len(refused) == 5, result.stderr
    for line, path, why in zip(
        refused,
        ("Trip/secret.bin", "Trip/bad.bin", "Trip/offline.bin", "Trip/new.bin", "backup/a.bin"),
        ("restricted", "discard", "keep offline", "not reviewed", "a copy of K7:Trip/a.bin"),
        strict=True,
    ):
        assert line.startswith(f"refused: {path} is not published: ") and why in line, line
    assert "Pub: 4 queued now, 0 withdrawn; 4 waiting to be sent, 0 done" in result.stdout
    assert "Pub: 0 queued now" in ok(cat, "transfer", "queue", "Pub", "K7:Trip/a.bin")
    assert "not a catalogued file" in one_line(
        luna(cat, "transfer", "queue", "Pub", "K7:nothing.bin")
    )
    info = status(cat, "Pub")
    assert info["counts"] == {"queued": 4, "running": 0, "done": 0, "failed": 0, "cancelled": 0}
    assert info["bytes_left"] == sum(len(data) for data in k7.expected().values())
    assert (info["waiting_for_drives"], info["running"], info["failed"]) == ({}, [], [])
    assert info["delayed"] is False and info["paused"] is False


# -- running it --------------------------------------------------------------------------


def test_run_wait_publishes_exactly_the_upload_files_verified_and_listed(tmp_path, k7):
    cat = k7.cat
    pub = add_destination(cat, tmp_path / "pub")
    out = ok(cat, "transfer", "run", "--wait")
    sent = [line for line in out.splitlines() if "verified)" in line]
    assert len(sent) == 4, out
    assert f"Pub: K7:Trip/b.bin → {pub}/K7/Trip/b.bin (70.0 KB, sha256 " in out
    assert_published(pub, k7.expected())
    k7.untouched()  # the destination does not remove local copies: all are kept
    info = status(cat, "Pub")
    assert info["counts"] == {"queued": 0, "running": 0, "done": 4, "failed": 0, "cancelled": 0}
    assert info["bytes_left"] == 0 and info["worker"] is None
    # Run again: nothing is sent twice, the manifest keeps one line per file.
    assert "Pub: 0 sent and verified in this run" in ok(cat, "transfer", "run", "--wait")
    assert_published(pub, k7.expected())


def test_a_delayed_destination_is_still_worked_by_transfer_run(tmp_path, k7):
    cat = k7.cat
    ok(cat, "set", "K7:Trip/a.bin", "--date", "2021-05")
    pub = add_destination(cat, tmp_path / "pub")
    later = add_destination(cat, tmp_path / "later", "Later", "--delayed",
                            "--layout", "{year}/{month}/{filename}")  # fmt: skip
    assert [d["delayed"] for d in destinations(cat)] == [True, False]  # Later, Pub
    assert status(cat, "Later")["counts"]["queued"] == 4
    ok(cat, "transfer", "run", "--wait")  # both destinations, in parallel
    assert_published(pub, k7.expected())
    assert_published(
        later,
        {
            "2021/05/a.bin": k7.files["Trip/a.bin"],
            "undated/undated/b.bin": k7.files["Trip/b.bin"],
            "undated/undated/notes.txt": k7.files["notes.txt"],
            "undated/undated/caf%E9.bin": k7.files[ODD],
        },
    )


def test_status_names_the_drive_awaited_and_run_wait_goes_on_when_it_appears(
    tmp_path, k7, background
):
    cat = k7.cat
    pub = add_destination(cat, tmp_path / "pub")
    away = tmp_path / "unplugged"
    os.rename(k7.root, away)
    info = status(cat, "Pub")
    assert info["waiting_for_drives"] == {"K7": 4} and info["counts"]["queued"] == 4
    assert "4 waiting for drive K7" in ok(cat, "transfer", "status")
    run = background([LUNA, "--catalog", str(cat), "transfer", "run", "--wait", "--poll", "0.2"])
    run.wait_for("Pub: waiting for drive K7")
    assert run.proc.poll() is None and tree(pub) == {}
    os.rename(away, k7.root)
    assert run.finish() == 0, (run.out, run.err)
    assert_published(pub, k7.expected())
    assert status(cat, "Pub")["waiting_for_drives"] == {}


@pytest.mark.parametrize("blocked", ["a file where a folder goes", "destination unreachable"])
def test_run_wait_exits_1_when_jobs_fail_for_good_and_retry_sends_them(tmp_path, k7, blocked):
    # Tests run as root in CI, where permissions stop nothing: the way is blocked by a
    # regular file instead.
    cat = k7.cat
    if blocked == "a file where a folder goes":
        pub = add_destination(cat, tmp_path / "pub", "Pub", "--retries", "0")
        blocker = pub / "K7"
        blocker.write_bytes(b"not a folder")
        why = ("Not a directory", "File exists")
        said = " failed: "  # each job's own failure
    else:
        blocker = tmp_path / "plain-file"
        blocker.write_bytes(b"not a folder")
        pub = blocker / "pub"
        result = luna(cat, "destination", "add", "Pub", str(pub), "--retries", "0")
        assert result.returncode == 0 and "is not there" in result.stderr
        why = ("is not there",)
        said = "is not there"  # once, for the destination
    result = luna(cat, "transfer", "run", "--wait", timeout=60)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert said in result.stdout and "queue: 4 failed" in result.stdout, result.stdout
    info = status(cat, "Pub")
    assert info["counts"] == {"queued": 0, "running": 0, "done": 0, "failed": 4, "cancelled": 0}
    assert sorted(f["file"] for f in info["failed"]) == [
        "K7:Odd/caf\\xe9.bin", "K7:Trip/a.bin", "K7:Trip/b.bin", "K7:notes.txt"
    ]  # fmt: skip
    for failed in info["failed"]:
        assert failed["attempts"] == 1 and any(w in failed["error"] for w in why), failed
    assert "failed K7:Trip/a.bin after 1 attempt(s): " in ok(cat, "transfer", "status")
    blocker.unlink()
    pub.mkdir(parents=True, exist_ok=True)
    retried = ok(cat, "transfer", "retry", "Pub")
    assert "Pub: 4 failed and 0 cancelled job(s) queued again" in retried
    ok(cat, "transfer", "run", "--wait")
    assert_published(pub, k7.expected())


def test_verify_names_an_altered_copy_and_requeue_then_run_repairs_it(tmp_path, k7):
    cat = k7.cat
    pub = add_destination(cat, tmp_path / "pub")
    ok(cat, "transfer", "run", "--wait")
    assert "Pub: 4 checked, 4 intact, 0 problem(s)" in ok(cat, "transfer", "verify", "Pub")
    flip_a_byte(pub / "K7/Trip/b.bin")  # same size, one byte different
    (pub / "K7/notes.txt").unlink()
    result = luna(cat, "transfer", "verify", "Pub")
    assert result.returncode == 1
    named = [line for line in result.stdout.splitlines() if " — " in line]
    assert len(named) == 2, result.stdout
    assert named[0].startswith("altered: K7/Trip/b.bin — sha256 ")
    assert named[1].startswith("missing: K7/notes.txt")
    report = json.loads(luna(cat, "transfer", "verify", "Pub", "--json").stdout)
    assert [(p["path"], p["what"]) for p in report["problems"]] == [
        ("K7/Trip/b.bin", "altered"), ("K7/notes.txt", "missing")
    ]  # fmt: skip
    assert (report["checked"], report["ok"], report["requeued"]) == (4, 2, 0)
    result = luna(cat, "transfer", "verify", "Pub", "--requeue")
    assert result.returncode == 1 and "2 queued to be sent again" in result.stdout
    assert status(cat, "Pub")["counts"]["queued"] == 2
    ok(cat, "transfer", "run", "--wait")
    assert_published(pub, k7.expected())
    assert "Pub: 4 checked, 4 intact, 0 problem(s)" in ok(cat, "transfer", "verify", "Pub")


def test_pause_holds_every_job_until_resume(tmp_path, k7):
    cat = k7.cat
    pub = add_destination(cat, tmp_path / "pub")
    assert "Pub: paused" in ok(cat, "transfer", "pause", "Pub")
    assert status(cat, "Pub")["paused"] is True
    assert [d["paused"] for d in destinations(cat)] == [True]
    result = luna(cat, "transfer", "run", "--wait", timeout=60)
    assert result.returncode == 1 and "Pub is paused" in result.stdout, result.stdout
    assert tree(pub) == {}
    assert status(cat, "Pub")["counts"]["queued"] == 4
    assert "Pub: resumed" in ok(cat, "transfer", "resume", "Pub")
    ok(cat, "transfer", "run", "--wait")
    assert_published(pub, k7.expected())


def test_cancel_withdraws_every_job_and_retry_brings_them_back(tmp_path, k7):
    cat = k7.cat
    pub = add_destination(cat, tmp_path / "pub")
    assert status(cat, "Pub")["counts"]["queued"] == 4
    assert "Pub: 4 job(s) cancelled" in ok(cat, "transfer", "cancel", "Pub")
    info = status(cat, "Pub")  # a status also syncs the queue: cancelled stays cancelled
    assert info["counts"] == {"queued": 0, "running": 0, "done": 0, "failed": 0, "cancelled": 4}
    luna(cat, "transfer", "run", "--wait", timeout=60)
    assert tree(pub) == {}
    assert status(cat, "Pub")["counts"]["cancelled"] == 4
    # queue.cancel_all: cancelled jobs keep their place, and "Retry" brings them back.
    ok(cat, "transfer", "retry", "Pub")
    assert status(cat, "Pub")["counts"]["queued"] == 4, "retry did not bring cancelled jobs back"
    ok(cat, "transfer", "run", "--wait")
    assert_published(pub, k7.expected())


# -- transfer-and-delete -----------------------------------------------------------------


def test_remove_local_needs_confirmation_and_never_removes_the_only_copy(tmp_path):
    cat = tmp_path / "catalog.sqlite3"
    a, b = tmp_path / "A", tmp_path / "B"
    dup = os.urandom(400_000)
    head, tail = os.urandom(64 << 10), os.urandom(64 << 10)
    # A look-alike: same size, first and last 64 KiB (so the same oshash, one duplicate
    # group), but other bytes between: not a copy, whatever the group says.
    look_a = head + os.urandom(100_000) + tail
    look_b = head + os.urandom(100_000) + tail
    files = {
        a / "dup.bin": write(a, "dup.bin", dup),
        b / "mirror/dup.bin": write(b, "mirror/dup.bin", dup),  # a copy on a second drive
        a / "only.bin": write(a, "only.bin", os.urandom(50_000)),
        a / "look.bin": write(a, "look.bin", look_a),
        b / "mirror/look.bin": write(b, "mirror/look.bin", look_b),
    }
    ok(cat, "scan", str(a), "--drive", "A")
    ok(cat, "scan", str(b), "--drive", "B")
    ok(cat, "set", "A:dup.bin", "A:only.bin", "A:look.bin", "--status", "upload")
    expected = {"A/dup.bin": dup, "A/only.bin": files[a / "only.bin"], "A/look.bin": look_a}

    def on_drives() -> dict[Path, bytes]:
        return {path: path.read_bytes() for path in files if path.exists()}

    # A destination without the option never removes anything, copies or not.
    keep = add_destination(cat, tmp_path / "keep", "Keep")
    ok(cat, "transfer", "run", "Keep", "--wait")
    assert_published(keep, expected)
    assert on_drives() == files

    pub = add_destination(cat, tmp_path / "pub", "Pub", "--remove-local")
    assert [(d["remove_local"], d["remove_local_confirmed"]) for d in destinations(cat)] == [
        (False, False), (True, False)
    ]  # fmt: skip
    line = one_line(luna(cat, "transfer", "run", "Pub", "--wait"))
    assert "Pub removes local copies" in line and "--confirm-remove-local" in line
    assert tree(pub) == {} and on_drives() == files

    out = ok(cat, "transfer", "run", "Pub", "--wait", "--confirm-remove-local")
    assert_published(pub, expected)
    assert on_drives() == {path: data for path, data in files.items() if path != a / "dup.bin"}
    said = {line.split(" → ")[0]: line for line in out.splitlines() if " → " in line}
    assert said["Pub: A:dup.bin"].endswith("(local copy removed)")
    assert said["Pub: A:only.bin"].endswith("local copy kept: it is the only copy Luna knows of")
    assert said["Pub: A:look.bin"].endswith("local copy kept: it is the only copy Luna knows of")
    assert [d["remove_local_confirmed"] for d in destinations(cat)] == [False, True]
    # The catalogue keeps the removed file's row, missing, and says why.
    with sqlite3.connect(cat) as con:
        present, notes = con.execute(
            "SELECT f.present, f.scan_notes FROM file_entry f JOIN drive d ON d.id = f.drive_id "
            "WHERE d.name = 'A' AND f.filename = 'dup.bin'"
        ).fetchone()
    assert present == 0 and "removed after a verified transfer to Pub" in notes
    assert "Pub: 3 checked, 3 intact" in ok(cat, "transfer", "verify", "Pub")

    # Turned off again (its confirmation stays on record): nothing more is removed.
    ok(cat, "destination", "set", "Pub", "--keep-local")
    again = os.urandom(30_000)
    files[a / "again.bin"] = write(a, "again.bin", again)
    files[b / "mirror/again.bin"] = write(b, "mirror/again.bin", again)
    ok(cat, "scan", str(a), "--drive", "A")
    ok(cat, "scan", str(b), "--drive", "B")
    ok(cat, "set", "A:again.bin", "--status", "upload")
    ok(cat, "transfer", "run", "Pub", "--wait")
    assert (pub / "A/again.bin").read_bytes() == again
    assert (a / "again.bin").read_bytes() == again and (b / "mirror/again.bin").exists()


def test_cancel_right_after_files_are_marked_cancels_them_too(tmp_path, k7):
    # The curator has not looked at the queue yet: its jobs are made when a command
    # first syncs it. Cancel must still cancel what `status` would show as queued.
    cat = k7.cat
    pub = add_destination(cat, tmp_path / "pub")
    assert "Pub: 4 job(s) cancelled" in ok(cat, "transfer", "cancel", "Pub")
    luna(cat, "transfer", "run", "--wait", timeout=60)
    assert tree(pub) == {}


def test_a_drive_that_mirrors_another_is_still_seen_as_itself(tmp_path):
    # B holds copies of A's files at the same paths (a backup drive), and a file of its
    # own. Where the volumes give no UUID to tell them apart, B is B all the same: its
    # upload file is sent, not left "waiting for drive B" while B is plugged in.
    cat = tmp_path / "catalog.sqlite3"
    a, b = tmp_path / "A", tmp_path / "B"
    for n in range(30):  # more than the sample of files that tells drives apart
        data = write(a, f"Roll/{n:02d}.bin", os.urandom(2_000))
        write(b, f"Roll/{n:02d}.bin", data)
    own = write(b, "Roll/zz-own.bin", os.urandom(20_000))
    ok(cat, "scan", str(a), "--drive", "A")
    ok(cat, "scan", str(b), "--drive", "B")
    ok(cat, "set", "B:Roll/zz-own.bin", "--status", "upload")
    pub = add_destination(cat, tmp_path / "pub")
    assert status(cat, "Pub")["waiting_for_drives"] == {}
    ok(cat, "transfer", "run", "Pub")
    assert_published(pub, {"B/Roll/zz-own.bin": own})
