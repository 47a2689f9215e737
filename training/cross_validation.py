"""Writer-grouped cross-validation: how a training recipe reads people it never saw.

Six held-out writers give ~3000 drawings, too few to tell recipes 0.3 pt apart. Here
the 30 pendigits training writers are split into folds of whole writers with
scikit-learn's ``GroupKFold``; each fold trains the recipe (a ``training.train.Config``)
on MNIST and the other folds' writers, then reads the fold's writers. Every writer is so
read by a model that never saw them, and the figures are the mean and the spread over
folds, the out-of-fold accuracy per digit, and a calibration fitted on those
out-of-fold answers (``training.calibrate``, itself cross-fitted over writers). Each fold
also reads its writers' digits turned by TURN_DEG each way (``turned_accuracy``): how well a
recipe reads digits turned further than their writers turned them, which the plain figure
cannot show.

Nothing is chosen on a fold's writers: each network keeps its last epoch and every
network is kept (``keep_best_epoch=False``, ``keep=networks``), so a fold's figures are
as honest as a test set's. The renders are made once for all writers, shared by the
folds and kept on disk (``training.render_cache``).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import GroupKFold

from digits.reading.preprocess import preprocess
from training import dataset
from training.calibrate import Calibration, calibrate, ensemble_probabilities
from training.pen_augment import render_pen_digit, turned
from training.pendigits import PenDigit, load_pendigits
from training.render_cache import CACHE_DIR, cached
from training.train import (
    PEN_VALIDATION_SEED,
    VALIDATION_COPY,
    Config,
    Data,
    Validation,
    fit_networks,
    load_data,
    mnist_renders,
    pen_variation,
    placement_jitter,
)

FOLDS = 5  # six writers a fold, as many as the shipped model holds out
# Each fold's writers' digits are also read turned this far, each one both ways (make
# evaluate-pens: the shipped reference reads its held-out writers worse so, far worse at 30).
TURN_DEG = 20.0
TURNED_SEED = 97

Pixels = npt.NDArray[np.uint8]
Labels = npt.NDArray[np.uint8]


def writer_folds(digits: list[PenDigit], folds: int = FOLDS) -> list[tuple[int, ...]]:
    """The writers of each fold: GroupKFold over the digits, grouped by writer."""
    writers = np.asarray([digit.writer for digit in digits])
    splitter = GroupKFold(n_splits=folds)
    return [
        tuple(sorted(int(w) for w in np.unique(writers[test])))
        for _, test in splitter.split(writers, groups=writers)
    ]


@dataclass(frozen=True)
class Fold:
    writers: tuple[int, ...]  # the fold's held-out writers
    pen_accuracy: float
    mnist_accuracy: float  # the MNIST validation digits (the same in every fold)
    # Per network, per epoch: (held-out writers, MNIST validation) accuracy, to see
    # what choosing an epoch on the held-out writers would have gained.
    history: list[list[tuple[float, float]]]
    seconds: float
    # The fold's writers' digits turned TURN_DEG each way (None: not measured, as in
    # rows run before the figure existed, or a mix of two recipes' networks).
    turned_accuracy: float | None = None


@dataclass(frozen=True)
class Answers:
    """What one fold's networks answered, kept so that networks of two recipes can be
    judged together (``mixed``): their logits, (networks, n, 10), before any temperature."""

    pen_logits: npt.NDArray[np.float32]  # the fold's held-out writers
    pen_labels: Labels
    pen_writers: npt.NDArray[np.int16]
    mnist_logits: npt.NDArray[np.float32]  # the MNIST validation digits
    mnist_labels: Labels


@dataclass(frozen=True)
class CrossValidation:
    folds: list[Fold]
    per_digit: list[float]  # out-of-fold accuracy of each digit, all writers
    calibration: Calibration  # fitted and judged on the out-of-fold answers
    confusions: list[list[int]]  # out-of-fold, true x predicted
    answers: list[Answers] = field(default_factory=list, repr=False)  # per fold; not stored

    @property
    def pen_mean(self) -> float:
        return statistics.fmean(fold.pen_accuracy for fold in self.folds)

    @property
    def pen_spread(self) -> float:
        """The standard deviation of the folds' accuracies."""
        return statistics.stdev(fold.pen_accuracy for fold in self.folds)

    @property
    def mnist_mean(self) -> float:
        return statistics.fmean(fold.mnist_accuracy for fold in self.folds)

    @property
    def turned_mean(self) -> float | None:
        turned = [fold.turned_accuracy for fold in self.folds]
        return None if None in turned else statistics.fmean(t for t in turned if t is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "folds": [asdict(fold) for fold in self.folds],
            "pen_mean": self.pen_mean,
            "pen_spread": self.pen_spread,
            "mnist_mean": self.mnist_mean,
            "turned_mean": self.turned_mean,
            "per_digit": self.per_digit,
            "calibration": asdict(self.calibration),
            "confusions": self.confusions,
        }


