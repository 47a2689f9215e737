"""The feature layer (digits.inference.features) against a plain loop, its chunks and its bundle."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest

import digits.inference.features
from digits.inference.deskew import upright
from digits.inference.features import ONE_PIXEL_MOVES, PLACED, SIDE, PatchFeatures, UpperLayer

ROOT = Path(__file__).resolve().parents[3]


def random_layer(rng: np.random.Generator, patch: int, grid: int, kinds: int) -> PatchFeatures:
    filters = rng.normal(0.0, 1.0, (patch * patch, kinds)).astype(np.float32)
    # Biases around the typical response, so that about half the responses are cut to 0.
    bias = rng.normal(-patch * patch * 0.15, 1.0, kinds).astype(np.float32)
    return PatchFeatures(filters, bias, patch, grid)


def naive_features(layer: PatchFeatures, image: np.ndarray, grid: int = 0) -> np.ndarray:
    """Every patch, dot products, threshold at 0, sums over grid x grid regions."""
    patch, grid = layer.patch, grid or layer.grid
    side = SIDE - patch + 1
    kinds = layer.filters.shape[1]
    pixels = image.reshape(SIDE, SIDE).astype(np.float64)
    responses = np.zeros((side, side, kinds))
    for row in range(side):
        for col in range(side):
            window = pixels[row : row + patch, col : col + patch].ravel()
            for kind in range(kinds):
                value = float(window @ layer.filters[:, kind]) + float(layer.bias[kind])
                responses[row, col, kind] = max(value, 0.0)
    # Regions split the map as evenly as integers allow.
    edges = [round(side * g / grid) for g in range(grid + 1)]
    out = np.zeros((grid, grid, kinds))
    for gr in range(grid):
        for gc in range(grid):
            block = responses[edges[gr] : edges[gr + 1], edges[gc] : edges[gc + 1]]
            out[gr, gc] = block.sum(axis=(0, 1))
    return out.ravel()  # region by region, the filters' responses within each


@pytest.mark.parametrize(
    ("patch", "grid"),
    [(5, 4), (5, 3), (5, 5), (3, 4), (7, 1)],
    ids=["equal-4x4", "equal-3x3", "uneven-5x5", "uneven-patch3", "one-region"],
)
def test_transform_is_the_plain_loop(patch: int, grid: int) -> None:
    rng = np.random.default_rng(patch * 10 + grid)
    layer = random_layer(rng, patch, grid, kinds=6)
    images = rng.random((3, SIDE * SIDE), dtype=np.float32)
    images[0] = 0.0  # a blank input: only the biases
    images[1, : SIDE * 10] = 0.0  # ink only in the lower part
    got = layer.transform(images)
    assert got.dtype == np.float32 and got.shape == (3, layer.size)
    assert layer.size == 6 * grid * grid
    expected = np.stack([naive_features(layer, image) for image in images])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)
    assert (got == 0).any() and (got > 0).any()  # the threshold was exercised both ways


def test_regions_tile_the_response_map_evenly() -> None:
    # With zero filters and a bias of 1 every response is 1: each feature is its region's
    # area. Regions are rows x columns of heights that differ by one at most.
    for patch, grid in ((5, 4), (5, 5), (3, 4), (3, 7)):
        side = SIDE - patch + 1
        layer = PatchFeatures(
            np.zeros((patch * patch, 1), np.float32), np.ones(1, np.float32), patch, grid
        )
        areas = layer.transform(np.zeros((1, SIDE * SIDE), np.float32)).reshape(grid, grid)
        heights = np.sqrt(np.diag(areas))
        np.testing.assert_array_equal(heights, heights.round())
        assert heights.sum() == side
        assert set(heights.tolist()) <= {side // grid, -(-side // grid)}
        np.testing.assert_array_equal(areas, np.outer(heights, heights))


def test_chunks_give_what_one_image_at_a_time_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    layer = random_layer(rng, 5, 4, kinds=8)
    images = rng.random((23, SIDE * SIDE), dtype=np.float32)
    whole = layer.transform(images)
    monkeypatch.setattr(
        digits.inference.features, "CHUNK", 5
    )  # 23 images: 5 chunks, the last short
    chunked = layer.transform(images)
    one_by_one = np.concatenate([layer.transform(image[None]) for image in images])
    np.testing.assert_allclose(chunked, one_by_one, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(whole, one_by_one, rtol=1e-5, atol=1e-4)
    # Inputs as 28x28 images or flat rows are the same thing.
    np.testing.assert_array_equal(layer.transform(images.reshape(-1, SIDE, SIDE)), chunked)


@pytest.mark.parametrize(("grid", "second_grid"), [(4, 3), (4, 6), (5, 2)])
def test_a_second_grid_appends_the_same_maps_pooled_over_its_regions(
    grid: int, second_grid: int
) -> None:
    rng = np.random.default_rng(grid * 10 + second_grid)
    layer = replace(random_layer(rng, 5, grid, kinds=5), second_grid=second_grid)
    images = rng.random((3, SIDE * SIDE), dtype=np.float32)
    got = layer.transform(images)
    assert layer.grids == (grid, second_grid)
    assert got.shape == (3, 5 * (grid * grid + second_grid * second_grid)) == (3, layer.size)
    expected = np.stack(
        [
            np.concatenate([naive_features(layer, image, each) for each in (grid, second_grid)])
            for image in images
        ]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)
    # Moved views pool both grids too.
    views = layer.views(images, ONE_PIXEL_MOVES)
    assert views.shape == (5, 3, layer.size)
    np.testing.assert_allclose(views[0], got, rtol=1e-5, atol=1e-4)
    # Through a bundle and back; a second grid equal to the first is refused.
    again = PatchFeatures.from_bundle(layer.to_bundle())
    assert again.second_grid == second_grid
    np.testing.assert_array_equal(again.transform(images), got)
    with pytest.raises(ValueError, match="grids"):
        PatchFeatures.from_bundle({**layer.to_bundle(), "second_grid": grid})
    assert "second_grid" not in replace(layer, second_grid=0).to_bundle()  # format 3's layer


def moved(images: np.ndarray, down: int, right: int) -> np.ndarray:
    """The 28x28 images moved (nothing falls off: their ink keeps a margin)."""
    square = images.reshape(-1, SIDE, SIDE)
    return np.roll(square, (down, right), axis=(1, 2)).reshape(len(images), -1)


@pytest.mark.parametrize(
    ("patch", "grid"), [(5, 4), (5, 5), (3, 7)], ids=["equal-4x4", "uneven-5x5", "uneven-7x7"]
)
def test_moved_views_are_the_features_of_the_moved_drawings(patch: int, grid: int) -> None:
    rng = np.random.default_rng(patch * 100 + grid)
    layer = random_layer(rng, patch, grid, kinds=6)
    layer.bias[:2] = (0.4, 1.5)  # two filters answer a blank patch: a move brings that in
    images = np.zeros((4, SIDE, SIDE), np.float32)
    images[:, 4:24, 4:24] = rng.random((4, 20, 20), dtype=np.float32)  # preprocess's margin
    moves = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (2, -1), (-2, 2))
    views = layer.views(images.reshape(4, -1), moves)
    assert views.shape == (len(moves), 4, layer.size) and views.dtype == np.float32
    for view, (down, right) in zip(views, moves, strict=True):
        expected = layer.transform(moved(images, down, right))
        np.testing.assert_allclose(view, expected, rtol=1e-5, atol=1e-4)
    # The views differ: the regions moved (else this test could not fail).
    assert not np.allclose(views[1], views[0], atol=1e-2)
    np.testing.assert_array_equal(layer.views(images, PLACED)[0], layer.transform(images))


def test_moved_views_come_in_chunks_too(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    layer = random_layer(rng, 5, 4, kinds=5)
    images = rng.random((9, SIDE * SIDE), dtype=np.float32)
    whole = layer.views(images, ONE_PIXEL_MOVES)
    monkeypatch.setattr(digits.inference.features, "CHUNK", 4)
    np.testing.assert_allclose(layer.views(images, ONE_PIXEL_MOVES), whole, rtol=1e-6)
    assert whole.shape == (5, 9, layer.size)


def test_bundle_round_trip() -> None:
    layer = random_layer(np.random.default_rng(8), 5, 4, kinds=8)
    again = PatchFeatures.from_bundle(layer.to_bundle())
    np.testing.assert_array_equal(again.filters, layer.filters)
    np.testing.assert_array_equal(again.bias, layer.bias)
    assert (again.patch, again.grid, again.size) == (5, 4, 128)
    # float64 arrays (as numpy's defaults would save them) come back as float32.
    wide = {**layer.to_bundle(), "filters": layer.filters.astype(np.float64)}
    assert PatchFeatures.from_bundle(wide).filters.dtype == np.float32


def good_bundle() -> dict[str, Any]:
    return random_layer(np.random.default_rng(9), 5, 4, kinds=8).to_bundle()


@pytest.mark.parametrize(
    "change",
    [
        {"bias": np.zeros(7, np.float32)},  # one bias too few
        {"filters": np.zeros((16, 8), np.float32)},  # 4x4 filters for 5x5 patches
        {"patch": 4},
        {"filters": np.zeros(25 * 8, np.float32)},  # flattened
        {"grid": 0},
        {"grid": 25},  # more regions than the 24x24 response map has rows
    ],
    ids=["bias", "filters", "patch", "flat-filters", "no-grid", "grid-too-fine"],
)
def test_from_bundle_refuses_parts_that_do_not_agree(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="do not agree"):
        PatchFeatures.from_bundle({**good_bundle(), **change})


@pytest.mark.parametrize(
    ("grid", "second_grid"), [(1, 0), (24, 0), (4, 1), (4, 24), (1, 24)], ids=str
)
def test_from_bundle_takes_every_grid_from_one_region_to_one_per_response(
    grid: int, second_grid: int
) -> None:
    """5x5 patches give a 24x24 response map: a grid of 1 to 24 regions a side pools it."""
    bundle = good_bundle()
    bias = bundle["bias"].astype(np.float64)  # as numpy's default would save it
    layer = PatchFeatures.from_bundle(
        {**bundle, "bias": bias, "grid": grid, "second_grid": second_grid}
    )
    image = np.random.default_rng(grid).random((1, 784), dtype=np.float32)
    assert layer.transform(image).shape == (1, 8 * (grid**2 + second_grid**2))
    assert layer.bias.dtype == np.float32


@pytest.mark.parametrize("second_grid", [-1, 25], ids=str)
def test_from_bundle_refuses_a_second_grid_off_the_response_map(second_grid: int) -> None:
    with pytest.raises(ValueError, match="do not agree"):
        PatchFeatures.from_bundle({**good_bundle(), "second_grid": second_grid})


def test_serving_a_model_with_features_never_imports_scikit_learn_or_scipy(
    tmp_path: Path,
) -> None:
    from digits.inference.model import MlpEnsemble
    from digits.inference.network import Network

    rng = np.random.default_rng(10)
    layer = random_layer(rng, 5, 4, kinds=8)
    network = Network(
        weights=(rng.normal(0, 0.1, (layer.size, 10)).astype(np.float32),),
        biases=(np.zeros(10, np.float32),),
    )
    path = tmp_path / "model.joblib"
    joblib.dump(MlpEnsemble((network,), layer, 1.5).to_bundle(), path)
    code = (
        "import sys, pathlib; import numpy as np; from digits.inference.model import load_model; "
        f"m = load_model(pathlib.Path({str(path)!r})); "
        "assert m.features is not None and m.temperature == 1.5; "
        "p = m.predict_proba(np.random.default_rng(0).random((3, 784), dtype=np.float32)); "
        "assert p.shape == (3, 10); "
        "bad = [n for n in sys.modules if n.split('.')[0] in ('sklearn', 'scipy')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "function")},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- the upper layer ------------------------------------------------------------------------


def random_upper(rng: np.random.Generator, first_kinds: int, kinds: int, grid: int) -> UpperLayer:
    filters = rng.normal(0.0, 1.0, (9 * first_kinds, kinds)).astype(np.float32)
    bias = rng.normal(-1.0, 1.0, kinds).astype(np.float32)
    return UpperLayer(filters, bias, grid)


def naive_upper(layer: PatchFeatures, image: np.ndarray) -> np.ndarray:
    """The first layer's map by the plain loop, max over 2x2 blocks, log1p, every 3x3 patch
    of blocks (row, column, then filter) against each upper filter, threshold, region sums."""
    upper = layer.upper
    assert upper is not None
    side, kinds = SIDE - layer.patch + 1, layer.filters.shape[1]
    first = naive_features(replace(layer, upper=None, second_grid=0), image, grid=side)
    first_map = first.reshape(side, side, kinds)
    half = side // 2
    blocks = np.zeros((half, half, kinds))
    for row in range(half):
        for col in range(half):
            blocks[row, col] = first_map[2 * row : 2 * row + 2, 2 * col : 2 * col + 2].max(
                axis=(0, 1)
            )
    blocks = np.log1p(blocks)
    upper_side = half - 2
    responses = np.zeros((upper_side, upper_side, upper.filters.shape[1]))
    for row in range(upper_side):
        for col in range(upper_side):
            window = blocks[row : row + 3, col : col + 3].ravel()
            responses[row, col] = np.maximum(window @ upper.filters + upper.bias, 0.0)
    edges = [round(upper_side * g / upper.grid) for g in range(upper.grid + 1)]
    out = np.zeros((upper.grid, upper.grid, responses.shape[2]))
    for gr in range(upper.grid):
        for gc in range(upper.grid):
            block = responses[edges[gr] : edges[gr + 1], edges[gc] : edges[gc + 1]]
            out[gr, gc] = block.sum(axis=(0, 1))
    return out.ravel()


@pytest.mark.parametrize(
    ("patch", "grid", "upper_grid"),
    [(5, 0, 2), (5, 4, 2), (7, 0, 3), (3, 4, 1)],
    ids=["upper-only", "first-4x4-and-upper", "patch7-uneven", "patch3-odd-map"],
)
def test_an_upper_layer_is_the_plain_loop(patch: int, grid: int, upper_grid: int) -> None:
    """Patch 3 gives a 26x26 map (13 blocks a side); patch 7, 22 (11 blocks: 9x9 responses
    pooled 3x3); with grid 0 the first layer's own sums are left out."""
    rng = np.random.default_rng(patch * 10 + grid + upper_grid)
    first = random_layer(rng, patch, grid or 4, kinds=4)
    layer = replace(first, grid=grid, upper=random_upper(rng, 4, kinds=5, grid=upper_grid))
    images = rng.random((2, SIDE * SIDE), dtype=np.float32)
    got = layer.transform(images)
    assert got.shape == (2, layer.size) and got.dtype == np.float32
    assert layer.size == 4 * grid * grid + 5 * upper_grid * upper_grid
    for image, features in zip(images, got, strict=True):
        expected = naive_upper(layer, image)
        if grid:
            expected = np.concatenate([naive_features(layer, image), expected])
        np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-3)
    assert np.count_nonzero(got[:, 4 * grid * grid :]) > 0  # the upper layer answered


