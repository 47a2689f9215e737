// The drawing as a list of actions, so that undo can take back a stroke and
// also a "clear" (a misclick on Clear should not lose the drawing). Pure:
// every function returns a new history and never mutates its argument.

/**
 * @typedef {{x: number, y: number}[]} Stroke
 * @typedef {{type: "stroke", stroke: Stroke} | {type: "clear"}} Action
 * @typedef {readonly Action[]} History
 */

/** @type {History} */
export const EMPTY = Object.freeze([]);

/** @returns {History} */
export function addStroke(history, stroke) {
  if (stroke.length === 0) return history;
  return [...history, { type: "stroke", stroke }];
}

/** Clearing an already empty canvas records nothing, so undo stays meaningful. */
export function clear(history) {
  if (visibleStrokes(history).length === 0) return history;
  return [...history, { type: "clear" }];
}

export function undo(history) {
  return history.slice(0, -1);
}

export function canUndo(history) {
  return history.length > 0;
}

/** The strokes on the canvas now: those after the last clear. */
export function visibleStrokes(history) {
  const strokes = [];
  for (const action of history) {
    if (action.type === "clear") strokes.length = 0;
    else strokes.push(action.stroke);
  }
  return strokes;
}
