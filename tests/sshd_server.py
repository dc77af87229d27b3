"""A real OpenSSH server for tests: its own host key, one authorized client key, on
127.0.0.1 at a free port, started and killed by the test.

`SshServer(tmp_dir)` writes everything it needs into ``tmp_dir`` (host keys, a client key
pair, authorized_keys, sshd_config, the pid file and sshd's log) and never touches the
system's ssh configuration. It runs as root (as in CI: the login is allowed with a key
only, and PAM is left out, whose session modules fail in containers) and as a normal user
(sshd then logs in only that user, the one tests use; PAM is used then, because without
it an unprivileged sshd cannot read the shadow file and takes the account for locked).

The `sshd` fixture starts one per test and always stops it. Without OpenSSH's server the
fixture fails, on purpose: CI installs openssh-server and must not skip these tests.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest

START_TIMEOUT = 10.0  # seconds for sshd to listen
INSTALL_HINT = "install openssh-server (apt-get install openssh-server) to run the SFTP tests"


def find_sshd() -> str | None:
    """sshd's absolute path (it re-executes itself and insists on one). /usr/sbin is
    often not on a normal user's PATH."""
    found = shutil.which("sshd")
    if found:
        return os.path.abspath(found)
    for candidate in ("/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def make_key(path: Path, *, passphrase: str = "", key_type: str = "ed25519") -> Path:
    """A private key at ``path`` (and ``path.pub``) made by ssh-keygen; encrypted when a
    passphrase is given. Few KDF rounds: the key only has to be encrypted, not strong."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in (path, path.with_name(path.name + ".pub")):
        old.unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", key_type, "-a", "4", "-N", passphrase,
         "-C", f"luna-test-{path.name}", "-f", str(path)],
        check=True, stdin=subprocess.DEVNULL, capture_output=True,
    )  # fmt: skip
    return path


def fingerprint_of(public_key: Path) -> str:
    """``SHA256:…`` as ``ssh-keygen -lf`` prints it (the second field)."""
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(public_key)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return out.split()[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_dead(procs: list[psutil.Process], timeout: float = 10.0) -> None:
    """Until every process is gone. A killed session is a zombie until whoever adopted it
    reaps it (slowly, for some container inits): it holds no socket, so it counts as gone."""
    deadline = time.monotonic() + timeout
    for proc in procs:
        while time.monotonic() < deadline:
            try:
                if proc.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(0.01)


def _quote(path: Path) -> str:
    # sshd_config splits arguments on spaces unless they are in double quotes.
    return '"' + str(path) + '"'


class SshServer:
    """One sshd on 127.0.0.1; `restart` keeps the port, so a client sees the same server
    come back (or, with ``new_host_key``, a server that now shows another key)."""

    def __init__(self, tmp_dir: Path, *, host_key_types: tuple[str, ...] = ("ed25519",)):
        self.dir = Path(tmp_dir).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.host_key_types = host_key_types
        self.user = pwd.getpwuid(os.geteuid()).pw_name
        self._sshd = find_sshd()
        self._proc: subprocess.Popen | None = None
        self._port: int | None = None
        self.log_path = self.dir / "sshd.log"
        self.authorized_keys = self.dir / "authorized_keys"
        self.client_key_path = self.dir / "client_key"
        if self._sshd is not None:
            self._make_host_keys()
            make_key(self.client_key_path)
            self.authorized_keys.write_text(self._public(self.client_key_path))

    # -- what tests read -----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the test sshd has not been started")
        return self._port

    @property
    def host_key_path(self) -> Path:
        """The first host key (ed25519 unless told otherwise); ``.pub`` beside it."""
        return self.host_key_paths[self.host_key_types[0]]

    @property
    def host_key_paths(self) -> dict[str, Path]:
        return {t: self.dir / f"ssh_host_{t}_key" for t in self.host_key_types}

    @property
    def host_key_fingerprint(self) -> str:
        return fingerprint_of(self.host_key_path.with_name(self.host_key_path.name + ".pub"))

    def host_key_line(self, key_type: str | None = None) -> str:
        """The known_hosts line for one of the server's keys (``[127.0.0.1]:port …``)."""
        path = self.host_key_paths[key_type or self.host_key_types[0]]
        algo, blob = self._public(path).split()[:2]
        return f"[127.0.0.1]:{self.port} {algo} {blob}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- keys ----------------------------------------------------------------------------

    def add_client_key(self, name: str, *, passphrase: str = "", authorize: bool = True) -> Path:
        """Another client key pair in the server's folder, with the passphrase given, and
        (unless told not to) its public key added to authorized_keys."""
        path = make_key(self.dir / name, passphrase=passphrase)
        if authorize:
            with self.authorized_keys.open("a") as fh:
                fh.write(self._public(path))
        return path

    def _make_host_keys(self) -> None:
        for key_type, path in self.host_key_paths.items():
            make_key(path, key_type=key_type)

    @staticmethod
    def _public(private: Path) -> str:
        return private.with_name(private.name + ".pub").read_text()

    # -- the process ---------------------------------------------------------------------

    def start(self) -> None:
        if self._sshd is None:
            raise FileNotFoundError(f"sshd is not installed: {INSTALL_HINT}")
        if self.running:
            return
        if os.geteuid() == 0:
            # Privilege separation needs this empty root-owned folder; a container that
            # never ran the service has none.
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        keep_port = self._port is not None
        for _attempt in range(3):
            if not keep_port:
                self._port = _free_port()
            if self._launch():
                return
            if keep_port or "Address already in use" not in self.log():
                break  # a free port taken in between is retried; anything else is not
        raise RuntimeError(
            f"sshd did not start on 127.0.0.1:{self._port} within {START_TIMEOUT:g} s; "
            f"its log:\n{self.log()}"
        )

    def _launch(self) -> bool:
        config = self._write_config()
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [self._sshd, "-D", "-e", "-f", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group, so stop() can kill it all
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._proc = None
                return False
            if self._answers():
                return True
            time.sleep(0.05)
        self.stop()
        return False

    def _answers(self) -> bool:
        """True once sshd accepts a connection and sends its banner."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                return s.recv(64).startswith(b"SSH-")
        except OSError:
            return False

    def _write_config(self) -> Path:
        config = self.dir / "sshd_config"
        host_keys = "".join(f"HostKey {_quote(p)}\n" for p in self.host_key_paths.values())
        config.write_text(
            f"ListenAddress 127.0.0.1:{self.port}\n"
            f"{host_keys}"
            f"PidFile {_quote(self.dir / 'sshd.pid')}\n"
            f"AuthorizedKeysFile {_quote(self.authorized_keys)}\n"
            "StrictModes no\n"
            "PermitRootLogin prohibit-password\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            f"UsePAM {'no' if os.geteuid() == 0 else 'yes'}\n"
            "UseDNS no\n"
            "LogLevel VERBOSE\n"
            "Subsystem sftp internal-sftp\n"
        )
        return config

    def _processes(self) -> list[psutil.Process]:
        """sshd and every process it started: each connection's sshd calls setsid(), so
        killing the process group alone would leave the sessions running."""
        if self._proc is None:
            return []
        try:
            main = psutil.Process(self._proc.pid)
            main.suspend()  # no new connection is forked while the family is collected
            return [main, *main.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """Kill sshd and all its sessions (a killed server, as clients see it)."""
        if self._proc is None:
            return
        procs = self._processes()
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait(timeout=10)
        self._proc = None
        _wait_dead(procs)

    def pause(self) -> None:
        """Stop sshd and its sessions without closing anything: a hung server, whose
        connections stay open and never answer."""
        for proc in self._processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.suspend()

    def resume(self) -> None:
        if self._proc is None:
            return
        try:
            main = psutil.Process(self._proc.pid)
            for proc in [*main.children(recursive=True), main]:
                proc.resume()
        except psutil.NoSuchProcess:
            pass

    def restart(self, *, new_host_key: bool = False) -> None:
        """Stop and start again on the same port, with new host keys if asked."""
        self.stop()
        if new_host_key:
            self._make_host_keys()
        self.start()


@pytest.fixture
def sshd(tmp_path_factory):
    """A running `SshServer`, stopped after the test whatever happens."""
    if find_sshd() is None:
        pytest.fail(f"sshd was not found: {INSTALL_HINT}", pytrace=False)
    server = SshServer(tmp_path_factory.mktemp("sshd"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
