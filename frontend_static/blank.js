// Blank-canvas detection, so the page says "draw a digit first" without a
// round trip. The rule mirrors the API's (function/digits/reading/preprocess.py): ink
// whose bounding box spans less than 12% of the canvas is a speck, not a digit.

import { BRUSH_SIZE, CANVAS_SIZE, inkBounds } from "./geometry.js";

/** Same fraction as the API's MIN_EXTENT. */
export const MIN_EXTENT = 0.12;
/** A pixel is ink when it is at least this much darker than white (of 255). */
export const INK_DARKNESS = 64;

/**
 * Whether the strokes leave too little ink to be a digit.
 * @param {{x: number, y: number}[][]} strokes
 */
export function isBlankDrawing(strokes, brush = BRUSH_SIZE, size = CANVAS_SIZE) {
  const box = inkBounds(strokes, brush, size);
  if (box === null) return true;
  return Math.max(box.right - box.left, box.bottom - box.top) < MIN_EXTENT * size;
}

/**
 * Bounding box of dark pixels in RGBA data composited on white (ImageData's
 * layout), or null when there are none.
 * @param {ArrayLike<number>} data
 * @param {number} width
 * @param {number} height
 * @returns {{left: number, top: number, right: number, bottom: number} | null}
 */
export function pixelInkBounds(data, width, height) {
  let left = width;
  let top = height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const alpha = data[i + 3] / 255;
      const luminance = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      // Transparent pixels read as the white paper underneath.
      const gray = luminance * alpha + 255 * (1 - alpha);
      if (255 - gray >= INK_DARKNESS) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  if (right < 0) return null;
  return { left, top, right: right + 1, bottom: bottom + 1 };
}

/**
 * Whether an exported image holds too little ink to be a digit.
 * @param {{data: ArrayLike<number>, width: number, height: number}} image
 */
export function isBlankImage(image) {
  const box = pixelInkBounds(image.data, image.width, image.height);
  if (box === null) return true;
  const extent = Math.max(box.right - box.left, box.bottom - box.top);
  return extent < MIN_EXTENT * Math.min(image.width, image.height);
}
