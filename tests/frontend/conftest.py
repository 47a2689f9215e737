"""Browser-test fixtures: the real local server and Debian's Chromium.

The server is `python -m tools.serve` (what `make run` starts) on a free port,
so the page talks to the real API and the shipped model. Chromium is the
Debian package (scripts/ensure-chromium.sh installs it), never a download.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from tests.frontend.pagekit import OpenPage

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
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
SERVER_START_TIMEOUT_S = 90.0
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            body: dict[str, Any] = json.load(response)
            return body
    except (OSError, urllib.error.URLError, ValueError):
        return None


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The real local server (API + page on one origin), started once per session."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.serve"],
            cwd=ROOT,
            env={**os.environ, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while (body := _health(url)) is None:
                if process.poll() is not None:
                    pytest.fail(
                        f"tools.serve exited ({process.returncode}): {log_path.read_text()}"
                    )
                if time.monotonic() > deadline:
                    waited = f"{SERVER_START_TIMEOUT_S:.0f}s"
                    pytest.fail(f"tools.serve not healthy after {waited}: {log_path.read_text()}")
                time.sleep(0.2)
            assert body.get("status") == "ok", f"the model did not load: {body}"
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
    """Open the page in a fresh context: open_page(locale=..., viewport=..., has_touch=...)."""
    contexts: list[tuple[BrowserContext, PageProblems]] = []

    def opener(goto: bool = True, **options: Any) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("locale", "en-US")
        context = browser.new_context(base_url=server_url, **options)
        page = context.new_page()
        problems = PageProblems(page, server_url)
        contexts.append((context, problems))
        if goto:
            page.goto("/")
            page.wait_for_load_state("networkidle")
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
