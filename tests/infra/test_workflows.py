""".github/: the workflows run what the repository says, with pinned actions and least rights.

GitHub's schema and zizmor's audits run here too (as in `make workflow-lint`), so a broken
workflow fails the suite wherever it runs, not only once pushed.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.infra.cfn import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
FULL_SHA = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return loaded


def triggers(document: dict[str, Any]) -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    found: dict[str, Any] = document.get("on", document.get(True))
    return found


def steps(document: dict[str, Any], job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = document["jobs"][job]["steps"]
    return found


def commands(path: Path) -> list[str]:
    """A shell script's commands: no comments, no `set`/`cd`/`export` set-up lines."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "set ", "cd ", "export "))]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / args[0]
    if not tool.exists():
        message = f"{args[0]} is missing: run `make venv`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(
        [str(tool), *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


# --- The same command everywhere -----------------------------------------------------------


def test_ci_runs_the_same_command_as_ci_run_and_the_readme() -> None:
    # .ci/run first gets Docker going for the sam_docker tests; its last command is the test.
    *setup, ci_run = commands(ROOT / ".ci" / "run")
    assert not [line for line in setup if line.startswith("make ")], setup
    runs = [step["run"] for step in steps(workflow("ci.yml"), "test") if "run" in step]
    assert runs == [ci_run] == ["make test"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", readme, re.MULTILINE), "README shows another command"


def test_make_test_lints_the_workflows_and_the_pipeline_template() -> None:
    done = subprocess.run(
        ["make", "-n", "test", "-o", "venv", "-o", "sam", "-o", "infra-venv", "-o", "browser-deps"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    assert (
        "check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml" in out
    )
    assert "zizmor --offline" in out
    assert "cfn-lint -a cfn_lint_serverless.rules -- pipeline/github-oidc.yaml" in out


# --- CI ------------------------------------------------------------------------------------


def test_ci_runs_on_pull_requests_and_main_with_both_pythons_and_caches() -> None:
    ci = workflow("ci.yml")
    on = triggers(ci)
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    job = ci["jobs"]["test"]
    assert job["runs-on"].startswith("ubuntu-")
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12"]
    setup = {
        step["uses"].split("@")[0]: step.get("with", {}) for step in job["steps"] if "uses" in step
    }
    assert setup["actions/setup-python"]["python-version"] == "${{ matrix.python }}"
    assert setup["actions/setup-python"]["cache"] == "pip"
    assert setup["actions/setup-node"]["cache"] == "npm"
    for path in setup["actions/setup-python"]["cache-dependency-path"].split():
        assert (ROOT / path).is_file(), path
    assert ci["concurrency"]["cancel-in-progress"] is True


# --- Deploy --------------------------------------------------------------------------------


def test_deploy_runs_make_deploy_on_main_behind_an_environment_with_oidc() -> None:
    deploy = workflow("deploy.yml")
    on = triggers(deploy)
    assert on["push"]["branches"] == ["main"] and "workflow_dispatch" in on
    job = deploy["jobs"]["deploy"]
    assert job["environment"]["name"] == "production"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert deploy["concurrency"]["cancel-in-progress"] is False  # never stop a deploy half-way
    by_action = {s["uses"].split("@")[0]: s for s in job["steps"] if "uses" in s}
    credentials = by_action["aws-actions/configure-aws-credentials"]["with"]
    assert set(credentials) == {"role-to-assume", "aws-region", "role-session-name"}  # no keys
    (deploy_step,) = [s for s in job["steps"] if s.get("id") == "deploy"]
    assert shlex.split(deploy_step["run"])[:2] == ["make", "deploy"]
    assert job["outputs"]["site-url"] == "${{ steps.deploy.outputs.site-url }}"
    assert job["environment"]["url"] == "${{ steps.deploy.outputs.site-url }}"
    runs = [s.get("run", "") for s in job["steps"]]
    assert "make sbom" in runs
    upload = by_action["actions/upload-artifact"]["with"]
    assert upload["path"] == "build/sbom.cdx.json"


def test_deploy_environment_names_match_what_tools_aws_deploy_reads() -> None:
    from tools.aws.deploy import PIPELINE_OPTIONS

    (deploy_step,) = [s for s in steps(workflow("deploy.yml"), "deploy") if s.get("id") == "deploy"]
    assert set(deploy_step["env"]) == {variable for _, variable, _ in PIPELINE_OPTIONS}


# --- Every workflow ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_actions_are_pinned_by_commit_and_rights_start_from_none(name: str) -> None:
    document = workflow(name)
    assert document["permissions"] == {}
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    for job_name, job in document["jobs"].items():
        assert "permissions" in job, job_name
        assert job.get("timeout-minutes"), job_name
        for step in job["steps"]:
            if "uses" in step:
                assert FULL_SHA.match(step["uses"]), step["uses"]
                line = next(line for line in text.splitlines() if step["uses"] in line)
                assert re.search(r"# v\d+\.\d+\.\d+$", line), f"no version comment: {line}"
            if step["uses" if "uses" in step else "name"].startswith("actions/checkout"):
                assert step["with"]["persist-credentials"] is False


def test_dependabot_covers_pip_npm_actions_and_the_base_image() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert ecosystems == {
        ("pip", "/"),
        ("pip", "/function"),
        ("npm", "/"),
        ("github-actions", "/"),
        ("docker", "/function"),
    }


def test_the_workflows_match_githubs_schema() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    done = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_tool(
        "check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing() -> None:
    done = run_tool("zizmor", "--offline", "--no-progress", "--format", "plain", ".github/")
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_would_catch_an_unpinned_action(tmp_path: Path) -> None:
    # The linter is really looking: the same workflow with a tag instead of a SHA fails.
    bad = tmp_path / ".github" / "workflows"
    bad.mkdir(parents=True)
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    text = re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v7", text)
    text = text.replace("persist-credentials: false", "persist-credentials: true")
    (bad / "ci.yml").write_text(text, encoding="utf-8")
    done = run_tool("zizmor", "--offline", "--no-progress", "--format", "plain", str(tmp_path))
    assert done.returncode != 0
    assert "unpinned-uses" in done.stdout + done.stderr or "artipacked" in done.stdout


def test_pre_commit_hooks_run_the_projects_own_locked_tools() -> None:
    done = run_tool("pre-commit", "validate-config", ".pre-commit-config.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local"  # nothing fetched: the venv's versions, as make test uses
    ids = set()
    for hook in repo["hooks"]:
        ids.add(hook["id"])
        program = hook["entry"].split()[0]
        assert program.startswith(".venv/"), hook["id"]
    assert {"ruff-check", "ruff-format", "cfn-lint", "github-workflows-schema", "zizmor"} <= ids
