"""`luna-desktop --screenshot`: the real window, painted, written to a PNG."""

import os
import shutil
import subprocess
import sys

import pytest
from PIL import Image, ImageStat

from tests.scanning import run_scan

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def scanned(tmp_path, catalog, corpus):
    root = tmp_path / "Corpus"
    shutil.copytree(corpus / "2008 Tuscany Trip", root / "2008 Tuscany Trip")
    run_scan(root, drive="Corpus")
    return tmp_path / "catalog.sqlite3"


def _shoot(catalog, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run(
        [sys.executable, "-m", "luna_desktop.ui.app", "--catalog", str(catalog), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_screenshot_shows_the_selected_file_painted(scanned, tmp_path, theme):
    out = tmp_path / f"{theme}.png"
    done = _shoot(
        scanned,
        "--screenshot",
        str(out),
        "--select",
        "Corpus:2008 Tuscany Trip/DSCN0021.jpg",
        "--theme",
        theme,
        "--size",
        "1100x720",
    )
    assert done.returncode == 0, done.stderr
    with Image.open(out) as shot:
        assert shot.size == (1100, 720)
        rgb = shot.convert("RGB")
        # The preview (right, upper part) holds a photograph: many colours, not a blank.
        preview = rgb.crop((500, 80, 1080, 380))
        assert len(preview.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 500
        # The theme: the window's chrome is light or dark.
        corner = ImageStat.Stat(rgb.crop((0, 690, 40, 720))).mean
        assert (sum(corner) / 3 > 128) == (theme == "light")


def test_a_drive_or_folder_target_works_too(scanned, tmp_path):
    for target in ("Corpus", "Corpus:2008 Tuscany Trip"):
        out = tmp_path / "shot.png"
        done = _shoot(scanned, "--screenshot", str(out), "--select", target)
        assert done.returncode == 0, done.stderr
        assert Image.open(out).size == (1360, 860)


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("Nowhere", "no drive named 'Nowhere' (drives: Corpus)"),
        ("Corpus:2008 Tuscany Trip/nope.jpg", "Corpus has no file or folder"),
    ],
)
def test_a_target_that_does_not_exist_fails_with_a_message(scanned, tmp_path, target, says):
    out = tmp_path / "shot.png"
    done = _shoot(scanned, "--screenshot", str(out), "--select", target)
    assert done.returncode == 2
    assert says in done.stderr and not out.exists()


@pytest.fixture
def scanned_video(tmp_path, catalog):
    from tests.media_tools import ramp_video

    root = tmp_path / "Reels"
    (root / "1998").mkdir(parents=True)
    ramp_video(root / "1998" / "wedding.mp4", seconds=10)
    run_scan(root, drive="Reels")
    return tmp_path / "catalog.sqlite3"


def test_a_video_is_shown_by_its_poster_frame(scanned_video, tmp_path):
    out = tmp_path / "poster.png"
    done = _shoot(
        scanned_video, "--screenshot", str(out), "--select", "Reels:1998/wedding.mp4",
        "--size", "1100x720",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with Image.open(out) as shot:
        # The ramp clip's frame at 10 % (1 s): mid-dark grey with a white band, on black.
        preview = shot.convert("L").crop((500, 80, 1080, 380))
        levels = {level for count, level in preview.getcolors(256) if count > 500}
        assert 0 in levels and any(5 < level < 40 for level in levels), sorted(levels)


def test_without_libvlc_the_application_starts_and_shows_a_video(
    scanned_video, tmp_path, monkeypatch
):
    out = tmp_path / "no-vlc.png"
    monkeypatch.setenv("PYTHON_VLC_LIB_PATH", "/nonexistent/libvlc.so.5")
    done = _shoot(scanned_video, "--screenshot", str(out), "--select", "Reels:1998/wedding.mp4")
    assert done.returncode == 0, done.stderr
    with Image.open(out) as shot:
        assert shot.size[0] > 0
