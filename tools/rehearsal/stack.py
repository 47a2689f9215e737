"""The stack the rehearsal deploys into moto, and its outputs as template.yaml makes them.

moto's CloudFormation cannot create this template whole (no HTTP API, CloudFront distribution
or alarm types), so each value comes from as close to AWS as the emulator allows:

- the site and feedback buckets: the template's own definitions (properties evaluated),
  created by moto's CloudFormation in a stack with the template's name, whose outputs
  ``SiteBucketName`` and ``FeedbackBucketName`` are the template's own ``!Ref``s;
- the distribution's id and domain: moto's CloudFront, which names them as CloudFront does;
- the API's id: moto's API Gateway (an HTTP API), which names it as API Gateway does;
- every other output (``ApiUrl``, ``SiteUrl``, ``DistributionId``, ``FunctionName``): the
  template's own expression, evaluated with those ids (tools/aws/cfn_eval.py).

The deploy is the second one of docs/deploy.md: ``ApiOriginForCsp`` is the stack's ``ApiUrl``,
so the page's CSP names exactly this API, as after "Pin the CSP after the first deploy".
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.aws.cfn_eval import TEMPLATE, Evaluator, load_template
from tools.rehearsal.aws_emulator import MotoServer

ROOT = Path(__file__).resolve().parents[2]
# Created by moto's CloudFormation from the template's definitions.
STACK_RESOURCES = ("SiteBucket", "FeedbackBucket")
# No function is deployed into moto (make lambda-local runs it): its name is the template's
# Ref, given the shape CloudFormation names functions with.
FUNCTION_NAME = "{stack}-DigitFunction-Rehearsal0"


@dataclass(frozen=True)
class DeployedStack:
    """The rehearsal's stack: its outputs, the parameters it was deployed with, and the
    template evaluated with the same values (for the CORS, the routes, the page's headers)."""

    name: str
    region: str
    outputs: dict[str, str]
    parameters: dict[str, str]
    evaluator: Evaluator


def create_distribution(cloudfront: Any, comment: str = "digit-lambda canvas page") -> Any:
    """A distribution in moto's CloudFront shaped like the template's; its description."""
    config = {
        "CallerReference": "digit-lambda-rehearsal",
        "Comment": comment,
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "site-bucket",
                    "DomainName": "bucket.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "site-bucket",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def allowed(template: dict[str, Any], parameter: str, value: str) -> bool:
    """Whether CloudFormation would accept ``value`` for ``parameter`` (its AllowedPattern)."""
    pattern = template["Parameters"][parameter].get("AllowedPattern")
    return pattern is None or re.fullmatch(pattern, value) is not None


def stack_body(template: dict[str, Any], evaluator: Evaluator) -> str:
    """The buckets as the template defines them, and every output: the template's own for
    those that name the buckets, the evaluated value for the rest."""
    resources = evaluator.resources()
    body: dict[str, Any] = {"Resources": {}, "Outputs": {}}
    for name in STACK_RESOURCES:
        kept = {k: v for k, v in resources[name].items() if k not in {"Metadata", "Condition"}}
        body["Resources"][name] = kept
    evaluated = evaluator.outputs()
    for name, output in template["Outputs"].items():
        value = output["Value"]
        if not (isinstance(value, dict) and value.get("Ref") in STACK_RESOURCES):
            value = evaluated[name]
        body["Outputs"][name] = {"Value": value}
    return json.dumps(body)


def deploy_stack(aws: MotoServer, name: str, template_path: Path = TEMPLATE) -> DeployedStack:
    """Creates the stack in moto; its outputs, read back as deploy_page reads them."""
    template = load_template(template_path)
    distribution = create_distribution(aws.client("cloudfront"))
    api = aws.client("apigatewayv2").create_api(Name=f"{name}-HttpApi", ProtocolType="HTTP")
    ids = {
        "HttpApi": api["ApiId"],
        "SiteDistribution": distribution["Id"],
        "DigitFunction": FUNCTION_NAME.format(stack=name),
    }
    attrs = {("SiteDistribution", "DomainName"): distribution["DomainName"]}
    pseudo = {"AWS::Region": aws.region, "AWS::StackName": name}
    api_url = Evaluator(template, pseudo=pseudo, ids=ids, attrs=attrs).outputs()["ApiUrl"]
    parameters = {"ApiOriginForCsp": api_url}
    refused = [key for key, value in parameters.items() if not allowed(template, key, value)]
    if refused:
        raise ValueError(f"CloudFormation would refuse {refused}: {parameters}")
    evaluator = Evaluator(template, parameters, pseudo=pseudo, ids=ids, attrs=attrs)
    cloudformation = aws.client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=stack_body(template, evaluator))
    described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    if described["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"moto could not create the stack: {described}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    # From here on the template's Refs to the buckets are the names moto gave them.
    ids |= {
        "SiteBucket": outputs["SiteBucketName"],
        "FeedbackBucket": outputs["FeedbackBucketName"],
    }
    evaluator = Evaluator(template, parameters, pseudo=pseudo, ids=ids, attrs=attrs)
    return DeployedStack(name, aws.region, outputs, parameters, evaluator)


def upload_page(aws: MotoServer, stack: DeployedStack) -> str:
    """`make deploy`'s page step, the project's own code (tools/aws/deploy_page.py) unchanged,
    talking to moto over HTTPS; what it printed. Raises when it fails."""
    command = [
        sys.executable, "-m", "tools.aws.deploy_page",
        "--stack-name", stack.name, "--region", stack.region,
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed argv
        command, cwd=ROOT, env=aws.environment(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"deploy_page failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout
