"""A destination's storage, through fsspec: the few operations publishing needs.

Every backend is an fsspec filesystem (local folders and mounted shares through
``LocalFileSystem``, SFTP through ``SFTPFileSystem`` with Luna's own host-key check), so
S3 or WebDAV can follow by adding one opener here, without new transfer code. Paths
given to a `Remote` are relative to the destination's root and use ``/``.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
from typing import BinaryIO

from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem

from luna_desktop.catalog.models import Destination

from .destinations import Where, parse_url
from .errors import RemoteError


class Remote:
    """One destination's root on one filesystem, opened for one worker."""

    def __init__(
        self,
        fs: AbstractFileSystem,
        root: str,
        where: Where,
        errors: tuple[type[BaseException], ...] = (OSError, EOFError),
    ):
        self.fs = fs
        self.root = root.rstrip("/") or "/"
        self.where = where
        # What this backend raises when the connection or the storage fails (paramiko's
        # SSHException is no OSError): caught around every remote operation.
        self.errors = errors

    # -- paths -----------------------------------------------------------------------

    def full(self, rel: str) -> str:
        return posixpath.join(self.root, rel) if rel else self.root

    def url_for(self, rel: str) -> str:
        """What the transfer log and the messages name: the destination's URL and path."""
        base = self.where.describe().rstrip("/")
        return f"{base}/{rel}"

    def local_path(self, rel: str) -> str | None:
        """A path this process can open, when the destination is a local folder: the
        copy then runs in the kernel (copy_file_range) instead of through Python."""
        return self.full(rel) if isinstance(self.fs, LocalFileSystem) else None

    # -- operations ------------------------------------------------------------------

    def size(self, rel: str) -> int | None:
        """The file's size, or None when there is no file there."""
        try:
            info = self.fs.info(self.full(rel))
        except FileNotFoundError:
            return None
        if info.get("type") == "directory":
            raise RemoteError(f"{self.url_for(rel)} is a folder, where a file should go")
        return int(info.get("size") or 0)

    def makedirs(self, rel_dir: str) -> None:
        if rel_dir:
            self.fs.makedirs(self.full(rel_dir), exist_ok=True)

    def open_read(self, rel: str) -> BinaryIO:
        fh = self.fs.open(self.full(rel), "rb")
        prefetch = getattr(fh, "prefetch", None)  # paramiko's SFTPFile: read ahead
        if prefetch is not None:
            prefetch()
        return fh

    def open_write(self, rel: str, *, append: bool = False) -> BinaryIO:
        fh = self.fs.open(self.full(rel), "ab" if append else "wb")
        # paramiko's SFTPFile waits for each write's reply unless pipelined; a write that
        # failed then raises at close, and the read-back checks every byte anyway.
        pipelined = getattr(fh, "set_pipelined", None)
        if pipelined is not None:
            pipelined(True)
        return fh

    def rename(self, rel_from: str, rel_to: str) -> None:
        """Put a file in place under its final name, replacing what was there, in one
        step where the backend can (POSIX rename; SFTP posix-rename)."""
        if isinstance(self.fs, LocalFileSystem):
            os.replace(self.full(rel_from), self.full(rel_to))
        else:
            self.fs.mv(self.full(rel_from), self.full(rel_to))

    def place(self, rel_from: str, rel_to: str, *, replace: bool = False) -> None:
        """Put a verified copy under its final name. Never over a file that appeared
        there meanwhile (FileExistsError) unless `replace`: locally a hard link (fails
        when the name is taken) and the temporary name removed, or a rename where the
        file system has no links (FAT, exFAT, some shares) after one more look; over
        SFTP the standard rename, which refuses an existing name. The folder is synced
        after, so the new name survives a power cut."""
        if replace:
            self.rename(rel_from, rel_to)
        elif isinstance(self.fs, LocalFileSystem):
            src, dst = self.full(rel_from), self.full(rel_to)
            try:
                os.link(src, dst)
            except FileExistsError:
                raise
            except OSError:
                if os.path.lexists(dst):
                    raise FileExistsError(dst) from None
                os.rename(src, dst)
            else:
                os.unlink(src)
        else:
            ftp = getattr(self.fs, "ftp", None)  # SFTPFileSystem's paramiko client
            if ftp is None:
                if self.fs.exists(self.full(rel_to)):
                    raise FileExistsError(self.full(rel_to))
                self.fs.mv(self.full(rel_from), self.full(rel_to))
            else:
                try:
                    ftp.rename(self.full(rel_from), self.full(rel_to))
                except OSError:
                    if self.fs.exists(self.full(rel_to)):
                        raise FileExistsError(self.full(rel_to)) from None
                    raise
        self._sync_folder(posixpath.dirname(rel_to))

    def _sync_folder(self, rel_dir: str) -> None:
        if not isinstance(self.fs, LocalFileSystem):
            return  # an SFTP server syncs as its file system does
        with contextlib.suppress(OSError):  # some file systems cannot sync a folder
            fd = os.open(self.full(rel_dir), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def remove(self, rel: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.full(rel))

    def read_text(self, rel: str) -> str | None:
        try:
            with self.fs.open(self.full(rel), "rb") as fh:
                return fh.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return None

    def append_text(self, rel: str, text: str) -> None:
        with self.fs.open(self.full(rel), "ab") as fh:
            fh.write(text.encode("utf-8"))

    def write_text_atomically(self, rel: str, text: str, *, tmp_suffix: str) -> None:
        tmp = rel + tmp_suffix
        with self.fs.open(self.full(tmp), "wb") as fh:
            fh.write(text.encode("utf-8"))
        self.rename(tmp, rel)

    def close(self) -> None:
        client = getattr(self.fs, "client", None)  # SFTPFileSystem's paramiko client
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()


def open_remote(dest: Destination, *, secret_lookup=None) -> Remote:
    """Connect to a destination. Raises RemoteError (unreachable, refused, no such
    folder), HostKeyUnknown or HostKeyChanged (SFTP only)."""
    where = parse_url(dest.url)
    if where.scheme == "file":
        if not os.path.isdir(where.path):
            raise RemoteError(
                f"the destination folder {where.path} is not there (a network share not "
                "mounted, or a disk not plugged in?)"
            )
        return Remote(LocalFileSystem(), where.path, where)
    from .sftp import CONNECTION_ERRORS, open_sftp  # paramiko: for SFTP only

    fs = open_sftp(dest, where, secret_lookup=secret_lookup)
    return Remote(fs, where.path, where, CONNECTION_ERRORS)
