"""The SAM + Docker path: one `sam build` per session, shared by every test here."""

from __future__ import annotations

import pytest
from tests.sam_docker.stack import NOTICES, require_built, sam_docker_stack_url

from tools.aws.sam_docker import Built

__all__ = ["sam_docker_stack_url"]


@pytest.fixture(scope="session")
def built() -> Built:
    return require_built()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for notice in NOTICES:  # the stand-in base image says what it is wherever it was used
        terminalreporter.write_line(notice)
