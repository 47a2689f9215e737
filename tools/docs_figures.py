"""The figures the README and docs show, made from the reports (``make docs``).

Each figures block sits in a Markdown file between ``<!-- figures:NAME -->`` and
``<!-- /figures:NAME -->``; this rewrites every block from what the repository
measured: the model's JSON (``make train`` / ``make evaluate``), the benchmark's
bench/results/benchmark_function.json (``make benchmark``), the load run's
bench/results/load_soak.json (``make load-soak``) and template.yaml's defaults.
tests/docs/test_docs.py fails when a block differs from what this makes now, so a
figure is never typed by hand, nor left behind when a report changes.

    python -m tools.docs_figures           rewrite the blocks
    python -m tools.docs_figures --check   exit 1 if any block is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.aws.cfn_eval import load_template
from training.evaluate_pens import PENS_JSON
from training.evaluate_pens import from_json as pens_markdown

ROOT = Path(__file__).resolve().parents[1]
MODEL_JSON = ROOT / "models" / "digit_model_28.json"
FUNCTION_RESULTS = ROOT / "bench" / "results" / "benchmark_function.json"
LOAD_RESULTS = ROOT / "bench" / "results" / "load_soak.json"
NUMBERS_RESULTS = ROOT / "models" / "numbers.json"
# The shipped model's reference (the same recipe, six writers held out): its held-out figures.
REFERENCE_NUMBERS = ROOT / "models" / "reference" / "numbers.json"
TEMPLATE = ROOT / "template.yaml"
PENS_RESULTS = ROOT / "models" / "reference" / PENS_JSON

# The evaluation sets the model's JSON may report (metrics.<key>_accuracy), best known
# first; a set not named here is still shown, under its key.
SETS = {
    "pen_held_out": "real pen drawings, held-out writers",
    "canvas_fill": "canvas-style drawings, filling the canvas",
    "canvas_small": "canvas-style drawings, small / off-centre",
    "mnist_test": "MNIST test, 10k digits as they are",
}
# Goals set for the model (the project's issues), and what the seed's SVC reached on the
# same sets (models/REPORT.md of the first evaluation): goals, not measurements.
TARGETS = {"pen_held_out": 0.995, "mnist_test": 0.995, "canvas_fill": 0.993, "canvas_small": 0.99}
SEED_SVC = {"mnist_test": 0.9792, "canvas_fill": 0.947, "canvas_small": 0.842}

# Cost: list prices (us-east-1, mid-2025, before free tiers; check the pricing pages).
PRICE_LAMBDA_REQUESTS = 0.20  # $ per million requests
PRICE_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
PRICE_HTTP_API = 1.00  # $ per million requests (first 300 M a month)
PRICE_LOGS_GB = 0.50  # $ per GB ingested
PRICE_TRANSFER_GB = 0.09  # $ per GB out
# Assumptions per prediction. Billed time: the warm p50 measured is a few ms; 10 ms
# leaves room for slower cores. Logs (measured): the app's JSON line with its EMF
# metric ~640 B, Lambda's START/END/REPORT ~300 B, the API's access log ~350 B.
BILLED_MS = 10
LOG_KB = 1.3
ANSWER_KB = 1.0
MILLION = 1_000_000

NONE = "\N{EN DASH}"  # no figure for this cell
TIMES = "\N{MULTIPLICATION SIGN}"
START = "<!-- figures:{name} -->"
END = "<!-- /figures:{name} -->"


@dataclass(frozen=True)
class Reports:
    model: dict[str, Any]
    function: dict[str, Any] | None
    load: dict[str, Any] | None
    memory_mb: int
    numbers: dict[str, Any] | None = None  # make evaluate-numbers' figures
    pens: dict[str, Any] | None = None  # make evaluate-pens' figures (the reference's)


def read_reports() -> Reports:
    parameters = load_template(TEMPLATE)["Parameters"]
    return Reports(
        model=json.loads(MODEL_JSON.read_text(encoding="utf-8")),
        function=_optional_json(FUNCTION_RESULTS),
        load=_optional_json(LOAD_RESULTS),
        memory_mb=int(parameters["MemorySize"]["Default"]),
        numbers=_numbers(),
        pens=_optional_json(PENS_RESULTS),
    )


def _numbers() -> dict[str, Any] | None:
    """make evaluate-numbers' figures; a refit's held-out writers' numbers are its
    reference's (it trained on those writers)."""
    numbers = _optional_json(NUMBERS_RESULTS)
    reference = _optional_json(REFERENCE_NUMBERS)
    if numbers is not None and "pen" not in numbers["sets"] and reference is not None:
        numbers["sets"]["pen"] = reference["sets"]["pen"]
    return numbers


