"""scikit-learn MLPs -> numpy bundle: the same probabilities, within 1e-6."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from digits.inference.model import load_model, sha256_of
from training.export import ensemble_from_sklearn, write_model

# Tiny fits stop before convergence on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
RNG = np.random.default_rng(3)


def fitted_mlp(hidden: tuple[int, ...], seed: int) -> tuple[MLPClassifier, np.ndarray]:
    pixels = RNG.random((1000, 784), dtype=np.float32)
    labels = np.arange(1000) % 10
    pixels[np.arange(1000), labels * 70] += 3.0  # something learnable per class
    estimator = MLPClassifier(hidden, max_iter=15, random_state=seed).fit(pixels, labels)
    return estimator, pixels


def test_exported_bundle_matches_predict_proba_on_1000_samples(tmp_path: Path) -> None:
    first, pixels = fitted_mlp((32, 16), 0)
    second, _ = fitted_mlp((24,), 1)
    ensemble = ensemble_from_sklearn([first, second])
    expected = (first.predict_proba(pixels) + second.predict_proba(pixels)) / 2
    np.testing.assert_allclose(ensemble.predict_proba(pixels), expected, atol=1e-6, rtol=0)

    path = write_model(
        ensemble, {"note": "test"}, {"mnist_test_accuracy": 0.5}, models_dir=tmp_path
    )
    reloaded = load_model(path)
    np.testing.assert_allclose(reloaded.predict_proba(pixels), expected, atol=1e-6, rtol=0)
    metadata = json.loads((tmp_path / "digit_model_28.json").read_text())
    assert metadata["sha256"] == sha256_of(path)
    assert metadata["architecture"] == [[784, 32], [32, 16], [16, 10]]
    assert metadata["version"].endswith(metadata["sha256"][:8])


def test_only_relu_softmax_mlps_on_ten_digits_export() -> None:
    tanh = MLPClassifier((4,), activation="tanh", max_iter=2).fit(
        RNG.random((20, 784)), np.arange(20) % 10
    )
    with pytest.raises(ValueError, match="ReLU"):
        ensemble_from_sklearn([tanh])
    partial = MLPClassifier((4,), max_iter=2).fit(RNG.random((20, 784)), np.arange(20) % 3)
    with pytest.raises(ValueError, match="all ten digits"):
        ensemble_from_sklearn([partial])


def test_the_bundle_is_plain_numpy(tmp_path: Path) -> None:
    estimator, _ = fitted_mlp((8,), 2)
    path = tmp_path / "b.joblib"
    joblib.dump(ensemble_from_sklearn([estimator]).to_bundle(), path)
    assert b"sklearn" not in path.read_bytes()
