"""The function's performance figures (a script that prints them; not a timed test).

    make benchmark      (= PYTHONPATH=function:. .venv/bin/python bench/benchmark_function.py)

1. Cold start: a fresh Python process -> the first successful ``handler(event, context)``
   prediction through Mangum, median of 5 (the .pyc files exist, as the image's
   ``compileall`` step makes them).
2. Warm: ``handler(event, context)`` in process over >= 500 different canvas PNGs
   (HTTP API v2 events, JSON data-URL bodies as the page sends), p50/p99, and the
   median of each stage (decode, preprocess, model, serialisation) from the function's
   own per-request log line; "overhead" is the rest (Mangum, routing, middleware).
3. ``python -X importtime`` of the handler: the top 10 imports, cumulative and self.
4. Sequential requests per second over loopback HTTP to ``python -m tools.local.serve``
   (what ``make run`` starts), one keep-alive connection; bounded in count and time.

Timing on a shared machine is noisy: the load average is printed with the figures, and
CPU times beside wall times (CPU time does not grow while other processes hold the cores).
Every figure is also written to bench/results/benchmark_function.json with the commit, the
date and the machine's load (``--json`` to change), from which bench/performance_report.py
makes docs/performance.md: no figure is typed in.
"""

from __future__ import annotations

import argparse
import base64
import compileall
import contextlib
import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "function"), str(ROOT)]

from tqdm import tqdm  # noqa: E402

from tools.canvas import canvas_png  # noqa: E402

EVENT = ROOT / "events" / "http-v2-predict-json.json"
RESULTS = ROOT / "bench" / "results" / "benchmark_function.json"
COLD_RUNS = 5
WARM_REQUESTS = 500
HTTP_REQUESTS = 1000
HTTP_TIME_LIMIT = 30.0  # seconds: the loop stops at whichever bound comes first
ENV = {**os.environ, "PYTHONPATH": f"{ROOT / 'function'}:{ROOT}"}

_COLD_CHILD = """
import json, sys, time
from digits.handler import handler
class Context: aws_request_id = "cold-start"
event = json.load(open(sys.argv[1]))
answer = handler(event, Context())
assert answer["statusCode"] == 200, answer
sys.stderr.write(f"READY {time.time()} {time.process_time()}\\n")
sys.stderr.flush()
"""


class Context:
    aws_request_id = "benchmark"


def canvas_bodies(count: int) -> list[bytes]:
    """JSON bodies of different drawings: every digit, many hands."""
    bodies = []
    for index in range(count):
        png = canvas_png(index % 10, variant=index // 10 + 1)
        url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        bodies.append(json.dumps({"image": url}).encode())
    return bodies


def cold_start() -> tuple[list[float], list[float]]:
    """Seconds from spawning a process to its first successful prediction (wall, CPU)."""
    times, cpu = [], []
    for _ in range(COLD_RUNS):
        started = time.time()
        child = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _COLD_CHILD, str(EVENT)],
            env=ENV, capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        ready = next(line for line in child.stderr.splitlines() if line.startswith("READY"))
        times.append(float(ready.split()[1]) - started)
        cpu.append(float(ready.split()[2]))
    return times, cpu


def warm(bodies: list[bytes]) -> tuple[list[float], list[float], dict[str, list[float]]]:
    from digits.handler import handler

    template = json.loads(EVENT.read_text())
    events = [{**template, "body": body.decode(), "isBase64Encoded": False} for body in bodies]
    latencies, cpu = [], []
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        for event in events[:20]:  # warm-up: first-call costs belong to the cold start
            handler(event, Context())
        log.seek(0)
        log.truncate()
        for event in events:
            started, started_cpu = time.perf_counter(), time.thread_time()
            answer = handler(event, Context())
            cpu.append((time.thread_time() - started_cpu) * 1000)
            latencies.append((time.perf_counter() - started) * 1000)
            if answer["statusCode"] != 200:
                raise RuntimeError(f"handler answered {answer['statusCode']}")
    stages: dict[str, list[float]] = {}
    for line in log.getvalue().splitlines():
        record = json.loads(line)
        if record.get("message") == "request":
            for stage, value in record["stages_ms"].items():
                stages.setdefault(stage, []).append(value)
    return latencies, cpu, stages


