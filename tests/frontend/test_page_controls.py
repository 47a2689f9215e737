"""Clear, undo, auto-predict, loading state, keyboard and language on the real page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Request, Route, expect
from tests.frontend.handwriting import SAMPLES
from tests.frontend.pagekit import (
    OpenPage,
    draw_sample,
    draw_with_mouse,
    feedback_switched_on,
    is_predict,
    line,
)

pytestmark = pytest.mark.browser

SEVEN = next(s for s in SAMPLES if s.id == "7-slanted")
FOUR = next(s for s in SAMPLES if s.id == "4-open")
DARK_PIXELS = """c => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let dark = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark += 1;
  return dark;
}"""


def predict_requests(page: Page) -> list[Request]:
    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r) if is_predict(r) else None)
    return requests


def draw_and_wait(page: Page, draw: Callable[[], None]) -> None:
    """Draw, then wait for the real API's answer to the auto-prediction."""
    with page.expect_response(lambda r: is_predict(r.request)):
        draw()


def test_clear_empties_the_canvas_and_the_answer(page: Page) -> None:
    draw_and_wait(page, lambda: draw_sample(page, SEVEN))
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    canvas = page.get_by_test_id("canvas")
    assert canvas.evaluate(DARK_PIXELS) > 0

    page.get_by_test_id("clear").click()
    assert canvas.evaluate(DARK_PIXELS) == 0
    expect(page.get_by_test_id("prediction")).to_be_hidden()
    expect(page.get_by_test_id("prediction")).to_have_text("")
    expect(page.get_by_test_id("notice")).to_have_text("No prediction yet. Draw a digit.")
    expect(page.get_by_test_id("clear")).to_be_disabled()
    expect(page.get_by_test_id("preview")).to_be_hidden()
    no_value = "\u2013"  # an en dash
    expect(page.get_by_test_id("probabilities").locator("li").first).to_contain_text(no_value)


def test_undo_shortcut_and_button_take_back_strokes(page: Page) -> None:
    draw_and_wait(page, lambda: draw_sample(page, SEVEN))
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    # A stray scribble across the digit changes the answer's input...
    draw_and_wait(page, lambda: draw_with_mouse(page, [line((0.15, 0.9), (0.85, 0.55))]))
    # ...Ctrl+Z removes it, and the page asks again about the 7 alone.
    with page.expect_request(is_predict) as request:
        page.keyboard.press("Control+z")
    assert request.value.post_data
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    expect(page.get_by_test_id("confidence")).to_have_text(re.compile(r"%$"))

    page.get_by_test_id("undo").click()
    assert page.get_by_test_id("canvas").evaluate(DARK_PIXELS) == 0
    expect(page.get_by_test_id("prediction")).to_be_hidden()
    expect(page.get_by_test_id("undo")).to_be_disabled()


def test_cmd_z_undoes_on_a_mac_keyboard(page: Page) -> None:
    draw_and_wait(page, lambda: draw_sample(page, SEVEN))
    page.keyboard.press("Meta+z")
    assert page.get_by_test_id("canvas").evaluate(DARK_PIXELS) == 0
    expect(page.get_by_test_id("prediction")).to_be_hidden()


def test_undo_brings_back_a_cleared_drawing(page: Page) -> None:
    draw_and_wait(page, lambda: draw_sample(page, FOUR))
    expect(page.get_by_test_id("prediction")).to_have_text("4")
    page.get_by_test_id("clear").click()
    expect(page.get_by_test_id("prediction")).to_be_hidden()
    with page.expect_response(lambda r: is_predict(r.request)):
        page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("prediction")).to_have_text("4")


def test_blank_canvas_asks_for_a_digit_without_calling_the_api(page: Page) -> None:
    requests = predict_requests(page)
    page.get_by_test_id("predict").click()
    expect(page.get_by_test_id("notice")).to_have_text("Draw a digit first.")
    expect(page.get_by_test_id("prediction")).to_be_hidden()
    # A tap leaves a dot: a speck, not a digit, by the API's own rule.
    page.get_by_test_id("canvas").click(position={"x": 100, "y": 100})
    page.get_by_test_id("predict").click()
    expect(page.get_by_test_id("notice")).to_have_text("Draw a digit first.")
    expect(page.locator("#announcer")).to_have_text("Draw a digit first.")
    page.wait_for_timeout(800)  # longer than the auto-predict pause
    assert requests == []


def test_auto_predict_can_be_turned_off_and_is_remembered(page: Page) -> None:
    requests = predict_requests(page)
    auto = page.get_by_test_id("auto")
    expect(auto).to_be_checked()
    auto.uncheck()
    draw_sample(page, SEVEN)
    page.wait_for_timeout(1000)  # well past the auto-predict pause
    assert requests == []
    with page.expect_response(lambda r: is_predict(r.request)):
        page.get_by_test_id("predict").click()
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    # Drawing more marks the answer as out of date instead of silently keeping it.
    draw_with_mouse(page, [line((0.2, 0.9), (0.4, 0.9))])
    expect(page.get_by_test_id("notice")).to_have_text(re.compile("The drawing changed"))
    expect(page.locator("#result")).to_have_class(re.compile(r"\bis-stale\b"))
    page.reload()
    expect(page.get_by_test_id("auto")).not_to_be_checked()


