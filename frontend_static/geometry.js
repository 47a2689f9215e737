// Stroke geometry: pure functions over points in the drawing's own 280x280
// coordinate system, whatever size the canvas has on screen.

/** Side of the image the API receives (the seed's canvas). */
export const CANVAS_SIZE = 280;
/** Number mode's canvas width (its height stays CANVAS_SIZE): room for six digits. */
export const NUMBER_WIDTH = 560;
/** Brush width in canvas units: 25 px at 280, as in the seed. */
export const BRUSH_SIZE = 25;
/** Points closer than this to the previous one add nothing but jitter. */
export const MIN_POINT_DISTANCE = 0.75;

/**
 * Map a pointer's client coordinates to canvas units.
 * @param {number} clientX
 * @param {number} clientY
 * @param {{left: number, top: number, width: number, height: number}} rect on-screen box
 * @param {number} [size]
 * @returns {{x: number, y: number}}
 */
export function toCanvasPoint(clientX, clientY, rect, size = CANVAS_SIZE) {
  const width = rect.width || 1;
  const height = rect.height || 1;
  return {
    x: ((clientX - rect.left) * size) / width,
    y: ((clientY - rect.top) * size) / height,
  };
}

/**
 * Append a point to a stroke unless it is a sub-pixel repeat of the last one.
 * @param {{x: number, y: number}[]} stroke mutated in place
 * @param {{x: number, y: number}} point
 * @returns {boolean} whether the point was added
 */
export function appendPoint(stroke, point, minDistance = MIN_POINT_DISTANCE) {
  if (!Number.isFinite(point.x) || !Number.isFinite(point.y)) return false;
  const last = stroke[stroke.length - 1];
  if (last && Math.hypot(point.x - last.x, point.y - last.y) < minDistance) return false;
  stroke.push({ x: point.x, y: point.y });
  return true;
}

/**
 * Drawing commands for one stroke: a dot for a tap, otherwise a path through
 * the midpoints of successive points with the points as quadratic control
 * points, which rounds the polyline's corners into a smooth curve.
 * @param {{x: number, y: number}[]} points
 * @returns {Array<{op: "dot", x: number, y: number} | {op: "move" | "line", x: number, y: number} | {op: "quad", cx: number, cy: number, x: number, y: number}>}
 */
export function strokePath(points) {
  if (points.length === 0) return [];
  const first = points[0];
  if (points.length === 1) return [{ op: "dot", x: first.x, y: first.y }];
  if (points.length === 2) {
    return [
      { op: "move", x: first.x, y: first.y },
      { op: "line", x: points[1].x, y: points[1].y },
    ];
  }
  const commands = [{ op: "move", x: first.x, y: first.y }];
  for (let i = 1; i < points.length - 1; i += 1) {
    const control = points[i];
    const next = points[i + 1];
    commands.push({
      op: "quad",
      cx: control.x,
      cy: control.y,
      x: (control.x + next.x) / 2,
      y: (control.y + next.y) / 2,
    });
  }
  const last = points[points.length - 1];
  commands.push({ op: "line", x: last.x, y: last.y });
  return commands;
}

/**
 * Bounding box of the ink the strokes leave on the canvas: the points widened
 * by half the brush, clipped to the canvas. Null when nothing lands on it.
 * @param {{x: number, y: number}[][]} strokes
 * @returns {{left: number, top: number, right: number, bottom: number} | null}
 */
export function inkBounds(strokes, brush = BRUSH_SIZE, size = CANVAS_SIZE) {
  const half = brush / 2;
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const stroke of strokes) {
    for (const { x, y } of stroke) {
      left = Math.min(left, x - half);
      top = Math.min(top, y - half);
      right = Math.max(right, x + half);
      bottom = Math.max(bottom, y + half);
    }
  }
  if (left === Infinity) return null;
  const box = {
    left: Math.max(0, left),
    top: Math.max(0, top),
    right: Math.min(size, right),
    bottom: Math.min(size, bottom),
  };
  if (box.right <= box.left || box.bottom <= box.top) return null;
  return box;
}
