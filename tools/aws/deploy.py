"""`make deploy` and `make destroy`: the whole stack in one command each.

    python -m tools.aws.deploy deploy  [--sam PATH] [--ci] [--guided] [options]
    python -m tools.aws.deploy destroy [--sam PATH] [--yes]

deploy: `sam build`, then `sam deploy` (--guided the first time, when the stack does not exist
yet and a person is at the terminal; from samconfig.toml after), then the page upload
(tools/aws/deploy_page.py), and prints the site's URL. --ci (or no terminal) never asks anything:
no guided run, no changeset confirmation, an unchanged stack is not an error. Under GitHub
Actions the URL also goes to $GITHUB_OUTPUT as `site-url`.

destroy: empties the site bucket and the feedback bucket (feedback drawings are deleted for
good), then `sam delete --no-prompts`. Asks for the stack's name first unless --yes.

SAM runs as a child process (the tests put a fake `sam` on the path); AWS is reached with boto3.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tools.aws import deploy_page

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SAM = ROOT / ".venv" / "sam" / "bin" / "sam"
# `sam deploy` without a person: never stop at a question, and a deploy that changes nothing
# (the same image and template) succeeds.
UNATTENDED = ("--no-confirm-changeset", "--no-fail-on-empty-changeset")


PIPELINE_OPTIONS = (
    ("--config-env", "SAM_CONFIG_ENV", "samconfig.toml environment"),
    ("--role-arn", "AWS_CFN_EXECUTION_ROLE_ARN", "CloudFormation execution role"),
    ("--s3-bucket", "SAM_ARTIFACTS_BUCKET", "bucket for SAM's packaged artefacts"),
    ("--image-repository", "SAM_IMAGE_REPOSITORY", "ECR repository URI"),
    ("--parameter-overrides", "SAM_PARAMETER_OVERRIDES", "'Key=Value ...' for the template"),
)


class StepFailed(Exception):
    """A step of the sequence failed; its own output has said why."""


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str] | None:
    """The stack's outputs, or None when there is no such stack (or it was deleted)."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def run_sam(sam: str, *args: str) -> None:
    print(f"+ sam {' '.join(args)}", flush=True)
    done = subprocess.run([sam, *args], cwd=ROOT, check=False)  # noqa: S603 - fixed program
    if done.returncode != 0:
        raise StepFailed(f"sam {args[0]} failed (exit {done.returncode})")


def deploy_arguments(args: argparse.Namespace, first_time: bool) -> list[str]:
    """`sam deploy`'s arguments: guided for a person's first deploy, unattended in CI."""
    command = ["deploy", "--stack-name", args.stack_name, "--region", args.region]
    if args.config_env:
        command += ["--config-env", args.config_env]
    if first_time and args.interactive:
        return [*command, "--guided"]  # asks for the parameters and saves them in samconfig.toml
    if not args.interactive:
        command += UNATTENDED
    if args.role_arn:  # the CloudFormation execution role (pipeline/github-oidc.yaml)
        command += ["--role-arn", args.role_arn]
    if args.s3_bucket:
        command += ["--s3-bucket", args.s3_bucket]
    if args.image_repository:
        command += ["--image-repositories", f"DigitFunction={args.image_repository}"]
    if args.parameter_overrides:
        command += ["--parameter-overrides", args.parameter_overrides]
    return command


def write_github_output(name: str, value: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as output:
            output.write(f"{name}={value}\n")


def deploy(args: argparse.Namespace, session: Any) -> int:
    cloudformation = session.client("cloudformation")
    first_time = stack_outputs(cloudformation, args.stack_name) is None
    build = ["build"] + (["--config-env", args.config_env] if args.config_env else [])
    if args.parameter_overrides:  # Architecture=arm64 must reach the build too
        build += ["--parameter-overrides", args.parameter_overrides]
    run_sam(args.sam, *build)
    run_sam(args.sam, *deploy_arguments(args, first_time))
    page = ["--stack-name", args.stack_name, "--region", args.region]
    if args.profile:
        page += ["--profile", args.profile]
    if deploy_page.main(page) != 0:
        raise StepFailed("the page upload failed")
    outputs = stack_outputs(cloudformation, args.stack_name) or {}
    site = outputs.get("SiteUrl", "")
    write_github_output("site-url", site)
    print(f"Deployed {args.stack_name} ({args.region}): {site}")
    return 0


def empty_bucket(s3: Any, bucket: str) -> int:
    """Deletes every object (every version and delete marker, if versioning was ever on)."""
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        items = page.get("Versions", []) + page.get("DeleteMarkers", [])
        objects = [{"Key": i["Key"], "VersionId": i["VersionId"]} for i in items]
        for start in range(0, len(objects), 1000):  # DeleteObjects takes at most 1000 keys
            chunk = objects[start : start + 1000]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            deleted += len(chunk)
    return deleted


def confirmed(stack_name: str, region: str, buckets: Sequence[str]) -> bool:
    print(f"This deletes stack {stack_name} in {region}, its image, and every object in:")
    for bucket in buckets:
        print(f"  s3://{bucket}")
    print("Feedback drawings cannot be recovered afterwards.")
    try:
        answer = input(f"Type the stack's name ({stack_name}) to go on: ")
    except EOFError:
        return False
    return answer.strip() == stack_name


def destroy(args: argparse.Namespace, session: Any) -> int:
    outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
    if outputs is None:
        print(f"No stack {args.stack_name} in {args.region}: nothing to delete.")
        return 0
    buckets = [outputs[k] for k in ("SiteBucketName", "FeedbackBucketName") if outputs.get(k)]
    if not args.yes and not confirmed(args.stack_name, args.region, buckets):
        print("Not confirmed: nothing deleted.", file=sys.stderr)
        return 1
    s3 = session.client("s3")
    for bucket in buckets:  # CloudFormation cannot delete a bucket that still holds objects
        print(f"s3://{bucket}: {empty_bucket(s3, bucket)} objects deleted")
    run_sam(
        args.sam,
        *("delete", "--stack-name", args.stack_name, "--region", args.region, "--no-prompts"),
    )
    print(f"Deleted {args.stack_name} ({args.region}).")
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    defaults = deploy_page.samconfig_defaults()
    parser = argparse.ArgumentParser(prog="python -m tools.aws.deploy", description=__doc__)
    parser.add_argument("action", choices=("deploy", "destroy"))
    parser.add_argument("--sam", default=os.environ.get("SAM", str(DEFAULT_SAM)))
    parser.add_argument("--stack-name", default=defaults.get("stack_name"))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", defaults.get("region")))
    parser.add_argument("--profile", default=None, help="AWS CLI profile to use")
    parser.add_argument("--ci", action="store_true", help="ask nothing (also without a terminal)")
    parser.add_argument("--yes", action="store_true", help="destroy: do not ask first")
    # The pipeline's settings (pipeline/github-oidc.yaml's outputs) come from the environment,
    # so the workflow passes none of them through a shell command line.
    for flag, variable, what in PIPELINE_OPTIONS:
        parser.add_argument(
            flag, default=os.environ.get(variable) or None, help=f"{what} (${variable})"
        )
    args = parser.parse_args(argv)
    if not args.stack_name or not args.region:
        parser.error("--stack-name and --region are required (no samconfig.toml defaults)")
    args.interactive = not args.ci and sys.stdin.isatty()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    try:
        return deploy(args, session) if args.action == "deploy" else destroy(args, session)
    except (StepFailed, BotoCoreError, ClientError) as error:
        print(f"{args.action}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
