"""`sam build`, then `sam local invoke` of every event in events/: a fresh container each time,
as a cold Lambda. The expectations are tests/lambda/test_handler_events.py's (events_contract).
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.function_support import ROOT, event
from tests.sam_docker.events_contract import (
    EVENT_NAMES,
    Handler,
    check_event_answer,
    key,
    predicted_digits,
    test_docs_behind_a_rest_api_stage_load_the_spec_under_the_stage,
    test_docs_behind_the_http_api_default_stage_have_no_prefix,
    test_health_and_model_events,
)

from tools.aws.sam_docker import Built, sam_local_invoke

pytestmark = [pytest.mark.sam_docker, pytest.mark.slow]

__all__ = [
    "test_docs_behind_a_rest_api_stage_load_the_spec_under_the_stage",
    "test_docs_behind_the_http_api_default_stage_have_no_prefix",
    "test_health_and_model_events",
]

# sam local invoke spends most of its time waiting (SAM's start, Docker, the container's
# cold start): three at a time roughly halves the wall time on two cores.
PARALLEL_INVOKES = 3


def image_config(image: str) -> dict[str, Any]:
    import subprocess

    out = subprocess.run(
        ["docker", "image", "inspect", image], capture_output=True, text=True, check=True
    ).stdout
    config: dict[str, Any] = json.loads(out)[0]["Config"]
    return config


def test_sam_build_makes_the_image_the_template_names(built: Built) -> None:
    template = (ROOT / "template.yaml").read_text(encoding="utf-8")
    tag = re.search(r"^\s*DockerTag:\s*(\S+)", template, re.MULTILINE)
    assert tag is not None and built.image == f"digitfunction:{tag.group(1)}"
    assert "Build Succeeded" in built.build_log
    config = image_config(built.image)
    assert config["Cmd"] == ["digits.handler.handler"]
    assert config["Entrypoint"] == ["/lambda-entrypoint.sh"]
    assert config["WorkingDir"] == "/var/task"
    assert "LAMBDA_TASK_ROOT=/var/task" in config["Env"]


def test_a_stand_in_base_says_so_in_the_function_image(built: Built) -> None:
    labels = image_config(built.image)["Labels"] or {}
    if labels.get("org.digit-lambda.standin") != "true":
        pytest.skip("built on AWS's own base image")
    assert labels["org.digit-lambda.standin.python"] == "3.11"
    assert "stand-in" in labels["org.opencontainers.image.description"]


@pytest.fixture(scope="module")
def answers(built: Built) -> dict[str, dict[str, Any]]:
    """Every event in events/ through `sam local invoke`, by canonical JSON of the event."""
    payloads = [event(name) for name in EVENT_NAMES]
    with ThreadPoolExecutor(max_workers=PARALLEL_INVOKES) as pool:
        results = list(pool.map(lambda payload: sam_local_invoke(built, payload), payloads))
    return {key(payload): result for payload, result in zip(payloads, results, strict=True)}


@pytest.fixture(scope="module")
def handler(built: Built, answers: dict[str, dict[str, Any]]) -> Handler:
    """test_handler_events' handler, answered by `sam local invoke` (events/ come pre-invoked)."""

    def invoke(payload: dict[str, Any], context: Any) -> dict[str, Any]:
        found = answers.get(key(payload))
        return found if found is not None else sam_local_invoke(built, payload)

    return invoke


def test_the_expectations_name_real_events() -> None:
    assert EVENT_NAMES and set(predicted_digits()) <= set(EVENT_NAMES)


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_every_event_is_answered(answers: dict[str, dict[str, Any]], name: str) -> None:
    check_event_answer(name, answers[key(event(name))])
