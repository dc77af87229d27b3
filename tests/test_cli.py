"""The `luna` command line, driven as a user would."""

import base64
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from luna_desktop.catalog.database import close_catalog
from luna_desktop.cli.main import main
from tests.media_factory import make_jpeg


@pytest.fixture
def cat(tmp_path):
    path = tmp_path / "cli.sqlite3"
    yield path
    close_catalog()


@pytest.fixture
def drive(tmp_path):
    root = tmp_path / "PHS_copyALL"
    make_jpeg(root / "Trip" / "a.jpg", keywords=["sea", "boat"], gps=(10.5, 20.25))
    make_jpeg(root / "Trip" / "b.jpg", color=(1, 1, 1))
    (root / "readme.txt").write_text("hello")
    return root


def luna(cat, *args):
    return main(["--catalog", str(cat), *args])


def test_scan_prints_a_summary(cat, drive, capsys):
    assert luna(cat, "scan", str(drive)) == 0
    out = capsys.readouterr().out
    assert "as drive 'PHS_copyALL'" in out
    assert "3 added, 0 changed, 0 unchanged, 0 missing, 0 moved, 0 errors" in out
    assert luna(cat, "scan", str(drive), "--drive", "PHS_copyALL") == 0
    assert "0 added, 0 changed, 3 unchanged" in capsys.readouterr().out


def test_drives_lists_totals(cat, drive, capsys):
    luna(cat, "scan", str(drive))
    capsys.readouterr()
    assert luna(cat, "drives") == 0
    out = capsys.readouterr().out
    assert "PHS_copyALL" in out and str(drive) in out
    assert luna(cat, "drives", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == 3 and data["mounted"] is True and data["last_scan"] == "completed"


def test_ls_json_has_the_contract_fields(cat, drive, capsys):
    luna(cat, "scan", str(drive))
    capsys.readouterr()
    assert luna(cat, "ls", "PHS_copyALL", "--json") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(d["path"], d["filename"]) for d in lines] == [
        ("", "readme.txt"),
        ("Trip", "a.jpg"),
        ("Trip", "b.jpg"),
    ]
    required = [
        "uuid",
        "path",
        "filename",
        "size",
        "mtime",
        "oshash",
        "kind",
        "mime",
        "width",
        "height",
        "orientation",
        "taken_at",
        "camera_make",
        "camera_model",
        "lat",
        "lng",
        "keywords",
        "duration",
        "frame_rate",
        "status",
        "missing",
        "error",
    ]
    for d in lines:
        assert set(required) <= set(d)
    a = lines[1]
    assert a["kind"] == "image" and a["width"] == 64 and a["taken_at"] == "2019-04-24T10:11:12"
    assert sorted(a["keywords"]) == ["boat", "sea"]
    assert a["lat"] == pytest.approx(10.5, abs=1e-4) and a["status"] == "unreviewed"
    assert a["missing"] is False and a["error"] is None
    assert a["mtime"].endswith("Z")

    assert luna(cat, "ls", "PHS_copyALL", "Trip") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].endswith("Trip/a.jpg")


