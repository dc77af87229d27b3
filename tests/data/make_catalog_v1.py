"""How tests/data/catalog-v1.sqlite3 was made: by the schema-1 code of commit 43a96e4.

Kept as a record, not run by the tests: it only works with that commit's code
(`git worktree add /tmp/v1 43a96e4 && cd /tmp/v1 && uv run python <this file>`).
The migration tests open a copy of the catalogue it made and step it forward.
"""

import os
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.getcwd())

from luna_desktop.catalog import curation
from luna_desktop.catalog.database import close_catalog, open_catalog
from luna_desktop.catalog.models import DB, FileEntry
from luna_desktop.scan.pipeline import ScanOptions, scan_drive
from tests.media_factory import make_jpeg

drive = Path(tempfile.mkdtemp()) / "Archive_2009"
trip = drive / "2008 Tuscany Trip"
make_jpeg(trip / "IMG_0001.JPG", keywords=["Siena", "Duomo"], gps=(43.318, 11.331))
make_jpeg(trip / "IMG_0002.JPG", orientation=6)
make_jpeg(drive / "Scans" / "letter-1952.jpg", taken=None)
make_jpeg(drive / "root-photo.jpg", model="Other 2")
(drive / "Scans" / "notes.txt").write_text("hello\n")
(drive / "empty.bin").write_bytes(b"")
os.makedirs(drive / "Bad", exist_ok=True)
with open(os.path.join(os.fsencode(drive / "Bad"), b"caf\xe9.jpg"), "wb") as fh:
    fh.write(b"\xff\xd8\xff\xd9")

out = Path("tests/data/catalog-v1.sqlite3")
out.unlink(missing_ok=True)
open_catalog(out)
progress = list(scan_drive(drive, "Archive_2009", ScanOptions(processes=False)))
print(progress[-1].summary())

row = FileEntry.get(FileEntry.filename == "IMG_0001.JPG")
c = curation.load(row.id).curation
c.status, c.title, c.project_group = 2, "The Duomo of Siena", "Tuscany 2008"
c.notes, c.tags = "check the date", ["cathedral", "italy"]
curation.add_project_group("Tuscany 2008")
curation.save(row.id, c, 1, "archivist")
row = FileEntry.get(FileEntry.filename == "letter-1952.jpg")
c = curation.load(row.id).curation
c.status, c.date, c.description = 6, "1952", "A letter from grandmother"
curation.save(row.id, c, 1, "archivist")

DB.execute_sql("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
close_catalog()
with sqlite3.connect(out) as con:
    con.execute("VACUUM")
