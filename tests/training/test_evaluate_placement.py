"""make evaluate-placement: the held-out writers read exactly and placed off centre."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training import evaluate_placement
from training.evaluate_placement import PLACEMENTS, accuracies, markdown, model_name
from training.export import MODEL_NAME, REFERENCE_DIR
from training.pendigits import load_pendigits, split_by_writer

pytestmark = pytest.mark.slow


def test_exact_placement_is_the_reports_held_out_figure() -> None:
    """The full set placed exactly is the very set behind pen_held_out in REPORT.md."""
    from digits.inference.model import load_model

    model = load_model(REFERENCE_DIR / f"{MODEL_NAME}.joblib")
    held_out = split_by_writer(load_pendigits())[1]
    table = accuracies({"reference": model}, held_out)
    metadata = json.loads((REFERENCE_DIR / f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
    recorded = metadata["metrics"]["pen_held_out_accuracy"]
    assert table["exactly as served"]["reference"] == pytest.approx(recorded, abs=5e-5)
    # Placed off centre, the drawings are other inputs: the reading may differ, not vanish.
    assert set(table) == set(PLACEMENTS)
    assert all(row["reference"] > 0.9 for row in table.values())


def test_the_command_prints_one_row_per_placement_and_a_column_per_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = REFERENCE_DIR / f"{MODEL_NAME}.joblib"
    evaluate_placement.main(["--against", str(other), "--limit", "40"])
    lines = capsys.readouterr().out.strip().splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + len(PLACEMENTS)
    assert table[0].count("|") == 4  # a label column and two models
    assert any("up to 1 px off centre" in line for line in table)


def test_columns_are_named_by_the_models_version_or_else_their_path(tmp_path: Path) -> None:
    shipped = REFERENCE_DIR / f"{MODEL_NAME}.joblib"
    metadata = json.loads((REFERENCE_DIR / f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
    assert model_name(shipped) == metadata["version"]
    from_git = tmp_path / "old.joblib"  # no metadata beside it
    assert model_name(from_git) == str(from_git)


def test_markdown_formats_percentages() -> None:
    text = markdown({"exactly": {"a": 0.995, "b": 0.9}})
    assert "| exactly | 99.50% | 90.00% |" in text
