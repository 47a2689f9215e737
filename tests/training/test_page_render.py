"""training.page_render is the page's drawing code in Python: the same points kept, the same
curve, the same brush. The page's own geometry.js runs in node for the comparison; the
pixel-level comparison with Chromium is tests/frontend/test_page_render.py."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from training.page_render import (
    BRUSH_SIZE,
    CANVAS_SIZE,
    FLATTEN_STEP,
    MIN_POINT_DISTANCE,
    append_points,
    flatten,
    paint_strokes,
)

ROOT = Path(__file__).resolve().parents[2]
GEOMETRY = ROOT / "frontend_static" / "geometry.js"

# geometry.js on stdin's strokes: appendPoint over each raw stroke, strokePath over each
# stroke as given. JSON has no NaN or Infinity: null and "inf" stand for them.
NODE_SCRIPT = """
import { readFileSync } from "node:fs";
const { appendPoint, strokePath } = await import(process.argv[1]);
const value = (v) => (v === null ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);
const strokes = JSON.parse(readFileSync(0, "utf8"));
const out = strokes.map((raw) => {
  const points = raw.map(([x, y]) => ({ x: value(x), y: value(y) }));
  const kept = [];
  for (const point of points) appendPoint(kept, point);
  return { kept: kept.map((p) => [p.x, p.y]), path: strokePath(points) };
});
process.stdout.write(JSON.stringify(out));
"""


def run_geometry_js(strokes: list[list[list[Any]]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node is needed to run the page's geometry.js (make test-js needs it too)"
    result = subprocess.run(
        [node, "--input-type=module", "-e", NODE_SCRIPT, GEOMETRY.as_uri()],
        input=json.dumps(strokes),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: list[dict[str, Any]] = json.loads(result.stdout)
    return answer


def as_json(value: float) -> Any:
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def wobbly_strokes(rng: np.random.Generator) -> list[np.ndarray]:
    """Pointer-like strokes: steps from far below to well above the sub-pixel filter's
    distance, some repeats, some non-finite coordinates, a tap and a two-point stroke."""
    strokes = []
    for _ in range(6):
        steps = rng.normal(0.0, 1.0, (60, 2)) * rng.choice([0.2, 0.6, 1.5, 6.0], size=(60, 1))
        points = (np.array([140.0, 140.0]) + np.cumsum(steps, axis=0)).astype(np.float32)
        points[rng.choice(60, 3, replace=False)] = np.nan
        points[7, 0] = np.inf
        points[20] = points[19]  # an exact repeat
        strokes.append(points)
    strokes.append(np.array([[30.0, 40.0]], np.float32))
    strokes.append(np.array([[30.0, 40.0], [90.5, 41.25]], np.float32))
    return strokes


def test_append_points_keeps_what_geometry_js_append_point_keeps() -> None:
    strokes = wobbly_strokes(np.random.default_rng(1))
    answers = run_geometry_js([[[as_json(v) for v in p] for p in s.tolist()] for s in strokes])
    dropped_close = 0
    for stroke, answer in zip(strokes, answers, strict=True):
        kept = append_points(stroke)
        assert kept.dtype == np.float32 and kept.shape[1] == 2
        np.testing.assert_array_equal(kept, np.asarray(answer["kept"], np.float32).reshape(-1, 2))
        assert np.isfinite(kept).all()
        gaps = np.linalg.norm(np.diff(kept.astype(np.float64), axis=0), axis=1)
        assert (gaps >= MIN_POINT_DISTANCE - 1e-6).all()
        dropped_close += int(np.isfinite(stroke).all(axis=1).sum()) - len(kept)
    assert dropped_close > 20  # the strokes did exercise the distance filter


def test_append_points_threshold_is_exactly_the_pages() -> None:
    points = np.array([[0, 0], [0.74, 0], [0.75, 0], [1.2, 0], [1.5, 0]], np.float32)
    np.testing.assert_array_equal(append_points(points), [[0, 0], [0.75, 0], [1.5, 0]])
    assert append_points(np.array([[np.nan, 1], [1, np.inf]], np.float32)).shape == (0, 2)


def quad(start: np.ndarray, control: np.ndarray, end: np.ndarray, t: np.ndarray) -> np.ndarray:
    t = t[:, None]
    result: np.ndarray = (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end
    return result


def distance_to_polyline(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest segment of the polyline."""
    a, b = polyline[:-1][None], polyline[1:][None]
    p = points[:, None]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
    nearest = a + t[..., None] * ab
    distances: np.ndarray = np.linalg.norm(p - nearest, axis=-1).min(axis=1)
    return distances


def test_flatten_follows_geometry_js_stroke_path() -> None:
    rng = np.random.default_rng(2)
    strokes = [append_points(s) for s in wobbly_strokes(rng)]
    answers = run_geometry_js([s.tolist() for s in strokes])
    for stroke, answer in zip(strokes, answers, strict=True):
        commands, path = answer["path"], flatten(stroke).astype(np.float64)
        if len(stroke) == 1:
            assert commands == [{"op": "dot", "x": stroke[0, 0], "y": stroke[0, 1]}]
            np.testing.assert_array_equal(path, stroke)
            continue
        assert commands[0]["op"] == "move" and commands[-1]["op"] == "line"
        np.testing.assert_allclose(path[0], [commands[0]["x"], commands[0]["y"]], atol=1e-4)
        np.testing.assert_allclose(path[-1], [commands[-1]["x"], commands[-1]["y"]], atol=1e-4)
        # Every command's end point is on the polyline (a vertex of it, in fact) ...
        ends = np.array([[c["x"], c["y"]] for c in commands])
        vertex_gap = np.linalg.norm(ends[:, None] - path[None], axis=-1).min(axis=1)
        assert vertex_gap.max() < 1e-3
        # ... and the polyline stays close to each quadratic curve. With n = ceil(L / step)
        # even steps in t over a control polygon of length L, a chord strays at most
        # |start - 2 control + end| / (4 n^2) <= L / (4 n^2) <= step / 4 from the curve.
        start = ends[0]
        for command in commands[1:-1]:
            assert command["op"] == "quad"
            control = np.array([command["cx"], command["cy"]])
            end = np.array([command["x"], command["y"]])
            curve = quad(start, control, end, np.linspace(0.0, 1.0, 50))
            assert distance_to_polyline(curve, path).max() <= FLATTEN_STEP / 4 + 1e-3
            start = end


