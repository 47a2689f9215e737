"""Writes docs/performance.md from the benchmarks' results: no figure in it is typed in.

    make performance-report     (= .venv/bin/python bench/performance_report.py)

It measures nothing itself: it reads what the benchmarks wrote under bench/results/
(each with the commit, date and machine load of its run) and the shipped model's JSON:

- benchmark_function.json   `make benchmark`      cold start, warm latency, imports, req/s
- lambda_memory.json        `make lambda-memory`  per MemorySize under the emulator
- load_soak.json            `make load-soak`      8 clients, 60 s then to 10k requests
- models/digit_model_28.json `make evaluate`      accuracy and the canvas path's latency

`--check` exits non-zero when docs/performance.md is not what these files make.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
OUTPUT = ROOT / "docs" / "performance.md"
MODEL_JSON = ROOT / "models" / "digit_model_28.json"
SOURCES = {
    "benchmark_function.json": "make benchmark",
    "lambda_memory.json": "make lambda-memory",
    "load_soak.json": "make load-soak",
}


def _read(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _measured(machine: dict[str, Any]) -> str:
    after = machine.get("load_average_after")
    load = f"load average {machine['load_average_before'][0]}"
    if after:
        load += f" before and {after[0]} after"
    return (
        f"*Measured {machine['date']} at commit {machine['commit']}, on {machine['cpus']} "
        f"shared cores, {load}.*"
    )


def _missing(file: str) -> list[str]:
    return [f"*Not measured yet: run `{SOURCES[file]}`, then `make performance-report`.*"]


def render_function(data: dict[str, Any] | None) -> list[str]:
    lines = [
        "## The function (`make benchmark`)",
        "",
        "`bench/benchmark_function.py`: cold start = a fresh Python process to its first "
        "prediction through the handler; warm = the handler in process over different canvas "
        "PNGs (API Gateway v2 events, JSON data URLs), with each stage's median from the "
        "function's own log line; req/s = sequential keep-alive requests to `make run`'s "
        "server over loopback. CPU times do not grow while other processes hold the cores; "
        "wall times do.",
        "",
    ]
    if data is None:
        return lines + _missing("benchmark_function.json")
    cold, warm, http = data["cold_start"], data["warm"], data["http"]
    runs = ", ".join(f"{t:.3f}" for t in cold["runs_s"])
    lines += [
        "| figure | value |",
        "|---|---|",
        f"| cold start, median of {cold['runs']} | {cold['median_s']:.3f} s (runs: {runs}) |",
        f"| cold start, the process's CPU time | {cold['cpu_median_s']:.3f} s |",
        f"| warm p50 / p99, {warm['requests']} canvas PNGs | "
        f"{warm['p50_ms']:.2f} / {warm['p99_ms']:.2f} ms |",
        f"| warm CPU time p50 / p99 | {warm['cpu_p50_ms']:.2f} / {warm['cpu_p99_ms']:.2f} ms |",
        f"| sequential req/s over loopback, {http['requests']} requests | "
        f"{http['per_second']:.0f} req/s (median {http['median_ms']:.2f} ms) |",
        "",
        "| warm stage | median |",
        "|---|---|",
    ]
    lines += [f"| {stage} | {ms:.3f} ms |" for stage, ms in warm["stages_median_ms"].items()]
    lines += [
        f"| overhead (p50 minus the stages: Mangum, routing, log) | {warm['overhead_ms']:.3f} ms |",
        "",
        "`python -X importtime -c 'import digits.handler'`, top 10 (importtime inflates them):",
        "",
        "| package (sum of self times) | ms | module (self time) | ms |",
        "|---|---|---|---|",
    ]
    imports = data["imports_ms"]
    for (package, package_ms), (module, module_ms) in zip(
        imports["by_package"], imports["by_module"], strict=False
    ):
        lines.append(f"| {package} | {package_ms:.1f} | {module} | {module_ms:.1f} |")
    lines += render_versus_seed(data)
    lines += [
        "",
        f"Model {data['model_version']}, Python {data['machine']['python']}. "
        + _measured(data["machine"]),
    ]
    return lines


def render_versus_seed(data: dict[str, Any]) -> list[str]:
    """Ours beside the seed's server, from the same run, with issue 13's goals."""
    versus, goals = data.get("versus_seed"), data.get("goals")
    if versus is None or goals is None:
        return ["", "*Not measured against the seed yet: run `make benchmark`.*"]
    canvases = versus["canvases"]
    sizes = [str(size) for size in canvases["sizes"]]
    lines = [
        "",
        "### Against the seed's server, same run",
        "",
        f"`bench/seed/`: the seed post's app as printed and its SVC (MNIST, scikit-learn's "
        f"defaults). {canvases['per_size']} drawings at each of "
        f"{', '.join(sizes)} px, interleaved; both servers under uvicorn, one worker, one "
        "keep-alive client, one after the other; ratio = ours / seed.",
        "",
        "| figure | canvas | ours p50 / p99 | seed p50 / p99 | ratio (p50) |",
        "|---|---|---|---|---|",
    ]
    for figure, key in (
        ("decode + preprocess + model, in process", "in_process"),
        ("HTTP request, one client", "http"),
    ):
        for size in [*sizes, "mixed"]:
            ours, seed = versus[key]["ours"][size], versus[key]["seed"][size]
            lines.append(_versus_row(figure, size, ours, seed))
    http, cold = versus["http"], versus["cold_start_s"]
    path = ", ".join(
        f"{size if size == 'mixed' else size + ' px'} {ms:.2f}"
        for size, ms in versus["request_path_ms"].items()
    )
    lines += [
        "",
        "| figure | ours | seed | ratio | goal | met |",
        "|---|---|---|---|---|---|",
        f"| requests/s, one worker, mixed | {http['ours']['per_second']:.0f} | "
        f"{http['seed']['per_second']:.0f} | x {goals['figures']['per_second_ratio']:.1f} | "
        f"≥ x {goals['goals']['per_second_ratio']:.0f} | {_met(goals, 'per_second_ratio')} |",
        f"| HTTP p50, mixed | {http['ours']['mixed']['p50_ms']:.2f} ms | "
        f"{http['seed']['mixed']['p50_ms']:.2f} ms | {goals['figures']['http_p50_ratio']:.3f} | "
        f"≤ {goals['goals']['http_p50_ratio']} | {_met(goals, 'http_p50_ratio')} |",
        f"| cold start, spawn to first answer, median of {len(cold['ours_runs'])} | "
        f"{cold['ours']:.3f} s | {cold['seed']:.3f} s | "
        f"{goals['figures']['cold_start_ratio']:.3f} | ≤ {goals['goals']['cold_start_ratio']} | "
        f"{_met(goals, 'cold_start_ratio')} |",
        f"| in process p50, 280 / 560 px | {goals['figures']['in_process_p50_ms']['280']:.2f} / "
        f"{goals['figures']['in_process_p50_ms']['560']:.2f} ms | - | - | ≤ 2 / 3 ms | "
        f"{_met(goals, 'in_process_p50_ms')} |",
        f"| Lambda handler p50, 280 px events | {goals['figures']['handler_p50_ms']:.2f} ms | - | "
        f"- | ≤ {goals['goals']['handler_p50_ms']} ms | {_met(goals, 'handler_p50_ms')} |",
        "",
        f"The request path (HTTP p50 minus in-process p50: uvicorn, body, JSON answer, log "
        f"line), ms: {path}.",
    ]
    return lines


def _versus_row(figure: str, size: str, ours: dict[str, float], seed: dict[str, float]) -> str:
    canvas = "mixed" if size == "mixed" else f"{size} px"
    return (
        f"| {figure} | {canvas} | {ours['p50_ms']:.2f} / {ours['p99_ms']:.2f} ms | "
        f"{seed['p50_ms']:.2f} / {seed['p99_ms']:.2f} ms | {ours['p50_ms'] / seed['p50_ms']:.3f} |"
    )


def _met(goals: dict[str, Any], key: str) -> str:
    return "yes" if goals["met"][key] else "**no**"


def render_memory(data: dict[str, Any] | None) -> list[str]:
    lines = [
        "## Memory size (`make lambda-memory`)",
        "",
        "`bench/lambda_memory.py`: the function under the Lambda Runtime Interface Emulator, "
        "in a CPU cgroup capped as Lambda shares CPU (memory / 1769 MB of one core); cold "
        "start = emulator up to first prediction answered; warm over canvas PNGs; the largest "
        "image the limits admit; peak RSS of the function's process; Lambda's cost per "
        "million predictions.",
        "",
    ]
    if data is None:
        return lines + _missing("lambda_memory.json")
    lines += [
        "| MemorySize | CPU capped | cold start | warm p50 / p90 | largest image | "
        "peak RSS (typical / largest) | $/M x86_64 | $/M arm64 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in data["rows"]:
        lines.append(
            f"| {row['memory_mb']} | {'yes' if row['capped'] else 'no'} | "
            f"{row['cold_ms'] / 1000:.2f} s | {row['warm_p50_ms']:.1f} / "
            f"{row['warm_p90_ms']:.1f} ms | {row['largest_image_ms'] / 1000:.2f} s | "
            f"{row['peak_rss_typical_mb']:.0f} / {row['peak_rss_largest_mb']:.0f} MB | "
            f"{row['cost_per_million_x86_64']:.2f} | {row['cost_per_million_arm64']:.2f} |"
        )
    lines += ["", f"Prices as of {data['prices_as_of']}. " + _measured(data["machine"])]
    return lines


def render_load(data: dict[str, Any] | None) -> list[str]:
    lines = [
        "## Load and soak (`make load-soak`)",
        "",
        "`bench/load_soak.py`: 8 concurrent keep-alive clients for 60 s, then on to 10,000 "
        "requests, one in ten hostile; the details and memory growth are in "
        "[RELIABILITY.md](RELIABILITY.md#load-and-soak).",
        "",
    ]
    if data is None:
        return lines + _missing("load_soak.json")
    lines += [
        "| target | phase | requests | errors | req/s | p50 | p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for target, run in data["runs"].items():
        for phase in ("load", "soak"):
            p = run[phase]
            lines.append(
                f"| {target} | {phase} | {p['requests']} | {p['errors']} | "
                f"{p['per_second']:.1f} | {p['p50_ms']:.1f} ms | {p['p99_ms']:.1f} ms |"
            )
    lines.append("")
    lines += [f"- {target}: " + _measured(run["machine"]) for target, run in data["runs"].items()]
    return lines


def render_model(metadata: dict[str, Any] | None) -> list[str]:
    lines = [
        "## The model (`make evaluate`)",
        "",
        "From `models/digit_model_28.json`, written by `training/evaluate.py` "
        "([models/REPORT.md](../models/REPORT.md) has the sets and per-digit figures); "
        "`tests/training/test_model_quality.py` recomputes the accuracies in every `make test`.",
        "",
    ]
    if metadata is None:
        return [*lines, "*No model JSON: run `make train`.*"]
    metrics = metadata["metrics"]
    accuracies = [key for key in metrics if key.endswith("_accuracy")]
    lines += ["| figure | value |", "|---|---|"]
    lines += [
        f"| {key.removesuffix('_accuracy')} accuracy | {metrics[key]:.2%} |" for key in accuracies
    ]
    # A refit has seen every writer: the held-out figure is its reference's (models/reference).
    reference = metadata.get("training", {}).get("reference")
    if reference:
        lines.append(
            f"| pen_held_out accuracy, read by its reference {reference['version']} | "
            f"{reference['metrics']['pen_held_out_accuracy']:.2%} |"
        )
    lines += [
        f"| decode + preprocess + model, one canvas PNG, wall p50 / p99 | "
        f"{metrics['latency_ms_p50']} / {metrics['latency_ms_p99']} ms |",
        f"| the same, CPU time p50 | {metrics['latency_cpu_ms_p50']} ms |",
        "",
        f"Model {metadata['version']}.",
    ]
    return lines


def render(results: Path = RESULTS, model_json: Path = MODEL_JSON) -> str:
    head = [
        "# Performance",
        "",
        "<!-- Generated by bench/performance_report.py (make performance-report); do not edit. -->",
        "",
        "Every figure here comes from a results file a benchmark wrote (`bench/results/*.json`, "
        "each stamped with its commit, date and machine load) or from the model's JSON; "
        "`make performance-report` rewrites this page from them. Timing on a shared machine "
        "is noisy: compare runs at a similar load.",
        "",
        "To judge a speed change, time it against the code it replaces in one process: "
        "`make ab-revision` (`bench/ab_revision.py`, `AGAINST=` a git revision, HEAD by "
        "default) reads the same canvas PNGs at 280 and 560 px with both, in turns, and "
        "prints each one's p50 and stages, the ratio, and the largest difference between "
        "their answers.",
        "",
    ]
    sections = [
        render_function(_read(results / "benchmark_function.json")),
        render_memory(_read(results / "lambda_memory.json")),
        render_load(_read(results / "load_soak.json")),
        render_model(_read(model_json)),
    ]
    body = [line for section in sections for line in [*section, ""]]
    return "\n".join(head + body).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"{args.output} is stale: run `make performance-report`")
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
