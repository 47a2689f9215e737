"""What a cold start imports: nothing heavy that serving the shipped model does not need.

Timing is the benchmark's job (bench/benchmark_function.py); this pins the causes
found there, so they cannot come back unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.function_support import EVENTS, ROOT

CHILD = """
import json, sys
from digits.handler import handler
class Context: aws_request_id = "imports"
for name in sys.argv[1:]:
    answer = handler(json.load(open(name)), Context())
    assert answer["statusCode"] == 200, answer
print(json.dumps(sorted(sys.modules)))
"""

# scikit-learn/SciPy: only for a bring-your-own estimator; boto3: only for MODEL_S3_URI;
# pydantic.v1: what FastAPI imports for a response_model (40 ms); uvicorn: local only.
NEVER = ("sklearn", "scipy", "boto3", "botocore", "pydantic.v1", "uvicorn", "httpx")


def test_serving_the_shipped_model_imports_nothing_heavy() -> None:
    events = [EVENTS / f"http-v2-{name}.json" for name in ("predict-json", "health", "model")]
    child = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, events)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "function")},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    modules = json.loads(child.stdout.splitlines()[-1])
    loaded = sorted(
        {m for m in modules for heavy in NEVER if m == heavy or m.startswith(heavy + ".")}
    )
    assert loaded == []
