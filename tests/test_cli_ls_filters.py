"""`luna ls` with filters, end to end through the command line on a real catalogue."""

from __future__ import annotations

import json

import pytest

from luna_desktop.catalog import duplicates
from luna_desktop.catalog.models import Album, AlbumEntry, DuplicateGroup
from luna_desktop.cli.main import main
from luna_desktop.scan.oshash import content_hash
from tests import filter_archive as fa


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    yield from fa.built(tmp_path_factory)


@pytest.fixture
def archive(built, tmp_path):
    yield from fa.copy_of(built, tmp_path)


@pytest.fixture
def ls(archive, tmp_path, capsys):
    """`luna ls Archive ARGS…` → (exit code, paths listed, stdout, stderr)."""

    def run(*args: str) -> tuple[int, list[str], str, str]:
        capsys.readouterr()
        code = main(["--catalog", str(tmp_path / "catalog.sqlite3"), "ls", "Archive", *args])
        out, err = capsys.readouterr()
        if "--json" in args:
            paths = [f"{d['path']}/{d['filename']}" for d in map(json.loads, out.splitlines())]
        else:
            # Flags, size, kind, dimensions and date in fixed columns, then the path.
            paths = [line[57:] for line in out.splitlines() if not line.startswith("No ")]
        return code, paths, out, err

    return run


def listed(ls, *args: str) -> set[str]:
    code, paths, _out, err = ls(*args)
    assert code == 0, err
    return set(paths)


def test_without_filters_the_listing_is_as_before(ls):
    code, paths, out, _ = ls()
    assert code == 0
    assert paths == sorted(paths)  # path order
    assert set(paths) == fa.PRESENT | {fa.LOST, fa.ALONE}  # missing files too, flagged M
    lost = next(line for line in out.splitlines() if line.endswith(fa.LOST))
    assert lost[1] == "M"


def test_each_filter(ls):
    assert listed(ls, "--kind", "video") == {fa.VIDEO}
    assert listed(ls, "--kind", "audio,document") == {fa.NOTES, fa.AUDIO}
    assert listed(ls, "--kind", "audio", "--kind", "Documents") == {fa.NOTES, fa.AUDIO}
    assert listed(ls, "--camera", "Canon EOS 5D") == {fa.A, fa.C, fa.COPY}
    assert listed(ls, "--from", "1998-06-01", "--to", "1998-06-30") == {
        fa.A,
        fa.COPY,
        fa.NOTES,
        fa.VIDEO,
    }
    # A month or a year for a whole one: --to 1998-06 means to the 30th.
    assert listed(ls, "--from", "1998-06", "--to", "1998-06") == {
        fa.A,
        fa.COPY,
        fa.NOTES,
        fa.VIDEO,
    }
    assert listed(ls, "--from", "1998-07-01") == {fa.B, fa.NOTES}
    assert listed(ls, "--status", "upload") == {fa.A, fa.VIDEO}
    assert listed(ls, "--status", "6", "--status", "restricted") == {fa.B, fa.C}
    assert listed(ls, "--status", "2,3") == {fa.A, fa.VIDEO, fa.C}
    assert listed(ls, "--project-group", fa.GROUP) == {fa.A, fa.VIDEO}
    no_group = fa.PRESENT | {fa.LOST, fa.ALONE}
    assert listed(ls, "--no-project-group") == no_group - {fa.A, fa.VIDEO}
    assert listed(ls, "--tag", "sea", "--tag", "boat") == {fa.A, fa.COPY}
    assert listed(ls, "--album", fa.ALBUM) == {fa.A, fa.VIDEO, fa.ALONE}


def test_presence(ls):
    assert listed(ls, "--missing") == {fa.LOST, fa.ALONE}
    assert listed(ls, "--present") == fa.PRESENT
    assert listed(ls, "--all-states") == fa.PRESENT | {fa.LOST, fa.ALONE}


def test_duplicates(ls, archive):
    primary = archive.paths([DuplicateGroup.get().primary_id])
    assert listed(ls, "--duplicates", "primary") == primary
    copy = listed(ls, "--duplicates", "copy", "--present")
    assert copy == {fa.A, fa.COPY} - primary
    assert listed(ls, "--duplicates", "copy", "--missing") == {fa.LOST}
    assert listed(ls, "--duplicates", "unique", "--missing") == {fa.ALONE}
    assert listed(ls, "--duplicates", "unique", "--present") == fa.PRESENT - {fa.A, fa.COPY}
    assert listed(ls, "--duplicates", "unconfirmed") == copy | {fa.LOST}


