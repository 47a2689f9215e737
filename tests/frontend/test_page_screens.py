"""Screenshots for people to look at (test-artifacts/), and the layout they show."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, FloatRect, Page, expect
from tests.frontend.handwriting import SAMPLES
from tests.frontend.localserver import local_server
from tests.frontend.pagekit import OpenPage, draw_sample, is_predict

from tools.screenshots import SERVER_ENV, SHOTS, take_screenshots

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def box(page: Page, testid: str) -> FloatRect:
    found = page.get_by_test_id(testid).bounding_box()
    assert found is not None, testid
    return found


def answer(page: Page, sample_id: str, how: str = "mouse") -> None:
    sample = next(s for s in SAMPLES if s.id == sample_id)
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, sample, how)
    expect(page.get_by_test_id("prediction")).to_have_text(str(sample.digit))
    # Let the bars finish growing before the picture is taken.
    page.wait_for_timeout(400)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_desktop_1280x800(open_page: OpenPage, artifacts: Path, lang: str) -> None:
    page = open_page(viewport=DESKTOP, locale="ko-KR" if lang == "ko" else "en-US")
    answer(page, "5-bar-last")
    page.screenshot(path=artifacts / f"page-1280x800-{lang}.png")
    # Drawing and answer side by side, both whole on the first screen.
    canvas, probabilities = box(page, "canvas"), box(page, "probabilities")
    assert probabilities["x"] > canvas["x"] + canvas["width"]
    for testid in ["canvas", "predict", "prediction", "probabilities", "preview"]:
        found = box(page, testid)
        assert found["y"] + found["height"] <= DESKTOP["height"], f"{testid} below the fold"


def test_phone_390x844(open_page: OpenPage, artifacts: Path) -> None:
    page = open_page(viewport=PHONE, locale="ko-KR", has_touch=True, is_mobile=True)
    # Before drawing: the canvas and its buttons fill the first screen.
    for testid in ["canvas", "undo", "clear", "predict"]:
        found = box(page, testid)
        assert found["x"] >= 0 and found["x"] + found["width"] <= PHONE["width"], testid
        assert found["y"] + found["height"] <= PHONE["height"], f"{testid} below the fold"
    answer(page, "2-hook", "touch")
    page.screenshot(path=artifacts / "page-390x844-ko.png")
    page.screenshot(path=artifacts / "page-390x844-ko-full.png", full_page=True)
    # One column: the answer comes under the drawing, still on the first screen.
    digit = box(page, "prediction")
    assert digit["y"] > box(page, "predict")["y"]
    assert digit["y"] + digit["height"] <= PHONE["height"], "the answer is below the fold"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_dark_and_error_states(open_page: OpenPage, artifacts: Path) -> None:
    dark = open_page(viewport=DESKTOP, color_scheme="dark")
    answer(dark, "9-loop-stem")
    dark.screenshot(path=artifacts / "page-1280x800-en-dark.png")

    failing = open_page(viewport=PHONE, locale="ko-KR")
    failing.route("**/predict", lambda route: route.abort("connectionrefused"))
    draw_sample(failing, next(s for s in SAMPLES if s.id == "8-loops"))
    expect(failing.get_by_test_id("error")).to_be_visible()
    failing.screenshot(path=artifacts / "page-390x844-ko-error.png")
    # The banner and its retry show without scrolling, under the drawing.
    for testid in ["error", "retry"]:
        found = box(failing, testid)
        assert found["y"] + found["height"] <= PHONE["height"], f"{testid} below the fold"


def test_the_readme_screenshots_are_made_from_the_page(browser: Browser, tmp_path: Path) -> None:
    """`make screenshots`, on `make run`'s server (once): each picture shows what was drawn."""
    with local_server(**SERVER_ENV) as origin:
        paths = take_screenshots(browser, origin, tmp_path)  # checks each answer shown
    assert [path.name for path in paths] == [f"{shot.name}.png" for shot in SHOTS]
    for path, shot in zip(paths, SHOTS, strict=True):
        with Image.open(path) as image:
            assert image.size == (shot.viewport["width"], shot.viewport["height"])
