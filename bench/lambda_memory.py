"""How much memory the function needs, and what more memory buys (a script; not a timed test).

    make lambda-memory      (= .venv/bin/python bench/lambda_memory.py [--sizes 512,1024])

For each MemorySize the function runs under the Lambda Runtime Interface Emulator
(tools/local/lambda_runtime.py: staged as the image, awslambdaric, the template's environment)
inside a CPU cgroup capped the way Lambda shares CPU: memory / 1769 MB of one core (1769 MB
is one full vCPU; Lambda's documented ratio), at most the cores this machine has. It prints:

- peak RSS (VmHWM) of the function's process after typical canvas predictions, and after the
  largest image the limits admit (MAX_IMAGE_SIDE square, compressible enough to fit
  MAX_BODY_BYTES): the figure MemorySize must clear, since Lambda kills a function that
  exceeds it;
- the cold start (emulator up -> first prediction answered: Python, imports, model load),
  median of --cold fresh starts;
- warm prediction latency (median, p90 of 40 canvas PNGs, end to end through the emulator);
- cost per million predictions at that size, x86_64 and arm64 (prices below, with their date).

Without a writable cgroup (no root, cgroup v2 only) it measures uncapped and says so. This
machine's cores are not Lambda's: compare sizes with each other, not with AWS figures.
The rows go to bench/results/lambda_memory.json with the commit, date and machine load
(``--json`` to change), from which bench/performance_report.py makes docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "function"), str(ROOT)]
RESULTS = ROOT / "bench" / "results" / "lambda_memory.json"


from tests.support.process_memory import children, peak_kib  # noqa: E402

from tools.aws.cfn_eval import Evaluator, load_template  # noqa: E402
from tools.canvas import canvas_png, data_url, largest_admitted_png  # noqa: E402
from tools.local.lambda_runtime import LambdaRuntime  # noqa: E402

CGROUP_CPU = Path("/sys/fs/cgroup/cpu")
PERIOD_US = 100_000
FULL_VCPU_MB = 1769
# Prices in USD, us-east-1 list prices as known in mid-2025 (Lambda's are the same in Seoul).
# Check the current ones: they change rarely but they do change.
PRICE_DATE = "mid-2025"
PER_REQUEST = 0.20 / 1_000_000
PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
EVENT = ROOT / "events" / "http-v2-predict-json.json"


@contextmanager
def cpu_cap(memory_mb: int) -> Iterator[Path | None]:
    """A cgroup (v1 cpu controller) limited to Lambda's CPU share for memory_mb, if allowed."""
    share = min(memory_mb / FULL_VCPU_MB, float(os.cpu_count() or 1))
    group = CGROUP_CPU / f"digit-lambda-bench-{os.getpid()}-{memory_mb}"
    try:
        group.mkdir()
        (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(int(share * PERIOD_US)))
    except OSError:
        yield None
        return
    try:
        yield group
    finally:
        # Processes must leave before the group can go: move any stragglers to the root.
        for pid in (group / "cgroup.procs").read_text().split():
            with suppress(OSError):
                (CGROUP_CPU / "cgroup.procs").write_text(pid)
        group.rmdir()


def predict_event(png: bytes) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(EVENT.read_text(encoding="utf-8"))
    event["body"] = json.dumps({"image": data_url(png)})
    event["isBase64Encoded"] = False
    return event


def template_environment() -> dict[str, str]:
    env = Evaluator(load_template()).resources()["DigitFunction"]["Properties"]["Environment"]
    variables: dict[str, str] = env["Variables"]
    # /var/task is the staged task root, the function's working directory.
    return {k: v.removeprefix("/var/task/") for k, v in variables.items()}


