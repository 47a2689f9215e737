"""Honest confidence: temperature, calibration error, the "not sure" threshold, cross-fitting."""

from __future__ import annotations

import numpy as np
import pytest

from training.calibrate import (
    MAX_RIGHT_FLAGGED,
    calibrate,
    calibration_error,
    choose_threshold,
    ensemble_probabilities,
    fit_temperature,
    flagging,
    reliability,
)


def softmax(z: np.ndarray) -> np.ndarray:
    exp = np.exp(z - z.max(axis=-1, keepdims=True))
    result: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return result


def sampled_labels(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One label per row, drawn with the row's probabilities: perfectly calibrated labels."""
    cumulative = probabilities.astype(np.float64).cumsum(axis=1)
    draws = rng.random((len(probabilities), 1)) * cumulative[:, -1:]
    labels: np.ndarray = np.minimum((draws > cumulative).sum(axis=1), 9)
    return labels


def model_like(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, labels) of a good, confident model: the true digit's logit leads."""
    labels = rng.integers(0, 10, count)
    logits = rng.normal(0.0, 1.0, (count, 10))
    logits[np.arange(count), labels] += rng.uniform(3.5, 12.0, count)
    return ensemble_probabilities(logits[None].astype(np.float32), 1.0), labels


def test_ensemble_probabilities_average_the_networks_softmax_at_a_temperature() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(0.0, 4.0, (3, 50, 10)).astype(np.float32)
    got = ensemble_probabilities(logits, 2.0)
    np.testing.assert_allclose(
        got, softmax(logits.astype(np.float64) / 2.0).mean(axis=0), atol=1e-6
    )
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("true_temperature", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_the_temperature_the_labels_came_from(
    true_temperature: float,
) -> None:
    rng = np.random.default_rng(int(true_temperature * 10))
    logits = rng.normal(0.0, 3.0, (1, 4000, 10)).astype(np.float32)
    labels = sampled_labels(softmax(logits[0].astype(np.float64) / true_temperature), rng)
    assert fit_temperature(logits, labels) == pytest.approx(true_temperature, rel=0.08)


def test_calibration_error_is_small_for_honest_and_large_for_overconfident_answers() -> None:
    rng = np.random.default_rng(2)
    logits = rng.normal(0.0, 2.5, (20000, 10))
    honest = softmax(logits)
    labels = sampled_labels(honest, rng)
    assert calibration_error(honest.astype(np.float32), labels) < 0.015
    overconfident = softmax(3 * logits)  # same answers, far surer of them
    assert calibration_error(overconfident.astype(np.float32), labels) > 0.15
    # By hand: four answers at 0.9, all right, are 0.1 under-confident.
    four = np.full((4, 10), 0.1 / 9, np.float32)
    four[:, 3] = 0.9
    assert calibration_error(four, np.full(4, 3)) == pytest.approx(0.1, abs=1e-6)


def test_reliability_bins_count_every_answer() -> None:
    rng = np.random.default_rng(3)
    probabilities, labels = model_like(rng, 3000)
    bins = reliability(probabilities, labels)
    assert sum(count for _, _, count in bins) == 3000
    confidences = [confidence for confidence, _, _ in bins]
    assert confidences == sorted(confidences)
    assert all(0.0 <= accuracy <= 1.0 for _, accuracy, _ in bins)


def test_the_threshold_flags_at_most_two_percent_of_right_answers() -> None:
    for seed in range(10):
        probabilities, labels = model_like(np.random.default_rng(seed), 2000)
        threshold = choose_threshold(probabilities, labels)
        assert 0.5 < threshold < 0.99  # the cap, not a clamp, decided it
        assert flagging(probabilities, labels, threshold).right_flagged <= MAX_RIGHT_FLAGGED


def test_the_threshold_is_the_highest_within_the_cap_and_stays_in_range() -> None:
    for seed in range(10):
        probabilities, labels = model_like(np.random.default_rng(seed), 2000)
        threshold = choose_threshold(probabilities, labels)
        assert 0.5 < threshold < 0.99
        right_flagged = flagging(probabilities, labels, threshold).right_flagged
        assert right_flagged <= MAX_RIGHT_FLAGGED + 2 / 2000  # within rounding (see above)
        # A thousandth higher would flag more right answers than allowed.
        assert flagging(probabilities, labels, threshold + 0.001).right_flagged > MAX_RIGHT_FLAGGED
        # Wrong answers are less sure: the threshold flags a good share of them.
        assert flagging(probabilities, labels, threshold).errors_flagged > 0.3
    # Extremes: never below 0.5 nor above 0.99, and 0.5 with no right answer at all.
    sure = np.eye(10, dtype=np.float32)[np.arange(200) % 10] * 0.999 + 0.0001
    assert choose_threshold(sure, np.arange(200) % 10) == 0.99
    unsure = np.full((50, 10), 0.1, np.float32)
    unsure[:, 0] = 0.19
    assert choose_threshold(unsure, np.zeros(50, int)) == 0.5
    assert choose_threshold(unsure, np.ones(50, int)) == 0.5


def test_flagging_counts_wrong_and_right_answers_separately() -> None:
    probabilities = np.full((4, 10), 0.0, np.float32)
    probabilities[:, 1] = [0.95, 0.55, 0.9, 0.4]
    probabilities[:, 2] = [0.05, 0.45, 0.1, 0.6]
    labels = np.array([1, 1, 2, 1])  # right, right, wrong (said 1), wrong (said 2)
    result = flagging(probabilities, labels, 0.7)
    assert result.right_flagged == 0.5  # the 0.55 one
    assert result.errors_flagged == 0.5  # the 0.6 one, not the 0.9 one


def writers_with_two_temperatures(
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Six writers: the odd ones' labels follow softmax(z / 0.6), the even ones' z / 3,
    so calibrate's halves (every other writer) need opposite temperatures."""
    per_writer = 700
    writers = np.repeat(np.arange(1, 7), per_writer)
    logits = rng.normal(0.0, 3.0, (2, len(writers), 10)).astype(np.float32)
    temperature = np.where(writers % 2 == 1, 0.6, 3.0)[:, None]
    mean = softmax(logits.astype(np.float64) / temperature[None]).mean(axis=0)
    return logits, sampled_labels(mean, rng), writers


def test_calibrate_ships_parameters_fitted_on_all_writers() -> None:
    logits, labels, writers = writers_with_two_temperatures(np.random.default_rng(5))
    result = calibrate(logits, labels, writers)
    assert result.temperature == fit_temperature(logits, labels)
    assert result.uncertain_below == choose_threshold(
        ensemble_probabilities(logits, result.temperature), labels
    )
    before = ensemble_probabilities(logits, 1.0)
    assert result.error_before == pytest.approx(calibration_error(before, labels))
    old = flagging(before, labels, 0.6)
    assert (result.errors_flagged_before, result.right_flagged_before) == (
        old.errors_flagged,
        old.right_flagged,
    )
    for share in (result.errors_flagged, result.right_flagged):
        assert 0.0 <= share <= 1.0


def test_calibrate_judges_each_half_with_the_other_halfs_temperature() -> None:
    logits, labels, writers = writers_with_two_temperatures(np.random.default_rng(6))
    result = calibrate(logits, labels, writers)
    odd, even = writers % 2 == 1, writers % 2 == 0
    t_odd, t_even = (
        fit_temperature(logits[:, odd], labels[odd]),
        fit_temperature(logits[:, even], labels[even]),
    )
    assert t_odd < 1.0 < t_even  # the halves do need different temperatures
    # Judged in-sample, each half with its own temperature, the error would be small ...
    own = np.zeros((len(labels), 10), np.float32)
    own[odd] = ensemble_probabilities(logits[:, odd], t_odd)
    own[even] = ensemble_probabilities(logits[:, even], t_even)
    assert calibration_error(own, labels) < 0.04
    # ... cross-fitted, each half gets the other's: exactly that figure is reported.
    crossed = np.zeros((len(labels), 10), np.float32)
    crossed[odd] = ensemble_probabilities(logits[:, odd], t_even)
    crossed[even] = ensemble_probabilities(logits[:, even], t_odd)
    assert result.error_after == pytest.approx(calibration_error(crossed, labels), abs=1e-6)
    assert result.error_after > 0.1
