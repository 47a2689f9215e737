import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { answerView, digitBoxes, digitsRead } from "../../../frontend_static/view.js";

const BOX = { left: 10, top: 20, right: 110, bottom: 200 };
const FOUR = "data:image/png;base64,iVBORw0KGgoAAAA4";
const SEVEN = "data:image/png;base64,iVBORw0KGgoAAAA7";

function answer(overrides = {}) {
  return {
    digit: 4,
    confidence: 0.5,
    probabilities: [0, 0, 0, 0, 0.5, 0, 0, 0.5, 0, 0],
    uncertain: true,
    number: "47",
    digits: [
      { digit: 4, confidence: 0.99, box: BOX, preview: FOUR },
      {
        digit: 7,
        confidence: 0.98,
        box: { left: 300, top: 30, right: 400, bottom: 210 },
        preview: SEVEN,
      },
    ],
    ...overrides,
  };
}

describe("numbers in answerView", () => {
  it("gives the number read and the boxes to outline, left to right", () => {
    const view = answerView(answer(), "en");
    assert.equal(view.number, "47");
    assert.deepEqual(view.boxes, [BOX, { left: 300, top: 30, right: 400, bottom: 210 }]);
  });

  it("falls back to the digit for an older API that sends no number", () => {
    const view = answerView(answer({ number: undefined, digits: undefined }), "en");
    assert.equal(view.number, "4");
    assert.deepEqual(view.boxes, []);
  });

  it("never shows a number that is not digits", () => {
    assert.equal(answerView(answer({ number: "<b>1</b>" }), "en").number, "4");
  });

  it("outlines nothing when any box is malformed", () => {
    assert.deepEqual(digitBoxes([{ box: BOX }, { box: { left: 5, top: 0, right: 5, bottom: 9 } }]), []);
    assert.deepEqual(digitBoxes([{ box: BOX }, { box: null }]), []);
    assert.deepEqual(digitBoxes([{ box: { ...BOX, left: "1" } }]), []);
    assert.deepEqual(digitBoxes("nope"), []);
  });
});

describe("a number as the answer", () => {
  it("shows the number, its least sure digit, and no single-digit details", () => {
    const view = answerView(answer(), "en");
    assert.equal(view.digit, "47");
    assert.equal(view.confidence, "98.0%");
    assert.equal(view.uncertain, false);
    assert.equal(view.notice, "");
    assert.equal(view.alternatives, "");
    assert.equal(view.preview, "");
    assert.ok(view.bars.every((bar) => bar.value === 0 && !bar.top));
    assert.match(view.announcement, /47/);
    assert.equal(view.isNumber, true);
  });

  it("shows each digit with the 28x28 it was read from and its confidence", () => {
    const view = answerView(answer(), "en");
    assert.deepEqual(
      view.digitsRead.map(({ digit, percent, preview }) => [digit, percent, preview]),
      [
        ["4", "99.0%", FOUR],
        ["7", "98.0%", SEVEN],
      ],
    );
    assert.match(view.digitsRead[1].alt, /7/);
  });

  it("never uses a per-digit preview that is not an image data URL", () => {
    const hostile = [{ digit: 1, confidence: 0.9, preview: "javascript:alert(1)" }];
    assert.equal(digitsRead(hostile, "en")[0].preview, "");
    assert.equal(digitsRead([{ digit: 1, confidence: "x", preview: null }], "ko")[0].percent, "–");
  });

  it("keeps the single-digit view when one digit was read", () => {
    const one = answer({ number: "4", digits: [{ digit: 4, confidence: 0.5, box: BOX }] });
    const view = answerView(one, "en");
    assert.equal(view.digit, "4");
    assert.equal(view.uncertain, true);
    assert.equal(view.isNumber, false);
    assert.deepEqual(view.digitsRead, []);
    assert.equal(view.bars.filter((bar) => bar.top).length, 1);
  });
});