def _optional_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def accuracies(model: dict[str, Any]) -> dict[str, float]:
    """metrics.<set>_accuracy of the model's JSON, the known sets first. A refit on every
    writer read the held-out writers as training data: their figure is its reference's."""
    metrics = dict(model.get("metrics", {}))
    reference = model.get("training", {}).get("reference")
    if reference:
        metrics.pop("pen_seen_accuracy", None)
        metrics["pen_held_out_accuracy"] = reference["metrics"]["pen_held_out_accuracy"]
    found = {
        key.removesuffix("_accuracy"): float(value)
        for key, value in metrics.items()
        if key.endswith("_accuracy") and isinstance(value, int | float)
    }
    order = [name for name in SETS if name in found] + sorted(set(found) - set(SETS))
    return {name: found[name] for name in order}


def set_label(name: str, model: dict[str, Any]) -> str:
    """A set's name in the tables; a refit's held-out figure says whose it is."""
    label = SETS.get(name, name.replace("_", " "))
    if name == "pen_held_out" and model.get("training", {}).get("reference"):
        label += " (its reference: the same recipe without them)"
    return label


def cost_per_million(memory_mb: int, architecture: str) -> dict[str, float]:
    """Dollars per million predictions, item by item, for the given function size."""
    gb_seconds = memory_mb / 1024 * BILLED_MS / 1000 * MILLION
    items = {
        "Lambda requests": PRICE_LAMBDA_REQUESTS,
        "Lambda compute": gb_seconds * PRICE_GB_SECOND[architecture],
        "HTTP API requests": PRICE_HTTP_API,
        "CloudWatch Logs ingestion": LOG_KB * MILLION / 1e6 * PRICE_LOGS_GB,
        "data transfer out": ANSWER_KB * MILLION / 1e6 * PRICE_TRANSFER_GB,
    }
    return {**items, "total": sum(items.values())}


def _price(value: float) -> str:
    return f"{value:.10f}".rstrip("0")


def _percent(value: float) -> str:
    return f"{value * 100:.2f} %"


def _measured(report: dict[str, Any]) -> str:
    machine = report.get("machine", {})
    load = machine.get("load_average_before", ["?"])[0]
    return f"{machine.get('date', '?')}, commit {machine.get('commit', '?')}, load {load}"