def reader(pngs: list[bytes]) -> tuple[list[float], list[float], dict[str, list[float]]]:
    """read_drawing (what /predict runs between the body and the JSON) on each PNG:
    wall ms, CPU ms, and each stage's ms."""
    from digits.decode import ImageLimits
    from digits.predictor import load_predictor
    from digits.reader import read_drawing
    from digits.settings import Settings

    settings = Settings()
    predictor = load_predictor(settings)
    limits = ImageLimits(settings.max_image_side, settings.max_image_pixels)
    for png in pngs[:20]:
        read_drawing(png, predictor, limits)
    totals: list[float] = []
    cpu: list[float] = []
    stages: dict[str, list[float]] = {}
    for png in tqdm(pngs, desc="reader", unit="drawing", leave=False):
        started, started_cpu = time.perf_counter(), time.thread_time()
        reading = read_drawing(png, predictor, limits)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        totals.append((time.perf_counter() - started) * 1000)
        for stage, value in reading.stages_ms.items():
            stages.setdefault(stage, []).append(value)
    return totals, cpu, stages


def import_times() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Top 10 of the handler's imports in microseconds: by package (its modules' self
    times added up, which is what removing the package would save) and by module."""
    child = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import digits.handler"],
        env=ENV, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    packages: dict[str, int] = {}
    modules = []
    for line in child.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        own, name = int(fields[0]), fields[2].strip()
        package = name if name.startswith("digits") else name.split(".")[0]
        packages[package] = packages.get(package, 0) + own
        modules.append((own, name))
    by_package = sorted(((us, name) for name, us in packages.items()), reverse=True)
    return by_package[:10], sorted(modules, reverse=True)[:10]


def requests_per_second(bodies: list[bytes]) -> tuple[float, float, int]:
    """(req/s, median ms, count) for sequential POST /predict to tools.local.serve on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "tools.local.serve"],
        env={**ENV, "PORT": str(port)}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        connection = _connect(port)
        headers = {"Content-Type": "application/json"}
        for body in bodies[:20]:
            _post(connection, body, headers)
        latencies: list[float] = []
        started = time.perf_counter()
        while len(latencies) < HTTP_REQUESTS and time.perf_counter() - started < HTTP_TIME_LIMIT:
            body = bodies[len(latencies) % len(bodies)]
            sent = time.perf_counter()
            _post(connection, body, headers)
            latencies.append((time.perf_counter() - sent) * 1000)
        elapsed = time.perf_counter() - started
        connection.close()
        return len(latencies) / elapsed, statistics.median(latencies), len(latencies)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _connect(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/health")
            if connection.getresponse().read() and True:
                return connection
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("tools.local.serve did not start")


def _post(connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> None:
    connection.request("POST", "/predict", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"/predict answered {response.status}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=RESULTS, help="where the figures go")
    args = parser.parse_args(argv)
    from bench.provenance import short_commit, utc_stamp

    # As the image's `RUN python -m compileall` does: cold starts read bytecode.
    compileall.compile_dir(ROOT / "function" / "digits", quiet=1)
    load_before = list(os.getloadavg())
    results: dict[str, Any] = {
        "machine": {
            "date": utc_stamp(),
            "commit": short_commit(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "python": sys.version.split()[0],
        },
        "model_version": _model_version(),
    }
    print(f"machine: {os.cpu_count()} cores, load average {load_before[0]:.2f}")
    print(f"python {sys.version.split()[0]}; model {results['model_version']}")

    cold, cold_cpu = cold_start()
    results["cold_start"] = {
        "runs": COLD_RUNS,
        "median_s": round(statistics.median(cold), 3),
        "runs_s": [round(t, 3) for t in cold],
        "cpu_median_s": round(statistics.median(cold_cpu), 3),
    }
    runs = ", ".join(f"{t:.3f}" for t in cold)
    print(f"\ncold start (process spawn -> first prediction), {COLD_RUNS} runs:")
    print(f"  median {statistics.median(cold):.3f} s   (runs: {runs})")
    print(f"  CPU time of the process by then: median {statistics.median(cold_cpu):.3f} s")

    bodies = canvas_bodies(WARM_REQUESTS)
    latencies, cpu, stages = warm(bodies)
    medians = {stage: statistics.median(values) for stage, values in stages.items()}
    overhead = percentile(latencies, 0.5) - sum(medians.values())
    results["warm"] = {
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 0.5), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "cpu_p50_ms": round(percentile(cpu, 0.5), 3),
        "cpu_p99_ms": round(percentile(cpu, 0.99), 3),
        "stages_median_ms": {stage: round(value, 3) for stage, value in medians.items()},
        "overhead_ms": round(overhead, 3),
    }
    print(f"\nwarm handler(event, context), {len(latencies)} canvas PNGs (v2 events, JSON bodies):")
    print(f"  p50 {percentile(latencies, 0.5):.2f} ms   p99 {percentile(latencies, 0.99):.2f} ms")
    cpu_p50, cpu_p99 = percentile(cpu, 0.5), percentile(cpu, 0.99)
    print(f"  CPU time per request: p50 {cpu_p50:.2f} ms, p99 {cpu_p99:.2f} ms")
    for stage, value in medians.items():
        print(f"  {stage:<11} {value:6.3f} ms (median)")
    print(f"  {'overhead':<11} {overhead:6.3f} ms (p50 minus the stages: Mangum, routing, log)")

    pngs = [canvas_png(index % 10, variant=index // 10 + 1) for index in range(WARM_REQUESTS)]
    read_totals, read_cpu, read_stages = reader(pngs)
    results["reader"] = {
        "drawings": len(read_totals),
        "p50_ms": round(percentile(read_totals, 0.5), 3),
        "p99_ms": round(percentile(read_totals, 0.99), 3),
        "cpu_p50_ms": round(percentile(read_cpu, 0.5), 3),
        "stages_median_ms": {
            stage: round(statistics.median(values), 3) for stage, values in read_stages.items()
        },
    }
    print(f"\ndigits.reader.read_drawing, the same {len(read_totals)} PNGs (no HTTP, no JSON):")
    print(f"  p50 {results['reader']['p50_ms']:.2f} ms   p99 {results['reader']['p99_ms']:.2f} ms")

    cumulative, own = import_times()
    results["imports_ms"] = {
        "by_package": [[name, round(us / 1000, 1)] for us, name in cumulative],
        "by_module": [[name, round(us / 1000, 1)] for us, name in own],
    }
    print("\npython -X importtime -c 'import digits.handler', top 10 (ms):")
    print(f"  {'by package (sum of self times)':<40} | by module (self time)")
    for (cum_us, cum_name), (own_us, own_name) in zip(cumulative, own, strict=True):
        print(f"  {cum_us / 1000:7.1f}  {cum_name:<31} | {own_us / 1000:6.1f}  {own_name}")

    rate, median_ms, count = requests_per_second(bodies)
    results["http"] = {
        "requests": count,
        "per_second": round(rate, 1),
        "median_ms": round(median_ms, 3),
    }
    print(f"\nsequential HTTP to tools.local.serve on 127.0.0.1 (keep-alive), {count} requests:")
    print(f"  {rate:.0f} req/s   median {median_ms:.2f} ms per request")

    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.json}")


def _model_version() -> Any:
    metadata = json.loads((ROOT / "models" / "digit_model_28.json").read_text())
    return metadata.get("version")


if __name__ == "__main__":
    main()
