"""Suite-wide ordering and the one Docker-free Lambda stack every test shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Playwright, sync_playwright
from tests.function_support import FAKE_AWS_ENV
from tests.infra.lambda_stack import lambda_stack_url

__all__ = ["lambda_stack_url"]  # a session fixture: one stack for the security and page tests


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API keeps an asyncio loop running in the main thread for the
    # rest of the session, and Mangum's handler (tests/lambda) needs a thread without
    # one: so the browser tests run last. The sort is stable: order is kept otherwise.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials in the environment, for moto and local S3 stand-ins."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright driver for the session: the sync API cannot run two at once, and both
    tests/frontend and tests/rehearsal start browsers from it."""
    with sync_playwright() as driver:
        yield driver
