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
from dataclasses import dataclass

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
    buffer = bytearray(CHUNK)  # one buffer, read into: no allocation per chunk
    view = memoryview(buffer)
    done = 0
    while n := fh.readinto(buffer):
        digest.update(view[:n])  # hashlib lets other threads run while it hashes
        done += n
        if progress is not None:
            progress(done)
        if cancel is not None and cancel():
            raise Stopped
    return digest.hexdigest()


def _hash_path(path: bytes | str, cancel: Cancel) -> str:
    with open(path, "rb", buffering=0) as fh:
        return sha256_of(fh, cancel=cancel)


@dataclass(frozen=True)
class Sent:
    sha256: str  # of the source, read as it was sent
    size: int
    read_back: str | None  # of the copy, when it was read back while being written


def send(
    source: bytes,
    remote,
    tmp_rel: str,
    *,
    resume_from: int,
    progress: Progress,
    cancel: Cancel,
) -> Sent:
    """Write `source` (an absolute path on a drive) to `tmp_rel` on the remote, keeping
    its first `resume_from` bytes."""
    with open(source, "rb") as src:
        before = os.fstat(src.fileno())
        local = remote.local_path(tmp_rel)
        if local is not None:
            digest, back = _send_local(
                src, source, local, resume_from, before.st_size, progress, cancel
            )
        else:
            digest = _send_stream(src, remote, tmp_rel, resume_from, progress, cancel)
            back = None
        after = os.fstat(src.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise SourceChanged
    return Sent(digest, before.st_size, back)


class _Written:
    """How far the copy has got, for the thread that reads it back behind it."""

    def __init__(self, start: int) -> None:
        self.upto = start
        self.finished = False
        self.failed = False
        self._cond = threading.Condition()

    def advance(self, upto: int) -> None:
        with self._cond:
            self.upto = upto
            self._cond.notify_all()

    def end(self, failed: bool) -> None:
        with self._cond:
            self.finished, self.failed = True, failed
            self._cond.notify_all()

    def wait_beyond(self, offset: int) -> bool:
        """Wait until bytes past `offset` are written; False when the copy ended first
        (everything there is, is written) or failed."""
        with self._cond:
            while self.upto <= offset and not self.finished:
                self._cond.wait(0.5)
            if self.failed:
                raise Stopped
            return self.upto > offset


def _hash_behind(dest: str, written: _Written, cancel: Cancel) -> str:
    """Read the copy back as it is written (a separate descriptor, the file system's
    own idea of the file) and hash it: the read-back then ends with the copy instead of
    after it, and a local transfer runs at nearly the speed of the copy alone."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    offset = 0
    with open(dest, "rb", buffering=0) as fh:
        while written.wait_beyond(offset):
            n = fh.readinto(view[: min(CHUNK, written.upto - offset)])
            if not n:
                break  # shorter than written: the hashes will differ, and say so
            digest.update(view[:n])
            offset += n
            if cancel():
                raise Stopped
    return digest.hexdigest()


def _send_local(
    src, source: bytes, dest: str, start: int, size: int, progress, cancel
) -> tuple[str, str]:
    stop = threading.Event()

    def stopping() -> bool:
        return stop.is_set() or cancel()

    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(dest, flags, 0o644)
    written = _Written(start)
    with ThreadPoolExecutor(2, thread_name_prefix="luna-hash") as pool:
        try:
            os.ftruncate(fd, start)
            # The hashing threads watch only the event: the caller's check may ask the
            # catalogue, and a thread of their own would open a connection per file.
            hashed: Future[str] = pool.submit(_hash_path, source, stop.is_set)
            back: Future[str] = pool.submit(_hash_behind, dest, written, stop.is_set)
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
                written.advance(done)
                progress(done)
                if stopping():
                    stop.set()
                    raise Stopped
            # The data reaches the disk before the copy can be renamed into place: a
            # power cut must not leave a complete-looking, empty file behind.
            os.fsync(fd)
            written.end(failed=False)
        except BaseException:
            stop.set()
            written.end(failed=True)
            for future in (locals().get("hashed"), locals().get("back")):
                if future is not None:
                    with contextlib.suppress(Exception):
                        future.result()
            raise
        finally:
            os.close(fd)
        source_hash = hashed.result()  # an OSError here is the drive's: the caller asks
        try:
            return source_hash, back.result()
        except OSError as exc:
            raise RemoteError(f"reading back {dest} failed: {_why(exc)}") from exc


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
    except remote.errors as exc:
        raise RemoteError(f"cannot write {remote.url_for(tmp_rel)}: {_why(exc)}") from exc
    done = start
    progress(done)
    with out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            try:
                out.write(chunk)
            except remote.errors as exc:
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
    except remote.errors as exc:
        raise RemoteError(f"reading back {remote.url_for(rel)} failed: {_why(exc)}") from exc


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
