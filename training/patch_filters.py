"""Learn the feature layer's filters: spherical k-means on whitened 5x5 patches.

Following Coates & Ng (2011): random patches of the training inputs (those with some
ink), ZCA-whitened so that k-means finds stroke shapes rather than mere brightness,
clustered on the unit sphere. The whitening and the soft threshold are folded into
the filters and the bias, so serving (digits.inference.features) runs one matrix product.
An upper layer is learned the same way on 3x3 patches of the first layer's pooled map.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from digits.inference.deskew import upright
from digits.inference.features import CHUNK, SIDE, PatchFeatures, UpperLayer

Pixels = npt.NDArray[np.uint8]
# A layer that stands drawings upright learns its filters from this many of them, made
# upright (the patches come from those, not from every training input).
UPRIGHT_SOURCES = 50_000


def sample_patches(
    pixels: Pixels, patch: int, count: int, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """`count` random patches (flattened, in [0, 1]) that hold some ink."""
    images = pixels.reshape(-1, SIDE, SIDE)
    found: list[npt.NDArray[np.float32]] = []
    total = 0
    span = SIDE - patch + 1
    while total < count:
        which = rng.integers(0, len(images), size=count)
        rows = rng.integers(0, span, size=count)
        cols = rng.integers(0, span, size=count)
        offsets = np.arange(patch)
        block = images[
            which[:, None, None],
            rows[:, None, None] + offsets[None, :, None],
            cols[:, None, None] + offsets[None, None, :],
        ].reshape(count, -1)
        inked = block[block.max(axis=1) > 64].astype(np.float32) / 255.0
        found.append(inked)
        total += len(inked)
    return np.concatenate(found)[:count]


def learn_patch_features(
    pixels: Pixels,
    kinds: int,
    patch: int,
    grid: int,
    threshold: float,
    rng: np.random.Generator,
    second_grid: int = 0,
    samples: int = 200_000,
    whitening_eps: float = 0.01,
    iterations: int = 20,
    deskew: bool = False,
) -> PatchFeatures:
    """A first layer whose filters match what it reads: with deskew, upright drawings."""
    if deskew:
        pixels = upright_pixels(pixels, rng)
    patches = sample_patches(pixels, patch, samples, rng)
    filters, bias = _whitened_kmeans(patches, kinds, threshold, whitening_eps, iterations, rng)
    return PatchFeatures(filters, bias, patch, grid, second_grid, deskew=deskew)


def upright_pixels(pixels: Pixels, rng: np.random.Generator) -> Pixels:
    """Up to UPRIGHT_SOURCES of the inputs, chosen at random and stood upright, as bytes."""
    chosen = _random_rows(pixels, UPRIGHT_SOURCES, rng)
    parts = [
        upright(chosen[start : start + CHUNK].reshape(-1, SIDE, SIDE).astype(np.float32) / 255.0)
        for start in range(0, len(chosen), CHUNK)
    ]
    stood: Pixels = np.rint(np.concatenate(parts) * 255.0).astype(np.uint8).reshape(len(chosen), -1)
    return stood


def learn_upper_layer(
    first: PatchFeatures,
    pixels: Pixels,
    kinds: int,
    grid: int,
    threshold: float,
    rng: np.random.Generator,
    images: int = 2000,
    samples: int = 100_000,
    iterations: int = 20,
) -> UpperLayer:
    """An upper layer over `first`'s response map: k-means on 3x3 patches of its blocks."""
    chosen = _random_rows(pixels, images, rng)
    scaled = chosen.reshape(-1, SIDE, SIDE).astype(np.float32) / 255.0
    patches = np.concatenate(
        [
            UpperLayer.patches(UpperLayer.blocks(first.maps(scaled[start : start + CHUNK])))
            for start in range(0, len(scaled), CHUNK)
        ]
    )
    active = patches[patches.max(axis=1) > 0]  # a patch of blank blocks says nothing
    sample = active[rng.choice(len(active), min(samples, len(active)), replace=False)]
    # The blocks' scale is the first layer's, not the pixels': regularise the whitening by
    # a share of the mean variance rather than a fixed epsilon.
    filters, bias = _whitened_kmeans(sample, kinds, threshold, None, iterations, rng)
    return UpperLayer(filters, bias, grid)


def _random_rows(pixels: Pixels, count: int, rng: np.random.Generator) -> Pixels:
    """Up to `count` of the inputs, drawn at random without repeats, kept in their order."""
    rows: Pixels = pixels[np.sort(rng.choice(len(pixels), min(count, len(pixels)), replace=False))]
    return rows


def _whitened_kmeans(
    patches: npt.NDArray[np.float32],
    kinds: int,
    threshold: float,
    whitening_eps: float | None,
    iterations: int,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Filters and bias of a layer whose patches are ZCA-whitened, then k-means clustered
    on the sphere; whitening_eps None: a tenth of the mean eigenvalue."""
    mean = patches.mean(axis=0)
    centred = patches - mean
    covariance = centred.T @ centred / len(centred)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    eps = 0.1 * float(eigenvalues.mean()) if whitening_eps is None else whitening_eps
    whitening = (eigenvectors / np.sqrt(eigenvalues + eps)) @ eigenvectors.T
    white = (centred @ whitening).astype(np.float32)
    centroids = _spherical_kmeans(white, kinds, iterations, rng)
    filters = (whitening @ centroids.T).astype(np.float32)
    bias = (-(mean @ filters) - threshold).astype(np.float32)
    return filters, bias


def _spherical_kmeans(
    points: npt.NDArray[np.float32], kinds: int, iterations: int, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """Unit-norm centroids maximising the summed cosine to their points."""
    unit = points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-6)
    centroids = unit[rng.choice(len(unit), kinds, replace=False)]
    for _ in range(iterations):
        nearest = (unit @ centroids.T).argmax(axis=1)
        members = (nearest[None, :] == np.arange(kinds)[:, None]).astype(np.float32)
        sums = members @ unit
        empty = np.flatnonzero(np.linalg.norm(sums, axis=1) < 1e-6)
        # A centroid that lost all its points restarts on a random patch.
        sums[empty] = unit[rng.choice(len(unit), len(empty), replace=False)]
        centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    unit_centroids: npt.NDArray[np.float32] = centroids.astype(np.float32)
    return unit_centroids