def test_loading_label_while_the_api_works(open_page: OpenPage) -> None:
    page = open_page(locale="ko-KR")
    held: list[Route] = []
    # Not a mock: the real request is only held back, then sent on unchanged.
    page.route("**/predict", lambda route: held.append(route))
    requests = predict_requests(page)
    page.get_by_test_id("auto").uncheck()
    draw_sample(page, SEVEN)
    predict = page.get_by_test_id("predict")
    predict.click()
    expect(predict).to_have_text("분석 중...")
    expect(predict).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#result")).to_have_attribute("aria-busy", "true")
    # Ignored while busy, like the seed's disabled button. (Forced: Playwright
    # itself waits for an aria-disabled button to become enabled.)
    predict.click(force=True)
    page.wait_for_timeout(300)
    assert len(requests) == 1
    assert len(held) == 1
    with page.expect_response(lambda r: is_predict(r.request)):
        held[0].continue_()
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    expect(predict).to_have_text("예측하기")
    expect(predict).to_have_attribute("aria-disabled", "false")
    expect(page.locator("#result")).to_have_attribute("aria-busy", "false")


def test_every_control_is_reachable_by_keyboard_with_visible_focus(open_page: OpenPage) -> None:
    page = open_page(goto=False)
    feedback_switched_on(page)  # so that its ten buttons are among the controls
    page.goto("/")
    draw_and_wait(page, lambda: draw_sample(page, SEVEN))
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")
    seen: list[str] = []
    for _ in range(30):  # the controls, the ten feedback digits, and round again
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              return [el.dataset.testid || el.id || el.tagName, style.outlineStyle,
                      parseFloat(style.outlineWidth)];
            }"""
        )
        name, outline, width = focused
        if name == "BODY":  # focus left the page's last control
            continue
        if name in seen:
            break
        seen.append(name)
        assert outline != "none" and width >= 2, f"{name} has no visible focus"
    controls = ["lang-toggle", "canvas", "undo", "clear", "predict", "auto", "number-mode"]
    for control in [*controls, "feedback-0", "feedback-9"]:
        assert control in seen, (control, seen)


def test_keyboard_on_the_canvas_predicts_and_clears(page: Page) -> None:
    requests = predict_requests(page)
    page.get_by_test_id("auto").uncheck()
    draw_sample(page, FOUR)
    canvas = page.get_by_test_id("canvas")
    canvas.focus()
    with page.expect_response(lambda r: is_predict(r.request)):
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("prediction")).to_have_text("4")
    page.keyboard.press("Delete")
    assert canvas.evaluate(DARK_PIXELS) == 0
    expect(page.get_by_test_id("prediction")).to_be_hidden()
    # Enter on the Predict button works like a click.
    draw_sample(page, SEVEN)
    page.get_by_test_id("predict").focus()
    with page.expect_response(lambda r: is_predict(r.request)):
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    assert len(requests) == 2


def test_answer_is_announced_to_screen_readers(page: Page) -> None:
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    draw_and_wait(page, lambda: draw_sample(page, SEVEN))
    expect(announcer).to_have_text(re.compile(r"^Prediction: 7, confidence [<>]?\d+\.\d%\.$"))


def test_language_follows_the_browser_and_the_choice_is_remembered(open_page: OpenPage) -> None:
    page = open_page(locale="ko-KR")
    toggle = page.get_by_test_id("lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page).to_have_title("손글씨 숫자 인식")
    expect(page.get_by_test_id("predict")).to_have_text("예측하기")
    expect(page.get_by_test_id("clear")).to_have_text(re.compile("지우기"))
    expect(toggle).to_have_text("English")
    draw_and_wait(page, lambda: draw_sample(page, SEVEN))
    expect(page.locator("#confidence-line")).to_contain_text("확신도")

    toggle.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Handwritten digit recognizer")
    expect(page.get_by_test_id("predict")).to_have_text("Predict")
    expect(page.get_by_test_id("undo")).to_have_text(re.compile("Undo"))
    expect(page.get_by_test_id("canvas")).to_have_attribute(
        "aria-label", re.compile("^Drawing canvas")
    )
    expect(toggle).to_have_text("한국어")
    expect(toggle).to_have_attribute("lang", "ko")
    # The answer on screen is re-rendered, not lost.
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    expect(page.locator("#confidence-line")).to_contain_text("Confidence")

    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("predict")).to_have_text("Predict")


def test_english_browser_gets_english(open_page: OpenPage) -> None:
    page = open_page(locale="en-GB")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Draw a digit (0-9)")