def test_flatten_passes_through_the_ends_and_the_midpoints() -> None:
    points = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 20]], np.float32)
    path = flatten(points)
    for expected in ([0, 0], [10, 5], [5, 10], [0, 15], [0, 20]):
        assert np.linalg.norm(path - np.array(expected), axis=1).min() < 1e-5, expected
    np.testing.assert_array_equal(path[0], points[0])
    np.testing.assert_array_equal(path[-1], points[-1])
    # The corners are rounded: the control points themselves are not on the curve.
    assert np.linalg.norm(path - np.array([10, 0]), axis=1).min() > 1.5
    assert np.linalg.norm(path - np.array([10, 10]), axis=1).min() > 1.5
    two = np.array([[1, 2], [3, 4]], np.float32)
    np.testing.assert_array_equal(flatten(two), two)


def ink(image: np.ndarray) -> np.ndarray:
    """Coverage in [0, 1]: 0 for white paper, 1 for full black."""
    coverage: np.ndarray = (255.0 - image.astype(np.float64)) / 255.0
    return coverage


def test_a_tap_is_a_dot_as_wide_as_the_brush() -> None:
    for brush in (BRUSH_SIZE, 12.0):
        image = paint_strokes([np.array([[140.0, 120.0]], np.float32)], brush=brush)
        assert image.mode == "L" and image.size == (CANVAS_SIZE, CANVAS_SIZE)
        pixels = np.asarray(image)
        coverage = ink(pixels)
        assert pixels.min() == 0 and pixels[0, 0] == 255 and pixels[-1, -1] == 255
        assert ink(pixels[120]).sum() == pytest.approx(brush, abs=1.0)  # across, at its centre
        assert ink(pixels[:, 140]).sum() == pytest.approx(brush, abs=1.0)  # down
        assert coverage.sum() == pytest.approx(math.pi * brush**2 / 4, rel=0.15)
        rows, cols = np.nonzero(coverage > 0.5)
        assert abs(rows.mean() - 120) < 0.6 and abs(cols.mean() - 140) < 0.6


def test_a_line_is_as_wide_as_the_brush_with_round_caps() -> None:
    for brush in (BRUSH_SIZE, 10.0, 36.0):
        stroke = np.array([[60.0, 140.0], [140.0, 140.0], [220.0, 140.0]], np.float32)
        pixels = np.asarray(paint_strokes([stroke], brush=brush))
        coverage = ink(pixels)
        for x in (80, 140, 200):
            assert coverage[:, x].sum() == pytest.approx(brush, abs=1.0), (brush, x)
            assert coverage[140, x] == 1.0
        # Round caps: ink reaches half a brush beyond the ends, and no further.
        # (pixel i covers [i, i + 1): compare the ink's first and last pixel centres)
        inked_columns = np.flatnonzero(coverage.max(axis=0) > 0.5) + 0.5
        assert inked_columns[0] == pytest.approx(60 - brush / 2, abs=1.0)
        assert inked_columns[-1] == pytest.approx(220 + brush / 2, abs=1.0)
        assert set(np.unique(pixels[coverage == 0])) == {255}


def test_strokes_are_painted_independently_and_empty_ones_skipped() -> None:
    first = np.array([[40.0, 40.0], [100.0, 60.0]], np.float32)
    second = np.array([[200.0, 200.0], [240.0, 120.0], [180.0, 90.0]], np.float32)
    empty = np.zeros((0, 2), np.float32)
    both = np.asarray(paint_strokes([first, empty, second]))
    alone = np.minimum(np.asarray(paint_strokes([first])), np.asarray(paint_strokes([second])))
    assert np.abs(both.astype(int) - alone.astype(int)).max() <= 1
    # Joined into one stroke, the two would draw a line across the gap between them.
    joined = np.asarray(paint_strokes([np.concatenate([first, second])]))
    assert (joined < 128).sum() > (both < 128).sum() + 1000


def centroid(coverage: np.ndarray) -> tuple[float, float]:
    """(x, y) of the ink in canvas units: pixel i covers [i, i + 1), as on a canvas."""
    ys, xs = np.mgrid[0 : coverage.shape[0], 0 : coverage.shape[1]] + 0.5
    total = coverage.sum()
    return float((coverage * xs).sum() / total), float((coverage * ys).sum() / total)


def test_ink_is_centred_on_the_points_at_exactly_the_brush_width() -> None:
    tap = np.array([[140.0, 120.0]], np.float32)
    straight = np.array([[60.0, 140.0], [220.0, 140.0]], np.float32)
    for brush in (10.0, BRUSH_SIZE):
        dot = ink(np.asarray(paint_strokes([tap], brush=brush)))
        line = ink(np.asarray(paint_strokes([straight], brush=brush)))
        assert centroid(dot) == pytest.approx((140.0, 120.0), abs=0.1)
        assert centroid(line[:, 100:200])[1] == pytest.approx(140.0, abs=0.1)
        assert dot[120].sum() == pytest.approx(brush, abs=0.2)
        assert line[:, 100].sum() == pytest.approx(brush, abs=0.2)
