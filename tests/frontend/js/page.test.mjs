// Static checks on the shipped files: what a strict Content-Security-Policy
// and the deploy step rely on, and no third-party fetches at runtime.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, it } from "node:test";

const root = new URL("../../../frontend_static/", import.meta.url);
const read = (name) => readFileSync(new URL(name, root), "utf8");
const html = read("index.html");
const files = readdirSync(root);

describe("index.html", () => {
  it("has no inline script, event handler or style attribute (CSP script-src 'self')", () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, /\bsrc="/);
      assert.equal(body.trim(), "");
    }
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
    assert.doesNotMatch(html, /\sstyle\s*=/i);
    assert.doesNotMatch(html, /<style\b/i);
  });

  it("refers only to files that ship next to it", () => {
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(refs.includes("favicon.svg"), "a favicon, so browsers do not 404 on one");
    for (const ref of refs) {
      assert.doesNotMatch(ref, /^(?:[a-z]+:)?\/\//i, ref);
      assert.ok(existsSync(new URL(ref, root)), ref);
    }
  });

  it("carries every stable test hook", () => {
    for (const id of [
      "canvas",
      "predict",
      "clear",
      "undo",
      "prediction",
      "confidence",
      "probabilities",
      "preview",
      "error",
      "lang-toggle",
    ]) {
      assert.match(html, new RegExp(`data-testid="${id}"`), id);
    }
  });
});

describe("the page's scripts", () => {
  it("import only relative modules and fetch no other host", () => {
    for (const name of files.filter((f) => f.endsWith(".js"))) {
      const source = read(name);
      for (const [, spec] of source.matchAll(/\bfrom\s+"([^"]+)"/g)) {
        assert.match(spec, /^\.\/[\w-]+\.js$/, `${name}: ${spec}`);
      }
      assert.doesNotMatch(source, /https?:\/\//, name);
    }
  });

  it("keep config.js's line the deploy step rewrites", () => {
    assert.match(read("config.js"), /^export const API_BASE_URL = "";$/m);
  });
});
