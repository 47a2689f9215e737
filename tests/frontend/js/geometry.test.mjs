import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  BRUSH_SIZE,
  CANVAS_SIZE,
  appendPoint,
  inkBounds,
  strokePath,
  toCanvasPoint,
} from "../../../frontend_static/geometry.js";

describe("the contract's constants", () => {
  it("match the seed component: a 280 canvas and a 25 brush", () => {
    assert.equal(CANVAS_SIZE, 280);
    assert.equal(BRUSH_SIZE, 25);
  });
});

describe("toCanvasPoint", () => {
  it("maps the on-screen box onto 280 units whatever its size", () => {
    const rect = { left: 100, top: 50, width: 560, height: 560 };
    assert.deepEqual(toCanvasPoint(100, 50, rect), { x: 0, y: 0 });
    assert.deepEqual(toCanvasPoint(660, 610, rect), { x: 280, y: 280 });
    assert.deepEqual(toCanvasPoint(380, 190, rect), { x: 140, y: 70 });
  });

  it("keeps points outside the box outside (clipping happens when painting)", () => {
    const rect = { left: 0, top: 0, width: 140, height: 140 };
    assert.deepEqual(toCanvasPoint(-10, 150, rect), { x: -20, y: 300 });
  });

  it("does not divide by zero for a collapsed box", () => {
    const point = toCanvasPoint(5, 5, { left: 0, top: 0, width: 0, height: 0 });
    assert.ok(Number.isFinite(point.x) && Number.isFinite(point.y));
  });
});

describe("appendPoint", () => {
  it("adds the first point and points that moved", () => {
    const stroke = [];
    assert.equal(appendPoint(stroke, { x: 10, y: 10 }), true);
    assert.equal(appendPoint(stroke, { x: 12, y: 10 }), true);
    assert.deepEqual(stroke, [
      { x: 10, y: 10 },
      { x: 12, y: 10 },
    ]);
  });

  it("drops sub-pixel jitter and non-finite coordinates", () => {
    const stroke = [{ x: 10, y: 10 }];
    assert.equal(appendPoint(stroke, { x: 10.3, y: 10.3 }), false);
    assert.equal(appendPoint(stroke, { x: Number.NaN, y: 20 }), false);
    assert.equal(appendPoint(stroke, { x: 20, y: Number.POSITIVE_INFINITY }), false);
    assert.equal(stroke.length, 1);
  });

  it("copies the point rather than keeping the caller's object", () => {
    const stroke = [];
    const point = { x: 1, y: 2, pressure: 0.5 };
    appendPoint(stroke, point);
    point.x = 99;
    assert.deepEqual(stroke[0], { x: 1, y: 2 });
  });
});

describe("strokePath", () => {
  it("is empty for no points", () => {
    assert.deepEqual(strokePath([]), []);
  });

  it("draws a tap as a dot", () => {
    assert.deepEqual(strokePath([{ x: 5, y: 6 }]), [{ op: "dot", x: 5, y: 6 }]);
  });

  it("draws two points as a straight line", () => {
    assert.deepEqual(
      strokePath([
        { x: 0, y: 0 },
        { x: 10, y: 0 },
      ]),
      [
        { op: "move", x: 0, y: 0 },
        { op: "line", x: 10, y: 0 },
      ],
    );
  });

  it("smooths longer strokes through midpoints, ending exactly on the last point", () => {
    const points = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 10 },
      { x: 20, y: 10 },
    ];
    assert.deepEqual(strokePath(points), [
      { op: "move", x: 0, y: 0 },
      { op: "quad", cx: 10, cy: 0, x: 10, y: 5 },
      { op: "quad", cx: 10, cy: 10, x: 15, y: 10 },
      { op: "line", x: 20, y: 10 },
    ]);
  });
});

describe("inkBounds", () => {
  it("is null without points", () => {
    assert.equal(inkBounds([]), null);
    assert.equal(inkBounds([[]]), null);
  });

  it("widens the points by half the brush", () => {
    const box = inkBounds([[{ x: 100, y: 100 }], [{ x: 150, y: 120 }]]);
    assert.deepEqual(box, { left: 87.5, top: 87.5, right: 162.5, bottom: 132.5 });
  });

  it("clips to the canvas", () => {
    const box = inkBounds([
      [
        { x: -50, y: 5 },
        { x: 400, y: 5 },
      ],
    ]);
    assert.deepEqual(box, { left: 0, top: 0, right: 280, bottom: 17.5 });
  });

  it("is null when all ink lands off the canvas", () => {
    assert.equal(inkBounds([[{ x: -100, y: -100 }]]), null);
    assert.equal(inkBounds([[{ x: 140, y: 400 }]]), null);
  });
});
