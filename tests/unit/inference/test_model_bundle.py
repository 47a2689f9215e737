"""The numpy model bundle and bring-your-own-model loading."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import joblib
import numpy as np
import pytest

from digits.errors import ModelUnavailable
from digits.inference.deskew import upright
from digits.inference.features import ONE_PIXEL_MOVES, PLACED, PatchFeatures
from digits.inference.model import (
    BUNDLE_FORMAT,
    EstimatorModel,
    MlpEnsemble,
    load_model,
    sha256_of,
)
from digits.inference.network import Network
from digits.inference.pieces import KINDS, PieceHead

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
        "import sys, pathlib; from digits.inference.model import load_model; "
        "m = load_model(pathlib.Path('models/digit_model_28.joblib')); "
        "import numpy as np; m.predict_proba(np.zeros((1, 784), np.float32)); "
        "bad = [n for n in sys.modules if n.split('.')[0] in ('sklearn', 'scipy')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = Path(__file__).resolve().parents[3]
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


def test_a_bundle_with_features_and_temperature_round_trips(tmp_path: Path) -> None:
    features = random_features()
    ensemble = MlpEnsemble(
        (network_for(features.size), network_for(features.size, 8)), features, 1.7
    )
    bundle = ensemble.to_bundle()
    assert bundle["format"] == BUNDLE_FORMAT == "digit-mlp-ensemble/7"
    assert "other_features" not in bundle  # one feature layer for every network
    assert "moves" not in bundle  # read as placed
    assert bundle["temperature"] == 1.7 and bundle["features"]["grid"] == 2
    assert "pieces" not in bundle  # no head: numbers are cut by the shape rules
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
    # What the piece head is trained on (training.pieces): those features, from any shape.
    images = pixels.reshape(6, 28, 28).astype(np.float64)
    np.testing.assert_array_equal(loaded.inputs(images), inputs)


def test_a_deskewing_model_reads_each_drawing_upright_through_its_bundle(tmp_path: Path) -> None:
    features = replace(random_features(), deskew=True)
    ensemble = MlpEnsemble((network_for(features.size),), features, 1.2)
    path = tmp_path / "model.joblib"
    joblib.dump(ensemble.to_bundle(), path)
    loaded = load_model(path)
    assert isinstance(loaded, MlpEnsemble) and loaded.features is not None
    assert loaded.features.deskew
    images = np.zeros((4, 28, 28), np.float32)
    for row in range(5, 23):  # a bar leaning right, as handwriting leans
        images[:, row, 12 + (14 - row) // 2 : 15 + (14 - row) // 2] = 1.0
    images[1:] *= RNG.random((3, 28, 28), dtype=np.float32)
    pixels = images.reshape(4, -1)
    as_slanted = MlpEnsemble(ensemble.networks, replace(features, deskew=False), 1.2)
    np.testing.assert_allclose(
        loaded.predict_proba(pixels),
        as_slanted.predict_proba(upright(images).reshape(4, -1)),
        rtol=1e-5,
        atol=1e-6,
    )
    assert not np.allclose(loaded.inputs(pixels), as_slanted.inputs(pixels), atol=1e-3)


def test_a_model_without_a_feature_layer_reads_the_pixels_as_float32_rows() -> None:
    ensemble = MlpEnsemble((network_for(784),))
    images = RNG.random((3, 28, 28))
    inputs = ensemble.inputs(images)
    assert inputs.dtype == np.float32
    np.testing.assert_array_equal(inputs, images.reshape(3, 784).astype(np.float32))


def head_for(inputs: int) -> PieceHead:
    network = network_for(inputs)
    last = network.weights[-1][:, :3].copy()
    return PieceHead(Network((*network.weights[:-1], last), (*network.biases[:-1], last[0])))


def test_the_piece_head_rides_in_the_bundle_and_reads_the_same_features(tmp_path: Path) -> None:
    features = random_features()
    head = head_for(features.size)
    ensemble = MlpEnsemble((network_for(features.size),), features, 1.3, head)
    path = tmp_path / "model.joblib"
    joblib.dump(ensemble.to_bundle(), path)
    loaded = load_model(path)
    assert isinstance(loaded, MlpEnsemble) and loaded.pieces is not None
    pixels = RNG.random((5, 784), dtype=np.float32)
    digits, kinds = loaded.read_pieces(pixels)
    np.testing.assert_array_equal(digits, ensemble.predict_proba(pixels))
    assert kinds is not None and kinds.shape == (5, len(KINDS))
    expected = softmax_rows(head.network.logits(features.transform(pixels)))
    np.testing.assert_allclose(kinds, expected, atol=1e-6)
    # Without a head: the digits alone.
    plain = MlpEnsemble(ensemble.networks, features, 1.3)
    assert plain.read_pieces(pixels)[1] is None


@pytest.mark.parametrize("version", [2, 3])
def test_format_2_and_3_bundles_load_without_what_came_later(tmp_path: Path, version: int) -> None:
    features = random_features()
    bundle = {**MlpEnsemble((network_for(features.size),), features, 1.5).to_bundle()}
    bundle["format"] = f"digit-mlp-ensemble/{version}"
    path = tmp_path / "old.joblib"
    joblib.dump(bundle, path)
    loaded = load_model(path)
    # Format 2 had no piece head (3 added it), format 3 no moved views (4 added them).
    assert isinstance(loaded, MlpEnsemble) and loaded.pieces is None and loaded.moves == PLACED


def moved_pixels(pixels: np.ndarray, down: int, right: int) -> np.ndarray:
    return np.roll(pixels.reshape(-1, 28, 28), (down, right), axis=(1, 2)).reshape(len(pixels), -1)


def test_moved_views_average_each_networks_logits_before_the_softmax(tmp_path: Path) -> None:
    features = random_features()
    networks = (network_for(features.size), network_for(features.size, 8))
    head = head_for(features.size)
    ensemble = MlpEnsemble(networks, features, 1.4, head, ONE_PIXEL_MOVES)
    path = tmp_path / "moved.joblib"
    joblib.dump(ensemble.to_bundle(), path)
    loaded = load_model(path)
    assert isinstance(loaded, MlpEnsemble) and loaded.moves == ONE_PIXEL_MOVES
    pixels = np.zeros((5, 28, 28), np.float32)
    pixels[:, 4:24, 4:24] = RNG.random((5, 20, 20), dtype=np.float32)
    pixels = pixels.reshape(5, -1)
    # By hand: each network's logits on the five moved drawings, averaged, then / T.
    logits = np.stack(
        [
            np.mean(
                [net.logits(features.transform(moved_pixels(pixels, *m))) for m in ONE_PIXEL_MOVES],
                axis=0,
            )
            for net in networks
        ]
    )
    np.testing.assert_allclose(loaded.logits(pixels), logits, rtol=1e-5, atol=1e-5)
    expected = np.mean([softmax_rows(each / 1.4) for each in logits], axis=0)
    digits, kinds = loaded.read_pieces(pixels)
    np.testing.assert_allclose(loaded.predict_proba(pixels), expected, atol=1e-6)
    np.testing.assert_allclose(digits, expected, atol=1e-6)
    placed = MlpEnsemble(networks, features, 1.4).logits(pixels)
    assert not np.allclose(logits, placed, atol=1e-3)  # the views count
    # The piece head reads the drawing as placed: what it was fitted on.
    expected_kinds = softmax_rows(head.network.logits(features.transform(pixels)))
    assert kinds is not None
    np.testing.assert_allclose(kinds, expected_kinds, atol=1e-6)


@pytest.mark.parametrize(
    "moves",
    [((1, 0), (0, 0)), ((0, 0), (1, 0), (1, 0)), ((0, 0), (3, 0)), ()],
    ids=["placed-not-first", "twice", "too-far", "none"],
)
def test_views_are_refused_unless_placed_first_each_once_and_near(
    tmp_path: Path, moves: tuple[tuple[int, int], ...]
) -> None:
    features = random_features()
    bundle = MlpEnsemble((network_for(features.size),), features, 1.5).to_bundle()
    path = tmp_path / "wrong.joblib"
    joblib.dump({**bundle, "moves": [list(move) for move in moves]}, path)
    with pytest.raises(ModelUnavailable, match="invalid"):
        load_model(path)


def mixed_views_model() -> MlpEnsemble:
    """Two networks on upright drawings, one on the drawings as drawn (a layer of its own,
    with more filters, so the two layers' outputs differ in size too)."""
    upright_layer = replace(random_features(), deskew=True)
    as_drawn = random_features(kinds=6)
    networks = (
        network_for(upright_layer.size),
        network_for(as_drawn.size, 8),
        network_for(upright_layer.size, 10),
    )
    head = head_for(upright_layer.size)
    return MlpEnsemble(
        networks, upright_layer, 1.6, head, ONE_PIXEL_MOVES, as_drawn, (False, True, False)
    )


def test_mixed_views_give_each_network_its_own_layer_through_the_bundle(tmp_path: Path) -> None:
    ensemble = mixed_views_model()
    assert ensemble.features is not None and ensemble.other_features is not None
    bundle = ensemble.to_bundle()
    assert [network["reads_other"] for network in bundle["networks"]] == [False, True, False]
    path = tmp_path / "mixed.joblib"
    joblib.dump(bundle, path)
    loaded = load_model(path)
    assert isinstance(loaded, MlpEnsemble) and loaded.reads_other == (False, True, False)
    assert loaded.other_features is not None and not loaded.other_features.deskew
    # Small drawings, well inside the field: standing one upright moves no ink off it.
    pixels = np.zeros((5, 28, 28), np.float32)
    pixels[:, 9:19, 10:18] = RNG.random((5, 10, 8), dtype=np.float32)
    pixels = pixels.reshape(5, -1)
    # By hand: each network averages its logits over the moved drawings, read by its layer.
    layers = (ensemble.features, ensemble.other_features, ensemble.features)
    logits = np.stack(
        [
            np.mean(
                [net.logits(layer.transform(moved_pixels(pixels, *m))) for m in ONE_PIXEL_MOVES],
                axis=0,
            )
            for net, layer in zip(ensemble.networks, layers, strict=True)
        ]
    )
    np.testing.assert_allclose(loaded.logits(pixels), logits, rtol=1e-5, atol=1e-5)
    expected = np.mean([softmax_rows(each / 1.6) for each in logits], axis=0)
    np.testing.assert_allclose(loaded.predict_proba(pixels), expected, atol=1e-6)
    # The piece head reads the first (upright) layer, as placed.
    _, kinds = loaded.read_pieces(pixels)
    assert kinds is not None and ensemble.pieces is not None
    head_logits = ensemble.pieces.network.logits(ensemble.features.transform(pixels))
    np.testing.assert_allclose(kinds, softmax_rows(head_logits), atol=1e-6)
    # As placed only (serving's one-drawing path): each network still reads its own layer.
    placed = replace(ensemble, moves=PLACED)
    by_hand = [
        net.logits(layer.transform(pixels[:1]))
        for net, layer in zip(placed.networks, layers, strict=True)
    ]
    np.testing.assert_allclose(placed.logits(pixels[:1]), np.stack(by_hand), rtol=1e-5, atol=1e-5)


def test_choosing_networks_keeps_each_on_its_layer() -> None:
    ensemble = mixed_views_model()
    pixels = RNG.random((4, 784), dtype=np.float32)
    both = ensemble.with_networks((1, 2))
    assert both.reads_other == (True, False) and both.other_features is ensemble.other_features
    np.testing.assert_allclose(both.logits(pixels), ensemble.logits(pixels)[1:], atol=1e-6)
    # Without a network on the second layer, the model drops it: format 6's shape.
    upright_only = ensemble.with_networks((0, 2))
    assert upright_only.other_features is None and upright_only.reads_other == ()
    np.testing.assert_allclose(
        upright_only.logits(pixels), ensemble.logits(pixels)[[0, 2]], atol=1e-6
    )


@pytest.mark.parametrize(
    "change",
    ["no-second-layer", "nobody-reads-it", "wrong-size", "no-first-layer"],
)
def test_a_second_layer_bundle_that_does_not_fit_together_is_refused(
    tmp_path: Path, change: str
) -> None:
    bundle = mixed_views_model().to_bundle()
    if change == "no-second-layer":
        del bundle["other_features"]
    elif change == "nobody-reads-it":
        for network in bundle["networks"]:
            network["reads_other"] = False
    elif change == "wrong-size":
        bundle["networks"][0]["reads_other"] = True  # sized for the first layer
    else:
        del bundle["features"], bundle["pieces"], bundle["moves"]
    path = tmp_path / "wrong.joblib"
    joblib.dump(bundle, path)
    with pytest.raises(ModelUnavailable, match="invalid"):
        load_model(path)


def test_a_format_6_reader_refuses_a_format_7_bundle() -> None:
    # An older reader must not serve a bundle whose networks read layers it cannot build.
    older = frozenset(f"digit-mlp-ensemble/{number}" for number in range(1, 7))
    assert mixed_views_model().to_bundle()["format"] not in older


def test_moved_views_need_a_feature_layer() -> None:
    with pytest.raises(ValueError, match="feature layer"):
        MlpEnsemble((network_for(784),), None, 1.0, None, ONE_PIXEL_MOVES)


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
        {"pieces": head_for(784).to_bundle()},  # a head for pixels, not for the features
        {"pieces": {**head_for(24).to_bundle(), "biases": []}},
        {"pieces": PieceHead(network_for(24)).to_bundle()},  # ten outputs, not three kinds
    ],
    ids=[
        "temperature-0",
        "temperature-100",
        "features-inconsistent",
        "features-size",
        "no-features",
        "pieces-inputs",
        "pieces-inconsistent",
        "pieces-outputs",
    ],
)
def test_bundles_that_do_not_agree_are_model_unavailable(
    tmp_path: Path, change: dict[str, object]
) -> None:
    features = random_features()
    bundle = {**MlpEnsemble((network_for(features.size),), features, 1.5).to_bundle(), **change}
    path = tmp_path / "wrong.joblib"
    joblib.dump(bundle, path)
    with pytest.raises(ModelUnavailable, match="invalid"):
        load_model(path)