def test_an_upper_layers_moved_views_are_the_moved_drawings_features() -> None:
    rng = np.random.default_rng(21)
    layer = replace(random_layer(rng, 5, 4, kinds=4), upper=random_upper(rng, 4, 6, 2))
    images = np.zeros((3, SIDE, SIDE), np.float32)
    images[:, 4:24, 4:24] = rng.random((3, 20, 20), dtype=np.float32)
    moves = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (2, -2))
    views = layer.views(images.reshape(3, -1), moves)
    assert views.shape == (len(moves), 3, layer.size)
    for view, (down, right) in zip(views, moves, strict=True):
        expected = layer.transform(moved(images, down, right))
        np.testing.assert_allclose(view, expected, rtol=1e-5, atol=1e-4)
    assert not np.allclose(views[1], views[0], atol=1e-2)


def test_an_upper_layer_goes_through_a_bundle_and_back() -> None:
    rng = np.random.default_rng(22)
    layer = replace(random_layer(rng, 5, 0, kinds=4), upper=random_upper(rng, 4, 6, 2))
    bundle = layer.to_bundle()
    wide = {
        key: value.astype(np.float64) if key in ("filters", "bias") else value
        for key, value in bundle["upper"].items()
    }
    again = PatchFeatures.from_bundle({**bundle, "upper": wide})
    assert again.upper is not None
    assert again.upper.filters.dtype == again.upper.bias.dtype == np.float32
    assert (again.grid, again.upper.grid, again.size) == (0, 2, 24)
    images = rng.random((2, SIDE * SIDE), dtype=np.float32)
    np.testing.assert_array_equal(again.transform(images), layer.transform(images))
    assert "upper" not in replace(layer, grid=4, upper=None).to_bundle()  # format 4's layer


