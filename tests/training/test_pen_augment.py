"""Real pen digits placed on the canvas with random geometry, resampled, styled and painted."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from training.page_render import CANVAS_SIZE, paint_strokes
from training.pen_augment import (
    FLAG_ANGLE_DEG,
    FLAG_LENGTH,
    JOIN_REACH,
    PenVariation,
    add_styles,
    distort_strokes,
    flag_one,
    place_strokes,
    render_pen_digit,
    resample,
    turned,
)
from training.pendigits import PenDigit, load_pendigits

# No noise after placement and the tablet's own sampling: the geometry alone.
EXACT = PenVariation(jitter=(0.0, 0.0), sampling=(1.0, 1.0))


@pytest.fixture(scope="module")
def digits() -> list[PenDigit]:
    every = load_pendigits()
    return every[::25]  # 300 digits, all writers and labels


def ink_extent(placed: list[np.ndarray], brush: float) -> tuple[float, float]:
    """The lowest and highest canvas coordinate the brush reaches, either axis."""
    points = np.concatenate(placed)
    return float((points.min(axis=0) - brush / 2).min()), float(
        (points.max(axis=0) + brush / 2).max()
    )


def test_the_digit_and_its_brush_stay_on_the_canvas(digits: list[PenDigit]) -> None:
    # Sizes that leave room for the widest brush (250 + 36 would not fit in 280).
    variation = replace(EXACT, size=(70.0, CANVAS_SIZE - 36.0))
    rng = np.random.default_rng(1)
    lows, highs = [], []
    for digit in digits:
        placed, brush = place_strokes(digit.strokes, rng, variation)
        low, high = ink_extent(placed, brush)
        lows.append(low)
        highs.append(high)
    assert min(lows) >= -1e-3 and max(highs) <= CANVAS_SIZE + 1e-3
    # ... and the placement does use the canvas: digits land near every edge.
    assert min(lows) < 5 and max(highs) > CANVAS_SIZE - 5


def test_with_the_default_variation_the_brush_leaves_the_canvas_by_a_few_pixels_at_most(
    digits: list[PenDigit],
) -> None:
    """The largest digits with the widest brushes may touch the edge and lose a few
    pixels of brush there, as people's strokes do (PenVariation's docstring)."""
    rng = np.random.default_rng(2)
    lows, highs = [], []
    for _ in range(4):
        for digit in digits:
            placed, brush = place_strokes(digit.strokes, rng, PenVariation())
            low, high = ink_extent(placed, brush)
            lows.append(low)
            highs.append(high)
    assert min(lows) >= -8.0 and max(highs) <= CANVAS_SIZE + 8.0
    # Almost always the whole brush stays on the canvas.
    outside = np.mean((np.asarray(lows) < 0) | (np.asarray(highs) > CANVAS_SIZE))
    assert outside < 0.05


def test_size_and_brush_follow_the_variation(digits: list[PenDigit]) -> None:
    # Small digits, so the brush's cap at brush_to_size x size matters.
    variation = replace(EXACT, size=(30.0, 120.0))
    rng = np.random.default_rng(3)
    capped = 0
    for digit in digits:
        placed, brush = place_strokes(digit.strokes, rng, variation)
        points = np.concatenate(placed)
        longer_side = float((points.max(axis=0) - points.min(axis=0)).max())
        assert 30.0 - 1e-3 <= longer_side <= 120.0 + 1e-3
        assert brush <= variation.brush_to_size * longer_side + 1e-3
        assert brush <= variation.brush[1]
        capped += brush == pytest.approx(variation.brush_to_size * longer_side, abs=1e-3)
        assert [len(s) for s in placed] == [len(s) for s in digit.strokes]
    assert capped > 10  # the cap was exercised


def test_the_same_seed_draws_the_same_image(digits: list[PenDigit]) -> None:
    digit = next(d for d in digits if d.label == 7)

    def draw(seed: int) -> np.ndarray:
        image = render_pen_digit(
            digit.strokes, digit.label, np.random.default_rng(seed), PenVariation()
        )
        assert image.mode == "L" and image.size == (CANVAS_SIZE, CANVAS_SIZE)
        return np.asarray(image)

    first = draw(5)
    np.testing.assert_array_equal(first, draw(5))
    other = draw(6)
    assert np.abs(first.astype(int) - other.astype(int)).mean() > 1.0
    assert (first < 128).sum() > 200  # ink was drawn
    assert first[0, 0] == 255 and first.min() == 0  # black on white


def test_a_larger_canvas_draws_the_same_digit_scaled(digits: list[PenDigit]) -> None:
    digit = next(d for d in digits if d.label == 4)

    def draw(side: int, pen: float | None = None) -> np.ndarray:
        rng = np.random.default_rng(3)
        image = render_pen_digit(digit.strokes, digit.label, rng, PenVariation(), side, pen)
        assert image.size == (side, side)
        return np.asarray(image) < 128

    page, doubled, fine = draw(CANVAS_SIZE), draw(2 * CANVAS_SIZE), draw(2 * CANVAS_SIZE, 4.0)
    # Scaled with the canvas: the same ink, four times the pixels, in the same place.
    assert doubled.sum() == pytest.approx(4 * page.sum(), rel=0.05)
    rows, cols = np.nonzero(doubled)
    page_rows, page_cols = np.nonzero(page)
    assert abs(rows.mean() / 2 - page_rows.mean()) < 1.5
    assert abs(cols.mean() / 2 - page_cols.mean()) < 1.5
    # A fixed 4 px pen on that canvas: the same path, far less ink.
    assert fine.sum() < 0.5 * doubled.sum()


def test_resample_keeps_the_ends_and_scales_the_point_count() -> None:
    rng = np.random.default_rng(4)
    t = np.linspace(0.0, 3.0, 40)
    stroke = np.stack([100 + 40 * np.cos(t), 100 + 30 * np.sin(2 * t)], axis=1).astype(np.float32)
    for factor in (0.35, 0.5, 2.0, 2.5):
        out = resample(stroke, factor, rng)
        assert out.dtype == np.float32
        assert len(out) == round(len(stroke) * factor)
        np.testing.assert_array_equal(out[0], stroke[0])
        np.testing.assert_allclose(out[-1], stroke[-1], atol=1e-4)
        # Every new point lies on the original polyline (interpolated, not moved).
        a, b, p = stroke[:-1][None], stroke[1:][None], out[:, None]
        along = np.clip(((p - a) * (b - a)).sum(-1) / ((b - a) ** 2).sum(-1), 0, 1)
        gap = np.linalg.norm(p - (a + along[..., None] * (b - a)), axis=-1).min(axis=1)
        assert gap.max() < 1e-3
    # Nearly 1, or too short a stroke to interpolate: unchanged.
    assert resample(stroke, 1.02, rng) is stroke
    short = stroke[:2]
    assert resample(short, 2.5, rng) is short


def test_styles_add_strokes_only_to_the_digits_they_are_for(digits: list[PenDigit]) -> None:
    rng = np.random.default_rng(5)
    styled = dict.fromkeys(range(10), 0)
    seen = dict.fromkeys(range(10), 0)
    for digit in digits:
        for _ in range(4):
            out = add_styles(digit.strokes, digit.label, rng)
            seen[digit.label] += 1
            originals = sum(len(s) for s in digit.strokes)
            if len(out) != len(digit.strokes) or sum(len(s) for s in out) != originals:
                styled[digit.label] += 1
            if digit.label == 9 and len(out[-1]) > len(digit.strokes[-1]):
                # The hook continues the last stroke, ending left of and above its end.
                end, hook_end = digit.strokes[-1][-1], out[-1][-1]
                assert hook_end[0] < end[0] and hook_end[1] < end[1]
    for label in (2, 3, 4, 5, 6, 8):
        assert styled[label] == 0, label
    for label, share in ((0, 0.2), (7, 0.3), (9, 0.3)):
        assert styled[label] / seen[label] == pytest.approx(share, abs=0.15), label
    assert styled[1] > 0


def test_a_flagged_one_gets_a_flag_into_its_top_steeper_than_a_sevens_bar(
    digits: list[PenDigit],
) -> None:
    rng = np.random.default_rng(11)
    ones = [d for d in digits if d.label == 1]
    flagged = feet = 0
    for digit in ones:
        every = np.concatenate(digit.strokes)
        (x0, y0), (x1, y1) = every.min(axis=0), every.max(axis=0)
        height = float(y1 - y0)
        out = flag_one(digit.strokes, rng, share=1.0)
        if x1 - x0 >= 0.5 * height:  # already more than a stem: left as drawn
            assert len(out) == len(digit.strokes)
            continue
        flagged += 1
        flag, top = out[0][0], out[0][-1]
        # Drawn first, ending at the stem's top, from below and left of it.
        np.testing.assert_allclose(top, every[np.argmin(every[:, 1])])
        run, drop = float(top[0] - flag[0]), float(flag[1] - top[1])
        assert FLAG_ANGLE_DEG[0] <= math.degrees(math.atan2(drop, run)) <= FLAG_ANGLE_DEG[1]
        assert FLAG_LENGTH[0] <= math.hypot(run, drop) / height <= FLAG_LENGTH[1]
        for new, old in zip(out[1 : 1 + len(digit.strokes)], digit.strokes, strict=True):
            np.testing.assert_array_equal(new, old)
        if len(out) == len(digit.strokes) + 2:
            feet += 1
            foot = out[-1]
            assert foot[0][1] == foot[-1][1] == every[:, 1].max()  # level, at the bottom
    assert flagged >= 5
    assert 0 < feet < flagged


def test_flagging_ones_leaves_other_digits_and_their_random_stream_alone(
    digits: list[PenDigit],
) -> None:
    rng, twin = np.random.default_rng(12), np.random.default_rng(12)
    for digit in digits:
        if digit.label == 1:
            continue
        variation = replace(EXACT, flagged_ones=1.0)
        styled = render_pen_digit(digit.strokes, digit.label, rng, variation)
        plain = render_pen_digit(digit.strokes, digit.label, twin, EXACT)
        np.testing.assert_array_equal(np.asarray(styled), np.asarray(plain))
    # At share 0 no one is flagged, at a share between some are.
    ones = [d for d in digits if d.label == 1]
    assert all(len(flag_one(d.strokes, rng, share=0.0)) == len(d.strokes) for d in ones)
    changed = [len(flag_one(d.strokes, rng, share=0.3)) > len(d.strokes) for d in ones * 20]
    assert 0.1 < np.mean(changed) < 0.3


def test_without_styles_a_render_is_the_placed_strokes_painted(digits: list[PenDigit]) -> None:
    variation = replace(PenVariation(), styles=False)
    digit = next(d for d in digits if d.label == 0)
    image = render_pen_digit(digit.strokes, digit.label, np.random.default_rng(7), variation)
    placed, brush = place_strokes(digit.strokes, np.random.default_rng(7), variation)
    np.testing.assert_array_equal(np.asarray(image), np.asarray(paint_strokes(placed, brush)))


def test_without_distortions_the_strokes_and_the_random_stream_are_untouched(
    digits: list[PenDigit],
) -> None:
    rng, twin = np.random.default_rng(8), np.random.default_rng(8)
    for digit in digits[:40]:
        out = distort_strokes(digit.strokes, rng, PenVariation())
        assert len(out) == len(digit.strokes)
        for new, old in zip(out, digit.strokes, strict=True):
            np.testing.assert_array_equal(new, old)
    assert rng.random() == twin.random()  # nothing was drawn


def test_an_elastic_field_bends_the_digit_smoothly_and_keeps_every_point(
    digits: list[PenDigit],
) -> None:
    rng = np.random.default_rng(9)
    variation = PenVariation(elastic=0.05)
    moves, jumps = [], []
    for digit in digits[:60]:
        out = distort_strokes(digit.strokes, rng, variation)
        assert [len(s) for s in out] == [len(s) for s in digit.strokes]
        every, bent = np.concatenate(digit.strokes), np.concatenate(out)
        size = float((every.max(axis=0) - every.min(axis=0)).max())
        shift = np.linalg.norm(bent - every, axis=1) / size
        moves.append(shift.mean())
        # Neighbouring points of a stroke move alike, the more so the closer they are:
        # a smooth field, not noise (noise would move even touching points apart).
        for new, old in zip(out, digit.strokes, strict=True):
            apart = np.linalg.norm(np.diff(old, axis=0), axis=1)
            close = apart > 1e-3
            if close.any():
                change = np.linalg.norm(np.diff(new - old, axis=0), axis=1)
                jumps.append(float((change[close] / apart[close]).max()))
    assert 0.01 < np.mean(moves) < 0.15
    assert max(jumps) < 1.0


def test_strokes_move_against_each_other_only_in_digits_of_several_strokes(
    digits: list[PenDigit],
) -> None:
    rng = np.random.default_rng(10)
    variation = PenVariation(stroke_shift=0.04, stroke_turn_deg=6.0)
    moved_multi = 0
    for digit in digits:
        out = distort_strokes(digit.strokes, rng, variation)
        if len(digit.strokes) == 1:
            np.testing.assert_array_equal(out[0], digit.strokes[0])
            continue
        for new, old in zip(out, digit.strokes, strict=True):
            # Each stroke keeps its shape: its own lengths are unchanged by a turn.
            np.testing.assert_allclose(
                np.linalg.norm(np.diff(new, axis=0), axis=1),
                np.linalg.norm(np.diff(old, axis=0), axis=1),
                rtol=1e-3,
                atol=1e-2,
            )
        moved_multi += any(
            not np.allclose(new, old, atol=0.5) for new, old in zip(out, digit.strokes, strict=True)
        )
    assert moved_multi > 20


def test_the_pen_stays_down_only_between_strokes_that_meet(digits: list[PenDigit]) -> None:
    rng = np.random.default_rng(11)
    always = PenVariation(join_strokes=1.0)
    joined = 0
    for digit in digits:
        out = distort_strokes(digit.strokes, rng, always)
        np.testing.assert_array_equal(np.concatenate(out), np.concatenate(digit.strokes))
        every = np.concatenate(digit.strokes)
        size = float((every.max(axis=0) - every.min(axis=0)).max())
        gaps = [
            float(np.linalg.norm(a[-1] - b[0]))
            for a, b in zip(digit.strokes, digit.strokes[1:], strict=False)
        ]
        assert len(out) == 1 + sum(gap >= JOIN_REACH * size for gap in gaps)
        joined += len(out) < len(digit.strokes)
    assert joined > 10


def test_turning_keeps_the_strokes_shape_and_centre() -> None:
    strokes = (
        np.array([[100, 50], [100, 150]], np.float32),
        np.array([[80, 60], [120, 60]], np.float32),
    )
    quarter = turned(strokes, 90)
    # A vertical stem turned a quarter about the box's centre (100, 100) lies across it.
    np.testing.assert_allclose(quarter[0], [[150, 100], [50, 100]], atol=1e-4)
    assert turned(strokes, 0)[1].tolist() == strokes[1].tolist()
    for stroke, before in zip(turned(strokes, 20), strokes, strict=True):
        assert np.linalg.norm(np.diff(stroke, axis=0)) == pytest.approx(
            np.linalg.norm(np.diff(before, axis=0)), rel=1e-5
        )
