"""A convolution-like feature layer: learned patch filters, rectified, pooled (numpy only).

Every 5x5 patch of the 28x28 input is compared with K filters learned by k-means on
whitened training patches (Coates & Ng, 2011); the whitening is folded into the
filters, so the layer is one matrix product per image. A soft threshold keeps only
clear matches, and sums over a grid of regions give features that tolerate small
shifts of the strokes, which a plain pixel MLP does not.

The same responses also give the features of the drawing moved by a pixel or two
(``views``): moving the drawing moves its response map, so the regions are moved
instead, and what a move brings in from beyond the map is a blank patch's response.
The model reads such views to average its answers over them (test-time augmentation)
for the price of the pooling, not of the matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
SIDE = 28
CHUNK = 2048  # images per block: bounds the patch matrix's memory

Move = tuple[int, int]  # (down, right) in pixels: the drawing moved by this much
PLACED: tuple[Move, ...] = ((0, 0),)  # the drawing as preprocessing placed it
# The drawing as placed, then moved one pixel down, up, right and left.
ONE_PIXEL_MOVES: tuple[Move, ...] = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))


@dataclass(frozen=True)
class PatchFeatures:
    """x (n, 784) -> (n, K * grid * grid [+ K * second_grid * second_grid]) pooled responses."""

    filters: Floats  # (patch * patch, K), whitening folded in
    bias: Floats  # (K,), the whitening's mean and the threshold folded in
    patch: int
    grid: int  # the response map is pooled over grid x grid regions
    # 0, or the same map pooled over second_grid x second_grid regions too, appended: two
    # scales of where a stroke is (regions whose edges differ from the first grid's).
    second_grid: int = 0

    @property
    def grids(self) -> tuple[int, ...]:
        return (self.grid, self.second_grid) if self.second_grid else (self.grid,)

    @property
    def size(self) -> int:
        return int(self.filters.shape[1]) * sum(grid * grid for grid in self.grids)

    def transform(self, pixels: Floats) -> Floats:
        """The features of the drawings as placed: (n, size)."""
        placed: Floats = self.views(pixels, PLACED)[0]
        return placed

    def views(self, pixels: Floats, moves: tuple[Move, ...]) -> Floats:
        """The features of the drawings moved by each move: (len(moves), n, size).

        Exactly the features of the moved 28x28 inputs while no ink is moved off the field
        (preprocessing leaves a margin of four pixels around the digit's box).
        """
        images = np.asarray(pixels, dtype=np.float32).reshape(-1, SIDE, SIDE)
        if len(images) <= CHUNK:
            return self._views(images, moves)
        return np.concatenate(
            [self._views(images[i : i + CHUNK], moves) for i in range(0, len(images), CHUNK)],
            axis=1,
        )

    def _views(self, images: Floats, moves: tuple[Move, ...]) -> Floats:
        count, side, kinds = len(images), SIDE - self.patch + 1, self.filters.shape[1]
        windows = np.lib.stride_tricks.sliding_window_view(images, (self.patch, self.patch), (1, 2))
        responses = windows.reshape(count * side * side, -1) @ self.filters
        responses += self.bias
        np.maximum(responses, 0.0, out=responses)
        maps = responses.reshape(count, side, side, kinds)
        if moves == PLACED:
            return self._pool(maps)[np.newaxis]
        return self._pool_moved(maps, moves)

    def _pool(self, maps: Floats) -> Floats:
        """Sum-pool the side x side map over each grid's regions (edges split evenly)."""
        if not self.second_grid:
            return _sum_pool(maps, self.grid)
        return np.concatenate([_sum_pool(maps, grid) for grid in self.grids], axis=1)

    def _pool_moved(self, maps: Floats, moves: tuple[Move, ...]) -> Floats:
        """What _pool gives for the drawing moved by each move: the map framed by a blank
        patch's response (what a move brings in), and pooled where the move puts it."""
        count, side, _, kinds = maps.shape
        margin = max(abs(step) for move in moves for step in move)
        framed = np.empty((count, side + 2 * margin, side + 2 * margin, kinds), np.float32)
        framed[:] = np.maximum(self.bias, 0.0)
        framed[:, margin : margin + side, margin : margin + side] = maps
        return np.stack(
            [
                self._pool(
                    framed[
                        :,
                        margin - down : margin - down + side,
                        margin - right : margin - right + side,
                    ]
                )
                for down, right in moves
            ]
        )

    def to_bundle(self) -> dict[str, Any]:
        bundle: dict[str, Any] = {
            "filters": self.filters,
            "bias": self.bias,
            "patch": self.patch,
            "grid": self.grid,
        }
        if self.second_grid:  # only in bundles of format 4
            bundle["second_grid"] = self.second_grid
        return bundle

    @classmethod
    def from_bundle(cls, bundle: dict[str, Any]) -> PatchFeatures:
        filters = np.ascontiguousarray(bundle["filters"], dtype=np.float32)
        bias = np.ascontiguousarray(bundle["bias"], dtype=np.float32)
        patch, grid = int(bundle["patch"]), int(bundle["grid"])
        second_grid = int(bundle.get("second_grid", 0))
        side = SIDE - patch + 1
        if (
            filters.shape != (patch * patch, bias.shape[0])
            or not 1 <= grid <= side
            or not (second_grid == 0 or (1 <= second_grid <= side and second_grid != grid))
        ):
            raise ValueError("feature layer: filters, bias, patch and grids do not agree")
        return cls(filters, bias, patch, grid, second_grid)


def _sum_pool(maps: Floats, grid: int) -> Floats:
    """(count, side, side, K) -> (count, grid * grid * K): sums over grid x grid regions."""
    count, side, _, kinds = maps.shape
    if side % grid == 0:  # equal regions: one reshape, the common case
        cell = side // grid
        pooled = maps.reshape(count, grid, cell, grid, cell, kinds).sum(axis=(2, 4))
    else:
        edges = np.linspace(0, side, grid + 1).round().astype(int)
        rows = np.add.reduceat(maps, edges[:-1], axis=1)
        pooled = np.add.reduceat(rows, edges[:-1], axis=2)
    features: Floats = pooled.reshape(count, -1)
    return features
