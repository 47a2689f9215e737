"""Learning the feature layers: inked patches, whitened spherical k-means, folded filters;
an upper layer learned the same way on the first layer's map."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import training.patch_filters
from digits.inference.deskew import upright
from digits.inference.features import SIDE, PatchFeatures
from training.patch_filters import (
    _spherical_kmeans,
    learn_patch_features,
    learn_upper_layer,
    sample_patches,
    upright_pixels,
)


def bars(count: int, horizontal: bool, rng: np.random.Generator) -> np.ndarray:
    """28x28 uint8 images, ink 255 on 0, each one bar across most of the image."""
    images = np.zeros((count, SIDE, SIDE), np.uint8)
    for image in images:
        at, width = int(rng.integers(4, 22)), int(rng.integers(2, 4))
        start, end = int(rng.integers(2, 6)), int(rng.integers(22, 26))
        if horizontal:
            image[at : at + width, start:end] = 255
        else:
            image[start:end, at : at + width] = 255
    return images.reshape(count, SIDE * SIDE)


def test_sampled_patches_hold_ink() -> None:
    rng = np.random.default_rng(1)
    pixels = bars(50, True, rng)
    patches = sample_patches(pixels, 5, 3000, rng)
    assert patches.shape == (3000, 25) and patches.dtype == np.float32
    assert patches.min() >= 0.0 and patches.max() <= 1.0
    assert (patches.max(axis=1) > 64 / 255).all()  # mostly-blank images: blank patches dropped


def test_learned_filters_have_the_asked_shape_and_fold_the_whitening() -> None:
    pixels = np.concatenate(
        [bars(100, True, np.random.default_rng(2)), bars(100, False, np.random.default_rng(3))]
    )
    layer = learn_patch_features(
        pixels, kinds=12, patch=5, grid=3, threshold=0.5, rng=np.random.default_rng(4), samples=4000
    )
    assert layer.filters.shape == (25, 12) and layer.filters.dtype == np.float32
    assert layer.bias.shape == (12,) and layer.bias.dtype == np.float32
    assert (layer.patch, layer.grid, layer.size) == (5, 3, 12 * 9)
    # Undo the folding with the same patches: ZCA whitening W, filters = W @ centroids.T.
    patches = sample_patches(pixels, 5, 4000, np.random.default_rng(4))
    mean = patches.mean(axis=0)
    centred = patches - mean
    values, vectors = np.linalg.eigh(centred.T @ centred / len(centred))
    whitening = vectors @ np.diag(1 / np.sqrt(values + 0.01)) @ vectors.T
    centroids = np.linalg.solve(whitening, layer.filters.astype(np.float64))
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=0), 1.0, atol=1e-3)
    # The bias: the whitening's mean subtracted, then the soft threshold.
    np.testing.assert_allclose(layer.bias, -(mean @ layer.filters) - 0.5, atol=1e-4)


def test_spherical_kmeans_finds_directions_as_unit_centroids() -> None:
    rng = np.random.default_rng(5)
    directions = np.linalg.qr(rng.normal(size=(10, 10)))[0][:4]  # four orthonormal directions
    points = np.concatenate(
        [d * rng.uniform(0.5, 3.0, (300, 1)) + rng.normal(0, 0.05, (300, 10)) for d in directions]
    ).astype(np.float32)
    centroids = _spherical_kmeans(points, 4, 20, np.random.default_rng(6))
    assert centroids.shape == (4, 10) and centroids.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1.0, atol=1e-5)
    # Each direction has a centroid within a few degrees (length does not matter on the sphere).
    cosines = directions @ centroids.T.astype(np.float64)
    assert (cosines.max(axis=1) > 0.99).all()


def test_filters_learned_on_bars_tell_horizontal_from_vertical() -> None:
    rng = np.random.default_rng(7)
    horizontal, vertical = bars(150, True, rng), bars(150, False, rng)
    layer = learn_patch_features(
        np.concatenate([horizontal, vertical]),
        kinds=8,
        patch=5,
        grid=2,
        threshold=0.5,
        rng=np.random.default_rng(8),
        samples=5000,
    )

    def per_filter(pixels: np.ndarray) -> np.ndarray:
        """Each filter's response summed over the whole image: no position left."""
        features = layer.transform(pixels.astype(np.float32) / 255.0)
        summed: np.ndarray = features.reshape(len(pixels), -1, 8).sum(axis=1)
        return summed

    h_mean, v_mean = per_filter(horizontal).mean(axis=0), per_filter(vertical).mean(axis=0)
    # Some filters answer one orientation and hardly the other, both ways round.
    assert (h_mean > 5 * v_mean + 1).any() and (v_mean > 5 * h_mean + 1).any()
    # New bars at new places: the nearest mean reads every one's orientation.
    test_rng = np.random.default_rng(9)
    for pixels, own, other in (
        (bars(40, True, test_rng), h_mean, v_mean),
        (bars(40, False, test_rng), v_mean, h_mean),
    ):
        unit = per_filter(pixels)
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        to_own = unit @ (own / np.linalg.norm(own))
        to_other = unit @ (other / np.linalg.norm(other))
        assert (to_own > to_other).all()


