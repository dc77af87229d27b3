"""Destination secrets (an SFTP password, an SSH key's passphrase) in the OS keyring.

They are kept under the service ``luna-desktop`` with the user name
``<destination name>:<kind>``, and nowhere else: not in the catalogue, not in a settings
file, not in a message. Every keyring failure becomes a `TransferError` that says what
happened without the secret.

The keyring is the system's (the Secret Service of GNOME Keyring or KWallet on Linux,
the Keychain on macOS, the Credential Locker on Windows), chosen by the ``keyring``
package; ``PYTHON_KEYRING_BACKEND`` overrides it (the tests use a file in their own
home). A call may wait for the keyring to be unlocked: keep it off the GUI thread.
"""

from __future__ import annotations

import os

import keyring
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked, NoKeyringError, PasswordDeleteError

from .errors import TransferError

SERVICE = "luna-desktop"
KINDS = ("password", "passphrase")
_KIND_WORDS = {"password": "password", "passphrase": "key passphrase"}

_INSTEAD = "use an SSH key without a passphrase, or load the key into ssh-agent"
NO_KEYRING = (
    "no system keyring is available (on Linux: no Secret Service, such as GNOME Keyring "
    f"or KWallet, is running), so Luna cannot keep a password or a key passphrase: {_INSTEAD}"
)


def _account(name: str, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"a secret is a {' or a '.join(KINDS)}, not {kind!r}")
    return f"{name}:{kind}"


def store(name: str, kind: str, value: str) -> None:
    """Keep the destination's password or key passphrase. An empty value removes it."""
    account = _account(name, kind)
    if not value:
        _delete(account, name, kind)
        return
    problem = keyring_problem()
    if problem:
        raise TransferError(
            f"cannot save the {_KIND_WORDS[kind]} of the destination {name}: {problem}"
        )
    try:
        keyring.set_password(SERVICE, account, value)
    except Exception as exc:  # every backend has its own errors (D-Bus, files, COM)
        raise _failure("save", name, kind, exc) from None


def lookup(name: str, kind: str) -> str | None:
    """The stored secret, or None when none is stored."""
    account = _account(name, kind)
    try:
        return keyring.get_password(SERVICE, account)
    except Exception as exc:
        raise _failure("read", name, kind, exc) from None


def forget(name: str) -> None:
    """Remove both secrets of a destination; a secret that is not there is no error
    (nor is the absence of any keyring: nothing can have been stored in it)."""
    for kind in KINDS:
        _delete(_account(name, kind), name, kind)


def _delete(account: str, name: str, kind: str) -> None:
    try:
        keyring.delete_password(SERVICE, account)
    except (PasswordDeleteError, NoKeyringError):
        pass
    except Exception as exc:
        raise _failure("remove", name, kind, exc) from None


def keyring_problem() -> str | None:
    """None when a keyring can keep secrets; otherwise a sentence for the curator saying
    why not and what to use instead. Asks the backend nothing (no unlock prompt)."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a PYTHON_KEYRING_BACKEND that cannot be loaded
        return f"the keyring configured for Luna cannot be used ({exc}); {_INSTEAD}"
    backends = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
    usable = [b for b in backends if not isinstance(b, (fail.Keyring, null.Keyring)) and _safe(b)]
    return None if usable else NO_KEYRING


def _safe(backend) -> bool:
    """A backend that keeps secrets in a plain or weakly protected file (keyrings.alt's,
    which a developer's environment may hold) is no OS keyring: it is used only when
    chosen on purpose with PYTHON_KEYRING_BACKEND (as the tests do, in their own home)."""
    if type(backend).__module__.startswith("keyrings.alt"):
        return bool(os.environ.get("PYTHON_KEYRING_BACKEND"))
    return True


def _failure(verb: str, name: str, kind: str, exc: Exception) -> TransferError:
    what = f"the {_KIND_WORDS[kind]} of the destination {name}"
    if isinstance(exc, NoKeyringError):
        return TransferError(f"cannot {verb} {what}: {NO_KEYRING}")
    if isinstance(exc, KeyringLocked):
        return TransferError(
            f"cannot {verb} {what}: the system keyring is locked (unlock it, or log in to "
            "the desktop session, and try again)"
        )
    detail = str(exc) or type(exc).__name__
    return TransferError(f"the system keyring could not {verb} {what}: {detail}")
