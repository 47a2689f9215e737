"""The committed model: its metadata matches the file, the pins and the targets it states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.support.requirements import pins
from tests.training.mnist_facts import TEST_LABEL_COUNTS

from digits.inference.model import MlpEnsemble, load_model, sha256_of
from training.evaluate import PEN_COPIES, SET_TITLES, STRESS_SETS
from training.pendigits import load_pendigits, split_by_writer

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "digit_model_28.joblib"
METADATA = json.loads((ROOT / "models" / "digit_model_28.json").read_text())
REFERENCE = json.loads((ROOT / "models" / "reference" / "digit_model_28.json").read_text())


def pinned(package: str) -> str:
    versions = pins(ROOT / "function" / "requirements.txt")
    assert package in versions, f"{package} is not pinned"
    return versions[package]


def test_metadata_sha256_matches_the_committed_file() -> None:
    assert METADATA["sha256"] == sha256_of(MODEL)
    assert METADATA["size_bytes"] == MODEL.stat().st_size


def test_model_was_made_with_the_pinned_libraries() -> None:
    assert METADATA["libraries"]["scikit-learn"] == pinned("scikit-learn")
    assert METADATA["libraries"]["numpy"] == pinned("numpy")


def test_model_is_small_and_loads_as_a_numpy_bundle() -> None:
    assert MODEL.stat().st_size <= 15 * 1024 * 1024  # the budget for the image
    model = load_model(MODEL)
    assert isinstance(model, MlpEnsemble)
    assert len(model.networks) == METADATA["networks"]
    probabilities = model.predict_proba(np.zeros((2, 784), np.float32))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("metadata", [METADATA, REFERENCE], ids=["shipped", "reference"])
def test_metadata_states_every_evaluation_figure_consistently(metadata: dict[str, Any]) -> None:
    """Every set evaluate.py builds has its accuracy and per-digit figures, and they agree.

    Whether the model still earns them is tests/training/test_model_quality.py's job; here,
    the overall accuracy re-derived from the per-digit ones (weighted by each set's class
    counts: MNIST test's published ones, or the held-out writers' digits drawn PEN_COPIES
    times) must be the recorded one, up to their rounding. The held-out writers' drawings
    are ``pen_seen`` for a model refit on them (the shipped one), ``pen_held_out`` otherwise.
    """
    metrics = metadata["metrics"]
    assert metrics["evaluated_digits"] == sum(TEST_LABEL_COUNTS)
    held_out = split_by_writer(load_pendigits())[1]
    pen_counts = [PEN_COPIES * sum(d.label == k for d in held_out) for k in range(10)]
    pen = "pen_held_out" if metadata["training"]["held_out_writers"] else "pen_seen"
    names = ["mnist_test", "canvas_fill", "canvas_small", pen]
    # The stress sets (flagged ones, a fine pen, small digits) are read by the model that
    # never saw their writers, and have no per-digit row.
    stress = list(STRESS_SETS) if pen == "pen_held_out" else []
    assert {key.removesuffix("_accuracy") for key in metrics if key.endswith("_accuracy")} == set(
        names + stress
    )
    assert all(name in SET_TITLES and f"{name}_per_digit" not in metrics for name in stress)
    for name in names:
        assert name in SET_TITLES
        per_digit = metrics[f"{name}_per_digit"]
        assert len(per_digit) == 10, name
        counts = pen_counts if name == pen else TEST_LABEL_COUNTS
        rederived = sum(a * n for a, n in zip(per_digit, counts, strict=True))
        # per-digit figures are rounded to 4 places: at most 0.5e-4 each.
        assert abs(rederived / sum(counts) - metrics[f"{name}_accuracy"]) <= 0.5e-4, name
    assert METADATA["input"]["preprocessing"] == "digits.reading.preprocess.preprocess"
