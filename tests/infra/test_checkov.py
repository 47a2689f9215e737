"""checkov on template.yaml: nothing fails, and every skip is declared, explained and needed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.infra.cfn import ROOT, TEMPLATE, load_template

CHECKOV = ROOT / ".venv" / "infra" / "bin" / "checkov"


def run_checkov(path: Path) -> dict[str, Any]:
    if not CHECKOV.exists():
        message = "checkov is missing: run `make infra-venv`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # --skip-download: no network here; the checks ship inside the package.
    args = ["-f", str(path), "--framework", "cloudformation", "--skip-download", "-o", "json"]
    done = subprocess.run(
        [str(CHECKOV), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1 = some check failed
    result: dict[str, Any] = json.loads(done.stdout)["results"]
    return result


def declared_skips(template: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (name, skip["id"]): skip.get("comment", "")
        for name, resource in template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }


def checks(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(item["resource"].split(".", 1)[1], item["check_id"]) for item in items}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_checkov_fails_nothing_and_skips_only_what_the_template_declares(
    template: dict[str, Any],
) -> None:
    results = run_checkov(TEMPLATE)
    assert results["failed_checks"] == []
    assert checks(results["skipped_checks"]) == set(declared_skips(template))
    assert len(results["passed_checks"]) >= 15  # it did read the resources


def test_every_skip_is_explained(template: dict[str, Any]) -> None:
    for (resource, check), comment in declared_skips(template).items():
        assert len(comment.split()) >= 8, f"{resource}: {check} needs a reason in its comment"


def test_every_skip_is_still_needed(template: dict[str, Any], tmp_path: Path) -> None:
    for resource in template["Resources"].values():
        resource.get("Metadata", {}).pop("checkov", None)
    bare = tmp_path / "template.json"  # long-form intrinsics: checkov reads JSON templates too
    bare.write_text(json.dumps(template), encoding="utf-8")
    failed = checks(run_checkov(bare)["failed_checks"])
    assert failed == set(declared_skips(load_template()))
