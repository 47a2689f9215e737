"""'Wrong? Pick the right digit': the page sends the drawing it asked about, with the labels."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from tests.frontend.handwriting import SAMPLES
from tests.frontend.localserver import local_server
from tests.frontend.pagekit import OpenPage, draw_sample, feedback_switched_on, is_predict
from tests.function_support import FAKE_AWS_ENV
from tests.reliability.fake_s3 import fake_s3

from training.feedback import load_feedback

pytestmark = pytest.mark.browser

SEVEN = next(sample for sample in SAMPLES if sample.id == "7-slanted")


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """The page on the real local server, whose /health says feedback is collected."""
    page = open_page(goto=False)
    feedback_switched_on(page)
    page.goto("/")
    return page


def test_without_feedback_the_buttons_are_not_offered(open_page: OpenPage) -> None:
    """A plain `make run` collects no feedback: no button that can only end in an error."""
    page = open_page()  # the real /health: feedback off (no FEEDBACK_BUCKET)
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, SEVEN, "mouse")
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    expect(page.get_by_test_id("feedback")).to_be_hidden()


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
    # The privacy note sits where feedback is sent, and is shown.
    expect(page.get_by_test_id("feedback-privacy")).to_be_visible()
    expect(page.get_by_test_id("feedback-privacy")).to_contain_text("IP")
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


def test_feedback_from_the_page_reaches_the_bucket_and_training(
    open_page: OpenPage, tmp_path: Path
) -> None:
    """End to end: page -> POST /feedback on a real server -> S3 (a loopback fake) -> training.

    Once, on the local stack: this module is in conftest's MOCKED_API_MODULES.
    """
    with fake_s3("accept", {}) as bucket:
        env = {
            "FEEDBACK_BUCKET": "feedback-bucket",
            "AWS_ENDPOINT_URL_S3": bucket.url,
            **FAKE_AWS_ENV,
        }
        with local_server(**env) as origin:
            page = open_page(server=origin)
            with page.expect_response(lambda r: is_predict(r.request)):
                draw_sample(page, SEVEN, "mouse")
            with page.expect_response(lambda r: r.url.endswith("/feedback")) as stored:
                page.get_by_test_id("feedback-1").click()
            assert stored.value.status == 201
            expect(page.get_by_test_id("feedback-status")).to_contain_text("1")
        keys = sorted(bucket.objects)
    assert len(keys) == 2 and {key.rsplit(".", 1)[1] for key in keys} == {"json", "png"}
    for key in keys:
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(bucket.objects[key])
    samples = load_feedback(str(tmp_path))
    assert len(samples) == 1 and samples.labels.tolist() == [1] and samples.skipped == 0


def test_the_privacy_note_shows_on_a_phone_too(open_page: OpenPage) -> None:
    page = open_page(
        goto=False, viewport={"width": 390, "height": 844}, locale="ko-KR", has_touch=True
    )
    feedback_switched_on(page)
    page.goto("/")
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, SEVEN, "touch")
    note = page.get_by_test_id("feedback-privacy")
    expect(note).to_be_visible()
    expect(note).to_contain_text("개인 정보는 저장하지 않습니다")
