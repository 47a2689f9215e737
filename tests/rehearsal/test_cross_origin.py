"""CORS as the browser enforces it on the rehearsed shape: the site's origin is granted its
preflight; a copy of the page on a foreign origin is refused, and says so in the visitor's
language, with nothing of the server's internals on the page or in the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.frontend.pagekit import draw_sample, is_predict
from tests.rehearsal.visitor import REHEARSAL_BROWSER, SEVEN, Visitor

from tools.rehearsal.api_front import Seen
from tools.rehearsal.rehearsal import Rehearsal

pytestmark = REHEARSAL_BROWSER


def seen_since(rehearsal: Rehearsal, start: int, origin: str) -> list[Seen]:
    return [seen for seen in rehearsal.api.seen[start:] if seen.origin == origin]


def test_the_sites_preflight_is_granted_then_the_post_answered(
    visit: Visitor, rehearsal: Rehearsal
) -> None:
    start = len(rehearsal.api.seen)
    page = visit().page
    with page.expect_response(lambda r: is_predict(r.request)) as answer:
        draw_sample(page, SEVEN)
    assert answer.value.status == 200
    assert answer.value.headers["access-control-allow-origin"] == rehearsal.site.url
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    asked = [
        (s.method, s.path, s.status, s.cors, s.by)
        for s in seen_since(rehearsal, start, rehearsal.site.url)
        if s.path == "/predict"
    ]
    # JSON bodies are not a "simple" request: the browser asked first, and only then posted.
    assert asked == [
        ("OPTIONS", "/predict", 204, True, "preflight"),
        ("POST", "/predict", 200, True, "function"),
    ]


@pytest.mark.parametrize(
    ("locale", "message", "retry"),
    [
        ("en-US", "Can't reach the server", "Try again"),
        ("ko-KR", "서버에 연결할 수 없습니다", "다시 시도"),
    ],
)
def test_a_copy_of_the_page_on_a_foreign_origin_is_refused(
    visit: Visitor, rehearsal: Rehearsal, locale: str, message: str, retry: str
) -> None:
    start = len(rehearsal.api.seen)
    foreign = rehearsal.elsewhere.url
    seen = visit(url=foreign, locale=locale)
    page = seen.page
    draw_sample(page, SEVEN)
    banner = page.get_by_test_id("error")
    expect(banner).to_contain_text(message)
    expect(page.get_by_test_id("retry")).to_have_text(retry)
    expect(page.get_by_test_id("predict")).not_to_have_text("Analyzing…")  # no spinner left
    expect(page.get_by_test_id("prediction")).to_be_empty()
    for internal in ("TypeError", "Failed to fetch", "CORS", "execute-api"):
        expect(banner).not_to_contain_text(internal)
    expect(page.get_by_test_id("model-version")).to_be_empty()  # /health was refused too
    # The browser asked, the API's edge said nothing that allows this origin, and the
    # drawing never reached the function.
    asked = {(s.method, s.path, s.cors, s.by) for s in seen_since(rehearsal, start, foreign)}
    assert ("OPTIONS", "/predict", False, "preflight") in asked
    assert not [s for s in seen_since(rehearsal, start, foreign) if s.method == "POST"]
    # The browser's own verdict, and nothing else: the page logs nothing of its own.
    blocked = [line for line in seen.console if "blocked by CORS policy" in line]
    assert any("preflight" in line and "/predict" in line for line in blocked), seen.console
    others = [
        line for line in seen.console if line not in blocked and "net::ERR_FAILED" not in line
    ]
    assert others == []
    assert seen.violations() == []  # CSP allowed the call: CORS refused it
