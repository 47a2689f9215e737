"""make deploy / make destroy (tools/aws/deploy.py): SAM faked at the process boundary, AWS in moto.

The fake `sam` is a real executable that records its arguments; the stack, buckets and
distribution it would have made are moto's (as in test_deploy_page.py), so the page upload,
the bucket emptying and the outputs run for real against them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from tests.infra.cfn import ROOT
from tests.infra.test_deploy_page import REGION, STACK, create_site_stack

from tools.aws import deploy

FEEDBACK_BUCKET = "digit-lambda-test-feedbackbucket-1a2b3c"  # site_stack_body's output


@pytest.fixture
def fake_sam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An executable `sam` that appends its argv (JSON) to a log; FAKE_SAM_FAIL makes it fail."""
    log = tmp_path / "sam.log"
    sam = tmp_path / "bin" / "sam"
    sam.parent.mkdir()
    sam.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "sys.exit(1 if sys.argv[1] == os.environ.get('FAKE_SAM_FAIL') else 0)\n",
        encoding="utf-8",
    )
    sam.chmod(0o755)
    monkeypatch.delenv("FAKE_SAM_FAIL", raising=False)
    return sam


def sam_calls(sam: Path) -> list[list[str]]:
    log = sam.parent.parent / "sam.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def aws(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for _, variable, _ in deploy.PIPELINE_OPTIONS:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def stack(aws: None) -> dict[str, str]:
    """The deployed stack as `sam deploy` leaves it: site bucket, feedback bucket, outputs."""
    outputs = create_site_stack()
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=FEEDBACK_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return outputs


def run(sam: Path, *args: str) -> int:
    return deploy.main(
        [*args[:1], "--sam", str(sam), "--stack-name", STACK, "--region", REGION, *args[1:]]
    )


def keys(bucket: str) -> list[str]:
    listing = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


def test_later_deploy_builds_deploys_unattended_uploads_and_reports_the_url(
    fake_sam: Path,
    stack: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    github_output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(github_output))

    assert run(fake_sam, "deploy", "--ci") == 0

    assert sam_calls(fake_sam) == [
        ["build"],
        ["deploy", "--stack-name", STACK, "--region", REGION, *deploy.UNATTENDED],
    ]
    assert "index.html" in keys(stack["SiteBucketName"])
    assert github_output.read_text(encoding="utf-8") == f"site-url={stack['SiteUrl']}\n"
    assert capsys.readouterr().out.rstrip().endswith(stack["SiteUrl"])


def test_first_deploy_from_a_terminal_is_guided(
    fake_sam: Path, aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)

    # The fake made no stack, so the page step finds none: as when a person stops the guide.
    assert run(fake_sam, "deploy") == 2

    build, deploy_call = sam_calls(fake_sam)
    assert build == ["build"]
    assert deploy_call[0] == "deploy" and deploy_call[-1] == "--guided"
    assert not set(deploy.UNATTENDED) & set(deploy_call)
    assert "does not exist" in capsys.readouterr().err


