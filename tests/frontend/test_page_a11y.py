"""Accessibility (axe-core), dark mode, reduced motion, small phones, strict CSP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, Route, expect
from tests.frontend.handwriting import SAMPLES
from tests.frontend.pagekit import OpenPage, draw_sample, is_predict

pytestmark = pytest.mark.browser

SEVEN = next(s for s in SAMPLES if s.id == "7-slanted")
THREE = next(s for s in SAMPLES if s.id == "3-bumps")
# The deployed site's policy (template.yaml), with the API on the page's own origin.
STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'; object-src 'none'"
)


def serious_violations(page: Page, axe: Path) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(axe))
    results: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]],
        }
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def answered(page: Page) -> Page:
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    return page


@pytest.mark.parametrize(
    "scene",
    ["empty-ko", "answer-en", "answer-dark", "phone-answer", "blank-notice", "error-banner"],
)
def test_no_serious_or_critical_axe_violations(
    open_page: OpenPage, axe_path: Path, scene: str
) -> None:
    if scene == "empty-ko":
        page = open_page(locale="ko-KR")
    elif scene == "answer-en":
        page = answered(open_page())
    elif scene == "answer-dark":
        page = answered(open_page(color_scheme="dark"))
    elif scene == "phone-answer":
        page = answered(open_page(viewport={"width": 390, "height": 844}, has_touch=True))
    elif scene == "blank-notice":
        page = open_page(color_scheme="dark")
        page.get_by_test_id("predict").click()
        expect(page.get_by_test_id("notice")).to_have_text("Draw a digit first.")
    else:
        page = open_page()
        page.route(
            "**/predict",
            lambda route: route.fulfill(status=503, body='{"error": "model_unavailable"}'),
        )
        draw_sample(page, SEVEN)
        expect(page.get_by_test_id("error")).to_be_visible()
    violations = serious_violations(page, axe_path)
    assert violations == [], json.dumps(violations, indent=2)


def test_page_loads_cleanly_with_its_favicon(open_page: OpenPage) -> None:
    page = open_page(goto=False)
    statuses: dict[str, int] = {}
    console_errors: list[str] = []
    page.on("response", lambda r: statuses.__setitem__(r.url.rsplit("/", 1)[-1], r.status))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    for name in ["", "style.css", "app.js", "config.js", "favicon.svg", "health"]:
        assert statuses.get(name) == 200, (name, statuses)
    assert console_errors == []
    expect(page.get_by_test_id("model-version")).to_have_text(re.compile(r"^Model \S+"))


def test_dark_mode_follows_the_system(open_page: OpenPage) -> None:
    light = open_page(color_scheme="light")
    dark = open_page(color_scheme="dark")
    background = "() => getComputedStyle(document.documentElement).backgroundColor"
    assert light.evaluate(background) != dark.evaluate(background)
    # The drawing surface stays white paper in both: it is what the API receives.
    paper = "() => getComputedStyle(document.querySelector('.pad')).backgroundColor"
    assert light.evaluate(paper) == dark.evaluate(paper) == "rgb(255, 255, 255)"


def test_reduced_motion_turns_animations_off(open_page: OpenPage) -> None:
    duration = "() => getComputedStyle(document.querySelector('.bar-fill')).transitionDuration"
    assert open_page().evaluate(duration) != "0s"
    assert open_page(reduced_motion="reduce").evaluate(duration) == "0s"


def test_usable_on_a_320px_phone(open_page: OpenPage) -> None:
    page = open_page(viewport={"width": 320, "height": 568}, has_touch=True, is_mobile=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "no sideways scrolling"
    canvas = page.get_by_test_id("canvas").bounding_box()
    assert canvas is not None
    assert canvas["x"] >= 0 and canvas["x"] + canvas["width"] <= 320
    assert canvas["width"] >= 240, "big enough to draw on"
    for control in ["undo", "clear", "predict", "lang-toggle"]:
        box = page.get_by_test_id(control).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, control
        assert box["height"] >= 44, f"{control}: a finger-sized target"
    touch_action = page.get_by_test_id("canvas").evaluate("c => getComputedStyle(c).touchAction")
    assert touch_action == "none", "drawing must not scroll the page"
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, THREE, "touch")
    expect(page.get_by_test_id("prediction")).to_have_text("3")
    assert page.evaluate("window.scrollY") == 0, "drawing did not scroll the page"


def test_works_under_a_strict_content_security_policy(open_page: OpenPage, server_url: str) -> None:
    page = open_page(goto=False)
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.type == "error":
            problems.append(message.text)

    page.on("console", watch)

    def with_csp(route: Route) -> None:
        # The real page from the real server, with the header a deployment adds.
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": STRICT_CSP}
        )

    page.route(f"{server_url}/", with_csp)
    page.goto("/")
    answered(page)
    expect(page.get_by_test_id("preview")).to_be_visible()
    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("predict")).to_have_text("예측하기")
    assert problems == []
