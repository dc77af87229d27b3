"""read_pdf on PDFs made here: by Pillow (as a scanner's software writes them), by
pypdf (dates with offsets, encryption) and byte by byte (damaged structures)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from luna_desktop.media import documents
from luna_desktop.media.documents import pdf_date, read_pdf
from luna_desktop.media.extract import extract
from luna_desktop.media.info import MediaInfo

REPO = Path(__file__).resolve().parent.parent


def make_pdf(
    out: Path,
    pages: int = 3,
    title: str | None = "Tïtle ✓ of a scan",
    author: str | None = "Äuthor Ünïcode",
    created: datetime | None = datetime(2024, 1, 2, 3, 4, 5),
) -> Path:
    """A PDF of `pages` pages as Pillow writes it (its CreationDate is UTC: ...Z)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.new("RGB", (60, 80), (40 * i % 256, 90, 160)) for i in range(pages)]
    options = {"title": title, "author": author}
    if created:
        options["creationDate"] = created.timetuple()
    images[0].save(
        out,
        save_all=True,
        append_images=images[1:],
        **{k: v for k, v in options.items() if v is not None},
    )
    return out


def _pypdf(out: Path, pages: int = 2, metadata: dict | None = None, **encrypt) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(72, 72)
    if metadata:
        writer.add_metadata(metadata)
    if encrypt:
        writer.encrypt(algorithm="RC4-128", **encrypt)
    writer.write(out)
    return out


def _raw_pdf(out: Path, objects: list[bytes], info: int | None = None) -> Path:
    """A PDF written byte by byte: objects 1…n, a correct cross-reference table."""
    data = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(data))
        data += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"/Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % info
    data += b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    out.write_bytes(bytes(data))
    return out


def _read(path: Path, info: MediaInfo | None = None, **kwargs) -> MediaInfo:
    info = info or MediaInfo(kind="document", mime="application/pdf")
    read_pdf(os.fspath(path), info, **kwargs)
    return info


def _extract(path: Path) -> MediaInfo:
    data = path.read_bytes()
    with open(path, "rb") as fh:
        return extract(fh, os.fsencode(path), path.name, data[:65536], data[-65536:], len(data))


