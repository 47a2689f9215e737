// Wiring: the drawing pad, the API client and the view models meet the DOM
// here. Decisions live in the pure modules; this file only routes events.

import { ApiError, health, predict, sendFeedback } from "./api.js";
import { isBlankDrawing, isBlankImage } from "./blank.js";
import { DrawingPad, exportImage } from "./canvas.js";
import { API_BASE_URL } from "./config.js";
import { CANVAS_SIZE, NUMBER_WIDTH } from "./geometry.js";
import { otherLanguage, pickLanguage, translate } from "./i18n.js";
import { answerView, emptyBars, errorView } from "./view.js";

/** Pause after a stroke ends before asking, so a multi-stroke digit is asked about once. */
const AUTO_DELAY_MS = 400;
const STORE_LANG = "digit-lambda.lang";
const STORE_AUTO = "digit-lambda.auto";
const STORE_NUMBER = "digit-lambda.number";

const $ = (id) => document.getElementById(id);
const el = {
  canvas: $("pad"),
  padFrame: $("pad-frame"),
  numberMode: $("number-mode"),
  numberLine: $("number-line"),
  number: $("number"),
  feedback: $("feedback"),
  feedbackDigits: $("feedback-digits"),
  feedbackStatus: $("feedback-status"),
  undo: $("undo"),
  clear: $("clear"),
  predict: $("predict"),
  predictLabel: $("predict-label"),
  auto: $("auto"),
  langToggle: document.querySelector("[data-testid=lang-toggle]"),
  result: $("result"),
  error: $("error"),
  errorMessage: $("error-message"),
  errorId: $("error-id"),
  retry: $("retry"),
  dismiss: $("dismiss"),
  prediction: $("prediction"),
  confidenceLine: $("confidence-line"),
  confidence: $("confidence"),
  notice: $("notice"),
  alternatives: $("alternatives"),
  preview: $("preview"),
  previewEmpty: $("preview-empty"),
  details: $("details"),
  numberDigits: $("number-digits"),
  digitStrip: $("digit-strip"),
  bars: $("probabilities"),
  modelVersion: $("model-version"),
  announcer: $("announcer"),
};

const state = {
  lang: pickLanguage(load(STORE_LANG), navigator.languages ?? [navigator.language]),
  /** The last answer, kept to re-render it in the other language. */
  answer: null,
  /** Whether the drawing changed since that answer. */
  stale: false,
  /** "blank" when the canvas holds no digit, else null. */
  notice: null,
  /** @type {ApiError | null} */
  error: null,
  loading: false,
  /** What /health said: model version, and which optional features are on. */
  /** @type {{status: string, model_version: string | null, feedback: boolean} | null} */
  health: null,
  /** The request in flight, aborted as soon as the drawing changes. */
  controller: null,
  timer: 0,
  /** The image the last answer is for: what feedback sends. */
  sentImage: "",
  /** "", "sending", "sent:<digit>" or "failed". */
  feedback: "",
};

const pad = new DrawingPad(el.canvas, {
  onStrokeStart: () => {
    // The drawing is changing: whatever is being asked is already out of date.
    cancelPending();
  },
  onStrokeEnd: () => drawingChanged(),
});

buildFeedbackDigits();
el.auto.checked = load(STORE_AUTO) !== "off";
el.numberMode.checked = load(STORE_NUMBER) === "on";
applyNumberMode();
buildBars();
applyLanguage(state.lang);
render();
health({ baseUrl: API_BASE_URL }).then((info) => {
  state.health = info;
  renderFeedback();
  renderFooter();
});

