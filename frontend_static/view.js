// The API's answers -> what the page shows. Pure: no DOM, so node --test
// covers every branch; app.js only copies these fields into elements.

import { formatPercent, translate } from "./i18n.js";

export const DIGITS = Object.freeze([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
/** Other digits at least this likely are offered as alternatives when unsure. */
export const ALTERNATIVE_MIN = 0.1;
/** Errors a second attempt cannot fix: the drawing itself was refused. */
const FINAL_ERRORS = new Set(["too_large", "unsupported_media_type", "invalid_request"]);
const KNOWN_ERRORS = new Set([
  "network",
  "timeout",
  "invalid_image",
  "too_large",
  "unsupported_media_type",
  "invalid_request",
  "model_unavailable",
  "rate_limited",
  "internal",
  "bad_response",
]);
// Only an image the API drew may become the preview's src.
const PREVIEW_URL = /^data:image\/(?:png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/;
const NUMBER = /^\d{1,64}$/;

/**
 * @typedef {object} Bar
 * @property {number} digit
 * @property {number} value probability in [0, 1], also the bar's length
 * @property {string} percent the value as text, e.g. "97.1%"
 * @property {boolean} top whether this is the answer
 * @property {string} label "7: 97.1%", the row's accessible text
 */

/**
 * @param {{digit: number, confidence: number, probabilities: number[], uncertain?: boolean,
 *   model_version?: string, preview?: string}} answer a body that passed isAnswer
 * @param {string} lang
 */
export function answerView(answer, lang) {
  const single = singleView(answer, lang);
  if (single.boxes.length < 2 || single.number.length < 2) return single;
  // Several digits read: the number is the answer. The whole-drawing fields (one digit,
  // its probabilities, its 28x28 preview) describe no digit of it, so they are not shown;
  // each digit is, with the 28x28 it was read from and its confidence.
  const confidences = answer.digits.map((read) => Number(read?.confidence));
  const least = confidences.every(Number.isFinite) ? Math.min(...confidences) : 0;
  const percent = formatPercent(lang, least);
  return {
    ...single,
    digit: single.number,
    confidence: percent,
    uncertain: false,
    notice: "",
    alternatives: "",
    bars: emptyBars(lang),
    preview: "",
    isNumber: true,
    digitsRead: digitsRead(answer.digits, lang),
    announcement: translate(lang, "announce", { digit: single.number, percent }),
  };
}

/**
 * Each digit of a number as shown beside it: the digit, its confidence, its 28x28.
 * @param {{digit: number, confidence: number, preview?: string | null}[]} digits
 * @param {string} lang
 */
export function digitsRead(digits, lang) {
  return digits.map((read) => {
    const digit = String(read.digit);
    const confidence = Number(read.confidence);
    return {
      digit,
      percent: Number.isFinite(confidence) ? formatPercent(lang, confidence) : "–",
      preview: safePreview(read.preview),
      alt: translate(lang, "numberDigitAlt", { digit }),
    };
  });
}

function safePreview(url) {
  return typeof url === "string" && PREVIEW_URL.test(url) ? url : "";
}

function singleView(answer, lang) {
  const uncertain = answer.uncertain === true;
  const percent = formatPercent(lang, answer.confidence);
  const digit = String(answer.digit);
  const others = DIGITS.filter(
    (d) => d !== answer.digit && answer.probabilities[d] >= ALTERNATIVE_MIN,
  ).sort((a, b) => answer.probabilities[b] - answer.probabilities[a]);
  return {
    digit,
    confidence: percent,
    uncertain,
    notice: uncertain ? translate(lang, "uncertain") : "",
    alternatives:
      uncertain && others.length > 0
        ? translate(lang, "alternatives", { digits: joinDigits(lang, others) })
        : "",
    bars: answer.probabilities.map((value, d) => bar(lang, d, value, d === answer.digit)),
    preview: safePreview(answer.preview),
    isNumber: false,
    digitsRead: [],
    modelVersion: typeof answer.model_version === "string" ? answer.model_version : "",
    number: typeof answer.number === "string" && NUMBER.test(answer.number) ? answer.number : digit,
    boxes: digitBoxes(answer.digits),
    announcement: translate(lang, uncertain ? "announceUncertain" : "announce", { digit, percent }),
  };
}

/** The ten rows before any answer: empty bars, a dash for each value. */
export function emptyBars(lang) {
  return DIGITS.map((d) => ({
    digit: d,
    value: 0,
    percent: "–",
    top: false,
    label: translate(lang, "probabilityRow", { digit: d, percent: "–" }),
  }));
}

/**
 * An error code (the API's `error`, or one of api.js's own) -> the banner.
 * @param {string} code
 * @param {string} lang
 * @param {string} [requestId]
 */
export function errorView(code, lang, requestId = "") {
  const known = KNOWN_ERRORS.has(code) ? code : "unknown";
  return {
    message: translate(lang, `error.${known}`),
    retryable: !FINAL_ERRORS.has(known),
    requestId: requestId ? translate(lang, "requestId", { id: requestId }) : "",
  };
}

/**
 * The boxes of the digits read (canvas pixels), only if every one is well formed:
 * an older API sends none, and a malformed answer outlines nothing.
 * @param {unknown} digits
 * @returns {{left: number, top: number, right: number, bottom: number}[]}
 */
export function digitBoxes(digits) {
  if (!Array.isArray(digits)) return [];
  const boxes = digits.map((read) => read?.box);
  const valid = boxes.every(
    (b) =>
      b !== null &&
      typeof b === "object" &&
      [b.left, b.top, b.right, b.bottom].every(Number.isFinite) &&
      b.left < b.right &&
      b.top < b.bottom,
  );
  return valid ? boxes.map(({ left, top, right, bottom }) => ({ left, top, right, bottom })) : [];
}

function bar(lang, digit, value, top) {
  const percent = formatPercent(lang, value);
  return { digit, value, percent, top, label: translate(lang, "probabilityRow", { digit, percent }) };
}

function joinDigits(lang, digits) {
  const words = digits.map(String);
  return new Intl.ListFormat(lang, { style: "long", type: "disjunction" }).format(words);
}
