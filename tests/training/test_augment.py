"""Canvas-style rendering of MNIST digits."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from digits.reading.preprocess import preprocess
from training.augment import (
    CANVAS,
    Warp,
    add_style_strokes,
    elastic_image,
    redraw_with_brush,
    segment,
    skeleton_points,
    transform_pen_digit,
)


def seven_digit() -> np.ndarray:
    image = Image.new("L", (28, 28), 0)
    ImageDraw.Draw(image).line([(7, 6), (21, 6), (12, 23)], fill=255, width=2)
    return np.asarray(image)


def test_skeleton_is_a_thin_centre_line_inside_the_digit() -> None:
    digit = seven_digit()
    points = skeleton_points(digit)
    assert 30 < len(points) < 400
    columns, rows = points[:, 0].astype(int), points[:, 1].astype(int)
    assert (digit[rows, columns] > 0).mean() > 0.9


def test_redrawn_digit_is_a_canvas_with_black_round_strokes() -> None:
    rng = np.random.default_rng(0)
    image = redraw_with_brush(skeleton_points(seven_digit()), 7, rng, Warp())
    assert image.size == (CANVAS, CANVAS) and image.mode == "L"
    pixels = np.asarray(image)
    assert set(np.unique(pixels)) == {0, 255}  # solid ink, white background
    assert 0.01 < (pixels == 0).mean() < 0.5


def test_rendering_is_deterministic_for_a_seed() -> None:
    points = skeleton_points(seven_digit())
    first = redraw_with_brush(points, 7, np.random.default_rng(5), Warp())
    again = redraw_with_brush(points, 7, np.random.default_rng(5), Warp())
    other = redraw_with_brush(points, 7, np.random.default_rng(6), Warp())
    assert np.array_equal(np.asarray(first), np.asarray(again))
    assert not np.array_equal(np.asarray(first), np.asarray(other))


def test_style_strokes_add_a_bar_to_some_sevens_and_nothing_to_a_three() -> None:
    points = skeleton_points(seven_digit())
    rng = np.random.default_rng(0)
    grown = [len(add_style_strokes(points, 7, rng)) > len(points) for _ in range(200)]
    assert 0.15 < np.mean(grown) < 0.45
    assert all(len(add_style_strokes(points, 3, rng)) == len(points) for _ in range(50))


def test_segment_samples_a_straight_line_densely() -> None:
    line = segment((0.0, 0.0), (3.0, 4.0))
    assert np.allclose(line[0], (0, 0)) and np.allclose(line[-1], (3, 4))
    assert np.max(np.linalg.norm(np.diff(line, axis=0), axis=1)) <= 0.25 + 1e-6


def test_pen_renderer_output_goes_through_serving_preprocessing() -> None:
    canvas = transform_pen_digit(seven_digit(), np.random.default_rng(1), Warp())
    assert canvas.size == (CANVAS, CANVAS)
    assert preprocess(canvas).max() > 0.9


def test_an_elastic_distortion_moves_strokes_smoothly_and_keeps_the_ink() -> None:
    upsampled = Image.fromarray(seven_digit()).resize((112, 112), Image.Resampling.BICUBIC)
    original = np.asarray(upsampled, np.float64)
    bent = np.asarray(elastic_image(upsampled, np.random.default_rng(2), 34.0), np.float64)
    assert bent.shape == original.shape
    assert np.abs(bent - original).mean() > 1.0  # moved
    assert abs(bent.sum() - original.sum()) < 0.15 * original.sum()  # about as much ink
    assert np.array_equal(
        np.asarray(elastic_image(upsampled, np.random.default_rng(2), 34.0)), bent.astype(np.uint8)
    )


def test_the_second_renderer_bends_mnist_strokes_only_when_asked() -> None:
    plain = transform_pen_digit(seven_digit(), np.random.default_rng(3), Warp())
    again = transform_pen_digit(seven_digit(), np.random.default_rng(3), Warp(pixel_elastic=0.0))
    bent = transform_pen_digit(seven_digit(), np.random.default_rng(3), Warp(pixel_elastic=34.0))
    assert np.array_equal(np.asarray(plain), np.asarray(again))
    assert not np.array_equal(np.asarray(plain), np.asarray(bent))
