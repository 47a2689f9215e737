"""Security checks of the repository itself: ruff's S rules, the pins' audit, no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support import security_checks
from tests.support.security_checks import (
    audit_runtime_pins,
    classify_audit,
    committable_files,
    ruff_security,
    scan_secrets,
)


def test_ruff_security_rules_are_clean_and_every_suppression_is_justified() -> None:
    result = ruff_security()
    assert result.findings == []
    assert result.unjustified == []
    # The table of justifications names only suppressions that still exist.
    present = {(s.path, s.rule) for s in result.suppressions}
    assert set(security_checks.JUSTIFIED) <= present


def test_every_s_rule_switched_off_for_a_tree_is_explained() -> None:
    pyproject = (security_checks.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for tree in security_checks.PER_FILE_IGNORES:
        assert f'"{tree}"' in pyproject


def test_runtime_pins_have_no_known_vulnerabilities() -> None:
    audit = audit_runtime_pins()
    if audit.status == "unavailable":
        # Offline, or an index that is not the real vulnerability service: no verdict, and
        # docs/RELIABILITY.md says so. A vulnerable pin fails wherever the service answers.
        pytest.skip(f"pip-audit's vulnerability service is unavailable here: {audit.detail}")
    assert audit.vulnerabilities == []
    assert audit.status == "clean"


def _dependency(name: str, version: str, vulns: list[dict[str, object]]) -> dict[str, object]:
    return {"name": name, "version": version, "vulns": vulns}


def test_audit_verdicts_from_pip_audits_report() -> None:
    skipped = {
        "name": "numpy",
        "skip_reason": "Dependency not found on PyPI and could not be audited: numpy (2.4.6)",
    }
    nothing = classify_audit({"dependencies": [skipped, {**skipped, "name": "pillow"}]})
    assert nothing.status == "unavailable" and nothing.unaudited == ["numpy", "pillow"]
    assert "not found on PyPI" in nothing.detail
    clean = classify_audit({"dependencies": [_dependency("fastapi", "0.165.0", []), skipped]})
    assert clean.status == "clean" and clean.audited == ["fastapi==0.165.0"]
    vuln = {"id": "PYSEC-0000-1", "fix_versions": ["13.0.1"], "description": "x"}
    bad = classify_audit({"dependencies": [_dependency("pillow", "13.0.0", [vuln])]})
    assert bad.status == "vulnerable"
    assert bad.vulnerabilities == ["pillow 13.0.0: PYSEC-0000-1 (13.0.1)"]


def test_no_secrets_or_account_ids_in_the_repository() -> None:
    files = committable_files()
    assert any(path.name == "template.yaml" for path in files)
    scan = scan_secrets(files)
    assert scan.files > 100  # the text files: code, docs, events, templates
    assert scan.findings == []


def test_the_secret_scan_finds_planted_secrets(tmp_path: Path) -> None:
    # Assembled at run time, so this file holds none of them.
    key_id = "AKIA" + "Q" * 16
    sample = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
    account = "4" * 12
    planted = {
        "keys.env": f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={sample}\n",
        "role.json": json.dumps({"Role": f"arn:aws:iam::{account}:role/deploy"}),
        "image.txt": f"{account}.dkr.ecr.eu-west-1.amazonaws.com/digits:latest",
        "id_rsa": "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE...\n",
        "settings.py": 'password = "' + "hunter2hunter2" + '"\n',
        "ok.py": 'os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"\naccountId: "123456789012"\n',
    }
    for name, text in planted.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    scan = scan_secrets(sorted(tmp_path.iterdir()), root=tmp_path)
    assert {(finding.path, finding.kind) for finding in scan.findings} == {
        ("keys.env", "AWS access key id"),
        ("keys.env", "AWS secret access key"),
        ("role.json", "AWS account ID"),
        ("image.txt", "AWS account ID"),
        ("id_rsa", "private key"),
        ("settings.py", "password or token assignment"),
    }
