"""The piece head's examples: what segmentation meets in numbers, labelled by the digits drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digits.inference.model import MlpEnsemble, load_model
from digits.inference.pieces import KINDS, ONE, PART, SEVERAL
from training.evaluate_numbers import build_numbers
from training.mnist import load_mnist
from training.pieces import Examples, balanced, fit_piece_head, piece_examples

MODEL = Path(__file__).resolve().parents[2] / "models" / "digit_model_28.joblib"


@pytest.fixture(scope="module")
def model() -> MlpEnsemble:
    loaded = load_model(MODEL)
    assert isinstance(loaded, MlpEnsemble)
    return loaded


@pytest.fixture(scope="module")
def examples(model: MlpEnsemble) -> Examples:
    mnist = load_mnist()
    numbers = build_numbers(mnist.train_images[:3000], mnist.train_labels[:3000], 5, 12)
    return piece_examples(numbers, model)


def test_every_kind_is_met_and_each_drawn_digit_is_at_most_one_whole_piece(
    examples: Examples,
) -> None:
    assert examples.pixels.dtype == np.uint8 and examples.pixels.shape[1] == 784
    counts = np.bincount(examples.labels, minlength=len(KINDS))
    assert counts[ONE] > 0 and counts[PART] > counts[ONE]
    # 12 numbers of each of 2..6 digits: 240 digits drawn; whole ones are found once.
    assert counts[ONE] <= 12 * (2 + 3 + 4 + 5 + 6)
    assert counts[ONE] + 2 * counts[SEVERAL] >= 0.8 * 12 * (2 + 3 + 4 + 5 + 6)
    # What the model reads as inputs: inked 28x28s, as preprocessing makes them.
    assert (examples.pixels.max(axis=1) > 128).all()


def test_parts_are_kept_at_most_twice_as_many_as_the_rest(examples: Examples) -> None:
    kept = balanced(examples, np.random.default_rng(0))
    parts = int((kept.labels == PART).sum())
    assert parts <= 2 * int((kept.labels != PART).sum())
    assert int((kept.labels == ONE).sum()) == int((examples.labels == ONE).sum())


def test_a_head_is_fitted_only_when_every_kind_is_there(
    model: MlpEnsemble, examples: Examples
) -> None:
    without_several = examples.labels != SEVERAL
    lacking = Examples(examples.pixels[without_several], examples.labels[without_several])
    assert fit_piece_head(model, lacking, seed=1) is None
    rng = np.random.default_rng(2)
    pixels = np.concatenate([examples.pixels[:60]] * 3)
    labels = np.repeat(np.arange(len(KINDS), dtype=np.uint8), 60)
    head = fit_piece_head(model, Examples(pixels, rng.permutation(labels)), seed=1)
    assert head is not None
    assert model.features is not None
    assert head.network.weights[0].shape[0] == model.features.size
    probabilities = head.probabilities(model.inputs(pixels[:5].astype(np.float32) / 255))
    assert probabilities.shape == (5, len(KINDS))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
