"""The poisoning drill, small: a flood of 7s claimed as 1 is held back and harms nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.function_support import SHIPPED_MODEL

from digits.inference.model import load_model
from training.mnist import load_mnist
from training.review.drill import DrillConfig, run_drill
from training.review.report import drill_report
from training.review.screens import ScreenConfig

SMALL = DrillConfig(
    base=1500, honest=100, corrected=10, search=3000, poisoned=300, replays=40, clean=1000,
    epochs=20,
)  # fmt: skip


@pytest.mark.slow
def test_poisoned_feedback_is_held_back_and_the_clean_accuracy_holds(tmp_path: Path) -> None:
    result = run_drill(SMALL, load_mnist(), load_model(SHIPPED_MODEL), tmp_path, ScreenConfig())
    assert result.submitted["poisoned"] == 300 and result.submitted["replayed"] == 40
    # Held back: flagged for a person or rejected; none of the copies of one drawing pass.
    assert result.held_back("poisoned") >= 0.97 * 300
    assert result.held_back("replayed") == 40
    assert result.removed["exact-duplicate"] + result.removed["near-duplicate"] >= 40
    # Honest reports pass (a correction of a confident mistake may wait for a person).
    assert result.outcome["honest"]["accept"] >= 0.95 * 100

    without = result.accuracy["without feedback"]
    raw = result.accuracy["all feedback, unscreened"]
    screened = result.accuracy["accepted feedback only"]
    # The attack works when nothing screens it: the drill has teeth ...
    assert raw["source_read_as_target"] > without["source_read_as_target"] + 0.3
    # ... and with the screens, the clean sets lose nothing.
    assert screened["clean"] >= without["clean"] - 0.01
    assert screened["source_digit"] >= without["source_digit"] - 0.03
    assert screened["source_read_as_target"] <= without["source_read_as_target"] + 0.03
    assert result.heldout["heldout_samples"] > 0

    report = drill_report(result, "test", SHIPPED_MODEL.name)
    assert "| poisoned: distinct 7s claimed as 1 | 300 |" in report
    assert "| MNIST + accepted feedback only |" in report