def timed_invoke(runtime: LambdaRuntime, event: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    answer = runtime.invoke(event, timeout=120)
    elapsed = (time.perf_counter() - start) * 1000
    if answer.get("statusCode") != 200:
        raise RuntimeError(f"prediction failed: {str(answer)[:300]}")
    return elapsed, answer


def measure(memory_mb: int, warm_count: int, cold_count: int) -> dict[str, Any]:
    env = template_environment()
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(memory_mb)
    events = [predict_event(canvas_png(i % 10, variant=i)) for i in range(warm_count)]
    big = predict_event(
        largest_admitted_png(int(env["MAX_IMAGE_SIDE"]), int(env["MAX_BODY_BYTES"]))
    )
    colds = []
    with cpu_cap(memory_mb) as group:
        for attempt in range(cold_count):
            with LambdaRuntime(env=env) as runtime:
                emulator = runtime.emulator_pid
                if group is not None:
                    # The function process starts on the first invoke, as the emulator's child.
                    (group / "cgroup.procs").write_text(str(emulator))
                colds.append(timed_invoke(runtime, events[0])[0])
                if attempt < cold_count - 1:
                    continue
                (function_pid,) = children(emulator)
                warm = [timed_invoke(runtime, event)[0] for event in events]
                typical_mb = peak_kib(function_pid) / 1024
                big_ms, _ = timed_invoke(runtime, big)
                worst_mb = peak_kib(function_pid) / 1024
    cold_ms = statistics.median(colds)
    warm_sorted = sorted(warm)
    p50 = statistics.median(warm_sorted)
    p90 = warm_sorted[math.ceil(0.9 * len(warm_sorted)) - 1]
    billed_s = math.ceil(p50) / 1000
    cost = {
        arch: 1_000_000 * (PER_REQUEST + billed_s * memory_mb / 1024 * price)
        for arch, price in PER_GB_SECOND.items()
    }
    return {
        "memory_mb": memory_mb,
        "capped": group is not None,
        "cold_ms": cold_ms,
        "warm_p50_ms": p50,
        "warm_p90_ms": p90,
        "largest_image_ms": big_ms,
        "peak_rss_typical_mb": typical_mb,
        "peak_rss_largest_mb": worst_mb,
        "cost_per_million_x86_64": cost["x86_64"],
        "cost_per_million_arm64": cost["arm64"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="512,768,1024,1536,1769,2048")
    parser.add_argument("--warm", type=int, default=40)
    parser.add_argument("--cold", type=int, default=3, help="cold starts per size (median)")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where the rows go")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    from bench.provenance import short_commit, utc_stamp

    machine: dict[str, Any] = {
        "date": utc_stamp(),
        "commit": short_commit(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"load average: {os.getloadavg()}; cores: {os.cpu_count()}; prices as of {PRICE_DATE}")
    header = (
        f"{'MB':>5} {'cpu':>5} {'cold ms':>8} {'p50 ms':>7} {'p90 ms':>7} {'4096px ms':>9} "
        f"{'RSS MB':>7} {'RSS max':>7} {'$/M x86':>8} {'$/M arm':>8}"
    )
    print(header)
    rows = []
    for memory in sizes:
        row = measure(memory, args.warm, args.cold)
        rows.append(row)
        share = min(memory / FULL_VCPU_MB, float(os.cpu_count() or 1))
        cpu = f"{share:.2f}" if row["capped"] else "full"
        print(
            f"{memory:>5} {cpu:>5} {row['cold_ms']:>8.0f} {row['warm_p50_ms']:>7.1f} "
            f"{row['warm_p90_ms']:>7.1f} {row['largest_image_ms']:>9.0f} "
            f"{row['peak_rss_typical_mb']:>7.0f} {row['peak_rss_largest_mb']:>7.0f} "
            f"{row['cost_per_million_x86_64']:>8.2f} {row['cost_per_million_arm64']:>8.2f}",
            flush=True,
        )
    machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result = {"machine": machine, "prices_as_of": PRICE_DATE, "rows": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"rows written to {args.json}")
    print("$/M: Lambda only (requests + the median's billed duration); README adds the rest.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
