"""The API against its own OpenAPI schema, fuzzed by schemathesis on a real server."""

from __future__ import annotations

import pytest
from tests.reliability.api_fuzz import fuzzable_server, run_schemathesis

pytestmark = pytest.mark.slow

# Per operation and phase: a few hundred requests in all, a few seconds on 2 cores.
MAX_EXAMPLES = 40


def test_no_5xx_and_every_answer_matches_the_schema() -> None:
    with fuzzable_server() as (server, _):
        report = run_schemathesis(server.url, MAX_EXAMPLES)
    console = report["console"]
    assert report["failures"] == [] and report["errors"] == [], console
    assert report["exit_code"] == 0, console
    operations = report["operations"]
    assert operations["tested"] == operations["total"] >= 3, console  # every operation
    phases = report["phases"]
    assert {name: phases[name]["status"] for name in ("coverage", "fuzzing")} == {
        "coverage": "success",
        "fuzzing": "success",
    }, console
    # /health and /model take no input: most cases are for /predict.
    assert report["test_cases"]["generated"] >= MAX_EXAMPLES
