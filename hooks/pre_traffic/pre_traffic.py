"""CodeDeploy's PreTraffic hook: a new version must answer the golden canvases as before.

CodeDeploy calls this before it moves any of the live alias's traffic to the version it is
deploying. The hook invokes that version directly (TARGET_VERSION_ARN, set by template.yaml)
with every case of cases.json: real API Gateway events from events/ (the canvas of a 3, of a
7, a blank canvas, bytes that are no image, /health, /model) with the status, digit or error
code each must get. Any difference, an invocation error or a timeout reports Failed, and
CodeDeploy stops the deployment and keeps the alias where it was: users never meet the new
version. Only the standard library and boto3 (which the Lambda runtime ships): no numpy.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

CASES = Path(__file__).with_name("cases.json")


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases


def answer_body(answer: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of an API Gateway proxy answer ({} when it has none or is not JSON)."""
    body = answer.get("body") or ""
    if answer.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def check(case: dict[str, Any], answer: dict[str, Any]) -> str | None:
    """What is wrong with the answer to one case, or None if it is what the case expects."""
    expect = case["expect"]
    status = answer.get("statusCode")
    if status != expect["status"]:
        return f"{case['name']}: status {status}, expected {expect['status']}"
    body = answer_body(answer)
    for field in ("digit", "error"):
        if field in expect and body.get(field) != expect[field]:
            return f"{case['name']}: {field} {body.get(field)!r}, expected {expect[field]!r}"
    return None


def invoke(lambda_client: Any, function: str, event: dict[str, Any]) -> dict[str, Any]:
    response = lambda_client.invoke(
        FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(event)
    )
    payload = response["Payload"].read()
    if response.get("FunctionError"):
        raise RuntimeError(f"function error {response['FunctionError']}: {payload[:300]!r}")
    answer: dict[str, Any] = json.loads(payload)
    return answer


def verify(lambda_client: Any, function: str, cases: list[dict[str, Any]]) -> list[str]:
    """Every problem found, one line each; empty when the version answers every case right."""
    problems = []
    for case in cases:
        try:
            problem = check(case, invoke(lambda_client, function, case["event"]))
        except Exception as error:  # any failure to answer fails the version
            problem = f"{case['name']}: {type(error).__name__}: {error}"
        if problem:
            problems.append(problem)
    return problems


def run_hook(
    event: dict[str, Any], lambda_client: Any, codedeploy: Any, function: str
) -> dict[str, Any]:
    """Checks `function` and reports the verdict to CodeDeploy; returns it for the log."""
    try:
        cases = load_cases()
        problems = verify(lambda_client, function, cases)
    except Exception as error:  # a hook that never reports stalls CodeDeploy for an hour
        cases, problems = [], [f"the hook could not run: {type(error).__name__}: {error}"]
    status = "Failed" if problems else "Succeeded"
    verdict = {"target": function, "cases": len(cases), "status": status, "problems": problems}
    print(json.dumps(verdict))  # one line in the hook's log: which case failed, and how
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return verdict


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3  # the runtime's; imported here so the checks above need no AWS SDK

    return run_hook(
        event, boto3.client("lambda"), boto3.client("codedeploy"), os.environ["TARGET_VERSION_ARN"]
    )
