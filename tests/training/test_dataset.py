"""Training renders: serving's preprocessing, with placement jitter for training only."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from digits.reading.preprocess import EXACT, preprocess
from training import dataset
from training.dataset import PlacementJitter, to_pixels
from training.pendigits import PenDigit


def seven() -> Image.Image:
    image = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(image).line([(90, 60), (190, 60), (130, 230)], fill=0, width=25)
    return image


def test_no_jitter_places_exactly_and_draws_nothing_from_the_generator() -> None:
    rng = np.random.default_rng(7)
    assert PlacementJitter().draw(rng) is EXACT
    assert rng.random() == np.random.default_rng(7).random()  # the stream is untouched


def test_jittered_placements_stay_within_their_bounds_and_vary() -> None:
    rng = np.random.default_rng(7)
    drawn = [PlacementJitter(shift=1.0, scale=0.1).draw(rng) for _ in range(500)]
    shifts = np.asarray([(p.shift_x, p.shift_y) for p in drawn])
    scales = np.asarray([p.scale for p in drawn])
    assert np.abs(shifts).max() <= 1.0 and np.abs(shifts).min() < 0.05
    assert shifts.std(axis=0).min() > 0.5  # uniform on [-1, 1]: about 0.58
    assert 0.9 <= scales.min() < 0.92 and 1.08 < scales.max() <= 1.1


def test_pixels_are_servings_preprocessing_quantised() -> None:
    exact = to_pixels(seven())
    assert np.array_equal(exact, np.rint(preprocess(seven()).reshape(-1) * 255).astype(np.uint8))
    moved = to_pixels(seven(), PlacementJitter(shift=1.0).draw(np.random.default_rng(1)))
    assert not np.array_equal(moved, exact)


def test_only_the_renders_asked_to_be_jittered_are() -> None:
    stroke = np.asarray([[0, 0], [100, 0], [40, 100]], np.float32)
    digit = PenDigit(label=7, writer=1, strokes=(stroke,))
    exact, _ = dataset.render_pen([digit] * 3, 2, (5,), "exact")
    again, _ = dataset.render_pen([digit] * 3, 2, (5,), "exact")
    jittered, _ = dataset.render_pen(
        [digit] * 3, 2, (5,), "jittered", jitter=PlacementJitter(shift=1.0, scale=0.1)
    )
    assert np.array_equal(exact, again)
    assert (jittered != exact).any(axis=1).all()
