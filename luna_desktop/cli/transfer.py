"""`luna transfer`: the publication queue from the command line.

luna transfer status [DESTINATION] [--json]   jobs by state, the file in hand, rate and ETA
luna transfer run [DESTINATION] [--wait]      work the queue (every destination at once)
luna transfer queue [DESTINATION] [FILE…]     queue what is marked upload; say why a FILE is not
luna transfer verify DESTINATION [--requeue]  read every published copy back and check it
luna transfer retry|pause|resume|cancel DESTINATION
"""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import datetime

from .common import open_from_args, print_json_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "transfer",
        help="publish files marked upload: run, status, queue, verify, retry, pause…",
        description=(
            "Files marked upload (the primary of each duplicate group) are queued for every "
            "destination. Each is written under a temporary name, read back and compared "
            "by sha256, then renamed into place and listed in the destination's "
            "manifest-sha256.txt. Failed jobs are retried with a growing delay."
        ),
    )
    actions = p.add_subparsers(dest="transfer_action", metavar="ACTION", required=True)

    status = actions.add_parser("status", help="the queue of each destination")
    status.add_argument("destination", metavar="DESTINATION", nargs="?")
    status.add_argument("--json", action="store_true", help="one JSON object per destination")
    status.set_defaults(run=run_status)

    run = actions.add_parser(
        "run",
        help="work the queue now (delayed destinations too)",
        description="Sends what can be sent now, destinations in parallel, one file at a time "
        "each. With --wait, stays until every job is done or failed (waiting for drives "
        "and retries); the exit status is 0 only when every job was verified. Ctrl+C stops "
        "cleanly: a file in flight is sent again from where it was next time.",
    )
    run.add_argument("destination", metavar="DESTINATION", nargs="?")
    run.add_argument("--wait", action="store_true", help="until every job is done or failed")
    run.add_argument(
        "--confirm-remove-local",
        action="store_true",
        help="answer yes, without asking, to removing local copies where a destination is "
        "set to (asked once per destination)",
    )
    run.add_argument("--poll", type=float, default=2.0, help=argparse.SUPPRESS)
    run.set_defaults(run=run_run)

    q = actions.add_parser("queue", help="queue what is marked upload; say why FILE is not")
    q.add_argument("destination", metavar="DESTINATION", nargs="?")
    q.add_argument("files", metavar="FILE", nargs="*", help="a path on a drive or DRIVE:path")
    q.set_defaults(run=run_queue)

    verify = actions.add_parser(
        "verify", help="read back every published copy and compare it with its hash"
    )
    verify.add_argument("destination", metavar="DESTINATION")
    verify.add_argument("--requeue", action="store_true", help="send damaged copies again")
    verify.add_argument("--json", action="store_true", help="the report as one JSON object")
    verify.set_defaults(run=run_verify)

    for name, helptext in (
        ("retry", "queue the failed and the cancelled jobs again"),
        ("pause", "stop after the file in hand; nothing starts until resume"),
        ("resume", "let jobs start again"),
        ("cancel", "cancel every job not done yet"),
    ):
        a = actions.add_parser(name, help=helptext)
        a.add_argument("destination", metavar="DESTINATION")
        a.set_defaults(run=run_change, change=name)


def _destinations(name: str | None):
    from luna_desktop.transfer import destinations
    from luna_desktop.transfer.errors import TransferError

    from .main import UserError

    try:
        chosen = [destinations.get(name)] if name else destinations.all_destinations()
    except TransferError as exc:
        raise UserError(str(exc)) from None
    if not chosen:
        raise UserError("no destinations yet (add one with `luna destination add NAME URL`)")
    return chosen


def _mounts():
    from luna_desktop.scan.volumes import DrivesInPlace

    return DrivesInPlace()


# -- status ------------------------------------------------------------------------------


