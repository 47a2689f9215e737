"""Browser-test fixtures: the real local server and Debian's Chromium.

The server is `python -m tools.serve` (what `make run` starts) on a free port,
so the page talks to the real API and the shipped model. Chromium is the
Debian package (scripts/ensure-chromium.sh installs it), never a download.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from tests.frontend.localserver import ARTIFACTS, ROOT, local_server
from tests.frontend.pagekit import OpenPage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The real local server (API + page on one origin), started once per session."""
    with local_server() as url:
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class PageProblems:
    """What went wrong inside a page that no assertion looked at."""

    def __init__(self, page: Page, origin: str) -> None:
        self.errors: list[str] = []
        self.missing: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "response",
            lambda response: (
                self.missing.append(f"{response.status} {response.url}")
                if response.status == 404 and response.url.startswith(origin)
                else None
            ),
        )


@pytest.fixture
def open_page(browser: Browser, server_url: str) -> Iterator[OpenPage]:
    """A fresh context on the page: open_page(locale=..., has_touch=..., server=other_url)."""
    contexts: list[tuple[BrowserContext, PageProblems]] = []

    def opener(goto: bool = True, server: str | None = None, **options: Any) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("locale", "en-US")
        origin = server or server_url
        context = browser.new_context(base_url=origin, **options)
        page = context.new_page()
        problems = PageProblems(page, origin)
        contexts.append((context, problems))
        if goto:
            page.goto("/")  # returns after "load": the module scripts have run
        return page

    yield opener
    for context, _ in contexts:
        context.close()
    for _, problems in contexts:
        assert problems.errors == [], f"uncaught errors in the page: {problems.errors}"
        assert problems.missing == [], f"404s (a favicon?): {problems.missing}"


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """The page in English on a 1280x800 desktop, the real API behind it."""
    return open_page()


@pytest.fixture(scope="session")
def axe_path() -> Path:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    return AXE


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
