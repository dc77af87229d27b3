"""media.render: previews from the shared corpus and from files made on the fly."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from luna_desktop.media.render import (
    PreviewError,
    Rendered,
    fit_size,
    read_text_preview,
    render_preview,
)

S4 = "Phone/DCIM/Camera/Samsung GT-I9505 (Galaxy S4).jpg"


def _pixels(r: Rendered) -> np.ndarray:
    assert len(r.data) == r.width * r.height * len(r.mode)  # rows tightly packed
    return np.frombuffer(r.data, np.uint8).reshape(r.height, r.width, len(r.mode))


def _small(r: Rendered, size=(64, 48)) -> np.ndarray:
    image = Image.frombytes(r.mode, (r.width, r.height), r.data).convert("RGB")
    return np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float32)


# --- orientation ------------------------------------------------------------------------


def test_all_eight_exif_orientations_come_out_the_same_way_up(corpus):
    folder = corpus / "Orientation Test"
    reference = render_preview(folder / "landscape_1.jpg", (300, 300))
    assert (reference.width, reference.height) == (300, 225)
    expected = _small(reference)
    # The files differ slightly in tone (and in the digit drawn on each), so each
    # render must match landscape_1 closely, and better than any wrong way round.
    wrong_ways = {
        "mirrored": expected[:, ::-1],
        "upside down": expected[::-1],
        "rotated 180°": expected[::-1, ::-1],
    }
    for n in range(2, 9):
        r = render_preview(folder / f"landscape_{n}.jpg", (300, 300))
        # A quarter turn left undone would show as 225x300.
        assert (r.width, r.height) == (300, 225), n
        assert r.original_size == (600, 450), n
        got = _small(r)
        difference = np.abs(got - expected).mean()
        assert difference < 20, f"landscape_{n}.jpg differs by {difference:.1f}"
        for name, wrong in wrong_ways.items():
            assert np.abs(got - wrong).mean() > difference + 10, f"landscape_{n}.jpg {name}?"


def test_orientation_6_and_8_photos_are_portrait(corpus):
    galaxy = render_preview(corpus / "Phone/DCIM/Camera/Samsung GT-I9000 (Galaxy S).jpg", None)
    assert galaxy.original_size == (480, 640)  # stored 640x480, Orientation 6
    canon = render_preview(corpus / "Digital Camera Archive/Canon/Canon PowerShot A85.jpg", None)
    # Orientation 8 on a stored 2272x1704 image: the result is 1704 wide, 2272 high.
    stored = Image.open(corpus / "Digital Camera Archive/Canon/Canon PowerShot A85.jpg").size
    assert canon.original_size == (stored[1], stored[0])


# --- JPEG draft decoding and sizes ------------------------------------------------------


def test_big_jpeg_is_decoded_at_reduced_scale_by_draft(corpus):
    r = render_preview(corpus / S4, (800, 600))
    assert r.original_size == (4128, 2322)
    assert (r.width, r.height) == (800, 450)  # fitted, aspect ratio kept
    # libjpeg decoded at 1/4 scale (4128/4 rounded up): enough to cover 800x450.
    assert r.decoded_size == (1032, 581)
    assert r.source == "image" and r.mode == "RGB" and not r.partial


def test_full_size_render_is_the_whole_picture(corpus):
    r = render_preview(corpus / S4, None)
    assert (r.width, r.height) == r.original_size == r.decoded_size == (4128, 2322)


def test_small_images_are_never_enlarged(corpus):
    r = render_preview(corpus / "Digital Camera Archive/Kodak/Kodak_CX7530.jpg", (1200, 900))
    assert (r.width, r.height) == (100, 78)


def test_fit_size():
    assert fit_size((4000, 3000), (800, 800)) == (800, 600)
    assert fit_size((100, 50), (800, 800)) == (100, 50)
    assert fit_size((10000, 1), (100, 100)) == (100, 1)


def test_bytes_paths_work(corpus):
    path = bytes(corpus / "Orientation Test/landscape_1.jpg")
    assert render_preview(path, (60, 60)).width == 60


# --- other formats ----------------------------------------------------------------------


def test_heic(corpus):
    r = render_preview(corpus / "Phone/DCIM/100APPLE/IMG_5195.HEIC", (1200, 900))
    assert r.original_size == (2566, 3313)
    assert (r.width, r.height) == (697, 900)
    assert _pixels(r).std() > 20  # a real photo, not a flat fill


def test_g4_fax_tiff_becomes_antialiased_grey(corpus):
    r = render_preview(corpus / "Scans/pport_g4.tif", (600, 600))
    assert r.original_size == (2548, 3296)
    assert r.mode == "RGB"
    pixels = _pixels(r)
    assert pixels.max() == 255 and pixels.min() < 60  # white paper, black print
    # Bilevel converted to grey before scaling down: intermediate tones exist.
    assert ((pixels > 40) & (pixels < 215)).sum() > 1000


def test_mpo_shows_the_first_frame(corpus):
    path = corpus / "Misc/frozenpond.mpo"
    r = render_preview(path, None)
    with Image.open(path) as im:
        im.seek(0)
        first = im.convert("RGB").tobytes()
    assert (r.width, r.height) == (640, 480)
    assert r.data == first


def test_png_with_alpha_keeps_it(tmp_path):
    image = Image.new("RGBA", (40, 20), (255, 0, 0, 255))
    image.paste((0, 0, 255, 0), (0, 0, 20, 20))  # left half fully transparent
    path = tmp_path / "alpha.png"
    image.save(path)
    r = render_preview(path, None)
    assert r.mode == "RGBA"
    pixels = _pixels(r)
    assert pixels[10, 5, 3] == 0 and pixels[10, 35, 3] == 255
    assert tuple(pixels[10, 35]) == (255, 0, 0, 255)


def test_opaque_alpha_and_palette_transparency(tmp_path):
    opaque = tmp_path / "opaque.png"
    Image.new("RGBA", (10, 10), (1, 2, 3, 255)).save(opaque)
    assert render_preview(opaque, None).mode == "RGB"
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([0, 0, 0, 255, 255, 255])
    palette.paste(1, (0, 0, 5, 10))
    transparent = tmp_path / "palette.png"
    palette.save(transparent, transparency=0)
    r = render_preview(transparent, None)
    assert r.mode == "RGBA"
    assert _pixels(r)[0, 0, 3] == 255 and _pixels(r)[0, 9, 3] == 0


def test_16_bit_grey_is_scaled_not_clipped(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (8, 1))
    path = tmp_path / "ramp16.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    r = render_preview(path, None)
    row = _pixels(r)[0, :, 0]
    assert row[0] == 0 and row[-1] == 255
    assert 120 <= row[128] <= 135  # mid-grey, not clipped to white


def test_gif_webp_bmp_first_frame(tmp_path):
    frames = [Image.new("RGB", (30, 20), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:])
    webp = tmp_path / "anim.webp"
    frames[0].save(webp, save_all=True, append_images=frames[1:], lossless=True)
    bmp = tmp_path / "still.bmp"
    frames[0].save(bmp)
    for path in (gif, webp, bmp):
        r = render_preview(path, None)
        red, green, _blue = _pixels(r)[10, 15, :3]
        assert red > 200 and green < 50, path.name


# --- raw files --------------------------------------------------------------------------


def test_corpus_cr2_has_only_placeholder_previews(corpus):
    with pytest.raises(PreviewError) as caught:
        render_preview(corpus / "RAW/CanonRaw.cr2", (800, 600), mime="image/x-canon-cr2")
    assert caught.value.kind == "no-preview"
    assert "no embedded preview" in caught.value.message


def test_corpus_dng_falls_back_to_its_ifd0_thumbnail(corpus):
    r = render_preview(corpus / "RAW/DNG.dng", (800, 600), mime="image/x-adobe-dng")
    assert r.source == "raw-thumbnail"
    assert r.original_size == (8, 8)


def _jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    image.paste((255, 255, 255), (0, 0, size[0] // 4, size[1] // 4))  # a white top-left mark
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _tiff(ifd0: dict, sub: dict, blobs: list[bytes]) -> bytes:
    """A little-endian TIFF with IFD0 and one SubIFD, then the blobs. Entries are
    {tag: (type, [values])}; ("blob", i) as values stands for the offset of blobs[i]."""
    ifds = [{**ifd0, 0x014A: (4, ("sub",))}, sub]
    offsets = [8, 8 + 2 + 12 * len(ifds[0]) + 4]
    position = offsets[1] + 2 + 12 * len(sub) + 4
    blob_offsets = []
    for blob in blobs:
        blob_offsets.append(position)
        position += len(blob)
    out = bytearray(b"II*\x00" + struct.pack("<I", offsets[0]))
    for entries in ifds:
        out += struct.pack("<H", len(entries))
        for tag in sorted(entries):
            kind, values = entries[tag]
            if values == ("sub",):
                values = [offsets[1]]
            elif isinstance(values, tuple):
                values = [blob_offsets[values[1]]]
            fmt = "H" if kind == 3 else "I"
            packed = struct.pack(f"<{len(values)}{fmt}", *values).ljust(4, b"\x00")
            out += struct.pack("<HHI", tag, kind, len(values)) + packed
        out += struct.pack("<I", 0)
    return bytes(out + b"".join(blobs))


def test_raw_picks_the_largest_embedded_jpeg_and_applies_the_raw_orientation(tmp_path):
    big, small = _jpeg((320, 240), (200, 30, 30)), _jpeg((160, 120), (30, 30, 200))
    ifd0 = {
        0x0103: (3, [6]),  # JPEG compression, as CR2's IFD0
        0x0111: (4, ("blob", 0)),
        0x0117: (4, [len(big)]),
        0x0112: (3, [6]),  # rotate 90° clockwise to view
    }
    sub = {0x0201: (4, ("blob", 1)), 0x0202: (4, [len(small)])}
    path = tmp_path / "IMG_0001.CR2"
    path.write_bytes(_tiff(ifd0, sub, [big, small]))
    r = render_preview(path, None)
    assert r.source == "raw-embedded-preview"
    assert r.original_size == (240, 320)  # the 320x240 preview, turned upright
    pixels = _pixels(r)
    assert pixels[200, 100, 0] > 150 and pixels[200, 100, 2] < 80  # the red (big) one
    # Orientation 6: the stored top-left mark ends up top-right.
    assert pixels[5, 235].min() > 200 and pixels[5, 5].min() < 150


def test_raw_skips_lossless_sensor_data_and_broken_previews(tmp_path):
    # SOF3 (lossless, how raw sensor data is stored) must not be picked, even when
    # it is the biggest; nor a "preview" that is not a JPEG at all.
    lossless = b"\xff\xd8\xff\xc3\x00\x0b\x0c\x10\x00\x20\x00\x01\x01\x11\x00" + b"\x00" * 5000
    preview = _jpeg((64, 48), (10, 200, 10))
    ifd0 = {0x0201: (4, ("blob", 0)), 0x0202: (4, [len(lossless)])}
    sub = {
        0x0103: (3, [7]),
        0x0106: (3, [6]),
        0x0111: (4, ("blob", 1)),
        0x0117: (4, [len(preview)]),
    }
    path = tmp_path / "photo.nef"
    path.write_bytes(_tiff(ifd0, sub, [lossless, preview]))
    r = render_preview(path, (800, 600))
    assert r.source == "raw-embedded-preview" and r.original_size == (64, 48)


def test_damaged_raw_files_say_they_are_cut_short(tmp_path):
    # RAF: the header ends before the preview's offset and length.
    raf = tmp_path / "cut.raf"
    raf.write_bytes(b"FUJIFILMCCD-RAW 0201FF383501" + b"\x00" * 20)
    # TIFF-based: IFD0 lies past the end of the file, so no directory can be read.
    nef = tmp_path / "cut.nef"
    nef.write_bytes(b"II*\x00\xff\xff\x00\x00" + b"\x00" * 30)
    for path in (raf, nef):
        with pytest.raises(PreviewError) as caught:
            render_preview(path, (800, 600))
        assert (caught.value.kind, caught.value.message) == (
            "truncated",
            "the raw file is cut short or damaged",
        ), path.name


def test_raw_with_one_unreadable_directory_still_shows_its_preview(tmp_path):
    # IFD0's next directory lies past the end; the preview in its SubIFD is still found.
    preview = _jpeg((64, 48), (10, 200, 10))
    sub = {0x0201: (4, ("blob", 0)), 0x0202: (4, [len(preview)])}
    data = bytearray(_tiff({0x0100: (4, [1])}, sub, [preview]))
    (ifd0_entries,) = struct.unpack_from("<H", data, 8)
    next_ifd = 8 + 2 + 12 * ifd0_entries
    data[next_ifd : next_ifd + 4] = struct.pack("<I", len(data) + 1000)
    path = tmp_path / "odd.nef"
    path.write_bytes(data)
    r = render_preview(path, None)
    assert (r.source, r.original_size) == ("raw-embedded-preview", (64, 48))


# --- broken and missing files -----------------------------------------------------------


def test_truncated_jpeg_renders_partially_and_says_so(corpus, tmp_path):
    whole = (corpus / "2008 Tuscany Trip/DSCN0010.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) * 6 // 10])
    r = render_preview(cut, None)
    assert r.partial
    assert (r.width, r.height) == (640, 480)
    full = _pixels(render_preview(corpus / "2008 Tuscany Trip/DSCN0010.jpg", None))
    top = slice(0, 120)  # the top quarter made it into the file
    assert np.abs(_pixels(r)[top].astype(int) - full[top]).mean() < 2
    # The process-wide Pillow flag was only borrowed.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_jpeg_cut_before_any_picture_data_is_an_error(corpus):
    with pytest.raises(PreviewError) as caught:
        render_preview(corpus / "Phone/DCIM/Camera/ultrahdr.jpg", (800, 600))
    assert caught.value.kind == "truncated"
    assert "truncated" in caught.value.message


def test_missing_file_says_the_drive_may_not_be_mounted(tmp_path):
    with pytest.raises(PreviewError) as caught:
        render_preview(tmp_path / "gone.jpg", (800, 600))
    assert caught.value.message == "the file is not there (is the drive mounted?)"
    assert caught.value.kind == "not-found"


def test_garbage_empty_and_corrupt_files(corpus, tmp_path):
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(PreviewError) as caught:
        render_preview(garbage, (800, 600))
    assert caught.value.kind == "unsupported"

    with pytest.raises(PreviewError) as caught:
        render_preview(corpus / "Recovered/FILE0001.JPG", (800, 600))
    assert caught.value.kind == "empty"

    # A JPEG signature, then no frame header Pillow can find: damaged, not unsupported.
    header_only = tmp_path / "header.jpg"
    header_only.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x5a" * 3000)
    with pytest.raises(PreviewError) as caught:
        render_preview(header_only, (800, 600))
    assert (caught.value.kind, caught.value.message) == (
        "unreadable",
        "the image is damaged: its header cannot be read",
    )


def test_decompression_bomb_is_refused_clearly(corpus, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    with pytest.raises(PreviewError) as caught:
        render_preview(corpus / "Orientation Test/landscape_1.jpg", (100, 100))
    assert caught.value.kind == "too-large"
    assert "too large to preview safely" in caught.value.message


def test_videos_are_not_this_functions_job(corpus):
    with pytest.raises(PreviewError) as caught:
        render_preview(corpus / "Video/sample.3gp", (800, 600), mime="video/3gpp")
    assert caught.value.kind == "video"


def test_text_preview(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Budapest, été 2006\n" * 10, encoding="utf-8")
    text, more = read_text_preview(path)
    assert text.startswith("Budapest, été 2006\n") and not more
    # A limit that cuts "é" in half: the half character is dropped, not garbled.
    cut_at = len("Budapest, é".encode()) - 1
    text, more = read_text_preview(path, limit=cut_at)
    assert text == "Budapest, " and more
    legacy = tmp_path / "old.txt"
    legacy.write_bytes("Café".encode("cp1252"))
    assert read_text_preview(legacy)[0] == "Café"


# Corpus images that do not show as the picture the truth describes, and what they show.
CORPUS_EXCEPTIONS = {
    # Cut short inside its primary image, before any of the picture.
    "Phone/DCIM/Camera/ultrahdr.jpg": "truncated",
    # Its only embedded JPEGs are placeholders; raw sensor data is never developed.
    "RAW/CanonRaw.cr2": "no-preview",
    # The best it holds is an 8x8 uncompressed thumbnail in IFD0.
    "RAW/DNG.dng": ("raw-thumbnail", (8, 8)),
}


def test_every_corpus_image_renders_its_truth_size_the_right_way_up(corpus, truth):
    """Each corpus image shows whole, at the truth's size with its orientation applied,
    or fails or falls back exactly as CORPUS_EXCEPTIONS says."""
    wrong, box = [], (400, 400)
    for row in truth:
        if not row["mime"].startswith("image/"):
            continue
        where = row["relative_path"]
        expected = CORPUS_EXCEPTIONS.get(where)
        try:
            r = render_preview(Path(corpus, where), box, mime=row["mime"])
        except PreviewError as exc:
            if exc.kind != expected:
                wrong.append(f"{where}: PreviewError {exc.kind} ({exc.message}), not {expected}")
            continue
        if isinstance(expected, tuple):
            source, size = expected
        else:
            source, size = "image", (int(row["width"]), int(row["height"]))
            if row["orientation"] and int(row["orientation"]) >= 5:  # a quarter turn
                size = (size[1], size[0])
        got = (r.source, r.original_size, (r.width, r.height), r.partial)
        want = (source, size, fit_size(size, box), False)
        if got != want:
            wrong.append(f"{where}: {got} != {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_bytes_after_the_end_of_an_image_do_not_make_it_partial(tmp_path, fmt):
    out = io.BytesIO()
    _noise = np.random.default_rng(6).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    Image.fromarray(_noise).save(out, fmt)
    path = tmp_path / f"trailer.{fmt.lower()}"
    path.write_bytes(out.getvalue() + b"LUNABENCH0000000007")
    r = render_preview(path, None)
    assert ((r.width, r.height), r.partial) == ((120, 90), False)
    assert r.data == Image.open(io.BytesIO(out.getvalue())).convert("RGB").tobytes()
