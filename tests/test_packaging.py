"""What packaging/ builds from: the desktop entry and AppStream metainfo (validated by
Debian's own tools), the wheel's metadata and contents, the icon sizes, the frozen
program's launcher, and the .deb's Depends. (The bundle and the .deb themselves are
built and installed by packaging/build.sh and packaging/linux/check_deb.sh, which CI
runs as a step of its own: a PyInstaller build takes too long for a unit test.)"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from luna_desktop import __version__

REPO = Path(__file__).resolve().parent.parent
LINUX = REPO / "packaging" / "linux"
APP_ID = "org.lunadesktop.Luna"


def _tool(name: str) -> str:
    # Listed in the README's system packages and installed by .ci/run: a missing one is
    # a broken machine, not a reason to skip.
    path = shutil.which(name)
    assert path, f"{name} is missing: apt install desktop-file-utils appstream binutils"
    return path


def _run(*args: str | Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)


def _desktop_entry(text: str) -> dict[str, dict[str, str]]:
    groups: dict[str, dict[str, str]] = {}
    group = None
    for line in text.splitlines():
        if line.startswith("["):
            group = groups.setdefault(line.strip("[]"), {})
        elif "=" in line and group is not None:
            key, _, value = line.partition("=")
            group[key] = value
    return groups


def test_the_desktop_entry_passes_desktop_file_validate_and_opens_folders():
    path = LINUX / f"{APP_ID}.desktop"
    done = _run(_tool("desktop-file-validate"), path)
    assert done.returncode == 0 and "error" not in done.stdout, done.stdout + done.stderr
    entry = _desktop_entry(path.read_text())
    main = entry["Desktop Entry"]
    assert main["Icon"] == APP_ID
    assert main["Exec"] == "luna-desktop %F"  # a file manager's "Open with" on folders
    assert "inode/directory" in main["MimeType"].split(";")
    assert {"Graphics", "Photography"} <= set(main["Categories"].split(";"))
    assert main["Keywords"]
    action = entry[f"Desktop Action {main['Actions'].strip(';')}"]
    assert action["Name"] == "Open a folder in Luna"
    assert action["Exec"] == "luna-desktop --add-drive"


def test_the_metainfo_passes_appstreamcli_and_names_this_release():
    path = LINUX / f"{APP_ID}.metainfo.xml"
    done = _run(_tool("appstreamcli"), "validate", "--no-net", path)
    assert done.returncode == 0, done.stdout + done.stderr
    root = ET.parse(path).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    assert root.find("content_rating").get("type") == "oars-1.1"
    shots = [i.text for i in root.iter("image")]
    assert [s.rsplit("/", 1)[1] for s in shots] == ["window-light.png", "window-dark.png"]
    newest = root.find("releases/release")
    assert newest.get("version") == __version__  # bump both, or the build stops
    binaries = {b.text for b in root.iter("binary")}
    assert binaries == {"luna", "luna-desktop"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = _run("uv", "build", "--wheel", "--out-dir", out, REPO, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("luna_desktop-*.whl")
    return path


def test_the_wheel_has_complete_metadata(wheel):
    with zipfile.ZipFile(wheel) as z:
        meta = email.message_from_bytes(z.read(f"luna_desktop-{__version__}.dist-info/METADATA"))
        entry_points = z.read(f"luna_desktop-{__version__}.dist-info/entry_points.txt").decode()
    assert meta["Name"] == "luna-desktop"
    assert meta["Version"] == __version__  # read from luna_desktop/__init__.py
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    classifiers = meta.get_all("Classifier")
    assert "Environment :: X11 Applications :: Qt" in classifiers
    assert "Topic :: System :: Archiving" in classifiers
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Documentation", "Issues", "Source"} <= set(urls)
    assert any(r.startswith("pyside6-essentials") for r in meta.get_all("Requires-Dist"))
    assert "luna = luna_desktop.cli.main:main" in entry_points
    assert "luna-desktop = luna_desktop.ui.app:main" in entry_points.split("[gui_scripts]")[1]


def test_the_wheel_carries_the_icon_and_the_desktop_files(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        data = f"luna_desktop-{__version__}.data/data/share/"
        # The window's icon, found by importlib.resources at run time.
        assert "luna_desktop/resources/org.lunadesktop.Luna.svg" in names
        # What `pip install --user` puts where the desktop looks.
        assert f"{data}applications/{APP_ID}.desktop" in names
        assert f"{data}metainfo/{APP_ID}.metainfo.xml" in names
        assert f"{data}icons/hicolor/scalable/apps/{APP_ID}.svg" in names
        assert f"luna_desktop-{__version__}.dist-info/licenses/LICENSE" in names
        assert not any(n.startswith(("tests/", "packaging/")) for n in names)


def test_render_icons_writes_every_size_from_the_svg(tmp_path):
    done = _run(sys.executable, REPO / "packaging" / "render_icons.py", tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    from PIL import Image

    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png") as im:
            assert im.size == (size, size)
            assert im.mode == "RGBA"
            # Drawn, not blank: the corners are transparent, the middle is not.
            assert im.getpixel((0, 0))[3] == 0
            assert im.getpixel((size // 2, size // 2))[3] == 255
    assert (tmp_path / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()


@pytest.mark.parametrize(
    ("name", "first_line"), [("luna", "luna "), ("luna-desktop", "luna-desktop ")]
)
def test_the_frozen_launcher_runs_the_command_its_name_says(tmp_path, name, first_line):
    # In the bundle `luna` is a link to `luna-desktop`: one program, two commands.
    link = tmp_path / name
    link.symlink_to(REPO / "packaging" / "pyinstaller" / "launcher.py")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = _run(sys.executable, link, "--version", env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(first_line + __version__)
    # The command line reports the Qt its wheels carry without loading it.
    qt = next(line for line in done.stdout.splitlines() if line.startswith("Qt "))
    assert ("not loaded by the CLI" in qt) == (name == "luna")


def test_deb_depends_maps_what_a_bundle_links_to_debian_packages(tmp_path):
    # A bundle of one system program: what it links to is owned by Debian packages.
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    shutil.copy(_tool("desktop-file-validate"), bundle / "program")
    done = _run(sys.executable, LINUX / "deb_depends.py", bundle, timeout=120)
    assert done.returncode == 0, done.stderr
    depends = [d.strip() for d in done.stdout.split(",")]
    libc = next(d for d in depends if d.startswith("libc6"))
    assert libc.startswith("libc6 (>= 2.")
    assert any(d.startswith("libglib2.0-0") for d in depends)  # desktop-file-validate's
    # Loaded without being linked: named whatever the bundle holds.
    assert {"libvlc5", "vlc-plugin-base", "fontconfig-config", "xkb-data"} <= set(depends)


def test_deb_depends_refuses_a_library_the_machine_does_not_have(tmp_path):
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    program = bundle / "program"
    shutil.copy(_tool("desktop-file-validate"), program)
    # The program now needs a library nobody has (same length, so the file stays whole).
    data = program.read_bytes()
    assert b"libglib-2.0.so.0" in data
    program.write_bytes(data.replace(b"libglib-2.0.so.0", b"libnone-2.0.so.0"))
    done = _run(sys.executable, LINUX / "deb_depends.py", bundle, timeout=120)
    assert done.returncode == 1
    assert "not found on this machine: program needs libnone-2.0.so.0" in done.stderr
