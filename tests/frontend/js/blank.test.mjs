import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import {
  MIN_EXTENT,
  isBlankDrawing,
  isBlankImage,
  pixelInkBounds,
} from "../../../frontend_static/blank.js";
import { BRUSH_SIZE, CANVAS_SIZE } from "../../../frontend_static/geometry.js";

/** The API's speck rule, read from the Python source the page must agree with. */
function pythonMinExtent() {
  const source = readFileSync(
    new URL("../../../function/digits/reading/preprocess.py", import.meta.url),
    "utf8",
  );
  const match = source.match(/^MIN_EXTENT = ([0-9.]+)\s*$/m);
  assert.ok(match, "MIN_EXTENT = <number> not found in function/digits/reading/preprocess.py");
  return Number(match[1]);
}

/** A white RGBA image with black rectangles painted in, like a canvas export. */
function image(width, height, rects = [], { alpha = 255, background = 255 } = {}) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = data[i + 1] = data[i + 2] = background;
    data[i + 3] = alpha;
  }
  for (const [left, top, right, bottom, value = 0] of rects) {
    for (let y = top; y < bottom; y += 1) {
      for (let x = left; x < right; x += 1) {
        const i = (y * width + x) * 4;
        data[i] = data[i + 1] = data[i + 2] = value;
        data[i + 3] = 255;
      }
    }
  }
  return { data, width, height };
}

describe("isBlankDrawing (strokes)", () => {
  it("uses the API's speck rule (preprocess.py's MIN_EXTENT)", () => {
    assert.equal(MIN_EXTENT, pythonMinExtent());
  });

  it("calls an empty canvas blank", () => {
    assert.equal(isBlankDrawing([]), true);
  });

  it("calls a single tap blank: a 25 px dot is a speck", () => {
    assert.equal(isBlankDrawing([[{ x: 140, y: 140 }]]), true);
  });

  it("calls a flick shorter than the speck rule blank, and one just longer not blank", () => {
    // A stroke spans the brush plus its length; the rule is MIN_EXTENT of the canvas.
    const limit = pythonMinExtent() * CANVAS_SIZE;
    const longest = Math.ceil(limit - BRUSH_SIZE) - 1;
    assert.equal(isBlankDrawing([[{ x: 100, y: 100 }, { x: 100 + longest, y: 100 }]]), true);
    assert.equal(isBlankDrawing([[{ x: 100, y: 100 }, { x: 100 + longest + 1, y: 100 }]]), false);
  });

  it("calls a digit not blank", () => {
    const one = [
      [
        { x: 140, y: 60 },
        { x: 138, y: 220 },
      ],
    ];
    assert.equal(isBlankDrawing(one), false);
  });

  it("calls ink drawn entirely off the canvas blank", () => {
    assert.equal(isBlankDrawing([[{ x: -60, y: 10 }, { x: -60, y: 200 }]]), true);
  });
});

describe("pixelInkBounds", () => {
  it("is null on white paper", () => {
    assert.equal(pixelInkBounds(image(10, 10).data, 10, 10), null);
  });

  it("finds dark pixels and ignores faint ones", () => {
    const img = image(20, 20, [
      [2, 3, 5, 9],
      [15, 15, 18, 18, 230],
    ]);
    assert.deepEqual(pixelInkBounds(img.data, 20, 20), { left: 2, top: 3, right: 5, bottom: 9 });
  });

  it("treats transparent pixels as paper, whatever their colour", () => {
    const img = image(10, 10, [], { alpha: 0, background: 0 });
    assert.equal(pixelInkBounds(img.data, 10, 10), null);
  });
});

describe("isBlankImage (the exported PNG's pixels)", () => {
  it("calls a white 280x280 blank", () => {
    assert.equal(isBlankImage(image(280, 280)), true);
  });

  it("calls a speck blank and a stroke not blank", () => {
    assert.equal(isBlankImage(image(280, 280, [[100, 100, 125, 125]])), true);
    assert.equal(isBlankImage(image(280, 280, [[130, 60, 150, 220]])), false);
  });
});