def test_a_terminal_deploy_of_an_existing_stack_confirms_its_changeset(
    fake_sam: Path, stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert run(fake_sam, "deploy") == 0
    (_, deploy_call) = sam_calls(fake_sam)
    assert deploy_call == ["deploy", "--stack-name", STACK, "--region", REGION]  # samconfig asks


def test_first_deploy_without_a_terminal_is_never_guided(fake_sam: Path, aws: None) -> None:
    assert run(fake_sam, "deploy") == 2  # no stack appeared (fake sam)
    (_, deploy_call) = sam_calls(fake_sam)
    assert "--guided" not in deploy_call
    assert set(deploy.UNATTENDED) <= set(deploy_call)


def test_the_pipeline_passes_its_role_bucket_repository_and_parameters(
    fake_sam: Path, stack: dict[str, str]
) -> None:
    repository = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/digit-lambda"
    assert (
        run(
            fake_sam,
            "deploy",
            "--ci",
            "--config-env",
            "pipeline",
            "--role-arn",
            "arn:aws:iam::123456789012:role/cfn-exec",
            "--s3-bucket",
            "artifacts",
            "--image-repository",
            repository,
            "--parameter-overrides",
            "Architecture=arm64 DeploymentType=Canary10Percent5Minutes",
        )
        == 0
    )
    build, deploy_call = sam_calls(fake_sam)
    overrides = [
        "--parameter-overrides",
        "Architecture=arm64 DeploymentType=Canary10Percent5Minutes",
    ]
    assert build == ["build", "--config-env", "pipeline", *overrides]
    assert deploy_call == [
        "deploy",
        *("--stack-name", STACK, "--region", REGION, "--config-env", "pipeline"),
        *deploy.UNATTENDED,
        *("--role-arn", "arn:aws:iam::123456789012:role/cfn-exec", "--s3-bucket", "artifacts"),
        *("--image-repositories", f"DigitFunction={repository}"),
        *overrides,
    ]


def test_the_workflow_gives_the_pipeline_options_through_the_environment(
    fake_sam: Path, stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for _flag, variable, _ in deploy.PIPELINE_OPTIONS:
        monkeypatch.setenv(variable, f"from {variable}")
    assert run(fake_sam, "deploy", "--ci") == 0
    (_, deploy_call) = sam_calls(fake_sam)
    assert deploy_call[deploy_call.index("--role-arn") + 1] == "from AWS_CFN_EXECUTION_ROLE_ARN"
    assert deploy_call[deploy_call.index("--config-env") + 1] == "from SAM_CONFIG_ENV"
    overrides = deploy_call[deploy_call.index("--parameter-overrides") + 1]
    assert overrides == "from SAM_PARAMETER_OVERRIDES"  # one argument, spaces and all


def test_a_failed_build_stops_before_deploying_anything(
    fake_sam: Path,
    stack: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FAKE_SAM_FAIL", "build")
    assert run(fake_sam, "deploy", "--ci") == 2
    assert sam_calls(fake_sam) == [["build"]]
    assert keys(stack["SiteBucketName"]) == []
    assert "sam build failed (exit 1)" in capsys.readouterr().err


def test_destroy_empties_both_buckets_then_deletes_the_stack(
    fake_sam: Path, stack: dict[str, str]
) -> None:
    assert run(fake_sam, "deploy", "--ci") == 0
    s3 = boto3.client("s3", region_name=REGION)
    for n in range(3):
        s3.put_object(Bucket=FEEDBACK_BUCKET, Key=f"feedback/{n}.png", Body=b"png")

    assert run(fake_sam, "destroy", "--yes") == 0

    assert keys(stack["SiteBucketName"]) == []
    assert keys(FEEDBACK_BUCKET) == []
    assert sam_calls(fake_sam)[-1] == [
        *("delete", "--stack-name", STACK, "--region", REGION, "--no-prompts")
    ]


def test_destroy_asks_for_the_stack_name_and_stops_without_it(
    fake_sam: Path, stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=FEEDBACK_BUCKET, Key="feedback/kept.png", Body=b"png")
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")

    assert run(fake_sam, "destroy") == 1

    assert keys(FEEDBACK_BUCKET) == ["feedback/kept.png"]
    assert sam_calls(fake_sam) == []
    monkeypatch.setattr("builtins.input", lambda prompt: STACK)
    assert run(fake_sam, "destroy") == 0
    assert keys(FEEDBACK_BUCKET) == []


def test_destroy_of_a_missing_stack_does_nothing(fake_sam: Path, aws: None) -> None:
    assert run(fake_sam, "destroy", "--yes") == 0
    assert sam_calls(fake_sam) == []


def test_empty_bucket_removes_every_version_of_a_versioned_bucket(aws: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="versioned", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"1", b"2"):
        s3.put_object(Bucket="versioned", Key="a", Body=body)
    s3.delete_object(Bucket="versioned", Key="a")  # leaves a delete marker

    assert deploy.empty_bucket(s3, "versioned") == 3
    assert "Versions" not in s3.list_object_versions(Bucket="versioned")


@pytest.mark.parametrize("target", ["deploy", "destroy"])
def test_make_targets_run_this_module_with_the_projects_sam(target: str) -> None:
    done = subprocess.run(
        ["make", "-n", target, "-o", "venv", "-o", "sam"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DEPLOY_FLAGS": ""},
    )
    assert f"-m tools.aws.deploy {target} --sam .venv/sam/bin/sam" in done.stdout
