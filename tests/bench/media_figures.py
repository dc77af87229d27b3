"""Videos in the real window, for ui_bench: poster on arrival, first frame on Space, and
what a thousand switches leave behind.

    - j onto a video until its poster is painted, the poster already stored (p95);
    - Space until the first frame is painted (p95);
    - threads and open files of the window's process before and after 1,000 switches
      between videos, each started playing.

The clips (ffmpeg's test pattern, 640 × 360, 8 s) are made once on a small second
drive, "Videos", scanned into the bench's catalogue before the window opens.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

VIDEO_DRIVE = "Videos"
CLIPS = 24
SWITCHES = 1000
TARGETS = {"poster_p95_ms": 100.0, "first_frame_p95_ms": 400.0}


def build_video_drive(work: Path) -> Path:
    root = work / "video-drive"
    clips = root / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    for i in range(CLIPS):
        out = clips / f"clip_{i:02d}.mp4"
        if out.exists():
            continue
        pattern = ("testsrc", "testsrc2", "smptebars", "rgbtestsrc")[i % 4]
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", f"{pattern}=size=640x360:rate=25:duration=8",
             "-f", "lavfi", "-i", f"sine=frequency={220 + 20 * i}:duration=8",
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
             "-c:a", "aac", "-shortest", os.fspath(out)],
            check=True, timeout=120,
        )  # fmt: skip
    return root


def scan_video_drive(catalog: Path, root: Path) -> None:
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.scan.pipeline import Cancel, ScanOptions, scan_drive

    open_catalog(catalog)
    try:
        for _progress in scan_drive(root, VIDEO_DRIVE, ScanOptions(), Cancel()):
            pass
    finally:
        close_catalog()


def _process_handles() -> tuple[int, int]:
    return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))


def measure(app, window, wait_for, wait_until) -> dict:
    """In the bench's window process; `wait_for(signal)` and `wait_until(app, cond)` are
    ui_bench's event-loop helpers."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from luna_desktop.catalog.models import Drive, FileEntry
    from luna_desktop.media import playback

    window.reload_drives(select=VIDEO_DRIVE)
    drive = Drive.get(Drive.name == VIDEO_DRIVE)
    clips = list(FileEntry.select().where(FileEntry.drive == drive).order_by(FileEntry.filename))
    assert len(clips) == CLIPS, f"{len(clips)} clips catalogued"

    def arrive(entry) -> None:
        window.select_file(entry)
        wait_for(window.preview.presented, 20000)
        window.tree.setFocus()

    def run_through() -> list[float]:
        arrive(clips[0])
        times = []
        for _entry in clips[1:]:
            t = time.perf_counter()
            QTest.keyClick(window.tree, Qt.Key.Key_J)
            if not wait_for(window.preview.rendered, 20000):
                raise SystemExit("no poster painted within 20 s")
            times.append((time.perf_counter() - t) * 1000)
        return times

    taking_ms = run_through()  # every poster taken from its video and stored
    window.preview.clear_cache()  # from the store, not from the pane's memory
    poster_ms = run_through()

    frame_ms = []
    for entry in clips[:20]:
        arrive(entry)
        t = time.perf_counter()
        QTest.keyClick(window.tree, Qt.Key.Key_Space)
        if not wait_for(window.preview.first_frame, 10000):
            raise SystemExit("no frame painted within 10 s of Space")
        frame_ms.append((time.perf_counter() - t) * 1000)

    arrive(clips[0])
    playback.reaper_idle(30)
    before = _process_handles()
    pair = (clips[0], clips[1])
    for n in range(SWITCHES):
        window.select_file(pair[n % 2])
        app.processEvents()
        window.preview.play_pause()
        app.processEvents()
    window.select_file(clips[2])  # leave the last one too
    wait_until(app, lambda: playback.reaper_idle(0.05), timeout=300)
    time.sleep(0.5)
    after = _process_handles()
    return {
        "taking_p50_ms": statistics.median(taking_ms),
        "poster_p50_ms": statistics.median(poster_ms),
        "poster_p95_ms": _percentile(poster_ms, 95),
        "first_frame_p50_ms": statistics.median(frame_ms),
        "first_frame_p95_ms": _percentile(frame_ms, 95),
        "switch_threads": [before[0], after[0]],
        "switch_fds": [before[1], after[1]],
    }


def report(figures: dict) -> list[tuple[str, float, float, str]]:
    """Rows for ui_bench's table."""
    rows = [
        ("j onto a video, stored poster, p95", "poster_p95_ms"),
        ("Space to first frame, p95", "first_frame_p95_ms"),
    ]
    return [(label, figures[key], TARGETS[key], "ms") for label, key in rows]


def summary(figures: dict) -> str:
    threads, fds = figures["switch_threads"], figures["switch_fds"]
    return (
        f"(p50: poster taken {figures['taking_p50_ms']:.0f} ms, stored "
        f"{figures['poster_p50_ms']:.1f} ms, first frame "
        f"{figures['first_frame_p50_ms']:.1f} ms; {SWITCHES} switches between playing "
        f"videos: threads {threads[0]} -> {threads[1]}, open files {fds[0]} -> {fds[1]})"
    )


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
