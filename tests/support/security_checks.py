"""The repository's security checks, shared by tests/security and bench/reliability_report.py.

- ``ruff_security``: ruff's security rules (S, flake8-bandit) over the repository: no
  finding, and every suppression (``# noqa: S...``) justified, by a reason on its line or a
  comment just above it, or in JUSTIFIED below.
- ``audit_runtime_pins``: pip-audit (pinned in requirements-dev.txt) on
  function/requirements.txt. Where its vulnerability service cannot be used (no network,
  or a package index that is not the real one) the result says "unavailable", not "clean".
- ``scan_secrets``: cloud keys, private keys, tokens and AWS account IDs in the files git
  would commit (tracked, or untracked and not ignored).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RUNTIME_PINS = ROOT / "function" / "requirements.txt"

# Suppressions whose reason is not written beside them, in files this check does not own.
JUSTIFIED: dict[tuple[str, str], str] = {
    ("training/mnist.py", "S310"): (
        "urlopen of the fixed https mirrors in MIRRORS; every download is sha256-checked"
    ),
    ("tools/aws/cfn_eval.py", "S506"): (
        "CfnLoader subclasses yaml.SafeLoader, adding only CloudFormation's short tags"
    ),
}
# Where pyproject.toml switches S rules off for a whole tree, and why.
PER_FILE_IGNORES: dict[str, str] = {
    "tests/**": "S101 (pytest's asserts), S603/S607 (fixed commands), S310 (loopback URLs)",
}


@dataclass(frozen=True)
class Suppression:
    path: str
    line: int
    rule: str
    reason: str  # empty: unjustified


@dataclass(frozen=True)
class RuffSecurity:
    findings: list[dict[str, Any]]  # what ruff reports with the suppressions honoured
    suppressions: list[Suppression]

    @property
    def unjustified(self) -> list[Suppression]:
        return [s for s in self.suppressions if not s.reason]


def _ruff(*extra: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(BIN / "ruff"), "check", "--select", "S", "--output-format", "json", *extra, "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):  # 1: findings
        raise RuntimeError(f"ruff failed: {done.stderr}")
    findings: list[dict[str, Any]] = json.loads(done.stdout)
    return findings


def ruff_security() -> RuffSecurity:
    findings = _ruff()
    suppressions = []
    for item in _ruff("--ignore-noqa"):
        path = Path(item["filename"]).relative_to(ROOT).as_posix()
        line = item["location"]["row"]
        reason = _reason_beside(ROOT / path, line) or JUSTIFIED.get((path, item["code"]), "")
        suppressions.append(Suppression(path, line, item["code"], reason))
    return RuffSecurity(findings, sorted(suppressions, key=lambda s: (s.path, s.line)))


_NOQA = re.compile(r"#\s*noqa:\s*[A-Z0-9, ]+(?P<rest>.*)$")


def _reason_beside(path: Path, line: int) -> str:
    """The reason after a noqa ("# noqa: S603 - fixed argv"), or a comment up to 3 lines above."""
    lines = path.read_text(encoding="utf-8").splitlines()
    match = _NOQA.search(lines[line - 1])
    rest = match.group("rest").strip(" -#") if match else ""
    if rest:
        return rest
    for above in reversed(lines[max(line - 4, 0) : line - 1]):
        text = above.strip()
        if text.startswith("#"):
            return text.lstrip("# ")
        comment = _NOQA.search(text)
        if comment and comment.group("rest").strip(" -#"):
            return comment.group("rest").strip(" -#")
    return ""


@dataclass(frozen=True)
class Audit:
    status: str  # "clean", "vulnerable" or "unavailable"
    audited: list[str]  # name==version that the service answered for
    unaudited: list[str]
    vulnerabilities: list[str]  # "name version: id (fix versions)"
    detail: str


def audit_runtime_pins(requirements: Path = RUNTIME_PINS, timeout_s: int = 15) -> Audit:
    """pip-audit of exact pins (no resolution, no install): --no-deps --disable-pip."""
    with tempfile.TemporaryDirectory(prefix="pip-audit-") as folder:
        output = Path(folder) / "audit.json"
        command = [
            str(BIN / "pip-audit"), "--requirement", str(requirements),
            "--no-deps", "--disable-pip", "--progress-spinner", "off",
            "--timeout", str(timeout_s), "--format", "json", "--output", str(output),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if not output.is_file():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return Audit("unavailable", [], [], [], f"pip-audit could not run: {last}")
        report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return classify_audit(report)


def classify_audit(report: dict[str, Any]) -> Audit:
    """pip-audit's JSON -> an Audit. All skipped means the service told us nothing."""
    audited, unaudited, vulnerabilities = [], [], []
    reasons = set()
    for dependency in report.get("dependencies", []):
        name = dependency["name"]
        if "skip_reason" in dependency:
            unaudited.append(name)
            reasons.add(dependency["skip_reason"].split(":", 1)[0])
            continue
        audited.append(f"{name}=={dependency['version']}")
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            vulnerabilities.append(f"{name} {dependency['version']}: {vuln['id']} ({fixes})")
    if vulnerabilities:
        return Audit("vulnerable", audited, unaudited, vulnerabilities, "")
    if not audited:
        detail = "; ".join(sorted(reasons)) or "no dependencies"
        return Audit("unavailable", audited, unaudited, [], detail)
    detail = f"{len(unaudited)} not audited" if unaudited else ""
    return Audit("clean", audited, unaudited, [], detail)


