"""Which SSH servers Luna trusts: host keys checked as OpenSSH checks them.

Luna keeps its own known_hosts file, where the keys the curator confirmed go, and also
reads ``~/.ssh/known_hosts``, which it never writes: a server the curator already reaches
with ``ssh`` is known to Luna too. A key is looked up under the name OpenSSH uses
(``host``, or ``[host]:port`` off port 22), in plain and in hashed (``|1|…``) lines.

- the key is stored for that name: the connection goes on;
- another key is stored for it: `HostKeyChanged` (someone may be in between);
- nothing is stored: `HostKeyUnknown`, carrying the fingerprint to show and the line
  `trust` stores once the curator has compared it.

SFTP connections made through fsspec load no host keys into paramiko, so paramiko asks
`LunaHostKeyPolicy` about every server key, and the answer is always this module's.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import platformdirs
from paramiko.hostkeys import HostKeyEntry

from .errors import HostKeyChanged, HostKeyUnknown, RemoteError, TransferError

APP_NAME = "luna-desktop"
KNOWN_HOSTS_ENV = "LUNA_KNOWN_HOSTS"  # another file for Luna's own trusted keys
FETCH_TIMEOUT = 15.0  # seconds to connect and read a server's key
SSH_PORT = 22

# What OpenSSH calls each key type when it shows a fingerprint.
_TYPE_LABELS = {"ssh-ed25519": "ED25519", "ssh-rsa": "RSA", "ssh-dss": "DSA"}
# An RSA host key is stored as ssh-rsa and negotiated under these names.
_RSA_ALGORITHMS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


def luna_known_hosts() -> Path:
    """Luna's own known_hosts file (``$LUNA_KNOWN_HOSTS`` when set)."""
    env = os.environ.get(KNOWN_HOSTS_ENV)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path(APP_NAME) / "known_hosts"


def known_hosts_files() -> list[Path]:
    """The files host keys are looked up in: Luna's own first, then the user's
    ``~/.ssh/known_hosts`` (read only)."""
    return [luna_known_hosts(), Path.home() / ".ssh" / "known_hosts"]


def host_key_name(host: str, port: int) -> str:
    """The name a known_hosts line gives a server: ``host``, or ``[host]:port``."""
    host = host.lower()
    return host if port == SSH_PORT else f"[{host}]:{port}"


def split_host_key_name(name: str) -> tuple[str, int]:
    """`host_key_name` reversed: ``[host]:2222`` → (host, 2222); ``host`` → (host, 22)."""
    if name.startswith("[") and "]:" in name:
        host, _, port = name[1:].rpartition("]:")
        if port.isdigit():
            return host, int(port)
    return name, SSH_PORT


def fingerprint(key: paramiko.PKey) -> str:
    """The key's SHA256 fingerprint as OpenSSH prints it: ``SHA256:`` and unpadded base64."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def key_label(key: paramiko.PKey) -> str:
    """ED25519, ECDSA, RSA: the type as OpenSSH names it to the user."""
    name = key.get_name()
    return "ECDSA" if name.startswith("ecdsa-") else _TYPE_LABELS.get(name, name)


def known_hosts_line(host: str, port: int, key: paramiko.PKey) -> str:
    """The line that trusts ``key`` for this server. Not hashed: the curator can read
    which servers Luna trusts."""
    return f"{host_key_name(host, port)} {key.get_name()} {key.get_base64()}"


# -- reading known_hosts files -----------------------------------------------------------


@dataclass(frozen=True)
class StoredKey:
    """One key line that names the server."""

    key: paramiko.PKey
    path: Path
    lineno: int
    revoked: bool  # an ``@revoked`` line: this key must never be accepted


def stored_keys(host: str, port: int) -> list[StoredKey]:
    """Every key the known_hosts files hold for this server, in file order."""
    name = host_key_name(host, port)
    found = []
    for path in known_hosts_files():
        for lineno, names, key, revoked in _read_lines(path):
            if any(_name_matches(name, n) for n in names):
                found.append(StoredKey(key, path, lineno, revoked))
    return found


def _read_lines(path: Path) -> Iterator[tuple[int, list[str], paramiko.PKey, bool]]:
    """(line number, host names, key, revoked) for each usable line. A line Luna cannot
    read (a damaged key, a key type paramiko does not know, a certificate authority) is
    skipped, as OpenSSH skips it."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise RemoteError(
            f"Luna cannot read the known hosts file {path} ({exc.strerror or exc}): "
            "without it no server can be checked; correct its permissions"
        ) from None
    for lineno, raw in enumerate(text.splitlines(), 1):
        fields = raw.split()
        if not fields or fields[0].startswith("#"):
            continue
        revoked = False
        if fields[0].startswith("@"):
            if fields[0] != "@revoked":
                continue  # @cert-authority: Luna does not use host certificates
            revoked, fields = True, fields[1:]
        try:
            entry = HostKeyEntry.from_line(" ".join(fields[:3]), lineno)
        except Exception:  # InvalidHostKey, bad base64 or a malformed key blob
            continue
        if entry is not None and entry.key is not None:
            yield lineno, entry.hostnames, entry.key, revoked


def _name_matches(name: str, stored: str) -> bool:
    if stored.startswith("|1|"):  # hashed: HMAC-SHA1 of the name, salted per line
        try:
            return paramiko.HostKeys.hash_host(name, stored) == stored
        except Exception:  # a damaged salt
            return False
    return stored.lower() == name


# -- the check ---------------------------------------------------------------------------


