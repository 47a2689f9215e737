"""make experiments' report: paired fold differences, and the committed report is generated."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from training.cross_validation import honest
from training.experiments import (
    BASE,
    BASELINE,
    REPORT,
    RESULTS,
    VARIANTS,
    paired_difference,
    render,
)
from training.train import Config


def _result(accuracies: list[float]) -> dict[str, object]:
    return {"folds": [{"pen_accuracy": a} for a in accuracies]}


def test_the_difference_is_paired_fold_by_fold() -> None:
    baseline = _result([0.95, 0.97, 0.99])
    variant = _result([0.96, 0.98, 0.99])
    mean, error = paired_difference(variant, baseline)
    assert mean == pytest.approx(0.02 / 3)
    # Differences 0.01, 0.01, 0.00: sample deviation over sqrt(3).
    assert error == pytest.approx(
        math.sqrt(((0.01 - 0.02 / 3) ** 2 * 2 + (0.02 / 3) ** 2) / 2) / math.sqrt(3)
    )
    # Writers differ by far more than the recipes: unpaired spread would hide this.
    assert error < 0.01


def test_the_baseline_stays_the_recipe_it_was_measured_as() -> None:
    # Shipping a winner changes Config's defaults; the baseline's levers must not follow.
    assert VARIANTS[BASELINE].config == BASE
    assert BASE.pen_elastic == 0.0 and BASE.pen_copies == 4 and BASE.networks == 1
    assert Config().pen_elastic > 0


# Levers added to Config after some results were stored, as they were before they existed.
LEVERS_BEFORE_THEY_EXISTED = {
    "placement_shift": 0.0,
    "placement_scale": 0.0,
    "moved_views": False,
    "feature_second_grid": 0,
    "feature_upper_kinds": 0,
    "feature_upper_grid": 2,
    "deskew": False,
    "mixed_views": False,
    "pen_flagged_ones": 0.0,
    "pen_rotation_deg": 10.0,  # PenVariation's own default before Config named it
}


def test_every_stored_result_is_of_the_recipe_its_variant_still_names() -> None:
    """Shipping a lever (a new Config default) must not change what a stored row measured:
    each variant, rebuilt now, is the recipe its stored figures were measured with."""
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    for name, variant in VARIANTS.items():
        if name not in results:
            continue
        now = json.loads(json.dumps(asdict(honest(variant.config))))
        stored = {**LEVERS_BEFORE_THEY_EXISTED, **results[name]["config"]}
        assert stored == now, name


def test_the_committed_report_is_rendered_from_the_committed_results() -> None:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert BASELINE in results
    assert set(results) <= set(VARIANTS)
    assert REPORT.read_text(encoding="utf-8") == render(results)


def test_missing_runs_only_the_variants_without_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import training.experiments as experiments

    measured = json.loads(RESULTS.read_text(encoding="utf-8"))[BASELINE]
    ran: list[str] = []

    def fake_run(name: str) -> dict[str, Any]:
        ran.append(name)
        return measured

    monkeypatch.setattr(experiments, "run", fake_run)
    results = tmp_path / "results.json"
    known = dict.fromkeys(list(VARIANTS)[:-1], measured)
    results.write_text(json.dumps(known), encoding="utf-8")
    experiments.main(["--missing", "--results", str(results), "--out", str(tmp_path / "x.md")])
    assert ran == [list(VARIANTS)[-1]]


def _full_result(accuracies: list[float], mnist: float = 0.97, seconds: float = 60.0) -> Any:
    return {
        "folds": [
            {"pen_accuracy": a, "seconds": seconds, "history": [[[a, mnist]]]} for a in accuracies
        ],
        "pen_mean": sum(accuracies) / len(accuracies),
        "pen_spread": 0.01,
        "per_digit": [0.98] * 10,
        "mnist_mean": mnist,
        "calibration": {"error_after": 0.002, "errors_flagged": 0.6},
    }


def test_a_second_round_lever_is_paired_with_the_variant_it_builds_on() -> None:
    for name, variant in VARIANTS.items():  # a misspelt name would silently pair with nothing
        assert not variant.against or variant.against in VARIANTS, name
    lever = next(name for name, variant in VARIANTS.items() if variant.against)
    against = VARIANTS[lever].against
    assert VARIANTS[lever].config != VARIANTS[against].config

    results = {
        BASELINE: _full_result([0.90] * 5),
        against: _full_result([0.98] * 5),
        lever: _full_result([0.99] * 5),
    }
    row = next(line for line in render(results).splitlines() if line.startswith(f"| {lever} |"))
    # +1 pt against the variant it builds on, not +9 against the baseline.
    assert f"+1.00 ± 0.00 vs {against}" in row


def test_the_upper_layer_note_states_each_forms_figures_against_its_own_pair() -> None:
    upper = [name for name in VARIANTS if "upper layer" in name]
    assert len(upper) >= 2
    pairs = {VARIANTS[name].against for name in upper}
    results = {against: _full_result([0.98] * 5, mnist=0.97) for against in pairs}
    results |= {name: _full_result([0.975] * 5, mnist=0.972, seconds=90.0) for name in upper}
    note = render(results).split("A second feature layer", 1)[1]
    assert "stays off: none of its forms reads the writers better" in note
    assert note.count("the writers -0.50 ± 0.00 pt, MNIST validation +0.20 pt, 1.5 times") == len(
        upper
    )
    # One form that reads the writers better: no claim that none does.
    results[upper[0]] = _full_result([0.985] * 5)
    assert "none of its forms" not in render(results)
    # Unmeasured forms are left out; none measured, no note.
    assert "A second feature layer" not in render({k: v for k, v in results.items() if k in pairs})
