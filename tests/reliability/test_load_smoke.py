"""bench/load_soak.py in small: its checks, its figures, and 200 requests on tools.local.serve.

The full run (concurrency 8 for 60 s on both targets, 10k requests of soak) is a bench,
`make load-soak`, not part of `make test`.
"""

from __future__ import annotations

import json

import pytest
from bench.load_soak import Request, Worker, check, memory_summary, percentile, run_target

from tools.local.serve_process import ServeProcess


def test_percentiles_are_values_that_were_seen() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


def test_an_answer_is_an_error_unless_it_is_the_documented_one() -> None:
    drawing = Request("digit 3", b"{}", "application/json", 200)
    good = json.dumps({"digit": 3}).encode()
    assert check(drawing, 200, good, 3) is None
    assert "digit 5" in str(check(drawing, 200, json.dumps({"digit": 5}).encode(), 3))
    assert "status 503" in str(check(drawing, 503, b"{}", 3))
    hostile = Request("blank", b"{}", "application/json", 422, "empty_canvas")
    assert check(hostile, 422, b'{"error": "empty_canvas"}', None) is None
    assert "invalid_request" in str(check(hostile, 422, b'{"error": "invalid_request"}', None))
    assert "not JSON" in str(check(hostile, 422, b"<html>", None))


def test_only_loopback_is_ever_loaded() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        Worker("http://192.0.2.10:8000")
    Worker("http://127.0.0.1:8000").close()


def test_memory_growth_is_measured_from_the_first_sample() -> None:
    memory = memory_summary("x", [(0, 100 * 1024), (500, 104 * 1024), (1000, 105 * 1024)])
    assert (memory.start_mib, memory.end_mib, memory.growth_percent) == (100.0, 105.0, 5.0)
    assert memory.requests == 1000 and memory.samples[-1] == (1000, 105.0)


@pytest.mark.slow
def test_200_requests_at_concurrency_4_on_the_local_run() -> None:
    with ServeProcess(env={"LOG_LEVEL": "WARNING"}) as server:
        run = run_target(
            server.url, server.pid, "tools.local.serve", "serve", concurrency=4, seconds=60,
            max_requests=200, soak_requests=200, soak_seconds=60,
        )  # fmt: skip
    assert run.soak.errors == 0, run.soak.first_errors
    assert run.soak.requests >= 200
    assert {200, 400, 413, 422} <= set(run.soak.by_status)  # drawings and hostile inputs
    assert run.memory.growth_percent < 10