@pytest.mark.parametrize(("temperature", "loads"), [(0.05, True), (20.0, True), (0.0499, False),
                                                     (20.01, False)])  # fmt: skip
def test_the_temperature_range_includes_both_ends(
    tmp_path: Path, temperature: float, loads: bool
) -> None:
    features = random_features()
    ensemble = MlpEnsemble((network_for(features.size),), features, temperature)
    path = tmp_path / "edge.joblib"
    joblib.dump(ensemble.to_bundle(), path)
    if loads:
        loaded = load_model(path)
        assert isinstance(loaded, MlpEnsemble) and loaded.temperature == temperature
    else:
        with pytest.raises(ModelUnavailable, match=f"temperature {temperature} is out of range"):
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


# -- behaviour the mutation run (make mutation) found unpinned --------------------------------


def one_layer(first: list[float], second: list[float]) -> Network:
    """A 784 -> 10 network whose logits are `first` for pixel 0 lit and `second` for pixel 1."""
    weights = np.zeros((784, 10), np.float32)
    weights[0], weights[1] = first, second
    return Network(weights=(weights,), biases=(np.zeros(10, np.float32),))


def test_probabilities_stay_exact_for_huge_logits_of_any_scale_per_image() -> None:
    # One image's logits near +800, another's near -800: a softmax not shifted by each
    # image's own maximum overflows or underflows to nan.
    network = one_layer([800.0, 790.0, *[0.0] * 8], [-800.0, -795.0, *[-900.0] * 8])
    pixels = np.zeros((2, 784), np.float32)
    pixels[0, 0] = pixels[1, 1] = 1.0
    got = MlpEnsemble((network,)).predict_proba(pixels)
    for row, logits in zip(got, (network.weights[0][0], network.weights[0][1]), strict=True):
        exact = np.exp(logits.astype(np.float64) - logits.max())
        np.testing.assert_allclose(row, exact / exact.sum(), atol=1e-6)


