"""The progress bar's total: the quick count agrees with what the walk lists."""

from __future__ import annotations

import os

from luna_desktop.scan.ignore import IgnoreRules
from luna_desktop.scan.walk import count_files, walk_drive


def test_count_matches_the_walk(tmp_path):
    root = tmp_path / "Card"
    (root / "Roll" / "Proxies").mkdir(parents=True)
    (root / "Empty").mkdir()
    for name in ("a.jpg", "b.CR2", "b.xmp", "lonely.xmp", ".DS_Store", "c.CR2", "c.CR2.xmp"):
        (root / "Roll" / name).write_bytes(b"x")
    (root / "Roll" / "Proxies" / "small.jpg").write_bytes(b"x")
    (root / "top.txt").write_bytes(b"x")
    (root / "link.jpg").symlink_to(root / "top.txt")
    (root / "Roll" / "loop").symlink_to(root)
    os.mkfifo(root / "pipe")
    (root / "caf\xe9.jpg".encode("latin-1").decode("latin-1")).write_bytes(b"x")
    os.close(os.open(os.fsencode(root) + b"/raw\xff.jpg", os.O_CREAT | os.O_WRONLY))
    rules = IgnoreRules(["Proxies"])
    walked = sum(len(listing.files) for listing in walk_drive(os.fsencode(root), rules))
    # a.jpg, b.CR2 (+ its sidecar), lonely.xmp, c.CR2 (+ its sidecar), top.txt, two odd names
    assert count_files(os.fsencode(root), rules) == walked == 7