def run_status(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.transfer import queue

    mounted = _mounts()()
    for dest in _destinations(args.destination):
        queue.sync(dest)
        c = queue.counts(dest, mounted)
        running = [_running(j) for j in queue.jobs(dest, (queue.RUNNING,), limit=10)]
        failed = [
            {"file": _source(j), "error": j.last_error, "attempts": j.attempts}
            for j in queue.jobs(dest, (queue.FAILED,), limit=50)
        ]
        info = {
            "destination": dest.name,
            "url": dest.url,
            "delayed": dest.delayed,
            "paused": dest.paused,
            "worker": dest.worker,
            "counts": {s: c.count(s) for s in queue.STATES},
            "bytes_left": c.bytes_left,
            "waiting_for_drives": c.waiting_for,
            "next_try": c.next_try.isoformat() if c.next_try else None,
            "running": running,
            "failed": failed,
        }
        if args.json:
            print_json_line(info)
            continue
        print(_status_text(info))
    return 0


def _source(job) -> str:
    return f"{job.file.drive.name}:{job.file.display_path}"


def _running(job) -> dict:
    from luna_desktop.catalog.models import utcnow

    started = job.started_at
    if isinstance(started, str):
        started = datetime.fromisoformat(started)
    elapsed = (utcnow() - started).total_seconds() if started else 0.0
    rate = job.done_bytes / elapsed if elapsed > 0 else 0.0
    eta = (job.size - job.done_bytes) / rate if rate > 0 else None
    return {
        "file": _source(job),
        "remote_path": job.remote_path,
        "bytes": job.done_bytes,
        "size": job.size,
        "rate": round(rate),
        "eta": round(eta) if eta is not None else None,
    }


def _status_text(info: dict) -> str:
    c = info["counts"]
    mode = "paused" if info["paused"] else ("delayed" if info["delayed"] else "")
    lines = [
        f"{info['destination']} ({info['url']}){' — ' + mode if mode else ''}: "
        f"{c['done']} done, {c['queued']} queued, {c['running']} running, "
        f"{c['failed']} failed, {c['cancelled']} cancelled; {_size(info['bytes_left'])} to send"
    ]
    for drive, n in sorted(info["waiting_for_drives"].items()):
        lines.append(f"  {n} waiting for drive {drive}")
    if info["next_try"]:
        lines.append(f"  next retry at {info['next_try']} UTC")
    for r in info["running"]:
        eta = f", about {r['eta']} s left" if r["eta"] is not None else ""
        lines.append(
            f"  sending {r['file']}: {_size(r['bytes'])} of {_size(r['size'])} "
            f"at {_size(r['rate'])}/s{eta}"
        )
    for f in info["failed"]:
        lines.append(f"  failed {f['file']} after {f['attempts']} attempt(s): {f['error']}")
    return "\n".join(lines)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


# -- run ---------------------------------------------------------------------------------


def run_run(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.scan.options import Cancel
    from luna_desktop.transfer import local_copies, queue, worker

    from .main import UserError
    from .scan import say, stop_on_signals

    chosen = _destinations(args.destination)
    for dest in chosen:
        if local_copies.needs_confirmation(dest):
            if args.confirm_remove_local:
                local_copies.confirm(dest, True)
            elif sys.stdin.isatty():
                print(
                    f"{dest.name} is set to REMOVE each file from its archive drive after a "
                    "verified transfer (never the only copy Luna knows of)."
                )
                answer = input("type yes to allow it, anything else to keep local copies: ")
                local_copies.confirm(dest, answer.strip().lower() == "yes")
            else:
                raise UserError(
                    f"{dest.name} removes local copies after verification; confirm it once "
                    "with --confirm-remove-local, or `luna destination set "
                    f"{dest.name} --keep-local`"
                )
    cancel = Cancel()
    lock = threading.Lock()
    summaries: list = []
    mounts = _mounts()
    said: dict[str, str] = {}

    def on_event(event) -> None:
        line = _event_line(event, said)
        if line:
            with lock:
                say(line, sys.stdout)

    errors: list[str] = []

    def one(dest) -> None:
        try:
            summaries.append(
                worker.work(
                    dest, on_event=on_event, cancel=cancel.is_set, mounts=mounts,
                    wait=args.wait, poll=args.poll,
                )
            )  # fmt: skip
        except Exception as exc:  # one destination's failure must not hide the others'
            errors.append(f"{dest.name}: stopped by an error: {exc}")

    with stop_on_signals(cancel) as stopped_by:
        threads = [threading.Thread(target=one, args=(d,), daemon=True) for d in chosen]
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)  # wakes for Ctrl+C
    for line in errors:
        say(f"luna: {line}", sys.stderr)
    failed = sum(s.failed for s in summaries) + len(errors)
    for s in summaries:
        left = s.left
        say(
            f"{s.destination}: {s.done} sent and verified in this run; queue: "
            + ", ".join(f"{n} {state}" for state, n in sorted(left.items()))
            + (f" — stopped: {s.stopped_because}" if s.stopped_because else ""),
            sys.stdout,
        )
    if stopped_by:
        return 130
    if args.wait:
        unfinished = sum(
            s.left.get(queue.QUEUED, 0) + s.left.get(queue.RUNNING, 0) + s.left.get(queue.FAILED, 0)
            for s in summaries
        )
        return 0 if unfinished == 0 and len(summaries) == len(chosen) else 1
    return 1 if failed or any(s.stopped_because for s in summaries) else 0


def _event_line(event, said: dict[str, str]) -> str | None:
    from luna_desktop.transfer.events import DestinationNote, FileTransferred, JobFailed

    if isinstance(event, FileTransferred):
        extra = " (local copy removed)" if event.removed_local else ""
        note = f" — {event.note}" if event.note else ""
        return (
            f"{event.destination}: {event.source} → {event.remote} "
            f"({_size(event.size)}, sha256 {event.sha256[:16]}… verified){extra}{note}"
        )
    if isinstance(event, JobFailed):
        when = f"; next try at {event.next_try:%H:%M:%S} UTC" if event.next_try else ""
        return f"{event.destination}: {event.source} {event.state}: {event.error}{when}"
    if isinstance(event, DestinationNote):
        # Waiting is said again only when what it waits for changes.
        if said.get(event.destination) == event.message:
            return None
        said[event.destination] = event.message
        return f"{event.destination}: {event.message}"
    return None


# -- queue, verify, and the small changes ------------------------------------------------


def run_queue(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.catalog.models import FileEntry
    from luna_desktop.transfer import queue

    from .common import find_by_path
    from .main import UserError

    refused = 0
    for path in args.files:
        entry = find_by_path(path)
        if entry is None:
            raise UserError(f"{path} is not a catalogued file")
        why = queue.refusal(FileEntry.get_by_id(entry.id))
        if why:
            refused += 1
            print(f"refused: {why}", file=sys.stderr)
    for dest in _destinations(args.destination):
        result = queue.sync(dest)
        c = queue.counts(dest, {})
        print(
            f"{dest.name}: {result.queued} queued now, {result.cancelled} withdrawn; "
            f"{c.count(queue.QUEUED)} waiting to be sent, {c.count(queue.DONE)} done"
        )
    return 1 if refused else 0


def run_verify(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.transfer.errors import TransferError
    from luna_desktop.transfer.verify import verify

    from .main import UserError

    (dest,) = _destinations(args.destination)
    try:
        report = verify(dest, requeue=args.requeue)
    except TransferError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print_json_line(
            {
                "destination": report.destination,
                "checked": report.checked,
                "ok": report.ok,
                "bytes_read": report.bytes_read,
                "requeued": report.requeued,
                "problems": [p.__dict__ for p in report.problems],
            }
        )
    else:
        for p in report.problems:
            print(f"{p.what}: {p.path} — {p.detail}")
        tail = f"; {report.requeued} queued to be sent again" if report.requeued else ""
        print(
            f"{dest.name}: {report.checked} checked, {report.ok} intact, "
            f"{len(report.problems)} problem(s){tail}"
        )
    return 1 if report.problems else 0


def run_change(args: argparse.Namespace) -> int:
    open_from_args(args)
    from luna_desktop.transfer import queue

    (dest,) = _destinations(args.destination)
    queue.sync(dest)  # files marked a moment ago have their jobs before they are changed
    if args.change == "retry":
        failed, cancelled = queue.retry_failed(dest), queue.requeue_cancelled(dest)
        print(f"{dest.name}: {failed} failed and {cancelled} cancelled job(s) queued again")
    elif args.change == "cancel":
        print(f"{dest.name}: {queue.cancel_all(dest)} job(s) cancelled")
    else:
        queue.set_paused(dest, args.change == "pause")
        print(f"{dest.name}: {'paused' if args.change == 'pause' else 'resumed'}")
    return 0