el.predict.addEventListener("click", () => {
  if (!state.loading) requestPrediction();
});
el.retry.addEventListener("click", () => requestPrediction());
el.dismiss.addEventListener("click", () => {
  state.error = null;
  render();
  el.predict.focus();
});
el.undo.addEventListener("click", () => undo());
el.clear.addEventListener("click", () => clearDrawing());
el.auto.addEventListener("change", () => {
  save(STORE_AUTO, el.auto.checked ? "on" : "off");
  if (el.auto.checked && state.stale) schedulePrediction();
});
el.numberMode.addEventListener("change", () => {
  save(STORE_NUMBER, el.numberMode.checked ? "on" : "off");
  applyNumberMode();
  drawingChanged();
});
el.langToggle.addEventListener("click", () => {
  state.lang = otherLanguage(state.lang);
  save(STORE_LANG, state.lang);
  applyLanguage(state.lang);
  render();
});
el.canvas.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    requestPrediction();
  } else if (event.key === "Delete" || event.key === "Backspace") {
    event.preventDefault();
    clearDrawing();
  }
});
document.addEventListener("keydown", (event) => {
  const undoKey = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;
  if (undoKey && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
  }
});

function undo() {
  if (!pad.canUndo()) return;
  pad.undo();
  drawingChanged();
}

function clearDrawing() {
  pad.clear();
  drawingChanged();
}

/** Number mode: a 560x280 canvas (sent as such) for several digits; else 280x280. */
function applyNumberMode() {
  el.padFrame.classList.toggle("is-wide", el.numberMode.checked);
  pad.setWidth(el.numberMode.checked ? NUMBER_WIDTH : CANVAS_SIZE);
}

/** After a stroke, an undo or a clear: drop what no longer matches, maybe ask again. */
function drawingChanged() {
  cancelPending();
  if (pad.boxes.length > 0) pad.setBoxes([]); // they outline a drawing that has changed
  state.error = null;
  state.notice = null;
  if (pad.strokes().length === 0) {
    state.answer = null;
    state.stale = false;
  } else {
    state.stale = state.answer !== null;
    if (el.auto.checked) schedulePrediction();
  }
  render();
}

function schedulePrediction() {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => requestPrediction(), AUTO_DELAY_MS);
}

function cancelPending() {
  clearTimeout(state.timer);
  state.timer = 0;
  if (state.controller) {
    state.controller.abort();
    state.controller = null;
    state.loading = false;
    render();
  }
}

async function requestPrediction() {
  cancelPending();
  const strokes = pad.strokes();
  // Checked here as well as by the API: no round trip, and never a guess for nothing.
  let exported = null;
  // isBlankDrawing measures a square canvas; on the wide one the pixels decide alone.
  if (pad.width !== CANVAS_SIZE || !isBlankDrawing(strokes)) {
    exported = exportImage(strokes, pad.width);
    if (isBlankImage(exported.image)) exported = null;
  }
  if (exported === null) {
    showBlank();
    return;
  }
  const controller = new AbortController();
  state.controller = controller;
  state.loading = true;
  state.error = null;
  state.notice = null;
  render();
  try {
    const answer = await predict(exported.dataUrl, {
      baseUrl: API_BASE_URL,
      signal: controller.signal,
    });
    // A newer request or a new stroke took over: this answer is for an old drawing.
    if (state.controller !== controller) return;
    state.answer = answer;
    state.stale = false;
    state.sentImage = exported.dataUrl;
    state.feedback = "";
    pad.setBoxes(answerView(answer, state.lang).boxes);
    announce(answerView(answer, state.lang).announcement);
  } catch (error) {
    if (state.controller !== controller) return;
    const failure = error instanceof ApiError ? error : new ApiError("unknown");
    if (failure.code === "aborted") return;
    if (failure.code === "empty_canvas") {
      state.controller = null;
      state.loading = false;
      showBlank();
      return;
    }
    state.error = failure;
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      state.loading = false;
      render();
    }
  }
}

function showBlank() {
  state.answer = null;
  state.stale = false;
  state.notice = "blank";
  render();
  announce(translate(state.lang, "blank"));
}

function announce(text) {
  // Re-set even when unchanged so the same answer twice is announced twice.
  el.announcer.textContent = "";
  requestAnimationFrame(() => {
    el.announcer.textContent = text;
  });
}

