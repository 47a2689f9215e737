"""Writer-grouped cross-validation: every writer read once, by a model that never saw them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from training import cross_validation
from training.cross_validation import (
    FOLDS,
    Answers,
    CrossValidation,
    Fold,
    _pooled,
    cross_validate,
    honest,
    mixed,
    writer_folds,
)
from training.pendigits import PenDigit, load_pendigits
from training.train import Config

TINY = Config(
    subset=1500,
    copies=1,
    pen_copies=1,
    pen_validation_copies=1,
    feature_kinds=16,
    networks=1,
    hidden=(32,),
    epochs=3,
    decay_every=1,
)


@pytest.fixture(scope="module")
def few_digits() -> list[PenDigit]:
    return load_pendigits()[::25]  # 300 digits, every writer


def test_the_folds_are_whole_writers_six_each_every_writer_once() -> None:
    folds = writer_folds(load_pendigits())
    assert len(folds) == FOLDS
    assert all(len(fold) == 6 for fold in folds)
    assert sorted(w for fold in folds for w in fold) == list(range(1, 31))
    assert writer_folds(load_pendigits()) == folds  # the same folds for every variant


def test_nothing_is_chosen_on_the_writers_judged() -> None:
    recipe = honest(Config(networks=3, keep=2, keep_best_epoch=True))
    assert recipe.keep == 3 and not recipe.keep_best_epoch


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_each_fold_trains_without_its_writers_and_reads_only_them(
    few_digits: list[PenDigit], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    fit = cross_validation.fit_networks

    def recording(config: Config, x_train: Any, y_train: Any, validation: Any) -> Any:
        seen.append(
            {
                "held_out": set(config.held_out_writers),
                "trained_on": len(y_train),
                "judged_writers": set(validation.pen_writers.tolist()),
                "judged": len(validation.pen[1]),
            }
        )
        return fit(config, x_train, y_train, validation)

    monkeypatch.setattr(cross_validation, "fit_networks", recording)
    result = cross_validate(TINY, pen_digits=few_digits, cache=tmp_path)
    folds = writer_folds(few_digits)
    per_writer = {w: sum(d.writer == w for d in few_digits) for w in range(1, 31)}
    mnist_training = seen[0]["trained_on"] - sum(
        n for w, n in per_writer.items() if w not in folds[0]
    )
    for record, fold, judged in zip(seen, folds, result.folds, strict=True):
        assert record["held_out"] == set(fold) == set(judged.writers)
        assert record["judged_writers"] == set(fold)
        assert record["judged"] == sum(per_writer[w] for w in fold)
        pen_trained = sum(n for w, n in per_writer.items() if w not in fold)
        assert record["trained_on"] == mnist_training + pen_trained
        assert 0.2 < judged.pen_accuracy <= 1.0  # above chance after three tiny epochs
        # The same writers' digits turned TURN_DEG either way: read too, and differently.
        assert judged.turned_accuracy is not None and 0.1 < judged.turned_accuracy <= 1.0
        assert len(judged.history) == 1 and len(judged.history[0]) == TINY.epochs
    # Every drawing read exactly once, out of fold.
    assert int(np.sum(result.confusions)) == len(few_digits)
    assert result.pen_mean == pytest.approx(np.mean([f.pen_accuracy for f in result.folds]))
    assert result.pen_spread >= 0.0
    assert 0.25 <= result.calibration.temperature <= 8.0
    assert len(result.per_digit) == 10
    stored = result.to_json()
    assert stored["pen_mean"] == result.pen_mean and len(stored["folds"]) == FOLDS
    assert stored["turned_mean"] == pytest.approx(
        np.mean([f.turned_accuracy for f in result.folds])
    )
    assert [f["turned_accuracy"] for f in stored["folds"]] == [
        f.turned_accuracy for f in result.folds
    ]
    assert "answers" not in stored  # the logits stay in memory, for mixed
    # The answers kept are the ones the figures come from.
    assert [a.pen_logits.shape[0] for a in result.answers] == [TINY.networks] * FOLDS
    assert sum(len(a.pen_labels) for a in result.answers) == len(few_digits)
    assert [
        float((a.pen_logits.mean(axis=0).argmax(axis=1) == a.pen_labels).mean())
        for a in result.answers
    ] == pytest.approx([f.pen_accuracy for f in result.folds])

    # Six writers fewer: each fold trains without the next fold's writers too.
    seen.clear()
    cross_validate(TINY, pen_digits=few_digits, cache=tmp_path, writers_left_out=6)
    for number, record in enumerate(seen):
        left_out = set(folds[number]) | set(folds[(number + 1) % FOLDS])
        pen_trained = sum(n for w, n in per_writer.items() if w not in left_out)
        assert record["trained_on"] == mnist_training + pen_trained


def _one_hot_logits(answers: list[int], sure: float) -> np.ndarray:
    """One network's logits: `sure` for the answer, 0 elsewhere; (1, n, 10)."""
    logits = np.zeros((1, len(answers), 10), np.float32)
    logits[0, np.arange(len(answers)), answers] = sure
    return logits


