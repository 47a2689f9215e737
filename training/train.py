"""Train the shipped model: `python -m training.train` (or `make train`).

MNIST train is split into a training part and a validation part (never MNIST test).
The training part is used as it is and in canvas-style augmented copies, all passed
through serving's preprocessing. Several scikit-learn MLPs are trained with a step
learning-rate decay; each keeps the epoch that validates best. Their averaged
softmax is exported as a numpy bundle, evaluated, and written to models/.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.neural_network import MLPClassifier

from training import dataset
from training.evaluate import evaluate, write_report
from training.export import MODEL_NAME, MODELS_DIR, ensemble_from_sklearn, write_model
from training.mnist import load_mnist


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


def train(config: Config, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    started = time.perf_counter()
    mnist = load_mnist()
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(mnist.train_labels))
    if config.subset:
        order = order[: config.subset]
    held_out = min(config.validation, len(order) // 5)
    val_index, train_index = np.sort(order[:held_out]), np.sort(order[held_out:])
    images, labels = mnist.train_images, mnist.train_labels

    print(f"Rendering: {len(train_index)} training digits x (1 + {config.copies} copies)")
    skeletons = dataset.compute_skeletons(images[order])
    by_index = dict(zip(order.tolist(), skeletons, strict=True))
    train_sk = [by_index[i] for i in train_index.tolist()]
    val_sk = [by_index[i] for i in val_index.tolist()]
    train_x = [dataset.preprocess_mnist(images[train_index])]
    for copy in range(config.copies):
        train_x.append(
            dataset.render(
                "augment", images[train_index], labels[train_index], train_sk, (config.seed, copy)
            )
        )
    x_train = np.concatenate(train_x)
    y_train = np.tile(labels[train_index], 1 + config.copies)
    x_val = np.concatenate(
        [
            dataset.preprocess_mnist(images[val_index]),
            dataset.render(
                "augment", images[val_index], labels[val_index], val_sk, (config.seed, 99)
            ),
        ]
    )
    y_val = np.tile(labels[val_index], 2)
    print(f"Training set {x_train.shape}, validation set {x_val.shape}", flush=True)

    estimators = []
    val_scores = []
    for member in range(config.networks):
        estimator, score = train_network(config, member, x_train, y_train, x_val, y_val)
        estimators.append(estimator)
        val_scores.append(score)
    ensemble = ensemble_from_sklearn(estimators)
    val_proba = ensemble.predict_proba(x_val.astype(np.float32) / 255.0)
    ensemble_val = float((val_proba.argmax(axis=1) == y_val).mean())
    print(f"Ensemble validation accuracy: {ensemble_val:.4%}")

    training_info = {
        "config": asdict(config),
        "training_samples": len(y_train),
        "validation_samples": len(y_val),
        "validation_accuracy_per_network": val_scores,
        "validation_accuracy_ensemble": ensemble_val,
        "seconds": round(time.perf_counter() - started, 1),
        "data": "MNIST train (60k) split into train/validation, plus canvas-style augmentations",
    }
    limit = config.subset and min(config.subset, len(mnist.test_labels))
    metrics = evaluate(ensemble, mnist, models_dir, limit=limit)
    write_model(ensemble, training_info, metrics, models_dir=models_dir)
    metadata = json.loads((models_dir / f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
    write_report(metadata, models_dir)
    print(f"Done in {time.perf_counter() - started:.0f} s; model written to {models_dir}")
    return metrics


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
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    config = Config(
        seed=args.seed,
        copies=args.copies,
        networks=args.networks,
        hidden=tuple(int(size) for size in args.hidden.split(",")),
        epochs=args.epochs,
        decay_every=max(1, args.epochs // 4),
        subset=args.subset,
    )
    train(config, models_dir=args.models_dir)


if __name__ == "__main__":
    main()
