"""The shipped pendigits training writers: parsed whole, flipped for the canvas, split by writer."""

from __future__ import annotations

import collections
import gzip
from pathlib import Path

import numpy as np
import pytest

from training.pendigits import (
    DATA_FILE,
    HELD_OUT_WRITERS,
    PenDigit,
    PendigitsUnavailable,
    load_pendigits,
    parse,
    split_by_writer,
)

# The published training file's label counts (UCI pendigits, 7,494 digits).
LABEL_COUNTS = {0: 780, 1: 779, 2: 780, 3: 719, 4: 780, 5: 720, 6: 720, 7: 778, 8: 719, 9: 719}

SNIPPET = """.SEGMENT DIGIT    0 ? "7"
.COMMENT 7 4  12
.PEN_DOWN
 100  300
 200  300
 150  100
.PEN_UP
.PEN_DOWN
 120  200
 180  200
.PEN_UP
.DT 100

.SEGMENT DIGIT    1 ? "1"
.COMMENT 1 9  40
.PEN_DOWN
 50  60
.PEN_UP
"""


@pytest.fixture(scope="module")
def digits() -> list[PenDigit]:
    return load_pendigits()


def test_the_shipped_file_holds_the_thirty_training_writers(digits: list[PenDigit]) -> None:
    assert len(digits) == 7494
    assert {d.writer for d in digits} == set(range(1, 31))
    assert dict(collections.Counter(d.label for d in digits)) == LABEL_COUNTS
    for digit in digits:
        assert digit.strokes, digit
        for stroke in digit.strokes:
            assert stroke.dtype == np.float32 and stroke.ndim == 2 and stroke.shape[1] == 2
            assert len(stroke) >= 1


def test_parse_reads_labels_writers_and_strokes_and_flips_y() -> None:
    seven, one = parse(SNIPPET)
    assert (seven.label, seven.writer, one.label, one.writer) == (7, 4, 1, 9)
    assert len(seven.strokes) == 2 and len(one.strokes) == 1
    np.testing.assert_array_equal(seven.strokes[0], [[100, -300], [200, -300], [150, -100]])
    np.testing.assert_array_equal(seven.strokes[1], [[120, -200], [180, -200]])
    np.testing.assert_array_equal(one.strokes[0], [[50, -60]])


def test_y_grows_downwards_as_on_a_canvas(digits: list[PenDigit]) -> None:
    # A 7 starts with its top bar and ends its first stroke at the stem's foot; a 1 is
    # drawn top to bottom. On the tablet's upward y it would be the other way round.
    sevens = [d.strokes[0] for d in digits if d.label == 7]
    ones = [d.strokes[0] for d in digits if d.label == 1]
    assert np.mean([s[0, 1] < s[-1, 1] for s in sevens]) > 0.95
    assert np.mean([s[0, 1] < s[-1, 1] for s in ones]) > 0.95
    # The bar is at the top: the first stroke's topmost point comes early in the stroke.
    assert np.mean([np.argmin(s[:, 1]) < len(s) / 2 for s in sevens]) > 0.9


def test_a_changed_file_is_refused(tmp_path: Path) -> None:
    text = gzip.decompress(DATA_FILE.read_bytes())
    changed = tmp_path / "changed.tra.gz"
    changed.write_bytes(gzip.compress(text.replace(b" 267  333", b" 268  333", 1)))
    with pytest.raises(PendigitsUnavailable, match="not the published"):
        load_pendigits(changed)
    # The same bytes recompressed are the same data: accepted.
    same = tmp_path / "same.tra.gz"
    same.write_bytes(gzip.compress(text, compresslevel=1))
    assert len(load_pendigits(same)) == 7494


@pytest.mark.parametrize("content", [None, b"not gzip at all", b"\x1f\x8b\x08\x00truncated"])
def test_a_missing_or_unreadable_file_is_unavailable(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "pendigits.tra.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PendigitsUnavailable, match="cannot read"):
        load_pendigits(path)


def test_the_writer_split_holds_out_six_whole_writers(digits: list[PenDigit]) -> None:
    # Literal on purpose: every figure and choice in training is made on these writers,
    # so a change of the split must be a visible decision.
    assert frozenset({1, 5, 11, 15, 18, 22}) == HELD_OUT_WRITERS
    train, held_out = split_by_writer(digits)
    assert len(train) + len(held_out) == len(digits)
    assert {d.writer for d in held_out} == HELD_OUT_WRITERS
    assert {d.writer for d in train} == set(range(1, 31)) - HELD_OUT_WRITERS
    assert {id(d) for d in train}.isdisjoint(id(d) for d in held_out)
    assert {d.label for d in held_out} == set(range(10))
    again = split_by_writer(digits)  # stable: same digits, same order
    assert [id(d) for d in again[1]] == [id(d) for d in held_out]
