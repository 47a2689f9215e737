"""Load and soak: concurrent requests over loopback, then memory over many more (a bench
script that prints figures and stops by itself; not part of `make test`).

    make load-soak    (= .venv/bin/python bench/load_soak.py --target both)
    python bench/load_soak.py --target serve --seconds 60 --concurrency 8 --soak-requests 10000

Targets, each started here and stopped at the end:
  serve   the plain local run: `python -m tools.local.serve` (what `make run` starts), uvicorn
  lambda  the Docker-free Lambda stack (`make lambda-local`): SAM CLI's local API Gateway ->
          the Runtime Interface Emulator -> awslambdaric -> Mangum -> the app. One execution
          environment, as one warm Lambda container: requests queue at the gateway.

Phases: a warm-up (each body once, answers remembered); load: `--concurrency` workers for
`--seconds`; soak: on at the same concurrency until `--soak-requests` have been answered
since the warm-up (or `--soak-seconds` pass). Every request is checked: a drawing must get
200 and the digit it got in the warm-up, a hostile input (one request in ten: a blank canvas,
bad base64, a 13000x13000 PNG header) its documented 4xx; anything else, or a transport
error, is an error. The server's resident memory (the function's process for `lambda`) is
sampled every second; growth is measured from the end of the warm-up.

Loopback only, bounded in requests and time. Figures go to stdout and, with --json, to a
file that bench/reliability_report.py puts into docs/RELIABILITY.md.

Not locust (2.47.0, measured): 42 packages and 85 MB for what these threads do, 0.6 s to
import, and its gevent patches the threads and sockets the memory sampler here relies on.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "function"), str(ROOT)]

from bench.provenance import short_commit, utc_stamp  # noqa: E402
from tests.function_support import png_header_only  # noqa: E402
from tests.support.process_memory import children, find_process, rss_kib  # noqa: E402

from tools.canvas import blank_png, canvas_png, data_url  # noqa: E402
from tools.local.serve_process import ServeProcess  # noqa: E402

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
RESULTS = ROOT / "bench" / "results" / "load_soak.json"
HOSTILE_EVERY = 10  # one request in ten is hostile
DRAWINGS = 40  # distinct canvas bodies: every digit, four hands


@dataclass(frozen=True)
class Request:
    name: str
    body: bytes
    content_type: str
    status: int  # the documented status
    error: str | None = None  # the documented error code


def requests_mix() -> tuple[list[Request], list[Request]]:
    drawings = [
        Request(
            f"digit {d} hand {v}",
            json.dumps({"image": data_url(canvas_png(d, variant=v))}).encode(),
            "application/json",
            200,
        )
        for v in range(1, DRAWINGS // 10 + 1)
        for d in range(10)
    ]
    hostile = [
        Request(
            "blank canvas",
            json.dumps({"image": data_url(blank_png())}).encode(),
            "application/json",
            422,
            "empty_canvas",
        ),
        Request(
            "bad base64",
            b'{"image": "data:image/png;base64,@@not*base64@@"}',
            "application/json",
            400,
            "invalid_image",
        ),
        Request("13000x13000 PNG", png_header_only(13000, 13000), "image/png", 413, "too_large"),
    ]
    return drawings, hostile


@dataclass
class Tally:
    """What the workers saw; shared, so guarded by a lock."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_status: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    def add(self, ms: float, status: int, error: str | None) -> None:
        with self.lock:
            self.latencies_ms.append(ms)
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if error is not None and len(self.errors) < 1000:
                self.errors.append(error)


