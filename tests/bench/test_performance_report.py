"""docs/performance.md is exactly what bench/performance_report.py makes of the results files,
every results file says where and when it was measured, and the renderer shows the figures."""

from __future__ import annotations

import json
from pathlib import Path

from bench.performance_report import OUTPUT, RESULTS, render

MACHINE = {
    "date": "2026-01-02 03:04 UTC", "commit": "abc1234", "cpus": 2, "python": "3.11.7",
    "load_average_before": [1.5, 1.0, 0.5], "load_average_after": [2.5, 1.0, 0.5],
}  # fmt: skip


def test_the_page_is_generated_from_the_committed_results() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(), (
        "run `make docs` (or `make performance-report`)"
    )


def test_every_results_file_is_stamped_with_its_commit_date_and_load() -> None:
    files = sorted(RESULTS.glob("*.json"))
    assert files, "no results under bench/results/"
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        machines = [data["machine"]] if "machine" in data else []
        machines += [run["machine"] for run in data.get("runs", {}).values()]
        assert machines, path.name
        for machine in machines:
            assert machine["date"] and machine["commit"] and machine["cpus"], path.name
            assert machine["load_average_before"], path.name


def test_figures_render_from_the_files_and_absent_ones_say_so(tmp_path: Path) -> None:
    benchmark = {
        "machine": MACHINE,
        "model_version": "v-test",
        "cold_start": {"runs": 2, "median_s": 0.512, "runs_s": [0.5, 0.524], "cpu_median_s": 0.4},
        "warm": {
            "requests": 500, "p50_ms": 2.345, "p99_ms": 9.1, "cpu_p50_ms": 2.2, "cpu_p99_ms": 3.3,
            "stages_median_ms": {"decode": 0.9, "model": 0.41}, "overhead_ms": 0.3,
        },
        "imports_ms": {"by_package": [["numpy", 215.9]], "by_module": [["numpy.core", 37.3]]},
        "http": {"requests": 1000, "per_second": 371.2, "median_ms": 2.6},
    }  # fmt: skip
    (tmp_path / "benchmark_function.json").write_text(json.dumps(benchmark), encoding="utf-8")
    model = {
        "version": "v-test",
        "metrics": {
            "mnist_test_accuracy": 0.9907, "latency_ms_p50": 1.632, "latency_ms_p99": 2.49,
            "latency_cpu_ms_p50": 1.628,
        },
    }  # fmt: skip
    (tmp_path / "model.json").write_text(json.dumps(model), encoding="utf-8")
    text = render(tmp_path, tmp_path / "model.json")
    assert "| cold start, median of 2 | 0.512 s (runs: 0.500, 0.524) |" in text
    assert "| warm p50 / p99, 500 canvas PNGs | 2.35 / 9.10 ms |" in text
    assert "| sequential req/s over loopback, 1000 requests | 371 req/s (median 2.60 ms) |" in text
    assert "| model | 0.410 ms |" in text
    assert "| numpy | 215.9 | numpy.core | 37.3 |" in text
    assert "| mnist_test accuracy | 99.07% |" in text
    assert "wall p50 / p99 | 1.632 / 2.49 ms |" in text
    assert "at commit abc1234, on 2 shared cores, load average 1.5 before and 2.5 after" in text
    assert "run `make lambda-memory`" in text and "run `make load-soak`" in text