def summary(reports: Reports) -> str:
    """The README's table: the figures that matter, each with where it comes from."""
    rows = ["| figure | value | from |", "|---|---|---|"]
    refit = bool(reports.model.get("training", {}).get("reference"))
    for name, value in accuracies(reports.model).items():
        label = set_label(name, reports.model)
        made_by = "make evaluate-reference" if refit and name == "pen_held_out" else "make evaluate"
        rows.append(f"| accuracy: {label} | {_percent(value)} | `{made_by}` |")
    metrics = reports.model.get("metrics", {})
    if "latency_ms_p50" in metrics:
        rows.append(
            f"| decode + preprocess + model, one canvas PNG, p50 | "
            f"{metrics['latency_ms_p50']:.2f} ms | `make evaluate` |"
        )
    if reports.numbers is not None:
        sets = reports.numbers["sets"]
        # One decimal, as models/NUMBERS.md gives them.
        read = " / ".join(f"{sets[name]['2-4']['exact'] * 100:.1f} %" for name in ("test", "pen"))
        rows.append(
            "| numbers of 2-4 digits read exactly, MNIST test / held-out writers' digits | "
            f"{read} | `make evaluate-numbers` |"
        )
    if reports.function is not None:
        bench = reports.function
        warm = bench["warm"]
        cold = bench["cold_start"]
        when = _measured(bench)
        rows.append(
            f"| latency in the function, warm, p50 | {warm['p50_ms']:.2f} ms "
            f"(CPU {warm['cpu_p50_ms']:.2f} ms) | `make benchmark` ({when}) |"
        )
        rows.append(
            f"| cold start, process to first answer, median | {cold['median_s']:.2f} s "
            f"(CPU {cold['cpu_median_s']:.2f} s) | `make benchmark` ({when}) |"
        )
        versus = bench.get("versus_seed")
        if versus is not None:
            ours, seed = versus["http"]["ours"], versus["http"]["seed"]
            rows.append(
                f"| against the seed's server, 280-560 px canvases over HTTP | p50 "
                f"{ours['mixed']['p50_ms']:.1f} vs {seed['mixed']['p50_ms']:.1f} ms, "
                f"{ours['per_second']:.0f} vs {seed['per_second']:.0f} req/s, cold start "
                f"{versus['cold_start_s']['ours']:.2f} vs {versus['cold_start_s']['seed']:.2f} s | "
                f"`make benchmark` ({when}) |"
            )
    else:
        for figure in ("latency in the function, warm, p50", "cold start, median"):
            rows.append(f"| {figure} | not measured yet | `make benchmark`, then `make docs` |")
    if reports.load is not None:
        serve = reports.load["runs"]["serve"]["load"]
        rows.append(
            f"| `make run` under 8 clients, 60 s | {serve['per_second']:.0f} req/s, "
            f"p99 {serve['p99_ms']:.0f} ms, {serve['errors']} errors | "
            f"`make load-soak` ({_measured(reports.load)}) |"
        )
    total = cost_per_million(reports.memory_mb, "x86_64")["total"]
    rows.append(
        f"| cost per million predictions (AWS list prices) | ≈ ${total:.2f} | "
        "[docs/deploy.md](docs/deploy.md#cost-per-million-predictions) |"
    )
    return "\n".join(rows)


def model_figures(reports: Reports) -> str:
    """docs/model.md: each evaluation set against its goal and the seed's model."""
    rows = [
        "| set (never trained on) | accuracy | goal | the seed's SVC |",
        "|---|---|---|---|",
    ]
    for name, value in accuracies(reports.model).items():
        label = set_label(name, reports.model)
        goal = _percent(TARGETS[name]) if name in TARGETS else NONE
        seed = _percent(SEED_SVC[name]) if name in SEED_SVC else NONE
        rows.append(f"| {label} | {_percent(value)} | {goal} | {seed} |")
    metrics = reports.model.get("metrics", {})
    size_mb = reports.model.get("size_bytes", 0) / 1e6
    rows.append("")
    rows.append(
        f"Model `{reports.model.get('version', '?')}`, {size_mb:.1f} MB. Decode + preprocess + "
        f"model for one 280x280 canvas PNG: p50 {metrics.get('latency_ms_p50', '?')} ms, "
        f"p99 {metrics.get('latency_ms_p99', '?')} ms on the machine that evaluated it."
    )
    return "\n".join(rows)