class Worker:
    """One keep-alive connection, reopened when the server closes it (as HTTP allows)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.hostname not in LOOPBACK:
            raise ValueError(f"loopback only, not {parts.hostname}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.connection: http.client.HTTPConnection | None = None

    def send(self, request: Request) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            self.connection.request(
                "POST",
                "/predict",
                body=request.body,
                headers={"content-type": request.content_type},
            )
            response = self.connection.getresponse()
            body = response.read()
        except Exception:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, body

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def check(request: Request, status: int, body: bytes, expected_digit: int | None) -> str | None:
    """None when the answer is the documented one; else what was wrong."""
    if status != request.status:
        return f"{request.name}: status {status}, expected {request.status}: {body[:120]!r}"
    try:
        answer = json.loads(body)
    except ValueError:
        return f"{request.name}: not JSON: {body[:120]!r}"
    if request.status == 200:
        if expected_digit is not None and answer.get("digit") != expected_digit:
            return f"{request.name}: digit {answer.get('digit')}, earlier {expected_digit}"
        return None
    if answer.get("error") != request.error:
        return f"{request.name}: error {answer.get('error')}, expected {request.error}"
    return None


def warm_up(url: str, drawings: list[Request], hostile: list[Request]) -> dict[str, int]:
    """Each body once; the digit each drawing gets (later answers must agree)."""
    worker = Worker(url)
    digits = {}
    try:
        for request in [*drawings, *hostile]:
            status, body = worker.send(request)
            problem = check(request, status, body, None)
            if problem:
                raise RuntimeError(f"warm-up: {problem}")
            if status == 200:
                digits[request.name] = int(json.loads(body)["digit"])
    finally:
        worker.close()
    return digits


def hammer(
    url: str,
    concurrency: int,
    stop: Callable[[Tally], bool],
    drawings: list[Request],
    hostile: list[Request],
    digits: dict[str, int],
    tally: Tally,
) -> float:
    """`concurrency` workers until ``stop(tally)``; the wall time taken."""
    sequence = iter(range(1 << 62))
    sequence_lock = threading.Lock()

    def next_request() -> Request:
        with sequence_lock:
            n = next(sequence)
        if n % HOSTILE_EVERY == HOSTILE_EVERY - 1:
            return hostile[(n // HOSTILE_EVERY) % len(hostile)]
        return drawings[n % len(drawings)]

    def work() -> None:
        worker = Worker(url)
        try:
            while not stop(tally):
                request = next_request()
                started = time.perf_counter()
                try:
                    status, body = worker.send(request)
                    problem = check(request, status, body, digits.get(request.name))
                except Exception as error:  # a transport failure is an error too
                    status, problem = 0, f"{request.name}: {type(error).__name__}: {error}"
                tally.add((time.perf_counter() - started) * 1000, status, problem)
        finally:
            worker.close()

    started = time.monotonic()
    threads = [threading.Thread(target=work, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


class MemorySampler:
    """The server's RSS every `period` seconds, with the request count at that moment."""

    def __init__(self, pid: int, tally: Tally, period: float = 1.0) -> None:
        self.pid, self.tally, self.period = pid, tally, period
        self.samples: list[tuple[int, int]] = []  # (requests answered, RSS KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.sample()

    def sample(self) -> None:
        self.samples.append((self.tally.count, rss_kib(self.pid)))

    def __enter__(self) -> MemorySampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was really seen)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass
class Phase:
    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    by_status: dict[int, int]
    first_errors: list[str]


def summarise(tally: Tally, seconds: float) -> Phase:
    latencies = tally.latencies_ms or [0.0]
    return Phase(
        requests=tally.count,
        errors=len(tally.errors),
        seconds=round(seconds, 2),
        per_second=round(tally.count / seconds, 1) if seconds else 0.0,
        p50_ms=round(percentile(latencies, 0.50), 2),
        p90_ms=round(percentile(latencies, 0.90), 2),
        p99_ms=round(percentile(latencies, 0.99), 2),
        max_ms=round(max(latencies), 2),
        by_status=dict(sorted(tally.by_status.items())),
        first_errors=tally.errors[:5],
    )


@dataclass
class Memory:
    process: str
    start_mib: float  # after the warm-up
    end_mib: float
    peak_mib: float
    growth_percent: float
    requests: int
    samples: list[tuple[int, float]]  # (requests, MiB), thinned for the report


