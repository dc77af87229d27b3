"""Start-up benchmark: how soon the command line answers, against a bare Python.

    uv run python tests/bench/startup_bench.py [--runs 15] [--files 4000] [--keep DIR]

Measures in this one run, each command in a fresh process, best of --runs after a
warm-up (so bytecode is cached, as on a user's machine):
  - `python -c pass`, the floor every command pays;
  - `luna --help`, `luna drives` and `luna ls DRIVE FOLDER` on a catalogue of --files;
  - `luna scan` of a drive of --files files already catalogued with nothing changed,
    start to summary, and whether it started any worker process;
and prints the ratios against the floor with each target, PASS or MISS, then what each
command imports that costs most (`python -X importtime`). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TARGET_HELP = 10.0  # × python -c pass
TARGET_READ_COMMAND = 25.0  # luna drives, luna ls
TARGET_RESCAN_S = 0.5


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Let Python cache bytecode as it does on a user's machine (some shells forbid it).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _luna() -> list[str]:
    script = Path(sys.executable).with_name("luna")
    return [str(script)] if script.exists() else [sys.executable, "-m", "luna_desktop.cli.main"]


def best_of(command: list[str], runs: int) -> float:
    subprocess.run(command, env=_env(), capture_output=True, check=False)  # warm-up
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=_env(), capture_output=True, check=False)
        best = min(best, time.perf_counter() - started)
    return best


def top_imports(command: list[str], count: int = 4) -> str:
    """The costliest top-level imports of a command, from -X importtime."""
    if command[0] != sys.executable:
        command = [sys.executable, *command]  # the luna script is a Python file
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *command[1:]],
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(3)) == 1:  # top level only
            rows.append((int(match.group(2)), match.group(4)))
    rows.sort(reverse=True)
    return ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in rows[:count])


def rescan(catalog: Path, drive: Path, runs: int) -> tuple[float, bool]:
    """Best wall time of `luna scan` with nothing changed, and whether any run started a
    worker process (the scan says so in its summary only through the process count, so
    the children of the luna process are counted from /proc while it runs)."""
    command = [*_luna(), "--catalog", str(catalog), "scan", str(drive), "--drive", "Bench"]
    best, workers = float("inf"), False
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        while process.poll() is None:
            workers = workers or bool(_children(process.pid))
            time.sleep(0.002)
        best = min(best, time.perf_counter() - started)
    return best, workers


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--keep", type=Path, help="build the drive here and keep it")
    args = parser.parse_args()

    from tests.bench.scan_bench import build_drive

    work = args.keep or Path(tempfile.mkdtemp(prefix="luna-startup-"))
    drive = work / f"drive-{args.files}"
    if not drive.exists():
        print(f"building a drive of {args.files:,} files in {drive} …", flush=True)
        build_drive(drive, args.files)
    catalog = work / f"startup-{args.files}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{catalog}{suffix}").unlink(missing_ok=True)
    luna = _luna()
    first = subprocess.run(
        [*luna, "--catalog", str(catalog), "scan", str(drive), "--drive", "Bench"],
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if first.returncode != 0:
        sys.exit(f"startup_bench: the first scan failed:\n{first.stderr}")

    floor = best_of([sys.executable, "-c", "pass"], args.runs)
    commands = {
        "luna --help": ([*luna, "--help"], TARGET_HELP),
        "luna drives": ([*luna, "--catalog", str(catalog), "drives"], TARGET_READ_COMMAND),
        "luna ls": (
            [*luna, "--catalog", str(catalog), "ls", "Bench", "2000/event-00/card-0"],
            TARGET_READ_COMMAND,
        ),
    }
    print(f"cpus: {os.cpu_count()}  python -c pass: {floor * 1000:.1f} ms (best of {args.runs})\n")
    for label, (command, target) in commands.items():
        seconds = best_of(command, args.runs)
        ratio = seconds / floor
        print(
            f"{label:<14} {seconds * 1000:7.1f} ms  {ratio:5.1f}x  target < {target:.0f}x  "
            f"{verdict(ratio < target)}"
        )
        print(f"{'':14} costliest imports: {top_imports(command)}")
    seconds, workers = rescan(catalog, drive, max(3, args.runs // 3))
    print(
        f"\nrescan of {args.files:,} unchanged files, whole process: {seconds * 1000:.0f} ms  "
        f"target < {TARGET_RESCAN_S * 1000:.0f} ms  {verdict(seconds < TARGET_RESCAN_S)}"
    )
    print(
        f"worker processes started by that rescan: {'some' if workers else 'none'}  "
        f"target none  {verdict(not workers)}"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
