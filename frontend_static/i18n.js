// Every string the page shows, in Korean (the seed's language) and English.

export const LANGUAGES = Object.freeze(["ko", "en"]);
export const DEFAULT_LANGUAGE = "ko";

export const STRINGS = Object.freeze({
  ko: {
    pageTitle: "손글씨 숫자 인식",
    heading: "숫자를 그려보세요 (0-9)",
    intro: "캔버스에 숫자를 그린 뒤 예측하기 버튼을 눌러보세요.",
    languageName: "한국어",
    switchTo: "English",
    drawHeading: "그리기",
    canvasLabel: "숫자를 그리는 캔버스. 마우스, 손가락 또는 펜으로 숫자 하나를 그리세요.",
    undo: "되돌리기",
    clear: "지우기",
    predict: "예측하기",
    predicting: "분석 중...",
    auto: "획을 끝내면 자동으로 예측",
    numberMode: "여러 자리 수 모드 (넓은 캔버스)",
    numberLabel: "읽은 수",
    numberDigitsHeading: "자리별로 모델이 본 28×28 이미지",
    numberDigitAlt: "{digit}(으)로 읽은 28×28 이미지",
    feedbackAsk: "틀렸나요? 맞는 숫자를 골라주세요.",
    feedbackPrivacy:
      "고른 숫자를 보내면 이 그림(이미지만)과 예측·정답 숫자가 모델 개선을 위해 비공개 저장소에 보관되며 일정 기간 후 자동 삭제됩니다. 이름, IP 주소 등 개인 정보는 저장하지 않습니다.",
    feedbackDigit: "정답은 {digit}",
    feedbackSending: "보내는 중...",
    feedbackThanks: "고맙습니다! 정답 {digit}을(를) 받았습니다.",
    feedbackFailed: "피드백을 보내지 못했습니다.",
    shortcuts: "단축키: Ctrl/⌘+Z 되돌리기 · 캔버스에서 Enter 예측, Delete 지우기",
    resultHeading: "예측 결과",
    noResult: "아직 결과가 없습니다. 숫자를 그려보세요.",
    confidence: "확신도",
    uncertain: "확실하지 않아요. 조금 더 크고 또렷하게 다시 그려보세요.",
    alternatives: "혹시 {digits} 인가요?",
    blank: "먼저 숫자를 그려주세요.",
    stale: "그림이 바뀌었습니다. 다시 예측하려면 예측하기를 누르세요.",
    previewHeading: "모델이 본 28×28 이미지",
    previewAlt: "모델에 입력된 28×28 픽셀 이미지",
    previewEmpty: "예측 후 표시됩니다",
    probabilitiesHeading: "숫자별 확률",
    probabilityRow: "{digit}: {percent}",
    announce: "예측: {digit}, 확신도 {percent}.",
    announceUncertain: "예측: {digit}, 확신도 {percent}. 확실하지 않아요. 다시 그려보세요.",
    retry: "다시 시도",
    dismiss: "닫기",
    requestId: "요청 ID: {id}",
    modelVersion: "모델 {version}",
    modelUnknown: "모델 정보를 불러오는 중",
    modelDegraded: "모델을 사용할 수 없음",
    "error.network": "서버에 연결할 수 없습니다. 서버가 실행 중인지, 인터넷 연결을 확인하세요.",
    "error.timeout": "서버 응답이 너무 늦습니다. 잠시 후 다시 시도하세요.",
    "error.invalid_image": "서버가 그림을 읽지 못했습니다. 지우고 다시 그려보세요.",
    "error.too_large": "이미지가 너무 큽니다.",
    "error.unsupported_media_type": "서버가 이 이미지 형식을 받지 않습니다.",
    "error.invalid_request": "요청 형식이 올바르지 않습니다.",
    "error.model_unavailable": "모델을 지금 사용할 수 없습니다. 잠시 후 다시 시도하세요.",
    "error.rate_limited": "요청이 너무 많습니다. 잠시 후 다시 시도하세요.",
    "error.internal": "서버 오류가 발생했습니다. 다시 시도하세요.",
    "error.bad_response": "서버의 응답을 이해할 수 없습니다.",
    "error.unknown": "알 수 없는 오류가 발생했습니다.",
  },
  en: {
    pageTitle: "Handwritten digit recognizer",
    heading: "Draw a digit (0-9)",
    intro: "Draw a digit on the canvas, then press Predict.",
    languageName: "English",
    switchTo: "한국어",
    drawHeading: "Drawing",
    canvasLabel: "Drawing canvas. Draw one digit with a mouse, finger or pen.",
    undo: "Undo",
    clear: "Clear",
    predict: "Predict",
    predicting: "Analyzing…",
    auto: "Predict when a stroke ends",
    numberMode: "Number mode (wide canvas, several digits)",
    numberLabel: "Number read",
    numberDigitsHeading: "Each digit as the model saw it (28×28)",
    numberDigitAlt: "The 28×28 image read as {digit}",
    feedbackAsk: "Wrong? Pick the right digit.",
    feedbackPrivacy:
      "When you pick a digit, this drawing (the image only) and the predicted and correct digits are kept in a private store to improve the model, and deleted automatically after a while. No name, IP address or other personal data is stored.",
    feedbackDigit: "The right digit is {digit}",
    feedbackSending: "Sending...",
    feedbackThanks: "Thank you! Got it: {digit}.",
    feedbackFailed: "The feedback could not be sent.",
    shortcuts: "Shortcuts: Ctrl/⌘+Z undo · on the canvas, Enter predicts and Delete clears",
    resultHeading: "Prediction",
    noResult: "No prediction yet. Draw a digit.",
    confidence: "Confidence",
    uncertain: "Not sure. Try drawing it again, larger and clearer.",
    alternatives: "Could it be {digits}?",
    blank: "Draw a digit first.",
    stale: "The drawing changed. Press Predict for a new answer.",
    previewHeading: "What the model saw (28×28)",
    previewAlt: "The 28×28 pixel image given to the model",
    previewEmpty: "Shown after a prediction",
    probabilitiesHeading: "Probability of each digit",
    probabilityRow: "{digit}: {percent}",
    announce: "Prediction: {digit}, confidence {percent}.",
    announceUncertain: "Prediction: {digit}, confidence {percent}. Not sure; try drawing it again.",
    retry: "Try again",
    dismiss: "Dismiss",
    requestId: "Request ID: {id}",
    modelVersion: "Model {version}",
    modelUnknown: "Loading model information",
    modelDegraded: "Model unavailable",
    "error.network": "Can't reach the server. Check that it is running and that you are online.",
    "error.timeout": "The server took too long to answer. Try again in a moment.",
    "error.invalid_image": "The server could not read the drawing. Clear it and draw again.",
    "error.too_large": "The image is too large.",
    "error.unsupported_media_type": "The server does not accept this image format.",
    "error.invalid_request": "The request was not in the expected format.",
    "error.model_unavailable": "The model is unavailable right now. Try again in a moment.",
    "error.rate_limited": "Too many requests. Try again in a moment.",
    "error.internal": "Something went wrong on the server. Try again.",
    "error.bad_response": "The server's answer could not be understood.",
    "error.unknown": "Something unexpected went wrong.",
  },
});