def honest(config: Config) -> Config:
    """The recipe with nothing chosen on held-out writers."""
    return replace(config, keep_best_epoch=False, keep=config.networks)


def cross_validate(
    config: Config,
    folds: int = FOLDS,
    writers_left_out: int = 0,
    pen_digits: list[PenDigit] | None = None,
    cache: Path = CACHE_DIR,
) -> CrossValidation:
    """Train the recipe once per fold of writers; judge each on the writers it never saw.

    `writers_left_out` trains each fold on that many writers fewer (the next fold's
    first ones), judged on the same writers: what more writers are worth. `pen_digits`
    (all of pendigits' training writers by default) and `cache` are for tests.
    """
    config = honest(config)
    everyone = load_pendigits() if pen_digits is None else pen_digits
    data = load_data(replace(config, held_out_writers=()))
    writers = np.asarray([digit.writer for digit in everyone], np.int16)
    pen_train = _pen_renders(
        config, everyone, config.pen_copies, (config.seed, 1), cache, training=True
    )
    pen_validation = _pen_renders(
        config,
        everyone,
        config.pen_validation_copies,
        (config.seed, PEN_VALIDATION_SEED),
        cache,
        training=False,
    )
    train_writers = np.tile(writers, config.pen_copies)
    validation_writers = np.tile(writers, config.pen_validation_copies)
    mnist_train = _mnist(config, data, "mnist-train", cache)
    mnist_validation = _mnist(config, data, "mnist-validation", cache)
    results: list[Fold] = []
    answered: list[Answers] = []
    every_fold = writer_folds(everyone, folds)
    for number, fold_writers in enumerate(every_fold, start=1):
        print(f"-- fold {number}/{folds}: writers {list(fold_writers)} held out", flush=True)
        started = time.perf_counter()
        unused = every_fold[number % folds][:writers_left_out]
        keep = ~np.isin(train_writers, fold_writers + unused)
        held = np.isin(validation_writers, fold_writers)
        x_train = np.concatenate([mnist_train[0], pen_train[0][keep]])
        y_train = np.concatenate([mnist_train[1], pen_train[1][keep]])
        validation = Validation(
            mnist_validation,
            (pen_validation[0][held], pen_validation[1][held]),
            validation_writers[held],
        )
        fold_config = replace(config, held_out_writers=fold_writers)
        trained = fit_networks(fold_config, x_train, y_train, validation)
        del x_train
        model = trained.ensemble
        pixels, fold_labels = validation.pen
        answers = Answers(
            model.logits(pixels.astype(np.float32) / 255.0),
            fold_labels,
            validation.pen_writers,
            model.logits(mnist_validation[0].astype(np.float32) / 255.0),
            mnist_validation[1],
        )
        turned_pixels, turned_labels = _turned_renders(
            [digit for digit in everyone if digit.writer in fold_writers]
        )
        fold = Fold(
            writers=fold_writers,
            pen_accuracy=_accuracy(answers.pen_logits, answers.pen_labels),
            mnist_accuracy=_accuracy(answers.mnist_logits, answers.mnist_labels),
            history=trained.history,
            seconds=round(time.perf_counter() - started, 1),
            turned_accuracy=_accuracy(model.logits(turned_pixels), turned_labels),
        )
        print(
            f"   fold {number}: writers {fold.pen_accuracy:.2%}, "
            f"MNIST validation {fold.mnist_accuracy:.2%} ({fold.seconds:.0f} s)",
            flush=True,
        )
        results.append(fold)
        answered.append(answers)
    return _pooled(results, answered)


