"""The numpy model bundle and bring-your-own-model loading."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

from digits.errors import ModelUnavailable
from digits.features import PatchFeatures
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


# -- format 2: a feature layer and a temperature ---------------------------------------------


def random_features(kinds: int = 4, grid: int = 2) -> PatchFeatures:
    filters = RNG.normal(0, 1, (25, kinds)).astype(np.float32)
    bias = RNG.normal(-2, 1, kinds).astype(np.float32)
    return PatchFeatures(filters, bias, 5, grid)


def network_for(inputs: int, hidden: int = 12) -> Network:
    return Network(
        weights=(
            RNG.normal(0, 0.3, (inputs, hidden)).astype(np.float32),
            RNG.normal(0, 0.3, (hidden, 10)).astype(np.float32),
        ),
        biases=(np.zeros(hidden, np.float32), RNG.normal(0, 0.1, 10).astype(np.float32)),
    )


def test_format_2_bundle_with_features_and_temperature_round_trips(tmp_path: Path) -> None:
    features = random_features()
    ensemble = MlpEnsemble(
        (network_for(features.size), network_for(features.size, 8)), features, 1.7
    )
    bundle = ensemble.to_bundle()
    assert bundle["format"] == BUNDLE_FORMAT == "digit-mlp-ensemble/2"
    assert bundle["temperature"] == 1.7 and bundle["features"]["grid"] == 2
    path = tmp_path / "model.joblib"
    joblib.dump(bundle, path)
    loaded = load_model(path)
    assert isinstance(loaded, MlpEnsemble)
    assert loaded.temperature == 1.7 and loaded.features is not None
    np.testing.assert_array_equal(loaded.features.filters, features.filters)
    pixels = RNG.random((6, 784), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(pixels), ensemble.predict_proba(pixels))
    # The networks read the layer's features: by hand, features -> MLPs at temperature 1.7.
    inputs = features.transform(pixels)
    expected = np.mean(
        [softmax_rows(net.logits(inputs) / 1.7) for net in ensemble.networks], axis=0
    )
    np.testing.assert_allclose(loaded.predict_proba(pixels), expected, atol=1e-6)


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return result


def test_format_1_bundles_still_load(tmp_path: Path) -> None:
    network = random_network()
    old = {
        "format": "digit-mlp-ensemble/1",
        "networks": [{"weights": list(network.weights), "biases": list(network.biases)}],
    }
    path = tmp_path / "old.joblib"
    joblib.dump(old, path)
    loaded = load_model(path)
    assert isinstance(loaded, MlpEnsemble)
    assert loaded.features is None and loaded.temperature == 1.0
    pixels = RNG.random((4, 784), dtype=np.float32)
    np.testing.assert_allclose(
        loaded.predict_proba(pixels), softmax_rows(network.logits(pixels)), atol=1e-6
    )


def test_temperature_softens_the_probabilities_not_the_answer() -> None:
    network = network_for(784)
    pixels = RNG.random((200, 784), dtype=np.float32)
    plain = MlpEnsemble((network,)).predict_proba(pixels)
    for temperature in (0.5, 2.0, 5.0):
        scaled = MlpEnsemble((network,), None, temperature).predict_proba(pixels)
        # One network: the softmax of logits / T keeps the order of the classes.
        np.testing.assert_array_equal(scaled.argmax(axis=1), plain.argmax(axis=1))
        assert not np.allclose(scaled, plain, atol=1e-3)
        np.testing.assert_allclose(scaled.sum(axis=1), 1.0, atol=1e-5)
        if temperature > 1:
            assert (scaled.max(axis=1) <= plain.max(axis=1) + 1e-6).all()
        else:
            assert (scaled.max(axis=1) >= plain.max(axis=1) - 1e-6).all()


@pytest.mark.parametrize(
    "change",
    [
        {"temperature": 0.0},
        {"temperature": 100.0},
        {"features": {**random_features().to_bundle(), "patch": 4}},
        {"features": random_features(kinds=6).to_bundle()},  # networks read 16 features, not 24
        {"features": None},  # without the layer the networks would read 784 pixels
    ],
    ids=[
        "temperature-0",
        "temperature-100",
        "features-inconsistent",
        "features-size",
        "no-features",
    ],
)
def test_format_2_bundles_that_do_not_agree_are_model_unavailable(
    tmp_path: Path, change: dict[str, object]
) -> None:
    features = random_features()
    bundle = {**MlpEnsemble((network_for(features.size),), features, 1.5).to_bundle(), **change}
    path = tmp_path / "wrong.joblib"
    joblib.dump(bundle, path)
    with pytest.raises(ModelUnavailable, match="invalid"):
        load_model(path)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("with_features", [False, True], ids=["pixels", "features"])
def test_export_folds_the_standardisation_into_the_first_layer(with_features: bool) -> None:
    from sklearn.neural_network import MLPClassifier

    from training.export import ensemble_from_sklearn

    rng = np.random.default_rng(11)
    pixels = rng.random((300, 784), dtype=np.float32)
    labels = np.arange(300) % 10
    pixels[np.arange(300), labels * 70] += 3.0  # something to learn
    features = random_features() if with_features else None
    raw = pixels if features is None else features.transform(pixels)
    mean = raw.mean(axis=0).astype(np.float32)
    scale = (raw.std(axis=0) + 0.5).astype(np.float32)
    estimator = MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
    estimator.fit((raw - mean) / scale, labels)
    exported = ensemble_from_sklearn([estimator], features, mean, scale)
    probe = rng.random((50, 784), dtype=np.float32)
    probe_raw = probe if features is None else features.transform(probe)
    expected = estimator.predict_proba((probe_raw - mean) / scale)
    np.testing.assert_allclose(exported.predict_proba(probe), expected, atol=1e-4)
    assert exported.features is features and exported.temperature == 1.0
    # Not folding would answer differently: the standardisation matters here.
    unfolded = ensemble_from_sklearn([estimator], features)
    assert np.abs(unfolded.predict_proba(probe) - expected).max() > 0.05