def shapes(count: int, crossed: bool, rng: np.random.Generator) -> np.ndarray:
    """28x28 uint8 images of a plus (bars crossing at their middles) or an L (bars meeting
    at their ends): the same two strokes, joined differently."""
    images = np.zeros((count, SIDE, SIDE), np.uint8)
    for image in images:
        top, left = int(rng.integers(4, 8)), int(rng.integers(4, 8))
        length, width = int(rng.integers(14, 18)), int(rng.integers(2, 4))
        if crossed:
            middle = length // 2
            image[top : top + length, left + middle : left + middle + width] = 255
            image[top + middle : top + middle + width, left : left + length] = 255
        else:
            image[top : top + length, left : left + width] = 255
            image[top + length - width : top + length, left : left + length] = 255
    return images.reshape(count, SIDE * SIDE)


def test_an_upper_layer_learned_on_joins_tells_a_plus_from_an_l() -> None:
    rng = np.random.default_rng(10)
    pluses, corners = shapes(150, True, rng), shapes(150, False, rng)
    training = np.concatenate([pluses, corners])
    first = learn_patch_features(
        training, kinds=8, patch=5, grid=4, threshold=0.5, rng=rng, samples=5000
    )
    upper = learn_upper_layer(first, training, kinds=10, grid=1, threshold=0.5, rng=rng)
    assert upper.filters.shape == (9 * 8, 10) and upper.filters.dtype == np.float32
    assert upper.bias.shape == (10,) and upper.bias.dtype == np.float32
    upper_alone = replace(first, grid=0, upper=upper)
    assert upper_alone.size == 10
    first_summed = replace(first, grid=1)  # the first layer's responses over the whole image

    def nearest_mean_reads(layer: PatchFeatures) -> tuple[float, float]:
        """Share of new pluses and new Ls whose features point nearer their own shape's mean
        (cosine: a larger drawing answers more, not differently)."""

        def unit(features: np.ndarray) -> np.ndarray:
            return features / np.linalg.norm(features, axis=-1, keepdims=True)

        def read(pixels: np.ndarray) -> np.ndarray:
            return layer.transform(pixels.astype(np.float32) / 255.0).astype(np.float64)

        plus_mean, corner_mean = unit(read(pluses).mean(axis=0)), unit(read(corners).mean(axis=0))
        test_rng = np.random.default_rng(11)
        new_pluses = unit(read(shapes(30, True, test_rng)))
        new_corners = unit(read(shapes(30, False, test_rng)))
        return (
            float((new_pluses @ plus_mean > new_pluses @ corner_mean).mean()),
            float((new_corners @ corner_mean > new_corners @ plus_mean).mean()),
        )

    # Summed over the image, the first layer sees two bars either way; the upper layer's
    # filters see where they meet.
    upper_reads, first_reads = nearest_mean_reads(upper_alone), nearest_mean_reads(first_summed)
    assert min(upper_reads) >= 0.9
    assert min(upper_reads) > min(first_reads) + 0.1


def leaning_bars(count: int, rng: np.random.Generator) -> np.ndarray:
    """28x28 uint8 images of one tall bar each, leaning right or left by up to 0.6 px a row."""
    images = np.zeros((count, SIDE, SIDE), np.uint8)
    for image in images:
        lean = rng.uniform(0.3, 0.6) * rng.choice([-1, 1])
        for row in range(4, 24):
            at = round(12 + float(lean) * (14 - row))
            image[row, at : at + 3] = 255
    return images.reshape(count, SIDE * SIDE)


def test_a_deskewing_layer_learns_its_filters_from_upright_drawings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(training.patch_filters, "UPRIGHT_SOURCES", 60)  # a sample of them
    pixels = leaning_bars(100, np.random.default_rng(11))
    arguments = {"kinds": 6, "patch": 5, "grid": 2, "threshold": 0.5, "samples": 3000}
    layer = learn_patch_features(pixels, rng=np.random.default_rng(12), deskew=True, **arguments)
    assert layer.deskew
    # The same as a plain layer learned from upright_pixels' drawings, drawn from the same rng.
    rng = np.random.default_rng(12)
    stood = upright_pixels(pixels, rng)
    plain = learn_patch_features(stood, rng=rng, **arguments)
    assert not plain.deskew
    np.testing.assert_array_equal(layer.filters, plain.filters)
    np.testing.assert_array_equal(layer.bias, plain.bias)


def test_upright_pixels_are_a_sample_of_the_inputs_stood_upright(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(training.patch_filters, "UPRIGHT_SOURCES", 30)
    pixels = leaning_bars(50, np.random.default_rng(13))
    stood = upright_pixels(pixels, np.random.default_rng(14))
    assert stood.shape == (30, SIDE * SIDE) and stood.dtype == np.uint8
    which = np.sort(np.random.default_rng(14).choice(50, 30, replace=False))
    expected = upright(pixels[which].reshape(-1, SIDE, SIDE).astype(np.float32) / 255.0)
    np.testing.assert_array_equal(stood, np.rint(expected * 255.0).reshape(30, -1))
    # Every bar now stands in at most four columns: the lean is gone.
    for image in stood.reshape(-1, SIDE, SIDE):
        assert len(np.flatnonzero(image.max(axis=0) > 128)) <= 4
    # Fewer inputs than UPRIGHT_SOURCES: every one of them, in order.
    assert len(upright_pixels(pixels[:10], np.random.default_rng(15))) == 10
