import io
import os
import struct

import pytest

from luna_desktop.scan.oshash import content_hash, oshash_file, oshash_path


def reference_oshash(data: bytes) -> str:
    """DESIGN.md's definition, written as plainly as possible."""
    size = len(data)
    windows = [data[:65536], data[-65536:]] if size >= 65536 else [data]
    total = size
    for window in windows:
        for i in range(0, len(window) - len(window) % 8, 8):
            total += struct.unpack("<Q", window[i : i + 8])[0]
    return f"{total % 2**64:016x}"


@pytest.mark.parametrize(
    "size",
    [0, 1, 7, 8, 9, 15, 16, 1000, 65535, 65536, 65537, 65540, 100_000, 131072, 131073, 500_001],
)
def test_oshash_matches_definition(size):
    data = os.urandom(size)
    digest, head, tail = oshash_file(io.BytesIO(data), size)
    assert digest == reference_oshash(data)
    assert head == data[:65536]
    assert tail == data[-65536:]


def test_empty_file_is_all_zeros():
    assert oshash_file(io.BytesIO(b""), 0)[0] == "0000000000000000"


def test_trailing_partial_word_is_not_counted():
    base = b"\x01" * 16
    assert (
        oshash_file(io.BytesIO(base + b"\xff\xff"), 18)[0]
        == f"{(18 + 2 * 0x0101010101010101):016x}"
    )


def test_sum_wraps_modulo_2_64():
    data = b"\xff" * 64
    expected = (64 + 8 * (2**64 - 1)) % 2**64
    assert oshash_file(io.BytesIO(data), 64)[0] == f"{expected:016x}"


def test_file_that_shrank_is_an_error(tmp_path):
    data = os.urandom(200_000)
    with pytest.raises(OSError, match="shrank"):
        oshash_file(io.BytesIO(data[:100_000]), len(data))


def test_corpus_oshash_matches_truth(corpus, truth):
    for row in truth:
        assert oshash_path(corpus / row["relative_path"]) == row["oshash"], row["relative_path"]


def test_content_hash_matches_truth_sha256(corpus, truth):
    for row in truth[:10]:
        with open(corpus / row["relative_path"], "rb") as fh:
            assert content_hash(fh) == row["sha256"]
