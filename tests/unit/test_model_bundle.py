"""The numpy model bundle and bring-your-own-model loading."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

from digits.errors import ModelUnavailable
from digits.model import (
    BUNDLE_FORMAT,
    EstimatorModel,
    MlpEnsemble,
    Network,
    load_model,
    sha256_of,
)

RNG = np.random.default_rng(0)


def random_network(hidden: int = 16) -> Network:
    return Network(
        weights=(
            RNG.normal(0, 0.1, (784, hidden)).astype(np.float32),
            RNG.normal(0, 0.1, (hidden, 10)).astype(np.float32),
        ),
        biases=(
            RNG.normal(0, 0.1, hidden).astype(np.float32),
            RNG.normal(0, 0.1, 10).astype(np.float32),
        ),
    )


def test_ensemble_averages_softmax_of_relu_networks() -> None:
    networks = (random_network(), random_network(8))
    pixels = RNG.random((5, 784), dtype=np.float32)
    expected = np.zeros((5, 10))
    for net in networks:
        hidden = np.maximum(pixels @ net.weights[0] + net.biases[0], 0)
        logits = hidden @ net.weights[1] + net.biases[1]
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        expected += exp / exp.sum(axis=1, keepdims=True)
    got = MlpEnsemble(networks).predict_proba(pixels)
    np.testing.assert_allclose(got, expected / 2, atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-6)


def test_bundle_round_trips_through_joblib(tmp_path: Path) -> None:
    ensemble = MlpEnsemble((random_network(),))
    path = tmp_path / "model.joblib"
    joblib.dump(ensemble.to_bundle(), path)
    loaded = load_model(path)
    pixels = RNG.random((3, 784), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(pixels), ensemble.predict_proba(pixels))


def test_missing_file_is_model_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="not found"):
        load_model(tmp_path / "absent.joblib")


def test_corrupt_file_is_model_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.joblib"
    path.write_bytes(b"\x80\x04this is not a pickle")
    with pytest.raises(ModelUnavailable, match="unreadable"):
        load_model(path)


@pytest.mark.parametrize(
    "content",
    [
        {"format": BUNDLE_FORMAT, "networks": []},
        {
            "format": BUNDLE_FORMAT,
            "networks": [{"weights": [np.zeros((3, 10))], "biases": [np.zeros(10)]}],
        },
        {"format": BUNDLE_FORMAT},
        {"something": "else"},
        [1, 2, 3],
    ],
    ids=["no-networks", "wrong-shape", "no-key", "foreign-dict", "list"],
)
def test_wrong_contents_are_model_unavailable(tmp_path: Path, content: object) -> None:
    path = tmp_path / "wrong.joblib"
    joblib.dump(content, path)
    with pytest.raises(ModelUnavailable):
        load_model(path)


def test_bring_your_own_estimator_with_predict_proba(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    # Trained on raw bytes 0-255 like many public MNIST pickles; only digits 3 and 7.
    pixels = RNG.random((40, 784), dtype=np.float32)
    labels = np.array([3, 7] * 20)
    pixels[labels == 7, :392] += 1.0
    estimator = LogisticRegression(max_iter=200).fit(pixels * 255, labels)
    path = tmp_path / "own.joblib"
    joblib.dump(estimator, path)
    model = load_model(path, input_scale=255.0)
    assert isinstance(model, EstimatorModel)
    probabilities = model.predict_proba(pixels[:4])
    assert probabilities.shape == (4, 10)
    np.testing.assert_allclose(
        probabilities[:, [3, 7]], estimator.predict_proba(pixels[:4] * 255), atol=1e-6
    )
    assert probabilities[:, [0, 1, 2, 4, 5, 6, 8, 9]].sum() == 0


def test_estimator_with_non_digit_classes_is_refused(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression().fit(RNG.random((4, 784)), ["a", "b", "a", "b"])
    path = tmp_path / "letters.joblib"
    joblib.dump(estimator, path)
    with pytest.raises(ModelUnavailable, match="invalid"):
        load_model(path)


def test_sha256_of_streams_the_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert sha256_of(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_loading_the_shipped_bundle_never_imports_scikit_learn_or_scipy() -> None:
    code = (
        "import sys, pathlib; from digits.model import load_model; "
        "m = load_model(pathlib.Path('models/digit_model_28.joblib')); "
        "import numpy as np; m.predict_proba(np.zeros((1, 784), np.float32)); "
        "bad = [n for n in sys.modules if n.split('.')[0] in ('sklearn', 'scipy')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={"PYTHONPATH": str(root / "function")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
