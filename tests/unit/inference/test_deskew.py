"""Standing drawings upright (digits.inference.deskew) against a plain loop and known slants."""

from __future__ import annotations

import numpy as np
import pytest

from digits.inference.deskew import MAX_SLANT, upright

SIDE = 28


def slanted_bar(slant: float, side: int = SIDE) -> np.ndarray:
    """A bar 3 px wide and 20 px tall, through the field's centre, leaning `slant` px right
    per px up (as handwriting leans), with antialiased edges."""
    image = np.zeros((side, side), np.float32)
    for row in range(4, 24):
        centre = side / 2 - slant * (row + 0.5 - side / 2)  # y grows downwards
        for col in range(side):
            overlap = min(col + 1, centre + 1.5) - max(col, centre - 1.5)
            image[row, col] = max(0.0, min(1.0, overlap))
    return image


def slant_of(image: np.ndarray) -> float:
    """The ink's covariance of x with y over its variance in y (y downwards)."""
    ys, xs = np.mgrid[0:SIDE, 0:SIDE] + 0.5
    mass = image.sum()
    cy, cx = (image * ys).sum() / mass, (image * xs).sum() / mass
    return float((image * (xs - cx) * (ys - cy)).sum() / (image * (ys - cy) ** 2).sum())


def plain_loop(image: np.ndarray) -> np.ndarray:
    """Pixel by pixel, in float64: each row read `slant * (row - centre)` further right."""
    slant = float(np.clip(slant_of(image), -MAX_SLANT, MAX_SLANT))
    ys = np.arange(SIDE) + 0.5
    cy = (image.sum(axis=1) * ys).sum() / image.sum()
    out = np.zeros_like(image, dtype=np.float64)
    for row in range(SIDE):
        for col in range(SIDE):
            source = col + slant * (row + 0.5 - cy)
            left = int(np.floor(source))
            weight = source - left
            for column, share in ((left, 1 - weight), (left + 1, weight)):
                if 0 <= column < SIDE:
                    out[row, col] += share * image[row, column]
    return out


@pytest.mark.parametrize("slant", [-0.6, -0.3, 0.2, 0.5])
def test_a_slanted_bar_stands_upright(slant: float) -> None:
    bar = slanted_bar(slant)
    assert abs(slant_of(bar) + slant) < 0.05  # leaning right: x falls as y grows
    stood = upright(bar[np.newaxis])[0]
    assert abs(slant_of(stood)) < 0.02
    # Every row's ink is now in the same columns: the bar is as narrow as it is thick.
    columns = np.flatnonzero(stood.max(axis=0) > 0.5)
    assert len(columns) <= 4, columns
    np.testing.assert_allclose(stood.sum(), bar.sum(), rtol=1e-3)


def test_an_upright_drawing_is_left_as_it_is() -> None:
    bar = slanted_bar(0.0)
    np.testing.assert_allclose(upright(bar[np.newaxis])[0], bar, atol=1e-5)


def test_the_centre_of_mass_stays_where_preprocessing_put_it() -> None:
    bar = slanted_bar(0.4)
    stood = upright(bar[np.newaxis])[0]
    xs = np.arange(SIDE) + 0.5
    before = bar.sum(axis=0) @ xs / bar.sum()
    after = stood.sum(axis=0) @ xs / stood.sum()
    assert abs(after - before) < 0.05
    np.testing.assert_array_equal(stood.sum(axis=1) > 0, bar.sum(axis=1) > 0)  # rows stay


def test_a_slant_past_the_steepest_is_undone_only_that_far() -> None:
    # 1.5 px across per px down: far past MAX_SLANT, so it stays leaning by the rest.
    bar = slanted_bar(1.5)
    stood = upright(bar[np.newaxis])[0]
    assert slant_of(stood) == pytest.approx(-(1.5 - MAX_SLANT), abs=0.1)


def test_it_is_the_plain_loop_on_random_drawings() -> None:
    rng = np.random.default_rng(5)
    images = np.zeros((6, SIDE, SIDE), np.float32)
    images[:, 4:24, 6:22] = rng.random((6, 20, 16), dtype=np.float32) ** 3
    stood = upright(images)
    assert stood.shape == images.shape and stood.dtype == np.float32
    for image, result in zip(images, stood, strict=True):
        np.testing.assert_allclose(result, plain_loop(image), atol=1e-5)
    # The drawings did move (else this test could not fail).
    assert not np.allclose(stood, images, atol=1e-2)


def test_a_batch_is_each_drawing_alone_and_a_blank_stays_blank() -> None:
    rng = np.random.default_rng(6)
    images = np.zeros((4, SIDE, SIDE), np.float32)
    images[1:, 5:23, 5:23] = rng.random((3, 18, 18), dtype=np.float32)
    together = upright(images)
    for index, image in enumerate(images):
        # Equal but for float rounding: batched sums add in another order.
        np.testing.assert_allclose(upright(image[np.newaxis])[0], together[index], atol=1e-5)
    assert not together[0].any()
    assert np.isfinite(together).all()
