"""Learn the feature layer's filters: spherical k-means on whitened 5x5 patches.

Following Coates & Ng (2011): random patches of the training inputs (those with some
ink), ZCA-whitened so that k-means finds stroke shapes rather than mere brightness,
clustered on the unit sphere. The whitening and the soft threshold are folded into
the filters and the bias, so serving (digits.inference.features) runs one matrix product.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from digits.inference.features import SIDE, PatchFeatures

Pixels = npt.NDArray[np.uint8]


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
) -> PatchFeatures:
    patches = sample_patches(pixels, patch, samples, rng)
    mean = patches.mean(axis=0)
    centred = patches - mean
    covariance = centred.T @ centred / len(centred)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    whitening = (eigenvectors / np.sqrt(eigenvalues + whitening_eps)) @ eigenvectors.T
    white = (centred @ whitening).astype(np.float32)
    centroids = _spherical_kmeans(white, kinds, iterations, rng)
    filters = (whitening @ centroids.T).astype(np.float32)
    bias = (-(mean @ filters) - threshold).astype(np.float32)
    return PatchFeatures(filters, bias, patch, grid, second_grid)


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