def memory_summary(process: str, samples: list[tuple[int, int]]) -> Memory:
    start, end = samples[0][1], samples[-1][1]
    step = max(len(samples) // 20, 1)
    thinned = (
        [*samples[::step], samples[-1]] if samples[-1] not in samples[::step] else samples[::step]
    )
    return Memory(
        process=process,
        start_mib=round(start / 1024, 1),
        end_mib=round(end / 1024, 1),
        peak_mib=round(max(kib for _, kib in samples) / 1024, 1),
        growth_percent=round((end - start) / start * 100, 2),
        requests=samples[-1][0],
        samples=[(count, round(kib / 1024, 1)) for count, kib in thinned],
    )


@dataclass
class TargetRun:
    target: str
    concurrency: int
    load: Phase
    soak: Phase  # load and soak requests together
    memory: Memory
    warm_up_requests: int


def run_target(
    url: str,
    pid: int,
    process: str,
    target: str,
    concurrency: int,
    seconds: float,
    max_requests: int,
    soak_requests: int,
    soak_seconds: float,
) -> TargetRun:
    drawings, hostile = requests_mix()
    digits = warm_up(url, drawings, hostile)
    tally = Tally()
    with MemorySampler(pid, tally) as sampler:
        load_deadline = time.monotonic() + seconds
        load_seconds = hammer(
            url,
            concurrency,
            lambda t: time.monotonic() >= load_deadline or t.count >= max_requests,
            drawings,
            hostile,
            digits,
            tally,
        )
        load = summarise(tally, load_seconds)
        soak_deadline = time.monotonic() + soak_seconds
        more_seconds = 0.0
        if tally.count < soak_requests:
            more_seconds = hammer(
                url,
                concurrency,
                lambda t: time.monotonic() >= soak_deadline or t.count >= soak_requests,
                drawings,
                hostile,
                digits,
                tally,
            )
    return TargetRun(
        target=target,
        concurrency=concurrency,
        load=load,
        soak=summarise(tally, load_seconds + more_seconds),
        memory=memory_summary(process, sampler.samples),
        warm_up_requests=len(drawings) + len(hostile),
    )


@contextmanager
def started(target: str) -> Iterator[tuple[str, int, str]]:
    """(url, pid whose memory to watch, what that process is) for a running target."""
    if target == "serve":
        with ServeProcess(env={"LOG_LEVEL": "WARNING"}) as server:
            yield server.url, server.pid, "tools.local.serve (uvicorn)"
        return
    from tools.local.lambda_local import LocalStack

    # LOG_LEVEL stays the template's: the per-request line is part of what Lambda runs.
    with LocalStack() as stack:
        if stack.runtime is None:
            raise RuntimeError("the stack started without its function")
        emulator = find_process("aws-lambda-rie", f"127.0.0.1:{stack.runtime.port}")
        (function,) = children(emulator)
        yield stack.url, function, "the function under the emulator (awslambdaric)"


def machine() -> dict[str, Any]:
    return {
        "date": utc_stamp(),
        "commit": short_commit(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def print_run(run: TargetRun) -> None:
    print(f"{run.target}: concurrency {run.concurrency}")
    for label, phase in (("load", run.load), ("load + soak", run.soak)):
        print(
            f"  {label:12s} {phase.requests} requests in {phase.seconds:.1f} s: "
            f"{phase.per_second:.1f} req/s, p50 {phase.p50_ms:.1f} ms, p99 {phase.p99_ms:.1f} ms, "
            f"max {phase.max_ms:.1f} ms, errors {phase.errors}  {phase.by_status}"
        )
        for error in phase.first_errors:
            print(f"    error: {error}")
    memory = run.memory
    print(
        f"  memory of {memory.process}: {memory.start_mib} MiB after warm-up -> "
        f"{memory.end_mib} MiB after {memory.requests} requests ({memory.growth_percent:+.2f}%), "
        f"peak {memory.peak_mib} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--target", choices=["serve", "lambda", "both"], default="both")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0, help="load phase length")
    parser.add_argument("--max-requests", type=int, default=100_000, help="load phase cap")
    parser.add_argument("--soak-requests", type=int, default=10_000)
    parser.add_argument("--soak-seconds", type=float, default=600.0, help="soak phase cap")
    parser.add_argument(
        "--json", type=Path, default=None, help=f"write figures (e.g. {RESULTS.relative_to(ROOT)})"
    )
    args = parser.parse_args(argv)
    targets = ["serve", "lambda"] if args.target == "both" else [args.target]
    report: dict[str, Any] = {"machine": machine(), "runs": {}}
    if args.json and args.json.is_file():  # keep the other target's figures
        report["runs"] = json.loads(args.json.read_text(encoding="utf-8")).get("runs", {})
    failed = False
    for target in targets:
        with started(target) as (url, pid, process):
            run = run_target(
                url, pid, process, target, args.concurrency, args.seconds,
                args.max_requests, args.soak_requests, args.soak_seconds,
            )  # fmt: skip
        print_run(run)
        entry = asdict(run)
        entry["machine"] = {
            **report["machine"],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }
        report["runs"][target] = entry
        failed |= run.soak.errors > 0 or run.memory.growth_percent >= 10
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