@pytest.mark.parametrize(
    "change",
    [
        {"filters": np.zeros((9 * 5, 6), np.float32)},  # for a first layer of 5 filters
        {"bias": np.zeros(5, np.float32)},
        {"grid": 0},
        {"grid": 11},  # a 24x24 first map: 12 blocks, 10x10 upper responses
    ],
    ids=["filters", "bias", "no-grid", "grid-too-fine"],
)
def test_from_bundle_refuses_an_upper_layer_that_does_not_agree(change: dict[str, Any]) -> None:
    rng = np.random.default_rng(23)
    layer = replace(random_layer(rng, 5, 0, kinds=4), upper=random_upper(rng, 4, 6, 2))
    bundle = layer.to_bundle()
    with pytest.raises(ValueError, match="do not agree"):
        PatchFeatures.from_bundle({**bundle, "upper": {**bundle["upper"], **change}})
    # The largest grid, one region per response, loads.
    finest = {**bundle, "upper": {**bundle["upper"], "grid": 10}}
    assert PatchFeatures.from_bundle(finest).size == 6 * 100


def test_an_upper_layer_beside_both_grids_keeps_them_through_a_bundle() -> None:
    rng = np.random.default_rng(25)
    first = replace(random_layer(rng, 5, 4, kinds=4), second_grid=3)
    layer = replace(first, upper=random_upper(rng, 4, 6, 1))  # one region: the largest
    again = PatchFeatures.from_bundle(layer.to_bundle())
    assert again.grids == (4, 3) and again.upper is not None and again.upper.grid == 1
    assert again.size == 4 * (16 + 9) + 6
    images = rng.random((2, SIDE * SIDE), dtype=np.float32)
    np.testing.assert_array_equal(again.transform(images), layer.transform(images))


