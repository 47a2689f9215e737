// The drawing pad: Pointer Events in (mouse, touch, pen), strokes kept as
// points in 280x280 canvas units, painted at the screen's real pixel density,
// and exported as the API contract's image: a 280x280 PNG, black ink on white,
// brush 25.

import { BRUSH_SIZE, CANVAS_SIZE, appendPoint, strokePath, toCanvasPoint } from "./geometry.js";
import * as history from "./history.js";

const INK = "#000000";
const PAPER = "#ffffff";

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
    for (const command of strokePath(stroke)) {
      if (command.op === "dot") {
        ctx.arc(command.x, command.y, brush / 2, 0, Math.PI * 2);
        ctx.fill();
      } else if (command.op === "move") {
        ctx.moveTo(command.x, command.y);
      } else if (command.op === "line") {
        ctx.lineTo(command.x, command.y);
      } else {
        ctx.quadraticCurveTo(command.cx, command.cy, command.x, command.y);
      }
    }
    ctx.stroke();
  }
  ctx.restore();
}

/**
 * The image the API receives, rendered afresh at exactly 280x280 whatever the
 * screen's size or density.
 * @returns {{dataUrl: string, image: ImageData}}
 */
export function exportImage(strokes) {
  const canvas = document.createElement("canvas");
  canvas.width = CANVAS_SIZE;
  canvas.height = CANVAS_SIZE;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.fillStyle = PAPER;
  ctx.fillRect(0, 0, CANVAS_SIZE, CANVAS_SIZE);
  paintStrokes(ctx, strokes);
  return {
    dataUrl: canvas.toDataURL("image/png"),
    image: ctx.getImageData(0, 0, CANVAS_SIZE, CANVAS_SIZE),
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
      appendPoint(this.current, toCanvasPoint(e.clientX, e.clientY, rect));
    }
  }

  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const side = Math.max(1, Math.round(rect.width * window.devicePixelRatio));
    if (this.canvas.width !== side || this.canvas.height !== side) {
      this.canvas.width = side;
      this.canvas.height = side;
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
    paintStrokes(ctx, this.strokes(), canvas.width / CANVAS_SIZE);
  }
}