function render() {
  const { lang } = state;
  const hasInk = pad.strokes().length > 0;
  el.undo.disabled = !pad.canUndo();
  el.clear.disabled = !hasInk;
  // aria-disabled, not disabled: a disabled button would drop keyboard focus.
  el.predict.setAttribute("aria-disabled", String(state.loading));
  el.predictLabel.textContent = translate(lang, state.loading ? "predicting" : "predict");
  el.result.setAttribute("aria-busy", String(state.loading));
  el.result.classList.toggle("is-loading", state.loading);
  el.result.classList.toggle("is-stale", state.stale);
  renderError();
  renderAnswer();
  renderFeedback();
  renderFooter();
}

function renderError() {
  const { error } = state;
  el.error.hidden = error === null;
  if (error === null) return;
  const view = errorView(error.code, state.lang, error.requestId);
  el.errorMessage.textContent = view.message;
  el.errorId.textContent = view.requestId;
  el.errorId.hidden = view.requestId === "";
  el.retry.hidden = !view.retryable;
}

function renderAnswer() {
  const { lang, answer } = state;
  const view = answer ? answerView(answer, lang) : null;
  el.prediction.textContent = view ? view.digit : "";
  // The number when several digits were read, or whenever number mode is on.
  const showNumber = view !== null && (view.number.length > 1 || el.numberMode.checked);
  el.number.textContent = showNumber ? view.number : "";
  el.numberLine.hidden = !showNumber;
  el.prediction.hidden = view === null;
  el.confidenceLine.hidden = view === null;
  el.confidence.textContent = view ? view.confidence : "";
  let notice = "";
  let kind = "";
  if (state.notice === "blank") {
    notice = translate(lang, "blank");
    kind = "blank";
  } else if (view === null && state.error === null && !state.loading) {
    notice = translate(lang, "noResult");
    kind = "empty";
  } else if (view && state.stale && !el.auto.checked) {
    notice = translate(lang, "stale");
    kind = "stale";
  } else if (view?.uncertain) {
    notice = view.notice;
    kind = "uncertain";
  }
  el.notice.textContent = notice;
  el.notice.dataset.kind = kind;
  el.notice.hidden = notice === "";
  el.alternatives.textContent = view ? view.alternatives : "";
  el.alternatives.hidden = !view?.alternatives;
  if (view?.preview) {
    el.preview.src = view.preview;
    el.preview.alt = translate(lang, "previewAlt");
  }
  el.preview.hidden = !view?.preview;
  el.previewEmpty.hidden = Boolean(view?.preview);
  renderBars(view ? view.bars : emptyBars(lang));
  // A number: each digit with its own 28x28; the whole drawing's preview and ten bars
  // describe no digit of it. In number mode they are hidden until one digit is read.
  const numberView = view?.isNumber === true;
  el.details.hidden = numberView || (view === null && el.numberMode.checked);
  el.numberDigits.hidden = !numberView;
  renderDigitStrip(numberView ? view.digitsRead : []);
}

function renderDigitStrip(digits) {
  const items = digits.map((read) => {
    const item = document.createElement("li");
    item.className = "digit-read";
    item.dataset.testid = "digit-read";
    const image = document.createElement("img");
    image.width = 28;
    image.height = 28;
    image.alt = read.alt;
    if (read.preview) image.src = read.preview;
    image.hidden = !read.preview;
    const digit = document.createElement("strong");
    digit.textContent = read.digit;
    const percent = document.createElement("span");
    percent.className = "digit-read-percent";
    percent.textContent = read.percent;
    item.append(image, digit, percent);
    return item;
  });
  el.digitStrip.replaceChildren(...items);
}

function buildFeedbackDigits() {
  const buttons = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((digit) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button feedback-digit";
    button.dataset.testid = `feedback-${digit}`;
    button.textContent = String(digit);
    button.addEventListener("click", () => giveFeedback(digit));
    return button;
  });
  el.feedbackDigits.replaceChildren(...buttons);
}

