"""The built image run the way Lambda runs it (tools/aws/sam_docker.py LambdaLikeContainer):
read-only root, only /tmp writable, a non-root user, the template's memory size as the limit,
the Runtime Interface Emulator as the entry point. It answers events/ as test_handler_events
expects, and cannot write outside /tmp.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.function_support import event
from tests.sam_docker.events_contract import (
    EVENT_NAMES,
    Handler,
    check_event_answer,
    test_docs_behind_a_rest_api_stage_load_the_spec_under_the_stage,
    test_docs_behind_the_http_api_default_stage_have_no_prefix,
    test_health_and_model_events,
)

from tools.aws.sam_docker import LAMBDA_USER, Built, LambdaLikeContainer

pytestmark = [pytest.mark.sam_docker, pytest.mark.slow]

__all__ = [
    "test_docs_behind_a_rest_api_stage_load_the_spec_under_the_stage",
    "test_docs_behind_the_http_api_default_stage_have_no_prefix",
    "test_health_and_model_events",
]


@pytest.fixture(scope="module")
def container(built: Built) -> Iterator[LambdaLikeContainer]:
    with LambdaLikeContainer(built.image) as running:
        yield running


@pytest.fixture(scope="module")
def handler(container: LambdaLikeContainer) -> Handler:
    def invoke(payload: dict[str, Any], context: Any) -> dict[str, Any]:
        answer: dict[str, Any] = container.invoke(payload)
        return answer

    return invoke


def test_the_container_is_configured_as_lambda_runs_it(container: LambdaLikeContainer) -> None:
    config = container.inspect()
    host = config["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert set(host["Tmpfs"]) == {"/tmp"}  # noqa: S108 - the one writable path, as in Lambda
    assert config["Config"]["User"] == LAMBDA_USER
    assert host["Memory"] == container.memory_mb * 2**20 == host["MemorySwap"]
    assert container.memory_mb == int(container.described["memory"])  # the template's
    assert config["Config"]["Entrypoint"] == ["/var/rapid/aws-lambda-rie"]
    bindings = host["PortBindings"]["8080/tcp"]
    assert [binding["HostIp"] for binding in bindings] == ["127.0.0.1"]


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_every_event_is_answered(container: LambdaLikeContainer, name: str) -> None:
    check_event_answer(name, container.invoke(event(name)))


def test_only_tmp_is_writable_and_not_as_root(container: LambdaLikeContainer) -> None:
    container.invoke(event("http-v2-health"))  # the function has started
    assert container.exec("id", "-u").stdout.strip() == LAMBDA_USER.split(":")[0]
    for path in ("/var/task/written", "/written", "/var/runtime/written"):
        assert container.exec("touch", path).returncode != 0, path
    assert container.exec("touch", "/tmp/written").returncode == 0  # noqa: S108 - in the container


def test_the_function_logs_one_cold_start(container: LambdaLikeContainer) -> None:
    container.invoke(event("http-v2-health"))
    logs = container.logs()
    assert logs.count('"model loaded"') == 1
