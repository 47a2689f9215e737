import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  ApiError,
  codeForStatus,
  endpoint,
  health,
  isAnswer,
  predict,
} from "../../../frontend_static/api.js";

const ANSWER = {
  digit: 3,
  confidence: 0.8,
  probabilities: [0, 0, 0.1, 0.8, 0, 0, 0, 0, 0.1, 0],
  uncertain: false,
  model_version: "v1",
  preview: "data:image/png;base64,AAAA",
};

/** A fetch that records its calls and answers with `respond(url, init)`. */
function fakeFetch(respond) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return respond(url, init);
  };
  return { calls, fetchImpl };
}

/** A fetch that never answers until its signal aborts, like a hung server. */
function hangingFetch() {
  return (url, init) =>
    new Promise((_, reject) => {
      init.signal.addEventListener("abort", () =>
        reject(new DOMException("The operation was aborted.", "AbortError")),
      );
    });
}

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

describe("endpoint", () => {
  it("is same-origin for an empty base URL", () => {
    assert.equal(endpoint("", "/predict"), "/predict");
    assert.equal(endpoint(undefined, "/predict"), "/predict");
  });

  it("joins a deployed base URL without a double slash", () => {
    assert.equal(endpoint("https://api.test/prod/", "/predict"), "https://api.test/prod/predict");
    assert.equal(endpoint(" https://api.test ", "/health"), "https://api.test/health");
  });
});

describe("predict", () => {
  it("POSTs the data URL as JSON and returns the answer", async () => {
    const { calls, fetchImpl } = fakeFetch(() => json(ANSWER));
    const answer = await predict("data:image/png;base64,xyz", { baseUrl: "https://api.test/", fetchImpl });
    assert.deepEqual(answer, ANSWER);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, "https://api.test/predict");
    assert.equal(calls[0].init.method, "POST");
    assert.equal(calls[0].init.headers["Content-Type"], "application/json");
    assert.deepEqual(JSON.parse(calls[0].init.body), { image: "data:image/png;base64,xyz" });
  });

  it("maps the API's error body to its code, message and request id", async () => {
    const body = { error: "model_unavailable", message: "loading", request_id: "req-9" };
    const { fetchImpl } = fakeFetch(() => json(body, 503));
    await assert.rejects(predict("x", { fetchImpl }), (error) => {
      assert.equal(error.code, "model_unavailable");
      assert.equal(error.status, 503);
      assert.equal(error.requestId, "req-9");
      assert.equal(error.message, "loading");
      return true;
    });
  });

  it("passes every contract error code through", async () => {
    for (const [status, code] of [
      [400, "invalid_image"],
      [413, "too_large"],
      [415, "unsupported_media_type"],
      [422, "empty_canvas"],
      [422, "invalid_request"],
      [500, "internal"],
    ]) {
      const { fetchImpl } = fakeFetch(() => json({ error: code, message: "m", request_id: "r" }, status));
      await rejectsWith(predict("x", { fetchImpl }), code);
    }
  });

  it("falls back to the status when a gateway answers without the API's body", async () => {
    const html = () => new Response("<html>Bad Gateway</html>", { status: 502 });
    await rejectsWith(predict("x", { fetchImpl: fakeFetch(html).fetchImpl }), "internal");
    const throttled = () => json({ message: "Too Many Requests" }, 429);
    await rejectsWith(predict("x", { fetchImpl: fakeFetch(throttled).fetchImpl }), "rate_limited");
  });

  it("calls a 200 that is not an answer a bad response", async () => {
    const notJson = () => new Response("<html></html>", { status: 200 });
    await rejectsWith(predict("x", { fetchImpl: fakeFetch(notJson).fetchImpl }), "bad_response");
    const wrongShape = () => json({ digit: 12, confidence: 2, probabilities: [] });
    await rejectsWith(predict("x", { fetchImpl: fakeFetch(wrongShape).fetchImpl }), "bad_response");
  });

  it("reports an unreachable server as a network error", async () => {
    const fetchImpl = async () => {
      throw new TypeError("Failed to fetch");
    };
    await rejectsWith(predict("x", { fetchImpl }), "network");
  });

  it("gives up after the timeout", async () => {
    await rejectsWith(predict("x", { fetchImpl: hangingFetch(), timeoutMs: 20 }), "timeout");
  });

  it("is cancelled by the caller's signal, and says so", async () => {
    const controller = new AbortController();
    const pending = predict("x", { fetchImpl: hangingFetch(), signal: controller.signal });
    controller.abort();
    await rejectsWith(pending, "aborted");
  });

  it("does not even start when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    let signalSeen = null;
    const fetchImpl = async (url, init) => {
      signalSeen = init.signal;
      throw new DOMException("aborted", "AbortError");
    };
    await rejectsWith(predict("x", { fetchImpl, signal: controller.signal }), "aborted");
    assert.equal(signalSeen.aborted, true);
  });
});

describe("health", () => {
  it("returns the status and model version", async () => {
    const { calls, fetchImpl } = fakeFetch(() => json({ status: "ok", model_version: "v7" }));
    const expected = { status: "ok", model_version: "v7", feedback: false };
    assert.deepEqual(await health({ fetchImpl }), expected);
    assert.equal(calls[0].url, "/health");
  });

  it("says feedback is on only when the API says exactly that", async () => {
    const answer = (feedback) => fakeFetch(() => json({ status: "ok", feedback })).fetchImpl;
    assert.equal((await health({ fetchImpl: answer(true) })).feedback, true);
    for (const feedback of [false, "true", 1, null, undefined]) {
      assert.equal((await health({ fetchImpl: answer(feedback) })).feedback, false, String(feedback));
    }
  });

  it("returns null rather than failing the page", async () => {
    const down = async () => {
      throw new TypeError("Failed to fetch");
    };
    assert.equal(await health({ fetchImpl: down }), null);
    const html = () => new Response("nope", { status: 404 });
    assert.equal(await health({ fetchImpl: fakeFetch(html).fetchImpl }), null);
  });
});

describe("isAnswer and codeForStatus", () => {
  it("accepts the contract's shape only", () => {
    assert.equal(isAnswer(ANSWER), true);
    assert.equal(isAnswer(null), false);
    assert.equal(isAnswer({ ...ANSWER, digit: "3" }), false);
    assert.equal(isAnswer({ ...ANSWER, digit: 3.5 }), false);
    assert.equal(isAnswer({ ...ANSWER, probabilities: ANSWER.probabilities.slice(1) }), false);
    assert.equal(isAnswer({ ...ANSWER, probabilities: [...ANSWER.probabilities.slice(1), "0"] }), false);
    assert.equal(isAnswer({ ...ANSWER, confidence: Number.NaN }), false);
  });

  it("maps statuses the way the contract pairs them", () => {
    assert.equal(codeForStatus(413), "too_large");
    assert.equal(codeForStatus(415), "unsupported_media_type");
    assert.equal(codeForStatus(503), "model_unavailable");
    assert.equal(codeForStatus(504), "timeout");
    assert.equal(codeForStatus(500), "internal");
    assert.equal(codeForStatus(404), "unknown");
  });
});