def _recipe(pen: list[list[int]], mnist: list[int], sure: float) -> CrossValidation:
    """A cross-validation of two networks per fold that answer alike: `pen[fold]`, `mnist`."""
    folds, answered = [], []
    for number, fold_answers in enumerate(pen):
        labels = np.arange(len(fold_answers)) % 10
        network = _one_hot_logits(fold_answers, sure)
        answers = Answers(
            np.concatenate([network, network]),
            labels,
            np.asarray([2 * number + (i % 2) for i in range(len(labels))], np.int16),
            np.concatenate([_one_hot_logits(mnist, sure)] * 2),
            np.arange(len(mnist)) % 10,
        )
        accuracy = float(np.mean(np.asarray(fold_answers) == labels))
        history = [[(accuracy, 0.0)], [(accuracy, 0.0)]]
        folds.append(Fold((2 * number, 2 * number + 1), accuracy, 0.0, history, 10.0))
        answered.append(answers)
    return _pooled(folds, answered)


def test_mixed_reads_with_one_network_of_each_recipe() -> None:
    truth = list(range(10)) * 2  # the labels _recipe gives twenty drawings
    # A is wrong, and unsure, on the first two drawings of each fold; B, sure, on the third.
    first = _recipe([[9, 9, *truth[2:]]] * FOLDS, truth, sure=2.0)
    second = _recipe([[0, 1, 8, *truth[3:]]] * FOLDS, [5, *truth[1:]], sure=6.0)
    assert [f.pen_accuracy for f in first.folds] == [0.9] * FOLDS
    together = mixed(first, second)
    # B's sure answers win: right on A's two misreads, wrong on its own.
    assert [f.pen_accuracy for f in together.folds] == [0.95] * FOLDS
    assert [f.mnist_accuracy for f in together.folds] == [0.95] * FOLDS
    assert [f.writers for f in together.folds] == [f.writers for f in first.folds]
    assert all(a.pen_logits.shape == (2, 20, 10) for a in together.answers)
    assert together.confusions[2][8] == FOLDS and sum(map(sum, together.confusions)) == 100
    assert [f.seconds for f in together.folds] == [10.0] * FOLDS  # 10 s / 2 networks, twice
    assert len(together.folds[0].history) == 2


def test_mixed_refuses_recipes_read_on_other_folds() -> None:
    truth = list(range(10)) * 2
    first = _recipe([truth] * FOLDS, truth, sure=2.0)
    shifted = _recipe([truth] * (FOLDS + 1), truth, sure=2.0)
    other = CrossValidation(
        shifted.folds[1:],
        shifted.per_digit,
        shifted.calibration,
        shifted.confusions,
        shifted.answers[1:],
    )
    with pytest.raises(ValueError, match="different folds"):
        mixed(first, other)


def test_turned_renders_are_each_digit_turned_both_ways() -> None:
    digits = [d for d in load_pendigits() if d.writer == 3][:6]
    pixels, labels = cross_validation._turned_renders(digits)
    assert pixels.shape == (12, 28 * 28)
    assert labels.tolist() == [d.label for d in digits for _ in range(2)]
    assert pixels.min() >= 0.0 and pixels.max() <= 1.0
    # Deterministic; each digit turned clockwise, then anticlockwise: two other drawings,
    # and neither the digit as written.
    again, _ = cross_validation._turned_renders(digits)
    assert np.array_equal(pixels, again)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cross_validation, "TURN_DEG", 0.0)
        upright, _ = cross_validation._turned_renders(digits)
    assert all(not np.array_equal(a, b) for a, b in zip(pixels, upright, strict=True))
    assert all(not np.array_equal(a, b) for a, b in zip(pixels[::2], pixels[1::2], strict=True))


def test_a_mix_of_two_recipes_has_no_turned_figure() -> None:
    first = _recipe([[0, 1]] * FOLDS, [0, 1], 5.0)
    assert first.turned_mean is None and first.to_json()["turned_mean"] is None
