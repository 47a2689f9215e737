"""The committed model: its metadata matches the file, the pins and the targets it states."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from digits.model import MlpEnsemble, load_model, sha256_of

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "digit_model_28.joblib"
METADATA = json.loads((ROOT / "models" / "digit_model_28.json").read_text())


def pinned(package: str) -> str:
    text = (ROOT / "function" / "requirements.txt").read_text()
    match = re.search(rf"^{re.escape(package)}==(\S+)$", text, re.MULTILINE)
    assert match, f"{package} is not pinned"
    return match.group(1)


def test_metadata_sha256_matches_the_committed_file() -> None:
    assert METADATA["sha256"] == sha256_of(MODEL)
    assert METADATA["size_bytes"] == MODEL.stat().st_size


def test_model_was_made_with_the_pinned_libraries() -> None:
    assert METADATA["libraries"]["scikit-learn"] == pinned("scikit-learn")
    assert METADATA["libraries"]["numpy"] == pinned("numpy")


def test_model_is_small_and_loads_as_a_numpy_bundle() -> None:
    assert MODEL.stat().st_size <= 10 * 1024 * 1024
    model = load_model(MODEL)
    assert isinstance(model, MlpEnsemble)
    assert len(model.networks) == METADATA["networks"]
    probabilities = model.predict_proba(np.zeros((2, 784), np.float32))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_metadata_states_every_evaluation_figure() -> None:
    metrics = METADATA["metrics"]
    for name in ("mnist_test", "canvas_fill", "canvas_small"):
        assert 0.0 < metrics[f"{name}_accuracy"] <= 1.0
        assert len(metrics[f"{name}_per_digit"]) == 10
    assert METADATA["input"]["preprocessing"] == "digits.preprocess.preprocess"
