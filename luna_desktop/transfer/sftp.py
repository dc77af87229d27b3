"""Opening an SFTP destination: fsspec's SFTPFileSystem over paramiko, with Luna's host-key
check, secrets from the keyring, and timeouts that turn a dead server into an error.

A login tries, in order, the destination's key file (unlocked with the passphrase stored
for it), the keys of a running ssh-agent, the keys in ``~/.ssh``, and the password stored
for the destination. Every failure to connect is a `RemoteError` of one line that says
what happened (the server cannot be reached, the login was refused, the key file or its
passphrase is wrong, the remote folder is missing); `HostKeyUnknown` and
`HostKeyChanged` come out unchanged, for the curator to answer.

A connection never waits for ever: TCP keepalive and an SSH keepalive run on it, and every
SFTP request fails after `IO_TIMEOUT` seconds without an answer. A worker then sees one of
`CONNECTION_ERRORS` from the file operation it was in (a server killed mid-request is
``paramiko.SSHException("Server connection dropped")``, which is no OSError), and should
close the filesystem and connect again.
"""

from __future__ import annotations

import getpass
import os
import socket
import stat
from collections.abc import Callable
from contextlib import suppress

import paramiko
from fsspec.implementations.sftp import SFTPFileSystem

from luna_desktop.catalog.models import Destination

from . import secrets
from .destinations import Where
from .errors import RemoteError, TransferError
from .host_keys import (
    LunaHostKeyPolicy,
    connect_socket,
    handshake_error,
    prefer_stored_key_types,
)

CONNECT_TIMEOUT = 15.0  # seconds for the TCP connection, the SSH banner and key exchange
AUTH_TIMEOUT = 30.0  # for the server to answer a login attempt
CHANNEL_TIMEOUT = 15.0  # for the server to open the SFTP channel
IO_TIMEOUT = 30.0  # any one SFTP request (a write, a stat, a rename) unanswered this long fails
KEEPALIVE_INTERVAL = 10  # an SSH keepalive after this many idle seconds (NAT, firewalls)
# A peer that vanished without closing (a pulled cable, a frozen machine) is declared dead
# after TCP_KEEPIDLE + TCP_KEEPINTVL * TCP_KEEPCNT = 30 s of silence, or when data sent
# stays unacknowledged for TCP_USER_TIMEOUT seconds (Linux).
TCP_KEEPIDLE = 10
TCP_KEEPINTVL = 5
TCP_KEEPCNT = 4
TCP_USER_TIMEOUT = 30.0

# What an operation on an open SFTP filesystem raises when the connection fails or hangs.
CONNECTION_ERRORS = (OSError, EOFError, paramiko.SSHException)

SecretLookup = Callable[[str, str], str | None]

# paramiko tries an encrypted key file with each of these (as SSHClient does).
_KEY_CLASSES = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


def open_sftp(
    dest: Destination, where: Where, *, secret_lookup: SecretLookup | None = None
) -> SFTPFileSystem:
    """Connect and log in to the destination's server and check that its folder is there.
    ``secret_lookup(destination_name, kind)`` gives a "password" or "passphrase" (default:
    the keyring, `secrets.lookup`). Raises `HostKeyUnknown` or `HostKeyChanged` for the
    curator to answer, RemoteError for everything else that stops the connection."""
    host, port = where.host or "", where.port
    user = where.user or _local_user()
    found = _Secrets(dest.name, secret_lookup or secrets.lookup)
    password = found.get("password")
    key_file = os.path.expanduser(dest.key_file) if dest.key_file else None
    passphrase = None
    if key_file and _key_is_encrypted(key_file):
        passphrase = found.get("passphrase")
        if passphrase is None:
            found.notes.append(
                f"the key file {key_file} is locked with a passphrase and none is stored for "
                f"the destination {dest.name}"
            )
        else:
            _check_passphrase(key_file, passphrase, dest.name)

    sock = connect_socket(host, port, CONNECT_TIMEOUT)
    _keep_alive(sock)
    transports: list[paramiko.Transport] = []

    def transport_factory(sock, **kwargs):
        transport = paramiko.Transport(sock, **kwargs)
        transports.append(transport)
        prefer_stored_key_types(transport, host, port)
        transport.set_keepalive(KEEPALIVE_INTERVAL)
        return transport

    options = {
        "port": port,
        "username": user,
        "sock": sock,
        "transport_factory": transport_factory,
        "host_key_policy": LunaHostKeyPolicy(),
        "skip_instance_cache": True,  # a cached filesystem would hold the password
        "timeout": CONNECT_TIMEOUT,
        "banner_timeout": CONNECT_TIMEOUT,
        "auth_timeout": AUTH_TIMEOUT,
        "channel_timeout": CHANNEL_TIMEOUT,
        "allow_agent": True,
        "look_for_keys": True,
    }
    if key_file:
        options["key_filename"] = key_file
    if passphrase:
        options["passphrase"] = passphrase
    if password:
        options["password"] = password

    def close_all() -> None:
        for transport in transports:
            transport.close()
        sock.close()

    try:
        fs = SFTPFileSystem(host, **options)
    except RemoteError:  # HostKeyUnknown, HostKeyChanged, an unreadable known_hosts
        close_all()
        raise
    except paramiko.AuthenticationException:
        close_all()
        raise RemoteError(_refused(host, port, user, key_file, password, found.notes)) from None
    except (paramiko.SSHException, EOFError, OSError) as exc:
        logged_in = bool(transports) and transports[0].is_authenticated()
        close_all()
        if logged_in:
            raise RemoteError(
                f"logged in to {host}:{port} as {user}, but the server did not start SFTP "
                f"({exc or type(exc).__name__}): is its sftp subsystem turned on?"
            ) from None
        raise handshake_error(host, port, exc) from None
    except BaseException:  # anything else still leaves no connection behind
        close_all()
        raise

    fs.ftp.get_channel().settimeout(IO_TIMEOUT)
    try:
        _check_folder(fs, where, user)
    except BaseException:
        fs.client.close()
        raise
    return fs


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers and services: KeyError, OSError
        raise TransferError(
            "this computer gives no user name: put one in the URL (sftp://user@host/path)"
        ) from None


