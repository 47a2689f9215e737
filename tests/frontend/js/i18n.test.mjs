import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import {
  LANGUAGES,
  STRINGS,
  formatPercent,
  otherLanguage,
  pickLanguage,
  translate,
} from "../../../frontend_static/i18n.js";

const html = readFileSync(new URL("../../../frontend_static/index.html", import.meta.url), "utf8");

describe("pickLanguage", () => {
  it("prefers a remembered choice", () => {
    assert.equal(pickLanguage("en", ["ko-KR"]), "en");
    assert.equal(pickLanguage("ko", ["en-US"]), "ko");
  });

  it("ignores a remembered value it does not support", () => {
    assert.equal(pickLanguage("fr", ["en-GB"]), "en");
  });

  it("takes the browser's first supported preference", () => {
    assert.equal(pickLanguage(null, ["en-US", "ko"]), "en");
    assert.equal(pickLanguage(null, ["ko-KR", "en"]), "ko");
    assert.equal(pickLanguage(null, ["fr-FR", "EN"]), "en");
  });

  it("falls back to Korean, the seed's language", () => {
    assert.equal(pickLanguage(null, ["ja-JP"]), "ko");
    assert.equal(pickLanguage(undefined, []), "ko");
  });
});

describe("strings", () => {
  it("exist for every key in both languages, none empty", () => {
    const ko = Object.keys(STRINGS.ko).sort();
    const en = Object.keys(STRINGS.en).sort();
    assert.deepEqual(ko, en);
    for (const lang of LANGUAGES) {
      for (const [key, value] of Object.entries(STRINGS[lang])) {
        assert.ok(value.trim().length > 0, `${lang}.${key}`);
      }
    }
  });

  it("use the same placeholders in both languages", () => {
    const holes = (text) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(STRINGS.en)) {
      assert.deepEqual(holes(STRINGS.ko[key]), holes(STRINGS.en[key]), key);
    }
  });

  it("cover every key the page's HTML asks for", () => {
    const keys = [...html.matchAll(/data-i18n(?:-aria-label)?="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(keys.length > 10);
    for (const key of keys) assert.ok(Object.hasOwn(STRINGS.en, key), key);
  });

  it("keep the seed's Korean labels", () => {
    assert.equal(STRINGS.ko.heading, "숫자를 그려보세요 (0-9)");
    assert.equal(STRINGS.ko.clear, "지우기");
    assert.equal(STRINGS.ko.predict, "예측하기");
    assert.equal(STRINGS.ko.predicting, "분석 중...");
  });
});

describe("translate", () => {
  it("fills placeholders", () => {
    assert.equal(translate("en", "modelVersion", { version: "v3" }), "Model v3");
    assert.equal(translate("ko", "requestId", { id: "x1" }), "요청 ID: x1");
  });

  it("leaves a placeholder without a value visible rather than 'undefined'", () => {
    assert.equal(translate("en", "modelVersion"), "Model {version}");
  });

  it("falls back to the key for an unknown string", () => {
    assert.equal(translate("en", "no.such.key"), "no.such.key");
  });
});

describe("otherLanguage and formatPercent", () => {
  it("toggles between the two languages", () => {
    assert.equal(otherLanguage("ko"), "en");
    assert.equal(otherLanguage("en"), "ko");
  });

  it("formats with one decimal", () => {
    assert.equal(formatPercent("en", 0.9712), "97.1%");
    assert.equal(formatPercent("ko", 0), "0.0%");
    assert.equal(formatPercent("en", 1), "100.0%");
  });

  it("never rounds a near-certainty up to 100% or a sliver down to 0%", () => {
    assert.equal(formatPercent("en", 0.99996), ">99.9%");
    assert.equal(formatPercent("en", 0.9994), "99.9%");
    assert.equal(formatPercent("ko", 0.00001), "<0.1%");
    assert.equal(formatPercent("en", 0.0005), "0.1%");
  });
});
