import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { answerView, emptyBars, errorView } from "../../../frontend_static/view.js";

const PREVIEW = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function answer(overrides = {}) {
  const probabilities = [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.9712, 0.0008, 0];
  return {
    digit: 7,
    confidence: 0.9712,
    probabilities,
    uncertain: false,
    model_version: "2026-11-26-abc",
    preview: PREVIEW,
    ...overrides,
  };
}

describe("answerView", () => {
  it("shows the digit alone, the confidence as a percentage and ten bars", () => {
    const view = answerView(answer(), "en");
    assert.equal(view.digit, "7");
    assert.equal(view.confidence, "97.1%");
    assert.equal(view.bars.length, 10);
    assert.deepEqual(
      view.bars.map((b) => b.digit),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(view.modelVersion, "2026-11-26-abc");
  });

  it("marks exactly the answer's bar and gives every bar its value as text", () => {
    const view = answerView(answer(), "en");
    assert.deepEqual(
      view.bars.filter((b) => b.top).map((b) => b.digit),
      [7],
    );
    assert.equal(view.bars[7].value, 0.9712);
    assert.equal(view.bars[7].percent, "97.1%");
    assert.equal(view.bars[7].label, "7: 97.1%");
    assert.equal(view.bars[9].percent, "0.0%");
  });

  it("announces the answer in the chosen language", () => {
    assert.equal(answerView(answer(), "en").announcement, "Prediction: 7, confidence 97.1%.");
    assert.equal(answerView(answer(), "ko").announcement, "예측: 7, 확신도 97.1%.");
  });

  it("says nothing extra when the model is sure", () => {
    const view = answerView(answer(), "en");
    assert.equal(view.uncertain, false);
    assert.equal(view.notice, "");
    assert.equal(view.alternatives, "");
  });

  it("asks to draw again and offers likely alternatives when unsure", () => {
    const probabilities = [0, 0.35, 0, 0, 0, 0, 0, 0.45, 0, 0.2];
    const view = answerView(
      answer({ digit: 7, confidence: 0.45, probabilities, uncertain: true }),
      "en",
    );
    assert.equal(view.uncertain, true);
    assert.match(view.notice, /Not sure/);
    assert.equal(view.alternatives, "Could it be 1 or 9?");
    assert.match(view.announcement, /Not sure/);
    const ko = answerView(answer({ confidence: 0.45, probabilities, uncertain: true }), "ko");
    assert.equal(ko.alternatives, "혹시 1 또는 9 인가요?");
  });

  it("offers no alternatives when no other digit is likely", () => {
    const probabilities = [0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.4, 0.06, 0.08];
    const view = answerView(answer({ confidence: 0.4, probabilities, uncertain: true }), "en");
    assert.equal(view.alternatives, "");
    assert.notEqual(view.notice, "");
  });

  it("uses the preview only if it is an image data URL", () => {
    assert.equal(answerView(answer(), "en").preview, PREVIEW);
    for (const preview of [
      undefined,
      "",
      "javascript:alert(1)",
      "https://example.com/x.png",
      "data:text/html;base64,PHNjcmlwdD4=",
      'data:image/png;base64,AAAA" onerror="x',
    ]) {
      assert.equal(answerView(answer({ preview }), "en").preview, "", String(preview));
    }
  });

  it("tolerates a missing model version", () => {
    assert.equal(answerView(answer({ model_version: undefined }), "en").modelVersion, "");
  });
});

describe("emptyBars", () => {
  it("has ten empty rows with a dash as the value", () => {
    const bars = emptyBars("ko");
    assert.equal(bars.length, 10);
    assert.ok(bars.every((b) => b.value === 0 && b.percent === "–" && !b.top));
  });
});

describe("errorView", () => {
  it("maps each API error code to its own message", () => {
    const codes = [
      "invalid_image",
      "too_large",
      "unsupported_media_type",
      "invalid_request",
      "model_unavailable",
      "internal",
      "network",
      "timeout",
      "rate_limited",
      "bad_response",
    ];
    const messages = new Set(codes.map((code) => errorView(code, "en").message));
    assert.equal(messages.size, codes.length);
    assert.equal(errorView("model_unavailable", "en").message.includes("unavailable"), true);
  });

  it("falls back to a generic message for codes it does not know", () => {
    assert.equal(errorView("teapot", "en").message, "Something unexpected went wrong.");
    assert.equal(errorView("teapot", "ko").message, "알 수 없는 오류가 발생했습니다.");
  });

  it("offers a retry only when a second attempt can help", () => {
    assert.equal(errorView("network", "en").retryable, true);
    assert.equal(errorView("timeout", "en").retryable, true);
    assert.equal(errorView("model_unavailable", "en").retryable, true);
    assert.equal(errorView("internal", "en").retryable, true);
    assert.equal(errorView("too_large", "en").retryable, false);
    assert.equal(errorView("unsupported_media_type", "en").retryable, false);
  });

  it("shows the request id when the API sent one", () => {
    assert.equal(errorView("internal", "en", "abc123").requestId, "Request ID: abc123");
    assert.equal(errorView("internal", "en").requestId, "");
  });
});
