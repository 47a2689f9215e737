"""Failures, timeouts and races. Only here is the API mocked (page.route): the
real server cannot be made to fail, hang or answer out of order on demand."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from playwright.sync_api import Dialog, Error, Page, Route, expect
from tests.frontend.handwriting import SAMPLES
from tests.frontend.pagekit import OpenPage, draw_sample, draw_with_mouse, is_predict, line

pytestmark = pytest.mark.browser

SEVEN = next(s for s in SAMPLES if s.id == "7-slanted")
FOUR = next(s for s in SAMPLES if s.id == "4-open")


def fake_answer(digit: int) -> dict[str, Any]:
    probabilities = [0.01] * 10
    probabilities[digit] = 0.91
    return {
        "digit": digit,
        "confidence": 0.91,
        "probabilities": probabilities,
        "uncertain": False,
        "model_version": "mock",
        "preview": "data:image/png;base64,iVBORw0KGgo=",
    }


def no_dialogs(page: Page) -> list[Dialog]:
    dialogs: list[Dialog] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog)
        dialog.dismiss()

    page.on("dialog", record)
    return dialogs


ERROR_CASES = [
    # status, body, what the banner says, whether it offers a retry
    (503, {"error": "model_unavailable"}, "The model is unavailable right now", True),
    (400, {"error": "invalid_image"}, "could not read the drawing", True),
    (413, {"error": "too_large"}, "The image is too large", False),
    (415, {"error": "unsupported_media_type"}, "does not accept this image format", False),
    (422, {"error": "invalid_request"}, "not in the expected format", False),
    (500, {"error": "internal"}, "Something went wrong on the server", True),
    (502, "<html><body>Bad Gateway</body></html>", "Something went wrong on the server", True),
    (429, {"message": "Too Many Requests"}, "Too many requests", True),
    (200, {"digit": "seven"}, "could not be understood", True),
]


@pytest.mark.parametrize(
    ("status", "body", "message", "retry"),
    ERROR_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(ERROR_CASES)],
)
def test_api_errors_show_a_banner_not_an_alert(
    page: Page, status: int, body: object, message: str, retry: bool
) -> None:
    dialogs = no_dialogs(page)
    if isinstance(body, dict) and "error" in body:
        body = {**body, "message": "details for logs", "request_id": "req-42"}
    payload = json.dumps(body) if isinstance(body, dict) else str(body)
    page.route("**/predict", lambda route: route.fulfill(status=status, body=payload))
    draw_sample(page, SEVEN)
    banner = page.get_by_test_id("error")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text(message)
    if isinstance(body, dict) and "request_id" in body:
        expect(banner).to_contain_text("Request ID: req-42")
    expect(banner).not_to_contain_text("details for logs")  # server text is for logs, not users
    expect(page.get_by_test_id("retry")).to_be_visible() if retry else expect(
        page.get_by_test_id("retry")
    ).to_be_hidden()
    expect(page.get_by_test_id("prediction")).to_be_hidden()
    expect(page.get_by_test_id("predict")).to_have_text("Predict")
    assert dialogs == []


def test_unreachable_server_then_retry_reaches_the_real_api(page: Page) -> None:
    dialogs = no_dialogs(page)
    page.route("**/predict", lambda route: route.abort("connectionrefused"))
    draw_sample(page, SEVEN)
    expect(page.get_by_test_id("error")).to_contain_text("Can't reach the server")
    page.unroute("**/predict")
    with page.expect_response(lambda r: is_predict(r.request)) as response:
        page.get_by_test_id("retry").click()
    assert response.value.status == 200
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    expect(page.get_by_test_id("error")).to_be_hidden()
    assert dialogs == []


def test_korean_error_message(open_page: OpenPage) -> None:
    page = open_page(locale="ko-KR")
    page.route("**/predict", lambda route: route.abort("connectionrefused"))
    draw_sample(page, SEVEN)
    expect(page.get_by_test_id("error")).to_contain_text("서버에 연결할 수 없습니다")
    expect(page.get_by_test_id("retry")).to_have_text("다시 시도")


def test_banner_can_be_dismissed(page: Page) -> None:
    page.route("**/predict", lambda route: route.fulfill(status=500, body='{"error": "internal"}'))
    draw_sample(page, SEVEN)
    expect(page.get_by_test_id("error")).to_be_visible()
    page.get_by_test_id("dismiss").click()
    expect(page.get_by_test_id("error")).to_be_hidden()
    expect(page.get_by_test_id("predict")).to_be_focused()


def test_empty_canvas_from_the_api_is_the_blank_notice_not_an_error(page: Page) -> None:
    body = json.dumps({"error": "empty_canvas", "message": "no ink", "request_id": "r1"})
    page.route("**/predict", lambda route: route.fulfill(status=422, body=body))
    draw_sample(page, SEVEN)
    expect(page.get_by_test_id("notice")).to_have_text("Draw a digit first.")
    expect(page.get_by_test_id("error")).to_be_hidden()
    expect(page.get_by_test_id("prediction")).to_be_hidden()


def test_a_hung_api_times_out_with_a_retry(open_page: OpenPage) -> None:
    page = open_page(goto=False)
    page.clock.install()
    page.goto("/")
    held: list[Route] = []
    page.route("**/predict", lambda route: held.append(route))
    draw_sample(page, SEVEN)
    page.clock.run_for(1000)  # past the auto-predict pause: the request goes out
    expect(page.get_by_test_id("predict")).to_have_text("Analyzing…")
    assert len(held) == 1
    page.clock.run_for(19_000)
    expect(page.get_by_test_id("error")).to_be_hidden()
    page.clock.run_for(2_000)  # past the 20 s limit
    expect(page.get_by_test_id("error")).to_contain_text("took too long")
    expect(page.get_by_test_id("retry")).to_be_visible()
    expect(page.get_by_test_id("predict")).to_have_text("Predict")


def test_a_late_answer_never_overwrites_a_newer_drawing(page: Page) -> None:
    held: list[Route] = []
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url) if is_predict(r) else None)

    def first_held_then_real(route: Route) -> None:
        if not held:
            held.append(route)
        else:
            route.fallback()  # on to the real API

    page.route("**/predict", first_held_then_real)
    draw_with_mouse(page, [line((0.5, 0.2), (0.48, 0.8))])
    page.wait_for_timeout(700)  # the auto-predict request for the first drawing is out
    assert len(held) == 1
    # The user starts over: clear and draw a 4 while the first answer is pending.
    page.get_by_test_id("clear").click()
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, FOUR)
    expect(page.get_by_test_id("prediction")).to_have_text("4")
    # The old request was cancelled; even if its answer still arrives it is ignored.
    assert len(failed) == 1
    # The browser may already have dropped the cancelled request.
    with contextlib.suppress(Error):
        held[0].fulfill(status=200, body=json.dumps(fake_answer(1)))
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("prediction")).to_have_text("4")


def test_a_new_stroke_cancels_the_request_in_flight(page: Page) -> None:
    held: list[Route] = []
    page.route("**/predict", lambda route: held.append(route))
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.failure or "") if is_predict(r) else None)
    draw_sample(page, SEVEN)
    expect(page.get_by_test_id("predict")).to_have_text("Analyzing…")
    with page.expect_request(is_predict):
        draw_with_mouse(page, [line((0.35, 0.55), (0.65, 0.55))])
    expect(page.get_by_test_id("predict")).to_have_text("Analyzing…")
    assert failed == ["net::ERR_ABORTED"], "the first request is aborted when a stroke begins"
    page.wait_for_timeout(100)  # let the route handler see the second request
    assert len(held) == 2
    held[1].fulfill(status=200, body=json.dumps(fake_answer(7)))
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    expect(page.get_by_test_id("predict")).to_have_text("Predict")
