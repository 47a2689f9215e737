// The drawing pad: Pointer Events in (mouse, touch, pen), strokes kept as
// points in 280x280 canvas units, painted at the screen's real pixel density,
// and exported as the API contract's image: a 280x280 PNG, black ink on white,
// brush 25.

import { BRUSH_SIZE, CANVAS_SIZE, appendPoint, strokePath, toCanvasPoint } from "./geometry.js";
import * as history from "./history.js";

const INK = "#000000";
const PAPER = "#ffffff";
const BOX = "#2563eb";

/**
 * Paint strokes (canvas units) onto a 2D context scaled by `scale`.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{x: number, y: number}[][]} strokes
 */
export function paintStrokes(ctx, strokes, scale = 1, color = INK, brush = BRUSH_SIZE) {
  ctx.save();
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.lineWidth = brush;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  for (const stroke of strokes) {
    ctx.beginPath();
    let dot = false;
    for (const command of strokePath(stroke)) {
      if (command.op === "dot") {
        ctx.arc(command.x, command.y, brush / 2, 0, Math.PI * 2);
        dot = true;
      } else if (command.op === "move") {
        ctx.moveTo(command.x, command.y);
      } else if (command.op === "line") {
        ctx.lineTo(command.x, command.y);
      } else {
        ctx.quadraticCurveTo(command.cx, command.cy, command.x, command.y);
      }
    }
    // A tap is a disc as wide as the brush: filled, not also outlined with the brush,
    // which would paint it twice as wide.
    if (dot) ctx.fill();
    else ctx.stroke();
  }
  ctx.restore();
}

/**
 * The image the API receives, rendered afresh at exactly `width`x280 (280, or
 * 560 in number mode) whatever the screen's size or density.
 * @returns {{dataUrl: string, image: ImageData}}
 */
export function exportImage(strokes, width = CANVAS_SIZE) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = CANVAS_SIZE;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.fillStyle = PAPER;
  ctx.fillRect(0, 0, width, CANVAS_SIZE);
  paintStrokes(ctx, strokes);
  return {
    dataUrl: canvas.toDataURL("image/png"),
    image: ctx.getImageData(0, 0, width, CANVAS_SIZE),
  };
}

export class DrawingPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onStrokeStart?: () => void, onStrokeEnd?: () => void}} [hooks]
   */
  constructor(canvas, hooks = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.hooks = hooks;
    this.history = history.EMPTY;
    /** Width in canvas units: CANVAS_SIZE, or NUMBER_WIDTH in number mode. */
    this.width = CANVAS_SIZE;
    /** Boxes of the digits read, in canvas units, outlined over the ink. */
    this.boxes = [];
    /** @type {{x: number, y: number}[] | null} the stroke being drawn */
    this.current = null;
    this.pointerId = null;
    this.frame = 0;
    this.listen();
    this.resize();
  }

  /** The strokes on the canvas, including one still being drawn. */
  strokes() {
    const done = history.visibleStrokes(this.history);
    return this.current ? [...done, this.current] : done;
  }

  canUndo() {
    return history.canUndo(this.history);
  }

  undo() {
    this.history = history.undo(this.history);
    this.render();
  }

  clear() {
    this.history = history.clear(this.history);
    this.render();
  }

  /** Switch between the square and the number canvas; the drawing starts afresh. */
  setWidth(width) {
    this.width = width;
    this.history = history.EMPTY;
    this.boxes = [];
    this.canvas.dataset.width = String(width);
    this.resize();
  }

  /** @param {{left: number, top: number, right: number, bottom: number}[]} boxes */
  setBoxes(boxes) {
    this.boxes = boxes;
    this.canvas.dataset.boxes = String(boxes.length);
    this.render();
  }

  listen() {
    const canvas = this.canvas;
    canvas.addEventListener("pointerdown", (event) => this.onDown(event));
    canvas.addEventListener("pointermove", (event) => this.onMove(event));
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, (event) => this.onUp(event));
    }
    // Keep the backing store at the screen's density as the layout or the
    // zoom level (devicePixelRatio) changes.
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.watchDensity();
  }

  watchDensity() {
    const query = matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
    query.addEventListener(
      "change",
      () => {
        this.resize();
        this.watchDensity();
      },
      { once: true },
    );
  }

  onDown(event) {
    // One stroke at a time: a second finger or a right click is not ink.
    if (this.pointerId !== null) return;
    if (event.pointerType === "mouse" && event.button !== 0) return;
    try {
      this.canvas.setPointerCapture(event.pointerId);
    } catch {
      // Capture only keeps a stroke alive outside the canvas; drawing works without it.
    }
    this.pointerId = event.pointerId;
    this.current = [];
    this.addPoints(event);
    this.hooks.onStrokeStart?.();
    this.scheduleRender();
  }

  onMove(event) {
    if (event.pointerId !== this.pointerId || this.current === null) return;
    event.preventDefault();
    this.addPoints(event);
    this.scheduleRender();
  }

  onUp(event) {
    if (event.pointerId !== this.pointerId || this.current === null) return;
    if (event.type === "pointerup") this.addPoints(event);
    this.history = history.addStroke(this.history, this.current);
    this.current = null;
    this.pointerId = null;
    this.render();
    this.hooks.onStrokeEnd?.();
  }

  addPoints(event) {
    const rect = this.canvas.getBoundingClientRect();
    // Coalesced events carry the points a fast stroke made between frames.
    const coalesced = event.getCoalescedEvents?.() ?? [];
    for (const e of coalesced.length > 0 ? coalesced : [event]) {
      const point = toCanvasPoint(e.clientX, e.clientY, rect);
      point.x *= this.width / CANVAS_SIZE; // a wide canvas has more units across
      appendPoint(this.current, point);
    }
  }

  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const width = Math.max(1, Math.round(rect.width * window.devicePixelRatio));
    const height = Math.max(1, Math.round(rect.height * window.devicePixelRatio));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.render();
  }

  scheduleRender() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render() {
    const { ctx, canvas } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const scale = canvas.width / this.width;
    paintStrokes(ctx, this.strokes(), scale);
    // Boxes are in the sent image's pixels (canvas units): scaled like the ink.
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.strokeStyle = BOX;
    ctx.lineWidth = 2 / scale;
    for (const box of this.boxes) {
      ctx.strokeRect(box.left, box.top, box.right - box.left, box.bottom - box.top);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }
}