def mixed(first: CrossValidation, second: CrossValidation, network: int = 0) -> CrossValidation:
    """Network ``network`` of each of two recipes' folds, averaged as one ensemble of two.

    Both recipes were cross-validated over the same folds, so each fold's pair never saw
    its writers and nothing is chosen on them. A fold's time is each recipe's fold time
    per network, added: about what training the two networks takes.
    """
    folds, answered = [], []
    for fold_a, fold_b, a, b in zip(
        first.folds, second.folds, first.answers, second.answers, strict=True
    ):
        if fold_a.writers != fold_b.writers or not np.array_equal(a.pen_labels, b.pen_labels):
            raise ValueError("the two cross-validations read different folds")
        both = Answers(
            np.stack([a.pen_logits[network], b.pen_logits[network]]),
            a.pen_labels,
            a.pen_writers,
            np.stack([a.mnist_logits[network], b.mnist_logits[network]]),
            a.mnist_labels,
        )
        folds.append(
            Fold(
                writers=fold_a.writers,
                pen_accuracy=_accuracy(both.pen_logits, both.pen_labels),
                mnist_accuracy=_accuracy(both.mnist_logits, both.mnist_labels),
                history=[fold_a.history[network], fold_b.history[network]],
                seconds=round(
                    fold_a.seconds / len(fold_a.history) + fold_b.seconds / len(fold_b.history), 1
                ),
            )
        )
        answered.append(both)
    return _pooled(folds, answered)


def _accuracy(logits: npt.NDArray[np.float32], labels: Labels) -> float:
    """How many the averaged networks read right."""
    return float((ensemble_probabilities(logits, 1.0).argmax(axis=1) == labels).mean())


def _pooled(folds: list[Fold], answered: list[Answers]) -> CrossValidation:
    """The out-of-fold answers of all writers, together."""
    all_logits = np.concatenate([a.pen_logits for a in answered], axis=1)
    all_labels = np.concatenate([a.pen_labels for a in answered]).astype(np.int64)
    predicted = ensemble_probabilities(all_logits, 1.0).argmax(axis=1)
    confusion = np.zeros((10, 10), np.int64)
    np.add.at(confusion, (all_labels, predicted), 1)
    per_digit = [float(confusion[d, d] / max(1, confusion[d].sum())) for d in range(10)]
    writers = np.concatenate([a.pen_writers for a in answered])
    calibration = calibrate(all_logits, all_labels, writers)
    return CrossValidation(folds, per_digit, calibration, confusion.tolist(), answered)


def _pen_renders(
    config: Config,
    digits: list[PenDigit],
    copies: int,
    seed: tuple[int, ...],
    cache: Path,
    training: bool,
) -> tuple[Pixels, Labels]:
    variation = pen_variation(config) if training else dataset.AS_WRITTEN
    jitter = placement_jitter(config) if training else dataset.EXACTLY
    which = [(digit.writer, digit.label, len(digit.strokes)) for digit in digits]
    parameters = {
        "copies": copies,
        "seed": seed,
        "variation": asdict(variation),
        "placement": asdict(jitter),
        "digits": which,
    }
    progress = "pen" if training else "writers as written"
    return cached(
        "pen",
        parameters,
        lambda: dataset.render_pen(digits, copies, seed, progress, variation, jitter),
        cache,
    )


def _turned_renders(digits: list[PenDigit]) -> tuple[npt.NDArray[np.float32], Labels]:
    """The digits turned TURN_DEG each way (clockwise first), otherwise as written, as the
    model reads them."""
    upright = replace(dataset.AS_WRITTEN, rotation_deg=0.0)
    pixels, labels = [], []
    for index, digit in enumerate(digits):
        for way, degrees in enumerate((TURN_DEG, -TURN_DEG)):
            rng = np.random.default_rng((TURNED_SEED, index, way))
            image = render_pen_digit(turned(digit.strokes, degrees), digit.label, rng, upright)
            pixels.append(preprocess(image).reshape(-1))
            labels.append(digit.label)
    return np.stack(pixels).astype(np.float32), np.asarray(labels, np.uint8)


def _mnist(config: Config, data: Data, which: str, cache: Path) -> tuple[Pixels, Labels]:
    training = which == "mnist-train"
    index = data.train_index if training else data.validation_index
    copies = list(range(config.copies)) if training else [VALIDATION_COPY]
    jitter = placement_jitter(config) if training else dataset.EXACTLY
    parameters = {
        "seed": config.seed,
        "subset": config.subset,
        "validation": config.validation,
        "copies": copies,
        "elastic": config.mnist_elastic,
        "placement": asdict(jitter),
    }
    return cached(
        which,
        parameters,
        lambda: mnist_renders(config, data.mnist, index, copies, jitter),
        cache,
    )
