"""'Wrong? Pick the right digit': the page sends the drawing it asked about, with the labels."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from tests.frontend.handwriting import SAMPLES
from tests.frontend.pagekit import draw_sample, is_predict

pytestmark = pytest.mark.browser

SEVEN = next(sample for sample in SAMPLES if sample.id == "7-slanted")


def test_picking_the_right_digit_sends_the_drawing_and_thanks(page: Page) -> None:
    reports: list[dict[str, Any]] = []

    def store(route: Route) -> None:
        reports.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=201, content_type="application/json", body='{"status":"stored"}')

    page.route("**/feedback", store)
    feedback = page.get_by_test_id("feedback")
    expect(feedback).to_be_hidden()  # nothing to correct before an answer
    with page.expect_response(lambda r: is_predict(r.request)) as answer:
        draw_sample(page, SEVEN, "mouse")
    sent = json.loads(answer.value.request.post_data or "{}")["image"]
    predicted = answer.value.json()["digit"]
    expect(feedback).to_be_visible()
    expect(feedback).to_contain_text("IP")  # the privacy note sits where feedback is sent
    page.get_by_test_id("feedback-1").click()
    expect(page.get_by_test_id("feedback-status")).not_to_be_empty()
    assert len(reports) == 1
    (report,) = reports
    assert report["image"] == sent and report["correct"] == 1
    assert report["predicted"] == predicted and isinstance(report["model_version"], str)
    # One report per answer: the buttons are done.
    expect(page.get_by_test_id("feedback-2")).to_be_disabled()


def test_feedback_not_collected_is_said_plainly(page: Page) -> None:
    page.route(
        "**/feedback",
        lambda route: route.fulfill(
            status=503,
            content_type="application/json",
            body='{"error":"feedback_unavailable","message":"x","request_id":"r"}',
        ),
    )
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, SEVEN, "mouse")
    page.get_by_test_id("feedback-3").click()
    status = page.get_by_test_id("feedback-status")
    expect(status).to_have_text(re.compile("could not be sent|보내지 못했습니다"))
    expect(page.get_by_test_id("feedback-4")).to_be_enabled()  # may try again