def test_confirmed_copies(ls):
    assert listed(ls, "--duplicates", "confirmed", "--present") == set()
    duplicates.confirm_group(DuplicateGroup.get().oshash, hasher=content_hash)
    copy = listed(ls, "--duplicates", "copy", "--present")
    assert listed(ls, "--duplicates", "confirmed", "--present") == copy


def test_filters_combine_with_each_other_and_a_folder(ls):
    assert listed(ls, "--kind", "image", "--camera", "canon", "--status", "upload") == {fa.A}
    assert listed(ls, "1998", "--camera", "Canon") == {fa.A, fa.C}
    assert listed(ls, "1998/June", "--tag", "sea", "--no-project-group") == {fa.B}
    code, paths, _, _ = ls("1998/July", "--camera", "Nikon")
    assert code == 0 and paths == []


def test_json_lines_keep_their_shape(ls):
    code, paths, out, _ = ls("--kind", "video", "--json")
    assert code == 0 and paths == [fa.VIDEO]
    data = json.loads(out)
    assert data["kind"] == "video" and data["project_group"] == fa.GROUP
    assert data["status"] == "upload" and data["drive"] == "Archive"
    # Tags come with each file, as without filters.
    _, _, out, _ = ls("--tag", "harbour", "--json")
    (row,) = map(json.loads, out.splitlines())
    assert row["tags"] == ["Harbour"] and set(row["keywords"]) == {"sea", "boat"}


def test_no_match_says_what_was_asked(ls):
    code, paths, out, _ = ls("--kind", "video", "--camera", "Nikon")
    assert code == 0 and paths == []
    assert out.strip() == "No files on Archive match: Videos · camera Nikon."
    code, _, out, _ = ls("1998", "--album", fa.ALBUM, "--missing")
    assert out.strip() == "No files under '1998' on Archive match: Album Best of · missing files."
    code, _, out, _ = ls("--kind", "video", "--json")
    assert "No files" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--status", "maybe"), "luna: unknown status 'maybe'; expected a number or name: 1 unr"),
        (("--status", "9"), "luna: unknown status '9'"),
        (("--from", "1998-13-01"), "luna: bad date '1998-13-01': use YYYY-MM-DD"),
        (("--to", "yesterday"), "luna: bad date 'yesterday'"),
        (("--from", "1999", "--to", "1998"), "luna: the date range ends (1998-12-31) before it"),
        (("--album", "Nope"), "luna: no album named 'Nope' (albums: Best of, Rejects)"),
        (("--project-group", "Winter"), "luna: no project group named 'Winter' (project groups:"),
        (("--tag", "river"), "luna: no tag named 'river' (tags: boat, Harbour, lake, sea)"),
        (("--kind", "photo"), "luna: unknown kind 'photo'; expected one of image, video, audio"),
        (("--duplicates", "twin"), "luna: unknown duplicate state 'twin'; expected one of unique"),
    ],
)
def test_bad_values_are_refused_clearly(ls, args, message):
    code, paths, out, err = ls(*args)
    assert code == 1 and out == "" and paths == []
    assert err.startswith(message), err


def test_an_album_is_listed_in_its_order_without_a_drive(archive, tmp_path, capsys):
    catalog = str(tmp_path / "catalog.sqlite3")
    capsys.readouterr()
    assert main(["--catalog", catalog, "ls", "--album", fa.ALBUM, "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    in_order = [
        f"{e.file.drive.name}:{e.file.folder}/{e.file.filename}"
        for e in AlbumEntry.select().join(Album).where(Album.name == fa.ALBUM)
        .order_by(AlbumEntry.position)
    ]  # fmt: skip
    assert [f"{d['drive']}:{d['path']}/{d['filename']}" for d in listed] == in_order
    assert len(in_order) == 3
    assert main(["--catalog", catalog, "ls", "--album", fa.ALBUM.upper(), "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3  # names match regardless of case
    assert main(["--catalog", catalog, "ls"]) == 1
    assert "give a DRIVE, or --album NAME" in capsys.readouterr().err
