"""Connected components of a binary ink mask, in numpy alone.

The Lambda image ships without SciPy, so labelling is done on run-lengths: every
row's horizontal runs of ink become nodes, runs in adjacent rows that touch (8-
connectivity) are joined, and a vectorised union-find (hooking to the smaller
label, then pointer jumping) gives each run its component. The work is in
proportion to the number of runs, a few thousand for a canvas of handwriting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from digits.reading.ink_box import ink_box

BoolImage = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Box:
    """A rectangle in canvas pixels; right and bottom are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.top, self.bottom), slice(self.left, self.right)

    def scaled(self, factor: int, size: tuple[int, int]) -> Box:
        """This box, found in an image reduced ``factor`` times, in the pixels of the
        original image of ``size`` (width, height)."""
        width, height = size
        return Box(
            self.left * factor,
            self.top * factor,
            min(self.right * factor, width),
            min(self.bottom * factor, height),
        )

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


@dataclass(frozen=True)
class Component:
    """A blob of ink: its box, its pixels within the box, their count.

    Segmentation joins and cuts these, so a component there may hold several
    connected pieces (a 5 and its flag) or part of one (half of two touching digits).
    """

    box: Box
    mask: BoolImage  # shape (box.height, box.width)
    area: int

    def merged(self, other: Component) -> Component:
        box = self.box.union(other.box)
        mask = np.zeros((box.height, box.width), dtype=np.bool_)
        for part in (self, other):
            top, left = part.box.top - box.top, part.box.left - box.left
            mask[top : top + part.box.height, left : left + part.box.width] |= part.mask
        return Component(box, mask, self.area + other.area)

    def part(self, mask: BoolImage) -> Component | None:
        """The pixels of a sub-mask (same shape as `mask`) tightly boxed, None if empty."""
        inked = ink_box(mask)
        if inked is None:
            return None
        rows, cols = inked
        origin = self.box
        box = Box(
            origin.left + cols.start,
            origin.top + rows.start,
            origin.left + cols.stop,
            origin.top + rows.stop,
        )
        inside = mask[inked]
        return Component(box, inside, int(inside.sum()))


@dataclass(frozen=True)
class _Runs:
    row: Ints
    start: Ints  # first ink column
    stop: Ints  # one past the last ink column


def label(mask: BoolImage) -> list[Component]:
    """The 8-connected components of a 2-D mask, ordered by their left edge."""
    runs = _runs(mask)
    count = runs.row.size
    if count == 0:
        return []
    parent = _union_find(count, *_touching_pairs(runs, mask.shape[1]))
    _, run_label = np.unique(parent, return_inverse=True)
    components = _components(mask.shape, runs, run_label.astype(np.int64))
    return sorted(components, key=lambda c: (c.box.left, c.box.top))


def _runs(mask: BoolImage) -> _Runs:
    """Every horizontal run of ink, sorted by row then column."""
    height, width = mask.shape
    # Rows padded with a blank pixel on each side, then read as one long line: its
    # value changes exactly at run starts and stops, alternately.
    padded = np.zeros((height, width + 2), dtype=np.bool_)
    padded[:, 1:-1] = mask
    line = padded.ravel()
    changes = np.flatnonzero(line[1:] != line[:-1]) + 1
    starts, stops = changes[0::2], changes[1::2]
    rows, start_cols = np.divmod(starts, width + 2)
    return _Runs(rows, start_cols - 1, stops - rows * (width + 2) - 1)


def _touching_pairs(runs: _Runs, width: int) -> tuple[Ints, Ints]:
    """Pairs of runs in adjacent rows that touch, diagonals included."""
    stride = width + 2
    start_key = runs.row * stride + runs.start
    stop_key = runs.row * stride + runs.stop
    # Run b in the next row touches run a when b.stop >= a.start and b.start <= a.stop.
    # Runs of a row are disjoint and sorted, so those b form one contiguous range.
    below = (runs.row + 1) * stride
    first = np.searchsorted(stop_key, below + runs.start, side="left")
    last = np.searchsorted(start_key, below + runs.stop, side="right")
    # The range for the last row's runs falls past every key (empty, or row+1 keys only).
    per_run = np.maximum(last - first, 0)
    sources = np.repeat(np.arange(runs.row.size), per_run)
    offsets = np.arange(int(per_run.sum())) - np.repeat(np.cumsum(per_run) - per_run, per_run)
    targets = np.repeat(first, per_run) + offsets
    return sources.astype(np.int64), targets.astype(np.int64)


def _union_find(count: int, sources: Ints, targets: Ints) -> Ints:
    """Each node's smallest connected node (hook to the smaller root, then jump)."""
    parent = np.arange(count, dtype=np.int64)
    while True:
        root_a, root_b = parent[sources], parent[targets]
        low = np.minimum(root_a, root_b)
        before = parent.copy()
        np.minimum.at(parent, root_a, low)
        np.minimum.at(parent, root_b, low)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        if np.array_equal(parent, before):
            return parent


def _components(shape: tuple[int, ...], runs: _Runs, run_label: Ints) -> list[Component]:
    labels = int(run_label.max()) + 1
    top = np.full(labels, shape[0], dtype=np.int64)
    left = np.full(labels, shape[1], dtype=np.int64)
    bottom = np.zeros(labels, dtype=np.int64)
    right = np.zeros(labels, dtype=np.int64)
    np.minimum.at(top, run_label, runs.row)
    np.maximum.at(bottom, run_label, runs.row + 1)
    np.minimum.at(left, run_label, runs.start)
    np.maximum.at(right, run_label, runs.stop)
    area = np.bincount(run_label, weights=runs.stop - runs.start, minlength=labels)
    # A label image painted run by run: +id at a run's start, -id at its stop, summed
    # along the row (runs of a row never overlap). Ids are offset by one; 0 = no ink.
    # A run stops at least one pixel before the next run of its row starts, so no
    # two writes below land on the same pixel.
    painted = np.zeros((shape[0], shape[1] + 1), dtype=np.int32)
    ids = (run_label + 1).astype(np.int32)
    painted[runs.row, runs.start] = ids
    painted[runs.row, runs.stop] = -ids
    image = np.cumsum(painted, axis=1, dtype=np.int32)[:, :-1]
    result = []
    for index in range(labels):
        box = Box(int(left[index]), int(top[index]), int(right[index]), int(bottom[index]))
        result.append(Component(box, image[box.slices] == index + 1, int(area[index])))
    return result
