"""The page under the Content-Security-Policy it is deployed with, in Chromium, end to end.

tests/frontend/test_page_a11y.py checks the page under a strict policy written into the test
on the plain local server. This runs it on the Docker-free Lambda stack (make lambda-local),
whose gateway serves the page with template.yaml's own CloudFront headers, and listens
for every `securitypolicyviolation` event from the first byte on: drawing, asking the
function (same origin, as deployed behind one origin here), the 28x28 preview (a data: URL
image), switching the language. A control proves the listener hears violations: an
inline script added to the page is blocked and reported.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.frontend.handwriting import SAMPLES
from tests.frontend.pagekit import OpenPage, draw_sample, is_predict

from tools.aws.cfn_eval import Evaluator, load_template

pytestmark = [pytest.mark.browser, pytest.mark.lambda_runtime, pytest.mark.slow]

LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push({
  directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample,
  source: e.sourceFile, line: e.lineNumber,
}));
"""
SEVEN = next(sample for sample in SAMPLES if sample.id == "7-slanted")


def template_csp() -> str:
    resources = Evaluator(load_template()).resources()
    config = resources["SiteHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    policy: str = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    return policy


def violations(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("window.__violations")
    return found


@pytest.fixture
def stack_page(open_page: OpenPage, lambda_stack_url: str) -> Page:
    page = open_page(goto=False, server=lambda_stack_url)
    page.add_init_script(LISTEN)  # runs before the page's own scripts, outside its CSP
    response = page.goto("/")
    assert response is not None and response.ok
    assert response.headers["content-security-policy"] == template_csp()
    assert "'unsafe-inline'" not in template_csp() and "'unsafe-eval'" not in template_csp()
    return page


def test_the_page_works_under_its_deployed_csp_without_a_violation(stack_page: Page) -> None:
    page = stack_page
    console: list[str] = []
    page.on(
        "console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None
    )
    with page.expect_response(lambda r: is_predict(r.request)) as answer:
        draw_sample(page, SEVEN)
    assert answer.value.status == 200
    expect(page.get_by_test_id("prediction")).to_have_text("7")
    expect(page.get_by_test_id("preview")).to_be_visible()
    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("predict")).to_have_text("예측하기")
    page.get_by_test_id("clear").click()
    assert violations(page) == []
    assert console == []


def test_an_injected_inline_script_is_blocked_and_reported(stack_page: Page) -> None:
    """Control: the policy holds, and the listener above would have heard a violation."""
    page = stack_page
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__inlineRan = true'; document.head.append(s); }"
    )
    page.evaluate(
        "() => { const d = document.createElement('div');"
        " d.setAttribute('onclick', 'window.__handlerRan = true');"
        " document.body.append(d); d.click(); }"
    )
    assert page.evaluate("window.__inlineRan === undefined && window.__handlerRan === undefined")
    directives = sorted(v["directive"] for v in violations(page))
    assert directives == ["script-src-attr", "script-src-elem"], violations(page)
