"""Numbers from real pen digits (evaluate-numbers' ``pen`` set): one writer per number."""

from __future__ import annotations

import numpy as np
import pytest

import training.evaluate_numbers as evaluate_numbers
from training.augment import POINT_STEP
from training.evaluate_numbers import build_pen_numbers
from training.numbers import HEIGHT, pen_points
from training.page_render import flatten
from training.pendigits import PenDigit, load_pendigits, split_by_writer


@pytest.fixture(scope="module")
def held_out() -> list[PenDigit]:
    return split_by_writer(load_pendigits())[1]


def test_pen_points_fit_the_digit_into_mnists_box_densely(held_out: list[PenDigit]) -> None:
    for digit in held_out[::60]:
        points = pen_points(digit)
        assert points.dtype == np.float32 and points.shape[1] == 2
        low, high = points.min(axis=0), points.max(axis=0)
        # The tablet points' box is fitted to 20 units on (14, 14), as MNIST fits its digits;
        # the smoothed curve cuts its corners, so its own box is a little inside that.
        assert 19.0 <= float((high - low).max()) <= 20.0 + 1e-3
        assert low.min() >= 4.0 - 1e-3 and high.max() <= 24.0 + 1e-3
        np.testing.assert_allclose((low + high) / 2, [14.0, 14.0], atol=0.3)
        # Every stroke's smoothed path is covered by points no further apart than the step.
        every = np.concatenate(digit.strokes)
        centre = (every.min(axis=0) + every.max(axis=0)) / 2
        scale = 20.0 / float((every.max(axis=0) - every.min(axis=0)).max())
        for stroke in digit.strokes:
            path = flatten((stroke - centre) * scale + 14.0)
            gaps = np.linalg.norm(path[:, None] - points[None], axis=-1).min(axis=1)
            assert gaps.max() <= POINT_STEP / 2 + 1e-3


def test_each_number_is_one_writers_digits_with_their_labels(
    held_out: list[PenDigit], monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[PenDigit] = []

    def spy(digit: PenDigit) -> np.ndarray:
        drawn.append(digit)
        return pen_points(digit)

    monkeypatch.setattr(evaluate_numbers, "pen_points", spy)
    samples = list(build_pen_numbers(held_out, seed=13, per_length=3, lengths=(2, 4, 6)))
    assert [len(s.digits) for s in samples] == [2, 4, 6] * 3
    assert len(drawn) == sum(len(s.digits) for s in samples)
    writers = set()
    start = 0
    for sample in samples:
        chosen = drawn[start : start + len(sample.digits)]
        start += len(chosen)
        assert sample.digits == tuple(d.label for d in chosen)
        assert len({d.writer for d in chosen}) == 1  # one person wrote the whole number
        assert len({id(d) for d in chosen}) == len(chosen)  # no digit twice
        writers.add(chosen[0].writer)
        assert sample.image.mode == "L" and sample.image.size[1] == HEIGHT
        assert (np.asarray(sample.image) < 128).any()
    assert len(writers) > 1  # numbers come from several of the held-out writers
    assert writers <= {d.writer for d in held_out}


def test_pen_numbers_are_deterministic_for_a_seed(held_out: list[PenDigit]) -> None:
    first = list(build_pen_numbers(held_out, seed=4, per_length=1, lengths=(3,)))
    again = list(build_pen_numbers(held_out, seed=4, per_length=1, lengths=(3,)))
    other = list(build_pen_numbers(held_out, seed=5, per_length=1, lengths=(3,)))
    assert [s.text for s in first] == [s.text for s in again]
    np.testing.assert_array_equal(np.asarray(first[0].image), np.asarray(again[0].image))
    assert not np.array_equal(np.asarray(first[0].image), np.asarray(other[0].image))
