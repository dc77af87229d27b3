"""Reading files in worker processes, and blaming only the file that kills one.

Reading metadata is mostly Python and so bound by the GIL: files are read in worker
processes, one per core, never in the scanning process (see ScanOptions.processes;
threads are only for tests that replace the reader in the test's own process).

A decoder or libvlc that crashes on one file kills its worker, and the pool breaks:
every task in flight fails, whichever worker ran it. The files of those tasks are read
again one at a time in a single-worker process of their own, so a crash there names
exactly one file. That file is catalogued with its identity and an error, marked to be
tried again by the next scan; every other file gets its full metadata.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool

from luna_desktop.process_pool import worker_pool

from .reader import CRASH_NOTE, READER_CRASHED, FileJob, FileRecord, read_files, read_identity

Completed = tuple[list[FileJob], list[FileRecord]]
# The readers give way to the scanning process, which every file passes through (walk,
# write): with as many readers as cores, they would otherwise share the cores with it
# evenly, and the pipeline would wait on the one process that cannot be parallel. In the
# window, the same keeps the interface responsive while a scan runs.
READER_NICENESS = 5


class ReadPool:
    def __init__(self, workers: int, *, processes: bool) -> None:
        self.workers = workers
        self.use_processes = processes
        self._threads: ThreadPoolExecutor | None = None
        self._processes: ProcessPoolExecutor | None = None
        self._tasks: dict[Future[list[FileRecord]], tuple[list[FileJob], Executor]] = {}
        # Files of tasks lost with a broken pool, waiting to be read one at a time.
        self._suspects: deque[FileJob] = deque()
        self._alone: ProcessPoolExecutor | None = None
        self._alone_task: tuple[Future[list[FileRecord]], FileJob] | None = None
        self.stopped = False  # see stop()

    @property
    def busy(self) -> int:
        """Tasks in flight, and files still to be read again one at a time."""
        return len(self._tasks) + len(self._suspects) + (self._alone_task is not None)

    def submit(self, jobs: list[FileJob]) -> None:
        executor = self._executor()
        future = executor.submit(read_files, jobs)
        self._tasks[future] = (jobs, executor)

    def completed(self, timeout: float | None) -> list[Completed]:
        """What finished since the last call; waits up to `timeout` seconds for something
        to finish (None: does not wait). Every record comes with its job."""
        futures = list(self._tasks)
        if self._alone_task is not None:
            futures.append(self._alone_task[0])
        if timeout is not None and futures:
            done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
        else:
            done = {f for f in futures if f.done()}
        out: list[Completed] = []
        for future in done:
            if self._alone_task is not None and future is self._alone_task[0]:
                out += self._suspect_done(future)
                continue
            jobs, executor = self._tasks.pop(future)
            records = self._records(future, jobs, executor)
            if records is not None:
                out.append((jobs, records))
        self._read_next_suspect()
        return out

    def stop(self) -> None:
        """Read nothing more: tasks not started are dropped (the next scan reads their
        files), tasks already running finish and their work is kept."""
        self.stopped = True
        self._suspects.clear()
        for future in self._tasks:
            future.cancel()

    def close(self) -> None:
        self.stop()
        for pool in (self._threads, self._processes, self._alone):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._threads = self._processes = self._alone = None

    def _executor(self) -> Executor:
        if self.use_processes:
            if self._processes is None:
                self._processes = worker_pool(self.workers, niceness=READER_NICENESS)
            return self._processes
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="luna-scan")
        return self._threads

    def _records(
        self, future: Future[list[FileRecord]], jobs: list[FileJob], executor: Executor
    ) -> list[FileRecord] | None:
        if future.cancelled():
            return None
        try:
            return future.result()
        except BrokenProcessPool:
            if executor is self._processes:
                self._processes = None
                executor.shutdown(wait=True, cancel_futures=True)
            # Stopping: a worker killed with its process group (Ctrl+C, a closed
            # terminal) blames no file, and the next scan reads these again.
            if not self.stopped:
                self._suspects.extend(jobs)
            return None
        except Exception as exc:  # a reader bug: keep the files, say what happened
            return [read_identity(job, _reader_failed(exc)) for job in jobs]

    def _read_next_suspect(self) -> None:
        if self._alone_task is not None or not self._suspects or self.stopped:
            return
        job = self._suspects.popleft()
        if self._alone is None:
            self._alone = worker_pool(1)
        self._alone_task = (self._alone.submit(read_files, [job]), job)

    def _suspect_done(self, future: Future[list[FileRecord]]) -> list[Completed]:
        assert self._alone_task is not None
        job = self._alone_task[1]
        self._alone_task = None
        if future.cancelled():
            return []
        try:
            records = future.result()
        except BrokenProcessPool:
            if self._alone is not None:
                self._alone.shutdown(wait=True, cancel_futures=True)
                self._alone = None
            if self.stopped:
                return []
            records = [read_identity(job, CRASH_NOTE, READER_CRASHED)]
        except Exception as exc:
            records = [read_identity(job, _reader_failed(exc))]
        return [([job], records)]


def _reader_failed(exc: Exception) -> str:
    return f"could not read the file's metadata: {exc.__class__.__name__}: {exc}"
