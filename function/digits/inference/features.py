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
for the price of the pooling, not of the matrix product (an upper layer reads each moved
map, exactly what it would read of the moved drawing).

An optional upper layer (``UpperLayer``) reads the first layer's response map as the
first reads pixels: the map max-pooled 2x2 and log-compressed, every 3x3 patch of it
compared with filters learned the same way, thresholded and sum-pooled. It sees how
strokes join (a loop closed or open, a bar crossing a stem), which one layer's 5x5
patches only see apart.

A layer may also stand each drawing upright before reading it (``deskew``,
digits.inference.deskew): the slant of a writer's hand then no longer moves the strokes
between the regions the responses are pooled over.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from digits.inference.deskew import upright

Floats = npt.NDArray[np.float32]
SIDE = 28
CHUNK = 2048  # images per block: bounds the patch matrix's memory

Move = tuple[int, int]  # (down, right) in pixels: the drawing moved by this much
PLACED: tuple[Move, ...] = ((0, 0),)  # the drawing as preprocessing placed it
# The drawing as placed, then moved one pixel down, up, right and left.
ONE_PIXEL_MOVES: tuple[Move, ...] = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))


@dataclass(frozen=True)
class UpperLayer:
    """The first layer's (count, side, side, K) map -> (count, K2 * grid * grid) features."""

    filters: Floats  # (PATCH * PATCH * K, K2), whitening folded in
    bias: Floats  # (K2,), the whitening's mean and the threshold folded in
    grid: int  # its response map is pooled over grid x grid regions

    POOL: ClassVar[int] = 2  # the first map is max-pooled over POOL x POOL blocks ...
    PATCH: ClassVar[int] = 3  # ... and read in PATCH x PATCH patches of blocks

    @staticmethod
    def side(first_side: int) -> int:
        """The side of this layer's response map over a first map of first_side."""
        return first_side // UpperLayer.POOL - UpperLayer.PATCH + 1

    @property
    def size(self) -> int:
        return int(self.filters.shape[1]) * self.grid * self.grid

    @staticmethod
    def blocks(maps: Floats) -> Floats:
        """What the layer reads: the map max-pooled over POOL x POOL blocks, log1p of it
        (a few strong responses must not drown the rest)."""
        count, side, _, kinds = maps.shape
        cut, pool = side // UpperLayer.POOL, UpperLayer.POOL
        cropped = maps[:, : cut * pool, : cut * pool]
        pooled: Floats = cropped.reshape(count, cut, pool, cut, pool, kinds).max(axis=(2, 4))
        np.log1p(pooled, out=pooled)
        return pooled

    @staticmethod
    def patches(blocks: Floats) -> Floats:
        """Every PATCH x PATCH patch of blocks, flattened row, column, then filter:
        (count * side * side, PATCH * PATCH * K)."""
        windows = np.lib.stride_tricks.sliding_window_view(
            blocks, (UpperLayer.PATCH, UpperLayer.PATCH), (1, 2)
        )  # (count, side, side, K, PATCH, PATCH)
        patches: Floats = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, windows[0, 0, 0].size)
        return patches

    def transform(self, maps: Floats) -> Floats:
        blocks = self.blocks(maps)
        count, side = len(blocks), blocks.shape[1] - self.PATCH + 1
        responses = _thresholded(self.patches(blocks), self.filters, self.bias)
        return _sum_pool(responses.reshape(count, side, side, -1), (self.grid,))

    def to_bundle(self) -> dict[str, Any]:
        return {"filters": self.filters, "bias": self.bias, "grid": self.grid}

    @classmethod
    def from_bundle(cls, bundle: dict[str, Any], first_kinds: int, first_side: int) -> UpperLayer:
        filters = np.ascontiguousarray(bundle["filters"], dtype=np.float32)
        bias = np.ascontiguousarray(bundle["bias"], dtype=np.float32)
        grid = int(bundle["grid"])
        if filters.shape != (cls.PATCH * cls.PATCH * first_kinds, bias.shape[0]) or not (
            1 <= grid <= cls.side(first_side)
        ):
            raise ValueError("upper feature layer: filters, bias and grid do not agree")
        return cls(filters, bias, grid)


