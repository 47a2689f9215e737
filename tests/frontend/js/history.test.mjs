import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  EMPTY,
  addStroke,
  canUndo,
  clear,
  undo,
  visibleStrokes,
} from "../../../frontend_static/history.js";

const a = [{ x: 1, y: 1 }];
const b = [{ x: 2, y: 2 }];
const c = [{ x: 3, y: 3 }];

describe("drawing history", () => {
  it("starts empty with nothing to undo", () => {
    assert.deepEqual(visibleStrokes(EMPTY), []);
    assert.equal(canUndo(EMPTY), false);
  });

  it("shows strokes in the order drawn and undoes the last one", () => {
    const h = addStroke(addStroke(EMPTY, a), b);
    assert.deepEqual(visibleStrokes(h), [a, b]);
    assert.deepEqual(visibleStrokes(undo(h)), [a]);
    assert.deepEqual(visibleStrokes(undo(undo(h))), []);
  });

  it("ignores empty strokes", () => {
    assert.equal(addStroke(EMPTY, []), EMPTY);
  });

  it("lets undo bring back a cleared drawing", () => {
    const h = clear(addStroke(addStroke(EMPTY, a), b));
    assert.deepEqual(visibleStrokes(h), []);
    assert.equal(canUndo(h), true);
    assert.deepEqual(visibleStrokes(undo(h)), [a, b]);
  });

  it("shows only the strokes after the last clear", () => {
    const h = addStroke(clear(addStroke(EMPTY, a)), c);
    assert.deepEqual(visibleStrokes(h), [c]);
  });

  it("records nothing when clearing an empty canvas", () => {
    assert.equal(clear(EMPTY), EMPTY);
    const cleared = clear(addStroke(EMPTY, a));
    assert.equal(clear(cleared), cleared);
  });

  it("never mutates its argument", () => {
    const h = addStroke(EMPTY, a);
    const copy = [...h];
    addStroke(h, b);
    clear(h);
    undo(h);
    assert.deepEqual(h, copy);
    assert.equal(Object.isFrozen(EMPTY), true);
  });
});
