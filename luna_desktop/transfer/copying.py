"""Moving one file's bytes to a destination, and reading them back.

The file is written under a temporary name and hashed (sha256) on the way; then the
written copy is read back and hashed again. Only the caller renames it into place, once
both hashes agree, so a copy that looks complete at the destination is a verified one.

A local destination (a folder, a mounted share) is written by the kernel
(``copy_file_range``) while a second thread hashes the source, so Python's own copying
does not halve the speed; any other backend streams through fsspec in chunks. Both can
resume a partial temporary file left by a crash or a fault: the source is hashed from
its start, only the rest is sent, and a copy that does not read back right is thrown
away and written again from the start.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from .errors import RemoteError

CHUNK = 8 << 20  # bytes per write and per progress report
Progress = Callable[[int], None]  # bytes done so far in this phase
Cancel = Callable[[], bool]
_KERNEL_COPY_UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}


class Stopped(Exception):
    """The worker was asked to stop (paused, cancelled, closing) between two chunks."""


class SourceChanged(Exception):
    """The file on the drive changed while it was being sent."""


def sha256_of(fh, progress: Progress | None = None, cancel: Cancel | None = None) -> str:
    digest = hashlib.sha256()
    done = 0
    while chunk := fh.read(CHUNK):
        digest.update(chunk)  # hashlib lets other threads run while it hashes
        done += len(chunk)
        if progress is not None:
            progress(done)
        if cancel is not None and cancel():
            raise Stopped
    return digest.hexdigest()


def _hash_path(path: bytes, cancel: Cancel) -> str:
    with open(path, "rb") as fh:
        return sha256_of(fh, cancel=cancel)


def send(
    source: bytes,
    remote,
    tmp_rel: str,
    *,
    resume_from: int,
    progress: Progress,
    cancel: Cancel,
) -> tuple[str, int]:
    """Write `source` (an absolute path on a drive) to `tmp_rel` on the remote, keeping
    its first `resume_from` bytes; returns (sha256 of the source, its size)."""
    with open(source, "rb") as src:
        before = os.fstat(src.fileno())
        local = remote.local_path(tmp_rel)
        if local is not None:
            digest = _send_local(src, source, local, resume_from, before.st_size, progress, cancel)
        else:
            digest = _send_stream(src, remote, tmp_rel, resume_from, progress, cancel)
        after = os.fstat(src.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise SourceChanged
    return digest, before.st_size


def _send_local(src, source: bytes, dest: str, start: int, size: int, progress, cancel) -> str:
    stop = threading.Event()

    def stopping() -> bool:
        return stop.is_set() or cancel()

    with ThreadPoolExecutor(1, thread_name_prefix="luna-hash") as pool:
        hashed: Future[str] = pool.submit(_hash_path, source, stopping)
        try:
            flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(dest, flags, 0o644)
            try:
                os.ftruncate(fd, start)
                done = start
                progress(done)
                kernel = hasattr(os, "copy_file_range")
                while done < size:
                    count = min(CHUNK, size - done)
                    n = 0
                    if kernel:
                        try:
                            n = os.copy_file_range(src.fileno(), fd, count, done, done)
                        except OSError as exc:
                            if exc.errno not in _KERNEL_COPY_UNSUPPORTED:
                                raise
                            kernel = False
                    if not kernel:
                        chunk = os.pread(src.fileno(), count, done)
                        n = os.pwrite(fd, chunk, done) if chunk else 0
                    if n == 0:
                        raise SourceChanged  # the file got shorter
                    done += n
                    progress(done)
                    if stopping():
                        raise Stopped
                # The data reaches the disk before the copy can be renamed into place: a
                # power cut must not leave a complete-looking, empty file behind.
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            stop.set()
            with contextlib.suppress(Exception):
                hashed.result()
            raise
        try:
            return hashed.result()
        except Stopped:
            raise
        except OSError as exc:
            raise SourceChanged from exc


def _send_stream(src, remote, tmp_rel: str, start: int, progress, cancel) -> str:
    digest = hashlib.sha256()
    # The first `start` bytes are at the destination already: hash them, do not send.
    skipped = 0
    while skipped < start:
        chunk = src.read(min(CHUNK, start - skipped))
        if not chunk:
            raise SourceChanged
        digest.update(chunk)
        skipped += len(chunk)
    try:
        out = remote.open_write(tmp_rel, append=start > 0)
    except (OSError, EOFError) as exc:
        raise RemoteError(f"cannot write {remote.url_for(tmp_rel)}: {_why(exc)}") from exc
    done = start
    progress(done)
    with out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            try:
                out.write(chunk)
            except (OSError, EOFError) as exc:
                raise RemoteError(f"writing {remote.url_for(tmp_rel)} failed: {_why(exc)}") from exc
            done += len(chunk)
            progress(done)
            if cancel():
                raise Stopped
    return digest.hexdigest()


def read_back(remote, rel: str, *, progress: Progress, cancel: Cancel) -> str:
    """sha256 of the copy as the destination holds it."""
    local = remote.local_path(rel)
    try:
        if local is not None:
            with open(local, "rb") as fh:
                return sha256_of(fh, progress, cancel)
        with remote.open_read(rel) as fh:
            return sha256_of(fh, progress, cancel)
    except (OSError, EOFError) as exc:
        raise RemoteError(f"reading back {remote.url_for(rel)} failed: {_why(exc)}") from exc


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