@dataclass(frozen=True)
class PatchFeatures:
    """x (n, 784) -> (n, K * grid * grid [+ K * second_grid * second_grid] [+ upper.size]):
    pooled responses, and an upper layer's features if there is one."""

    filters: Floats  # (patch * patch, K), whitening folded in
    bias: Floats  # (K,), the whitening's mean and the threshold folded in
    patch: int
    grid: int  # the response map is pooled over grid x grid regions
    # 0, or the same map pooled over second_grid x second_grid regions too, appended: two
    # scales of where a stroke is (regions whose edges differ from the first grid's).
    second_grid: int = 0
    # None, or a second layer reading this layer's response map; with one, grid may be 0:
    # the first layer's responses then feed the upper layer only.
    upper: UpperLayer | None = None
    # Undo each drawing's slant before reading it (digits.inference.deskew); only in
    # bundles of format 6.
    deskew: bool = False

    @property
    def grids(self) -> tuple[int, ...]:
        return tuple(grid for grid in (self.grid, self.second_grid) if grid)

    @property
    def size(self) -> int:
        pooled = int(self.filters.shape[1]) * sum(grid * grid for grid in self.grids)
        return pooled + (self.upper.size if self.upper is not None else 0)

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

    def maps(self, images: Floats) -> Floats:
        """The thresholded responses of every patch: (count, side, side, K)."""
        if self.deskew:
            images = upright(images)
        count, side, kinds = len(images), SIDE - self.patch + 1, self.filters.shape[1]
        # Every patch gathered at once by its pixels' indices: a third of the time of a
        # strided window view copied out, on one drawing and on a batch alike.
        patches = np.take(images.reshape(count, SIDE * SIDE), _patch_pixels(self.patch), axis=1)
        responses = _thresholded(patches.reshape(count * side * side, -1), self.filters, self.bias)
        return responses.reshape(count, side, side, kinds)

    def _views(self, images: Floats, moves: tuple[Move, ...]) -> Floats:
        maps = self.maps(images)
        if moves == PLACED:
            return self._pool(maps)[np.newaxis]
        return self._pool_moved(maps, moves)

    def _pool(self, maps: Floats) -> Floats:
        """Sum-pool the side x side map over each grid's regions (edges split evenly), then
        the upper layer's features."""
        parts = [_sum_pool(maps, self.grids)] if self.grids else []
        if self.upper is not None:
            parts.append(self.upper.transform(maps))
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

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
        if self.second_grid:  # only in bundles of format 4 on
            bundle["second_grid"] = self.second_grid
        if self.upper is not None:  # only in bundles of format 5 on
            bundle["upper"] = self.upper.to_bundle()
        if self.deskew:  # only in bundles of format 6
            bundle["deskew"] = True
        return bundle

    @classmethod
    def from_bundle(cls, bundle: dict[str, Any]) -> PatchFeatures:
        filters = np.ascontiguousarray(bundle["filters"], dtype=np.float32)
        bias = np.ascontiguousarray(bundle["bias"], dtype=np.float32)
        patch, grid = int(bundle["patch"]), int(bundle["grid"])
        second_grid = int(bundle.get("second_grid", 0))
        deskew = bool(bundle.get("deskew", False))
        side = SIDE - patch + 1
        upper = bundle.get("upper")
        if (
            filters.shape != (patch * patch, bias.shape[0])
            or not (1 <= grid <= side or (grid == 0 and upper is not None))
            or not (second_grid == 0 or (1 <= second_grid <= side and second_grid != grid))
        ):
            raise ValueError("feature layer: filters, bias, patch and grids do not agree")
        if upper is None:
            return cls(filters, bias, patch, grid, second_grid, deskew=deskew)
        if UpperLayer.side(side) < 1:
            raise ValueError("upper feature layer: the first layer's map is too small for it")
        upper_layer = UpperLayer.from_bundle(upper, len(bias), side)
        return cls(filters, bias, patch, grid, second_grid, upper_layer, deskew)


def _thresholded(patches: Floats, filters: Floats, bias: Floats) -> Floats:
    """Each patch's response to each filter, soft-thresholded (the bias holds the threshold):
    what both layers compute of their patches."""
    responses: Floats = patches @ filters
    responses += bias
    np.maximum(responses, 0.0, out=responses)
    return responses


def _sum_pool(maps: Floats, grids: tuple[int, ...]) -> Floats:
    """(count, side, side, K) -> (count, cells * K): sums over the regions of every grid in
    turn (grid x grid regions, edges split evenly), as one matrix product. On the one
    drawing a request reads, a product is a fraction of the cost of strided sums."""
    count, side, _, kinds = maps.shape
    pooled: Floats = _pooling(side, grids) @ maps.reshape(count, side * side, kinds)
    return pooled.reshape(count, -1)


@functools.lru_cache(maxsize=8)
def _patch_pixels(patch: int) -> npt.NDArray[np.intp]:
    """(side * side, patch * patch): the flat indices of each patch's pixels in a 28x28
    image, patches row by row, pixels row by row (a sliding window's order)."""
    side = SIDE - patch + 1
    rows = np.arange(side)[:, None, None, None] + np.arange(patch)[None, None, :, None]
    cols = np.arange(side)[None, :, None, None] + np.arange(patch)[None, None, None, :]
    pixels: npt.NDArray[np.intp] = (rows * SIDE + cols).reshape(side * side, patch * patch)
    pixels.flags.writeable = False  # shared by every call: never to be changed
    return pixels


@functools.lru_cache(maxsize=8)
def _pooling(side: int, grids: tuple[int, ...]) -> Floats:
    """(cells, side * side): 1 where a cell of a grid covers a pixel of the map, the cells
    row by row, grid after grid, each grid's edges split evenly (rounded)."""
    rows = []
    for grid in grids:
        edges = np.linspace(0, side, grid + 1).round().astype(int)
        for top, bottom in itertools.pairwise(edges):
            for left, right in itertools.pairwise(edges):
                cell = np.zeros((side, side), np.float32)
                cell[top:bottom, left:right] = 1.0
                rows.append(cell.reshape(-1))
    pooling: Floats = np.stack(rows)
    pooling.flags.writeable = False  # shared by every call: never to be changed
    return pooling