def test_show_by_path_uuid_and_drive_path(cat, drive, capsys):
    luna(cat, "scan", str(drive))
    capsys.readouterr()
    assert luna(cat, "show", str(drive / "Trip" / "a.jpg"), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["filename"] == "a.jpg" and data["camera_model"] == "TestCam 1"
    assert luna(cat, "show", data["uuid"]) == 0
    out = capsys.readouterr().out
    assert "TestCam 1" in out and "sea" in out
    assert luna(cat, "show", "PHS_copyALL:Trip/b.jpg", "--json") == 0
    assert json.loads(capsys.readouterr().out)["filename"] == "b.jpg"


def test_non_utf8_name_round_trips_through_ls_and_show(cat, tmp_path, capsys):
    root = tmp_path / "d"
    root.mkdir()
    raw = os.path.join(os.fsencode(root), b"\xe9t\xe9.jpg")
    make_jpeg(root / "x.jpg")
    os.rename(root / "x.jpg", raw)
    assert luna(cat, "scan", str(root)) == 0
    capsys.readouterr()
    luna(cat, "ls", "d", "--json")
    data = json.loads(capsys.readouterr().out)
    assert base64.b64decode(data["raw_path_b64"]) == b"\xe9t\xe9.jpg"
    assert data["filename"] == "\\xe9t\\xe9.jpg"
    assert luna(cat, "show", os.fsdecode(raw), "--json") == 0
    assert json.loads(capsys.readouterr().out)["uuid"] == data["uuid"]


def test_bad_arguments_fail_clearly_and_change_nothing(cat, tmp_path, capsys):
    assert luna(cat, "scan", str(tmp_path / "missing")) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not cat.exists()
    (tmp_path / "f.txt").write_text("x")
    assert luna(cat, "scan", str(tmp_path / "f.txt")) == 1
    assert "is not a folder" in capsys.readouterr().err
    # Reading commands never create a catalogue from a mistyped path.
    assert luna(cat, "drives") == 1
    assert "there is no catalogue at" in capsys.readouterr().err
    assert not cat.exists()
    (tmp_path / "d").mkdir()
    luna(cat, "scan", str(tmp_path / "d"))
    capsys.readouterr()
    assert luna(cat, "ls", "NoSuchDrive") == 1
    assert "no drive named 'NoSuchDrive'" in capsys.readouterr().err
    assert luna(cat, "show", "0f0f0f0f-0000-4000-8000-000000000000") == 1
    assert "not in the catalogue" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        luna(cat, "scan")
    assert exc.value.code == 2


def test_damaged_catalogue_is_reported_and_left_alone(tmp_path, drive, capsys):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00garbage" * 500)
    assert main(["--catalog", str(bad), "scan", str(drive)]) == 1
    err = capsys.readouterr().err
    assert "damaged or is not a Luna catalogue" in err and err.count("\n") == 1
    assert bad.read_bytes() == b"\x00garbage" * 500


def test_locked_catalogue_is_reported(cat, drive, capsys, monkeypatch):
    luna(cat, "scan", str(drive))
    close_catalog()
    capsys.readouterr()
    (drive / "new.txt").write_text("new")
    monkeypatch.setenv("LUNA_LOCK_TIMEOUT", "0.2")
    holder = sqlite3.connect(cat, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert luna(cat, "scan", str(drive)) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert "locked by another program" in err and err.count("\n") == 1
    with sqlite3.connect(cat) as con:
        assert con.execute("SELECT count(*) FROM file_entry").fetchone()[0] == 3
        assert con.execute("SELECT count(*) FROM scan_run").fetchone()[0] == 1


def test_backup_command(cat, drive, tmp_path, capsys):
    luna(cat, "scan", str(drive))
    dest = tmp_path / "backup.sqlite3"
    assert luna(cat, "backup", str(dest)) == 0
    with sqlite3.connect(dest) as con:
        assert con.execute("SELECT count(*) FROM file_entry").fetchone()[0] == 3
    assert luna(cat, "backup", str(dest)) == 1
    assert "already exists" in capsys.readouterr().err


def _without_dac_override(cmd):
    """Run as root but without the capability that lets root read any folder."""
    if os.geteuid() != 0:
        return cmd
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps, "--", *cmd]


def test_unreadable_folder_is_reported_and_the_scan_goes_on(cat, drive, tmp_path):
    locked = drive / "Locked"
    make_jpeg(locked / "secret.jpg")
    locked.chmod(0)
    try:
        cmd = [
            sys.executable,
            "-m",
            "luna_desktop.cli.main",
            "--catalog",
            str(cat),
            "scan",
            str(drive),
        ]
        done = subprocess.run(
            _without_dac_override(cmd), capture_output=True, text=True, timeout=120
        )
    finally:
        locked.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout and "1 errors" in done.stdout
    assert "problem: Locked: permission denied" in done.stderr
    with sqlite3.connect(cat) as con:
        names = {r[0] for r in con.execute("SELECT filename FROM file_entry")}
        assert names == {"a.jpg", "b.jpg", "readme.txt"}
    # Readable again: the next scan picks it up, and nothing was marked missing meanwhile.
    assert luna(cat, "scan", str(drive)) == 0
    with sqlite3.connect(cat) as con:
        assert con.execute("SELECT count(*) FROM file_entry WHERE present = 1").fetchone()[0] == 4


def test_console_script_is_installed():
    done = subprocess.run(["luna", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "scan" in done.stdout and "backup" in done.stdout


def test_show_through_a_symlinked_mount_path(cat, drive, tmp_path, capsys):
    luna(cat, "scan", str(drive))
    link = tmp_path / "link"
    link.symlink_to(drive)
    capsys.readouterr()
    assert luna(cat, "show", str(link / "Trip" / "a.jpg"), "--json") == 0
    assert json.loads(capsys.readouterr().out)["filename"] == "a.jpg"


def test_a_folder_that_is_not_the_named_drive_is_refused(cat, drive, tmp_path, capsys):
    luna(cat, "scan", str(drive))
    stranger = tmp_path / "stranger"
    make_jpeg(stranger / "x.jpg")
    make_jpeg(stranger / "y.jpg", color=(5, 5, 5))
    capsys.readouterr()
    assert luna(cat, "scan", str(stranger), "--drive", "PHS_copyALL") == 1
    assert "does not look like the drive 'PHS_copyALL'" in capsys.readouterr().err
    with sqlite3.connect(cat) as con:
        assert con.execute("SELECT count(*) FROM file_entry WHERE present = 0").fetchone()[0] == 0
        assert con.execute("SELECT mount_path FROM drive").fetchone()[0] == str(drive)


def test_ls_and_show_tell_errors_from_notes(cat, tmp_path, capsys):
    root = tmp_path / "Notes"
    make_jpeg(root / "whole.jpg")
    make_jpeg(root / "trailer.jpg", trailer=b"VENDOR-TRAILER")
    (root / "empty.jpg").write_bytes(b"")
    luna(cat, "scan", str(root), "--drive", "N")
    summary = capsys.readouterr().out
    assert "1 errors" in summary and "1 with notes" in summary
    assert luna(cat, "ls", "N", "--json") == 0
    rows = {d["filename"]: d for d in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["whole.jpg"]["error"] is None and rows["whole.jpg"]["notes"] == []
    assert rows["trailer.jpg"]["error"] is None
    assert rows["trailer.jpg"]["notes"] == ["14 bytes after the end of the image"]
    assert rows["empty.jpg"]["error"] and rows["empty.jpg"]["notes"] == []
    assert "curator_notes" in rows["whole.jpg"]
    assert luna(cat, "ls", "N") == 0
    flags = {line.split()[-1]: line[1] for line in capsys.readouterr().out.splitlines()}
    assert flags == {"empty.jpg": "E", "trailer.jpg": "n", "whole.jpg": " "}
    assert luna(cat, "show", "N:trailer.jpg") == 0
    shown = capsys.readouterr().out
    assert "notes" in shown and "14 bytes after the end of the image" in shown


# --- starting at once -----------------------------------------------------------------

_HEAVY = ("peewee", "numpy", "PIL", "pillow_heif", "vlc", "exifread", "tqdm", "PySide6")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_help_loads_no_heavy_library():
    # `luna --help` must answer at once: the catalogue, the scanner and the media
    # readers are imported only by a command that runs.
    loaded = _modules_after(
        "import contextlib, io\n"
        "from luna_desktop.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    assert not loaded & set(_HEAVY), loaded & set(_HEAVY)


def test_reading_commands_load_no_media_library(cat, drive):
    assert luna(cat, "scan", str(drive), "--drive", "Card") == 0
    close_catalog()
    code = f"from luna_desktop.cli.main import main\nmain(['--catalog', {str(cat)!r}, "
    for command in ("'drives'])", "'ls', 'Card'])"):
        loaded = _modules_after(code + command)
        assert "peewee" in loaded  # the command did run against the catalogue
        assert not loaded & {"numpy", "PIL", "pillow_heif", "vlc", "exifread", "PySide6"}


def test_rescan_with_nothing_to_read_starts_no_reader(cat, drive):
    # Nothing changed: no worker process, no reader thread, no media library.
    assert luna(cat, "scan", str(drive), "--drive", "Card") == 0
    close_catalog()
    loaded = _modules_after(
        "from luna_desktop.scan import read_pool\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('a rescan with nothing to read started a reader')\n"
        "read_pool.worker_pool = read_pool.ThreadPoolExecutor = refuse\n"
        "from luna_desktop.cli.main import main\n"
        f"assert main(['--catalog', {str(cat)!r}, 'scan', {str(drive)!r}, '--drive', 'Card']) == 0"
    )
    assert "luna_desktop.scan.pipeline" in loaded
    assert not loaded & {"numpy", "PIL", "pillow_heif", "vlc", "exifread"}


# --- recordings and documents (audio through libvlc, PDFs through pypdf) ----------------


def _recordings_and_documents(root):
    from tests.media_tools import ffmpeg
    from tests.test_media_audio import FORMATS, TAGS, make_audio, make_wav
    from tests.test_media_pdf import make_pdf

    make_audio(root / "Audio" / "song.mp3", *FORMATS["mp3"], tags=TAGS)
    make_wav(root / "Audio" / "take.wav", 44100 * 2, channels=1)
    (root / "Video").mkdir()
    ffmpeg(root / "Video" / "clip.flv")  # no container reader: only libvlc reads it
    make_pdf(root / "Docs" / "scan.pdf", pages=3)


def test_ls_json_carries_audio_and_documents(cat, tmp_path, capsys):
    root = tmp_path / "Archive"
    _recordings_and_documents(root)
    assert luna(cat, "scan", str(root)) == 0
    assert "0 errors" in capsys.readouterr().out
    assert luna(cat, "ls", "Archive", "--json") == 0
    rows = {d["filename"]: d for d in map(json.loads, capsys.readouterr().out.splitlines())}
    song, take, pdf = rows["song.mp3"], rows["take.wav"], rows["scan.pdf"]
    assert (song["kind"], take["kind"], pdf["kind"]) == ("audio", "audio", "document")
    assert song["duration"] == pytest.approx(2.5, abs=0.06) and take["duration"] == 2.0
    assert song["extra"]["artist"] == "Ärtist Ünïcode" and song["extra"]["title"] == "Tïtle ✓"
    assert song["pages"] is None and rows["clip.flv"]["duration"] == pytest.approx(1, abs=0.1)
    assert pdf["pages"] == 3 and pdf["extra"]["title"] == "Tïtle ✓ of a scan"
    assert pdf["taken_at"] == "2024-01-02T03:04:05+00:00" and pdf["duration"] is None
    assert all(d["error"] is None and d["notes"] == [] for d in rows.values())
    assert luna(cat, "show", "Archive:Docs/scan.pdf") == 0
    shown = capsys.readouterr().out
    assert "pages" in shown and "Äuthor Ünïcode" in shown and "title (file)" in shown
    assert luna(cat, "ls", "Archive") == 0
    assert "3 pages" in capsys.readouterr().out


def test_scan_without_libvlc_notes_what_it_could_not_read(cat, tmp_path, capsys):
    root = tmp_path / "Archive"
    _recordings_and_documents(root)
    done = subprocess.run(
        [sys.executable, "-m", "luna_desktop.cli.main", "--catalog", str(cat), "scan", str(root)],
        env={**os.environ, "PYTHON_VLC_LIB_PATH": "/nonexistent/libvlc.so"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "0 errors" in done.stdout and "3 with notes" in done.stdout
    assert luna(cat, "ls", "Archive", "--json") == 0
    rows = {d["filename"]: d for d in map(json.loads, capsys.readouterr().out.splitlines())}
    for name in ("song.mp3", "take.wav", "clip.flv"):
        row = rows[name]
        assert row["error"] is None and len(row["notes"]) == 1, row
        note = row["notes"][0]
        assert "libvlc" in note and "apt install libvlc5" in note and "luna scan --full" in note
    assert rows["clip.flv"]["duration"] is None
    assert rows["clip.flv"]["notes"][0].startswith("duration")
    # A WAV's and an MP3's duration come from their own headers, without libvlc.
    assert rows["take.wav"]["duration"] == 2.0
    assert rows["song.mp3"]["duration"] == pytest.approx(2.5, abs=0.06)
    assert rows["take.wav"]["notes"][0].startswith("tags")
    assert rows["song.mp3"]["notes"][0].startswith("tags")
    assert rows["scan.pdf"]["pages"] == 3 and rows["scan.pdf"]["notes"] == []


def test_a_closed_pipe_ends_ls_quietly(tmp_path):
    """`luna ls … | head`: the reader goes away, luna stops without a traceback."""
    from luna_desktop.catalog.database import close_catalog, open_catalog
    from luna_desktop.catalog.models import DB, Drive

    path = tmp_path / "many.sqlite3"
    open_catalog(path)
    drive = Drive.create(name="Many")
    DB.obj.connection().executemany(
        "INSERT INTO file_entry (uuid, drive_id, folder, filename, size, kind, present, "
        "status, title, description, notes, version) "
        "VALUES (?, ?, 'f', ?, 1, 'image', 1, 1, '', '', '', 1)",
        [
            (f"00000000-0000-0000-0000-{i:012d}", drive.id, f"{i:05d}.jpg") for i in range(5000)
        ],  # more than a pipe holds
    )
    DB.obj.connection().commit()
    close_catalog()
    luna = subprocess.Popen(
        [sys.executable, "-m", "luna_desktop.cli.main", "--catalog", str(path), "ls", "Many"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert luna.stdout.readline()  # one line, then the reader is gone
    luna.stdout.close()
    _, err = luna.communicate(timeout=60)
    assert luna.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"BrokenPipe" not in err
