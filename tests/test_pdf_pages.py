"""PDF pages for the preview pane (luna_desktop.ui.pdf_pages), on PDFs made on the fly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from luna_desktop.media.render import PreviewError
from luna_desktop.ui import pdf_pages
from luna_desktop.ui.pdf_pages import MAX_UPSCALE, forget_document, render_pdf_page

RED = (200, 30, 30)
BLUE = (30, 30, 200)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _nothing_kept_open():
    yield
    forget_document()


# --- making PDFs ----------------------------------------------------------------------


def pillow_pdf(path: Path, colours, size=(200, 300), resolution=72.0, **info) -> Path:
    """One flat page per colour, `size` pixels at `resolution` dpi (so 200 × 300 points
    at 72 dpi). Pillow stores them as JPEG, so colours come back only roughly."""
    pages = [Image.new("RGB", size, colour) for colour in colours]
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=resolution, **info)
    return path


def vector_pdf(pages: list[dict], title: str | None = None) -> bytes:
    """A PDF written by hand: each page a dict with `size` in points, its `content`
    stream and optionally `rotate`. The font F1 is Helvetica, not embedded."""
    objects: list[bytes] = []
    kids = []
    for i, page in enumerate(pages):
        page_id, content_id = 4 + 2 * i, 5 + 2 * i
        kids.append(f"{page_id} 0 R".encode())
        width, height = page["size"]
        rotate = f" /Rotate {page['rotate']}" if page.get("rotate") else ""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}]{rotate}"
            f" /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>".encode()
        )
        content = page["content"]
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    objects = head + objects
    if title is not None:
        objects.append(f"<< /Title ({title}) >>".encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    info = b" /Info %d 0 R" % len(objects) if title is not None else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# A black 20 × 20 point square near the bottom-left corner, nothing else (no background).
SQUARE = b"0 0 0 rg 10 10 20 20 re f"
# Red left half, blue right half of a 200 × 100 point page.
HALVES = b"1 0 0 rg 0 0 100 100 re f 0 0 1 rg 100 0 100 100 re f"
TEXT = b"0 0 0 rg BT /F1 48 Tf 10 30 Td (Luna) Tj ET"


def pixel(rendered, x: int, y: int) -> tuple[int, int, int]:
    assert rendered.mode == "RGB"
    i = (y * rendered.width + x) * 3
    return tuple(rendered.data[i : i + 3])


def near(colour, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def centre(rendered) -> tuple[int, int, int]:
    return pixel(rendered, rendered.width // 2, rendered.height // 2)


# --- pages --------------------------------------------------------------------------


def test_pages_come_out_in_their_colours(tmp_path):
    path = pillow_pdf(tmp_path / "two.pdf", [RED, BLUE])
    first = render_pdf_page(path, 0, None)
    second = render_pdf_page(str(path).encode(), 1, None)
    assert (first.page, first.page_count, second.page, second.page_count) == (0, 2, 1, 2)
    for result in (first, second):
        r = result.rendered
        assert (r.mode, r.source, r.partial) == ("RGB", "image", False)
        assert len(r.data) == r.width * r.height * 3
    assert near(centre(first.rendered), RED)
    assert near(centre(second.rendered), BLUE)
    assert first.rendered.data != b"\xff" * len(first.rendered.data)  # not blank paper
    assert first.rendered.data != second.rendered.data


def test_full_size_is_the_pages_points_at_dpi(tmp_path):
    a4 = tmp_path / "a4.pdf"
    a4.write_bytes(vector_pdf([{"size": (595, 842), "content": SQUARE}]))
    for dpi in (72.0, 150.0, 96.0):
        result = render_pdf_page(a4, 0, None, dpi=dpi)
        r = result.rendered
        expected = (round(595 * dpi / 72), round(842 * dpi / 72))
        assert r.original_size == expected
        assert (r.width, r.height) == expected == r.decoded_size
        assert result.dpi == dpi
    # Pillow's page: 300 × 450 pixels at 100 dpi is 216 × 324 points.
    photo = pillow_pdf(tmp_path / "photo.pdf", [RED], size=(300, 450), resolution=100.0)
    assert render_pdf_page(photo, 0, None).rendered.original_size == (450, 675)


def test_a_box_fits_the_page_keeping_its_shape(tmp_path):
    path = pillow_pdf(tmp_path / "page.pdf", [RED])  # 200 × 300 points: 417 × 625 at 150 dpi
    original = (417, 625)

    def size(box):
        r = render_pdf_page(path, 0, box).rendered
        assert r.original_size == original
        assert len(r.data) == r.width * r.height * 3
        assert near(centre(r), RED)
        return (r.width, r.height)

    assert size((100, 100)) == (67, 100)
    assert size((100, 1000)) == (100, 150)
    assert size(original) == original
    assert size((600, 900)) == (600, 900)  # enlarged: a PDF is drawn, not stretched
    # At most MAX_UPSCALE times the page's size at 150 dpi (416.7 × 625 pixels).
    big = (round(200 * 150 / 72 * MAX_UPSCALE), round(300 * 150 / 72 * MAX_UPSCALE))
    assert size((10_000, 10_000)) == big == (833, 1250)
    with pytest.raises(ValueError):
        render_pdf_page(path, 0, (0, 100))


def test_rows_are_packed_without_padding(tmp_path):
    # 200 × 100 points at 150 dpi: 417 pixels a row, 1251 bytes (QImage pads to 1252).
    path = tmp_path / "halves.pdf"
    path.write_bytes(vector_pdf([{"size": (200, 100), "content": HALVES}]))
    r = render_pdf_page(path, 0, None).rendered
    assert (r.width, r.height) == (417, 208)
    assert len(r.data) == 417 * 208 * 3
    for y in (0, 50, 100, 150, 207):
        assert pixel(r, 5, y) == (255, 0, 0), y
        assert pixel(r, 411, y) == (0, 0, 255), y


def test_a_transparent_page_is_white_paper(tmp_path):
    path = tmp_path / "square.pdf"
    path.write_bytes(vector_pdf([{"size": (100, 100), "content": SQUARE}]))
    r = render_pdf_page(path, 0, None, dpi=72).rendered
    assert (r.width, r.height) == (100, 100)
    assert pixel(r, 90, 10) == (255, 255, 255)  # top right: nothing drawn there
    assert pixel(r, 50, 50) == (255, 255, 255)
    assert pixel(r, 20, 80) == (0, 0, 0)  # the square (PDF y runs upwards)


def test_a_rotated_page_is_turned(tmp_path):
    path = tmp_path / "rotated.pdf"
    page = {"size": (200, 100), "content": HALVES, "rotate": 90}
    path.write_bytes(vector_pdf([page]))
    r = render_pdf_page(path, 0, None, dpi=72).rendered
    assert r.original_size == (100, 200) == (r.width, r.height)
    # Turned clockwise: the red left half is now on top.
    assert pixel(r, 50, 20) == (255, 0, 0)
    assert pixel(r, 50, 180) == (0, 0, 255)


def test_the_title_is_reported(tmp_path):
    path = tmp_path / "titled.pdf"
    path.write_bytes(vector_pdf([{"size": (100, 100), "content": SQUARE}], title="Field notes"))
    assert render_pdf_page(path, 0, (50, 50)).title == "Field notes"
    untitled = tmp_path / "untitled.pdf"
    untitled.write_bytes(vector_pdf([{"size": (100, 100), "content": SQUARE}]))
    assert render_pdf_page(untitled, 0, (50, 50)).title is None


def test_a_huge_page_is_measured_at_a_lower_dpi(tmp_path):
    path = tmp_path / "poster.pdf"  # 200 × 200 inches: 900 megapixels at 150 dpi
    path.write_bytes(vector_pdf([{"size": (14400, 14400), "content": SQUARE}]))
    result = render_pdf_page(path, 0, (300, 300))
    r = result.rendered
    assert r.original_size[0] * r.original_size[1] <= pdf_pages.MAX_PIXELS
    assert result.dpi < 150
    assert r.original_size == (round(14400 * result.dpi / 72),) * 2
    assert (r.width, r.height) == (300, 300)


def test_the_document_stays_open_while_paging(tmp_path):
    path = pillow_pdf(tmp_path / "pages.pdf", [RED, BLUE, RED])
    render_pdf_page(path, 0, (50, 50))
    kept = pdf_pages._current
    assert kept is not None
    render_pdf_page(path, 1, (50, 50))
    render_pdf_page(path, 2, (50, 50))
    assert pdf_pages._current is kept
    # Changed on disk: read afresh.
    pillow_pdf(path, [BLUE])
    os.utime(path, ns=(1, 1))
    result = render_pdf_page(path, 0, (50, 50))
    assert pdf_pages._current is not kept
    assert result.page_count == 1
    assert near(centre(result.rendered), BLUE)
    forget_document()
    assert pdf_pages._current is None


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs arbitrary byte names")
def test_a_file_name_that_is_not_utf8(tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9 \xff.pdf"
    pillow_pdf(tmp_path / "plain.pdf", [RED, BLUE])
    os.rename(tmp_path / "plain.pdf", name)
    result = render_pdf_page(name, 1, (100, 100))
    assert result.page_count == 2
    assert near(centre(result.rendered), BLUE)
    # The same name as Python's str for it (surrogate escapes) works too.
    assert render_pdf_page(os.fsdecode(name), 0, None).page_count == 2


# --- files that cannot be shown ---------------------------------------------------------


def error(path, page=0) -> PreviewError:
    with pytest.raises(PreviewError) as caught:
        render_pdf_page(path, page, (100, 100))
    return caught.value


def test_a_missing_file(tmp_path):
    e = error(tmp_path / "gone.pdf")
    assert e.kind == "not-found"
    assert "not there" in e.message


def test_an_empty_file(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    e = error(tmp_path / "empty.pdf")
    assert (e.kind, e.message) == ("empty", "the file is empty (0 bytes)")


def test_a_text_file_named_pdf(tmp_path):
    (tmp_path / "notes.pdf").write_text("shopping list\n" * 100)
    e = error(tmp_path / "notes.pdf")
    assert e.kind == "unsupported"
    assert "not a PDF" in e.message


def test_a_folder_named_pdf(tmp_path):
    (tmp_path / "folder.pdf").mkdir()
    assert error(tmp_path / "folder.pdf").kind in ("unsupported", "unreadable")


def test_a_truncated_pdf(tmp_path):
    data = pillow_pdf(tmp_path / "whole.pdf", [RED, BLUE]).read_bytes()
    (tmp_path / "half.pdf").write_bytes(data[: len(data) // 2])
    e = error(tmp_path / "half.pdf")
    assert e.kind == "truncated"
    assert e.message.startswith("the PDF is damaged: ")


def test_a_pdf_missing_only_its_end_is_shown_as_partial(tmp_path):
    data = pillow_pdf(tmp_path / "whole.pdf", [RED, BLUE]).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: data.rindex(b"startxref")])
    result = render_pdf_page(tmp_path / "cut.pdf", 1, (100, 100))
    assert result.rendered.partial
    assert near(centre(result.rendered), BLUE)
    assert not render_pdf_page(tmp_path / "whole.pdf", 1, (100, 100)).rendered.partial


def test_a_damaged_pdf(tmp_path):
    data = vector_pdf([{"size": (100, 100), "content": SQUARE}])
    # Every object scrambled, the end intact.
    broken = data[:15] + bytes(b ^ 0x5A for b in data[15:-30]) + data[-30:]
    (tmp_path / "broken.pdf").write_bytes(broken)
    e = error(tmp_path / "broken.pdf")
    assert (e.kind, e.message) == ("unreadable", "the PDF is damaged: its structure cannot be read")


def test_a_password_protected_pdf(tmp_path):
    writer = PdfWriter(clone_from=pillow_pdf(tmp_path / "open.pdf", [RED]))
    writer.encrypt("secret")
    writer.write(tmp_path / "locked.pdf")
    e = error(tmp_path / "locked.pdf")
    assert (e.kind, e.message) == ("encrypted", "the PDF is password-protected")


def test_a_pdf_with_only_an_owner_password_opens(tmp_path):
    writer = PdfWriter(clone_from=pillow_pdf(tmp_path / "open.pdf", [RED]))
    writer.encrypt("", owner_password="owner")
    writer.write(tmp_path / "restricted.pdf")
    result = render_pdf_page(tmp_path / "restricted.pdf", 0, (100, 100))
    assert near(centre(result.rendered), RED)


def test_a_page_out_of_range(tmp_path):
    path = pillow_pdf(tmp_path / "two.pdf", [RED, BLUE])
    e = error(path, 2)
    assert e.kind == "page-out-of-range"
    assert e.message == "there is no page 3: the PDF has 2 pages"
    assert error(path, -1).kind == "page-out-of-range"
    # The document is still fine for the pages it has.
    assert render_pdf_page(path, 1, (10, 10)).page == 1


# --- in the worker's situation -------------------------------------------------------


WORKER = """
import json, sys
from luna_desktop.ui.pdf_pages import render_pdf_page
from PySide6.QtCore import QCoreApplication
out = []
for page in (0, 1):
    r = render_pdf_page(sys.argv[1], page, (400, 400)).rendered
    out.append([r.width, r.height, r.data.hex()])
out.append(QCoreApplication.instance() is None)
print(json.dumps(out))
"""


def test_it_works_in_a_fresh_process_without_an_application(tmp_path):
    path = tmp_path / "worker.pdf"
    path.write_bytes(
        vector_pdf([{"size": (200, 100), "content": TEXT}, {"size": (200, 100), "content": HALVES}])
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    text, halves, no_app = json.loads(done.stdout)
    assert no_app
    width, height, data = text[0], text[1], bytes.fromhex(text[2])
    assert (width, height) == (400, 200)
    # The word is drawn (a standard font, not embedded): dark pixels on white.
    darks = sum(1 for i in range(0, len(data), 3) if data[i] < 80)
    assert darks > 500
    assert data[:3] == b"\xff\xff\xff"
    data = bytes.fromhex(halves[2])
    assert data[:3] == b"\xff\x00\x00" and data[-3:] == b"\x00\x00\xff"
