"""The serving processes run numpy's BLAS on one thread (digits/handler.py, tools/local/serve.py).

A request multiplies one 784-vector through the model: sharing that out costs more than
it saves, and a second BLAS thread that waits for a busy core made the local server 5-7x
slower under load (docs/RELIABILITY.md, "Findings"). Checked in fresh processes, as the
setting only works before numpy is first imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORT = (
    "import json; from threadpoolctl import threadpool_info; "
    "print(json.dumps([p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']))"
)


def blas_threads(prelude: str, **env: str) -> list[int]:
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    environment.update(PYTHONPATH=f"{ROOT / 'function'}:{ROOT}", LOG_LEVEL="WARNING", **env)
    done = subprocess.run(
        [sys.executable, "-c", f"{prelude}; import numpy; {REPORT}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    threads: list[int] = json.loads(done.stdout.strip().splitlines()[-1])
    assert threads, "numpy loaded no BLAS library that threadpoolctl knows"
    return threads


def test_the_lambda_handler_uses_one_blas_thread() -> None:
    assert blas_threads("import digits.handler") == [1]


def test_the_local_server_uses_one_blas_thread() -> None:
    assert blas_threads("import tools.local.serve") == [1]


def test_an_explicit_setting_wins() -> None:
    assert blas_threads("import digits.handler", OPENBLAS_NUM_THREADS="2") == [2]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: BLAS starts one thread anyway")
def test_control_numpy_alone_starts_a_thread_per_core() -> None:
    assert blas_threads("pass") == [os.cpu_count()]