@pytest.mark.parametrize(("patch", "loads"), [(23, True), (24, False)], ids=str)
def test_an_upper_layer_needs_a_first_map_of_three_blocks_a_side(patch: int, loads: bool) -> None:
    """Patch 23: a 6x6 map, 3x3 blocks, one upper response; patch 24: 5x5, 2x2 blocks, none."""
    rng = np.random.default_rng(patch)
    layer = replace(random_layer(rng, patch, 1, kinds=2), upper=random_upper(rng, 2, 3, 1))
    if loads:
        image = rng.random((1, SIDE * SIDE), dtype=np.float32)
        assert PatchFeatures.from_bundle(layer.to_bundle()).transform(image).shape == (1, 2 + 3)
    else:
        with pytest.raises(ValueError, match="too small"):
            PatchFeatures.from_bundle(layer.to_bundle())


def test_a_first_layer_without_a_grid_needs_an_upper_layer() -> None:
    bundle = random_layer(np.random.default_rng(24), 5, 4, kinds=4).to_bundle()
    with pytest.raises(ValueError, match="do not agree"):
        PatchFeatures.from_bundle({**bundle, "grid": 0})


def test_features_come_back_as_float32_whatever_the_pixels_type() -> None:
    """Callers pass float64 (numpy's default) or uint8-scaled arrays; the networks' float32
    weights expect float32 rows, and a float64 map would double the memory."""
    rng = np.random.default_rng(26)
    layer = replace(random_layer(rng, 5, 4, kinds=4), upper=random_upper(rng, 4, 3, 2))
    images = rng.random((2, SIDE * SIDE))  # float64
    assert layer.transform(images).dtype == np.float32
    assert layer.views(images, ONE_PIXEL_MOVES).dtype == np.float32
    np.testing.assert_allclose(
        layer.transform(images), layer.transform(images.astype(np.float32)), rtol=1e-6
    )


