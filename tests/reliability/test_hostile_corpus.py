"""The hostile-input table against a real server over loopback, with the server's memory read.

The same table runs in process (tests/api) and through API Gateway events (tests/lambda);
here it crosses a real socket to the Lambda app under uvicorn, in its own process, so
that its peak resident memory during each request can be read from /proc (VmHWM, reset
before each case). Pixel limits are checked from the header before decoding, so a tiny
file claiming 13000x13000 or 20000x20000 pixels costs the server nothing (the seed spent
2.5 GB on the first); the body limit holds before the body is read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.hostile_inputs import CASES
from tests.reliability.corpus import Observed, run_corpus
from tests.support.process_memory import rss_kib

from tools.local.serve_process import ServeProcess

pytestmark = pytest.mark.slow

# Cases whose declared size would cost gigabytes if anything were allocated for it.
HUGE = {"30 MB body", "20000x20000 PNG", "13000x13000 PNG"}
HUGE_PEAK_MIB = 4.0
ANY_PEAK_MIB = 32.0  # a 280x280 canvas, decoded and preprocessed, needs a few MiB
ANSWER_BYTES = 512  # an error answer; a 200 carries ten probabilities and a 28x28 PNG
BOMB = "PNG with a zTXt bomb (64 MB of text in a few kB)"


@pytest.fixture(scope="module")
def observed() -> Iterator[dict[str, Observed]]:
    with ServeProcess(env={"LOG_LEVEL": "WARNING"}, api_only=True) as server:
        before = rss_kib(server.pid)
        results = {o.case.name: o for o in run_corpus(server.url, server.pid, CASES)}
        # After 50 hostile requests the server is as big as after a few good ones.
        assert rss_kib(server.pid) - before < 32 * 1024
        yield results


def test_the_corpus_has_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_each_case_gets_its_documented_answer(observed: dict[str, Observed], name: str) -> None:
    result = observed[name]
    assert result.as_documented, (result.case.status, result.case.answer, result.outcome)
    assert result.leaks == (), result.leaks
    limit = ANSWER_BYTES if result.status != 200 else 2048
    assert result.answer_bytes < limit


@pytest.mark.parametrize("name", sorted({*HUGE, BOMB}))
def test_huge_declared_sizes_cost_no_memory(observed: dict[str, Observed], name: str) -> None:
    assert observed[name].peak_growth_mib < HUGE_PEAK_MIB, observed[name]


def test_no_case_costs_more_than_a_few_mib(observed: dict[str, Observed]) -> None:
    costly = {
        n: o.peak_growth_mib for n, o in observed.items() if o.peak_growth_mib >= ANY_PEAK_MIB
    }
    assert costly == {}


def test_the_measurement_sees_what_decoding_would_cost() -> None:
    """Control: with the limits raised, the 13000x13000 PNG is decoded (Pillow fills the rows
    its data lacks with zeros), and the peak shows the 161 MiB that its pixels take."""
    (case,) = [case for case in CASES if case.name == "13000x13000 PNG"]
    limits = {"MAX_IMAGE_SIDE": "13000", "MAX_IMAGE_PIXELS": str(13000 * 13000)}
    with ServeProcess(env={"LOG_LEVEL": "WARNING", **limits}, api_only=True) as server:
        (result,) = run_corpus(server.url, server.pid, [case])
    assert result.peak_growth_mib > 13000 * 13000 / 2**20 * 0.9
