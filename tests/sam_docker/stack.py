"""The SAM + Docker stack for tests (tools/aws/sam_docker.py): built once per session.

Shaped like tests/infra/lambda_stack.py so the browser tests can run on it too:

    from tests.sam_docker.stack import sam_docker_server

    with sam_docker_server(UNCERTAIN_BELOW="0.99") as url:   # template env, overridden
        ...

Without a running Docker engine every test that needs it is skipped, saying why.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tools.aws.sam_docker import Built, SamApi, built_once, docker_unavailable, standin_notice

NOTICES: list[str] = []  # printed in the terminal summary (tests/sam_docker/conftest.py)


def require_built() -> Built:
    """`sam build` done (once per session), or the test skipped with the reason."""
    reason = docker_unavailable()
    if reason is not None:
        pytest.skip(f"the SAM + Docker path cannot run here: {reason}")
    built = built_once()
    notice = standin_notice()
    if notice and notice not in NOTICES:
        NOTICES.append(notice)
    return built


@contextlib.contextmanager
def sam_docker_server(**env: str) -> Iterator[str]:
    """`sam local start-api` on a free port with extra function environment; its origin."""
    with SamApi(require_built(), env=env) as api:
        yield api.url


class _Shared:
    """One start-api for the session, though two conftests (here, tests/frontend) hold the
    fixture: the first to ask starts it, the last to finish stops it."""

    api: SamApi | None = None
    users = 0


@pytest.fixture(scope="session")
def sam_docker_stack_url() -> Iterator[str]:
    """One start-api for the session (its warm container serves every request)."""
    if _Shared.api is None:
        _Shared.api = SamApi(require_built()).start()
    _Shared.users += 1
    try:
        yield _Shared.api.url
    finally:
        _Shared.users -= 1
        if _Shared.users == 0:
            api, _Shared.api = _Shared.api, None
            api.__exit__(None, None, None)