def test_answers_are_float32_whatever_the_inputs_and_saved_arrays(tmp_path: Path) -> None:
    network = random_network()
    bundle = {
        "format": BUNDLE_FORMAT,
        "networks": [
            {
                "weights": [w.astype(np.float64) for w in network.weights],
                "biases": [b.astype(np.float64) for b in network.biases],
            }
        ],
    }
    joblib.dump(bundle, tmp_path / "float64.joblib")
    model = load_model(tmp_path / "float64.joblib")
    assert isinstance(model, MlpEnsemble)
    assert {a.dtype for net in model.networks for a in (*net.weights, *net.biases)} == {
        np.dtype(np.float32)
    }
    pixels = RNG.random((3, 784))  # float64
    assert model.predict_proba(pixels).dtype == np.float32
    np.testing.assert_allclose(
        model.predict_proba(pixels),
        MlpEnsemble((network,)).predict_proba(pixels.astype(np.float32)),
        atol=1e-6,
    )


def test_a_deeper_network_loads_when_its_last_layer_gives_ten_classes(tmp_path: Path) -> None:
    deep = Network(
        weights=tuple(
            RNG.normal(0, 0.1, shape).astype(np.float32)
            for shape in ((784, 32), (32, 16), (16, 10))
        ),
        biases=tuple(np.zeros(n, np.float32) for n in (32, 16, 10)),
    )
    joblib.dump(MlpEnsemble((deep,)).to_bundle(), tmp_path / "deep.joblib")
    assert load_model(tmp_path / "deep.joblib").predict_proba(np.zeros(784)).shape == (1, 10)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ({"format": BUNDLE_FORMAT, "networks": []}, "no networks"),
        (
            {
                "format": BUNDLE_FORMAT,
                "networks": [{"weights": [np.zeros((784, 5))], "biases": [np.zeros(5)]}],
            },
            "784 features to 10 classes",
        ),
        ([1, 2, 3], "holds no usable model"),
    ],
    ids=["no-networks", "five-classes", "list"],
)
def test_an_unusable_model_says_why(tmp_path: Path, content: object, reason: str) -> None:
    path = tmp_path / "wrong.joblib"
    joblib.dump(content, path)
    with pytest.raises(ModelUnavailable, match=reason):
        load_model(path)


