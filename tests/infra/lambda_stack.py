"""The Docker-free Lambda stack (tools/local/lambda_local.py) for tests: the page and the API on one
origin, the API being SAM CLI's local API Gateway in front of the function under the emulator.

Shaped like tests/frontend/localserver.py's ``local_server`` so browser tests can run on either:

    from tests.infra.lambda_stack import lambda_local_server

    with lambda_local_server(UNCERTAIN_BELOW="0.99") as url:   # template env, overridden
        ...

or take the session fixture ``lambda_stack_url`` (import it into a conftest).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from tools.local.lambda_local import SAM_PYTHON, LocalStack


@contextlib.contextmanager
def lambda_local_server(**env: str) -> Iterator[str]:
    """The stack on a free port with extra function environment; yields its origin."""
    if not SAM_PYTHON.exists():
        message = "the SAM CLI venv is missing: run `make sam`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # A failed start raises with both processes' logs in the message.
    with LocalStack(env=env) as stack:
        yield stack.url


@pytest.fixture(scope="session")
def lambda_stack_url() -> Iterator[str]:
    """One stack for the session (the emulator's cold start happens once)."""
    with lambda_local_server() as url:
        yield url