def test_pages_title_author_and_date(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", pages=3)
    info = _extract(path)
    assert (info.kind, info.mime) == ("document", "application/pdf")
    assert info.error is None and info.notes == []
    assert info.extra == {"pages": 3, "title": "Tïtle ✓ of a scan", "author": "Äuthor Ünïcode"}
    assert info.taken_at == "2024-01-02T03:04:05+00:00"
    assert info.taken_at_raw == "D:20240102030405Z"
    assert info.extractor == "pypdf"


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("D:20240102030405+01'00'", "2024-01-02T03:04:05+01:00"),
        ("D:20240102030405-05'30'", "2024-01-02T03:04:05-05:30"),
        ("D:20240102030405Z", "2024-01-02T03:04:05+00:00"),
        ("D:20240102030405Z00'00'", "2024-01-02T03:04:05+00:00"),
        ("D:20240102030405+0100", "2024-01-02T03:04:05+01:00"),
        ("D:20240102030405", "2024-01-02T03:04:05"),  # no offset stated: none given
        ("20240102030405+01'00'", "2024-01-02T03:04:05+01:00"),  # no D: prefix
        ("D:2024010203", "2024-01-02T03:00:00"),
        ("D:20240102", "2024-01-02"),
        ("D:202401", "2024-01"),
        ("D:2024", "2024"),
        ("D:00000000000000", None),
        ("D:20240231120000", None),  # 31 February
        ("D:20241302", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_pdf_dates(raw, iso):
    assert pdf_date(raw) == iso


def test_date_with_an_offset_and_one_without(tmp_path):
    offset = _pypdf(tmp_path / "o.pdf", metadata={"/CreationDate": "D:20240102030405+01'00'"})
    info = _read(offset)
    assert info.taken_at == "2024-01-02T03:04:05+01:00"
    assert info.taken_at_raw == "D:20240102030405+01'00'"
    assert info.extra == {"pages": 2}
    local = _pypdf(tmp_path / "l.pdf", pages=1, metadata={"/CreationDate": "D:19991231235959"})
    assert _read(local).taken_at == "1999-12-31T23:59:59"
    # A date that is no date: the raw text is kept for the curator, nothing is made up.
    bad = _pypdf(tmp_path / "b.pdf", metadata={"/CreationDate": "D:00000000000000"})
    info = _read(bad)
    assert (info.taken_at, info.taken_at_raw, info.error) == (None, "D:00000000000000", None)


def test_without_metadata(tmp_path):
    # (Pillow always writes a title, the file's name, and the time it wrote the file.)
    info = _read(_pypdf(tmp_path / "bare.pdf", pages=1))
    assert (info.error, info.notes, info.taken_at) == (None, [], None)
    assert info.extra == {"pages": 1}


def test_a_title_from_xmp_is_kept(tmp_path):
    info = MediaInfo(kind="document", mime="application/pdf", extra={"title": "From XMP"})
    _read(make_pdf(tmp_path / "t.pdf"), info)
    assert info.extra["title"] == "From XMP" and info.extra["author"] == "Äuthor Ünïcode"


def test_encrypted_with_a_password(tmp_path):
    path = _pypdf(
        tmp_path / "locked.pdf",
        metadata={"/Title": "Secret"},
        user_password="secret",
        owner_password="owner",
    )
    info = _read(path)
    assert info.error is None  # the file is whole; it is only closed to us
    assert len(info.notes) == 1 and info.notes[0].startswith("encrypted")
    assert "password" in info.notes[0]
    assert info.extra == {"encrypted": True}


def test_encrypted_that_opens_without_a_password(tmp_path):
    # Only an owner password (print/copy restrictions): everything is readable.
    path = _pypdf(
        tmp_path / "restricted.pdf",
        pages=4,
        metadata={"/Title": "Restricted", "/Author": "Owner", "/CreationDate": "D:20200101"},
        user_password="",
        owner_password="owner",
    )
    info = _read(path)
    assert info.error is None
    assert info.notes == ["encrypted (it opens without a password)"]
    assert info.extra == {"pages": 4, "title": "Restricted", "author": "Owner", "encrypted": True}
    assert info.taken_at == "2020-01-01"


def test_encrypted_with_aes_without_the_crypto_package(tmp_path, monkeypatch):
    import pypdf
    from pypdf.errors import DependencyError

    def decrypt(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    path = _pypdf(tmp_path / "aes.pdf", user_password="", owner_password="owner")
    with monkeypatch.context() as patch:  # AES-256: even the empty password needs AES
        patch.setattr(pypdf.PdfReader, "decrypt", decrypt)
        info = _read(path)
    assert info.error is None and info.extra == {"encrypted": True}
    assert "cryptography" in info.notes[0] and "luna scan --full" in info.notes[0]
    # AES-128: the password opens, the page tree (numbers) reads, its strings do not.
    monkeypatch.setattr(documents, "_text", lambda value: decrypt(None, ""))
    info = _read(path)
    assert info.error is None and info.extra == {"pages": 2, "encrypted": True}
    assert "(title, author, date not read)" in info.notes[0]


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda d: d[: len(d) // 2], "ends early"),
        (lambda d: d[:-60], "ends early"),
        (lambda d: b"%PDF-1.7\n", "ends early"),
        (lambda d: b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "damaged"),
        (lambda d: b"", "empty"),
    ],
    ids=["half", "no-trailer", "header-only", "garbage", "empty"],
)
def test_corrupt_truncated_and_empty(tmp_path, cut, message):
    path = tmp_path / "broken.pdf"
    path.write_bytes(cut(make_pdf(tmp_path / "whole.pdf").read_bytes()))
    info = _read(path)
    assert info.error and message in info.error, info.error
    assert "pages" not in info.extra and info.taken_at is None


def test_a_wrong_xref_offset_is_repaired_and_noted(tmp_path):
    data = make_pdf(tmp_path / "whole.pdf").read_bytes()
    start = data.rindex(b"startxref")
    path = tmp_path / "moved.pdf"
    path.write_bytes(data[:start] + b"startxref\n1234\n%%EOF\n")
    info = _read(path)
    assert info.error is None
    assert info.extra["pages"] == 3 and info.extra["title"] == "Tïtle ✓ of a scan"
    assert len(info.notes) == 1 and info.notes[0].startswith("the PDF was read after repairing")


def test_a_page_tree_that_loops(tmp_path):
    # The page tree's only kid is the tree itself, and it states no /Count: counting
    # the pages must stop, and what else the file says is still read.
    path = _raw_pdf(
        tmp_path / "loop.pdf",
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R] >>",
            b"<< /Title (Looping) /CreationDate (D:20240102) >>",
        ],
        info=3,
    )
    info = _read(path, timeout_s=30)
    assert info.error and "page tree" in info.error
    assert info.extra == {"title": "Looping"} and info.taken_at == "2024-01-02"


def test_an_implausible_page_count_is_counted_instead(tmp_path):
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"
    path = _raw_pdf(
        tmp_path / "count.pdf",
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count -7 >>",
            page,
            page,
        ],
    )
    info = _read(path)
    assert info.error is None and info.extra == {"pages": 2}


def test_a_read_that_does_not_end_is_given_up(tmp_path, monkeypatch):
    def endless(path, repairs):
        while True:
            pass

    monkeypatch.setattr(documents, "_read_structure", endless)
    started = time.monotonic()
    info = _read(make_pdf(tmp_path / "slow.pdf"), timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert info.error and "longer than 0.3 s" in info.error
    # The abandoned reader is stopped, not left spinning in the worker.
    deadline = time.monotonic() + 5
    while any(t.name == "luna-pdf" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the abandoned PDF reader still runs"
        time.sleep(0.01)


def test_paths_that_are_not_files(tmp_path):
    assert "cannot read the file" in _read(tmp_path / "missing.pdf").error
    assert _read(tmp_path).error == "not a regular file"


def test_pypdf_is_loaded_only_when_a_pdf_is_read():
    code = "import sys, luna_desktop.media.extract\nprint('pypdf' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.stdout.strip() == "False", done.stderr


_READ_TWO = """
import sys
from luna_desktop.media.documents import read_pdf
from luna_desktop.media.info import MediaInfo
for path in sys.argv[1:]:
    info = MediaInfo()
    read_pdf(path, info)
    print(bool(info.error), len(info.notes))
"""


def test_pypdf_complaints_stay_off_the_terminal(tmp_path):
    # pypdf logs what it repairs or cannot read; with no logging set up (as in `luna
    # scan`), Python would print that in the middle of the progress bar.
    data = make_pdf(tmp_path / "whole.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    moved = tmp_path / "moved.pdf"
    moved.write_bytes(data[: data.rindex(b"startxref")] + b"startxref\n1234\n%%EOF\n")
    done = subprocess.run(
        [sys.executable, "-c", _READ_TWO, str(cut), str(moved)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.split() == ["True", "0", "False", "1"]