# --- secrets ----------------------------------------------------------------------------

# AWS's documentation placeholder, in sam-generated events and moto's default account.
PLACEHOLDER_ACCOUNTS = frozenset({"123456789012", "000000000000"})
PLACEHOLDER_SECRETS = frozenset({"testing"})  # moto's convention for fake credentials

SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "AWS access key id": re.compile(
        r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}(?![A-Z0-9])"
    ),
    "AWS secret access key": re.compile(
        r"(?i)aws.{0,20}secret.{0,20}?[\"'=:\s]{1,4}(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
    ),
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "password or token assignment": re.compile(
        r"(?i)\b(?:password|passwd|secret|api_?key|auth_?token)\b[\"']?\s*[:=]\s*[\"'](?P<value>[^\"'\s]{8,})[\"']"
    ),
}
ACCOUNT_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?P<account>\d{12}):"),
    re.compile(r"(?P<account>\d{12})\.dkr\.ecr\."),
    re.compile(r"(?i)account_?id[\"']?\s*[:=]\s*[\"']?(?P<account>\d{12})\b"),
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str
    detail: str = ""  # a masked hint (an account ID's first digits), never the secret


@dataclass
class SecretScan:
    files: int = 0
    findings: list[Finding] = field(default_factory=list)


def committable_files(root: Path = ROOT) -> list[Path]:
    """What git would commit: tracked files, and untracked ones that are not ignored."""
    done = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    )
    names = sorted({name for name in done.stdout.decode().split("\0") if name})
    return [root / name for name in names if (root / name).is_file()]


def scan_secrets(files: Iterable[Path], root: Path = ROOT) -> SecretScan:
    scan = SecretScan()
    for path in files:
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary (PNG, the model): no text secrets to find
            continue
        scan.files += 1
        text = data.decode("utf-8", errors="replace")
        relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        for number, line in enumerate(text.splitlines(), 1):
            for kind, detail in _secrets_in(line):
                scan.findings.append(Finding(relative, number, kind, detail))
    return scan


def _secrets_in(line: str) -> list[tuple[str, str]]:
    found = []
    for kind, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(line):
            value = match.groupdict().get("value")
            if value is None or value not in PLACEHOLDER_SECRETS:
                found.append((kind, ""))
    for pattern in ACCOUNT_PATTERNS:
        for match in pattern.finditer(line):
            if match.group("account") not in PLACEHOLDER_ACCOUNTS:
                found.append(("AWS account ID", match.group("account")[:4] + "..."))
    return found
