"""Connected components on run-lengths, checked against a plain flood fill."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from digits.segmentation.components import Box, Component, label


def flood_fill_partition(mask: np.ndarray) -> set[frozenset[tuple[int, int]]]:
    """The 8-connected components as sets of pixels, the slow obvious way."""
    seen = np.zeros_like(mask, dtype=bool)
    parts = set()
    height, width = mask.shape
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        queue, part = deque([start]), set()
        while queue:
            y, x = queue.popleft()
            part.add((int(y), int(x)))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < height and 0 <= nx < width and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        queue.append((ny, nx))
        parts.add(frozenset(part))
    return parts


def component_partition(mask: np.ndarray) -> set[frozenset[tuple[int, int]]]:
    parts = set()
    for component in label(mask):
        ys, xs = np.nonzero(component.mask)
        parts.add(
            frozenset(
                (int(y) + component.box.top, int(x) + component.box.left)
                for y, x in zip(ys, xs, strict=True)
            )
        )
    return parts


@pytest.mark.parametrize("density", [0.1, 0.3, 0.45, 0.6])
def test_matches_a_flood_fill_on_random_masks(density: float) -> None:
    rng = np.random.default_rng(int(density * 100))
    for _ in range(30):
        height, width = rng.integers(1, 30, size=2)
        mask = rng.random((height, width)) < density
        assert component_partition(mask) == flood_fill_partition(mask)


def test_diagonal_neighbours_are_connected_and_gaps_are_not() -> None:
    mask = np.zeros((6, 8), dtype=bool)
    mask[0, 0] = mask[1, 1] = mask[2, 2] = True  # a diagonal line: one component
    mask[0, 5:8] = True  # a separate bar, one blank column away from nothing
    mask[4:6, 4] = True
    components = label(mask)
    assert [c.box for c in components] == [
        Box(0, 0, 3, 3),
        Box(4, 4, 5, 6),
        Box(5, 0, 8, 1),
    ]
    assert [c.area for c in components] == [3, 2, 3]


def test_boxes_masks_and_areas_describe_each_component() -> None:
    mask = np.zeros((10, 12), dtype=bool)
    mask[2:8, 3] = True
    mask[7, 3:9] = True  # an L: its box is 6 rows by 6 columns
    (component,) = label(mask)
    assert component.box == Box(left=3, top=2, right=9, bottom=8)
    assert (component.box.width, component.box.height) == (6, 6)
    assert component.mask.shape == (6, 6)
    np.testing.assert_array_equal(component.mask, mask[component.box.slices])
    assert component.area == int(mask.sum())


def test_a_component_with_a_hole_and_a_blob_inside_it_stay_two() -> None:
    mask = np.zeros((9, 9), dtype=bool)
    mask[1:8, 1:8] = True
    mask[2:7, 2:7] = False  # a ring
    mask[4, 4] = True  # a dot inside the ring, not touching it
    components = label(mask)
    assert len(components) == 2
    ring = max(components, key=lambda c: c.area)
    assert not ring.mask[3, 3]  # the dot is not the ring's


def test_empty_and_full_masks() -> None:
    assert label(np.zeros((5, 7), dtype=bool)) == []
    (full,) = label(np.ones((5, 7), dtype=bool))
    assert full.box == Box(0, 0, 7, 5) and full.area == 35


def test_box_union() -> None:
    assert Box(0, 5, 10, 8).union(Box(4, 1, 6, 12)) == Box(0, 1, 10, 12)


def test_box_scaled_back_to_the_original_image_stays_inside_it() -> None:
    """A box found in an image reduced 4 times, in the pixels of the 563x281 original."""
    assert Box(10, 5, 20, 30).scaled(4, (563, 281)) == Box(40, 20, 80, 120)
    # The reduced image's last cells cover less than 4 pixels: clipped to the original.
    assert Box(130, 60, 141, 71).scaled(4, (563, 281)) == Box(520, 240, 563, 281)


def test_merged_components_keep_every_pixel_of_both() -> None:
    a, b = label(np.eye(4, dtype=bool)), label(np.ones((2, 3), dtype=bool))
    first = a[0]
    second = Component(Box(6, 1, 9, 3), b[0].mask, b[0].area)
    joined = first.merged(second)
    assert joined.box == Box(0, 0, 9, 4)
    assert joined.area == 4 + 6 == int(joined.mask.sum())
    assert joined.mask[1:3, 6:9].all() and joined.mask[np.arange(4), np.arange(4)].all()


def test_part_boxes_a_sub_mask_tightly_in_canvas_pixels() -> None:
    (whole,) = label(np.ones((6, 8), dtype=bool))
    whole = Component(Box(100, 50, 108, 56), whole.mask, whole.area)
    sub = np.zeros((6, 8), dtype=bool)
    sub[2:5, 3:7] = True
    part = whole.part(sub)
    assert part is not None
    assert part.box == Box(103, 52, 107, 55) and part.area == 12 and part.mask.all()
    one_row = np.zeros((6, 8), dtype=bool)
    one_row[4, 1:3] = True
    single = whole.part(one_row)
    assert single is not None and single.box == Box(101, 54, 103, 55)
    assert whole.part(np.zeros((6, 8), dtype=bool)) is None
