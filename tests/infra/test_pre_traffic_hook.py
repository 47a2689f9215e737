"""The pre-traffic hook (hooks/pre_traffic/): in process with botocore's Stubber, and for real
against the function under the Lambda emulator; its golden cases and its place in the template.

In process, the Lambda API's answers are the real handler's answers to each case (digits/handler.py
with the shipped model), so "passes" means the code as it is now passes; the failing tests change
one answer the way a bad model or a changed error mapping would.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import io
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from tests.infra.cfn import ROOT, Evaluator, load_template, translated_template

from tools.aws import hook_cases

HOOK_DIR = ROOT / "hooks" / "pre_traffic"
TARGET = "arn:aws:lambda:ap-northeast-2:123456789012:function:digit-lambda-DigitFunction:7"
HOOK_EVENT = {"DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "eyJleGVjIjoxfQ=="}


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pre_traffic", HOOK_DIR / "pre_traffic.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = load_hook()


class Context:
    aws_request_id = "6f1c9a3e-5d2b-4c8e-9f00-123456789abc"
    function_name = "digit-function"


@pytest.fixture(scope="module")
def real_answers() -> list[dict[str, Any]]:
    """What the function answers to each golden case now (in process, shipped model)."""
    from digits.handler import handler

    return [handler(copy.deepcopy(case["event"]), Context()) for case in hook.load_cases()]


def payload(answer: dict[str, Any], error: str | None = None) -> dict[str, Any]:
    body = json.dumps(answer).encode()
    response: dict[str, Any] = {
        "StatusCode": 200,
        "ExecutedVersion": "7",
        "Payload": StreamingBody(io.BytesIO(body), len(body)),
    }
    if error:
        response["FunctionError"] = error
    return response


@pytest.fixture
def clients(aws_env: None) -> Iterator[tuple[Any, Stubber, Any, Stubber]]:
    lambda_client = boto3.client("lambda", region_name="ap-northeast-2")
    codedeploy = boto3.client("codedeploy", region_name="ap-northeast-2")
    with Stubber(lambda_client) as lambda_stub, Stubber(codedeploy) as codedeploy_stub:
        yield lambda_client, lambda_stub, codedeploy, codedeploy_stub


def expect_run(
    clients: tuple[Any, Stubber, Any, Stubber],
    answers: list[dict[str, Any]],
    status: str,
    tamper: Callable[[int, dict[str, Any]], dict[str, Any]] = lambda _, r: r,
) -> dict[str, Any]:
    lambda_client, lambda_stub, codedeploy, codedeploy_stub = clients
    for index, (case, answer) in enumerate(zip(hook.load_cases(), answers, strict=True)):
        lambda_stub.add_response(
            "invoke",
            tamper(index, payload(answer)),
            {
                "FunctionName": TARGET,
                "InvocationType": "RequestResponse",
                "Payload": json.dumps(case["event"]),
            },
        )
    codedeploy_stub.add_response(
        "put_lifecycle_event_hook_execution_status",
        {"lifecycleEventHookExecutionId": HOOK_EVENT["LifecycleEventHookExecutionId"]},
        {
            "deploymentId": HOOK_EVENT["DeploymentId"],
            "lifecycleEventHookExecutionId": HOOK_EVENT["LifecycleEventHookExecutionId"],
            "status": status,
        },
    )
    verdict: dict[str, Any] = hook.run_hook(HOOK_EVENT, lambda_client, codedeploy, TARGET)
    lambda_stub.assert_no_pending_responses()
    codedeploy_stub.assert_no_pending_responses()
    return verdict


def with_body(answer: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = dict(answer)
    changed["body"] = json.dumps({**json.loads(answer["body"]), **changes})
    return changed


def test_the_function_as_it_is_passes_every_case(
    clients: tuple[Any, Stubber, Any, Stubber], real_answers: list[dict[str, Any]]
) -> None:
    verdict = expect_run(clients, real_answers, "Succeeded")
    assert verdict["problems"] == [] and verdict["cases"] == 6


def test_a_wrong_digit_fails_the_deployment(
    clients: tuple[Any, Stubber, Any, Stubber], real_answers: list[dict[str, Any]]
) -> None:
    answers = list(real_answers)
    answers[0] = with_body(answers[0], digit=8)  # a model that reads the 3 as an 8
    verdict = expect_run(clients, answers, "Failed")
    assert verdict["problems"] == ["predict-json: the canvas of a 3: digit 8, expected 3"]


def test_a_changed_error_code_fails_the_deployment(
    clients: tuple[Any, Stubber, Any, Stubber], real_answers: list[dict[str, Any]]
) -> None:
    names = [case["name"] for case in hook.load_cases()]
    answers = list(real_answers)
    blank = names.index("a blank canvas")
    answers[blank] = with_body(answers[blank], error="invalid_request")
    not_image = names.index("bytes that are no image")
    answers[not_image] = {**answers[not_image], "statusCode": 500}
    verdict = expect_run(clients, answers, "Failed")
    assert verdict["problems"] == [
        "a blank canvas: error 'invalid_request', expected 'empty_canvas'",
        "bytes that are no image: status 500, expected 400",
    ]


def test_a_crashing_version_fails_the_deployment(
    clients: tuple[Any, Stubber, Any, Stubber], real_answers: list[dict[str, Any]]
) -> None:
    crash = {"errorMessage": "Task timed out after 15.00 seconds"}
    verdict = expect_run(
        clients,
        real_answers,
        "Failed",
        tamper=lambda index, response: payload(crash, "Unhandled") if index == 4 else response,
    )
    (problem,) = verdict["problems"]
    assert problem.startswith("health: RuntimeError: function error Unhandled")


def test_missing_cases_still_report_failed_rather_than_stall_codedeploy(
    clients: tuple[Any, Stubber, Any, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    lambda_client, _, codedeploy, codedeploy_stub = clients
    monkeypatch.setattr(hook.load_cases, "__defaults__", (HOOK_DIR / "missing.json",))
    codedeploy_stub.add_response(
        "put_lifecycle_event_hook_execution_status",
        {},
        {
            "deploymentId": HOOK_EVENT["DeploymentId"],
            "lifecycleEventHookExecutionId": HOOK_EVENT["LifecycleEventHookExecutionId"],
            "status": "Failed",
        },
    )
    verdict = hook.run_hook(HOOK_EVENT, lambda_client, codedeploy, TARGET)
    codedeploy_stub.assert_no_pending_responses()
    assert verdict["problems"][0].startswith("the hook could not run: FileNotFoundError")


@pytest.mark.lambda_runtime
def test_under_the_emulator_the_real_function_passes_the_hook(aws_env: None) -> None:
    from tools.local.lambda_runtime import LambdaRuntime

    codedeploy = boto3.client("codedeploy", region_name="us-east-1")
    with LambdaRuntime() as runtime, Stubber(codedeploy) as codedeploy_stub:
        # The emulator serves Lambda's Invoke API for the one function it runs ("function").
        lambda_client = boto3.client(
            "lambda", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{runtime.port}"
        )
        codedeploy_stub.add_response(
            "put_lifecycle_event_hook_execution_status",
            {},
            {
                "deploymentId": HOOK_EVENT["DeploymentId"],
                "lifecycleEventHookExecutionId": HOOK_EVENT["LifecycleEventHookExecutionId"],
                "status": "Succeeded",
            },
        )
        verdict = hook.run_hook(HOOK_EVENT, lambda_client, codedeploy, "function")
    assert verdict["status"] == "Succeeded", verdict["problems"]


# --- The cases and the code ----------------------------------------------------------------


def test_the_cases_are_current_with_events() -> None:
    assert (HOOK_DIR / "cases.json").read_text(encoding="utf-8") == hook_cases.render(), (
        "run `make hook-cases`"
    )


def test_the_cases_cover_both_digits_and_the_error_codes() -> None:
    expected = [case["expect"] for case in hook.load_cases()]
    assert {e.get("digit") for e in expected} >= {3, 7}
    assert {e.get("error") for e in expected} >= {"empty_canvas", "invalid_image"}


def test_the_hook_ships_alone_and_needs_only_the_runtimes_modules() -> None:
    assert sorted(p.name for p in HOOK_DIR.iterdir() if p.name != "__pycache__") == [
        "cases.json",
        "pre_traffic.py",
    ]
    tree = ast.parse((HOOK_DIR / "pre_traffic.py").read_text(encoding="utf-8"))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"__future__", "base64", "json", "os", "pathlib", "typing", "boto3"}


# --- In the template -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def translated() -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = Evaluator(translated_template()).resources()
    return resources


def test_every_version_goes_through_codedeploy_with_the_hook_and_rollback_alarms(
    translated: dict[str, dict[str, Any]],
) -> None:
    group = translated["DigitFunctionDeploymentGroup"]["Properties"]
    default = load_template()["Parameters"]["DeploymentType"]["Default"]
    assert group["DeploymentConfigName"] == f"CodeDeployDefault.Lambda{default}"
    alarms = {alarm["Name"] for alarm in group["AlarmConfiguration"]["Alarms"]}
    assert alarms == {"<FunctionServerErrorsAlarm>", "<FunctionDurationP99Alarm>"}
    assert group["AlarmConfiguration"]["Enabled"] is True
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
    update = translated["DigitFunctionAliaslive"]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert update["BeforeAllowTrafficHook"] == {"Ref": "PreTrafficHookFunction"}


@pytest.mark.parametrize("kind", ["Linear10PercentEvery1Minute", "AllAtOnce"])
def test_the_deployment_type_is_a_parameter(kind: str) -> None:
    cfn = translated_template({"DeploymentType": kind})
    group = Evaluator(cfn, {"DeploymentType": kind}).resources()["DigitFunctionDeploymentGroup"]
    assert group["Properties"]["DeploymentConfigName"] == f"CodeDeployDefault.Lambda{kind}"


def test_the_hook_is_named_for_codedeploy_and_targets_the_new_version(
    translated: dict[str, dict[str, Any]],
) -> None:
    function = translated["PreTrafficHookFunction"]["Properties"]
    # AWSCodeDeployRoleForLambda lets CodeDeploy invoke only functions named CodeDeployHook_*.
    assert function["FunctionName"].startswith("CodeDeployHook_")
    version = function["Environment"]["Variables"]["TARGET_VERSION_ARN"]
    assert version.startswith("<DigitFunctionVersion")
    assert function["Handler"] == "pre_traffic.handler"
    assert function["Runtime"] == "python3.12"


def test_the_hook_may_invoke_only_the_functions_versions_and_report_to_its_group(
    translated: dict[str, dict[str, Any]],
) -> None:
    role = translated["PreTrafficHookRole"]["Properties"]
    (policy,) = role["Policies"]
    granted = {
        s["Sid"]: (s["Action"], s["Resource"]) for s in policy["PolicyDocument"]["Statement"]
    }
    assert granted["InvokeDigitFunctionVersions"] == (
        "lambda:InvokeFunction",
        "<DigitFunction.Arn>:*",
    )
    assert granted["ReportToThisDeploymentGroup"] == (
        "codedeploy:PutLifecycleEventHookExecutionStatus",
        "arn:aws:codedeploy:ap-northeast-2:123456789012:deploymentgroup:"
        "<ServerlessDeploymentApplication>/<DigitFunctionDeploymentGroup>",
    )
    assert set(granted) == {
        "WriteOwnLogs",
        "InvokeDigitFunctionVersions",
        "ReportToThisDeploymentGroup",
    }


def test_sam_builds_the_hook_as_a_zip_of_its_code_and_cases(tmp_path: Path) -> None:
    sam = ROOT / ".venv" / "sam" / "bin" / "sam"
    if not sam.exists():
        if os.environ.get("CI"):
            pytest.fail("the SAM CLI is missing: run `make sam`")
        pytest.skip("the SAM CLI is missing: run `make sam`")
    subprocess.run(
        [str(sam), "build", "PreTrafficHookFunction", "--build-dir", str(tmp_path / "build")],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=300,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    built = tmp_path / "build" / "PreTrafficHookFunction"
    assert sorted(p.name for p in built.iterdir()) == ["cases.json", "pre_traffic.py"]
    assert (built / "cases.json").read_bytes() == (HOOK_DIR / "cases.json").read_bytes()
