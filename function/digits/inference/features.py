"""A convolution-like feature layer: learned patch filters, rectified, pooled (numpy only).

Every 5x5 patch of the 28x28 input is compared with K filters learned by k-means on
whitened training patches (Coates & Ng, 2011); the whitening is folded into the
filters, so the layer is one matrix product per image. A soft threshold keeps only
clear matches, and sums over a grid of regions give features that tolerate small
shifts of the strokes, which a plain pixel MLP does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
SIDE = 28
CHUNK = 2048  # images per block: bounds the patch matrix's memory


@dataclass(frozen=True)
class PatchFeatures:
    """x (n, 784) -> (n, K * grid * grid) pooled filter responses."""

    filters: Floats  # (patch * patch, K), whitening folded in
    bias: Floats  # (K,), the whitening's mean and the threshold folded in
    patch: int
    grid: int  # the response map is pooled over grid x grid regions

    @property
    def size(self) -> int:
        return int(self.filters.shape[1]) * self.grid * self.grid

    def transform(self, pixels: Floats) -> Floats:
        images = np.asarray(pixels, dtype=np.float32).reshape(-1, SIDE, SIDE)
        if len(images) <= CHUNK:
            return self._transform(images)
        return np.concatenate(
            [self._transform(images[i : i + CHUNK]) for i in range(0, len(images), CHUNK)]
        )

    def _transform(self, images: Floats) -> Floats:
        count, side, kinds = len(images), SIDE - self.patch + 1, self.filters.shape[1]
        windows = np.lib.stride_tricks.sliding_window_view(images, (self.patch, self.patch), (1, 2))
        responses = windows.reshape(count * side * side, -1) @ self.filters
        responses += self.bias
        np.maximum(responses, 0.0, out=responses)
        # Sum-pool the side x side map over grid x grid regions (edges split evenly).
        maps = responses.reshape(count, side, side, kinds)
        if side % self.grid == 0:  # equal regions: one reshape, the common case
            cell = side // self.grid
            pooled = maps.reshape(count, self.grid, cell, self.grid, cell, kinds).sum(axis=(2, 4))
        else:
            edges = np.linspace(0, side, self.grid + 1).round().astype(int)
            rows = np.add.reduceat(maps, edges[:-1], axis=1)
            pooled = np.add.reduceat(rows, edges[:-1], axis=2)
        features: Floats = pooled.reshape(count, -1)
        return features

    def to_bundle(self) -> dict[str, Any]:
        return {"filters": self.filters, "bias": self.bias, "patch": self.patch, "grid": self.grid}

    @classmethod
    def from_bundle(cls, bundle: dict[str, Any]) -> PatchFeatures:
        filters = np.ascontiguousarray(bundle["filters"], dtype=np.float32)
        bias = np.ascontiguousarray(bundle["bias"], dtype=np.float32)
        patch, grid = int(bundle["patch"]), int(bundle["grid"])
        if filters.shape != (patch * patch, bias.shape[0]) or not 1 <= grid <= SIDE - patch + 1:
            raise ValueError("feature layer: filters, bias, patch and grid do not agree")
        return cls(filters, bias, patch, grid)
