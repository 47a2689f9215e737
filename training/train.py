"""Train the shipped model: `python -m training.train` (or `make train`).

MNIST train is split into a training part and a validation part (never MNIST test).
The training part is used as it is and in canvas-style augmented copies, all passed
through serving's preprocessing. Several scikit-learn MLPs are trained with a step
learning-rate decay; each keeps the epoch that validates best. Their averaged
softmax is exported as a numpy bundle, evaluated, and written to models/.

``--feedback FOLDER|s3://bucket/prefix/`` adds the drawings people corrected on the
page (training.feedback), each repeated ``--feedback-copies`` times; the run reports
how many it used and the accuracy on them of the previous model and of the new one.
The new one has trained on them: "after" shows they were learnt, not how it generalises.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.neural_network import MLPClassifier

from digits.model import MlpEnsemble, load_model
from training import dataset
from training.evaluate import evaluate, write_report
from training.export import MODEL_NAME, MODELS_DIR, ensemble_from_sklearn, write_model
from training.feedback import FeedbackSet, feedback_accuracy, load_feedback
from training.mnist import Mnist, load_mnist

VALIDATION_COPY = 99  # seed of the validation set's augmented rendering


@dataclass(frozen=True)
class Config:
    seed: int = 20261126
    validation: int = 5000
    copies: int = 5  # augmented renderings of each training digit
    networks: int = 3
    hidden: tuple[int, ...] = (800, 400)
    epochs: int = 12
    decay_every: int = 3  # halve the learning rate every this many epochs
    learning_rate: float = 1e-3
    l2: float = 1e-5
    batch: int = 128
    subset: int = 0  # 0 = all of MNIST train; a small number for a smoke run
    # Networks shipped: the subset of the trained ones that validates best together.
    # Two 800-400 networks keep the model file under 10 MB; three would not.
    keep: int = 2
    feedback: str = ""  # a folder or s3://bucket/prefix of POST /feedback samples
    feedback_copies: int = 10  # each feedback sample counts this many times


def split(config: Config, mnist: Mnist) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(training, validation) indices into MNIST train, fixed by the seed."""
    order = np.random.default_rng(config.seed).permutation(len(mnist.train_labels))
    if config.subset:
        order = order[: config.subset]
    held_out = min(config.validation, len(order) // 5)
    return np.sort(order[held_out:]), np.sort(order[:held_out])


def labelled_set(
    config: Config, mnist: Mnist, index: npt.NDArray[np.intp], copies: Sequence[int]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """The digits as they are plus one augmented rendering per copy seed."""
    images, labels = mnist.train_images[index], mnist.train_labels[index]
    skeletons = dataset.compute_skeletons(images)
    parts = [dataset.preprocess_mnist(images)]
    parts += [
        dataset.render("augment", images, labels, skeletons, (config.seed, copy)) for copy in copies
    ]
    return np.concatenate(parts), np.tile(labels, len(parts))


def train(
    config: Config,
    models_dir: Path = MODELS_DIR,
    trained: MlpEnsemble | None = None,
    trained_seconds: float | None = None,
) -> dict[str, Any]:
    """Train (or, given ``trained`` networks, only re-select and re-export) and evaluate."""
    started = time.perf_counter()
    mnist = load_mnist()
    train_index, val_index = split(config, mnist)
    x_val, y_val = labelled_set(config, mnist, val_index, [VALIDATION_COPY])
    val_scores: list[float] = []
    training_samples = len(train_index) * (1 + config.copies)
    feedback, before = _feedback_before(config, models_dir)
    if trained is None:
        print(f"Rendering: {len(train_index)} training digits x (1 + {config.copies} copies)")
        x_train, y_train = labelled_set(config, mnist, train_index, range(config.copies))
        if len(feedback):
            x_train = np.concatenate(
                [x_train, np.tile(feedback.pixels, (config.feedback_copies, 1))]
            )
            y_train = np.concatenate([y_train, np.tile(feedback.labels, config.feedback_copies)])
            training_samples = len(y_train)
        print(f"Training set {x_train.shape}, validation set {x_val.shape}", flush=True)
        estimators = []
        for member in range(config.networks):
            estimator, score = train_network(config, member, x_train, y_train, x_val, y_val)
            estimators.append(estimator)
            val_scores.append(score)
        trained = ensemble_from_sklearn(estimators)
    else:
        val_scores = [accuracy(MlpEnsemble((net,)), x_val, y_val) for net in trained.networks]
    ensemble, kept = select_members(trained, x_val, y_val, config.keep)
    ensemble_val = accuracy(ensemble, x_val, y_val)
    print(f"Ensemble of networks {kept}: validation accuracy {ensemble_val:.4%}")

    training_info = {
        "config": asdict(config),
        "training_samples": training_samples,
        "validation_samples": len(y_val),
        "validation_accuracy_per_network": val_scores,
        "validation_accuracy_all_networks": accuracy(trained, x_val, y_val),
        "networks_kept": kept,
        "validation_accuracy_ensemble": ensemble_val,
        "seconds": round(trained_seconds or time.perf_counter() - started, 1),
        "data": "MNIST train (60k) split into train/validation, plus canvas-style augmentations",
    }
    if config.feedback:
        after = feedback_accuracy(ensemble, feedback) if trained_seconds is None else None
        training_info["feedback"] = {
            "samples": len(feedback),
            "skipped": feedback.skipped,
            "copies": config.feedback_copies,
            "accuracy_before": before,
            "accuracy_after": after,
        }
        print(
            f"Feedback: {len(feedback)} samples used ({feedback.skipped} skipped); accuracy on "
            f"them before {_percent(before)}, after {_percent(after)} (trained on them)"
        )
    limit = config.subset and min(config.subset, len(mnist.test_labels))
    metrics = evaluate(ensemble, mnist, models_dir, limit=limit)
    write_model(ensemble, training_info, metrics, models_dir=models_dir)
    metadata = json.loads((models_dir / f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
    write_report(metadata, models_dir)
    print(f"Done in {time.perf_counter() - started:.0f} s; model written to {models_dir}")
    return metrics


def _feedback_before(config: Config, models_dir: Path) -> tuple[FeedbackSet, float | None]:
    """The feedback samples, and how the model now in models_dir reads them."""
    empty = FeedbackSet(np.zeros((0, 784), np.uint8), np.zeros(0, np.uint8), 0)
    if not config.feedback:
        return empty, None
    feedback = load_feedback(config.feedback)
    previous = models_dir / f"{MODEL_NAME}.joblib"
    before = feedback_accuracy(load_model(previous), feedback) if previous.is_file() else None
    return feedback, before


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def accuracy(
    model: MlpEnsemble, pixels: npt.NDArray[np.uint8], labels: npt.NDArray[np.uint8]
) -> float:
    predicted = model.predict_proba(pixels.astype(np.float32) / 255.0).argmax(axis=1)
    return float((predicted == labels).mean())


def select_members(
    trained: MlpEnsemble, x_val: npt.NDArray[np.uint8], y_val: npt.NDArray[np.uint8], keep: int
) -> tuple[MlpEnsemble, list[int]]:
    """The `keep` networks whose averaged answer validates best (ties: earlier ones)."""
    best: tuple[float, list[int]] = (-1.0, [])
    count = len(trained.networks)
    for members in itertools.combinations(range(count), min(keep, count)):
        score = accuracy(MlpEnsemble(tuple(trained.networks[i] for i in members)), x_val, y_val)
        if score > best[0]:
            best = (score, list(members))
    return MlpEnsemble(tuple(trained.networks[i] for i in best[1])), best[1]


def train_network(
    config: Config,
    member: int,
    x_train: npt.NDArray[np.uint8],
    y_train: npt.NDArray[np.uint8],
    x_val: npt.NDArray[np.uint8],
    y_val: npt.NDArray[np.uint8],
) -> tuple[MLPClassifier, float]:
    """One MLP, trained epoch by epoch on shuffled chunks; the best epoch is kept."""
    rng = np.random.default_rng((config.seed, member))
    estimator = MLPClassifier(
        hidden_layer_sizes=config.hidden,
        alpha=config.l2,
        batch_size=config.batch,
        learning_rate_init=config.learning_rate,
        random_state=config.seed + member,
        shuffle=True,
    )
    classes = np.arange(10)
    x_val_f = x_val.astype(np.float32) / 255.0
    best_score, best_state = -1.0, None
    for epoch in range(config.epochs):
        if epoch and epoch % config.decay_every == 0:
            # scikit-learn's Adam has no schedule for partial_fit; a step decay of its
            # base rate gives a clearly better optimum than a constant rate.
            estimator._optimizer.learning_rate_init /= 2
        tick = time.perf_counter()
        permutation = rng.permutation(len(y_train))
        for start in range(0, len(permutation), 20000):
            part = permutation[start : start + 20000]
            estimator.partial_fit(
                x_train[part].astype(np.float32) / 255.0, y_train[part], classes=classes
            )
        score = float(estimator.score(x_val_f, y_val))
        print(
            f"  network {member + 1}/{config.networks} epoch {epoch + 1}/{config.epochs}:"
            f" validation {score:.4%} ({time.perf_counter() - tick:.0f} s)",
            flush=True,
        )
        if score > best_score:
            best_score = score
            best_state = (
                [w.copy() for w in estimator.coefs_],
                [b.copy() for b in estimator.intercepts_],
            )
    assert best_state is not None  # noqa: S101  # at least one epoch ran
    estimator.coefs_, estimator.intercepts_ = best_state
    return estimator, best_score


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Config()
    parser.add_argument("--copies", type=int, default=defaults.copies)
    parser.add_argument("--networks", type=int, default=defaults.networks)
    parser.add_argument("--hidden", default=",".join(map(str, defaults.hidden)))
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument(
        "--subset", type=int, default=0, help="use only N MNIST train digits (smoke runs)"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--keep", type=int, default=defaults.keep, help="networks shipped")
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument(
        "--feedback",
        default="",
        help="also train on POST /feedback samples: a folder or s3://bucket/prefix/",
    )
    parser.add_argument("--feedback-copies", type=int, default=defaults.feedback_copies)
    parser.add_argument(
        "--reselect",
        action="store_true",
        help="train nothing: re-select --keep of the networks already in --models-dir's "
        "model (same validation set), then export and evaluate again",
    )
    args = parser.parse_args(argv)
    config = Config(
        seed=args.seed,
        copies=args.copies,
        networks=args.networks,
        hidden=tuple(int(size) for size in args.hidden.split(",")),
        epochs=args.epochs,
        decay_every=max(1, args.epochs // 4),
        subset=args.subset,
        keep=args.keep,
        feedback=args.feedback,
        feedback_copies=args.feedback_copies,
    )
    if not args.reselect:
        train(config, models_dir=args.models_dir)
        return
    previous = json.loads((args.models_dir / f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
    trained = load_model(args.models_dir / f"{MODEL_NAME}.joblib")
    if not isinstance(trained, MlpEnsemble):
        raise SystemExit("--reselect needs a model bundle made by this training")
    config = Config(
        **{
            **previous["training"]["config"],
            "keep": args.keep,
            "hidden": tuple(previous["training"]["config"]["hidden"]),
        }
    )
    train(config, args.models_dir, trained, previous["training"]["seconds"])


if __name__ == "__main__":
    main()
