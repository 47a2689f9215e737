"""The page after API Gateway's own failures, on the rehearsed shape: a throttled route (429)
and an integration that does not answer in time, as a failed cold start does (503). Neither can
be made by the local emulators, so the API's edge injects them (tools/rehearsal/api_front.py)
exactly as the HTTP API sends them; the page must say what happened, in the visitor's language,
offer a retry, and read the drawing when the retry gets through."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.frontend.pagekit import draw_sample, is_predict
from tests.rehearsal.visitor import REHEARSAL_BROWSER, SEVEN, Visitor

from tools.rehearsal.rehearsal import Rehearsal

pytestmark = REHEARSAL_BROWSER

CASES = [
    # what the gateway answers, the locale, what the banner says, the retry button
    ("throttled", "en-US", "Too many requests. Try again in a moment.", "Try again"),
    ("throttled", "ko-KR", "요청이 너무 많습니다. 잠시 후 다시 시도하세요.", "다시 시도"),
    (
        "unavailable",
        "en-US",
        "The model is unavailable right now. Try again in a moment.",
        "Try again",
    ),
    (
        "unavailable",
        "ko-KR",
        "모델을 지금 사용할 수 없습니다. 잠시 후 다시 시도하세요.",
        "다시 시도",
    ),
]


@pytest.mark.parametrize(("failure", "locale", "message", "retry"), CASES)
def test_the_page_recovers_after_the_gateway_fails(
    visit: Visitor, rehearsal: Rehearsal, failure: str, locale: str, message: str, retry: str
) -> None:
    page = visit(locale=locale).page
    status = {"throttled": 429, "unavailable": 503}[failure]
    if failure == "throttled":
        rehearsal.api.throttle_next()
    else:
        rehearsal.api.unavailable_next()
    with page.expect_response(lambda r: is_predict(r.request)) as failed:
        draw_sample(page, SEVEN)
    assert failed.value.status == status
    assert failed.value.headers["access-control-allow-origin"] == rehearsal.site.url
    banner = page.get_by_test_id("error")
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text(message)
    expect(page.get_by_test_id("retry")).to_have_text(retry)
    expect(banner).not_to_contain_text("Too Many Requests")  # the gateway's text is not shown
    expect(banner).not_to_contain_text("Service Unavailable")
    expect(page.get_by_test_id("prediction")).to_be_empty()
    expect(page.get_by_test_id("predict")).not_to_have_text("Analyzing…")
    assert rehearsal.api.pending_faults() == 0
    with page.expect_response(lambda r: is_predict(r.request)) as answered:
        page.get_by_test_id("retry").click()
    assert answered.value.status == 200
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    expect(banner).to_be_hidden()
