"""What the destination dialog does off the GUI thread: look at an SFTP server's key,
write the destination to the catalogue, keep its secret in the keyring, and say which
keyring that is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from luna_desktop.transfer import destinations
from luna_desktop.transfer.destinations import DEFAULT_LAYOUT, TransferError


@dataclass(frozen=True)
class DestinationFields:
    """A destination's settings, as the dialog shows and returns them."""

    name: str
    url: str
    layout: str = DEFAULT_LAYOUT
    delayed: bool = False
    key_file: str | None = None
    remove_local: bool = False
    max_attempts: int = 6  # the first try and 5 retries
    retry_delay: float = 60.0

    @classmethod
    def of(cls, dest) -> DestinationFields:
        return cls(
            dest.name, dest.url, dest.layout, bool(dest.delayed), dest.key_file,
            bool(dest.remove_local), int(dest.max_attempts), float(dest.retry_delay),
        )  # fmt: skip


class KeyFileMissing(TransferError):
    """The SSH key file named is not there."""


class SecretNotKept(TransferError):
    """The destination was saved, its password or passphrase could not be kept."""


def look_at_server(where, key_file: str | None):
    """Off the GUI thread: the key file is there, and the server's key is known."""
    from luna_desktop.transfer import host_keys

    if key_file and not os.path.isfile(key_file):
        raise KeyFileMissing(f"there is no key file at {key_file}")
    return host_keys.fetch_host_key(where.host, where.port)


def write_destination(fields: DestinationFields, editing: bool, secret: str, forget: bool) -> None:
    """Off the GUI thread: the catalogue first, then the keyring (a secret is never kept
    under a name that turned out to be another destination's)."""
    values = {
        "layout": fields.layout,
        "delayed": fields.delayed,
        "key_file": fields.key_file,
        "remove_local": fields.remove_local,
        "max_attempts": fields.max_attempts,
        "retry_delay": fields.retry_delay,
    }
    if editing:
        destinations.update(fields.name, url=fields.url, **values)
    else:
        destinations.add(fields.name, fields.url, **values)
    if not (secret or forget):
        return
    from luna_desktop.transfer import secrets

    try:
        if forget:
            secrets.forget(fields.name)
        if secret:
            kind = "passphrase" if fields.key_file else "password"
            secrets.store(fields.name, kind, secret)
    except TransferError as exc:
        raise SecretNotKept(str(exc)) from None


def keyring_words() -> tuple[str | None, str]:
    """Off the GUI thread (a keyring may be slow to answer): what is wrong, or its name."""
    from luna_desktop.transfer import secrets

    problem = secrets.keyring_problem()
    if problem:
        return problem, ""
    import keyring

    try:
        return None, str(keyring.get_keyring().name)
    except Exception:  # only its name is asked for; the problem check already passed
        return None, "the system's"
