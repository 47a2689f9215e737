"""The function staged as the image is, run by awslambdaric under the Lambda emulator.

Slow the first time on a machine (pip installs function/requirements.txt into
build/lambda-runtime/, cached by a hash of the pins); then a few seconds.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.function_support import ROOT, event
from tests.support.requirements import normal, pins

from tools.canvas import blank_png, data_url
from tools.local.lambda_runtime import AWS_SDK, AWSLAMBDARIC, LambdaRuntime, stage_dependencies

pytestmark = pytest.mark.lambda_runtime

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def runtime() -> Iterator[LambdaRuntime]:
    with LambdaRuntime() as running:
        yield running


def test_a_v2_event_is_answered_by_the_staged_function(runtime: LambdaRuntime) -> None:
    answer = runtime.invoke(event("http-v2-predict-json"))
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["digit"] == 3
    assert UUID.match(answer["headers"]["x-request-id"])  # Lambda's own request id


def test_a_v1_event_with_a_raw_png_is_answered(runtime: LambdaRuntime) -> None:
    answer = runtime.invoke(event("rest-v1-predict-png"))
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["digit"] == 7


def test_a_blank_canvas_is_refused_not_guessed(runtime: LambdaRuntime) -> None:
    blank = copy.deepcopy(event("http-v2-predict-json"))
    blank["body"] = json.dumps({"image": data_url(blank_png())})
    answer = runtime.invoke(blank)
    assert answer["statusCode"] == 422
    assert json.loads(answer["body"])["error"] == "empty_canvas"


def test_the_function_logs_json_lines_and_emf(runtime: LambdaRuntime) -> None:
    runtime.invoke(event("http-v2-health"))
    records = [json.loads(line) for line in runtime.logs().splitlines() if line.startswith("{")]
    assert [r["message"] for r in records].count("model loaded") == 1  # once per container
    requests = [r for r in records if r["message"] == "request"]
    assert requests and all("_aws" in r and UUID.match(r["request_id"]) for r in requests)
    assert requests[0]["cold_start"] is True and not any(r["cold_start"] for r in requests[1:])


def test_a_missing_model_degrades_instead_of_crashing() -> None:
    with LambdaRuntime(env={"MODEL_PATH": "/nonexistent/model.joblib"}) as broken:
        health = broken.invoke(event("http-v2-health"))
        assert json.loads(health["body"]) == {
            "status": "degraded",
            "model_version": None,
            "feedback": False,
        }
        predict = broken.invoke(event("http-v2-predict-json"))
        assert predict["statusCode"] == 503
        assert json.loads(predict["body"])["error"] == "model_unavailable"
        errors = [line for line in broken.logs().splitlines() if '"model unavailable' in line]
        assert len(errors) == 1 and "/nonexistent/model.joblib" in errors[0]


def function_pins() -> dict[str, str]:
    return pins(ROOT / "function" / "requirements.txt")


def test_every_staged_distribution_is_pinned() -> None:
    """The pins are complete: nothing the image would install is left to the resolver."""
    staged: dict[str, str] = {}
    for info in stage_dependencies().glob("*.dist-info"):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        staged[normal(name)] = version
    # The base image's own: the runtime client (its dependencies with it) and the AWS SDK.
    runtime_client = {"awslambdaric", "simplejson", "snapshot-restore-py"}
    sdk = {normal(name): version for name, version in (pin.split("==") for pin in AWS_SDK)}
    base_image = runtime_client | set(sdk)
    assert {k: v for k, v in staged.items() if k not in base_image} == function_pins()
    assert staged["awslambdaric"] == AWSLAMBDARIC.split("==")[1]
    assert {k: staged[k] for k in sdk} == sdk  # the SDK as pinned, nothing resolved freely


def test_the_pins_resolve_to_wheels_on_python_312(tmp_path: Path) -> None:
    """The image runs Python 3.12 (x86_64 or arm64): same pins, wheels only."""
    for arch in ("x86_64", "aarch64"):
        report = tmp_path / f"{arch}.json"
        platforms = [f"--platform=manylinux_2_{minor}_{arch}" for minor in (28, 27, 17)]
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
             "--only-binary=:all:", "--python-version=3.12", *platforms,
             "--target", str(tmp_path / "unused"), "--report", str(report),
             "--requirement", str(ROOT / "function" / "requirements.txt")],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        installed: Any = json.loads(report.read_text())["install"]
        resolved = {normal(i["metadata"]["name"]): i["metadata"]["version"] for i in installed}
        assert resolved == function_pins(), arch
