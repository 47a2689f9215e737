"""Browser-test fixtures: the real servers and Debian's Chromium.

Each page test runs on both stacks that serve the page and the API on one origin, with the
shipped model behind them: "local", `python -m tools.local.serve` (what `make run` starts), and
"lambda", the Docker-free Lambda stack (what `make lambda-local` starts: SAM's local API
Gateway in front of the function under the Runtime Interface Emulator); where Docker runs,
two digit-reading tests also run on "sam_docker" (`sam local start-api`, make sam-local).
Tests that mock the API, or that pick their own stack, run once. Chromium is the Debian package
(scripts/ensure-chromium.sh installs it), never a download.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from tests.frontend.localserver import ARTIFACTS, ROOT, local_server
from tests.frontend.pagekit import OpenPage, PageProblems, ServerFactory
from tests.infra.lambda_stack import lambda_local_server
from tests.sam_docker.stack import sam_docker_server, sam_docker_stack_url

from tools.chromium import CHROMIUM
from tools.chromium import FLAGS as CHROMIUM_FLAGS

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Each stack: its context manager and its session fixture.
SITES: dict[str, tuple[ServerFactory, str]] = {
    "local": (local_server, "local_server_url"),
    "lambda": (lambda_local_server, "lambda_stack_url"),
    "sam_docker": (sam_docker_server, "sam_docker_stack_url"),
}
# The third stack, `sam local start-api` with Docker (make sam-local), where Docker runs: only
# the tests that read drawn digits through the API (every handwriting sample), to keep make
# test's time in bounds (tests/sam_docker covers the API itself).
SAM_DOCKER_TESTS = {"test_mouse_drawn_digit_is_read_automatically", "test_pen_drawn_digit"}
# The stacks that send the deployed page's Content-Security-Policy.
CSP_STACKS = {"lambda", "sam_docker"}
__all__ = ["sam_docker_stack_url"]  # its session fixture, shared with tests/sam_docker
# These modules mock the API (page.route) or start their own server: one stack is enough.
MOCKED_API_MODULES = {"test_page_errors.py", "test_page_feedback.py"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test on the page runs on each stack, except the ones that need only one."""
    if "site" not in metafunc.fixturenames:
        return
    if metafunc.definition.path.name in MOCKED_API_MODULES:
        return
    if "lambda_stack_url" in metafunc.fixturenames:
        return  # it asks for the Lambda stack by name (test_page_csp.py)
    # Session scope groups the tests by stack.
    stacks = [pytest.param("local"), pytest.param("lambda", marks=pytest.mark.lambda_runtime)]
    if metafunc.function.__name__ in SAM_DOCKER_TESTS:
        stacks.append(pytest.param("sam_docker", marks=pytest.mark.sam_docker))
    metafunc.parametrize("site", stacks, indirect=True, scope="session")


@pytest.fixture(scope="session")
def site(request: pytest.FixtureRequest) -> str:
    """Which stack serves the page: "local" (unless parametrized), "lambda" or "sam_docker"."""
    name: str = getattr(request, "param", "local")
    return name


@pytest.fixture(scope="session")
def site_server(site: str) -> ServerFactory:
    """The stack's context manager, for a test's own instance: `with site_server(**env)`."""
    return SITES[site][0]


@pytest.fixture(scope="session")
def local_server_url() -> Iterator[str]:
    """The real local server (API + page on one origin), started once per session."""
    with local_server() as url:
        yield url


@pytest.fixture
def server_url(request: pytest.FixtureRequest, site: str) -> str:
    """The origin of this test's stack; each stack starts once per session."""
    # Looked up by name, not a dependency: a stack stays up while tests switch stacks.
    url: str = request.getfixturevalue(SITES[site][1])
    return url


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_FLAGS))
    yield browser
    browser.close()


@pytest.fixture
def open_page(
    request: pytest.FixtureRequest, browser: Browser, site: str, server_url: str
) -> Iterator[OpenPage]:
    """A fresh context on the page: open_page(locale=..., has_touch=..., server=other_url)."""
    contexts: list[tuple[BrowserContext, PageProblems]] = []
    # axe-core goes in as an inline script, which the deployed policy the Lambda stack sends
    # (script-src 'self') blocks; test_page_csp.py tests that policy, without a bypass.
    bypass_csp = site in CSP_STACKS and "axe_path" in request.fixturenames

    def opener(goto: bool = True, server: str | None = None, **options: Any) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("locale", "en-US")
        if bypass_csp:
            options.setdefault("bypass_csp", True)
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
        problems.assert_none()


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
def artifacts(site: str) -> Path:
    """Screenshots: test-artifacts/ for the local run, test-artifacts/lambda/ for the stack."""
    folder = ARTIFACTS if site == "local" else ARTIFACTS / site
    folder.mkdir(parents=True, exist_ok=True)
    return folder
