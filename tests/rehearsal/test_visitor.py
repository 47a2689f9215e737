"""A visitor of the deployed site, rehearsed: Chromium opens the page from the bucket over HTTPS
on the distribution's domain and draws; the page calls the API on its own origin, through
CORS preflights, under the CSP that the deploy pins."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from tests.frontend.handwriting import SAMPLES
from tests.frontend.pagekit import draw_sample, draw_with_mouse, is_predict, number_strokes
from tests.rehearsal.visitor import REHEARSAL_BROWSER, SEVEN, Visit, Visitor

from tools.rehearsal.rehearsal import Rehearsal

pytestmark = REHEARSAL_BROWSER


def assert_clean(visit: Visit) -> None:
    """Nothing the visitor should not have: a policy violation, a console line, plain http."""
    assert visit.violations() == []
    assert visit.console == []
    assert [r.url for r in visit.requests if not r.url.startswith("https://")] == []
    assert visit.failed == []


def test_every_drawn_digit_is_read_through_the_cross_origin_api(
    visit: Visitor, rehearsal: Rehearsal
) -> None:
    seen = visit()
    page = seen.page
    expect(page.get_by_test_id("model-version")).not_to_be_empty()  # GET /health across origins
    for sample in SAMPLES:
        with page.expect_response(lambda r: is_predict(r.request)) as answer:
            draw_sample(page, sample, "mouse")
        assert answer.value.status == 200, sample.id
        assert answer.value.url == f"{rehearsal.api.url}/predict"
        expect(page.get_by_test_id("prediction")).to_have_text(str(sample.digit))
        page.get_by_test_id("clear").click()
    assert_clean(seen)


@pytest.mark.parametrize("how", ["pen", "touch"])
def test_a_pen_and_a_finger_work_too(visit: Visitor, how: str) -> None:
    seen = visit(has_touch=how == "touch", locale="ko-KR")
    with seen.page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(seen.page, SEVEN, how)
    expect(seen.page.get_by_test_id("prediction")).to_have_text("7")
    expect(seen.page.get_by_test_id("predict")).to_have_text("예측하기")
    assert_clean(seen)


def test_a_number_in_number_mode(visit: Visitor) -> None:
    seen = visit()
    page = seen.page
    page.get_by_test_id("auto").uncheck()
    page.get_by_test_id("number-mode").check()
    draw_with_mouse(page, number_strokes(["2-hook", "0-oval", "8-loops"]))
    with page.expect_response(lambda r: is_predict(r.request)) as answer:
        page.get_by_test_id("predict").click()
    assert answer.value.status == 200
    expect(page.get_by_test_id("number")).to_have_text("208")
    expect(page.get_by_test_id("number-digits").locator("img")).to_have_count(3)
    assert_clean(seen)


def test_every_byte_comes_over_verified_tls(visit: Visitor, rehearsal: Rehearsal) -> None:
    seen = visit()
    with seen.page.expect_response(lambda r: is_predict(r.request)) as answer:
        draw_sample(seen.page, SEVEN)
    expect(seen.page.get_by_test_id("prediction")).to_have_text("7")
    for response in (seen.response, answer.value):
        assert response is not None
        details = response.security_details()
        assert details is not None and details.get("protocol") in {"TLS 1.3", "TLS 1.2"}
    origins = {r.url.split("/", 3)[2] for r in seen.requests}
    assert origins == {rehearsal.site.hostname, rehearsal.api.hostname}
    assert "Mixed Content" not in seen.console_text()
    assert_clean(seen)


def test_plain_http_lands_on_https(visit: Visitor, rehearsal: Rehearsal) -> None:
    seen = visit()
    response = seen.page.goto(f"http://{rehearsal.site.hostname}/")
    assert response is not None and response.url == f"{rehearsal.site.url}/"
    expect(seen.page.get_by_test_id("predict")).to_be_visible()


def test_a_certificate_for_another_name_is_refused(visit: Visitor, rehearsal: Rehearsal) -> None:
    """Control: the browser verifies the fronts' certificates (nothing is ignored). The
    foreign site's front answers here with its own certificate for the site's name."""
    routes = rehearsal.tunnel.routes
    key = (rehearsal.site.hostname, 443)
    kept = routes[key]
    routes[key] = rehearsal.elsewhere.https_port
    try:
        with pytest.raises(Exception, match="ERR_CERT_COMMON_NAME_INVALID"):
            visit()
    finally:
        routes[key] = kept


def test_the_csp_lets_the_page_reach_its_api_and_no_other(
    visit: Visitor, rehearsal: Rehearsal
) -> None:
    seen = visit()
    page = seen.page
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, SEVEN)
    assert seen.violations() == []
    # Another API of the same region: the first deploy's policy would allow it, the pinned
    # one does not (docs/deploy.md "Pin the CSP after the first deploy").
    region_hosts = rehearsal.api.hostname.split(".", 1)[1]  # execute-api.<region>.amazonaws.com
    other = f"https://otherapi0.{region_hosts}"
    outcome = page.evaluate(
        "url => fetch(url + '/health').then(() => 'reached', e => e.name)", other
    )
    assert outcome == "TypeError"
    (violation,) = seen.violations()
    assert violation["directive"] == "connect-src"
    assert violation["blocked"].startswith(other)
    assert violation["disposition"] == "enforce"
    host = other.removeprefix("https://")
    assert host not in rehearsal.tunnel.hosts_asked()  # blocked in the browser, never sent


def test_feedback_from_the_page_lands_in_the_stacks_bucket(
    visit: Visitor, rehearsal: Rehearsal
) -> None:
    """The page's correction goes across origins to POST /feedback, and the function stores
    the drawing and its record in the bucket the template made for them (moto's S3)."""
    seen = visit()
    page = seen.page
    with page.expect_response(lambda r: is_predict(r.request)):
        draw_sample(page, SEVEN, "mouse")
    expect(page.get_by_test_id("feedback")).to_be_visible()  # /health: feedback is collected
    with page.expect_response(lambda r: r.url.endswith("/feedback")) as stored:
        page.get_by_test_id("feedback-1").click()
    assert stored.value.status == 201, stored.value.text()
    assert stored.value.url == f"{rehearsal.api.url}/feedback"
    expect(page.get_by_test_id("feedback-status")).to_contain_text("1")
    s3 = rehearsal.aws.client("s3")
    bucket = rehearsal.stack.outputs["FeedbackBucketName"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    records = [key for key in keys if key.endswith(".json")]
    assert len(records) == 1 and {k.rsplit(".", 1)[1] for k in keys} == {"json", "png"}
    assert all(key.startswith("feedback/") for key in keys)  # where the function's policy lets it
    record = json.loads(s3.get_object(Bucket=bucket, Key=records[0])["Body"].read())
    assert record["correct"] == 1 and record["predicted"] == 7
    assert_clean(seen)