/** Wrong answer: send the drawing with the right digit (one report per answer). */
async function giveFeedback(correct) {
  const { answer } = state;
  if (answer === null || state.feedback === "sending" || state.feedback.startsWith("sent")) return;
  state.feedback = "sending";
  renderFeedback();
  try {
    await sendFeedback(
      {
        image: state.sentImage,
        predicted: answer.digit,
        correct,
        model_version: answer.model_version,
      },
      { baseUrl: API_BASE_URL },
    );
    if (state.answer === answer) state.feedback = `sent:${correct}`;
  } catch {
    if (state.answer === answer) state.feedback = "failed";
  }
  renderFeedback();
}

function renderFeedback() {
  const { answer, lang } = state;
  // Only where the API collects feedback (its /health says so), for one digit read,
  // and while that drawing is still on screen: then "wrong?" has one meaning.
  const offered =
    state.health?.feedback === true &&
    answer !== null &&
    !state.stale &&
    answerView(answer, lang).number.length === 1;
  el.feedback.hidden = !offered;
  const sent = state.feedback.startsWith("sent:");
  for (const button of el.feedbackDigits.children) {
    button.disabled = state.feedback === "sending" || sent;
    button.setAttribute(
      "aria-label",
      translate(lang, "feedbackDigit", { digit: button.textContent }),
    );
  }
  let status = "";
  if (state.feedback === "sending") status = translate(lang, "feedbackSending");
  else if (sent) status = translate(lang, "feedbackThanks", { digit: state.feedback.slice(5) });
  else if (state.feedback === "failed") status = translate(lang, "feedbackFailed");
  el.feedbackStatus.textContent = status;
}

function buildBars() {
  const rows = emptyBars(state.lang).map(({ digit }) => {
    const row = document.createElement("li");
    row.className = "bar-row";
    row.dataset.digit = String(digit);
    const label = document.createElement("span");
    label.className = "bar-digit";
    label.textContent = String(digit);
    const separator = document.createElement("span");
    separator.className = "visually-hidden";
    separator.textContent = ": ";
    const track = document.createElement("span");
    track.className = "bar-track";
    track.setAttribute("aria-hidden", "true");
    const fill = document.createElement("span");
    fill.className = "bar-fill";
    track.append(fill);
    const value = document.createElement("span");
    value.className = "bar-value";
    row.append(label, separator, track, value);
    return row;
  });
  el.bars.replaceChildren(...rows);
}

function renderBars(bars) {
  bars.forEach((bar, index) => {
    const row = el.bars.children[index];
    row.classList.toggle("is-top", bar.top);
    row.querySelector(".bar-value").textContent = bar.percent;
    // A custom property set through the CSSOM: allowed by a strict CSP, unlike style="".
    row.querySelector(".bar-fill").style.setProperty("--value", String(bar.value));
  });
}

function renderFooter() {
  const version = state.answer?.model_version || state.health?.model_version;
  let text = translate(state.lang, "modelUnknown");
  if (version) text = translate(state.lang, "modelVersion", { version });
  else if (state.health?.status === "degraded") text = translate(state.lang, "modelDegraded");
  else if (state.health === null) text = "";
  el.modelVersion.textContent = text;
}

function applyLanguage(lang) {
  document.documentElement.lang = lang;
  document.title = translate(lang, "pageTitle");
  for (const node of document.querySelectorAll("[data-i18n]")) {
    node.textContent = translate(lang, node.dataset.i18n);
  }
  for (const node of document.querySelectorAll("[data-i18n-aria-label]")) {
    node.setAttribute("aria-label", translate(lang, node.dataset.i18nAriaLabel));
  }
  const other = otherLanguage(lang);
  el.langToggle.textContent = translate(other, "languageName");
  el.langToggle.lang = other;
}

function load(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage blocked (private mode, policy): just don't remember
  }
}

function save(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // as above
  }
}