def check_host_key(host: str, port: int, key: paramiko.PKey) -> HostKeyUnknown | None:
    """None when ``key`` is trusted for this server; a `HostKeyUnknown` to show the
    curator when no key is stored for it. Raises `HostKeyChanged` when another key is
    stored for it, or this key is marked revoked."""
    stored = stored_keys(host, port)
    blob = key.asbytes()
    same = [s for s in stored if s.key.asbytes() == blob]
    revoked = next((s for s in same if s.revoked), None)
    if revoked is not None:
        raise HostKeyChanged(
            f"the {key_label(key)} key {fingerprint(key)} of {host}:{port} is marked as "
            f"revoked in {revoked.path} (line {revoked.lineno}): Luna will not connect; ask "
            "the server's administrator which key it should show"
        )
    if same:
        return None
    others = [s for s in stored if not s.revoked]
    if others:
        raise HostKeyChanged(_changed_message(host, port, key, others[0]))
    return HostKeyUnknown(
        host, port, key_label(key), fingerprint(key), known_hosts_line(host, port, key)
    )


def _changed_message(host: str, port: int, key: paramiko.PKey, old: StoredKey) -> str:
    kind = "" if old.key.get_name() == key.get_name() else f" (a {key_label(old.key)} key)"
    return (
        f"the host key of {host}:{port} has changed: the server shows the "
        f"{key_label(key)} key {fingerprint(key)}, not the key stored{kind} in {old.path} "
        f"(line {old.lineno}). Someone may be in between, reading what is sent, or the "
        "server was reinstalled: ask its administrator for its key's fingerprint and, only "
        f"if it matches, remove the old key with `ssh-keygen -R '{host_key_name(host, port)}' "
        f"-f {old.path}` and connect again"
    )


class LunaHostKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Accepts a server key only when a known_hosts file stores it for that server;
    otherwise raises `HostKeyUnknown` or `HostKeyChanged` out of the connection."""

    def missing_host_key(self, client, hostname, key):
        host, port = split_host_key_name(hostname)
        unknown = check_host_key(host, port, key)
        if unknown is not None:
            raise unknown


def prefer_stored_key_types(transport: paramiko.Transport, host: str, port: int) -> None:
    """Ask the server first for a key of a type already stored for it, before the
    transport starts: a server with an ed25519 and an ECDSA key, known to the user's
    ssh by its ECDSA key, is then checked against that key instead of looking changed
    (OpenSSH orders its HostKeyAlgorithms the same way)."""
    stored = [s.key.get_name() for s in stored_keys(host, port) if not s.revoked]
    if not stored:
        return
    options = transport.get_security_options()
    offered = list(options.key_types)
    first: list[str] = []
    for name in stored:
        for algorithm in _RSA_ALGORITHMS if name == "ssh-rsa" else (name,):
            if algorithm in offered and algorithm not in first:
                first.append(algorithm)
    options.key_types = first + [a for a in offered if a not in first]


# -- reaching a server -------------------------------------------------------------------


def connect_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to the server, or a RemoteError that says why there is none."""
    where = f"{host}:{port}"
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror:
        raise RemoteError(
            f"cannot reach {where}: the name {host} is unknown (check the spelling and the "
            "network connection)"
        ) from None
    except ConnectionRefusedError:
        raise RemoteError(
            f"cannot reach {where}: the connection was refused (is the SSH server running, "
            "and on this port?)"
        ) from None
    except TimeoutError:
        raise RemoteError(
            f"cannot reach {where}: no answer within {timeout:g} s (a firewall, or the "
            "server is down)"
        ) from None
    except OSError as exc:
        raise RemoteError(f"cannot reach {where}: {exc.strerror or exc}") from None


def handshake_error(host: str, port: int, exc: BaseException) -> RemoteError:
    """A RemoteError for a connection that opened but never became an SSH session."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, EOFError) or "banner" in detail.lower():
        return RemoteError(
            f"{host}:{port} closed the connection before an SSH session began (is it an "
            f"SSH server? is it refusing this computer?): {detail}"
        )
    return RemoteError(f"no SSH session with {host}:{port}: {detail}")


def fetch_host_key(host: str, port: int, timeout: float = FETCH_TIMEOUT) -> HostKeyUnknown | None:
    """Connect (without logging in) and read the server's key: None when it is trusted,
    else the `HostKeyUnknown` to show the curator. Raises `HostKeyChanged` when another
    key is stored for the server, `RemoteError` when it cannot be reached."""
    sock = connect_socket(host, port, timeout)
    try:
        transport = paramiko.Transport(sock)
    except Exception as exc:
        sock.close()
        raise handshake_error(host, port, exc) from None
    try:
        prefer_stored_key_types(transport, host, port)
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise handshake_error(host, port, exc) from None
    finally:
        transport.close()
    return check_host_key(host, port, key)


# -- trusting a server -------------------------------------------------------------------


def trust(unknown: HostKeyUnknown) -> None:
    """Store the key the curator confirmed in Luna's known_hosts file (created with
    mode 0600). Storing a key already there changes nothing."""
    line = unknown.key_line.strip()
    if not line or "\n" in line or "\r" in line or len(line.split()) != 3:
        raise ValueError(f"not a known_hosts line: {unknown.key_line!r}")
    path = luna_known_hosts()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            existing = path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            existing = ""
        if line in (x.strip() for x in existing.splitlines()):
            return
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            if existing and not existing.endswith("\n"):
                fh.write("\n")
            fh.write(line + "\n")
    except OSError as exc:
        raise TransferError(
            f"Luna cannot store the key of {unknown.host}:{unknown.port} in {path}: "
            f"{exc.strerror or exc}"
        ) from None
