"""What a visit to the rehearsed site records (the ``visit`` fixture of tests/rehearsal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response
from tests.frontend.handwriting import SAMPLES

# The marks of every browser test on the rehearsed shape (a Chromium, the Lambda runtime).
REHEARSAL_BROWSER = [
    pytest.mark.browser,
    pytest.mark.rehearsal,
    pytest.mark.lambda_runtime,
    pytest.mark.slow,
]
SEVEN = next(sample for sample in SAMPLES if sample.id == "7-slanted")  # the digit most sent


@dataclass
class Visit:
    """A page opened as a visitor opens it, and what the browser saw meanwhile."""

    page: Page
    response: Response | None = None  # the page's own, from the site
    console: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    failed: list[Request] = field(default_factory=list)

    def violations(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.page.evaluate("window.__violations")
        return found

    def console_text(self) -> str:
        return "\n".join(self.console)


Visitor = Callable[..., Visit]


def console_line(message: ConsoleMessage) -> str:
    return f"{message.type}: {message.text}"
