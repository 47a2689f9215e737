"""pipeline/github-oidc.yaml: who may assume the deploy role, and what each role may do.

Static: evaluated here with a fake account (tools/aws/cfn_eval.py), linted by cfn-lint, SAM and
checkov in `make pipeline-lint` and below. Nothing here can show that the rights suffice for a
real deploy; docs/ci-cd.md says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.infra.cfn import ACCOUNT, PSEUDO, REGION, ROOT
from tests.infra.test_checkov import checks, declared_skips, run_checkov

from tools.aws.cfn_eval import Evaluator, load_template

PIPELINE = ROOT / "pipeline" / "github-oidc.yaml"
REPO = "octo-org/digit-lambda"
# Calls whose services have no resource-level permissions (or grant nothing by themselves).
MAY_USE_ANY_RESOURCE = {
    "ecr:GetAuthorizationToken",
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
}


def evaluated(**parameters: str) -> dict[str, dict[str, Any]]:
    values = {"GitHubRepository": REPO, **parameters}
    template = load_template(PIPELINE)
    for name, spec in template["Parameters"].items():
        values.setdefault(name, str(spec.get("Default", "")))
    resources: dict[str, dict[str, Any]] = Evaluator(template, values, pseudo=PSEUDO).resources()
    return resources


def statements(role: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (policy,) = role["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_only_this_repository_branch_and_environment_may_assume_the_deploy_role() -> None:
    resources = evaluated(DeployBranch="main", GitHubEnvironment="production")
    (trust,) = resources["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Principal"] == {"Federated": "<GitHubOidcProvider>"}
    assert trust["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": (
                f"repo:{REPO}:environment:production:ref:refs/heads/main"
            ),
        }
    }  # StringEquals: no wildcard can widen it


def test_an_existing_oidc_provider_is_used_instead_of_a_second_one() -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    resources = evaluated(ExistingOidcProviderArn=arn)
    assert "GitHubOidcProvider" not in resources
    (trust,) = resources["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Federated": arn}


def test_the_deploy_role_hands_only_the_execution_role_and_only_to_cloudformation() -> None:
    deploy = statements(evaluated()["DeployRole"])
    passing = [s for s in deploy.values() if "iam:PassRole" in as_list(s["Action"])]
    assert passing == [deploy["HandOnlyTheExecutionRoleToCloudFormation"]]
    assert passing[0]["Resource"] == "<CloudFormationExecutionRole.Arn>"
    assert passing[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }
    stack_arns = as_list(deploy["ChangeSetsOnTheAppStack"]["Resource"])
    assert f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/digit-lambda/*" in stack_arns
    assert not any(
        a.startswith("iam:") and a != "iam:PassRole"
        for s in deploy.values()
        for a in as_list(s["Action"])
    )


def test_only_cloudformation_in_this_account_may_assume_the_execution_role() -> None:
    role = evaluated()["CloudFormationExecutionRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


@pytest.mark.parametrize("role", ["DeployRole", "CloudFormationExecutionRole"])
def test_no_wildcard_actions_and_any_resource_only_where_aws_has_no_other(role: str) -> None:
    for sid, statement in statements(evaluated()[role]).items():
        assert statement["Effect"] == "Allow"
        actions = as_list(statement["Action"])
        for action in actions:
            assert "*" not in action, (sid, action)
        for resource in as_list(statement["Resource"]):
            if resource == "*":
                assert set(actions) <= MAY_USE_ANY_RESOURCE, sid
            else:
                assert resource.startswith(("arn:aws:", "<")), (sid, resource)


def test_the_execution_role_reaches_only_resources_named_after_the_stack() -> None:
    rights = statements(evaluated(AppStackName="digit-lambda")["CloudFormationExecutionRole"])
    for sid in ("Functions", "StackRoles", "Buckets", "LogGroups", "Alarms", "AlarmTopic"):
        for resource in as_list(rights[sid]["Resource"]):
            assert "digit-lambda-*" in resource, (sid, resource)
    # The one managed policy SAM attaches is CodeDeploy's; roles go only to their services.
    passed = rights["PassStackRolesToTheirServices"]["Condition"]["StringEquals"]
    assert passed["iam:PassedToService"] == ["lambda.amazonaws.com", "codedeploy.amazonaws.com"]


def test_the_image_repository_lets_only_this_accounts_functions_pull() -> None:
    repository = evaluated()["ImageRepository"]["Properties"]
    (statement,) = repository["RepositoryPolicyText"]["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Condition"]["StringLike"]["aws:sourceArn"] == (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:digit-lambda-*"
    )
    assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}


def test_outputs_are_the_variables_the_deploy_workflow_reads() -> None:
    template = load_template(PIPELINE)
    described = {o["Description"].split()[3].rstrip(".") for o in template["Outputs"].values()}
    assert described == {
        "AWS_DEPLOY_ROLE_ARN",
        "AWS_CFN_EXECUTION_ROLE_ARN",
        "SAM_ARTIFACTS_BUCKET",
        "SAM_IMAGE_REPOSITORY",
    }
    workflow = (ROOT / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
    for variable in described:
        assert f"vars.{variable}" in workflow, variable


def test_checkov_fails_nothing_and_skips_only_what_the_pipeline_declares(tmp_path: Path) -> None:
    template = load_template(PIPELINE)
    results = run_checkov(PIPELINE)
    assert results["failed_checks"] == []
    assert checks(results["skipped_checks"]) == set(declared_skips(template))
    for (resource, check), comment in declared_skips(template).items():
        assert len(comment.split()) >= 8, f"{resource}: {check} needs a reason"