def cost_table(reports: Reports) -> str:
    """docs/deploy.md: the cost of a million predictions at the template's memory size."""
    x86 = cost_per_million(reports.memory_mb, "x86_64")
    arm = cost_per_million(reports.memory_mb, "arm64")
    gb = reports.memory_mb / 1024
    gb_seconds = gb * BILLED_MS / 1000 * MILLION
    prices = {
        "Lambda requests": f"${PRICE_LAMBDA_REQUESTS:.2f} per million",
        "Lambda compute": f"${_price(PRICE_GB_SECOND['x86_64'])} per GB-s "
        f"(arm64 ${_price(PRICE_GB_SECOND['arm64'])})",
        "HTTP API requests": f"${PRICE_HTTP_API:.2f} per million",
        "CloudWatch Logs ingestion": f"${PRICE_LOGS_GB:.2f} per GB",
        "data transfer out": f"${PRICE_TRANSFER_GB:.2f} per GB",
    }
    sizes = {
        "Lambda compute": f"{gb:.4f} GB {TIMES} {BILLED_MS / 1000:.3f} s {TIMES} 1M "
        f"= {gb_seconds:,.0f} GB-s",
        "CloudWatch Logs ingestion": f"{LOG_KB} GB",
        "data transfer out": f"{ANSWER_KB:.0f} GB",
    }
    rows = ["| item | price | per million predictions |", "|---|---|---|"]
    for item, price in prices.items():
        amount = f"${x86[item]:.2f}"
        if item == "Lambda compute":
            amount += f" (arm64 ${arm[item]:.2f})"
        how = f"{sizes[item]} → " if item in sizes else ""
        rows.append(f"| {item} | {price} | {how}{amount} |")
    rows.append(
        f"| **total** at {reports.memory_mb} MB | | **≈ ${x86['total']:.2f}** "
        f"(arm64 ≈ ${arm['total']:.2f}) |"
    )
    return "\n".join(rows)


def pens_table(reports: Reports) -> str:
    """The reference's held-out writers at each pen width (make evaluate-pens)."""
    if reports.pens is None:
        return "Not measured yet: `make evaluate-pens`, then `make docs`."
    return pens_markdown(reports.pens)


# Each block: the file it is in, and what makes it.
BLOCKS: dict[str, tuple[Path, Callable[[Reports], str]]] = {
    "summary": (ROOT / "README.md", summary),
    "model": (ROOT / "docs" / "model.md", model_figures),
    "pens": (ROOT / "docs" / "model.md", pens_table),
    "cost": (ROOT / "docs" / "deploy.md", cost_table),
}


def block_pattern(name: str) -> re.Pattern[str]:
    start, end = re.escape(START.format(name=name)), re.escape(END.format(name=name))
    return re.compile(f"{start}\n(.*?)\n?{end}", re.DOTALL)


def current_block(text: str, name: str) -> str | None:
    """What a file's block holds now, or None when the file has no such block."""
    found = block_pattern(name).search(text)
    return found.group(1) if found else None


def fill(text: str, name: str, content: str) -> str:
    start, end = START.format(name=name), END.format(name=name)
    return block_pattern(name).sub(lambda _: f"{start}\n{content}\n{end}", text)


def stale_blocks(reports: Reports) -> list[str]:
    """The blocks (file: name) that differ from what the reports give now, or are missing."""
    stale = []
    for name, (path, make) in BLOCKS.items():
        if current_block(path.read_text(encoding="utf-8"), name) != make(reports):
            stale.append(f"{path.relative_to(ROOT)}: {name}")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say which blocks are stale")
    args = parser.parse_args(argv)
    reports = read_reports()
    stale = stale_blocks(reports)
    if args.check:
        for entry in stale:
            print(f"out of date: {entry} (make docs)")
        return 1 if stale else 0
    for name, (path, make) in BLOCKS.items():
        text = path.read_text(encoding="utf-8")
        if current_block(text, name) is None:
            print(f"no figures:{name} block in {path.relative_to(ROOT)}", file=sys.stderr)
            return 1
        path.write_text(fill(text, name, make(reports)), encoding="utf-8")
    print("updated: " + (", ".join(stale) if stale else "nothing (all up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