/**
 * The language to show: a remembered choice, else the browser's first
 * preference we support, else Korean.
 * @param {string | null | undefined} stored
 * @param {readonly string[]} preferred navigator.languages (or [navigator.language])
 * @returns {"ko" | "en"}
 */
export function pickLanguage(stored, preferred = []) {
  if (stored && LANGUAGES.includes(stored)) return stored;
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return DEFAULT_LANGUAGE;
}

/** The other language, for the toggle. */
export function otherLanguage(lang) {
  return lang === "ko" ? "en" : "ko";
}

/**
 * The string for key in lang with {placeholders} filled; English, then the key
 * itself, when a string is missing, so a gap never shows as "undefined".
 * @param {string} lang
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function translate(lang, key, params = {}) {
  const table = STRINGS[lang] ?? STRINGS[DEFAULT_LANGUAGE];
  const template = table[key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}

/**
 * 0.9712 -> "97.1%" in the language's number format. Values that would round
 * to 100.0% or 0.0% without being exactly that read ">99.9%" and "<0.1%": a
 * model that is 99.97% sure is not certain.
 */
export function formatPercent(lang, value) {
  const format = new Intl.NumberFormat(lang, {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  if (value > 0.9995 && value < 1) return `>${format.format(0.999)}`;
  if (value > 0 && value < 0.0005) return `<${format.format(0.001)}`;
  return format.format(value);
}