def margined_drawings(rng: np.random.Generator, count: int) -> np.ndarray:
    """Random ink inside preprocessing's margin, leaning one way or the other."""
    images = np.zeros((count, SIDE, SIDE), np.float32)
    for index in range(count):
        lean = rng.uniform(-0.5, 0.5)
        for row in range(5, 23):
            start = 11 + round(lean * (14 - row))
            images[index, row, start : start + 6] = rng.random(6, dtype=np.float32)
    return images


def test_a_deskewing_layer_reads_the_upright_drawings() -> None:
    rng = np.random.default_rng(27)
    plain = replace(random_layer(rng, 5, 4, kinds=6), upper=random_upper(rng, 6, 3, 2))
    layer = replace(plain, deskew=True)
    images = margined_drawings(rng, 5)
    np.testing.assert_allclose(
        layer.transform(images.reshape(5, -1)),
        plain.transform(upright(images).reshape(5, -1)),
        rtol=1e-5,
        atol=1e-5,
    )
    # The slant changed what it reads (else this test could not fail).
    assert not np.allclose(layer.transform(images), plain.transform(images), atol=1e-2)


def test_a_deskewing_layers_moved_views_are_the_moved_drawings_features() -> None:
    """Undoing the slant about the centre of mass and moving the drawing commute."""
    rng = np.random.default_rng(28)
    layer = replace(random_layer(rng, 5, 4, kinds=5), deskew=True)
    images = margined_drawings(rng, 3).reshape(3, -1)
    views = layer.views(images, ONE_PIXEL_MOVES)
    for view, (down, right) in zip(views, ONE_PIXEL_MOVES, strict=True):
        expected = layer.transform(moved(images, down, right))
        np.testing.assert_allclose(view, expected, rtol=1e-4, atol=1e-3)


def test_deskew_rides_in_the_bundle_only_when_set() -> None:
    layer = random_layer(np.random.default_rng(29), 5, 4, kinds=4)
    assert "deskew" not in layer.to_bundle()  # readable as a format-5 layer
    assert not PatchFeatures.from_bundle(layer.to_bundle()).deskew
    deskewing = replace(layer, deskew=True)
    assert deskewing.to_bundle()["deskew"] is True
    again = PatchFeatures.from_bundle(deskewing.to_bundle())
    assert again.deskew and again.size == layer.size
    upper = replace(deskewing, upper=random_upper(np.random.default_rng(30), 4, 3, 2))
    assert PatchFeatures.from_bundle(upper.to_bundle()).deskew
