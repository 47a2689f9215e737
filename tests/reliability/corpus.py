"""Runs the hostile-input table (tests/hostile_inputs.py) against a real server over loopback,
reading the server process's peak memory around every request.

Shared by tests/reliability/test_hostile_corpus.py (which asserts) and
bench/reliability_report.py (which writes docs/RELIABILITY.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
from tests.function_support import ADDRESS, LEAKS
from tests.hostile_inputs import Case
from tests.support.process_memory import peak_kib, reset_peak, rss_kib

from tools.canvas import canvas_png


@dataclass(frozen=True)
class Observed:
    case: Case
    status: int
    code: str | None  # the "error" of an error answer
    digit: int | None  # the "digit" of a 200
    answer_bytes: int
    leaks: tuple[str, ...]  # internal text or pieces of the request found in the answer
    peak_growth_mib: float  # the server's peak RSS during the request, over its RSS before
    ms: float

    @property
    def as_documented(self) -> bool:
        expected = self.case.answer
        got = self.digit if self.case.status == 200 else self.code
        return self.status == self.case.status and got == expected

    @property
    def outcome(self) -> str:
        return f"{self.status} {self.code if self.code is not None else self.digit}"


def leaks_in(text: str, body: bytes) -> tuple[str, ...]:
    """What an answer must never hold: our LEAKS list, addresses, slices of the request."""
    found = [leak for leak in LEAKS if leak in text]
    found += [f"address {match}" for match in ADDRESS.findall(text)]
    for start in range(0, max(len(body) - 16, 0), 997):
        piece = body[start : start + 16].decode("latin-1")
        if piece.strip() and piece in text:
            found.append(f"echo of bytes {start}..{start + 16}")
            break
    return tuple(found)


def warm_up(client: httpx.Client) -> None:
    """A few real predictions first: the steady state is what each case is measured from."""
    for digit in range(10):
        response = client.post(
            "/predict", content=canvas_png(digit), headers={"content-type": "image/png"}
        )
        response.raise_for_status()


def run_case(client: httpx.Client, pid: int, case: Case) -> Observed:
    before = rss_kib(pid)
    reset_peak(pid)
    started = time.perf_counter()
    response = client.request(
        case.method,
        "/predict",
        content=case.body,
        headers={"content-type": case.content_type, **dict(case.headers)},
    )
    elapsed = (time.perf_counter() - started) * 1000
    growth = max(peak_kib(pid) - before, 0) / 1024
    code = digit = None
    try:
        parsed = json.loads(response.content)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        code = parsed.get("error")
        digit = parsed.get("digit")
    return Observed(
        case=case,
        status=response.status_code,
        code=code,
        digit=digit,
        answer_bytes=len(response.content),
        leaks=leaks_in(response.text, case.body) if response.status_code != 200 else (),
        peak_growth_mib=round(growth, 2),
        ms=round(elapsed, 1),
    )


def run_corpus(url: str, pid: int, cases: Iterable[Case]) -> list[Observed]:
    # One connection per case: a refused large body may close it (as a server should).
    with httpx.Client(base_url=url, timeout=60) as warm:
        warm_up(warm)
    observed = []
    for case in cases:
        with httpx.Client(base_url=url, timeout=60) as client:
            observed.append(run_case(client, pid, case))
    return observed
