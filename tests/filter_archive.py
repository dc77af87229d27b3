"""A small archive to filter: real JPEGs scanned from disk (two drives, a pair of copies,
two files gone missing), a few rows for kinds Pillow cannot make, curation set through
curation.set_fields, and two albums.

    path                 kind      camera                date used        status
    1998/June/canon.jpg  image     Canon EOS 5D          1998-06-15 10:00 upload, group, tags
    1998/June/nikon.jpg  image     NIKON D70             curator 1998-07  needs attention
    1998/July/canon.jpg  image     Canon EOS 5D Mark II  curator ""       restricted, tag
    copies/canon.jpg     image     (a byte copy of 1998/June/canon.jpg, unreviewed)
    misc/undated.jpg     image     none                  none
    misc/notes.txt       document  none                  curator 1998
    video/clip.mp4       video     Canon XF100           1998-06-20 12:00 upload, group
    audio/tone.mp3       audio     none                  none
    gone/lost.jpg        image, missing; its copy is present on drive Backup
    gone/alone.jpg       image, missing; no copy anywhere
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from luna_desktop.catalog import curation, duplicates
from luna_desktop.catalog.database import close_catalog, open_catalog
from luna_desktop.catalog.locking import write_transaction
from luna_desktop.catalog.models import Album, AlbumEntry, Drive, FileEntry
from luna_desktop.catalog.status import Status
from tests.media_factory import make_jpeg
from tests.scanning import run_scan

A = "1998/June/canon.jpg"
B = "1998/June/nikon.jpg"
C = "1998/July/canon.jpg"
COPY = "copies/canon.jpg"
UNDATED = "misc/undated.jpg"
NOTES = "misc/notes.txt"
VIDEO = "video/clip.mp4"
AUDIO = "audio/tone.mp3"
LOST = "gone/lost.jpg"
ALONE = "gone/alone.jpg"
PRESENT = {A, B, C, COPY, UNDATED, NOTES, VIDEO, AUDIO}
IMAGES = {A, B, C, COPY, UNDATED}
GROUP = "Summer 1998"
ALBUM = "Best of"


@dataclass
class Archive:
    root: Path
    drive_id: int
    ids: dict[str, int]  # path on the Archive drive → file id

    def paths(self, file_ids) -> set[str]:
        by_id = {i: p for p, i in self.ids.items()}
        return {by_id[i] for i in file_ids}


def build(tmp_path: Path) -> Archive:
    root, backup = tmp_path / "Archive", tmp_path / "Backup"
    make_jpeg(
        root / A,
        make="Canon",
        model="Canon EOS 5D",
        taken="1998:06:15 10:00:00",
        keywords=["sea", "boat"],
    )
    make_jpeg(
        root / B,
        make="NIKON CORPORATION",
        model="NIKON D70",
        taken="1998:06:30 23:59:59",
        keywords=["sea"],
        color=(10, 200, 10),
    )
    make_jpeg(
        root / C,
        make="Canon",
        model="Canon EOS 5D Mark II",
        taken="1998:07:01 00:00:00",
        color=(10, 10, 200),
    )
    make_jpeg(root / UNDATED, taken=None, make=None, model=None, color=(90, 90, 90))
    (root / COPY).parent.mkdir(parents=True)
    shutil.copyfile(root / A, root / COPY)
    (root / NOTES).write_text("what the box held")
    make_jpeg(root / LOST, taken="1997:01:02 03:04:05", color=(1, 2, 3))
    make_jpeg(root / ALONE, taken="1997:01:02 03:04:05", color=(3, 2, 1))
    backup.mkdir()
    shutil.copyfile(root / LOST, backup / "lost.jpg")
    run_scan(root, "Archive")
    run_scan(backup, "Backup")
    (root / LOST).unlink()
    (root / ALONE).unlink()
    run_scan(root, "Archive")  # the two are missing now
    duplicates.refresh_groups()

    drive = Drive.get(Drive.name == "Archive")
    with write_transaction():
        # Kinds a Pillow JPEG cannot be: rows as a scan would write them.
        FileEntry.create(
            drive=drive, folder="video", filename="clip.mp4", kind="video", mime="video/mp4",
            size=5000, oshash="00000000000abc01", taken_at="1998-06-20T12:00:00+02:00",
            camera_make="Canon", camera_model="Canon XF100",
        )  # fmt: skip
        FileEntry.create(
            drive=drive, folder="audio", filename="tone.mp3", kind="audio", mime="audio/mpeg",
            size=3000, oshash="00000000000abc02",
        )  # fmt: skip
    ids = {
        f"{folder}/{name}": i
        for i, folder, name in FileEntry.select(FileEntry.id, FileEntry.folder, FileEntry.filename)
        .where(FileEntry.drive == drive)
        .tuples()
    }
    assert set(ids) == PRESENT | {LOST, ALONE}

    def curate(path: str, **values) -> None:
        curation.set_fields([ids[path]], values, "tester")

    curate(A, status=int(Status.UPLOAD), project_group=GROUP, tags=["Harbour"])
    curate(B, status=int(Status.NEEDS_ATTENTION), date="1998-07")
    curate(C, status=int(Status.RESTRICTED), date="", tags=["lake"])
    curate(NOTES, date="1998")
    curate(VIDEO, status=int(Status.UPLOAD), project_group=GROUP, title="canon clip")
    with write_transaction():
        album = Album.create(name=ALBUM)
        for position, path in enumerate((A, VIDEO, ALONE)):
            AlbumEntry.create(album=album, file=ids[path], position=position)
        AlbumEntry.create(album=Album.create(name="Rejects"), file=ids[UNDATED], position=0)
    return Archive(root, drive.id, ids)


def built(tmp_path_factory) -> Iterator[tuple[Path, Archive]]:
    """For a module-scoped fixture: build the archive once (three scans); `copy_of` then
    gives each test a catalogue of its own to read and change."""
    work = tmp_path_factory.mktemp("archive")
    with pytest.MonkeyPatch.context() as mp:  # the per-test home is not set up yet
        for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            mp.setenv(name, str(work / "home"))
        open_catalog(work / "catalog.sqlite3")
        try:
            archive = build(work)
        finally:
            close_catalog()  # the last connection: the WAL is folded into the file
    yield work / "catalog.sqlite3", archive


def copy_of(built_archive: tuple[Path, Archive], tmp_path: Path) -> Iterator[Archive]:
    source, archive = built_archive
    path = tmp_path / "catalog.sqlite3"
    shutil.copyfile(source, path)
    open_catalog(path)
    yield archive
    close_catalog()
