"""The rehearsal (tools/rehearsal) for tests: one for the session, and Chromium as a visitor.

The function behind the API's front is the rehearsal's own Docker-free Lambda stack, started
with the stack's feedback bucket (in moto), so that POST /feedback stores as deployed: one cold
start more than the page tests' shared stack (tests/conftest.py). The browser goes
through the rehearsal's tunnel only and trusts its CA through an NSS database of its own:
certificate errors are never ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright
from tests.frontend.pagekit import PageProblems
from tests.rehearsal.visitor import Visit, Visitor, console_line

from tools.chromium import CHROMIUM
from tools.chromium import FLAGS as CHROMIUM_FLAGS
from tools.rehearsal.rehearsal import Rehearsal

# Every Content-Security-Policy violation, from the first byte on (added before the page's
# own scripts, outside its policy).
LISTEN_FOR_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push({
  directive: e.effectiveDirective, blocked: e.blockedURI, disposition: e.disposition,
}));
"""


@pytest.fixture(scope="session")
def rehearsal() -> Iterator[Rehearsal]:
    with Rehearsal() as started:
        yield started


@pytest.fixture(scope="session")
def visitor_browser(playwright: Playwright, rehearsal: Rehearsal) -> Iterator[Browser]:
    """Chromium whose only network is the rehearsal's tunnel, trusting the run's CA."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does)")
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=list(CHROMIUM_FLAGS),
        env={**os.environ, "HOME": str(rehearsal.chromium_home())},
        proxy={"server": rehearsal.tunnel.url},
    )
    yield browser
    browser.close()


@pytest.fixture
def visit(visitor_browser: Browser, rehearsal: Rehearsal) -> Iterator[Visitor]:
    """visit(url=the site, locale="en-US", **context options): a fresh context, the page loaded.

    After the test: no uncaught error in the page and no 404 from the site.
    """
    opened: list[tuple[BrowserContext, PageProblems]] = []

    def opener(url: str | None = None, locale: str = "en-US", **options: Any) -> Visit:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = visitor_browser.new_context(locale=locale, **options)
        page = context.new_page()
        visit = Visit(page)
        page.on("console", lambda message: visit.console.append(console_line(message)))
        page.on("request", lambda request: visit.requests.append(request))
        page.on("requestfailed", lambda request: visit.failed.append(request))
        page.add_init_script(LISTEN_FOR_VIOLATIONS)
        target = url or rehearsal.site.url
        opened.append((context, PageProblems(page, target)))
        response = page.goto(f"{target}/")
        assert response is not None and response.ok, f"{target}/ answered {response}"
        visit.response = response
        return visit

    yield opener
    for context, _ in opened:
        context.close()
    for _, problems in opened:
        problems.assert_none()
