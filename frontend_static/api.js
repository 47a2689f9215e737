// The API client: POST /predict and GET /health, with cancellation, a timeout
// and every failure turned into an ApiError whose `code` is the API's own
// `error` code (see the API contract) or one of: network, timeout, aborted,
// rate_limited, bad_response, unknown.

/** A cold Lambda start plus model load takes seconds; longer than this is a failure. */
export const DEFAULT_TIMEOUT_MS = 20000;

export class ApiError extends Error {
  /**
   * @param {string} code
   * @param {{status?: number, detail?: string, requestId?: string}} [info]
   */
  constructor(code, { status = 0, detail = "", requestId = "" } = {}) {
    super(detail || code);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

/** The base URL ("" = same origin, else the API stage URL) + path, without a double slash. */
export function endpoint(baseUrl, path) {
  return `${String(baseUrl ?? "").trim().replace(/\/+$/, "")}${path}`;
}

/**
 * Ask the API which digit the image shows.
 * @param {string} image a data URL of the canvas PNG
 * @param {{baseUrl?: string, signal?: AbortSignal, timeoutMs?: number, fetchImpl?: typeof fetch}} [options]
 *   signal: abort when the drawing changes (rejects with code "aborted")
 * @returns {Promise<{digit: number, confidence: number, probabilities: number[], uncertain: boolean,
 *   model_version: string, preview: string}>}
 */
export async function predict(image, options = {}) {
  const { baseUrl = "", signal, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const call = abortable(signal, timeoutMs);
  try {
    let response;
    try {
      response = await fetchImpl(endpoint(baseUrl, "/predict"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ image }),
        signal: call.signal,
      });
    } catch (error) {
      throw call.reason() ?? new ApiError("network", { detail: String(error) });
    }
    const body = await readJson(response, call);
    if (!response.ok) throw httpError(response.status, body);
    if (!isAnswer(body)) throw new ApiError("bad_response", { status: response.status });
    return body;
  } finally {
    call.release();
  }
}

/**
 * POST /feedback: the drawing as sent to /predict, what it answered and the right digit.
 * Resolves when stored (201); rejects with an ApiError (e.g. feedback_unavailable).
 * @param {{image: string, predicted: number, correct: number, model_version?: string}} report
 */
export async function sendFeedback(report, options = {}) {
  const { baseUrl = "", timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const call = abortable(undefined, timeoutMs);
  try {
    let response;
    try {
      response = await fetchImpl(endpoint(baseUrl, "/feedback"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(report),
        signal: call.signal,
      });
    } catch (error) {
      throw call.reason() ?? new ApiError("network", { detail: String(error) });
    }
    const body = await readJson(response, call);
    if (!response.ok) throw httpError(response.status, body);
  } finally {
    call.release();
  }
}

/**
 * GET /health: {status, model_version, feedback}, or null when it cannot be had
 * (the page still works; the footer's model line stays empty and nothing optional,
 * such as feedback, is offered). `feedback` is true only when the API says so.
 */
export async function health(options = {}) {
  const { baseUrl = "", timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const call = abortable(undefined, timeoutMs);
  try {
    const response = await fetchImpl(endpoint(baseUrl, "/health"), {
      headers: { Accept: "application/json" },
      signal: call.signal,
    });
    const body = await readJson(response, call);
    if (body === null || typeof body !== "object" || typeof body.status !== "string") return null;
    return {
      status: body.status,
      model_version: typeof body.model_version === "string" ? body.model_version : null,
      feedback: body.feedback === true,
    };
  } catch {
    return null;
  } finally {
    call.release();
  }
}

/**
 * Whether a 200 body has the contract's shape.
 * @param {unknown} body
 */
export function isAnswer(body) {
  if (body === null || typeof body !== "object") return false;
  const { digit, confidence, probabilities } = /** @type {Record<string, unknown>} */ (body);
  return (
    Number.isInteger(digit) &&
    digit >= 0 &&
    digit <= 9 &&
    isProbability(confidence) &&
    Array.isArray(probabilities) &&
    probabilities.length === 10 &&
    probabilities.every(isProbability)
  );
}

/**
 * An error response -> ApiError. The API always sends {"error": code}; a
 * gateway or proxy in front of it may not, so the status is the fallback.
 */
export function httpError(status, body) {
  const fromBody = body !== null && typeof body === "object" ? body : {};
  const code =
    typeof fromBody.error === "string" && fromBody.error ? fromBody.error : codeForStatus(status);
  return new ApiError(code, {
    status,
    detail: typeof fromBody.message === "string" ? fromBody.message : "",
    requestId: typeof fromBody.request_id === "string" ? fromBody.request_id : "",
  });
}

export function codeForStatus(status) {
  switch (status) {
    case 400:
      return "invalid_image";
    case 413:
      return "too_large";
    case 415:
      return "unsupported_media_type";
    case 422:
      return "invalid_request";
    case 429:
      return "rate_limited";
    case 503:
      return "model_unavailable";
    case 504:
      return "timeout";
    default:
      return status >= 500 ? "internal" : "unknown";
  }
}

function isProbability(value) {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 1;
}

async function readJson(response, call) {
  try {
    return await response.json();
  } catch (error) {
    // The body can also fail because we aborted mid-download.
    const reason = call.reason();
    if (reason) throw reason;
    if (response.ok) throw new ApiError("bad_response", { status: response.status, detail: String(error) });
    return null;
  }
}

/**
 * One AbortController fed by the caller's signal and by a timer, which
 * remembers which of the two fired. setTimeout (not AbortSignal.timeout) so a
 * test's fake clock can drive it.
 */
function abortable(outer, timeoutMs) {
  const controller = new AbortController();
  let cause = null;
  const onOuterAbort = () => {
    cause ??= "aborted";
    controller.abort();
  };
  const timer = setTimeout(() => {
    cause ??= "timeout";
    controller.abort();
  }, timeoutMs);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener("abort", onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    reason: () => (cause ? new ApiError(cause) : null),
    release() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
    },
  };
}