def test_an_unreadable_model_names_the_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.joblib"
    path.write_bytes(b"\x80\x04this is not a pickle")
    with pytest.raises(ModelUnavailable, match=r"unreadable: .*corrupt\.joblib: \w+Error"):
        load_model(path)


class Recorder:
    """An estimator stand-in that remembers what it was given."""

    def __init__(self, classes: list[int] | None) -> None:
        if classes is not None:
            self.classes_ = np.asarray(classes)
        self.seen: list[np.ndarray] = []

    def predict_proba(self, pixels: np.ndarray) -> np.ndarray:
        self.seen.append(pixels)
        count = len(getattr(self, "classes_", range(10)))
        return np.full((len(pixels), count), 1.0 / count)


def test_an_estimator_gets_the_pixels_as_they_are_unless_a_scale_is_given(tmp_path: Path) -> None:
    pixels = RNG.random((2, 784), dtype=np.float32)
    plain, scaled = Recorder(list(range(10))), Recorder(list(range(10)))
    answer = EstimatorModel(plain).predict_proba(pixels)
    EstimatorModel(scaled, input_scale=255.0).predict_proba(pixels)
    np.testing.assert_array_equal(plain.seen[0], pixels)
    np.testing.assert_allclose(scaled.seen[0], pixels * 255.0)
    assert answer.dtype == np.float32 and answer.shape == (2, 10)
    joblib.dump(Recorder(list(range(10))), tmp_path / "own.joblib")
    loaded = load_model(tmp_path / "own.joblib")
    assert isinstance(loaded, EstimatorModel)
    np.testing.assert_allclose(loaded.predict_proba(pixels), np.full((2, 10), 0.1), atol=1e-7)


def test_an_estimator_without_classes_is_taken_to_answer_digits_0_to_9() -> None:
    answer = EstimatorModel(Recorder(None)).predict_proba(np.zeros((1, 784), np.float32))
    np.testing.assert_allclose(answer, np.full((1, 10), 0.1), atol=1e-7)


@pytest.mark.parametrize(
    "classes", [[1, 0, 2], [0, 1, 10], [-1, 0]], ids=["unsorted", "ten", "negative"]
)
def test_estimator_classes_must_be_sorted_digits(classes: list[int]) -> None:
    with pytest.raises(ValueError, match="classes must be digits 0-9"):
        EstimatorModel(Recorder(classes))
