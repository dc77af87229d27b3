"""UI benchmark: the real window, offscreen, on a synthetic catalogue of a million files.

    uv run python tests/bench/ui_bench.py [--files 1000000] [--folders 20000] [--keep DIR]

Builds (once, reused with --keep) a catalogue of N files on one drive in F folders,
rows inserted directly, every file pointing at a corpus JPEG (the drive's folders
hold hard links or copies of a few corpus JPEGs, so previews are real decodes), plus
one folder of 5,000 files. Then, driving the real MainWindow offscreen, measures:
  - start: process start to window shown with the tree populated (its own process);
  - expand: expanding the 5,000-file folder (fetchMore + layout);
  - next file with its preview painted (j), p50/p95 over 200 presses;
  - Ctrl+Enter save-and-next, p50/p95 over 200 saves;
  - a filter chip (Unreviewed, Needs attention, All), the slowest;
  - search: from the last keystroke to the tree showing the hits, the slowest of a few
    searches (a common name part, a folder, a rare word);
  - u (next unreviewed) from the current file, p95 over 50 presses;
  - contact sheet: the 5,000-file folder's contact sheet opened with a warm cache (its
    thumbnails already in the preview cache), to the first screen of thumbnails painted,
    the slowest of a few openings (each a new sheet: nothing decoded beforehand);
  - a 10,000-file scan into the open window: the longest stall of the GUI thread (a
    10 ms QTimer heartbeat) and the longest save made while the scan writes;
  - peak RSS;
  - videos (media_figures.py): j onto a video until its stored poster is painted,
    Space until the first frame is painted, and 1,000 switches between playing videos.
Prints each figure beside its target. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench import media_figures  # noqa: E402 (needs the path above)

TARGETS = {
    "start_s": 1.0,
    "expand_ms": 150.0,
    "next_p95_ms": 100.0,
    "save_next_p95_ms": 30.0,
    "chip_max_ms": 150.0,
    "search_max_ms": 150.0,
    "u_p95_ms": 20.0,
    "sheet_ms": 200.0,
    "scan_stall_ms": 100.0,
    "scan_save_max_ms": 100.0,
    "burst_stall_ms": 100.0,
    "peak_rss_mb": 600.0,
}
SCAN_FILES = 10_000
BURST_FILES = 10_000  # new files on a watched drive at once (the burst)
BIG_FOLDER = "big/five-thousand"
BIG_FOLDER_FILES = 5000
SHEET_OPENINGS = 3


def corpus_jpegs() -> list[Path]:
    from tests.corpus import corpus_root

    root = corpus_root()
    if root is None:
        sys.exit("ui_bench: the corpus was not found (../shared/corpus or $LUNA_TEST_CORPUS)")
    picks = [
        "2008 Tuscany Trip/DSCN0010.jpg",
        "Digital Camera Archive/Canon/Canon PowerShot A85.jpg",
        "Phone/DCIM/100APPLE/Apple iPhone 5.jpg",
        "2012-06 Dublin/Canon Powershot S90.jpg",
    ]
    return [root / p for p in picks]


def build(work: Path, files: int, folders: int) -> Path:
    """The catalogue and a drive folder whose files exist where the rows say."""
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.catalog.models import DB, Drive

    catalog = work / "catalog.sqlite3"
    drive_root = work / "drive"
    if catalog.exists():
        return catalog
    sources = corpus_jpegs()
    sample_dir = drive_root / "_samples"
    sample_dir.mkdir(parents=True, exist_ok=True)
    samples = []
    for i, src in enumerate(sources):
        dest = sample_dir / f"s{i}.jpg"
        shutil.copyfile(src, dest)
        samples.append((dest.stat().st_size, dest))
    open_catalog(catalog)
    drive = Drive.create(name="Million", mount_path=str(drive_root))
    per_folder = max(1, (files - BIG_FOLDER_FILES) // folders)
    conn = DB.obj.connection()
    sql = (
        "INSERT INTO file_entry (uuid, drive_id, folder, filename, size, mtime, oshash, kind, mime,"
        " width, height, present, status, title, description, notes, version, raw_path)"
        " VALUES (?, ?, ?, ?, ?, 0, ?, 'image', 'image/jpeg', 640, 480, 1, 1, '', '', '', 1, ?)"
    )
    rows = []
    n = 0

    def flush():
        with DB.atomic():
            conn.executemany(sql, rows)
        rows.clear()

    # Every row's relative path is a sample file: raw_path points the row at it, so
    # the preview decodes a real JPEG without a million files on disk.
    def add(folder: str, name: str) -> None:
        nonlocal n
        size, path = samples[n % len(samples)]
        rel = os.fsencode(path.relative_to(drive_root))
        rows.append((str(uuid.uuid4()), drive.id, folder, name, size, f"{n:016x}", rel))
        n += 1
        if len(rows) >= 20000:
            flush()

    for f in range(folders):
        folder = f"{2000 + f // 1000}/event-{(f // 50) % 20:02d}/roll-{f:05d}"
        for i in range(per_folder):
            add(folder, f"IMG_{i:04d}.jpg")
    for i in range(BIG_FOLDER_FILES):
        add(BIG_FOLDER, f"IMG_{i:05d}.jpg")
    flush()
    DB.execute_sql("ANALYZE")
    close_catalog()
    return catalog


def child(catalog: str, scan_files: str) -> None:
    """Runs in its own process so start-up time and RSS are the window's own."""
    started = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QToolButton

    from luna_desktop.ui.app import create_window
    from tests.bench.scan_bench import peak_rss_mb

    app = QApplication([])
    window = create_window(app, catalog)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    start_s = time.perf_counter() - started
    assert window.model.rowCount() > 0

    def wait_for(signal, timeout_ms=5000) -> bool:
        loop = QEventLoop()
        fired = []
        signal.connect(lambda *_: (fired.append(1), loop.quit()))
        QTimer.singleShot(timeout_ms, loop.quit)
        if not fired:
            loop.exec()
        return bool(fired)

    index = window.model.folder_index(BIG_FOLDER)
    node = window.model.node(index)
    window.tree.expand(index.parent())
    app.processEvents()
    t = time.perf_counter()
    window.tree.expand(index)
    window.tree.scrollTo(index)
    app.processEvents()
    window.tree.viewport().repaint()
    expand_ms = (time.perf_counter() - t) * 1000
    assert len(node.files) == BIG_FOLDER_FILES

    first = window.model.index_of(node.files[0])
    window.tree.setCurrentIndex(first)
    wait_for(window.preview.rendered)
    window.tree.setFocus()
    next_ms = []
    for _ in range(200):
        t = time.perf_counter()
        QTest.keyClick(window.tree, Qt.Key.Key_J)
        if not wait_for(window.preview.rendered):
            raise SystemExit("no preview painted within 5 s")
        next_ms.append((time.perf_counter() - t) * 1000)

    save_ms = []
    for i in range(200):
        window.form.set_status(2 + i % 5)
        t = time.perf_counter()
        QTest.keyClick(window.tree, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        save_ms.append((time.perf_counter() - t) * 1000)
        app.processEvents()
    window.form.revert()

    chip_ms = {}
    for key in ("unreviewed", "needs_attention", "all"):
        chip = window.findChild(QToolButton, f"chip_{key}")
        t = time.perf_counter()
        chip.click()
        app.processEvents()
        chip_ms[key] = (time.perf_counter() - t) * 1000

    search_ms = {}
    for text in ("IMG_00", "roll-01234", "event-07 img_0003", "zebra"):
        window.search.clear()
        app.processEvents()
        window.search.setFocus()
        with_hits: list[float] = []
        window.panel.searchDone.connect(partial(record_time, with_hits))
        for ch in text:
            QTest.keyClick(window.search, ch)
        t = time.perf_counter()
        wait_until(app, partial(bool, with_hits), timeout=10)
        window.panel.searchDone.disconnect()
        search_ms[text] = ((with_hits or [t + 10])[0] - t) * 1000
    window.search.clear()
    wait_until(app, lambda: not window.model.file_filter.searching)

    window.tree.setFocus()
    window.select_file(window.current_file or first_entry(window))
    u_ms = []
    for _ in range(50):
        t = time.perf_counter()
        QTest.keyClick(window.tree, Qt.Key.Key_U)
        u_ms.append((time.perf_counter() - t) * 1000)
        app.processEvents()

    million = window.model.drive_id  # the tree shows the million-file drive
    sheet_ms = [contact_sheet_ms(app, window, million) for _ in range(SHEET_OPENINGS)]

    media = media_figures.measure(app, window, wait_for, wait_until)

    stall_ms, scan_save_ms, scan_state = scan_into_window(
        app, window, Path(catalog).parent, int(scan_files)
    )
    burst_stall_ms, burst_s = burst_into_watched_drive(
        app, window, Path(catalog).parent / f"scan-drive-{int(scan_files)}", BURST_FILES
    )
    rss = peak_rss_mb()
    window.form.revert()
    window.close()
    print(
        json.dumps(
            {
                "start_s": start_s,
                "expand_ms": expand_ms,
                "next_p50_ms": statistics.median(next_ms),
                "next_p95_ms": percentile(next_ms, 95),
                "save_next_p50_ms": statistics.median(save_ms),
                "save_next_p95_ms": percentile(save_ms, 95),
                "chip_max_ms": max(chip_ms.values()),
                "chips": chip_ms,
                "search_max_ms": max(search_ms.values()),
                "searches": search_ms,
                "u_p50_ms": statistics.median(u_ms),
                "u_p95_ms": percentile(u_ms, 95),
                "sheet_ms": max(sheet_ms),
                "sheets": sheet_ms,
                "scan_stall_ms": stall_ms,
                "scan_save_max_ms": max(scan_save_ms) if scan_save_ms else float("nan"),
                "scan_saves": len(scan_save_ms),
                "scan_state": scan_state,
                "burst_stall_ms": burst_stall_ms,
                "burst_s": burst_s,
                "peak_rss_mb": rss,
                "media": media,
            }
        )
    )


def warm_thumbnails(catalog: Path, cache_dir: Path) -> Path:
    """A preview cache holding a thumbnail for every file of the 5,000-file folder, made
    from the corpus samples (kept with --keep)."""
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.catalog.models import FileEntry
    from luna_desktop.media.preview_cache import THUMB, THUMB_PX, PreviewCache
    from luna_desktop.media.render import render_preview

    cache = PreviewCache(cache_dir)
    open_catalog(catalog)
    try:
        hashes = [
            h
            for (h,) in FileEntry.select(FileEntry.oshash)
            .where(FileEntry.folder == BIG_FOLDER)
            .tuples()
        ]
    finally:
        close_catalog()
    if all(cache.has(h, THUMB) for h in hashes[:: max(1, len(hashes) // 10)]):
        return cache_dir
    # Each sample rendered and saved as the cache saves a thumbnail, then its bytes
    # copied for the folder's files (saving 5,000 would encode 5,000 JPEGs).
    samples = []
    for path, h in zip(corpus_jpegs(), hashes, strict=False):
        cache.save(h, THUMB, render_preview(path, (THUMB_PX, THUMB_PX)))
        samples.append(cache.load_bytes(h, THUMB))
    for i, h in enumerate(hashes):
        target = cache.path(h, THUMB)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(samples[i % len(samples)])
    return cache_dir


def contact_sheet_ms(app, window, drive_id: int) -> float:
    """From asking a new contact sheet for the 5,000-file folder to its first screen of
    thumbnails painted. The sheet is a window of its own until the main window holds
    one; it never takes the keyboard from the main window (the figures after this one
    press the window's keys)."""
    from PySide6.QtCore import Qt

    from luna_desktop.ui.contact_sheet import ContactSheet

    sheet = ContactSheet()
    sheet.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    sheet.resize(1100, 800)
    sheet.show()
    app.processEvents()
    filled: list[float] = []
    sheet.screen_filled.connect(partial(record_time, filled))
    started = time.perf_counter()
    sheet.show_folder(drive_id, BIG_FOLDER)
    wait_until(app, partial(bool, filled), timeout=10)
    sheet.view.viewport().repaint()  # what arrived last, painted now
    elapsed = (time.perf_counter() - started) * 1000
    if not filled or sheet.model.rowCount() != BIG_FOLDER_FILES or sheet.loader.decoded == 0:
        raise SystemExit("the contact sheet showed no thumbnails within 10 s")
    sheet.shutdown()
    sheet.close()
    sheet.deleteLater()
    window.activateWindow()
    app.processEvents()
    return elapsed


def forget_earlier_scans(catalog: str) -> None:
    """A kept catalogue holds the drive an earlier run scanned into the window: drop it,
    so every run starts from the same million files."""
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.catalog.models import Drive

    open_catalog(catalog)
    Drive.delete().where(Drive.name != "Million").execute()  # the video drive is scanned anew
    close_catalog()


def record_time(into: list[float]) -> None:
    into.append(time.perf_counter())


def wait_until(app, condition, timeout: float = 30.0) -> None:
    """Run the event loop until `condition` holds. Not a busy loop: a spinning GUI thread
    would take the GIL from the threads being measured (search, scan)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer()
    check.timeout.connect(lambda: condition() and loop.quit())
    check.start(1)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    if not condition():
        loop.exec()
    check.stop()


def first_entry(window):
    from luna_desktop.catalog.models import FileEntry

    return FileEntry.select().where(FileEntry.drive == window.model.drive_id).first()


def scan_into_window(app, window, work: Path, files: int) -> tuple[float, list[float], str]:
    """Scan SCAN_FILES files into the open window while a heartbeat watches the GUI
    thread and a curator saves every 200 ms; returns (longest stall, save times, state)."""
    from PySide6.QtCore import QTimer

    from tests.bench.scan_bench import build_drive

    drive = work / f"scan-drive-{files}"
    if not drive.exists():
        build_drive(drive, files)
    beats: list[float] = []
    heart = QTimer()
    heart.timeout.connect(lambda: beats.append(time.perf_counter()))
    heart.start(10)
    saves: list[float] = []

    def save_once() -> None:
        if window.current_file is None:
            return
        window.form.set_status(3 if window.form.value().status != 3 else 4)
        t = time.perf_counter()
        window.save()
        saves.append((time.perf_counter() - t) * 1000)

    saver = QTimer()
    saver.timeout.connect(save_once)
    saver.start(200)
    # An edit in progress keeps the window on this drive when the scan's drive appears,
    # so the saves below land on the million-file drive while the scan writes.
    if window.current_file is None:
        window.select_file(first_entry(window))
    window.form.set_status(5)
    ended = []
    window.scans.ended.connect(lambda p: ended.append(p))
    window.start_scan(drive, "ScanBench")
    wait_until(app, lambda: bool(ended), timeout=600)
    heart.stop()
    saver.stop()
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(beats)]
    state = ended[0].state if ended and ended[0] is not None else "failed"
    return (max(gaps) if gaps else float("nan")), saves, state


def burst_into_watched_drive(app, window, drive: Path, files: int) -> tuple[float, float]:
    """Drop `files` new files at once onto the drive the scan just catalogued (mounted,
    so the window watches it) while a 10 ms heartbeat watches the GUI thread; returns
    (longest stall in ms, seconds until every file is in the catalogue)."""
    from PySide6.QtCore import QTimer

    from luna_desktop.catalog.models import Drive, FileEntry

    bench = Drive.get(Drive.name == "ScanBench")
    wait_until(app, lambda: window.live_flow.ready(bench.id), timeout=120)
    before = FileEntry.select().where(FileEntry.drive == bench.id).count()
    source = next(drive.rglob("*.jpg"))
    data = source.read_bytes()
    beats: list[float] = []
    heart = QTimer()
    heart.timeout.connect(lambda: beats.append(time.perf_counter()))
    heart.start(10)
    target = drive / "burst"
    target.mkdir(exist_ok=True)

    def copy_in() -> None:  # another program (a file manager) writing the files
        for i in range(files):  # distinct bytes at the end: distinct oshashes
            (target / f"burst_{i:05}.jpg").write_bytes(data + i.to_bytes(8, "little"))

    t = time.perf_counter()
    threading.Thread(target=copy_in, name="bench-burst", daemon=True).start()
    wait_until(
        app,
        lambda: FileEntry.select().where(FileEntry.drive == bench.id).count() >= before + files,
        timeout=600,
    )
    took = time.perf_counter() - t
    heart.stop()
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(beats)]
    shutil.rmtree(target)  # the next run starts from the scanned drive again
    return (max(gaps) if gaps else float("nan")), took


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--folders", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="build the catalogue here and keep it")
    parser.add_argument(
        "--scan-files", type=int, default=SCAN_FILES, help="files of the scan into the window"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="luna-ui-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    catalog = build(work, args.files, args.folders)
    forget_earlier_scans(str(catalog))
    thumbs = warm_thumbnails(catalog, work / "thumbs")
    media_figures.scan_video_drive(catalog, media_figures.build_video_drive(work))
    print(
        f"catalogue: {args.files:,} files in {args.folders:,} folders "
        f"({time.perf_counter() - t:.0f} s to build or reuse)"
    )
    shutil.rmtree(work / "config", ignore_errors=True)  # no window state from an earlier run
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(work / "config"),
        LUNA_CACHE_DIR=str(thumbs),  # the warm cache, never the user's own
    )
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(catalog), str(args.scan_files)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        sys.exit(f"ui_bench: the window run failed:\n{out.stderr[-3000:]}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    rows = [
        ("start to tree shown", figures["start_s"], TARGETS["start_s"], "s"),
        ("expand a 5,000-file folder", figures["expand_ms"], TARGETS["expand_ms"], "ms"),
        ("j: next file painted, p95", figures["next_p95_ms"], TARGETS["next_p95_ms"], "ms"),
        (
            "Ctrl+Enter save-and-next, p95",
            figures["save_next_p95_ms"],
            TARGETS["save_next_p95_ms"],
            "ms",
        ),
        ("a filter chip, slowest", figures["chip_max_ms"], TARGETS["chip_max_ms"], "ms"),
        ("search, slowest", figures["search_max_ms"], TARGETS["search_max_ms"], "ms"),
        ("u: next unreviewed, p95", figures["u_p95_ms"], TARGETS["u_p95_ms"], "ms"),
        ("contact sheet, 5,000 files, warm", figures["sheet_ms"], TARGETS["sheet_ms"], "ms"),
        (
            "GUI stall during the scan",
            figures["scan_stall_ms"],
            TARGETS["scan_stall_ms"],
            "ms",
        ),
        (
            "a save during the scan, max",
            figures["scan_save_max_ms"],
            TARGETS["scan_save_max_ms"],
            "ms",
        ),
        (
            f"GUI stall, {BURST_FILES:,} files on a watched drive",
            figures["burst_stall_ms"],
            TARGETS["burst_stall_ms"],
            "ms",
        ),
        ("peak RSS", figures["peak_rss_mb"], TARGETS["peak_rss_mb"], "MB"),
        *media_figures.report(figures["media"]),
    ]
    for label, value, target, unit in rows:
        verdict = "PASS" if value <= target else "MISS"
        print(
            f"{label:<32} {value:9.2f} {unit:<3} target < {target:g} {unit}  "
            f"({value / target:.2f}x)  {verdict}"
        )
    print(
        f"(p50: next file {figures['next_p50_ms']:.1f} ms, "
        f"save-and-next {figures['save_next_p50_ms']:.1f} ms, u {figures['u_p50_ms']:.1f} ms)"
    )
    print(media_figures.summary(figures["media"]))
    print("contact sheet openings (ms):", ", ".join(f"{v:.0f}" for v in figures["sheets"]))
    print("chips (ms):", ", ".join(f"{k} {v:.0f}" for k, v in figures["chips"].items()))
    print("searches (ms):", ", ".join(f"{k!r} {v:.0f}" for k, v in figures["searches"].items()))
    print(
        f"scan into the window: {figures['scan_state']}, "
        f"{figures['scan_saves']} saves made while it ran"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
