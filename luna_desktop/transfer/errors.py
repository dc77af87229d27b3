"""Errors of publishing that a user can cause or meet, each with a message that says what
happened and what to do."""

from __future__ import annotations


class TransferError(Exception):
    """One clear line: a bad URL or layout, an unknown destination, a refused file."""


class RemoteError(TransferError):
    """The destination could not be reached or written (network down, disk full, no
    permission). A job that meets one is retried later."""


class HostKeyUnknown(RemoteError):
    """An SFTP server whose host key Luna has not seen: shown to the curator once, for
    confirmation, before anything is sent."""

    def __init__(self, host: str, port: int, key_type: str, fingerprint: str, key_line: str):
        self.host, self.port = host, port
        self.key_type, self.fingerprint = key_type, fingerprint
        self.key_line = key_line  # the known_hosts line to store if the curator accepts
        super().__init__(
            f"the server {host}:{port} is not known yet: its {key_type} key is {fingerprint}"
        )


class HostKeyChanged(RemoteError):
    """The server's host key is not the one stored: possibly someone in between."""
