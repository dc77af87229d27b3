"""Where the shared test corpus lives, and its ground truth.

The corpus is never copied into the project: tests read it from ``../shared/corpus``
beside the checkout, or from ``$LUNA_TEST_CORPUS``. Outside the team a clone has no
corpus, so corpus tests skip with a message — unless ``LUNA_REQUIRE_CORPUS=1`` (CI),
when a missing corpus is a failure.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import NoReturn

import pytest

_REPO = Path(__file__).resolve().parent.parent


def corpus_root() -> Path | None:
    env = os.environ.get("LUNA_TEST_CORPUS")
    candidates = [Path(env)] if env else []
    candidates.append(_REPO.parent / "shared" / "corpus")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


def require_corpus() -> Path:
    root = corpus_root()
    if root is not None:
        return root
    _missing(
        "the shared test corpus was not found at ../shared/corpus; "
        "set LUNA_TEST_CORPUS to its folder"
    )


def _missing(message: str) -> NoReturn:
    if os.environ.get("LUNA_REQUIRE_CORPUS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def truth_json() -> list[dict]:
    """corpus-truth.json: exiftool's full output for every corpus file."""
    import json

    dump = require_corpus().parent / "corpus-truth.json"
    if not dump.is_file():
        _missing(f"corpus ground truth {dump} is missing")
    return json.loads(dump.read_text(encoding="utf-8"))


def truth_rows() -> list[dict[str, str]]:
    """corpus-truth.tsv as a list of dicts keyed by its header (relative_path, size_bytes…)."""
    root = require_corpus()
    tsv = root.parent / "corpus-truth.tsv"
    if not tsv.is_file():
        _missing(f"corpus ground truth {tsv} is missing")
    with tsv.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))
