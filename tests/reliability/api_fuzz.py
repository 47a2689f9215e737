"""schemathesis (pinned in requirements-dev.txt) against the app's own /openapi.json, on a real
server over loopback; shared by tests/reliability/test_api_fuzz.py and the report.

The checks are the issue's: no 5xx (not_a_server_error), and every answer as the schema
says (documented status code, content type, headers and body schema). Data is generated
both valid and invalid for the schema (``--mode all``). Bounded: ``max_examples`` cases
per operation and phase, or, given ``max_seconds``, fuzzing repeats until that is spent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.function_support import FAKE_AWS_ENV
from tests.reliability.fake_s3 import FakeS3, fake_s3

from tools.local.serve_process import ServeProcess

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
FEEDBACK_BUCKET = "feedback-bucket"


@contextmanager
def fuzzable_server() -> Iterator[tuple[ServeProcess, FakeS3]]:
    """The Lambda app on loopback with every feature on: POST /feedback writes to a working
    bucket (a fake S3 on loopback), so a 503 there would be a real failure, not a setting."""
    with fake_s3("accept", {}) as bucket:
        env = {
            "LOG_LEVEL": "WARNING",
            "FEEDBACK_BUCKET": FEEDBACK_BUCKET,
            "AWS_ENDPOINT_URL_S3": bucket.url,
            **FAKE_AWS_ENV,
        }
        with ServeProcess(env=env, api_only=True) as server:
            yield server, bucket


def run_schemathesis(
    url: str, max_examples: int, seed: int = 1, max_seconds: int | None = None
) -> dict[str, Any]:
    """One `schemathesis run`; its JSON report, plus the console output under "console"."""
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as folder:
        report = Path(folder) / "report.json"
        command = [
            str(SCHEMATHESIS), "run", f"{url}/openapi.json",
            "--checks", ",".join(CHECKS),
            "--mode", "all",
            "--phases", "examples,coverage,fuzzing",  # no stateful phase: no links to follow
            "--max-examples", str(max_examples),
            "--seed", str(seed),
            "--workers", "1",
            "--request-timeout", "30",
            "--report", "json", "--report-json-path", str(report),
        ]  # fmt: skip
        if max_seconds is not None:
            command += ["--max-time", str(max_seconds)]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=folder)
        if not report.is_file():
            raise RuntimeError(f"schemathesis wrote no report ({done.returncode}):\n{done.stderr}")
        result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    result["console"] = done.stdout
    return result