class _Secrets:
    """Secrets looked up for one connection; a keyring that fails is noted, not fatal
    (an SSH key or ssh-agent may log in without it), and named if the login is refused."""

    def __init__(self, name: str, lookup: SecretLookup):
        self.name, self.lookup = name, lookup
        self.notes: list[str] = []

    def get(self, kind: str) -> str | None:
        try:
            return self.lookup(self.name, kind) or None
        except TransferError as exc:
            self.notes.append(str(exc))
            return None


def _key_is_encrypted(path: str) -> bool:
    """Whether the key file is locked with a passphrase; a RemoteError when it cannot be
    read or is no private key paramiko can use."""
    try:
        paramiko.PKey.from_path(path)
    except TypeError:
        # cryptography's documented answer for an encrypted key and no passphrase
        return True
    except OSError as exc:
        raise RemoteError(f"the key file {path} cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # ValueError (not a key), UnknownKeyType, SSHException
        raise RemoteError(
            f"the key file {path} is not a private key Luna can use ({exc}); give the "
            "private key, not the .pub file"
        ) from None
    return False


def _check_passphrase(path: str, passphrase: str, name: str) -> None:
    for key_class in _KEY_CLASSES:
        try:
            key_class.from_private_key_file(path, password=passphrase)
            return
        except (paramiko.SSHException, ValueError, TypeError):
            continue  # another type of key, or the wrong passphrase
    raise RemoteError(
        f"the passphrase stored for the key file {path} (destination {name}) is wrong: "
        "enter it again"
    )


def _refused(
    host: str, port: int, user: str, key_file: str | None, password: str | None, notes
) -> str:
    tried = []
    if key_file:
        tried.append(f"the key file {key_file}")
    if os.environ.get("SSH_AUTH_SOCK"):
        tried.append("the keys of ssh-agent")
    ssh_dir = os.path.expanduser("~/.ssh")
    if any(os.path.isfile(os.path.join(ssh_dir, f"id_{t}")) for t in ("rsa", "ecdsa", "ed25519")):
        tried.append("the keys in ~/.ssh")
    if password:
        tried.append("the stored password")
    what = ", ".join(tried) if tried else "no key and no password were available"
    message = (
        f"{host}:{port} refused the login of user {user} (tried: {what}); add this "
        "computer's public key to the server's authorized_keys, or store the password"
    )
    return "; ".join([message, *notes])


def _check_folder(fs: SFTPFileSystem, where: Where, user: str) -> None:
    place = f"{where.path} on {where.host}:{where.port}"
    try:
        attrs = fs.ftp.stat(where.path)
    except FileNotFoundError:
        raise RemoteError(
            f"the folder {place} does not exist: create it, or correct the destination's URL"
        ) from None
    except PermissionError:
        raise RemoteError(f"the user {user} may not open the folder {place}") from None
    except (OSError, EOFError, paramiko.SSHException) as exc:
        raise RemoteError(f"cannot open the folder {place}: {exc}") from None
    if not stat.S_ISDIR(attrs.st_mode or 0):
        raise RemoteError(f"{place} is a file, not a folder: correct the destination's URL")


def _keep_alive(sock: socket.socket) -> None:
    """Turn on TCP keepalive with short timings where the platform has the options."""
    with suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    timings = {
        "TCP_KEEPIDLE": TCP_KEEPIDLE,  # Linux, Windows
        "TCP_KEEPALIVE": TCP_KEEPIDLE,  # macOS's name for it
        "TCP_KEEPINTVL": TCP_KEEPINTVL,
        "TCP_KEEPCNT": TCP_KEEPCNT,
        "TCP_USER_TIMEOUT": int(TCP_USER_TIMEOUT * 1000),  # Linux, in milliseconds
    }
    for name, value in timings.items():
        option = getattr(socket, name, None)
        if option is not None:
            with suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, option, value)
