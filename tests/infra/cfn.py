"""template.yaml for the tests: evaluated with realistic fake ids, or translated by SAM.

Evaluator here is tools/aws/cfn_eval.py's with FAKE_IDS/FAKE_ATTRS, shaped like the real ids and
attributes where a test looks into them (other resources read as "<Name>" / "<Name.Attr>").
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tools.aws import cfn_eval
from tools.aws.cfn_eval import load_template

__all__ = ["Evaluator", "load_template", "translated_template"]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
INFRA_PYTHON = ROOT / ".venv" / "infra" / "bin" / "python"

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
STACK = "digit-lambda"
STACK_ID = (
    f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/0b7c1a40-1111-2222-3333-444455556666"
)

FAKE_IDS = {
    "HttpApi": "abc123defg",
    "SiteDistribution": "E2EXAMPLE0AB",
    "SiteBucket": "digit-lambda-sitebucket-1x2y3z",
    "DigitFunction": "digit-lambda-DigitFunction-AbCdEf",
}
FAKE_ATTRS = {
    ("SiteDistribution", "DomainName"): "d111111abcdef8.cloudfront.net",
    ("SiteBucket", "Arn"): f"arn:aws:s3:::{FAKE_IDS['SiteBucket']}",
    ("SiteBucket", "RegionalDomainName"): f"{FAKE_IDS['SiteBucket']}.s3.{REGION}.amazonaws.com",
    ("FunctionLogGroup", "Arn"): (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{STACK}-digits:*"
    ),
    ("ApiAccessLogGroup", "Arn"): (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigateway/{STACK}-digits-api:*"
    ),
    ("FunctionRole", "Arn"): f"arn:aws:iam::{ACCOUNT}:role/{STACK}-FunctionRole-XyZ",
}
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": STACK,
    "AWS::StackId": STACK_ID,
}


class Evaluator(cfn_eval.Evaluator):
    """tools.aws.cfn_eval.Evaluator with the fake account, stack, ids and attributes above."""

    def __init__(self, template: dict[str, Any], parameters: dict[str, str] | None = None) -> None:
        super().__init__(template, parameters, pseudo=PSEUDO, ids=FAKE_IDS, attrs=FAKE_ATTRS)


def translated_template(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """template.yaml after the SAM transform (aws-sam-translator on the infra venv)."""
    if not INFRA_PYTHON.exists():
        message = "the infra venv is missing: run `make infra-venv`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    args = [str(INFRA_PYTHON), str(ROOT / "tools" / "aws" / "sam_translate.py"), "--region", REGION]
    for key, value in (parameters or {}).items():
        args += ["-p", f"{key}={value}"]
    done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120)
    translated: dict[str, Any] = json.loads(done.stdout)
    return translated
